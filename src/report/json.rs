//! The JSON report, schema_version 2 (DESIGN.md §3): its own wire types, independent of the
//! internal structs, with snake_case keys in a stable order. Documented in the README and
//! in `schema/report.schema.json`.

use std::io::Write;

use serde::Serialize;

use super::{FilterValue, Redactor, RunMeta, timestamp};
use crate::analysis::{Analysis, Cause, Finding, Tally};
use crate::error::Result;
use crate::knowledge;
use crate::policy::fix::Fix;

pub const SCHEMA_VERSION: u32 = 2;

/// Bounds of schema 2 (DESIGN.md §3): the report stays a few MB whatever the input; each cut
/// list has a `*_total` beside it, and `filter` has the full detail.
pub const MAX_FINDING_VALUES: usize = 100;
pub const MAX_SUMMARY_ROWS: usize = 1000;
pub use crate::analysis::MAX_IP_LOCATIONS;
/// How many inputs the report lists (a zip of 100,000 members is 100,000 inputs).
pub const MAX_INPUTS_LISTED: usize = 1000;
/// How many findings the report lists (most severe first); real tenants have far fewer.
pub const MAX_FINDINGS_LISTED: usize = 1000;

#[derive(Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub generator: Generator<'a>,
    /// At most `MAX_INPUTS_LISTED`, in the order read; `inputs_total` counts them all.
    pub inputs: Vec<Input>,
    pub inputs_total: u64,
    pub filters: serde_json::Map<String, serde_json::Value>,
    pub totals: TotalsOut,
    /// "Blocked sign-ins at a glance" (schema 2).
    pub causes: Vec<CauseOut>,
    pub causes_total: u64,
    /// At most `MAX_FINDINGS_LISTED`, in report order; `findings_total` counts them all.
    pub findings: Vec<FindingOut>,
    pub findings_total: u64,
    pub summary: Summary,
    pub skipped: Vec<SkippedOut>,
    pub notes: Vec<String>,
    /// With `--policies` (schema 2): what was read; `null` without.
    pub policies: Option<PoliciesOut>,
}

#[derive(Serialize)]
pub struct Generator<'a> {
    pub name: &'static str,
    pub version: &'a str,
}

