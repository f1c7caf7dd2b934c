//! `Settings`: the command line resolved once into typed values (filters built, formats
//! decided, threads fixed, output checked against the inputs). Nothing below this module
//! sees clap types.

use std::path::{Path, PathBuf};

use crate::cli::{self, CaStatusArg, Command, FilterArgs, ReportFormatArg, SeverityArg, StatusArg};
use crate::error::{Error, Result};
use crate::evaluate::Severity;
use crate::filter::{CaStatusFilter, Filter, Pattern};
use crate::model::Status;
use crate::report::{FilterValue, ReportFormat};

#[derive(Debug, Clone)]
pub struct Common {
    pub inputs: Vec<PathBuf>,
    pub locations: Vec<PathBuf>,
    pub filter: Filter,
    pub filter_desc: Vec<(&'static str, FilterValue)>,
    pub threads: usize,
    pub strict: bool,
    pub quiet: bool,
    pub redact: bool,
    pub chunk_bytes: Option<usize>,
}

#[derive(Debug, Clone)]
pub enum Settings {
    Analyze {
        common: Common,
        format: ReportFormat,
        output: Option<PathBuf>,
        fail_on: Option<Severity>,
        per_sign_in: bool,
    },
    Explain {
        common: Common,
        id: String,
        json: bool,
    },
    Filter {
        common: Common,
        csv: bool,
        output: Option<PathBuf>,
    },
    Locations {
        file: PathBuf,
        ips: Vec<std::net::IpAddr>,
        json: bool,
    },
    Lint {
        policies: Vec<PathBuf>,
        locations: Vec<PathBuf>,
        break_glass: Vec<String>,
        format: ReportFormat,
        output: Option<PathBuf>,
        fail_on: Option<Severity>,
    },
}

impl Settings {
    pub fn from_cli(cli: cli::Cli) -> Result<Settings> {
        Ok(match cli.command {
            Command::Analyze(a) => {
                let format = match (a.format, a.output.as_deref()) {
                    (Some(f), _) => report_format(f),
                    (None, Some(p)) => p
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(ReportFormat::from_extension)
                        .unwrap_or(ReportFormat::Markdown),
                    (None, None) => ReportFormat::Markdown,
                };
                let common = common(a.input, &a.filters, &a.run)?;
                check_output(a.output.as_deref(), &common)?;
                Settings::Analyze {
                    common,
                    format,
                    output: a.output,
                    fail_on: a.fail_on.map(severity),
                    per_sign_in: a.per_sign_in,
                }
            }
            Command::Explain(e) => {
                let mut common = common(e.input, &e.filters, &e.run)?;
                common.filter.any_id = vec![Pattern::new(&e.id)];
                Settings::Explain {
                    common,
                    id: e.id,
                    json: e.format == cli::TextOrJson::Json,
                }
            }
            Command::Filter(f) => {
                let common = common(f.input, &f.filters, &f.run)?;
                check_output(f.output.as_deref(), &common)?;
                Settings::Filter {
                    common,
                    csv: f.format == cli::RecordFormatArg::Csv,
                    output: f.output,
                }
            }
            Command::Locations(l) => Settings::Locations {
                file: l.file,
                ips: l.ips,
                json: l.format == cli::TextOrJson::Json,
            },
            Command::Lint(l) => {
                let format = lint_format(l.format, l.output.as_deref());
                check_lint_output(l.output.as_deref(), l.policies.iter().chain(&l.locations))?;
                Settings::Lint {
                    policies: l.policies,
                    locations: l.locations,
                    break_glass: l.break_glass,
                    format,
                    output: l.output,
                    fail_on: l.fail_on.map(severity),
                }
            }
        })
    }
}

fn report_format(f: ReportFormatArg) -> ReportFormat {
    match f {
        ReportFormatArg::Markdown => ReportFormat::Markdown,
        ReportFormatArg::Json => ReportFormat::Json,
        ReportFormatArg::Csv => ReportFormat::Csv,
        ReportFormatArg::Html => ReportFormat::Html,
    }
}

fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

fn common(input: cli::InputArgs, f: &FilterArgs, run: &cli::RunArgs) -> Result<Common> {
    let threads = run.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n.get(),
    );
    if let (Some(s), Some(u)) = (f.since, f.until)
        && s >= u
    {
        return Err(Error::Usage(format!(
            "--since {} is not before --until {}: no sign-in could match",
            crate::report::timestamp(&s),
            crate::report::timestamp(&u)
        )));
    }
    Ok(Common {
        inputs: input.inputs,
        locations: input.locations,
        filter: build_filter(f),
        filter_desc: describe(f),
        threads,
        strict: run.strict,
        quiet: run.quiet,
        redact: run.redact,
        chunk_bytes: run.chunk_bytes,
    })
}

