//! Beyond one machine (DESIGN.md §8): `analyze --partial` writes a run's mergeable state to
//! a part file, and `merge` folds parts, in order, into the state one run over all their
//! inputs would have built, duplicates and abandoned flows included, then finishes it with
//! the pipeline's own `finish`. `format` is the file, `record` the per-record replay
//! section (`decode` reads it back), `merge` the fold, `serde_util` the serde helpers of the stored types.

mod decode;
pub mod format;
pub mod merge;
pub mod record;
pub mod serde_util;

use crate::config::Common;
use crate::locations::NamedLocations;
use crate::pipeline::State;
use crate::policy::PolicySet;
use format::{Meta, PartOptions, StateRepr};

/// What a part records of the command line and the loaded `--locations`/`--policies`.
pub fn options_of(
    c: &Common,
    locations: Option<&NamedLocations>,
    policies: Option<&PolicySet>,
    assume_disjoint: bool,
) -> PartOptions {
    PartOptions {
        filters: c
            .filter_desc
            .iter()
            .map(|(n, v)| ((*n).to_string(), v.clone()))
            .collect(),
        filter_flags: c.filter_flags.clone(),
        notes: c.notes.clone(),
        redact: c.redact,
        prefilter: c.filter.has_early(),
        disjoint: assume_disjoint,
        locations: locations.map(|l| l.locations.clone()),
        location_notes: locations.map(|l| l.notes.clone()).unwrap_or_default(),
        policies: policies.cloned(),
    }
}

/// The metadata of a part holding `st`.
pub fn meta_of(st: &State, options: PartOptions) -> Meta {
    Meta {
        casift: crate::run::VERSION.to_string(),
        options,
        state: StateRepr {
            acc: st.acc.clone(),
            inputs: st.inputs.clone(),
            skipped: st.skipped.clone(),
            skipped_total: st.skipped_total,
            totals: st.totals,
            joined: st.joined,
        },
        auth_ids: st.auth_ids.clone(),
    }
}

/// The named locations a part was written with, as loaded.
pub fn locations_of(o: &PartOptions) -> Option<NamedLocations> {
    o.locations.clone().map(|v| {
        let mut l = NamedLocations::new(v);
        l.notes.clone_from(&o.location_notes);
        l
    })
}

/// The `Common` options of a merge: those the parts were written with, and the output
/// options of the merge.
pub fn common_of(o: &PartOptions, redact: bool, quiet: bool, extra_notes: &[&str]) -> Common {
    let mut notes = o.notes.clone();
    notes.extend(extra_notes.iter().map(|n| (*n).to_string()));
    Common {
        inputs: Vec::new(),
        locations: Vec::new(),
        policies: Vec::new(),
        filter: crate::filter::Filter::default(),
        filter_desc: o
            .filters
            .iter()
            .map(|(n, v)| (serde_util::intern(n), v.clone()))
            .collect(),
        filter_flags: o.filter_flags.clone(),
        notes,
        threads: 1,
        strict: false,
        quiet,
        redact,
        chunk_bytes: None,
    }
}

#[cfg(test)]
mod tests;
