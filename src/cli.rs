//! The command-line interface (clap derive): subcommands, typed values parsed at the
//! boundary (dates, IPs and CIDRs, enums), and all help text. Reads no files.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

const AFTER_HELP: &str = "\
Exit codes:
  0  done; no finding at or above --fail-on (or no --fail-on given)
  1  done; findings at or above --fail-on
  2  usage error, unreadable input or output, no sign-in export found in the inputs, or a
     malformed record under --strict

casift never opens a network connection.";

#[derive(Debug, Parser)]
#[command(
    name = "casift",
    version,
    about = "Offline analysis of Microsoft Entra ID sign-in log exports: which sign-ins Conditional Access blocked, why, and what to change",
    after_help = AFTER_HELP,
    propagate_version = true,
    // main.rs writes clap's messages itself, escaped for the terminal: unstyled, so that the
    // rendered text is clap's words and the arguments exactly as given (clap's own styled
    // printing drops an argument's control characters silently instead of showing them).
    styles = clap::builder::Styles::plain()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse sign-in exports and write a findings report
    Analyze(AnalyzeArgs),
    /// Show everything about the sign-ins with one request or correlation id, and why they failed
    Explain(ExplainArgs),
    /// Write the matched sign-ins as normalized records (JSON lines or CSV) for other tools
    Filter(FilterCmdArgs),
    /// Say which named locations hold each IP address, and whether any is trusted
    Locations(LocationsArgs),
    /// Offline What If: would this sign-in be blocked, and by which policies?
    Whatif(WhatifArgs),
    /// Check a Conditional Access policy export on its own: lockouts, broken policies, named
    /// locations, coverage gaps (rules CP0xx)
    Lint(LintArgs),
    /// Merge part files (`analyze --partial`) into the report one run over all their inputs
    /// would write
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("who").required(true).args(["user", "service_principal"])),
    after_help = "Facts not given are unknown, not assumed: a policy that needs one (group membership, risk, device) is listed as `unknown` with what is missing. Give --member-of/--role with the complete lists, and --sign-in-risk none / --user-risk none when the sign-in carries no risk."
)]
pub struct WhatifArgs {
    /// The tenant's Conditional Access policies (any shape --policies accepts; repeatable)
    #[arg(long, required = true, value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,

    /// Named-locations export (repeatable); named locations among the policy files are used too
    #[arg(long, value_name = "FILE")]
    pub locations: Vec<PathBuf>,

    /// The user signing in: UPN or object id; give both (twice) when policies list users by object id
    #[arg(long, value_name = "UPN|ID", help_heading = "Sign-in")]
    pub user: Vec<String>,

    /// A workload identity signing in: service principal object id
    #[arg(long, value_name = "ID", help_heading = "Sign-in")]
    pub service_principal: Option<String>,

