//! Conditional Access rules CA001–CA008 and SD001: read the per-policy list (not only the
//! top-level status), pick the most specific root cause for each failed policy, and fall
//! back to the error code where the export has no policy detail. No IP logic here.

use super::{Facts, Hit, PolicyRef, Rule, cannot_do_mfa};
use crate::knowledge::{self, Control};
use crate::model::{AppliedPolicy, PolicyResult, SignIn, Status};

pub fn evaluate(s: &SignIn, facts: Facts, out: &mut Vec<Hit>) {
    evaluate_with(s, facts, None, out);
}

/// With the tenant's policies: SD001 only where the failing policy targets the resource
/// itself (a policy on all resources covers the app too: no dependency to explain).
pub fn evaluate_with(
    s: &SignIn,
    facts: Facts,
    policies: Option<&crate::policy::PolicySet>,
    out: &mut Vec<Hit>,
) {
    report_only(s, out);
    if facts.status != Status::Failure || !facts.ca_failure {
        return;
    }
    let failed: Vec<&AppliedPolicy> = s
        .policies
        .iter()
        .filter(|p| p.result == Some(PolicyResult::Failure))
        .collect();
    if failed.is_empty() {
        let rule = rule_from_code(s);
        let why = if s.has_policy_detail {
            "no policy in the record has result failure; classified from the error code"
        } else {
            "the export has no per-policy detail; classified from the error code"
        };
        out.push(Hit::new(rule, None).with_detail(format!(
            "error {} ({}): {why}",
            s.error_code,
            knowledge::code_name(s.error_code)
        )));
    } else {
        for p in &failed {
            let (rule, detail) = classify_policy(p, s);
            out.push(Hit::new(rule, Some(policy_ref(p))).with_detail(detail));
        }
    }
    // Only a named failed policy shows that the policy reached the app through its
    // resource; without per-policy detail a different resource proves nothing.
    let all_resources = |p: &AppliedPolicy| {
        policies.and_then(|ps| ps.get(&p.id)).is_some_and(|d| {
            d.conditions
                .applications
                .include_applications
                .iter()
                .any(|a| a.eq_ignore_ascii_case("All"))
        })
    };
    let dependency = failed.iter().find(|p| !all_resources(p));
    if let Some(first) = dependency.filter(|_| differs_from_app(s)) {
        let policy = Some(policy_ref(first));
        let res = if s.resource_display_name.is_empty() {
            &s.resource_id
        } else {
            &s.resource_display_name
        };
        out.push(Hit::new(Rule::Sd001, policy).with_detail(format!(
            "resource {res} ({}) differs from the app {}",
            s.resource_id,
            s.app_label()
        )));
    }
}

fn policy_ref(p: &AppliedPolicy) -> PolicyRef {
    PolicyRef {
        id: p.id.clone(),
        display_name: p.display_name.clone(),
    }
}

/// CA007: report-only policies that would have blocked or required user action.
fn report_only(s: &SignIn, out: &mut Vec<Hit>) {
    for p in &s.policies {
        let detail = match p.result {
            Some(PolicyResult::ReportOnlyFailure) => "would fail",
            Some(PolicyResult::ReportOnlyInterrupted) => {
                if cannot_do_mfa(s) {
                    "would require user action that this flow cannot perform"
                } else {
                    "would require user action (e.g. MFA)"
                }
            }
            _ => continue,
        };
        let controls = controls_text(p);
        out.push(
            Hit::new(Rule::Ca007, Some(policy_ref(p))).with_detail(format!("{detail}{controls}")),
        );
    }
}

fn controls_text(p: &AppliedPolicy) -> String {
    let mut all: Vec<&str> = p.grant_controls.iter().map(String::as_str).collect();
    all.extend(p.session_controls.iter().map(String::as_str));
    if all.is_empty() {
        String::new()
    } else {
        format!(" (enforces {})", all.join(", "))
    }
}

/// SD001: a CA failure whose resource is not the app itself, so the policy reached the
/// app through a resource it depends on.
fn differs_from_app(s: &SignIn) -> bool {
    !s.resource_id.is_empty()
        && !s.app_id.is_empty()
        && !s.resource_id.trim().eq_ignore_ascii_case(s.app_id.trim())
}

