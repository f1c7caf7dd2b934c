//! `casift whatif` output: the verdict across enabled policies, the controls still required
//! and whether this flow can meet them, then every policy with applies / does not apply /
//! unknown and all its reasons (Microsoft shows only the first: `first_reason` is that one,
//! for comparison). Text (terminal-safe) and JSON. Pure: takes the evaluations.

use serde::Serialize;

use crate::policy::{Applies, Evaluation, Outcome, Policy, PolicyState, Subject, Verdict};

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
pub struct WhatifOut<'a> {
    pub schema_version: u32,
    pub sign_in: SignInOut<'a>,
    pub verdict: &'static str,
    pub required_controls: Vec<ControlOut<'a>>,
    pub satisfiable: Option<bool>,
    pub policies: Vec<PolicyOut>,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
pub struct SignInOut<'a> {
    pub principal_kind: &'static str,
    pub user: &'a str,
    pub service_principal: &'a str,
    pub resources: &'a [String],
    pub ip: Option<String>,
    pub country: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub client_app: Option<&'a str>,
    pub interactive: Option<bool>,
    pub device_id_known: bool,
    pub device_compliant: Option<bool>,
    pub device_trust: Option<&'a str>,
    pub sign_in_risk: Option<&'a str>,
    pub user_risk: Option<&'a str>,
    pub auth_flow: Option<&'a str>,
    pub groups: Option<&'a [String]>,
    pub roles: Option<&'a [String]>,
    pub guest: Option<bool>,
}

#[derive(Serialize)]
pub struct ControlOut<'a> {
    pub control: &'a str,
    pub policies: &'a [String],
    pub satisfiable: Option<bool>,
    pub why: &'a str,
}

#[derive(Serialize)]
pub struct PolicyOut {
    pub id: String,
    pub display_name: String,
    pub state: String,
    pub applies: &'static str,
    pub first_reason: Option<&'static str>,
    pub reasons: Vec<ReasonOut>,
    pub grant: Option<GrantOut>,
    pub session: Vec<String>,
}

#[derive(Serialize, Clone)]
pub struct ReasonOut {
    pub condition: &'static str,
    pub outcome: &'static str,
    pub detail: String,
}

#[derive(Serialize)]
pub struct GrantOut {
    pub operator: String,
    pub controls: Vec<String>,
}

/// Every condition's answer, in evaluation order (shared with `explain --policies`).
pub fn reasons(e: &Evaluation) -> Vec<ReasonOut> {
    e.conditions
        .iter()
        .map(|c| ReasonOut {
            condition: c.condition.as_str(),
            outcome: outcome_str(&c.outcome),
            detail: c.outcome.detail().to_string(),
        })
        .collect()
}

fn outcome_str(o: &Outcome) -> &'static str {
    match o {
        Outcome::Match(_) => "match",
        Outcome::NoMatch(_) => "no_match",
        Outcome::Unknown(_) => "unknown",
    }
}

/// Policies in the order the text view lists them: enabled then report-only then the rest;
/// within each, applying, unknown, not applying; then by name and id.
fn order(evals: &[(&Policy, Evaluation)]) -> Vec<usize> {
    let rank_state = |p: &Policy| match p.state {
        PolicyState::Enabled => 0,
        PolicyState::ReportOnly => 1,
        _ => 2,
    };
    let rank_applies = |a: Applies| match a {
        Applies::Yes => 0,
        Applies::Unknown => 1,
        Applies::No => 2,
    };
    let mut idx: Vec<usize> = (0..evals.len()).collect();
    idx.sort_by(|&a, &b| {
        let (pa, ea) = &evals[a];
        let (pb, eb) = &evals[b];
        rank_state(pa)
            .cmp(&rank_state(pb))
            .then(rank_applies(ea.applies).cmp(&rank_applies(eb.applies)))
            .then(pa.display_name.cmp(&pb.display_name))
            .then(pa.id.cmp(&pb.id))
    });
    idx
}

pub fn build<'a>(
    s: &'a Subject,
    evals: &[(&Policy, Evaluation)],
    v: &'a Verdict,
    notes: Vec<String>,
) -> WhatifOut<'a> {
    let policies = order(evals)
        .into_iter()
        .map(|i| {
            let (p, e) = &evals[i];
            PolicyOut {
                id: p.id.clone(),
                display_name: p.display_name.clone(),
                state: p.state.as_str().to_string(),
                applies: e.applies.as_str(),
                first_reason: e.first_reason.map(|c| c.as_str()),
                reasons: reasons(e),
                grant: p.grant.as_ref().map(|g| GrantOut {
                    operator: g.operator.clone(),
                    controls: g.controls(),
                }),
                session: p.session.names(),
            }
        })
        .collect();
    WhatifOut {
        schema_version: SCHEMA_VERSION,
        sign_in: SignInOut {
            principal_kind: s.kind.as_str(),
            user: if s.user_principal_name.is_empty() {
                &s.user_id
            } else {
                &s.user_principal_name
            },
            service_principal: &s.service_principal_id,
            resources: &s.resources,
            ip: s.ip.map(|i| i.to_string()),
            country: s.country.as_deref(),
            platform: s.platform.as_deref(),
            client_app: s.client_app_type.as_deref(),
            interactive: s.interactive,
            device_id_known: s.device.device_id.as_deref().is_some_and(|d| !d.is_empty()),
            device_compliant: s.device.is_compliant,
            device_trust: s.device.trust_type.as_deref(),
            sign_in_risk: s.sign_in_risk.as_deref(),
            user_risk: s.user_risk.as_deref(),
            auth_flow: s.auth_flow.as_deref(),
            groups: s.groups.as_deref(),
            roles: s.roles.as_deref(),
            guest: s.guest,
        },
        verdict: v.kind.as_str(),
        required_controls: v
            .required
            .iter()
            .map(|r| ControlOut {
                control: &r.control,
                policies: &r.policies,
                satisfiable: r.satisfiable,
                why: &r.why,
            })
            .collect(),
        satisfiable: v.satisfiable,
        policies,
        notes,
    }
}