    /// The resource asked for (what policies target): app id, or a well-known name such as "Azure DevOps"
    #[arg(
        long,
        required = true,
        value_name = "ID|NAME",
        help_heading = "Sign-in"
    )]
    pub app: String,

    /// Client IP address (IPv4 or IPv6)
    #[arg(long, value_name = "IP", help_heading = "Sign-in")]
    pub ip: Option<IpAddr>,

    /// Country or region of the IP (ISO 3166 alpha-2, e.g. NL)
    #[arg(long, value_name = "CC", help_heading = "Sign-in")]
    pub country: Option<String>,

    /// Device platform: android, iOS, windows, windowsPhone, macOS, linux
    #[arg(long, value_name = "PLATFORM", help_heading = "Sign-in")]
    pub platform: Option<String>,

    /// Client app type
    #[arg(long, value_enum, value_name = "TYPE", help_heading = "Sign-in")]
    pub client_app: Option<ClientAppArg>,

    /// A non-interactive flow (PAT, CLI token refresh, service account): no prompt can be answered
    #[arg(long, help_heading = "Sign-in")]
    pub non_interactive: bool,

    /// The device is marked compliant
    #[arg(long, help_heading = "Sign-in")]
    pub device_compliant: bool,

    /// How the device is known to Entra (none = unregistered)
    #[arg(long, value_enum, value_name = "TRUST", help_heading = "Sign-in")]
    pub device_trust: Option<DeviceTrustArg>,

    /// Sign-in risk: none, low, medium, high
    #[arg(long, value_name = "LEVEL", help_heading = "Sign-in")]
    pub sign_in_risk: Option<String>,

    /// User risk: none, low, medium, high
    #[arg(long, value_name = "LEVEL", help_heading = "Sign-in")]
    pub user_risk: Option<String>,

    /// Authentication flow: deviceCodeFlow, authenticationTransfer or none
    #[arg(long, value_name = "FLOW", help_heading = "Sign-in")]
    pub auth_flow: Option<String>,

    /// A group the principal is in (repeatable; together they are taken as the complete list)
    #[arg(long, value_name = "GROUP_ID", help_heading = "Sign-in")]
    pub member_of: Vec<String>,

    /// A directory role (template id) the principal holds (repeatable; the complete list)
    #[arg(long, value_name = "ROLE_ID", help_heading = "Sign-in")]
    pub role: Vec<String>,

    /// The user is a guest or external user (without it, a member)
    #[arg(long, help_heading = "Sign-in")]
    pub guest: bool,

    /// With --guest: its type (internalGuest, b2bCollaborationGuest, b2bCollaborationMember,
    /// b2bDirectConnectUser, otherExternalUser, serviceProvider); without it, policies that
    /// include or exclude guest types are unknown
    #[arg(
        long,
        value_name = "TYPE",
        requires = "guest",
        help_heading = "Sign-in"
    )]
    pub guest_type: Option<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: TextOrJson,

    /// Write to FILE, - for stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAppArg {
    #[value(name = "browser")]
    Browser,
    #[value(name = "mobileAppsAndDesktopClients", alias = "mobile")]
    MobileAppsAndDesktopClients,
    #[value(name = "exchangeActiveSync", alias = "eas")]
    ExchangeActiveSync,
    #[value(name = "other", alias = "legacy")]
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceTrustArg {
    Hybrid,
    Joined,
    Registered,
    None,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Sign-in exports: files, directories (searched recursively), .gz or .zip files, or - for
    /// stdin. The format is detected from the content.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Named-locations export (Graph JSON, PowerShell JSON, or CSV name,cidr,trusted); a file
    /// or a directory; repeatable. Without it, IP001 and IP002 are not evaluated.
    #[arg(long, value_name = "FILE")]
    pub locations: Vec<PathBuf>,

    /// The tenant's Conditional Access policies (Graph JSON, one policy per file, PowerShell
    /// JSON, EntraExporter or Untitled Goose output, Extractor-Suite CSV; files, directories
    /// or zips; repeatable). Fixes then name the exact named location, exclusion list and
    /// Graph request; named locations found among them are used too.
    #[arg(long, value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,
}

#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Filters (repeats of one filter are OR, different filters AND)")]
pub struct FilterArgs {
    /// User: UPN, object id or display name; case-insensitive, * wildcard
    #[arg(long, value_name = "USER")]
    pub user: Vec<String>,

    /// App: display name or app id; case-insensitive, * wildcard
    #[arg(long, value_name = "APP")]
    pub app: Vec<String>,

    /// Keep sign-ins at or after this time: RFC 3339, YYYY-MM-DD or "YYYY-MM-DD HH:MM[:SS]" (UTC unless an offset is given)
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,

    /// Keep sign-ins before this time (exclusive); same forms as --since
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,

    /// Client IP or IP seen by the resource: an address or a CIDR, IPv4 or IPv6
    #[arg(long, value_name = "IP|CIDR", value_parser = parse_ip_or_cidr)]
    pub ip: Vec<IpNet>,

    /// Correlation id (case-insensitive, * wildcard)
    #[arg(long, value_name = "ID")]
    pub correlation_id: Vec<String>,

