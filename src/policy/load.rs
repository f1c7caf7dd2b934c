//! Reading Conditional Access policy exports in every shape (POLICIES.md §C: Graph lists and
//! entities, bare arrays, PowerShell SDK dumps, EntraExporter trees, Untitled Goose JSON
//! Lines, the Extractor-Suite CSV; in directories, zips, UTF-8/UTF-16) into one
//! [`PolicySet`], with the named locations found among them. Detection is by content; paths
//! only name things in messages. Never panics on any input: a bad file is an
//! [`crate::error::Error::Policies`] naming the file and the policy, record or line.
//!
//! Submodules: `container` (paths, directories, zip, gzip, decoding), `detect` (which shape
//! a file is, items → policies/locations), `obj` (case-insensitive view over camelCase and
//! PascalCase objects), `json` (policy, grant, session), `conditions`, `extractor` (CSV).

mod conditions;
mod container;
mod detect;
mod extractor;
mod json;
mod obj;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::Result;
use crate::locations::NamedLocation;
use crate::policy::{Policy, PolicyInput, PolicySet};

pub use extractor::MISSING as EXTRACTOR_CSV_MISSING;

/// Reads each path: a file, a directory (recursively, in sorted order; files that are not
/// policy exports are listed in `inputs` as `ignored`), or a zip (every member). Policies
/// keep input order; the same id twice is kept once (see [`PolicySet::notes`] when the
/// copies differ).
pub fn load(paths: &[PathBuf]) -> Result<PolicySet> {
    let mut acc = Acc::default();
    for path in paths {
        container::read_path(path, &mut acc)?;
    }
    Ok(acc.set)
}

/// One file's content already in memory (a zip too); `label` names it in messages.
pub fn load_bytes(label: &str, bytes: &[u8]) -> Result<PolicySet> {
    let mut acc = Acc::default();
    container::bytes_in(
        label,
        bytes,
        false,
        0,
        &mut acc,
        &mut container::Budget::default(),
    )?;
    Ok(acc.set)
}

/// The set being built, with the ids seen so far.
#[derive(Default)]
struct Acc {
    set: PolicySet,
    /// Lower-cased policy id → (index in `set.policies`, file it came from).
    seen: BTreeMap<String, (usize, String)>,
    seen_locations: BTreeMap<String, (usize, String)>,
    /// Files that held policies or named locations (even zero of them, as in `{"value":[]}`).
    recognised: usize,
}

impl Acc {
    fn ignored(&mut self, path: &str, why: impl Into<String>) {
        self.set.inputs.push(PolicyInput {
            path: path.to_string(),
            shape: "ignored",
            policies: 0,
            locations: 0,
            note: Some(why.into()),
        });
    }

    fn found(&mut self, path: &str, found: detect::Found) {
        self.recognised += 1;
        let (n_policies, n_locations) = (found.policies.len(), found.locations.len());
        let shape = if n_policies == 0 && (n_locations > 0 || found.locations_list) {
            "named_locations"
        } else {
            found.shape
        };
        let mut repeated = 0;
        for mut p in found.policies {
            p.origin.path = path.to_string();
            if !p.conditions.unknown_conditions.is_empty() {
                self.set.notes.push(format!(
                    "{path}: policy {}: conditions this build does not evaluate: {}",
                    p.label(),
                    p.conditions.unknown_conditions.join(", ")
                ));
            }
            if !self.keep_policy(&p, path) {
                repeated += 1;
                continue;
            }
            self.set.policies.push(p);
        }
        for l in found.locations {
            if !self.keep_location(&l, path) {
                repeated += 1;
                continue;
            }
            self.set.locations.push(l);
        }
        self.set
            .notes
            .extend(found.notes.into_iter().map(|n| format!("{path}: {n}")));
        if shape == "extractor_csv" {
            self.set.notes.push(format!(
                "{path}: the Extractor-Suite CSV is lossy: it cannot carry guest and external user \
                 types, authentication strength, authentication flows, workload and agent \
                 identities, user actions, authentication contexts or sign-in frequency \
                 'every time' (each policy's missing list names them); export with Graph or \
                 EntraExporter for a complete evaluation"
            ));
        }
        self.set.inputs.push(PolicyInput {
            path: path.to_string(),
            shape,
            policies: n_policies,
            locations: n_locations,
            note: (repeated > 0).then(|| format!("{repeated} already read from an earlier file")),
        });
    }

    /// Whether `p` is new; a different policy under a known id is noted and dropped.
    fn keep_policy(&mut self, p: &Policy, path: &str) -> bool {
        if p.id.is_empty() {
            return true;
        }
        let key = p.id.to_ascii_lowercase();
        if let Some((i, first)) = self.seen.get(&key) {
            let kept = &self.set.policies[*i];
            let mut a = kept.clone();
            a.origin = p.origin.clone();
            if a != *p {
                self.set.notes.push(format!(
                    "policy id {} is in {first} ({:?}) and in {path} ({:?}) with different content: the one from {first} is used",
                    p.id, kept.display_name, p.display_name
                ));
            }
            return false;
        }
        self.seen
            .insert(key, (self.set.policies.len(), path.to_string()));
        true
    }

    fn keep_location(&mut self, l: &NamedLocation, path: &str) -> bool {
        if l.id.is_empty() {
            return true;
        }
        let key = l.id.to_ascii_lowercase();
        if let Some((i, first)) = self.seen_locations.get(&key) {
            if self.set.locations[*i] != *l {
                self.set.notes.push(format!(
                    "named location id {} ({:?}) is in {first} and in {path} with different content: the one from {first} is used",
                    l.id, l.name
                ));
            }
            return false;
        }
        self.seen_locations
            .insert(key, (self.set.locations.len(), path.to_string()));
        true
    }
}

#[cfg(test)]
mod tests;
