//! `explain --policies`: every policy of the export evaluated offline for one logged
//! sign-in (the portal's "policy details" and the What If tool in one view), next to the
//! log's own per-policy result, saying where they disagree (a policy changed after the
//! sign-in, a membership the export cannot show, an id missing from the export).

use serde::Serialize;

use crate::analysis::Collected;
use crate::evaluate::join;
use crate::locations::NamedLocations;
use crate::model::PolicyResult;
use crate::policy::{Applies, Evaluation, Policy, PolicySet, PolicyState};
use crate::report::escape_terminal;
use crate::report::whatif::ReasonOut;

#[derive(Serialize, Clone)]
pub struct PolicyEvalOut {
    pub id: String,
    pub display_name: String,
    pub state: String,
    /// `yes`, `no`, `unknown` offline; `missing` when the log names a policy the export lacks.
    pub applies: &'static str,
    pub first_reason: Option<&'static str>,
    pub reasons: Vec<ReasonOut>,
    /// The log's own result for this policy, when the record lists it.
    pub log_result: Option<String>,
    /// Why the offline answer and the log differ (empty when they agree).
    pub disagreement: Option<String>,
}

fn log_applied(r: &PolicyResult) -> Option<bool> {
    match r {
        PolicyResult::Success
        | PolicyResult::Failure
        | PolicyResult::ReportOnlySuccess
        | PolicyResult::ReportOnlyFailure
        | PolicyResult::ReportOnlyInterrupted => Some(true),
        PolicyResult::NotApplied | PolicyResult::ReportOnlyNotApplied => Some(false),
        _ => None,
    }
}

fn disagreement(
    p: &Policy,
    e: &Evaluation,
    log: Option<&PolicyResult>,
    c: &Collected,
) -> Option<String> {
    let applied = log.and_then(log_applied)?;
    let changed = p
        .modified
        .filter(|m| *m > c.signin.created)
        .map(|m| {
            format!(
                " The policy was modified at {}, after this sign-in: it may have changed since.",
                crate::report::timestamp(&m)
            )
        })
        .unwrap_or_default();
    match (applied, e.applies) {
        (true, Applies::No) => Some(format!(
            "The log says the policy applied, but offline it does not ({}).{changed}",
            e.first_reason.map_or("a condition", |r| r.as_str())
        )),
        (false, Applies::Yes) => Some(format!(
            "The log says the policy did not apply, but offline every condition matches: a group, role or device fact the export does not carry probably excluded the sign-in.{changed}"
        )),
        _ => None,
    }
}

/// Log-listed failing policies first, then enabled (applies, unknown, no), report-only, off.
fn rank(p: &Policy, e: &Evaluation, log: Option<&PolicyResult>) -> (u8, u8, u8) {
    let failing = u8::from(!matches!(log, Some(PolicyResult::Failure)));
    let state = match p.state {
        PolicyState::Enabled => 0,
        PolicyState::ReportOnly => 1,
        _ => 2,
    };
    let applies = match e.applies {
        Applies::Yes => 0,
        Applies::Unknown => 1,
        Applies::No => 2,
    };
    (failing, state, applies)
}