    /// Request id (case-insensitive, * wildcard)
    #[arg(long, value_name = "ID")]
    pub request_id: Vec<String>,

    /// Derived sign-in status
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Vec<StatusArg>,

    /// Top-level Conditional Access status
    #[arg(long, value_enum, value_name = "STATUS")]
    pub ca_status: Vec<CaStatusArg>,

    /// Sign-in error code: 53003 or AADSTS53003; VS403463 (Azure DevOps's message for a
    /// Conditional Access failure) means every Conditional Access block code
    #[arg(long, value_name = "N", value_parser = parse_error_code)]
    pub error_code: Vec<ErrorCodeArg>,

    /// Only interactive sign-ins
    #[arg(long, conflicts_with = "non_interactive")]
    pub interactive: bool,

    /// Only non-interactive sign-ins (user non-interactive, service principal, managed identity)
    #[arg(long)]
    pub non_interactive: bool,
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// Stop with exit 2 at the first malformed record instead of skipping it
    #[arg(long)]
    pub strict: bool,

    /// Worker threads, 1 to 1024 (default: all cores); the same output for any value
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<NonZeroUsize>,

    /// No progress bar; only errors and warnings on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Replace UPNs, display names, user ids, IPs and device names with stable pseudonyms
    #[arg(long)]
    pub redact: bool,

    /// Target size in bytes of one record-aligned chunk (tests use it to force many chunks)
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_bytes: Option<usize>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Report format. Default: from the -o extension (.md, .json, .csv, .html, .txt); else text
    /// when stdout is a terminal, markdown when it is a pipe or a file (scripts get Markdown)
    #[arg(short, long, value_enum, help_heading = "Output")]
    pub format: Option<ReportFormatArg>,

    /// Write the report to FILE, - for stdout (written to a temporary file, then renamed)
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding of this severity or higher exists
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Output")]
    pub fail_on: Option<SeverityArg>,

    /// CSV report: one row per matched sign-in with its findings, instead of one per finding
    /// (needs -f csv or an -o FILE ending in .csv)
    #[arg(long, help_heading = "Output")]
    pub per_sign_in: bool,

    /// Write the run's mergeable state to -o PART instead of a report; `casift merge` turns
    /// parts into the report one run over all their inputs would write. Filters,
    /// --locations, --policies and --redact apply here
    #[arg(long, requires = "output", help_heading = "Output")]
    pub partial: bool,

    /// With --partial: leave the duplicate keys and replay records out of the part (far
    /// smaller), for inputs that cannot overlap (one file per hour and category); a merge
    /// then counts a sign-in in two parts twice, and the report says so
    #[arg(long, requires = "partial", help_heading = "Output")]
    pub assume_disjoint: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Parts merge in the order given, as one run reads its inputs in order: the first sign-in of a duplicate key wins. Every part must come from the same casift build, filters, --locations, --policies and --redact (they are stored in the part). Merging is associative: merge --partial writes a part again, so parts can be merged in a tree."
)]
pub struct MergeArgs {
    /// Part files written by `casift analyze ... --partial -o PART` (or `merge --partial`)
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,

    /// Report format. Default: from the -o extension (.md, .json, .csv, .html, .txt); else text
    /// when stdout is a terminal, markdown when it is a pipe or a file
    #[arg(short, long, value_enum, help_heading = "Output")]
    pub format: Option<ReportFormatArg>,

    /// Write the report (or with --partial the merged part) to FILE, - for stdout
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding of this severity or higher exists
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Output")]
    pub fail_on: Option<SeverityArg>,

    /// Replace names, ids, IPs and devices with pseudonyms (needs parts written with --redact)
    #[arg(long, help_heading = "Output")]
    pub redact: bool,

    /// Write the merged state as a part to -o PART, for a further merge (a tree merge)
    #[arg(long, requires = "output", help_heading = "Output")]
    pub partial: bool,

    /// Do not check duplicates across parts (and keep no duplicate keys: less memory); the
    /// report says so
    #[arg(long, help_heading = "Output")]
    pub assume_disjoint: bool,

