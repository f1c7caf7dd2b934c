//! One function per subcommand: load the locations, run the pipeline, render, and write
//! the output atomically (temporary file, then rename). Returns the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{Common, Settings};
use crate::error::{Error, Result};
use crate::evaluate::Severity;
use crate::input::source;
use crate::locations::NamedLocations;
use crate::pipeline::{self, Options};
use crate::report::{self, Redactor, ReportFormat, RunMeta, explain, records};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs a resolved command; warnings go to `warn`, the result to stdout or the output file.
pub fn run(settings: Settings, warn: &mut dyn Write) -> Result<i32> {
    match settings {
        Settings::Analyze {
            common,
            format,
            output,
            fail_on,
            per_sign_in,
        } => {
            if per_sign_in && format == ReportFormat::Csv {
                // One row per matched sign-in: the record writer of `filter`, through the
                // pipeline's streaming sink; the exit code still follows --fail-on.
                return records_cmd(&common, true, output.as_deref(), fail_on, warn);
            }
            analyze(&common, format, output.as_deref(), fail_on, warn)
        }
        Settings::Explain { common, id, json } => explain_cmd(&common, &id, json, warn),
        Settings::Filter {
            common,
            csv,
            output,
        } => records_cmd(&common, csv, output.as_deref(), None, warn),
        Settings::Locations { file, ips, json } => {
            let locs = NamedLocations::load(&[file])?;
            let results = report::lookup::lookup(&locs, &ips);
            let text = if json {
                report::lookup::render_json(&results)
            } else {
                report::lookup::render_text(&results)
            };
            write_stdout(text.as_bytes())?;
            Ok(0)
        }
        Settings::Lint {
            policies,
            locations,
            break_glass,
            format,
            output,
            fail_on,
        } => lint_cmd(
            &policies,
            &locations,
            break_glass,
            format,
            output.as_deref(),
            fail_on,
            warn,
        ),
    }
}