#[derive(Serialize)]
pub struct Input {
    pub path: String,
    pub format: &'static str,
    pub format_label: &'static str,
    pub records: u64,
    pub skipped: u64,
    pub duplicates: u64,
    pub analysed: u64,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
pub struct TotalsOut {
    pub records_read: u64,
    pub records_skipped: u64,
    pub duplicates: u64,
    pub records_kept: u64,
    pub records_matched: u64,
    pub failures: u64,
    pub interrupted: u64,
    pub ca_failures: u64,
}

#[derive(Serialize)]
pub struct Named {
    pub id: String,
    pub display_name: String,
}

#[derive(Serialize)]
pub struct FindingOut {
    pub rule: &'static str,
    pub kind: &'static str,
    pub severity: &'static str,
    pub title: &'static str,
    pub policy: Option<Named>,
    pub app: Named,
    pub count: u64,
    /// At most `MAX_FINDING_VALUES`, sorted; `users_total` counts them all.
    pub users: Vec<String>,
    pub users_total: u64,
    pub ips: Vec<String>,
    pub ips_total: u64,
    pub error_codes: Vec<i64>,
    pub first_seen: String,
    pub last_seen: String,
    pub examples: Vec<String>,
    pub remediation: String,
    pub evidence: Vec<String>,
    pub suggested_cidrs: Vec<String>,
    pub without_policy_detail: u64,
    pub fix: Option<Fix>,
}

#[derive(Serialize)]
pub struct PrincipalOut {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct CauseOut {
    pub principal: PrincipalOut,
    pub app: Named,
    pub policy: Option<Named>,
    pub rules: Vec<&'static str>,
    pub count: u64,
    pub cause: String,
    pub change: String,
    pub fix_text: String,
    pub fix: Option<Fix>,
}

pub fn cause_out(c: &Cause, r: &Redactor) -> CauseOut {
    CauseOut {
        principal: PrincipalOut {
            kind: c.principal.kind.as_str(),
            id: r.value(&c.principal.id).into_owned(),
            name: r.value(&c.principal.name).into_owned(),
        },
        app: Named {
            id: c.app_id.clone(),
            display_name: if c.app_name.is_empty() {
                knowledge::well_known_app(&c.app_id)
                    .unwrap_or("")
                    .to_string()
            } else {
                c.app_name.clone()
            },
        },
        policy: c.policy.as_ref().map(|p| Named {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
        }),
        rules: c.rules.iter().map(|r| r.id()).collect(),
        count: c.count,
        cause: r.text(&c.cause).into_owned(),
        change: r.text(&c.change).into_owned(),
        fix_text: r.text(&c.fix_text).into_owned(),
        fix: c.fix.as_ref().map(|f| r.fix(f)),
    }
}

#[derive(Serialize)]
pub struct Summary {
    /// At most `MAX_SUMMARY_ROWS` each, most failures first, with the totals beside them.
    pub by_policy: Vec<PolicyRow>,
    pub by_policy_total: u64,
    pub by_error_code: Vec<CodeRow>,
    pub by_error_code_total: u64,
    /// Ranked by CA failures, then failures, then sign-ins; at most `MAX_SUMMARY_ROWS` each.
    pub by_user: Vec<UserRow>,
    pub by_user_total: u64,
    pub by_app: Vec<AppRow>,
    pub by_app_total: u64,
    pub by_ip: Vec<IpRowOut>,
    pub by_ip_total: u64,
    pub timeline: Vec<TimelineRow>,
    pub abandoned_flows: u64,
}

#[derive(Serialize)]
pub struct PolicyRow {
    pub id: String,
    pub display_name: String,
    pub evaluations: u64,
    pub results: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct CodeRow {
    pub code: i64,
    pub name: &'static str,
    pub category: &'static str,
    pub count: u64,
}

#[derive(Serialize)]
pub struct UserRow {
    pub user: String,
    #[serde(flatten)]
    pub tally: TallyOut,
}

#[derive(Serialize)]
pub struct AppRow {
    pub id: String,
    pub display_name: String,
    #[serde(flatten)]
    pub tally: TallyOut,
}

#[derive(Serialize)]
pub struct IpRowOut {
    pub ip: String,
    #[serde(flatten)]
    pub tally: TallyOut,
    /// At most `MAX_IP_LOCATIONS`; `locations_total` counts them all.
    pub locations: Vec<String>,
    pub locations_total: u64,
    pub trusted: Option<bool>,
}

#[derive(Serialize)]
pub struct TimelineRow {
    pub hour: String,
    #[serde(flatten)]
    pub tally: TallyOut,
}

#[derive(Serialize, Clone, Copy)]
pub struct TallyOut {
    pub signins: u64,
    pub failures: u64,
    pub interrupted: u64,
    pub ca_failures: u64,
}

impl From<Tally> for TallyOut {
    fn from(t: Tally) -> Self {
        TallyOut {
            signins: t.signins,
            failures: t.failures,
            interrupted: t.interrupted,
            ca_failures: t.ca_failures,
        }
    }
}

#[derive(Serialize)]
pub struct SkippedOut {
    pub path: String,
    pub record: u64,
    pub line: u64,
    pub reason: String,
}

pub fn filters_json(meta: &RunMeta) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let mut m = serde_json::Map::new();
    for (name, v) in &meta.filters {
        let value = match v {
            FilterValue::List(l) => Value::Array(l.iter().cloned().map(Value::String).collect()),
            FilterValue::Single(s) => s.clone().map_or(Value::Null, Value::String),
            FilterValue::Flag(b) => b.map_or(Value::Null, Value::Bool),
        };
        m.insert((*name).to_string(), value);
    }
    m
}

pub fn finding_out(f: &Finding, r: &Redactor) -> FindingOut {
    let a = &f.acc;
    FindingOut {
        rule: a.rule.id(),
        kind: a.rule.kind(),
        severity: a.severity().as_str(),
        title: a.rule.title(),
        policy: a.policy.as_ref().map(|p| Named {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
        }),
        app: Named {
            id: a.app_id.clone(),
            display_name: if a.app_name.is_empty() {
                knowledge::well_known_app(&a.app_id)
                    .unwrap_or("")
                    .to_string()
            } else {
                a.app_name.clone()
            },
        },
        count: a.count,
        users: bounded(a.users.iter().map(|u| r.value(u).into_owned())),
        users_total: a.users.total(),
        ips: bounded_ips(&a.ips, r),
        ips_total: a.ips.total(),
        error_codes: a.error_codes.iter().copied().collect(),
        first_seen: timestamp(&a.first_seen),
        last_seen: timestamp(&a.last_seen),
        examples: a.examples.clone(),
        remediation: r.text(&f.remediation).into_owned(),
        evidence: a
            .evidence
            .iter()
            .map(|e| r.text(e).into_owned())
            .chain((a.evidence_dropped > 0).then(|| {
                format!(
                    "(and {}{} more distinct evidence lines)",
                    if a.evidence_overflow { "over " } else { "" },
                    a.evidence_dropped
                )
            }))
            .collect(),
        suggested_cidrs: f.suggested_cidrs.iter().map(|c| r.cidr(c)).collect(),
        without_policy_detail: a.without_policy_detail,
        fix: f.fix.as_ref().map(|x| r.fix(x)),
    }
}

/// The first `MAX_FINDING_VALUES` in sorted order. Redaction can reorder values (pseudonyms
/// sort differently): sort after mapping.
fn bounded(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.collect();
    v.sort();
    v.truncate(MAX_FINDING_VALUES);
    v
}

/// The first `MAX_FINDING_VALUES` addresses in numeric order (on the originals: a pseudonym
/// says nothing about order), then redacted. The set is already in numeric order (IPv4,
/// IPv6, then values that are not addresses, as text).
fn bounded_ips(
    ips: &crate::analysis::CappedSet<crate::analysis::IpText, { crate::analysis::MAX_LISTED }>,
    r: &Redactor,
) -> Vec<String> {
    ips.iter()
        .take(MAX_FINDING_VALUES)
        .map(|ip| r.value(ip).into_owned())
        .collect()
}

/// The ranking of DESIGN.md §2: CA failures, then failures, then sign-ins, most first, so
/// the blocked accounts are on top whatever the volume of the others.
fn rank(x: &TallyOut, y: &TallyOut) -> std::cmp::Ordering {
    (y.ca_failures, y.failures, y.signins).cmp(&(x.ca_failures, x.failures, x.signins))
}

/// An IP's place in numeric order (IPv4 before IPv6, canonical form); text that is not an
/// address sorts after every address, by its text.
fn ip_order(ip: &str) -> (u8, u128, &str) {
    match ip
        .parse::<std::net::IpAddr>()
        .map(crate::locations::canonical)
    {
        Ok(std::net::IpAddr::V4(a)) => (0, u128::from(u32::from(a)), ip),
        Ok(std::net::IpAddr::V6(a)) => (1, u128::from(a), ip),
        Err(_) => (2, 0, ip),
    }
}

/// Ranks then cuts a summary (its total is the accumulator's count of distinct keys).
fn cut<T>(rows: &mut Vec<T>, order: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    rows.sort_by(order);
    rows.truncate(MAX_SUMMARY_ROWS);
}

pub fn build<'a>(a: &Analysis, meta: &'a RunMeta, r: &Redactor) -> Report<'a> {
    let acc = &a.acc;
    let mut by_policy: Vec<PolicyRow> = acc
        .by_policy
        .iter()
        .map(|(id, st)| PolicyRow {
            id: id.clone(),
            display_name: st.display_name.clone(),
            evaluations: st.results.values().sum(),
            results: st
                .results
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
                .collect(),
        })
        .collect();
    let fails = |p: &PolicyRow| {
        p.results
            .get("failure")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    cut(&mut by_policy, |x, y| {
        fails(y).cmp(&fails(x)).then(x.id.cmp(&y.id))
    });

    let mut by_error_code: Vec<CodeRow> = acc
        .by_error_code
        .iter()
        .map(|(&code, &count)| {
            let k = knowledge::lookup(code);
            CodeRow {
                code,
                name: k.map_or("", |k| k.name),
                category: k.map_or("", |k| k.category.as_str()),
                count,
            }
        })
        .collect();
    cut(&mut by_error_code, |x, y| {
        y.count.cmp(&x.count).then(x.code.cmp(&y.code))
    });

    let mut by_user: Vec<UserRow> = acc
        .by_user
        .iter()
        .map(|(u, t)| UserRow {
            user: r.value(u).into_owned(),
            tally: (*t).into(),
        })
        .collect();
    cut(&mut by_user, |x, y| {
        rank(&x.tally, &y.tally).then(x.user.cmp(&y.user))
    });
    let by_user_total = acc.by_user.total();

    let mut by_app: Vec<AppRow> = acc
        .by_app
        .values()
        .map(|s| AppRow {
            id: s.id.clone(),
            display_name: s.display_name.clone(),
            tally: s.tally.into(),
        })
        .collect();
    let by_app_total = acc.by_app.total();
    cut(&mut by_app, |x, y| {
        rank(&x.tally, &y.tally)
            .then(x.id.cmp(&y.id))
            .then(x.display_name.cmp(&y.display_name))
    });

    // Ranked on the original addresses (numeric order breaks ties), redacted after.
    let mut ip_rows: Vec<&crate::analysis::IpRow> = a.by_ip.iter().collect();
    let by_ip_total = acc.by_ip.total();
    cut(&mut ip_rows, |x, y| {
        rank(&x.tally.into(), &y.tally.into()).then(ip_order(&x.ip).cmp(&ip_order(&y.ip)))
    });
    let by_ip: Vec<IpRowOut> = ip_rows
        .into_iter()
        .map(|row| IpRowOut {
            ip: r.value(&row.ip).into_owned(),
            tally: row.tally.into(),
            locations: row
                .locations
                .iter()
                .take(MAX_IP_LOCATIONS)
                .cloned()
                .collect(),
            locations_total: row.locations_total,
            trusted: row.trusted,
        })
        .collect();

    let timeline = acc
        .timeline
        .iter()
        .map(|(&h, t)| TimelineRow {
            hour: chrono::DateTime::from_timestamp(h, 0)
                .map(|d| timestamp(&d))
                .unwrap_or_default(),
            tally: (*t).into(),
        })
        .collect();

    Report {
        schema_version: SCHEMA_VERSION,
        generator: Generator {
            name: "casift",
            version: &meta.version,
        },
        inputs_total: a.inputs.len() as u64,
        inputs: a
            .inputs
            .iter()
            .take(MAX_INPUTS_LISTED)
            .map(|i| Input {
                path: i.path.clone(),
                format: i.format.id(),
                format_label: i.format.label(),
                records: i.records,
                skipped: i.skipped,
                duplicates: i.duplicates,
                analysed: i.analysed,
                notes: i.notes.clone(),
            })
            .collect(),
        filters: filters_json(meta),
        totals: TotalsOut {
            records_read: a.totals.records_read,
            records_skipped: a.totals.records_skipped,
            duplicates: a.totals.duplicates,
            records_kept: a.totals.records_kept,
            records_matched: a.totals.records_matched,
            failures: a.totals.failures,
            interrupted: a.totals.interrupted,
            ca_failures: a.totals.ca_failures,
        },
        causes: a.causes.iter().map(|c| cause_out(c, r)).collect(),
        causes_total: a.causes_total,
        findings: a
            .findings
            .iter()
            .take(MAX_FINDINGS_LISTED)
            .map(|f| finding_out(f, r))
            .collect(),
        findings_total: a.acc.findings.total().max(a.findings.len() as u64),
        summary: Summary {
            by_policy,
            by_policy_total: acc.by_policy.total(),
            by_error_code,
            by_error_code_total: acc.by_error_code.total(),
            by_user,
            by_user_total,
            by_app,
            by_app_total,
            by_ip,
            by_ip_total,
            timeline,
            abandoned_flows: a.totals.abandoned_flows,
        },
        skipped: a
            .skipped
            .iter()
            .map(|s| SkippedOut {
                path: a.input_label(s.input).to_string(),
                record: s.record,
                line: s.line,
                reason: r.text(&s.reason).into_owned(),
            })
            .collect(),
        notes: a.notes.iter().map(|n| r.text(n).into_owned()).collect(),
        policies: a.policies.as_ref().map(policies_out),
    }
}

pub fn write(a: &Analysis, meta: &RunMeta, r: &Redactor, w: &mut dyn Write) -> Result<()> {
    let report = build(a, meta, r);
    serde_json::to_writer_pretty(&mut *w, &report).map_err(std::io::Error::other)?;
    w.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
pub struct PoliciesOut {
    pub inputs: Vec<PolicyInputOut>,
    pub count: u64,
    /// Graph's state values as keys: `enabled`, `enabledForReportingButNotEnforced`,
    /// `disabled` (always present), and any newer value seen.
    pub by_state: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
pub struct PolicyInputOut {
    pub path: String,
    pub shape: &'static str,
    pub policies: u64,
    pub locations: u64,
    pub note: Option<String>,
}

fn policies_out(p: &crate::analysis::PolicySummary) -> PoliciesOut {
    let mut by_state = serde_json::Map::new();
    for k in ["enabled", "enabledForReportingButNotEnforced", "disabled"] {
        by_state.insert(k.to_string(), 0.into());
    }
    for (k, v) in &p.by_state {
        by_state.insert(k.clone(), (*v).into());
    }
    PoliciesOut {
        inputs: p
            .inputs
            .iter()
            .map(|i| PolicyInputOut {
                path: i.path.clone(),
                shape: i.shape,
                policies: i.policies as u64,
                locations: i.locations as u64,
                note: i.note.clone(),
            })
            .collect(),
        count: p.count,
        by_state,
    }
}