    /// No progress or "wrote" line; only errors and warnings on stderr
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Request id or correlation id of the sign-in(s) to explain
    #[arg(long, required = true, value_name = "REQUEST_ID|CORRELATION_ID")]
    pub id: String,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Output format
    #[arg(
        short,
        long,
        value_enum,
        default_value = "text",
        help_heading = "Output"
    )]
    pub format: TextOrJson,

    /// Write to FILE, - for stdout (written to a temporary file, then renamed)
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct FilterCmdArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filters: FilterArgs,

    /// Output format
    #[arg(short, long, value_enum, default_value = "jsonl")]
    pub format: RecordFormatArg,

    /// Write to FILE, - for stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct LocationsArgs {
    /// Named-locations export (any shape --locations accepts)
    #[arg(value_name = "LOCATIONS_FILE")]
    pub file: PathBuf,

    /// IP addresses to look up
    #[arg(required = true, value_name = "IP")]
    pub ips: Vec<IpAddr>,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Conditional Access policy exports: files, directories (searched recursively) or .zip
    /// files, in any shape casift reads (Graph JSON, PowerShell, EntraExporter, Goose,
    /// Extractor-Suite CSV); named locations found among them are used too
    #[arg(long, required = true, num_args = 1.., value_name = "FILE|DIR")]
    pub policies: Vec<PathBuf>,

    /// Named-locations export (any shape --locations accepts); repeatable. Without any named
    /// locations, the location rules (CP010, CP030-CP035) are skipped and the report says so
    #[arg(long, value_name = "FILE")]
    pub locations: Vec<PathBuf>,

    /// Emergency-access account or group (object id, or UPN if the export names users so)
    /// that every policy should exclude; repeatable. Without it, the user or group excluded
    /// from the most policies is inferred and named as inferred
    #[arg(long, value_name = "UPN|ID")]
    pub break_glass: Vec<String>,

    /// Report format (default: from the -o extension, else markdown)
    #[arg(short, long, value_enum, help_heading = "Output")]
    pub format: Option<ReportFormatArg>,

    /// Write the report to FILE, - for stdout (written to a temporary file, then renamed)
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding of this severity or higher exists
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = "Output")]
    pub fail_on: Option<SeverityArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Success,
    Failure,
    Interrupted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaStatusArg {
    Success,
    Failure,
    #[value(name = "notApplied", alias = "not-applied", alias = "notapplied")]
    NotApplied,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// The terminal view: concise wrapped text, colours unless NO_COLOR is set or not a terminal
    Text,
    /// Markdown for tickets and wikis (the default on a pipe)
    Markdown,
    /// The full report for scripts (schema in schema/report.schema.json)
    Json,
    /// One row per finding, formula-safe for spreadsheets
    Csv,
    /// One self-contained page with charts, no script
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordFormatArg {
    Jsonl,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

/// An `--error-code` value as asked, with what it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCodeArg {
    /// One code (`53003`, or `AADSTS53003` as the error page shows it).
    Code { code: i64, asked: String },
    /// `VS403463`: Azure DevOps's text for a Conditional Access failure, which does not say
    /// which one; read as every Conditional Access block code.
    AnyCaBlock { asked: String },
}

impl ErrorCodeArg {
    /// The value as the user wrote it (for the report's filter description).
    pub fn asked(&self) -> &str {
        match self {
            ErrorCodeArg::Code { asked, .. } | ErrorCodeArg::AnyCaBlock { asked } => asked,
        }
    }
}

/// `53003`, `AADSTS53003` (the prefix in any case) or `VS403463`; a trailing colon, as the
/// error text is copied (`AADSTS53003: Access has been blocked…`), is allowed.
pub fn parse_error_code(s: &str) -> Result<ErrorCodeArg, String> {
    let t = s.trim().trim_end_matches(':').trim_end();
    let asked = t.to_string();
    if t.eq_ignore_ascii_case("VS403463") {
        return Ok(ErrorCodeArg::AnyCaBlock { asked });
    }
    let digits = match t.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("AADSTS") => &t[6..],
        _ => t,
    };
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(code) = digits.parse::<i64>()
    {
        return Ok(ErrorCodeArg::Code { code, asked });
    }
    Err(format!(
        "{t:?} is not an error code: expected a number such as 53003 or AADSTS53003, or VS403463 (every Conditional Access block)"
    ))
}