/// `casift lint`: load the policies and locations, lint, render, and say on stderr which
/// findings reach `--fail-on`.
fn lint_cmd(
    policies: &[PathBuf],
    locations: &[PathBuf],
    break_glass: Vec<String>,
    format: ReportFormat,
    output: Option<&Path>,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> Result<i32> {
    let set = crate::policy::load::load(policies)?;
    let mut run_notes = Vec::new();
    let extra = if locations.is_empty() {
        Vec::new()
    } else {
        let l = NamedLocations::load(locations)?;
        run_notes.push(format!(
            "{} named location(s) read from --locations",
            l.locations.len()
        ));
        l.locations
    };
    let opts = crate::policy::lint::LintOptions { break_glass };
    let result = crate::policy::lint::lint(&set, &extra, &opts);
    let rep = report::lint::build(&set, &result, VERSION, &run_notes);
    let mut buf = Vec::new();
    report::lint::render(format, &rep, &mut buf)?;
    write_output(output, &buf)?;
    let Some(min) = fail_on else { return Ok(0) };
    let failing = result.at_or_above(min);
    if failing.is_empty() {
        return Ok(0);
    }
    let mut rules: Vec<&str> = Vec::new();
    for f in &failing {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    let _ = writeln!(
        warn,
        "{} finding{} at or above {}: {}",
        failing.len(),
        if failing.len() == 1 { "" } else { "s" },
        min.as_str(),
        rules.join(", ")
    );
    Ok(1)
}

fn load_locations(c: &Common) -> Result<Option<NamedLocations>> {
    if c.locations.is_empty() {
        Ok(None)
    } else {
        NamedLocations::load(&c.locations).map(Some)
    }
}

fn options<'a>(c: &Common) -> Options<'a> {
    let mut o = Options {
        threads: c.threads,
        strict: c.strict,
        track_order: c.redact,
        progress: !c.quiet,
        ..Options::default()
    };
    if let Some(n) = c.chunk_bytes {
        o.read.chunk_bytes = n.max(1);
        o.read.csv_rows = (n / 512).max(1);
    }
    o
}

/// The pseudonyms of `--redact` (numbered over every kept record), or none.
fn redactor(c: &Common, a: &crate::analysis::Analysis, locs: Option<&NamedLocations>) -> Redactor {
    if c.redact {
        Redactor::new(&a.acc, locs)
    } else {
        Redactor::off()
    }
}

fn warn_skips(a: &crate::analysis::Analysis, warn: &mut dyn Write) {
    let t = &a.totals;
    if t.records_skipped > 0 {
        let first = a.skipped.first().map_or_else(String::new, |s| {
            format!(
                " (first: {} record {} line {}: {})",
                a.input_label(s.input),
                s.record,
                s.line,
                s.reason
            )
        });
        let _ = writeln!(
            warn,
            "casift: warning: {} of {} records were skipped{first}; the report lists them",
            t.records_skipped, t.records_read
        );
    }
}

fn analyze(
    c: &Common,
    format: ReportFormat,
    output: Option<&Path>,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> Result<i32> {
    let locs = load_locations(c)?;
    let inputs = source::expand(&c.inputs)?;
    let a = pipeline::run(&inputs, &c.filter, locs.as_ref(), options(c))?;
    warn_skips(&a, warn);
    let redactor = redactor(c, &a, locs.as_ref());
    let meta = RunMeta {
        version: VERSION.to_string(),
        filters: c.filter_desc.clone(),
    };
    let mut buf = Vec::new();
    report::render(format, &a, &meta, &redactor, &mut buf)?;
    write_output(output, &buf)?;
    Ok(exit_code(&a, fail_on))
}

fn exit_code(a: &crate::analysis::Analysis, fail_on: Option<Severity>) -> i32 {
    let failing =
        fail_on.is_some_and(|min| a.findings.iter().any(|f| f.acc.rule.severity() >= min));
    i32::from(failing)
}

fn explain_cmd(c: &Common, id: &str, json: bool, warn: &mut dyn Write) -> Result<i32> {
    let locs = load_locations(c)?;
    let inputs = source::expand(&c.inputs)?;
    let mut opts = options(c);
    opts.collect = true;
    let a = pipeline::run(&inputs, &c.filter, locs.as_ref(), opts)?;
    warn_skips(&a, warn);
    if a.collected.is_empty() {
        return Err(Error::NotFound(format!(
            "no sign-in with request id or correlation id {id:?} among {} records searched in {} input(s)",
            a.totals.records_read,
            a.inputs.len()
        )));
    }
    let redactor = redactor(c, &a, locs.as_ref());
    let text = if json {
        explain::render_json(&a, id, locs.as_ref(), &redactor)
    } else {
        explain::render_text(&a, locs.as_ref(), &redactor)
    };
    write_stdout(text.as_bytes())?;
    Ok(0)
}

/// Matched sign-ins as records (`filter`, and `analyze -f csv --per-sign-in`).
fn records_cmd(
    c: &Common,
    csv: bool,
    output: Option<&Path>,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> Result<i32> {
    let locs = load_locations(c)?;
    let inputs = source::expand(&c.inputs)?;
    // Pseudonyms are numbered in first-seen order over the whole input, so a redacted
    // stream needs that order first: one pass to learn it, one to write.
    if c.redact && inputs.contains(&source::InputPath::Stdin) {
        return Err(Error::Usage(
            "--redact with `filter` (or --per-sign-in) reads the input twice, and stdin cannot be read twice: save it to a file first".to_string(),
        ));
    }
    let redactor = if c.redact {
        let a = pipeline::run(&inputs, &c.filter, locs.as_ref(), options(c))?;
        Redactor::new(&a.acc, locs.as_ref())
    } else {
        Redactor::off()
    };
    let sink_fn = |s: &crate::model::SignIn, hits: &[crate::evaluate::Hit], out: &mut Vec<u8>| {
        let facts = crate::evaluate::facts(s);
        if csv {
            records::write_csv(s, facts, hits, &redactor, out);
        } else {
            records::write_jsonl(s, facts, hits, &redactor, out);
        }
    };
    let mut sink = AtomicOutput::create(output)?;
    if csv {
        sink.write_all(&records::csv_header())?;
    }
    let a = {
        let mut opts = options(c);
        opts.track_order = false;
        opts.sink = Some((&sink_fn, &mut sink));
        pipeline::run(&inputs, &c.filter, locs.as_ref(), opts)?
    };
    warn_skips(&a, warn);
    sink.commit()?;
    Ok(exit_code(&a, fail_on))
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let mut o = AtomicOutput::create(path)?;
    o.write_all(bytes)?;
    o.commit()
}

/// Stdout, or a temporary file beside the target that is renamed over it on success, so an
/// interrupted run never leaves a half-written report in place.
pub struct AtomicOutput {
    target: Option<PathBuf>,
    tmp: Option<PathBuf>,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicOutput {
    pub fn create(path: Option<&Path>) -> Result<AtomicOutput> {
        let Some(p) = path else {
            return Ok(AtomicOutput {
                target: None,
                tmp: None,
                file: None,
            });
        };
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".to_string());
        let tmp = dir.join(format!(".{name}.casift-{}.tmp", std::process::id()));
        let f = std::fs::File::create(&tmp).map_err(|e| Error::Output {
            path: p.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(AtomicOutput {
            target: Some(p.to_path_buf()),
            tmp: Some(tmp),
            file: Some(std::io::BufWriter::new(f)),
        })
    }

    pub fn commit(mut self) -> Result<()> {
        if let (Some(f), Some(tmp), Some(target)) =
            (self.file.take(), self.tmp.take(), self.target.as_ref())
        {
            let fail = |e: std::io::Error| Error::Output {
                path: target.display().to_string(),
                reason: e.to_string(),
            };
            let done = f
                .into_inner()
                .map_err(|e| fail(e.into_error()))
                .and_then(|f| f.sync_all().map_err(fail))
                .and_then(|()| std::fs::rename(&tmp, target).map_err(fail));
            if done.is_err() {
                // Never leave the partial temporary file behind (e.g. the target is a directory).
                let _ = std::fs::remove_file(&tmp);
            }
            done?;
        }
        Ok(())
    }
}

impl Write for AtomicOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => std::io::stdout().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => std::io::stdout().flush(),
        }
    }
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        // Not committed: remove the partial temporary file.
        if let Some(tmp) = self.tmp.take() {
            self.file.take();
            let _ = std::fs::remove_file(tmp);
        }
    }
}