pub fn render_json(out: &WhatifOut<'_>) -> String {
    let mut s = serde_json::to_string_pretty(out).unwrap_or_default();
    s.push('\n');
    s
}

pub fn render_text(out: &WhatifOut<'_>) -> String {
    use std::fmt::Write as _;
    let t = super::escape_terminal;
    let mut o = String::new();
    let who = if out.sign_in.service_principal.is_empty() {
        format!("user {}", t(out.sign_in.user))
    } else {
        format!("service principal {}", t(out.sign_in.service_principal))
    };
    let _ = writeln!(
        o,
        "What If: {who} to {}{}",
        out.sign_in
            .resources
            .iter()
            .map(|r| {
                let r = t(r).into_owned();
                crate::knowledge::well_known_app(&r).map_or(r.clone(), |n| format!("{n} ({r})"))
            })
            .collect::<Vec<_>>()
            .join(", "),
        out.sign_in
            .ip
            .as_ref()
            .map_or(String::new(), |ip| format!(" from {ip}"))
    );
    let verdict = match out.verdict {
        "blocked" => {
            let by: Vec<String> = out
                .policies
                .iter()
                .filter(|p| p.applies == "yes" && p.state == "enabled")
                .filter(|p| p.grant.as_ref().is_some_and(|g| g.controls.iter().any(|c| c.eq_ignore_ascii_case("block"))))
                .map(|p| format!("'{}'", t(if p.display_name.is_empty() { &p.id } else { &p.display_name })))
                .collect();
            if by.is_empty() {
                "BLOCKED".to_string()
            } else {
                format!("BLOCKED by {}", by.join(", "))
            }
        }
        "controls_required" => match out.satisfiable {
            Some(false) => "CONTROLS REQUIRED that this flow cannot satisfy (in effect blocked)".to_string(),
            Some(true) => "CONTROLS REQUIRED (this flow can satisfy them)".to_string(),
            None => "CONTROLS REQUIRED (whether this flow can satisfy them is unknown)".to_string(),
        },
        "allowed" => "ALLOWED (no enabled policy blocks or requires a control)".to_string(),
        _ => "UNKNOWN: an enabled policy that blocks or requires controls may apply; see what is missing below".to_string(),
    };
    let _ = writeln!(o, "Verdict: {verdict}");
    for c in &out.required_controls {
        let sat = match c.satisfiable {
            Some(true) => "can be satisfied",
            Some(false) => "cannot be satisfied on this flow",
            None => "may or may not be satisfiable",
        };
        let _ = writeln!(
            o,
            "  requires {}: {sat} ({}; from {})",
            t(c.control),
            t(c.why),
            c.policies
                .iter()
                .map(|p| t(p))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let section = |o: &mut String, title: &str, pick: &dyn Fn(&PolicyOut) -> bool| {
        let list: Vec<&PolicyOut> = out.policies.iter().filter(|p| pick(p)).collect();
        if list.is_empty() {
            return;
        }
        let _ = writeln!(o, "\n{title} ({})", list.len());
        for p in list {
            let name = if p.display_name.is_empty() {
                t(&p.id)
            } else {
                t(&p.display_name)
            };
            let grant = p.grant.as_ref().map_or(String::new(), |g| {
                if g.controls.is_empty() {
                    String::new()
                } else {
                    format!(
                        " grant {}",
                        t(&g.controls.join(if g.operator.eq_ignore_ascii_case("OR") {
                            " or "
                        } else {
                            " and "
                        }))
                    )
                }
            });
            let session = if p.session.is_empty() {
                String::new()
            } else {
                format!(" session {}", t(&p.session.join(", ")))
            };
            let _ = writeln!(o, "  - {name} ({}){grant}{session}", t(&p.id));
            let want = match p.applies {
                "yes" => None,
                "no" => Some("no_match"),
                _ => Some("unknown"),
            };
            for r in &p.reasons {
                if want.is_none_or(|w| w == r.outcome) {
                    let mark = if Some(r.condition) == p.first_reason {
                        " (first reason)"
                    } else {
                        ""
                    };
                    let _ = writeln!(o, "      {}: {}{mark}", r.condition, t(&r.detail));
                }
            }
        }
    };
    let enabled = |p: &PolicyOut| p.state == "enabled";
    section(&mut o, "Applies (enabled)", &|p| {
        enabled(p) && p.applies == "yes"
    });
    section(&mut o, "Unknown (enabled): what is missing", &|p| {
        enabled(p) && p.applies == "unknown"
    });
    section(&mut o, "Does not apply (enabled)", &|p| {
        enabled(p) && p.applies == "no"
    });
    let ro = |p: &PolicyOut| p.state == "enabledForReportingButNotEnforced";
    section(&mut o, "Report-only: would apply", &|p| {
        ro(p) && p.applies == "yes"
    });
    section(&mut o, "Report-only: unknown", &|p| {
        ro(p) && p.applies == "unknown"
    });
    section(&mut o, "Report-only: would not apply", &|p| {
        ro(p) && p.applies == "no"
    });
    section(&mut o, "Off or deleted", &|p| !enabled(p) && !ro(p));
    for n in &out.notes {
        let _ = writeln!(o, "\nNote: {}", t(n));
    }
    o
}
