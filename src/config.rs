//! `Settings`: the command line resolved once into typed values (filters built, formats
//! decided, threads fixed, output checked against the inputs). Nothing below this module
//! sees clap types.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::{
    self, CaStatusArg, Command, ErrorCodeArg, FilterArgs, ReportFormatArg, SeverityArg, StatusArg,
};
use crate::error::{Error, Result};
use crate::evaluate::Severity;
use crate::filter::{CaStatusFilter, Filter, Pattern};
use crate::knowledge;
use crate::model::Status;
use crate::report::{FilterValue, ReportFormat};

#[derive(Debug, Clone)]
pub struct Common {
    pub inputs: Vec<PathBuf>,
    pub locations: Vec<PathBuf>,
    pub policies: Vec<PathBuf>,
    pub filter: Filter,
    pub filter_desc: Vec<(&'static str, FilterValue)>,
    /// The filters as typed (`--user alice@example.com`), for messages about empty results.
    pub filter_flags: Vec<String>,
    /// Sentences for the report's notes about how the command line was read.
    pub notes: Vec<String>,
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
        /// `--partial`: write the part to `output` (`Some(assume_disjoint)`).
        partial: Option<bool>,
    },
    Merge {
        parts: Vec<PathBuf>,
        format: ReportFormat,
        output: Option<PathBuf>,
        fail_on: Option<Severity>,
        redact: bool,
        quiet: bool,
        partial: bool,
        assume_disjoint: bool,
    },
    Explain {
        common: Common,
        id: String,
        json: bool,
        output: Option<PathBuf>,
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
    Whatif {
        policies: Vec<PathBuf>,
        locations: Vec<PathBuf>,
        subject: Box<crate::policy::Subject>,
        json: bool,
        output: Option<PathBuf>,
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
    pub fn from_cli(mut cli: cli::Cli) -> Result<Settings> {
        dash_is_stdout(&mut cli.command);
        Ok(match cli.command {
            Command::Analyze(a) => {
                let format = match (a.format, a.output.as_deref()) {
                    (Some(f), out) => report_format(f, out.is_none()),
                    (None, Some(p)) => p
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(ReportFormat::from_extension)
                        .unwrap_or(ReportFormat::Markdown),
                    // People at a terminal get the terminal view; pipes keep getting Markdown.
                    (None, None) if std::io::stdout().is_terminal() => {
                        ReportFormat::Text(text_style(true))
                    }
                    (None, None) => ReportFormat::Markdown,
                };
                if a.per_sign_in && format != ReportFormat::Csv {
                    return Err(Error::Usage(
                        "--per-sign-in writes one CSV row per sign-in, so it needs the CSV format: add -f csv (or write to -o FILE.csv)".to_string(),
                    ));
                }
                if a.partial && (a.format.is_some() || a.fail_on.is_some() || a.per_sign_in) {
                    return Err(Error::Usage(
                        "--partial writes a part, not a report: give -f, --fail-on and --per-sign-in to `casift merge` instead".to_string(),
                    ));
                }
                let common = common(a.input, &a.filters, &a.run)?;
                Settings::Analyze {
                    common,
                    format,
                    output: a.output,
                    fail_on: a.fail_on.map(severity),
                    per_sign_in: a.per_sign_in,
                    partial: a.partial.then_some(a.assume_disjoint),
                }
            }
            Command::Merge(m) => {
                if m.partial && (m.format.is_some() || m.fail_on.is_some()) {
                    return Err(Error::Usage(
                        "merge --partial writes a part, not a report: give -f and --fail-on to the final merge".to_string(),
                    ));
                }
                let format = match (m.format, m.output.as_deref()) {
                    (Some(f), out) => report_format(f, out.is_none()),
                    (None, Some(p)) => p
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(ReportFormat::from_extension)
                        .unwrap_or(ReportFormat::Markdown),
                    (None, None) if std::io::stdout().is_terminal() => {
                        ReportFormat::Text(text_style(true))
                    }
                    (None, None) => ReportFormat::Markdown,
                };
                Settings::Merge {
                    parts: m.parts,
                    format,
                    output: m.output,
                    fail_on: m.fail_on.map(severity),
                    redact: m.redact,
                    quiet: m.quiet,
                    partial: m.partial,
                    assume_disjoint: m.assume_disjoint,
                }
            }
            Command::Explain(e) => {
                let mut common = common(e.input, &e.filters, &e.run)?;
                common.filter.any_id = vec![Pattern::new(&e.id)];
                Settings::Explain {
                    common,
                    id: e.id,
                    json: e.format == cli::TextOrJson::Json,
                    output: e.output,
                }
            }
            Command::Filter(f) => {
                let common = common(f.input, &f.filters, &f.run)?;
                Settings::Filter {
                    common,
                    csv: f.format == cli::RecordFormatArg::Csv,
                    output: f.output,
                }
            }
            Command::Whatif(w) => {
                let subject = Box::new(whatif_subject(&w)?);
                let json = w.format == cli::TextOrJson::Json;
                Settings::Whatif {
                    policies: w.policies,
                    locations: w.locations,
                    subject,
                    json,
                    output: w.output,
                }
            }
            Command::Locations(l) => Settings::Locations {
                file: l.file,
                ips: l.ips,
                json: l.format == cli::TextOrJson::Json,
            },
            Command::Lint(l) => {
                let format = lint_format(l.format, l.output.as_deref());
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

/// `-o -` is standard output, as `-` is standard input among the inputs (a file named `-`
/// is still reachable as `./-`).
fn dash_is_stdout(c: &mut Command) {
    let output = match c {
        Command::Analyze(a) => &mut a.output,
        Command::Merge(m) => &mut m.output,
        Command::Explain(e) => &mut e.output,
        Command::Filter(f) => &mut f.output,
        Command::Whatif(w) => &mut w.output,
        Command::Lint(l) => &mut l.output,
        Command::Locations(_) => return,
    };
    if output.as_deref() == Some(Path::new("-")) {
        *output = None;
    }
}

/// The terminal view's style from the environment: `$COLUMNS`, `NO_COLOR` (any value), and
/// whether the report goes to a terminal at all.
fn text_style(to_stdout: bool) -> crate::report::TextStyle {
    crate::report::TextStyle::resolve(
        std::env::var("COLUMNS").ok().as_deref(),
        to_stdout && std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
    )
}

fn report_format(f: ReportFormatArg, to_stdout: bool) -> ReportFormat {
    match f {
        ReportFormatArg::Text => ReportFormat::Text(text_style(to_stdout)),
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
        policies: input.policies,
        filter: build_filter(f),
        filter_desc: describe(f),
        filter_flags: flags(f),
        notes: error_code_notes(&f.error_code),
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
        error_codes: error_codes(&f.error_code),
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
                    .map(|s| status_name(*s).to_string())
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
            list(f.error_code.iter().map(|c| c.asked().to_string()).collect()),
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

fn status_name(s: StatusArg) -> &'static str {
    match s {
        StatusArg::Success => "success",
        StatusArg::Failure => "failure",
        StatusArg::Interrupted => "interrupted",
    }
}

/// The codes `--error-code` selects: each code asked, and for `VS403463` every Conditional
/// Access block code; sorted, without repeats.
fn error_codes(args: &[ErrorCodeArg]) -> Vec<i64> {
    let mut v: Vec<i64> = Vec::new();
    for a in args {
        match a {
            ErrorCodeArg::Code { code, .. } => v.push(*code),
            ErrorCodeArg::AnyCaBlock { .. } => v.extend_from_slice(knowledge::CA_BLOCK_CODES),
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The sentence that says how `VS403463` was read (once, however often it was given).
fn error_code_notes(args: &[ErrorCodeArg]) -> Vec<String> {
    let Some(asked) = args.iter().find_map(|a| match a {
        ErrorCodeArg::AnyCaBlock { asked } => Some(asked),
        ErrorCodeArg::Code { .. } => None,
    }) else {
        return Vec::new();
    };
    let codes: Vec<String> = knowledge::CA_BLOCK_CODES
        .iter()
        .map(ToString::to_string)
        .collect();
    vec![format!(
        "--error-code {asked} was read as every Conditional Access block code ({}): VS403463 is the message Azure DevOps shows for any Conditional Access failure, and the sign-in log records the Entra error code instead.",
        codes.join(", ")
    )]
}

/// The filters as they were typed, one `--flag value` per value, for messages.
fn flags(f: &FilterArgs) -> Vec<String> {
    fn shown(v: &str) -> String {
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c == '"' || c == '\'')
        {
            format!("{v:?}")
        } else {
            v.to_string()
        }
    }
    let mut out = Vec::new();
    let mut each = |flag: &str, values: Vec<String>| {
        for v in values {
            out.push(format!("--{flag} {}", shown(&v)));
        }
    };
    each("user", f.user.clone());
    each("app", f.app.clone());
    each(
        "since",
        f.since.iter().map(crate::report::timestamp).collect(),
    );
    each(
        "until",
        f.until.iter().map(crate::report::timestamp).collect(),
    );
    each("ip", f.ip.iter().map(ToString::to_string).collect());
    each("correlation-id", f.correlation_id.clone());
    each("request-id", f.request_id.clone());
    each(
        "status",
        f.status
            .iter()
            .map(|s| status_name(*s).to_string())
            .collect(),
    );
    each(
        "ca-status",
        f.ca_status
            .iter()
            .map(|s| {
                match s {
                    CaStatusArg::Success => "success",
                    CaStatusArg::Failure => "failure",
                    CaStatusArg::NotApplied => "notApplied",
                }
                .to_string()
            })
            .collect(),
    );
    each(
        "error-code",
        f.error_code.iter().map(|c| c.asked().to_string()).collect(),
    );
    if f.interactive {
        out.push("--interactive".to_string());
    }
    if f.non_interactive {
        out.push("--non-interactive".to_string());
    }
    out
}

/// The hypothetical sign-in of `casift whatif`, from its flags. Flags not given stay
/// unknown (except guest: a user named without `--guest` is a member).
fn whatif_subject(w: &cli::WhatifArgs) -> Result<crate::policy::Subject> {
    use crate::policy::{DeviceFacts, PrincipalKind, Subject};
    let level = |flag: &str, v: &Option<String>| -> Result<Option<String>> {
        match v.as_deref().map(str::trim) {
            None => Ok(None),
            Some(l)
                if ["none", "low", "medium", "high"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(l)) =>
            {
                Ok(Some(l.to_ascii_lowercase()))
            }
            Some(l) => Err(Error::Usage(format!(
                "{flag} {l:?}: expected none, low, medium or high"
            ))),
        }
    };
    let app = w.app.trim();
    let app_id = crate::knowledge::WELL_KNOWN_APPS
        .iter()
        .find(|(id, name)| name.eq_ignore_ascii_case(app) || id.eq_ignore_ascii_case(app))
        .map(|(id, _)| (*id).to_string());
    let app_id = match app_id {
        Some(id) => id,
        None if crate::model::parse_guid(app).is_some() => app.to_string(),
        None => {
            return Err(Error::Usage(format!(
                "--app {app:?}: not an app id and not a well-known app name (give the app id, e.g. 499b84ac-1321-427f-aa17-267ca6975798 for Azure DevOps)"
            )));
        }
    };
    let (kind, user_id, upn, sp) = match (w.user.as_slice(), &w.service_principal) {
        ([], Some(sp)) => (
            PrincipalKind::ServicePrincipal,
            String::new(),
            String::new(),
            sp.trim().to_string(),
        ),
        (_, Some(_)) => {
            return Err(Error::Usage(
                "give --user or --service-principal, not both".into(),
            ));
        }
        ([], None) => return Err(Error::Usage("give --user or --service-principal".into())),
        (users, None) => {
            let (mut id, mut upn) = (String::new(), String::new());
            for u in users {
                let u = u.trim();
                let slot = if u.contains('@') { &mut upn } else { &mut id };
                if !slot.is_empty() {
                    return Err(Error::Usage(format!(
                        "--user {u:?}: give at most one UPN and one object id"
                    )));
                }
                *slot = u.to_string();
            }
            (PrincipalKind::User, id, upn, String::new())
        }
    };
    let platform = w
        .platform
        .as_deref()
        .map(|p| crate::evaluate::join::platform_of(p).unwrap_or_else(|| p.trim().to_string()));
    let auth_flow = match w.auth_flow.as_deref().map(str::trim) {
        None => None,
        Some(f)
            if f.eq_ignore_ascii_case("deviceCodeFlow") || f.eq_ignore_ascii_case("deviceCode") =>
        {
            Some("deviceCodeFlow".to_string())
        }
        Some(f) if f.eq_ignore_ascii_case("authenticationTransfer") => {
            Some("authenticationTransfer".to_string())
        }
        Some(f) if f.eq_ignore_ascii_case("none") => Some("none".to_string()),
        Some(f) => {
            return Err(Error::Usage(format!(
                "--auth-flow {f:?}: expected deviceCodeFlow, authenticationTransfer or none"
            )));
        }
    };
    let mut device = DeviceFacts::default();
    match w.device_trust {
        Some(cli::DeviceTrustArg::None) => {
            device.device_id = Some(String::new());
        }
        Some(t) => {
            device.device_id = Some("whatif-device".to_string());
            device.trust_type = Some(
                match t {
                    cli::DeviceTrustArg::Hybrid => "ServerAD",
                    cli::DeviceTrustArg::Joined => "AzureAD",
                    _ => "Workplace",
                }
                .to_string(),
            );
        }
        None => {}
    }
    if w.device_compliant {
        if device.device_id.as_deref() == Some("") {
            return Err(Error::Usage(
                "--device-compliant with --device-trust none: an unregistered device cannot be compliant".into(),
            ));
        }
        device
            .device_id
            .get_or_insert_with(|| "whatif-device".to_string());
        device.is_compliant = Some(true);
    } else if device.device_id.is_some() {
        device.is_compliant = Some(false);
    }
    device.operating_system = platform.clone();
    Ok(Subject {
        kind,
        user_id,
        user_principal_name: upn,
        service_principal_id: sp,
        guest: (kind == PrincipalKind::User).then_some(w.guest),
        guest_type: w.guest_type.as_ref().map(|t| t.trim().to_string()),
        groups: (!w.member_of.is_empty()).then(|| w.member_of.clone()),
        roles: (!w.role.is_empty()).then(|| w.role.clone()),
        resources: vec![app_id],
        resource_names: Vec::new(),
        user_action: None,
        auth_contexts: Vec::new(),
        ip: w.ip.map(crate::locations::canonical),
        country: w.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
        platform,
        client_app_type: w.client_app.map(|c| {
            match c {
                cli::ClientAppArg::Browser => "browser",
                cli::ClientAppArg::MobileAppsAndDesktopClients => "mobileAppsAndDesktopClients",
                cli::ClientAppArg::ExchangeActiveSync => "exchangeActiveSync",
                cli::ClientAppArg::Other => "other",
            }
            .to_string()
        }),
        interactive: Some(!w.non_interactive),
        device,
        sign_in_risk: level("--sign-in-risk", &w.sign_in_risk)?,
        user_risk: level("--user-risk", &w.user_risk)?,
        service_principal_risk: None,
        insider_risk: None,
        auth_flow,
    })
}

/// `-f`, else the `-o` extension, else the terminal view on a terminal and Markdown on a
/// pipe (as `analyze`).
fn lint_format(f: Option<ReportFormatArg>, output: Option<&Path>) -> ReportFormat {
    match (f, output) {
        (Some(f), o) => report_format(f, o.is_none()),
        (None, Some(p)) => p
            .extension()
            .and_then(|e| e.to_str())
            .and_then(ReportFormat::from_extension)
            .unwrap_or(ReportFormat::Markdown),
        (None, None) if std::io::stdout().is_terminal() => ReportFormat::Text(text_style(true)),
        (None, None) => ReportFormat::Markdown,
    }
}
