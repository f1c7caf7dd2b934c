//! `analyze --partial` (the run's state to a part file instead of a report) and `merge`
//! (parts, in order, to the report of one run over all their inputs, or to a part again).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    check_found, load_inputs, options, preflight, report_cmd, say_wrote, warn_ignored,
    warn_locations, warn_skips,
};
use crate::config::Common;
use crate::error::{Error, Result};
use crate::evaluate::Severity;
use crate::input::source;
use crate::input::source::InputPath;
use crate::output::{Output, Reads};
use crate::partial::format::{PartFile, PartWriter};
use crate::partial::merge::{DISJOINT_NOTE, Merger};
use crate::pipeline;
use crate::report::ReportFormat;

/// `casift analyze INPUT... --partial -o PART`.
pub(super) fn partial_cmd(
    c: &Common,
    output: Option<&Path>,
    assume_disjoint: bool,
    warn: &mut dyn Write,
) -> Result<i32> {
    let Some(path) = output else {
        return Err(Error::Usage(
            "--partial needs -o PART: a part is a file for `casift merge`".to_string(),
        ));
    };
    let (locs, pols) = load_inputs(c)?;
    let inputs = source::expand(&c.inputs)?;
    preflight(c, &inputs, output)?;
    warn_ignored(&inputs, warn);
    warn_locations(locs.as_ref(), warn);
    let mut file = Output::new(Some(path));
    let mut part = PartWriter::new(&mut file)?;
    let st = {
        let mut opts = options(c);
        opts.policies = pols.as_ref();
        if !assume_disjoint {
            opts.frames = Some(&mut part);
        }
        pipeline::run_state(&inputs, &c.filter, locs.as_ref(), opts)?
    };
    let options = crate::partial::options_of(c, locs.as_ref(), pols.as_ref(), assume_disjoint);
    let meta = crate::partial::meta_of(&st, options);
    let a = pipeline::finish(st, locs.as_ref(), pols.as_ref());
    check_found(c, &a)?;
    warn_skips(&a, warn);
    part.finish(&meta)?;
    file.commit()?;
    say_wrote(
        warn,
        output,
        c.quiet,
        a.totals.records_kept,
        "sign-in kept",
        "sign-ins kept",
    );
    Ok(0)
}

/// The output options of `casift merge`.
pub(super) struct MergeOpts<'a> {
    pub format: ReportFormat,
    pub output: Option<&'a Path>,
    pub fail_on: Option<Severity>,
    pub redact: bool,
    pub quiet: bool,
    pub partial: bool,
    pub assume_disjoint: bool,
}

/// `casift merge PART...`.
pub(super) fn merge_cmd(parts: &[PathBuf], o: MergeOpts<'_>, warn: &mut dyn Write) -> Result<i32> {
    // Never over one of the parts (a tree merge writing where it reads).
    let reads: Vec<InputPath> = parts.iter().map(|p| InputPath::File(p.clone())).collect();
    crate::output::preflight(o.output, &Reads::default().inputs(&reads))?;
    let mut file = o.partial.then(|| Output::new(o.output));
    let (st, options, first, disjoint) = {
        let out = file.as_mut().map(|f| f as &mut dyn Write);
        let mut merger = Merger::new(o.assume_disjoint, out)?;
        for p in parts {
            merger.add(PartFile::open(p)?)?;
        }
        let Some((first, options)) = merger.options() else {
            return Err(Error::Usage("merge needs at least one part".to_string()));
        };
        let (first, options) = (first.to_string(), options.clone());
        let disjoint = merger.disjoint();
        let Some(st) = merger.finish()? else {
            return Err(Error::Usage("merge needs at least one part".to_string()));
        };
        (st, options, first, disjoint)
    };
    if let Some(f) = file {
        f.commit()?;
        say_wrote(
            warn,
            o.output,
            o.quiet,
            parts.len() as u64,
            "part merged",
            "parts merged",
        );
        return Ok(0);
    }
    if o.redact && !options.redact {
        return Err(Error::Part {
            path: first,
            reason: "written without --redact: pseudonyms are numbered over every record in input order, which a part keeps only when written with `analyze --partial --redact`".to_string(),
        });
    }
    if !o.redact && options.redact && options.prefilter {
        return Err(Error::Part {
            path: first,
            reason: "written with --redact, which reads every record in full, so its counts can differ from a run without it under these filters: merge with --redact, or write the parts without it".to_string(),
        });
    }
    let locs = crate::partial::locations_of(&options);
    let pols = options.policies.clone();
    let a = pipeline::finish(st, locs.as_ref(), pols.as_ref());
    let notes: &[&str] = if disjoint { &[DISJOINT_NOTE] } else { &[] };
    let c = crate::partial::common_of(&options, o.redact, o.quiet, notes);
    report_cmd(
        &c,
        a,
        locs.as_ref(),
        pols.as_ref(),
        o.format,
        o.output,
        o.fail_on,
        warn,
    )
}