/// RFC 3339, `YYYY-MM-DD` (midnight) or `YYYY-MM-DD HH:MM[:SS]`, UTC unless an offset is given.
/// The most worker threads `-j` accepts: far beyond any machine's cores, and well below
/// what makes thread creation itself the run's cost (each thread holds its own buffers).
pub const MAX_THREADS: usize = 1024;

/// `-j N`: 1 to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<NonZeroUsize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("not a whole number from 1 to {MAX_THREADS}"))?;
    match NonZeroUsize::new(n) {
        Some(n) if n.get() <= MAX_THREADS => Ok(n),
        Some(_) => Err(format!("at most {MAX_THREADS} threads")),
        None => Err(format!("at least 1 thread (and at most {MAX_THREADS})")),
    }
}

pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(d.and_utc());
        }
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S %:z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, f) {
            return Ok(d.with_timezone(&Utc));
        }
    }
    Err(format!(
        "invalid time {t:?}: expected RFC 3339 (2026-10-20T08:00:00Z), YYYY-MM-DD or \"YYYY-MM-DD HH:MM[:SS]\""
    ))
}

/// An address (a /32 or /128) or a CIDR; IPv4-mapped IPv6 becomes IPv4, so it matches
/// the way the logs are compared.
pub fn parse_ip_or_cidr(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    let net = if let Ok(n) = t.parse::<IpNet>() {
        n.trunc()
    } else if let Ok(ip) = t.parse::<IpAddr>() {
        IpNet::from(ip)
    } else {
        return Err(format!("invalid IP address or CIDR {t:?}"));
    };
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(n) = ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return Ok(IpNet::V4(n));
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn times_parse() {
        assert_eq!(
            parse_time("2026-10-20").unwrap().to_rfc3339(),
            "2026-10-20T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-10-20 08:30").unwrap().to_rfc3339(),
            "2026-10-20T08:30:00+00:00"
        );
        assert_eq!(
            parse_time("2026-10-20T08:30:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-10-20T06:30:00+00:00"
        );
        assert!(parse_time("20/10/2026").is_err());
        assert_eq!(
            parse_ip_or_cidr("203.0.113.7").unwrap().to_string(),
            "203.0.113.7/32"
        );
        assert_eq!(
            parse_ip_or_cidr("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(parse_ip_or_cidr("203.0.113.300").is_err());
    }

    #[test]
    fn error_codes_parse() {
        let code = |s: &str| match parse_error_code(s) {
            Ok(ErrorCodeArg::Code { code, .. }) => Some(code),
            _ => None,
        };
        assert_eq!(code("53003"), Some(53003));
        assert_eq!(code("AADSTS53003"), Some(53003));
        assert_eq!(code("aadsts53003"), Some(53003));
        assert_eq!(code(" AadSts50076 "), Some(50076));
        assert_eq!(code("AADSTS53003:"), Some(53003));
        assert_eq!(
            parse_error_code("AADSTS53003:").unwrap().asked(),
            "AADSTS53003"
        );
        assert_eq!(
            parse_error_code("vs403463"),
            Ok(ErrorCodeArg::AnyCaBlock {
                asked: "vs403463".into()
            })
        );
        for bad in [
            "",
            ":",
            "AADSTS",
            "AADSTS 53003",
            "AADSTS-1",
            "53003x",
            "VS403464",
            "+53003",
            "99999999999999999999",
        ] {
            let e = parse_error_code(bad).unwrap_err();
            assert!(e.contains("not an error code"), "{bad}: {e}");
        }
        assert_eq!(
            parse_error_code("AADSTS53003").unwrap().asked(),
            "AADSTS53003"
        );
    }
}
