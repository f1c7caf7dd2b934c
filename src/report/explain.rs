//! `casift explain`: the full Conditional Access picture of each matching sign-in, like the
//! portal's tabs (basic info, location and IPs, device, authentication details, every policy
//! with its controls and conditions), then the diagnosis and the fix. Text or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::records::{RecordOut, record};
use super::{Redactor, timestamp};
use crate::analysis::{Acc, Analysis, Collected};
use crate::evaluate::remedy;
use crate::knowledge;
use crate::locations::NamedLocations;

#[derive(Serialize)]
struct Diagnosis {
    rule: &'static str,
    kind: &'static str,
    severity: &'static str,
    title: &'static str,
    policy: Option<String>,
    detail: String,
    remediation: String,
}

#[derive(Serialize)]
struct Explained {
    path: String,
    record: u64,
    line: u64,
    #[serde(flatten)]
    signin: RecordOut,
    diagnosis: Vec<Diagnosis>,
}

#[derive(Serialize)]
struct ExplainOut {
    schema_version: u32,
    id: String,
    records_searched: u64,
    sign_ins: Vec<Explained>,
}

fn diagnoses(c: &Collected, locations: Option<&NamedLocations>, r: &Redactor) -> Vec<Diagnosis> {
    let mut acc = Acc::new(false);
    acc.add(&c.signin, c.facts, &c.hits);
    c.hits
        .iter()
        .map(|h| {
            let key = (
                h.rule,
                h.policy.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                crate::analysis::app_key(&c.signin).to_string(),
            );
            let remediation = acc.findings.get(&key).map_or_else(String::new, |f| {
                let ips: Vec<_> = f.hit_ips.iter().copied().collect();
                let sugg = crate::evaluate::suggest::suggest(&ips);
                remedy::remediation(f, locations, &sugg, None)
            });
            Diagnosis {
                rule: h.rule.id(),
                kind: h.rule.kind(),
                severity: h.rule.severity().as_str(),
                title: h.rule.title(),
                policy: h.policy.as_ref().map(|p| p.display_name.clone()),
                detail: r.text(h.detail.as_deref().unwrap_or("")).into_owned(),
                remediation: r.text(&remediation).into_owned(),
            }
        })
        .collect()
}