fn mentions(flags: &str, what: &str) -> bool {
    flags
        .split([',', ' '])
        .any(|f| f.trim().eq_ignore_ascii_case(what))
}

fn is_risk(p: &AppliedPolicy, s: &SignIn) -> bool {
    knowledge::is_risk_code(s.error_code)
        || mentions(&p.conditions_satisfied, "signInRisk")
        || mentions(&p.conditions_satisfied, "userRisk")
}

/// The most specific rule for one failed policy, with the evidence.
fn classify_policy(p: &AppliedPolicy, s: &SignIn) -> (Rule, String) {
    let controls: Vec<Control> = p
        .grant_controls
        .iter()
        .map(|t| knowledge::control(t))
        .collect();
    let sessions: Vec<Control> = p
        .session_controls
        .iter()
        .map(|t| knowledge::control(t))
        .collect();
    let has = |c: Control| controls.contains(&c);
    let enforces = controls_text(p);
    let code = s.error_code;
    let sif_failed = knowledge::is_sign_in_frequency_code(code)
        || p.session_controls_not_satisfied
            .iter()
            .any(|c| knowledge::control(c) == Control::SignInFrequency);
    // Risk first: a Block that applied because of a risk condition is a risk block.
    if is_risk(p, s) {
        return (
            Rule::Ca008,
            format!(
                "risk: during sign-in {:?}, aggregated {:?}, state {:?}{enforces}{}",
                s.risk_level_during_sign_in,
                s.risk_level_aggregated,
                s.risk_state,
                satisfied(p)
            ),
        );
    }
    if has(Control::Block) {
        return (
            Rule::Ca001,
            format!("policy enforces Block{}", satisfied(p)),
        );
    }
    if sif_failed && sessions.contains(&Control::SignInFrequency) {
        return (
            Rule::Ca006,
            format!("sign-in frequency not satisfied (error {code}){enforces}"),
        );
    }
    let compliant = has(Control::CompliantDevice);
    let joined = has(Control::DomainJoinedDevice);
    if compliant || joined {
        let rule = if joined && (!compliant || knowledge::is_domain_joined_code(code)) {
            Rule::Ca004
        } else {
            Rule::Ca003
        };
        return (
            rule,
            format!(
                "device: compliant {}, managed {}, trust type {}, device id {}{enforces}",
                opt(s.device.is_compliant),
                opt(s.device.is_managed),
                if s.device.trust_type.trim().is_empty() {
                    "none"
                } else {
                    s.device.trust_type.trim()
                },
                if s.device.device_id.is_empty() {
                    "none sent"
                } else {
                    "sent"
                }
            ),
        );
    }
    if has(Control::ApprovedApp) || has(Control::CompliantApp) {
        return (
            Rule::Ca005,
            format!("client app {:?}{enforces}", s.client_app_used),
        );
    }
    let mfa = has(Control::Mfa)
        || has(Control::AuthenticationStrength)
        || knowledge::is_mfa_required_code(code);
    if mfa && cannot_do_mfa(s) {
        return (
            Rule::Ca002,
            format!(
                "MFA required on a {} flow (client app {:?}){enforces}",
                flow_kind(s),
                s.client_app_used
            ),
        );
    }
    if sif_failed {
        return (
            Rule::Ca006,
            format!("sign-in frequency not satisfied (error {code}){enforces}"),
        );
    }
    (
        Rule::Ca001,
        format!("policy failed{enforces}{}", satisfied(p)),
    )
}

fn satisfied(p: &AppliedPolicy) -> String {
    if p.conditions_satisfied.is_empty() {
        String::new()
    } else {
        format!("; conditions satisfied: {}", p.conditions_satisfied)
    }
}

fn opt(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn flow_kind(s: &SignIn) -> &'static str {
    if knowledge::is_legacy_client(&s.client_app_used) {
        "legacy-client"
    } else {
        "non-interactive"
    }
}

