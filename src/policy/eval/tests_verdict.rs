//! Unit tests of the verdict across policies: block wins, AND/OR grants, what a flow can
//! satisfy, session-only and report-only policies, and the unknown verdict.

use super::tests::*;
use super::*;
use crate::policy::{AuthStrength, GrantControls, RequiredControl, Verdict, VerdictKind};

fn run(policies: &[Policy], s: &Subject) -> Verdict {
    let evals: Vec<Evaluation> = policies.iter().map(|p| ev(p, s)).collect();
    let pairs: Vec<(&Policy, &Evaluation)> = policies.iter().zip(evals.iter()).collect();
    verdict(&pairs, s)
}

fn mfa(id: &str) -> Policy {
    let mut p = policy(id);
    p.grant = Some(grant("OR", &["mfa"]));
    p
}

fn control<'a>(vd: &'a Verdict, c: &str) -> &'a RequiredControl {
    vd.required
        .iter()
        .find(|r| r.control == c)
        .unwrap_or_else(|| panic!("no {c} in {vd:#?}"))
}

#[test]
fn a_block_wins() {
    let vd = run(&[mfa("m"), policy("b")], &user());
    assert_eq!(vd.kind, VerdictKind::Blocked);
    assert_eq!(vd.blocking, v_ids(&["b"]));
    assert_eq!(vd.satisfiable, Some(false));
}

fn v_ids(ids: &[&str]) -> Vec<String> {
    v(ids)
}

#[test]
fn no_applying_policy_issues_a_token() {
    let mut p = policy("b");
    users(&mut p).exclude_users = v(&[ALICE]);
    let vd = run(&[p], &user());
    assert_eq!(vd.kind, VerdictKind::Allowed);
    assert!(vd.required.is_empty());
    assert_eq!(run(&[], &user()).kind, VerdictKind::Allowed);
}