pub fn render_json(
    a: &Analysis,
    id: &str,
    locations: Option<&NamedLocations>,
    r: &Redactor,
) -> String {
    let out = ExplainOut {
        schema_version: 1,
        id: id.to_string(),
        records_searched: a.totals.records_read,
        sign_ins: a
            .collected
            .iter()
            .map(|c| Explained {
                path: a.input_label(c.input).to_string(),
                record: c.record,
                line: c.line,
                signin: record(&c.signin, c.facts, &c.hits, r),
                diagnosis: diagnoses(c, locations, r),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}

/// Control characters in log values would let a record rewrite the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub fn render_text(a: &Analysis, locations: Option<&NamedLocations>, r: &Redactor) -> String {
    let mut o = String::new();
    for (n, c) in a.collected.iter().enumerate() {
        let s = &c.signin;
        let v = |x: &str| clean(&r.value(x));
        let t = |x: &str| clean(&r.text(x));
        if n > 0 {
            o.push('\n');
        }
        let _ = writeln!(o, "== Sign-in {} of {} ==", n + 1, a.collected.len());
        let _ = writeln!(
            o,
            "Source:            {} (record {}, line {})",
            clean(a.input_label(c.input)),
            c.record,
            c.line
        );
        let _ = writeln!(o, "\nBasic info");
        let _ = writeln!(o, "  Date:            {}", timestamp(&s.created));
        let _ = writeln!(o, "  Request id:      {}", clean(&s.request_id));
        let _ = writeln!(o, "  Correlation id:  {}", clean(&s.correlation_id));
        let _ = writeln!(
            o,
            "  User:            {} ({}, id {})",
            v(&s.user_principal_name),
            v(&s.user_display_name),
            v(&s.user_id)
        );
        let _ = writeln!(
            o,
            "  Application:     {} ({})",
            clean(&s.app_display_name),
            clean(&s.app_id)
        );
        let _ = writeln!(
            o,
            "  Resource:        {} ({})",
            clean(&s.resource_display_name),
            clean(&s.resource_id)
        );
        let _ = writeln!(o, "  Client app:      {}", clean(&s.client_app_used));
        if !s.user_agent.is_empty() {
            let _ = writeln!(o, "  User agent:      {}", clean(&s.user_agent));
        }
        if !s.user_type.is_empty() {
            let _ = writeln!(o, "  User type:       {}", clean(&s.user_type));
        }
        let interactive = match s.is_interactive() {
            Some(true) => "interactive",
            Some(false) => "non-interactive",
            None => "unknown (the export does not say)",
        };
        let _ = writeln!(
            o,
            "  Sign-in type:    {interactive} ({})",
            s.event_type.as_str()
        );
        let _ = writeln!(
            o,
            "  Status:          {} (error {} {}: {})",
            c.facts.status.as_str(),
            s.error_code,
            knowledge::code_name(s.error_code),
            t(&s.failure_reason)
        );
        if !s.additional_details.is_empty() {
            let _ = writeln!(o, "  Details:         {}", t(&s.additional_details));
        }
        let _ = writeln!(o, "  CA status:       {}", s.ca_status.as_str());
        let risky = |v: &str| !v.is_empty() && !v.eq_ignore_ascii_case("none");
        if risky(&s.risk_level_during_sign_in)
            || risky(&s.risk_level_aggregated)
            || risky(&s.risk_state)
        {
            let _ = writeln!(
                o,
                "  Risk:            during sign-in {}, aggregated {}, state {}, detail {}{}",
                clean(&s.risk_level_during_sign_in),
                clean(&s.risk_level_aggregated),
                clean(&s.risk_state),
                clean(&s.risk_detail),
                if s.risk_event_types.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", clean(&s.risk_event_types.join(", ")))
                }
            );
        }
        let _ = writeln!(o, "\nLocation and IPs");
        let _ = writeln!(o, "  Client IP:       {}", v(&s.ip));
        if !s.resource_ip.is_empty() {
            let _ = writeln!(o, "  IP seen by resource: {}", v(&s.resource_ip));
        }
        let _ = writeln!(
            o,
            "  Location:        {}, {}, {}",
            clean(&s.location.city),
            clean(&s.location.state),
            clean(&s.location.country)
        );
        if let Some(nl) = &s.network_locations {
            let parts: Vec<String> = nl
                .iter()
                .map(|l| format!("{} [{}]", l.network_type, l.network_names.join(", ")))
                .collect();
            let _ = writeln!(o, "  Network (log):   {}", clean(&parts.join("; ")));
        }
        if let (Some(l), Some(ip)) = (locations, s.ip_addr) {
            let names: Vec<String> = l
                .containing(ip)
                .into_iter()
                .map(|i| {
                    let loc = &l.locations[i];
                    format!(
                        "{} ({})",
                        loc.name,
                        if loc.trusted { "trusted" } else { "untrusted" }
                    )
                })
                .collect();
            let _ = writeln!(
                o,
                "  Named locations: {}",
                if names.is_empty() {
                    "none (in no named location of the file)".to_string()
                } else {
                    clean(&names.join(", "))
                }
            );
        }
        let d = &s.device;
        let _ = writeln!(o, "\nDevice");
        let _ = writeln!(
            o,
            "  Name / id:       {} / {}",
            v(&d.display_name),
            if d.device_id.is_empty() {
                "(none sent)"
            } else {
                &d.device_id
            }
        );
        let _ = writeln!(
            o,
            "  OS / browser:    {} / {}",
            clean(&d.operating_system),
            clean(&d.browser)
        );
        let b = |x: Option<bool>| match x {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let _ = writeln!(
            o,
            "  Compliant: {}, managed: {}, join type: {}",
            b(d.is_compliant),
            b(d.is_managed),
            clean(&d.trust_type)
        );
        let _ = writeln!(o, "\nAuthentication details");
        if !s.authentication_requirement.is_empty() {
            let _ = writeln!(
                o,
                "  Requirement:     {}",
                clean(&s.authentication_requirement)
            );
        }
        if s.auth_details.is_empty() {
            let _ = writeln!(o, "  (none in the export)");
        }
        for ad in &s.auth_details {
            let _ = writeln!(
                o,
                "  - {} {} succeeded: {} {}",
                clean(&ad.method),
                clean(&ad.method_detail),
                b(ad.succeeded),
                t(&ad.result_detail)
            );
        }
        let _ = writeln!(o, "\nConditional Access");
        if !s.has_policy_detail {
            let _ = writeln!(
                o,
                "  This export has no per-policy detail (portal CSV); download the JSON export to see each policy."
            );
        } else if s.policies.is_empty() {
            let _ = writeln!(o, "  No policies listed.");
        }
        for p in &s.policies {
            let result = p.result.as_ref().map_or("", |x| x.as_str());
            let _ = writeln!(
                o,
                "  - {} [{}] ({})",
                clean(&p.display_name),
                result,
                clean(&p.id)
            );
            if !p.grant_controls.is_empty() || !p.session_controls.is_empty() {
                let _ = writeln!(
                    o,
                    "      grant: {}; session: {}",
                    clean(&p.grant_controls.join(", ")),
                    clean(&p.session_controls.join(", "))
                );
            }
            if !p.conditions_satisfied.is_empty() || !p.conditions_not_satisfied.is_empty() {
                let _ = writeln!(
                    o,
                    "      conditions satisfied: {}; not satisfied: {}",
                    clean(&p.conditions_satisfied),
                    clean(&p.conditions_not_satisfied)
                );
            }
        }
        let _ = writeln!(o, "\nDiagnosis");
        let diag = diagnoses(c, locations, r);
        if diag.is_empty() {
            let _ = writeln!(
                o,
                "  No finding: {}.",
                match c.facts.status {
                    crate::model::Status::Success => "the sign-in succeeded",
                    crate::model::Status::Interrupted =>
                        "an interrupt is a step of an interactive flow, not a failure",
                    crate::model::Status::Failure =>
                        "the failure was not caused by Conditional Access",
                }
            );
        }
        let ip_fence = diag.iter().any(|d| matches!(d.rule, "IP001" | "IP003"))
            && crate::knowledge::is_azure_devops(&c.signin.app_id);
        for dg in diag {
            let _ = writeln!(o, "  {} [{}] {}", dg.rule, dg.severity, dg.title);
            if let Some(p) = &dg.policy {
                let _ = writeln!(o, "    Policy: {}", clean(p));
            }
            if !dg.detail.is_empty() {
                let _ = writeln!(o, "    Why:    {}", clean(&dg.detail));
            }
            let _ = writeln!(o, "    Fix:    {}", clean(&dg.remediation));
        }
        if ip_fence {
            let _ = writeln!(o, "  Note: {}", remedy::DEVOPS_IP_NOTE);
        }
    }
    o
}