/// Without a failed policy to read, the error code names the cause.
fn rule_from_code(s: &SignIn) -> Rule {
    let code = s.error_code;
    if knowledge::is_risk_code(code) {
        Rule::Ca008
    } else if knowledge::is_device_compliance_code(code) {
        Rule::Ca003
    } else if knowledge::is_domain_joined_code(code) {
        Rule::Ca004
    } else if knowledge::is_approved_app_code(code) {
        Rule::Ca005
    } else if knowledge::is_sign_in_frequency_code(code) {
        Rule::Ca006
    } else if knowledge::is_mfa_required_code(code) && cannot_do_mfa(s) {
        Rule::Ca002
    } else {
        Rule::Ca001
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::facts;
    use crate::model::{CaStatus, EventType};

    fn policy(result: &str, grant: &[&str], session: &[&str]) -> AppliedPolicy {
        AppliedPolicy {
            id: "p1".into(),
            display_name: "Policy".into(),
            result: Some(PolicyResult::parse(result)),
            grant_controls: grant.iter().map(|s| s.to_string()).collect(),
            session_controls: session.iter().map(|s| s.to_string()).collect(),
            ..AppliedPolicy::default()
        }
    }

    fn signin(code: i64, event: EventType, policies: Vec<AppliedPolicy>) -> SignIn {
        SignIn {
            request_id: "r".into(),
            error_code: code,
            event_type: event,
            ca_status: CaStatus::Failure,
            policies,
            has_policy_detail: true,
            app_id: "a".into(),
            ..SignIn::default()
        }
    }

    fn rules(s: &SignIn) -> Vec<Rule> {
        let mut out = Vec::new();
        evaluate(s, facts(s), &mut out);
        out.iter().map(|h| h.rule).collect()
    }

    #[test]
    fn each_control_gets_its_rule() {
        let ni = EventType::NonInteractive;
        let i = EventType::Interactive;
        assert_eq!(
            rules(&signin(53003, ni, vec![policy("failure", &["Block"], &[])])),
            vec![Rule::Ca001]
        );
        assert_eq!(
            rules(&signin(50076, ni, vec![policy("failure", &["Mfa"], &[])])),
            vec![Rule::Ca002]
        );
        assert_eq!(
            rules(&signin(53003, i, vec![policy("failure", &["Mfa"], &[])])),
            vec![Rule::Ca001]
        );
        assert_eq!(
            rules(&signin(
                53000,
                ni,
                vec![policy("failure", &["RequireCompliantDevice"], &[])]
            )),
            vec![Rule::Ca003]
        );
        assert_eq!(
            rules(&signin(
                53001,
                ni,
                vec![policy("failure", &["RequireDomainJoinedDevice"], &[])]
            )),
            vec![Rule::Ca004]
        );
        assert_eq!(
            rules(&signin(
                53002,
                i,
                vec![policy("failure", &["RequireApprovedApp"], &[])]
            )),
            vec![Rule::Ca005]
        );
        assert_eq!(
            rules(&signin(
                70043,
                ni,
                vec![policy("failure", &[], &["SignInFrequency"])]
            )),
            vec![Rule::Ca006]
        );
        assert_eq!(
            rules(&signin(530032, i, vec![policy("failure", &["Mfa"], &[])])),
            vec![Rule::Ca008]
        );
    }

    #[test]
    fn report_only_and_interrupts() {
        let mut s = signin(
            0,
            EventType::Interactive,
            vec![policy("reportOnlyFailure", &["Block"], &[])],
        );
        s.ca_status = CaStatus::NotApplied;
        assert_eq!(rules(&s), vec![Rule::Ca007]);
        let s = signin(
            50074,
            EventType::Interactive,
            vec![policy("failure", &["Mfa"], &[])],
        );
        assert!(rules(&s).is_empty(), "interrupts raise no finding");
    }

    #[test]
    fn several_failed_policies_and_dependencies() {
        let mut s = signin(
            53003,
            EventType::NonInteractive,
            vec![policy("failure", &["Block"], &[]), {
                let mut p = policy("failure", &["Mfa"], &[]);
                p.id = "p2".into();
                p
            }],
        );
        s.resource_id = "b".into();
        assert_eq!(rules(&s), vec![Rule::Ca001, Rule::Ca002, Rule::Sd001]);
    }

    #[test]
    fn without_policy_detail_the_code_decides() {
        let mut s = signin(53000, EventType::Unknown, vec![]);
        s.has_policy_detail = false;
        assert_eq!(rules(&s), vec![Rule::Ca003]);
        s.error_code = 50126;
        s.ca_status = CaStatus::NotApplied;
        assert!(rules(&s).is_empty());
    }
}
