//! One function per subcommand: load the locations, check the output against every input
//! (`output::preflight`), run the pipeline, render, and write the output (`output`, atomic
//! for a regular file). Returns the exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::analysis::{counted, was_were};
use crate::config::{Common, Settings};
use crate::error::{Error, Result};
use crate::evaluate::Severity;
use crate::input::source;
use crate::locations::NamedLocations;
use crate::pipeline::{self, Options};
use crate::policy::PolicySet;
use crate::report::{self, Redactor, ReportFormat, RunMeta, explain, records};

mod merge;
mod policies;

use policies::{lint_cmd, load_policy_inputs, policy_notes, whatif_cmd};

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
            partial,
        } => {
            if let Some(assume_disjoint) = partial {
                return merge::partial_cmd(&common, output.as_deref(), assume_disjoint, warn);
            }
            if per_sign_in && format == ReportFormat::Csv {
                // One row per matched sign-in: the record writer of `filter`, through the
                // pipeline's streaming sink; the exit code still follows --fail-on.
                return records_cmd(&common, true, output.as_deref(), fail_on, warn);
            }
            analyze(&common, format, output.as_deref(), fail_on, warn)
        }
        Settings::Merge {
            parts,
            format,
            output,
            fail_on,
            redact,
            quiet,
            partial,
            assume_disjoint,
        } => merge::merge_cmd(
            &parts,
            merge::MergeOpts {
                format,
                output: output.as_deref(),
                fail_on,
                redact,
                quiet,
                partial,
                assume_disjoint,
            },
            warn,
        ),
        Settings::Explain {
            common,
            id,
            json,
            output,
        } => explain_cmd(&common, &id, json, output.as_deref(), warn),
        Settings::Filter {
            common,
            csv,
            output,
        } => records_cmd(&common, csv, output.as_deref(), None, warn),
        Settings::Whatif {
            policies,
            locations,
            subject,
            json,
            output,
        } => whatif_cmd(&policies, &locations, &subject, json, output.as_deref()),
        Settings::Locations { file, ips, json } => {
            crate::output::preflight(None, &Default::default())?;
            let locs = NamedLocations::load(&[file])?;
            let results = report::lookup::lookup(&locs, &ips);
            let text = if json {
                report::lookup::render_json(&results)
            } else {
                report::lookup::render_text(&results)
            };
            write_output(None, text.as_bytes())?;
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

fn load_locations(c: &Common) -> Result<Option<NamedLocations>> {
    Ok(load_inputs(c)?.0)
}

/// The named locations (`--locations`, plus those found among the `--policies` files that
/// `--locations` does not already have) and the policies.
fn load_inputs(c: &Common) -> Result<(Option<NamedLocations>, Option<PolicySet>)> {
    load_policy_inputs(&c.policies, &c.locations)
}

/// What a `--locations` scan passed over, on stderr (the report's notes say it too).
fn warn_locations(locs: Option<&NamedLocations>, warn: &mut dyn Write) {
    for n in locs.map_or(&[][..], |l| l.notes.as_slice()) {
        let _ = writeln!(warn, "casift: warning: {n}");
    }
}

/// "casift: wrote FILE (N things)" on stderr, unless quiet or writing to stdout.
fn say_wrote(
    warn: &mut dyn Write,
    output: Option<&Path>,
    quiet: bool,
    n: u64,
    one: &str,
    many: &str,
) {
    if let Some(p) = output
        && !quiet
        && !crate::output::is_stdout(output)
    {
        let _ = writeln!(
            warn,
            "casift: wrote {} ({})",
            p.display(),
            counted(n, one, many)
        );
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
            "casift: warning: {} of {} {} skipped{first}; the report lists {}",
            t.records_skipped,
            counted(t.records_read, "record", "records"),
            was_were(t.records_skipped),
            if t.records_skipped == 1 { "it" } else { "them" }
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
    let (locs, pols) = load_inputs(c)?;
    let inputs = source::expand(&c.inputs)?;
    preflight(c, &inputs, output)?;
    warn_ignored(&inputs, warn);
    warn_locations(locs.as_ref(), warn);
    let mut opts = options(c);
    opts.policies = pols.as_ref();
    let a = pipeline::run(&inputs, &c.filter, locs.as_ref(), opts)?;
    check_found(c, &a)?;
    report_cmd(
        c,
        a,
        locs.as_ref(),
        pols.as_ref(),
        format,
        output,
        fail_on,
        warn,
    )
}

/// The report of a finished run (analyze, and merge of its parts): the notes on policies
/// and empty results, the pseudonyms, the output, the exit code.
#[allow(clippy::too_many_arguments)]
fn report_cmd(
    c: &Common,
    mut a: crate::analysis::Analysis,
    locs: Option<&NamedLocations>,
    pols: Option<&PolicySet>,
    format: ReportFormat,
    output: Option<&Path>,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> Result<i32> {
    if let Some(p) = pols {
        policy_notes(&mut a, p);
        // DESIGN.md §3: lint findings stay in `casift lint`, but their number is said.
        let extra = locs.map_or(&[][..], |l| l.locations.as_slice());
        let lint = crate::policy::lint::lint(p, extra, &Default::default());
        a.notes.push(format!("{}.", lint.summary()));
    }
    warn_skips(&a, warn);
    warn_empty(c, &mut a, warn);
    a.notes.extend(c.notes.iter().cloned());
    a.notes
        .extend(locs.iter().flat_map(|l| l.notes.iter().cloned()));
    let redactor = redactor(c, &a, locs);
    let meta = RunMeta {
        version: VERSION.to_string(),
        filters: c.filter_desc.clone(),
    };
    let mut buf = Vec::new();
    report::render(format, &a, &meta, &redactor, &mut buf)?;
    if matches!(format, ReportFormat::Text(_)) {
        write_styled(output, &buf)?;
    } else {
        write_output(output, &buf)?;
    }
    say_wrote(
        warn,
        output,
        c.quiet,
        a.acc.findings.total(),
        "finding",
        "findings",
    );
    Ok(exit_code(&a, fail_on, warn))
}

/// 1 when a finding is at or above `--fail-on`, with one line on stderr saying how many
/// and which rules ("3 findings at or above high: CA001 ×2, IP001"); else 0.
fn exit_code(
    a: &crate::analysis::Analysis,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> i32 {
    let Some(line) = fail_on.and_then(|min| fail_on_line(a, min)) else {
        return 0;
    };
    let _ = writeln!(warn, "casift: {line}");
    1
}

/// The `--fail-on` line, or `None` when no finding is at or above `min`.
pub fn fail_on_line(a: &crate::analysis::Analysis, min: Severity) -> Option<String> {
    let mut rules: std::collections::BTreeMap<crate::evaluate::Rule, u64> = Default::default();
    for f in a.findings.iter().filter(|f| f.acc.severity() >= min) {
        *rules.entry(f.acc.rule).or_default() += 1;
    }
    let total: u64 = rules.values().sum();
    if total == 0 {
        return None;
    }
    let list: Vec<String> = rules
        .iter()
        .map(|(r, &n)| {
            if n == 1 {
                r.id().to_string()
            } else {
                format!("{} ×{n}", r.id())
            }
        })
        .collect();
    Some(format!(
        "{} at or above {}: {}",
        counted(total, "finding", "findings"),
        min.as_str(),
        list.join(", ")
    ))
}

/// Exit 2 (DESIGN.md §1) when no input is a sign-in export: an empty directory, or only
/// files a directory scan passed over (a README, files that are not exports).
fn check_found(c: &Common, a: &crate::analysis::Analysis) -> Result<()> {
    use crate::input::Format;
    // An empty file, or authentication details alone, may be a download of an empty
    // window: read, and warned about as holding no record, not refused.
    if a.inputs.iter().any(|r| r.format != Format::Ignored) {
        return Ok(());
    }
    let named: Vec<String> = c.inputs.iter().map(|p| p.display().to_string()).collect();
    let looked = if a.inputs.is_empty() {
        if c.inputs.len() == 1 {
            "an empty directory"
        } else {
            "empty directories"
        }
        .to_string()
    } else {
        // The first file with its reason (a CA policy export, say), the next by name.
        let mut files: Vec<String> = a
            .inputs
            .iter()
            .take(3)
            .enumerate()
            .map(|(i, r)| match r.notes.first() {
                Some(n) if i == 0 => format!("{}: {n}", r.path),
                _ => r.path.clone(),
            })
            .collect();
        if a.inputs.len() > 3 {
            files.push(format!("{} more", a.inputs.len() - 3));
        }
        format!(
            "{} looked at: {}",
            counted(a.inputs.len() as u64, "file", "files"),
            files.join(", ")
        )
    };
    Err(Error::Usage(format!(
        "no sign-in export found in {} ({looked}); give the JSON or CSV files downloaded from the Entra sign-in logs",
        named.join(", ")
    )))
}

/// Says on stderr and in the notes when nothing was analysed, so an empty report is never
/// taken for a clean tenant (DESIGN.md §1).
fn warn_empty(c: &Common, a: &mut crate::analysis::Analysis, warn: &mut dyn Write) {
    let Some(msg) = empty_message(c, a) else {
        return;
    };
    let _ = writeln!(warn, "casift: warning: {msg}");
    let mut note = msg;
    if let Some(first) = note.get(..1) {
        note = format!("{}{}.", first.to_ascii_uppercase(), &note[1..]);
    }
    a.notes.push(note);
}

/// The sentence for an empty result, or `None` when sign-ins were analysed.
pub fn empty_message(c: &Common, a: &crate::analysis::Analysis) -> Option<String> {
    let t = &a.totals;
    if t.records_matched > 0 {
        return None;
    }
    let read = format!(
        "{} {} read",
        counted(t.records_read, "record", "records"),
        was_were(t.records_read)
    );
    if t.records_read == 0 {
        let paths: Vec<&str> = a.inputs.iter().map(|r| r.path.as_str()).collect();
        return Some(format!(
            "the inputs hold no sign-in record ({}): the report is empty, not clean",
            paths.join(", ")
        ));
    }
    if t.records_kept == 0 {
        return Some(format!(
            "no sign-in could be analysed: {read}, {} skipped and {}",
            t.records_skipped,
            counted(t.duplicates, "duplicate", "duplicates")
        ));
    }
    if c.filter_flags.is_empty() {
        return None;
    }
    Some(format!(
        "no sign-in matched the filters ({}); {read}",
        c.filter_flags.join(" ")
    ))
}

fn explain_cmd(
    c: &Common,
    id: &str,
    json: bool,
    output: Option<&Path>,
    warn: &mut dyn Write,
) -> Result<i32> {
    let (locs, pols) = load_inputs(c)?;
    let inputs = source::expand(&c.inputs)?;
    preflight(c, &inputs, output)?;
    warn_ignored(&inputs, warn);
    warn_locations(locs.as_ref(), warn);
    let mut opts = options(c);
    opts.collect = true;
    opts.policies = pols.as_ref();
    let a = pipeline::run(&inputs, &c.filter, locs.as_ref(), opts)?;
    check_found(c, &a)?;
    warn_skips(&a, warn);
    if a.collected.is_empty() {
        let filters = if c.filter_flags.is_empty() {
            String::new()
        } else {
            format!(" matching {}", c.filter_flags.join(" "))
        };
        return Err(Error::NotFound(format!(
            "no sign-in with request id or correlation id {id:?}{filters} among {} searched in {}",
            counted(a.totals.records_read, "record", "records"),
            counted(a.inputs.len() as u64, "input", "inputs")
        )));
    }
    let redactor = redactor(c, &a, locs.as_ref());
    let empty = NamedLocations::default();
    let eval_locs = locs.as_ref().unwrap_or(&empty);
    let text = if json {
        explain::render_json(&a, id, locs.as_ref(), &redactor, pols.as_ref())
    } else if let Some(set) = &pols {
        let lines = |c: &crate::analysis::Collected| {
            explain::policies::lines(&explain::policies::redacted(
                explain::policies::evaluate(c, set, eval_locs),
                &redactor,
            ))
        };
        let extra = explain::Extra {
            title: "Policy evaluation (offline, from --policies)",
            lines: &lines,
            policies: Some(set),
        };
        explain::render_text_with(&a, locs.as_ref(), &redactor, Some(&extra))
    } else {
        explain::render_text(&a, locs.as_ref(), &redactor)
    };
    write_output(output, text.as_bytes())?;
    say_wrote(
        warn,
        output,
        c.quiet,
        a.collected.len() as u64,
        "sign-in",
        "sign-ins",
    );
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
    preflight(c, &inputs, output)?;
    warn_ignored(&inputs, warn);
    warn_locations(locs.as_ref(), warn);
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
    let to_terminal = crate::output::is_stdout(output) && std::io::stdout().is_terminal();
    let sink_fn = |s: &crate::model::SignIn, hits: &[crate::evaluate::Hit], out: &mut Vec<u8>| {
        let facts = crate::evaluate::facts(s);
        let start = out.len();
        if csv {
            records::write_csv(s, facts, hits, &redactor, out);
        } else {
            records::write_jsonl(s, facts, hits, &redactor, out);
        }
        if to_terminal
            && let std::borrow::Cow::Owned(safe) =
                crate::report::terminal_bytes(&out[start..], !csv)
        {
            out.truncate(start);
            out.extend_from_slice(&safe);
        }
    };
    // Opened at the first record (or at the end), never before anything was read.
    let header = if csv {
        records::csv_header()
    } else {
        Vec::new()
    };
    let mut sink = crate::output::Output::with_header(output, header);
    let mut a = {
        let mut opts = options(c);
        opts.track_order = false;
        opts.sink = Some((&sink_fn, &mut sink));
        pipeline::run(&inputs, &c.filter, locs.as_ref(), opts)?
    };
    check_found(c, &a)?;
    warn_skips(&a, warn);
    warn_empty(c, &mut a, warn);
    sink.commit()?;
    say_wrote(
        warn,
        output,
        c.quiet,
        a.totals.records_matched,
        "sign-in",
        "sign-ins",
    );
    Ok(exit_code(&a, fail_on, warn))
}

/// What goes to stdout when it is a terminal: log values made visible (`terminal_bytes`).
fn for_stdout(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if std::io::stdout().is_terminal() {
        crate::report::terminal_bytes(bytes, crate::report::looks_like_json(bytes))
    } else {
        std::borrow::Cow::Borrowed(bytes)
    }
}

/// Writes a whole output; on a terminal, log values in it are made visible.
fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    write_to(path, bytes, false)
}

/// Writes the terminal text view, which escapes every value itself and styles its own text
/// (ANSI colours that the terminal must get as they are).
fn write_styled(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    write_to(path, bytes, true)
}

fn write_to(path: Option<&Path>, bytes: &[u8], styled: bool) -> Result<()> {
    // `-o /dev/stdout` reaches the same terminal as no `-o` at all.
    let bytes = if crate::output::is_stdout(path) && !styled {
        for_stdout(bytes)
    } else {
        std::borrow::Cow::Borrowed(bytes)
    };
    crate::output::write_all(path, &bytes)
}

/// Says on stderr which entries of a directory scan were not read (the report lists them
/// all among its inputs, as ignored with the reason).
fn warn_ignored(inputs: &[source::InputPath], warn: &mut dyn Write) {
    const SHOWN: usize = 10;
    let ignored: Vec<(String, &str)> = inputs
        .iter()
        .filter_map(|i| match i {
            source::InputPath::Ignored(_, why) => Some((i.label(), why.as_str())),
            _ => None,
        })
        .collect();
    for (path, why) in ignored.iter().take(SHOWN) {
        let _ = writeln!(warn, "casift: warning: ignored {path}: {why}");
    }
    if ignored.len() > SHOWN {
        let _ = writeln!(
            warn,
            "casift: warning: {} more directory entries ignored; the report lists them",
            ignored.len() - SHOWN
        );
    }
}

/// Refuses a closed stdout, or a target that one of the run's inputs is (DESIGN.md §9).
fn preflight(c: &Common, inputs: &[source::InputPath], output: Option<&Path>) -> Result<()> {
    let reads = crate::output::Reads::default()
        .inputs(inputs)
        .trees("--locations", &c.locations)
        .trees("--policies", &c.policies);
    crate::output::preflight(output, &reads)
}