#[test]
fn report_only_disabled_and_session_only_policies_require_nothing() {
    let mut ro = policy("ro");
    ro.state = PolicyState::ReportOnly;
    let mut off = policy("off");
    off.state = PolicyState::Disabled;
    let mut session = policy("s");
    session.grant = None;
    let vd = run(&[ro, off, session], &user());
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

#[test]
fn required_controls_union_across_policies() {
    let mut dev = policy("d");
    dev.grant = Some(grant("AND", &["compliantDevice"]));
    let vd = run(&[mfa("m1"), mfa("m2"), dev], &user());
    assert_eq!(vd.kind, VerdictKind::ControlsRequired);
    assert_eq!(vd.required.len(), 2);
    assert_eq!(vd.required[0].control, "mfa");
    assert_eq!(vd.required[0].policies, v_ids(&["m1", "m2"]));
    assert_eq!(vd.required[1].control, "compliantDevice");
    assert_eq!(vd.satisfiable, None);
}

#[test]
fn or_policies_are_satisfiable_by_any_control() {
    let mut p = policy("or");
    p.grant = Some(grant("OR", &["mfa", "compliantDevice"]));
    let mut s = user();
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d1".into());
    s.device.is_compliant = Some(true);
    let vd = run(std::slice::from_ref(&p), &s);
    let r = control(&vd, "mfa or compliantDevice");
    assert_eq!(r.satisfiable, Some(true));
    assert_eq!(vd.satisfiable, Some(true));
    // AND needs both: MFA stays undecided.
    p.grant = Some(grant("AND", &["mfa", "compliantDevice"]));
    let vd = run(&[p], &s);
    assert_eq!(control(&vd, "compliantDevice").satisfiable, Some(true));
    assert_eq!(control(&vd, "mfa").satisfiable, None);
    assert_eq!(vd.satisfiable, None);
}

#[test]
fn prompts_cannot_be_met_non_interactively_or_by_legacy_clients() {
    let mut strength = policy("as");
    strength.grant = Some(GrantControls {
        operator: "OR".into(),
        authentication_strength: Some(AuthStrength {
            id: "00000000-0000-0000-0000-000000000004".into(),
            display_name: "Phishing-resistant MFA".into(),
        }),
        ..GrantControls::default()
    });
    let mut s = user();
    s.interactive = Some(false);
    let vd = run(&[mfa("m"), strength.clone()], &s);
    assert_eq!(vd.kind, VerdictKind::ControlsRequired);
    assert_eq!(vd.satisfiable, Some(false));
    assert!(control(&vd, "mfa").why.contains("non-interactive"));
    assert_eq!(
        control(&vd, "authenticationStrength(Phishing-resistant MFA)").satisfiable,
        Some(false)
    );
    let mut s = user();
    s.client_app_type = Some("other".into());
    let legacy = run(&[mfa("m")], &s);
    assert_eq!(control(&legacy, "mfa").satisfiable, Some(false));
    assert!(
        control(&legacy, "mfa")
            .why
            .contains("legacy authentication")
    );
    let mut tou = policy("tou");
    tou.grant = Some(GrantControls {
        operator: "OR".into(),
        terms_of_use: v(&["7000a000-0000-4000-8000-00000000000a"]),
        ..GrantControls::default()
    });
    let mut s = user();
    s.client_app_type = Some("exchangeActiveSync".into());
    assert_eq!(run(&[tou], &s).satisfiable, Some(false));
}

#[test]
fn device_controls_need_device_information() {
    let mut dev = policy("d");
    dev.grant = Some(grant("OR", &["compliantDevice"]));
    let mut hybrid = policy("h");
    hybrid.grant = Some(grant("OR", &["domainJoinedDevice"]));
    let mut s = user();
    assert_eq!(run(std::slice::from_ref(&dev), &s).satisfiable, None);
    s.device.device_id = Some(String::new());
    s.interactive = Some(false);
    let vd = run(&[dev.clone(), hybrid.clone()], &s);
    assert_eq!(control(&vd, "compliantDevice").satisfiable, Some(false));
    assert_eq!(control(&vd, "domainJoinedDevice").satisfiable, Some(false));
    let mut s = user();
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d1".into());
    s.device.trust_type = Some("Hybrid Azure AD joined".into());
    let vd = run(&[dev, hybrid], &s);
    assert_eq!(control(&vd, "domainJoinedDevice").satisfiable, Some(true));
    assert_eq!(control(&vd, "compliantDevice").satisfiable, None);
    let mut s = user();
    s.auth_flow = Some("deviceCodeFlow".into());
    let mut dev = policy("d");
    dev.grant = Some(grant("OR", &["compliantDevice"]));
    assert!(
        control(&run(&[dev], &s), "compliantDevice")
            .why
            .contains("device code")
    );
}

#[test]
fn unknown_when_an_undecided_enabled_policy_could_block() {
    let mut p = policy("b");
    users(&mut p).exclude_groups = v(&[GROUP_A]);
    let vd = run(std::slice::from_ref(&p), &user());
    assert_eq!(vd.kind, VerdictKind::Unknown);
    assert_eq!(vd.satisfiable, None);
    // A session-only undecided policy cannot change the outcome.
    p.grant = None;
    assert_eq!(run(&[p], &user()).kind, VerdictKind::Allowed);
}

#[test]
fn soft_deleted_and_unknown_state_policies_are_not_enforced() {
    let mut deleted = policy("del");
    deleted.deleted = true;
    let mut future = policy("future");
    future.state = PolicyState::parse("enabledSomeNewWay");
    let s = user();
    // Evaluate the unknown-state one as if it applied: it still must not block.
    let e_future = ev(&future, &s);
    assert_eq!(e_future.applies, Applies::Yes);
    let e_deleted = ev(&deleted, &s);
    let vd = verdict(&[(&deleted, &e_deleted), (&future, &e_future)], &s);
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

#[test]
fn an_undecided_block_outweighs_known_controls_but_undecided_controls_do_not() {
    let mut maybe_block = policy("b");
    users(&mut maybe_block).exclude_groups = v(&[GROUP_A]);
    let vd = run(&[mfa("m"), maybe_block], &user());
    assert_eq!(vd.kind, VerdictKind::Unknown);
    assert!(vd.blocking.is_empty());
    let mut maybe_mfa = mfa("m2");
    users(&mut maybe_mfa).exclude_groups = v(&[GROUP_A]);
    let mut dev = policy("d");
    dev.grant = Some(grant("OR", &["compliantDevice"]));
    let mut s = user();
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d1".into());
    s.device.is_compliant = Some(true);
    let vd = run(&[dev, maybe_mfa], &s);
    assert_eq!(vd.kind, VerdictKind::ControlsRequired);
    assert_eq!(
        vd.satisfiable, None,
        "the undecided MFA policy could still add a prompt"
    );
}
