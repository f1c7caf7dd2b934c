//! The CSV report (`-f csv`) for spreadsheets: one row per finding, in the same order and
//! with the same content as the JSON report (it is built from `json::build`).
//!
//! Columns, in this fixed order (scripts may rely on it):
//!
//! `rule,kind,severity,title,policy_id,policy_name,app_id,app_name,count,users,ips,
//! error_codes,first_seen,last_seen,examples,suggested_cidrs,remediation,users_total,
//! ips_total`
//!
//! Lists (users, IPs, error codes, example request ids, CIDRs) are joined with `; `; users and
//! IPs hold at most 100 values as in the JSON report, and `users_total` / `ips_total` (added
//! at the end in schema 2, so the earlier columns keep their places) say how many there are; a
//! finding without a policy has empty `policy_id` and `policy_name`; times are RFC 3339 UTC.
//! Every cell goes through `csv_cell`, so a value starting with `= + - @`, tab or CR cannot
//! run as a spreadsheet formula. Quoting (RFC 4180 style, only where needed) and `\n` line
//! ends are the `csv` crate's defaults, as in `filter --format csv`.
//!
//! `analyze --per-sign-in -f csv` writes one row per matched sign-in instead (with the
//! findings it raised); that table is streamed by the pipeline sink in `run.rs` through
//! `records::write_csv`, with the columns of `records::csv_header`, not by this writer.

use std::io::Write;

use super::json::{FindingOut, build};
use super::{Redactor, RunMeta, csv_cell};
use crate::analysis::Analysis;
use crate::error::Result;

/// The header row, in column order.
pub const COLUMNS: [&str; 19] = [
    "rule",
    "kind",
    "severity",
    "title",
    "policy_id",
    "policy_name",
    "app_id",
    "app_name",
    "count",
    "users",
    "ips",
    "error_codes",
    "first_seen",
    "last_seen",
    "examples",
    "suggested_cidrs",
    "remediation",
    "users_total",
    "ips_total",
];

/// The separator of list values inside one cell.
pub const LIST_SEPARATOR: &str = "; ";

pub fn write(a: &Analysis, meta: &RunMeta, r: &Redactor, w: &mut dyn Write) -> Result<()> {
    let rep = build(a, meta, r);
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS).map_err(std::io::Error::other)?;
    for f in &rep.findings {
        out.write_record(row(f).iter().map(|c| csv_cell(c)))
            .map_err(std::io::Error::other)?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    w.write_all(&bytes)?;
    Ok(())
}

/// The cells of one finding, before formula neutralisation.
fn row(f: &FindingOut) -> [String; 19] {
    let (policy_id, policy_name) = f
        .policy
        .as_ref()
        .map_or((String::new(), String::new()), |p| {
            (p.id.clone(), p.display_name.clone())
        });
    let codes: Vec<String> = f.error_codes.iter().map(ToString::to_string).collect();
    [
        f.rule.to_string(),
        f.kind.to_string(),
        f.severity.to_string(),
        f.title.to_string(),
        policy_id,
        policy_name,
        f.app.id.clone(),
        f.app.display_name.clone(),
        f.count.to_string(),
        f.users.join(LIST_SEPARATOR),
        f.ips.join(LIST_SEPARATOR),
        codes.join(LIST_SEPARATOR),
        f.first_seen.clone(),
        f.last_seen.clone(),
        f.examples.join(LIST_SEPARATOR),
        f.suggested_cidrs.join(LIST_SEPARATOR),
        f.remediation.clone(),
        f.users_total.to_string(),
        f.ips_total.to_string(),
    ]
}
