//! Unit tests of the `explain` text layout on hand-built sign-ins: the portal's order, the
//! failing policy first, report-only apart, no empty field, the `Extra` section, escaping.

use super::*;
use crate::analysis::Collected;
use crate::model::{AppliedPolicy, CaStatus, EventType, Location, PolicyResult, SignIn};
use crate::report::testdata::analysis;

fn policy(name: &str, result: PolicyResult, grant: &[&str]) -> AppliedPolicy {
    AppliedPolicy {
        id: format!("id-{}", name.len()),
        display_name: name.into(),
        result: Some(result),
        grant_controls: grant.iter().map(|g| g.to_string()).collect(),
        ..AppliedPolicy::default()
    }
}

fn signin() -> SignIn {
    SignIn {
        request_id: "00000000-0000-4000-8000-000000000001".into(),
        correlation_id: "00000000-0000-4000-9000-000000000001".into(),
        user_principal_name: "ada@example.com".into(),
        user_display_name: "Ada \u{202e}Lovelace".into(),
        app_id: "499b84ac-1321-427f-aa17-267ca6975798".into(),
        app_display_name: "Azure DevOps".into(),
        ip: "203.0.113.6".into(),
        ip_addr: "203.0.113.6".parse().ok(),
        event_type: EventType::NonInteractive,
        error_code: 53003,
        failure_reason: "Access has been blocked by Conditional Access policies.".into(),
        ca_status: CaStatus::Failure,
        has_policy_detail: true,
        location: Location {
            city: "Paris".into(),
            state: String::new(),
            country: "FR".into(),
        },
        policies: vec![
            policy("Require MFA", PolicyResult::NotApplied, &["Mfa"]),
            policy(
                "Report-only compliant device",
                PolicyResult::ReportOnlyFailure,
                &["RequireCompliantDevice"],
            ),
            policy("Allow all", PolicyResult::Success, &[]),
            policy(
                "Block DevOps outside corporate network",
                PolicyResult::Failure,
                &["Block"],
            ),
        ],
        ..SignIn::default()
    }
}

fn explain_with(s: SignIn, extra: Option<&Extra<'_>>) -> String {
    let mut a = analysis(0, 0);
    let facts = crate::evaluate::facts(&s);
    a.collected = vec![Collected {
        input: 0,
        record: 7,
        line: 9,
        signin: s,
        facts,
        hits: vec![],
    }];
    render_text_with(&a, None, &Redactor::off(), extra)
}

#[test]
fn sections_in_the_portal_order() {
    let t = explain_with(signin(), None);
    let at = |h: &str| {
        t.find(&format!("\n{h}\n"))
            .unwrap_or_else(|| panic!("{h} in {t}"))
    };
    let order = [
        "Basic info",
        "Location",
        "Device",
        "Conditional Access",
        "Report-only",
        "Diagnosis",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    // The failing policy first, then success, then not applied; report-only apart.
    let ca = &t[at("Conditional Access")..at("Report-only")];
    let block = ca
        .find("Block DevOps outside corporate network [failure]")
        .expect("failing policy");
    let allow = ca.find("Allow all [success]").expect("success");
    let mfa = ca.find("Require MFA [notApplied]").expect("not applied");
    assert!(block < allow && allow < mfa, "{ca}");
    assert!(!ca.contains("Report-only compliant device"));
    assert!(t[at("Report-only")..].contains("Report-only compliant device [reportOnlyFailure]"));
    assert!(t.contains("      grant controls: Block\n"));
}

#[test]
fn empty_fields_are_not_printed() {
    let t = explain_with(signin(), None);
    assert!(t.contains("  Location:            Paris, FR\n"), "{t}");
    for bad in [
        ", ,",
        "grant: ;",
        "; session:",
        "(none sent)",
        "Name / id",
        ": \n",
        "()",
        "Device id:",
        "User id:",
    ] {
        assert!(!t.contains(bad), "{bad:?} in:\n{t}");
    }
    // Every field line has a value.
    for l in t.lines().filter(|l| l.starts_with("  ") && l.contains(':')) {
        assert!(!l.trim_end().ends_with(':'), "empty field {l:?}");
    }
    assert!(t.contains("The export has no device detail"));
    assert!(
        !t.contains("Authentication details"),
        "nothing to say, no section"
    );
}

#[test]
fn values_are_made_visible_and_the_extra_section_has_its_place() {
    let lines = |_: &Collected| vec!["Block DevOps outside corporate network: applies".to_string()];
    let extra = Extra {
        title: "Policy evaluation (from --policies)",
        lines: &lines,
        policies: None,
    };
    let t = explain_with(signin(), Some(&extra));
    assert!(
        t.contains("Display name:        Ada \\u{202e}Lovelace"),
        "{t}"
    );
    assert!(!t.contains('\u{202e}'));
    let ev = t
        .find("\nPolicy evaluation (from --policies)\n  Block DevOps")
        .expect("extra");
    assert!(t.find("\nReport-only\n").expect("report-only") < ev);
    assert!(ev < t.find("\nDiagnosis\n").expect("diagnosis"));
    // No lines, no heading.
    let none = |_: &Collected| Vec::new();
    let empty = Extra {
        title: "Policy evaluation (from --policies)",
        lines: &none,
        policies: None,
    };
    assert!(!explain_with(signin(), Some(&empty)).contains("Policy evaluation"));
}

#[test]
fn an_export_without_policy_detail_says_so() {
    let mut s = signin();
    s.has_policy_detail = false;
    s.policies.clear();
    let t = explain_with(s, None);
    assert!(t.contains("no per-policy detail"));
    assert!(!t.contains("Report-only\n"));
}
