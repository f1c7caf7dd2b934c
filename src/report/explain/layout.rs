//! The text of `casift explain`, in the order of the portal's sign-in details: basic info,
//! location, device, authentication details, Conditional Access (the failing policy first)
//! and report-only policies apart, then a place for policy evaluation (`--policies`, filled
//! by the caller through `Extra`), then the diagnosis; the run's notes once at the end. A
//! field the export left empty is not printed at all. Every log value goes through `escape_terminal`.

use std::fmt::Write as _;

use super::diagnoses;
use crate::analysis::{Analysis, Collected};
use crate::knowledge;
use crate::locations::NamedLocations;
use crate::model::{AppliedPolicy, PolicyResult, SignIn, Status};
use crate::report::{Redactor, escape_terminal, timestamp};

/// Lines a caller adds to one sign-in's explanation, under their own heading, between the
/// Conditional Access sections and the diagnosis (`--policies`: "Policy evaluation").
pub struct Extra<'f> {
    pub title: &'static str,
    pub lines: &'f dyn Fn(&Collected) -> Vec<String>,
    /// The policies behind the lines, for the diagnosis's fixes.
    pub policies: Option<&'f crate::policy::PolicySet>,
}

/// Width of the label column (values start after it and one space).
const LABEL: usize = 20;

struct Out {
    s: String,
}

impl Out {
    fn heading(&mut self, t: &str) {
        let _ = write!(self.s, "\n{t}\n");
    }

    /// `label: value`, only when the value says something.
    fn field(&mut self, label: &str, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        let l = format!("{label}:");
        let _ = writeln!(self.s, "  {l:<LABEL$} {}", escape_terminal(v));
    }

    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.s, "{:indent$}{}", "", escape_terminal(text));
    }
}

/// Non-empty parts joined: no "Paris, , FR".
fn join(parts: &[&str], sep: &str) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// "Name (id)", or whichever of them there is.
fn named(name: &str, id: &str) -> String {
    match (name.trim().is_empty(), id.trim().is_empty()) {
        (false, false) if name != id => format!("{name} ({id})"),
        (false, _) => name.to_string(),
        (true, _) => id.to_string(),
    }
}