/// Every policy of the export for this sign-in, plus the log's policies the export lacks.
pub fn evaluate(c: &Collected, set: &PolicySet, locs: &NamedLocations) -> Vec<PolicyEvalOut> {
    let subject = join::subject_of(&c.signin);
    let log = |id: &str| {
        c.signin
            .policies
            .iter()
            .find(|p| p.id.trim().eq_ignore_ascii_case(id.trim()))
            .and_then(|p| p.result.as_ref())
    };
    let mut rows: Vec<((u8, u8, u8), String, PolicyEvalOut)> = set
        .policies
        .iter()
        .map(|p| {
            let ev = crate::policy::evaluate(p, &subject, locs, join::evidence_of(&c.signin, &p.id).as_ref());
            let lr = log(&p.id);
            let mut disagree = disagreement(p, &ev, lr, c);
            // Conditional Access may have evaluated the address the resource saw (IPv6 to
            // one endpoint, IPv4 to the other): say so when that address explains the log.
            if disagree.is_some()
                && let Some(rip) = c.signin.resource_ip_addr.map(crate::locations::canonical)
                && Some(rip) != subject.ip
            {
                let mut other = subject.clone();
                other.ip = Some(rip);
                let ev2 = crate::policy::evaluate(p, &other, locs, join::evidence_of(&c.signin, &p.id).as_ref());
                if disagreement(p, &ev2, lr, c).is_none() {
                    disagree = Some(format!(
                        "Evaluated with the client IP the policy does not apply, but with the IP the resource saw ({rip}) it does, as the log says: Conditional Access evaluated that address. Trust it too (see the IP003 finding)."
                    ));
                }
            }
            let row = PolicyEvalOut {
                id: p.id.clone(),
                display_name: p.display_name.clone(),
                state: p.state.as_str().to_string(),
                applies: ev.applies.as_str(),
                first_reason: ev.first_reason.map(|r| r.as_str()),
                reasons: crate::report::whatif::reasons(&ev),
                log_result: lr.map(|r| r.as_str().to_string()),
                disagreement: disagree,
            };
            (rank(p, &ev, lr), p.display_name.to_lowercase(), row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.id.cmp(&b.2.id)));
    let mut out: Vec<PolicyEvalOut> = rows.into_iter().map(|r| r.2).collect();
    for p in &c.signin.policies {
        if !p.id.is_empty() && set.get(&p.id).is_none() {
            out.push(PolicyEvalOut {
                id: p.id.clone(),
                display_name: p.display_name.clone(),
                state: String::new(),
                applies: "missing",
                first_reason: None,
                reasons: Vec::new(),
                log_result: p.result.as_ref().map(|r| r.as_str().to_string()),
                disagreement: Some(
                    "The log names this policy but the export does not have it (deleted since, Microsoft-managed, or not exported): it cannot be evaluated offline.".to_string(),
                ),
            });
        }
    }
    out
}

/// The rows with every free text (reasons, disagreements) through the redactor: they name
/// users, object ids and addresses.
pub fn redacted(mut rows: Vec<PolicyEvalOut>, r: &crate::report::Redactor) -> Vec<PolicyEvalOut> {
    if !r.enabled() {
        return rows;
    }
    for row in &mut rows {
        for reason in &mut row.reasons {
            reason.detail = r.text(&reason.detail).into_owned();
        }
        if let Some(d) = &mut row.disagreement {
            *d = r.text(d).into_owned();
        }
    }
    rows
}

/// The text lines of the "Policy evaluation" section.
pub fn lines(rows: &[PolicyEvalOut]) -> Vec<String> {
    let t = |s: &str| escape_terminal(s).into_owned();
    let mut v = Vec::new();
    for r in rows {
        let state = match r.state.as_str() {
            "enabled" => "on",
            "enabledForReportingButNotEnforced" => "report-only",
            "disabled" => "off",
            "" => "not in the export",
            s => s,
        };
        let log = r
            .log_result
            .as_ref()
            .map_or(String::new(), |l| format!("; log: {}", t(l)));
        let name = if r.display_name.is_empty() {
            t(&r.id)
        } else {
            format!("{} ({})", t(&r.display_name), t(&r.id))
        };
        v.push(format!("{name} [{state}]: applies {}{log}", r.applies));
        let want = match r.applies {
            "no" => Some("no_match"),
            "unknown" => Some("unknown"),
            _ => None,
        };
        for reason in &r.reasons {
            if want.is_none_or(|w| w == reason.outcome) {
                let first = if Some(reason.condition) == r.first_reason {
                    " (first reason)"
                } else {
                    ""
                };
                v.push(format!(
                    "    {}: {}{first}",
                    reason.condition,
                    t(&reason.detail)
                ));
            }
        }
        if let Some(d) = &r.disagreement {
            v.push(format!("    disagrees with the log: {}", t(d)));
        }
    }
    v
}