pub fn build_filter(f: &FilterArgs) -> Filter {
    let pats = |v: &[String]| v.iter().map(|s| Pattern::new(s)).collect();
    Filter {
        users: pats(&f.user),
        apps: pats(&f.app),
        since: f.since,
        until: f.until,
        ips: f.ip.clone(),
        correlation_ids: pats(&f.correlation_id),
        request_ids: pats(&f.request_id),
        any_id: Vec::new(),
        statuses: f
            .status
            .iter()
            .map(|s| match s {
                StatusArg::Success => Status::Success,
                StatusArg::Failure => Status::Failure,
                StatusArg::Interrupted => Status::Interrupted,
            })
            .collect(),
        ca_statuses: f
            .ca_status
            .iter()
            .map(|s| match s {
                CaStatusArg::Success => CaStatusFilter::Success,
                CaStatusArg::Failure => CaStatusFilter::Failure,
                CaStatusArg::NotApplied => CaStatusFilter::NotApplied,
            })
            .collect(),
        error_codes: f.error_code.clone(),
        interactive: if f.interactive {
            Some(true)
        } else if f.non_interactive {
            Some(false)
        } else {
            None
        },
    }
}

fn describe(f: &FilterArgs) -> Vec<(&'static str, FilterValue)> {
    let list = |v: Vec<String>| FilterValue::List(v);
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
        FilterValue::Single(d.map(|d| crate::report::timestamp(&d)))
    };
    vec![
        ("user", list(f.user.clone())),
        ("app", list(f.app.clone())),
        ("since", t(f.since)),
        ("until", t(f.until)),
        ("ip", list(f.ip.iter().map(ToString::to_string).collect())),
        ("correlation_id", list(f.correlation_id.clone())),
        ("request_id", list(f.request_id.clone())),
        (
            "status",
            list(
                f.status
                    .iter()
                    .map(|s| format!("{s:?}").to_ascii_lowercase())
                    .collect(),
            ),
        ),
        (
            "ca_status",
            list(
                f.ca_status
                    .iter()
                    .map(|s| match s {
                        CaStatusArg::Success => "success".to_string(),
                        CaStatusArg::Failure => "failure".to_string(),
                        CaStatusArg::NotApplied => "notApplied".to_string(),
                    })
                    .collect(),
            ),
        ),
        (
            "error_code",
            list(f.error_code.iter().map(ToString::to_string).collect()),
        ),
        (
            "interactive",
            FilterValue::Flag(if f.interactive {
                Some(true)
            } else if f.non_interactive {
                Some(false)
            } else {
                None
            }),
        ),
    ]
}

/// Refuses to write the report over one of the inputs or the locations file.
fn check_output(output: Option<&Path>, c: &Common) -> Result<()> {
    let Some(out) = output else { return Ok(()) };
    let Ok(out_abs) = std::fs::canonicalize(out) else {
        return Ok(()); // does not exist yet
    };
    for p in c.inputs.iter().chain(&c.locations) {
        if std::fs::canonicalize(p).is_ok_and(|abs| abs == out_abs) {
            return Err(Error::Usage(format!(
                "refusing to write the output over the input {}",
                p.display()
            )));
        }
    }
    Ok(())
}

/// `-f`, else the `-o` extension, else Markdown (as `analyze`).
fn lint_format(f: Option<ReportFormatArg>, output: Option<&Path>) -> ReportFormat {
    match (f, output) {
        (Some(f), _) => report_format(f),
        (None, Some(p)) => p
            .extension()
            .and_then(|e| e.to_str())
            .and_then(ReportFormat::from_extension)
            .unwrap_or(ReportFormat::Markdown),
        (None, None) => ReportFormat::Markdown,
    }
}

/// Refuses to write the lint report over an input: a policies or locations file, or a file
/// inside a policies directory (the next run would read the report as an export).
fn check_lint_output<'a>(
    output: Option<&Path>,
    inputs: impl Iterator<Item = &'a PathBuf>,
) -> Result<()> {
    let Some(out) = output else { return Ok(()) };
    let Ok(out_abs) = std::fs::canonicalize(out) else {
        return Ok(()); // does not exist yet
    };
    for p in inputs {
        if std::fs::canonicalize(p).is_ok_and(|abs| out_abs == abs || out_abs.starts_with(&abs)) {
            return Err(Error::Usage(format!(
                "refusing to write the output over the input {}",
                p.display()
            )));
        }
    }
    Ok(())
}