fn yes_no(x: Option<bool>) -> &'static str {
    match x {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

pub fn render_text(a: &Analysis, locations: Option<&NamedLocations>, r: &Redactor) -> String {
    render_text_with(a, locations, r, None)
}

pub fn render_text_with(
    a: &Analysis,
    locations: Option<&NamedLocations>,
    r: &Redactor,
    extra: Option<&Extra<'_>>,
) -> String {
    let mut o = Out { s: String::new() };
    for (n, c) in a.collected.iter().enumerate() {
        if n > 0 {
            o.s.push('\n');
        }
        let _ = writeln!(o.s, "== Sign-in {} of {} ==", n + 1, a.collected.len());
        o.field(
            "Source",
            &format!(
                "{} (record {}, line {})",
                a.input_label(c.input),
                c.record,
                c.line
            ),
        );
        basic(&mut o, c, r);
        location(&mut o, &c.signin, locations, r);
        device(&mut o, &c.signin, r);
        authentication(&mut o, &c.signin, r);
        conditional_access(&mut o, &c.signin);
        if let Some(x) = extra {
            let lines = (x.lines)(c);
            if !lines.is_empty() {
                o.heading(x.title);
                for l in &lines {
                    o.line(2, l);
                }
            }
        }
        diagnosis(&mut o, c, locations, r, extra.and_then(|x| x.policies));
    }
    // The run's notes, once; the Azure DevOps facts are already under the diagnosis they
    // concern.
    let notes: Vec<&String> = a
        .notes
        .iter()
        .filter(|n| n.as_str() != crate::evaluate::remedy::DEVOPS_IP_NOTE)
        .collect();
    if !notes.is_empty() {
        o.heading("Notes");
        for n in notes {
            o.line(2, &format!("- {}", r.text(n)));
        }
    }
    o.s
}

fn basic(o: &mut Out, c: &Collected, r: &Redactor) {
    let s = &c.signin;
    o.heading("Basic info");
    o.field("Date", &timestamp(&s.created));
    o.field("Request id", &s.request_id);
    o.field("Correlation id", &s.correlation_id);
    o.field("User", &r.value(&s.user_principal_name));
    o.field("Display name", &r.value(&s.user_display_name));
    o.field("User id", &r.value(&s.user_id));
    o.field("User type", &s.user_type);
    o.field(
        "Service principal",
        &named(
            &r.value(&s.service_principal_name),
            &r.value(&s.service_principal_id),
        ),
    );
    o.field("Application", &named(&s.app_display_name, &s.app_id));
    o.field("Resource", &named(&s.resource_display_name, &s.resource_id));
    o.field("Client app", &s.client_app_used);
    o.field("User agent", &s.user_agent);
    let interactive = match s.is_interactive() {
        Some(true) => "interactive",
        Some(false) => "non-interactive",
        None => "unknown (the export does not say)",
    };
    let kind = if s.event_type == crate::model::EventType::Unknown {
        interactive.to_string()
    } else {
        format!("{interactive} ({})", s.event_type.as_str())
    };
    o.field("Sign-in type", &kind);
    let code = if s.error_code == 0 {
        String::new()
    } else {
        let name = knowledge::code_name(s.error_code);
        let reason = r.text(&s.failure_reason);
        format!(
            " (error {}{}{})",
            join(&[&s.error_code.to_string(), name], " "),
            if reason.trim().is_empty() { "" } else { ": " },
            reason.trim()
        )
    };
    o.field("Status", &format!("{}{code}", c.facts.status.as_str()));
    o.field("Details", &r.text(&s.additional_details));
    o.field("Conditional Access", s.ca_status.as_str());
    let risky = |v: &str| !v.is_empty() && !v.eq_ignore_ascii_case("none");
    if risky(&s.risk_level_during_sign_in)
        || risky(&s.risk_level_aggregated)
        || risky(&s.risk_state)
    {
        o.field("Sign-in risk", &s.risk_level_during_sign_in);
        o.field("User risk", &s.risk_level_aggregated);
        o.field("Risk state", &s.risk_state);
        o.field("Risk detail", &s.risk_detail);
        o.field("Risk events", &s.risk_event_types.join(", "));
    }
}

fn location(o: &mut Out, s: &SignIn, locations: Option<&NamedLocations>, r: &Redactor) {
    o.heading("Location");
    o.field("IP address", &r.value(&s.ip));
    if s.resource_ip != s.ip {
        o.field("IP seen by resource", &r.value(&s.resource_ip));
    }
    o.field(
        "Location",
        &join(
            &[&s.location.city, &s.location.state, &s.location.country],
            ", ",
        ),
    );
    if let Some(nl) = &s.network_locations {
        let parts: Vec<String> = nl
            .iter()
            .map(|l| {
                let names = join(
                    &l.network_names
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    ", ",
                );
                if names.is_empty() {
                    l.network_type.clone()
                } else {
                    format!("{} [{names}]", l.network_type)
                }
            })
            .filter(|p| !p.trim().is_empty())
            .collect();
        o.field("Network (log)", &parts.join("; "));
    }
    let Some(l) = locations else { return };
    let describe = |ip| {
        let names: Vec<String> = l
            .containing(ip)
            .into_iter()
            .map(|i| {
                let loc = &l.locations[i];
                let t = if loc.trusted { "trusted" } else { "untrusted" };
                format!("{} ({t})", loc.name)
            })
            .collect();
        if names.is_empty() {
            "none (in no named location of the file)".to_string()
        } else {
            names.join(", ")
        }
    };
    if let Some(ip) = s.ip_addr {
        o.field("Named locations", &describe(ip));
    }
    if let Some(ip) = s.resource_ip_addr.filter(|ip| Some(*ip) != s.ip_addr) {
        o.field("Resource IP in", &describe(ip));
    }
}

fn device(o: &mut Out, s: &SignIn, r: &Redactor) {
    let d = &s.device;
    let facts = [
        ("Device", r.value(&d.display_name).into_owned()),
        ("Device id", d.device_id.clone()),
        ("Operating system", d.operating_system.clone()),
        ("Browser", d.browser.clone()),
        ("Compliant", yes_no(d.is_compliant).to_string()),
        ("Managed", yes_no(d.is_managed).to_string()),
        ("Join type", d.trust_type.clone()),
    ];
    o.heading("Device");
    if facts.iter().all(|(_, v)| v.trim().is_empty()) {
        o.line(2, "The export has no device detail for this sign-in.");
        return;
    }
    for (k, v) in &facts {
        o.field(k, v);
    }
}

fn authentication(o: &mut Out, s: &SignIn, r: &Redactor) {
    if s.authentication_requirement.is_empty() && s.auth_details.is_empty() {
        return;
    }
    o.heading("Authentication details");
    o.field("Requirement", &s.authentication_requirement);
    for ad in &s.auth_details {
        let ok = match ad.succeeded {
            Some(true) => "succeeded",
            Some(false) => "failed",
            None => "",
        };
        let what = join(&[&ad.method, &ad.method_detail, &ad.step_requirement], ", ");
        let line = join(&[&what, ok, &r.text(&ad.result_detail)], ": ");
        if !line.is_empty() {
            o.line(2, &format!("- {line}"));
        }
    }
}

fn is_report_only(p: &AppliedPolicy) -> bool {
    matches!(
        p.result,
        Some(
            PolicyResult::ReportOnlySuccess
                | PolicyResult::ReportOnlyFailure
                | PolicyResult::ReportOnlyNotApplied
                | PolicyResult::ReportOnlyInterrupted
        )
    )
}

/// The portal's order: what failed (or would fail) first, then what applied, then the rest.
fn rank(p: &AppliedPolicy) -> u8 {
    match &p.result {
        Some(PolicyResult::Failure | PolicyResult::ReportOnlyFailure) => 0,
        Some(PolicyResult::ReportOnlyInterrupted) => 1,
        Some(PolicyResult::Success | PolicyResult::ReportOnlySuccess) => 2,
        Some(PolicyResult::Unknown(_)) | None => 3,
        Some(PolicyResult::NotApplied | PolicyResult::ReportOnlyNotApplied) => 4,
        Some(PolicyResult::NotEnabled) => 5,
    }
}

fn policies(o: &mut Out, list: &[&AppliedPolicy]) {
    let mut sorted: Vec<&&AppliedPolicy> = list.iter().collect();
    // Stable: the log's order within one rank.
    sorted.sort_by_key(|p| rank(p));
    for p in sorted {
        let result = p.result.as_ref().map_or("", |x| x.as_str());
        let name = if p.display_name.is_empty() {
            &p.id
        } else {
            &p.display_name
        };
        let head = if result.is_empty() {
            format!("- {name}")
        } else {
            format!("- {name} [{result}]")
        };
        o.line(2, &head);
        let sub = |o: &mut Out, k: &str, v: &str| {
            if !v.trim().is_empty() {
                o.line(6, &format!("{k}: {}", v.trim()));
            }
        };
        if !p.display_name.is_empty() {
            sub(o, "id", &p.id);
        }
        sub(o, "grant controls", &p.grant_controls.join(", "));
        sub(o, "session controls", &p.session_controls.join(", "));
        sub(o, "authentication strength", &p.authentication_strength);
        sub(o, "conditions satisfied", &p.conditions_satisfied);
        sub(o, "conditions not satisfied", &p.conditions_not_satisfied);
        sub(
            o,
            "session controls not satisfied",
            &p.session_controls_not_satisfied.join(", "),
        );
    }
}

fn conditional_access(o: &mut Out, s: &SignIn) {
    o.heading("Conditional Access");
    if !s.has_policy_detail {
        o.line(
            2,
            "This export has no per-policy detail (portal CSV); download the JSON export to see each policy.",
        );
        return;
    }
    let (report_only, enforced): (Vec<&AppliedPolicy>, Vec<&AppliedPolicy>) =
        s.policies.iter().partition(|p| is_report_only(p));
    if enforced.is_empty() {
        o.line(2, "No enforced policy listed.");
    }
    policies(o, &enforced);
    if !report_only.is_empty() {
        o.heading("Report-only");
        policies(o, &report_only);
    }
}

fn diagnosis(
    o: &mut Out,
    c: &Collected,
    locations: Option<&NamedLocations>,
    r: &Redactor,
    set: Option<&crate::policy::PolicySet>,
) {
    o.heading("Diagnosis");
    let diag = diagnoses(c, locations, r, set);
    let ip_fence = diag.iter().any(|d| matches!(d.rule, "IP001" | "IP003"))
        && knowledge::is_azure_devops(&c.signin.app_id);
    if diag.is_empty() {
        let why = match c.facts.status {
            Status::Success => "the sign-in succeeded",
            Status::Interrupted => "an interrupt is a step of an interactive flow, not a failure",
            Status::Failure => "the failure was not caused by Conditional Access",
        };
        o.line(2, &format!("No finding: {why}."));
    }
    for dg in diag {
        o.line(2, &format!("{} [{}] {}", dg.rule, dg.severity, dg.title));
        if let Some(p) = &dg.policy {
            o.line(4, &format!("Policy: {p}"));
        }
        if !dg.detail.is_empty() {
            o.line(4, &format!("Why:    {}", dg.detail));
        }
        if !dg.remediation.is_empty() {
            o.line(4, &format!("Fix:    {}", dg.remediation));
        }
        if let Some(g) = dg.fix.as_ref().and_then(|f| f.graph_request.as_ref()) {
            o.line(
                4,
                &format!(
                    "Graph:  {} {} {}",
                    g.method,
                    g.path,
                    serde_json::to_string(&g.body).unwrap_or_default()
                ),
            );
        }
    }
    if ip_fence {
        o.line(
            2,
            &format!("Note: {}", crate::evaluate::remedy::DEVOPS_IP_NOTE),
        );
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
