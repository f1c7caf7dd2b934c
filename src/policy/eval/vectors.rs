//! The What-If vectors of POLICIES.md §E.1 (Microsoft documentation) as unit tests, each
//! named after its source, and the helpers the §E.2/§E.3 vectors (`vectors_j0`) share.
//! Sign-in facts are synthetic.

use super::tests::*;
use super::*;
use crate::policy::apps::{EXCHANGE_ONLINE, SHAREPOINT_ONLINE};
use crate::policy::{
    Applications, ClientApplications, Filter, IncludeExclude, SessionControls, Verdict, VerdictKind,
};

pub(super) const BREAK_GLASS: &str = "2802b872-ccfb-4b29-a9a9-459808dfb11b";
pub(super) const SERVICE_ACCOUNTS: &str = "77c1ed37-10d0-4ef1-93dc-198e70abb166";
pub(super) const E5_USERS: &str = "ceeac9b8-ddf5-48cb-afcb-e2ab8bfd1a57";
pub(super) const CA301_EXCLUDE: &str = "813e2655-e8b9-4255-91f5-7761ee2824bb";
pub(super) const ALLOWED_COUNTRIES: &str = "185c993e-10a9-44fa-98d1-230c8f72f497";
pub(super) const ALLOWED_SERVICE: &str = "1cc7e30b-f894-43a2-9da6-30aa7c085dda";
pub(super) const INTUNE: &str = "0000000a-0000-0000-c000-000000000000";
pub(super) const INTUNE_ENROLLMENT: &str = "d4ebce55-015a-49b5-a083-c84d1797ae8c";

pub(super) fn j0_locations() -> NamedLocations {
    NamedLocations::new(vec![
        country_loc(
            ALLOWED_SERVICE,
            "ALLOWED COUNTRIES - SERVICE ACCOUNTS",
            &["NL"],
            false,
        ),
        country_loc(
            ALLOWED_COUNTRIES,
            "ALLOWED COUNTRIES",
            &["BE", "LU", "NL"],
            false,
        ),
    ])
}

pub(super) fn j0(p: &Policy, s: &Subject) -> Evaluation {
    evaluate(p, s, &j0_locations(), None)
}

pub(super) fn run(
    policies: &[Policy],
    s: &Subject,
    locs: &NamedLocations,
) -> (Vec<Evaluation>, Verdict) {
    let evals: Vec<Evaluation> = policies
        .iter()
        .map(|p| evaluate(p, s, locs, None))
        .collect();
    let pairs: Vec<(&Policy, &Evaluation)> = policies.iter().zip(evals.iter()).collect();
    let verdict = verdict(&pairs, s);
    (evals, verdict)
}

pub(super) fn in_groups(groups: &[&str]) -> Subject {
    let mut s = user();
    s.groups = Some(v(groups));
    s
}

pub(super) fn group_policy(id: &str, include: &str, exclude: &[&str]) -> Policy {
    let mut p = policy(id);
    let u = users(&mut p);
    u.include_users.clear();
    u.include_groups = v(&[include]);
    u.exclude_groups = v(exclude);
    p
}

pub(super) fn location_excluding(p: &mut Policy, id: &str) {
    p.conditions.locations = Some(IncludeExclude {
        include: v(&["All"]),
        exclude: v(&[id]),
    });
}

// ---- E.1: Microsoft documentation ----

#[test]
fn e1_1_what_if_office365_us_high_risk() {
    let us = "05e00000-0000-4000-8000-0000000000e1";
    let locs = NamedLocations::new(vec![country_loc(us, "United States", &["US"], false)]);
    let mut p = policy("e11");
    p.conditions.applications.include_applications = v(&["Office365"]);
    p.conditions.locations = Some(IncludeExclude {
        include: v(&[us]),
        exclude: vec![],
    });
    p.conditions.sign_in_risk_levels = v(&["high"]);
    let mut s = Subject {
        user_id: ALICE.into(),
        ..Subject::default()
    };
    assert_eq!(
        evaluate(&p, &s, &locs, None).applies,
        Applies::Unknown,
        "S1"
    );
    s.resources = v(&[EXCHANGE_ONLINE]);
    assert_eq!(
        evaluate(&p, &s, &locs, None).applies,
        Applies::Unknown,
        "S2"
    );
    s.country = Some("US".into());
    let e = evaluate(&p, &s, &locs, None);
    assert_eq!(e.applies, Applies::Unknown, "S3");
    assert!(unknown(&e, Condition::SignInRisk).contains("not known"));
    s.sign_in_risk = Some("high".into());
    assert_eq!(evaluate(&p, &s, &locs, None).applies, Applies::Yes, "S4");
}

#[test]
fn e1_2_finance_payroll_mfa_then_block_for_others() {
    let finance = "f1000000-0000-4000-8000-0000000000f1";
    let payroll = "9a110000-0000-4000-8000-0000000000f2";
    let mut p1 = group_policy("p1", finance, &[]);
    p1.conditions.applications.include_applications = v(&[payroll]);
    p1.grant = Some(grant("OR", &["mfa"]));
    let mut a = in_groups(&[finance]);
    a.resources = v(&[payroll]);
    let mut b = in_groups(&[]);
    b.resources = v(&[payroll]);
    let none = NamedLocations::default();
    let (_, va) = run(std::slice::from_ref(&p1), &a, &none);
    assert_eq!(va.kind, VerdictKind::ControlsRequired);
    assert_eq!(va.required[0].control, "mfa");
    let (_, vb) = run(std::slice::from_ref(&p1), &b, &none);
    assert_eq!(
        vb.kind,
        VerdictKind::Allowed,
        "no policy applies: token issued"
    );

    let mut p2 = policy("p2");
    users(&mut p2).exclude_groups = v(&[finance]);
    p2.conditions.applications.include_applications = v(&[payroll]);
    let both = [p1, p2];
    assert_eq!(run(&both, &b, &none).1.blocking, v(&["p2"]));
    let (_, va) = run(&both, &a, &none);
    assert_eq!(va.kind, VerdictKind::ControlsRequired);
    assert_eq!(va.required.len(), 1);
}

#[test]
fn e1_3_policies_and_across_or_within() {
    let mut m = policy("m");
    m.grant = Some(grant("OR", &["mfa"]));
    let mut d = policy("d");
    d.grant = Some(grant("OR", &["compliantDevice"]));
    let (_, v1) = run(&[m, d], &user(), &NamedLocations::default());
    assert_eq!(
        v1.required
            .iter()
            .map(|r| r.control.as_str())
            .collect::<Vec<_>>(),
        vec!["mfa", "compliantDevice"]
    );
    let mut either = policy("e");
    either.grant = Some(grant("OR", &["mfa", "compliantDevice"]));
    let mut s = user();
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d1".into());
    s.device.is_compliant = Some(true);
    let (_, v2) = run(&[either], &s, &NamedLocations::default());
    assert_eq!(
        v2.satisfiable,
        Some(true),
        "compliant device satisfies it without MFA"
    );
}

#[test]
fn e1_4_device_filter_table_on_unregistered_devices() {
    let mut s = user();
    s.device.device_id = Some(String::new());
    let with = |mode: &str, rule: &str| {
        let mut p = policy("f");
        p.conditions.device_filter = Some(Filter {
            mode: mode.into(),
            rule: rule.into(),
        });
        ev(&p, &s).applies
    };
    let positive = r#"device.extensionAttribute1 -eq "SAW""#;
    let negative = r#"device.extensionAttribute1 -ne "SAW""#;
    assert_eq!(with("include", positive), Applies::No);
    assert_eq!(with("exclude", positive), Applies::Yes);
    assert_eq!(with("include", negative), Applies::Yes);
    assert_eq!(
        with("exclude", negative),
        Applies::No,
        "the SAW pattern exempts nothing unregistered"
    );
}

#[test]
fn e1_5_ado_2018_ip_fencing_web_and_pat() {
    let office = "0ff1ce00-0000-4000-8000-0000000000a5";
    let locs = NamedLocations::new(vec![ip_loc(office, "X,Y,Z", true, &["203.0.113.0/24"])]);
    let mut block = policy("block-outside");
    block.conditions.applications.include_applications = v(&[crate::policy::apps::AZURE_DEVOPS]);
    location_excluding(&mut block, office);
    let mut mfa_outside = block.clone();
    mfa_outside.id = "mfa-outside".into();
    mfa_outside.grant = Some(grant("OR", &["mfa"]));
    let sign_in = |from: &str, interactive: bool| {
        let mut s = user();
        s.resources = v(&[crate::policy::apps::AZURE_DEVOPS]);
        s.ip = Some(ip(from));
        s.interactive = Some(interactive);
        s
    };
    let (x, w) = ("203.0.113.10", "198.51.100.20");
    let kind = |p: &Policy, s: &Subject| run(std::slice::from_ref(p), s, &locs).1;
    assert_eq!(kind(&block, &sign_in(x, true)).kind, VerdictKind::Allowed);
    assert_eq!(kind(&block, &sign_in(w, true)).kind, VerdictKind::Blocked);
    assert_eq!(kind(&block, &sign_in(x, false)).kind, VerdictKind::Allowed);
    assert_eq!(kind(&block, &sign_in(w, false)).kind, VerdictKind::Blocked);
    let web = kind(&mfa_outside, &sign_in(w, true));
    assert_eq!(
        (web.kind, web.satisfiable),
        (VerdictKind::ControlsRequired, None)
    );
    let pat = kind(&mfa_outside, &sign_in(w, false));
    assert_eq!(
        (pat.kind, pat.satisfiable),
        (VerdictKind::ControlsRequired, Some(false))
    );
    assert_eq!(
        kind(&mfa_outside, &sign_in(x, false)).kind,
        VerdictKind::Allowed
    );
}

#[test]
fn e1_7_evaluate_api_example_1_report_only_policies_apply() {
    let mut s = user();
    s.resources = v(&[SHAREPOINT_ONLINE]);
    s.platform = Some("android".into());
    s.sign_in_risk = Some("high".into());
    s.user_risk = Some("high".into());
    s.country = Some("US".into());
    s.insider_risk = Some("elevated".into());
    s.auth_flow = Some("deviceCodeFlow".into());
    s.device.is_compliant = Some(true);
    let mut restrictions = policy("aer");
    restrictions.state = PolicyState::ReportOnly;
    restrictions.conditions.applications.include_applications = v(&["Office365"]);
    restrictions.grant = None;
    restrictions.session = SessionControls {
        application_enforced_restrictions: true,
        ..SessionControls::default()
    };
    let mut risky = policy("risk");
    risky.state = PolicyState::ReportOnly;
    risky.conditions.user_risk_levels = v(&["high"]);
    risky.grant = Some(grant("AND", &["mfa", "passwordChange"]));
    assert_eq!(ev(&restrictions, &s).applies, Applies::Yes);
    assert_eq!(ev(&risky, &s).applies, Applies::Yes);
    // Both are report-only: nothing is enforced.
    let (_, vd) = run(&[restrictions, risky], &s, &NamedLocations::default());
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

#[test]
fn e1_8_auth_context_user_action_and_service_principal_examples() {
    let mut ctx = policy("ctx");
    ctx.conditions.applications = Applications {
        include_auth_context: v(&["c1", "c37"]),
        ..Applications::default()
    };
    let mut s = user();
    s.resources.clear();
    s.auth_contexts = v(&["c37"]);
    assert_eq!(ev(&ctx, &s).applies, Applies::Yes);

    let mut action = policy("ua");
    action.conditions.applications = Applications {
        include_user_actions: v(&["urn:user:registersecurityinfo"]),
        ..Applications::default()
    };
    let mut admins = policy("admins");
    users(&mut admins).include_users.clear();
    users(&mut admins).include_roles = v(&[GA]);
    let mut s = user();
    s.user_action = Some("urn:user:registersecurityinfo".into());
    s.roles = Some(v(&[GA]));
    assert_eq!(ev(&action, &s).applies, Applies::Yes);
    assert_eq!(
        ev(&admins, &s).applies,
        Applies::Yes,
        "All-resources policies cover user actions"
    );

    let mut workload = policy("wl");
    users(&mut workload).include_users = v(&["None"]);
    workload.conditions.client_applications = Some(ClientApplications {
        include_service_principals: v(&["ServicePrincipalsInMyTenant"]),
        ..ClientApplications::default()
    });
    workload.conditions.locations = Some(IncludeExclude {
        include: v(&["All"]),
        exclude: vec![],
    });
    let (_, vd) = run(&[workload], &sp(), &NamedLocations::default());
    assert_eq!(vd.kind, VerdictKind::Blocked);
}

#[test]
fn e1_9_device_code_block_except_sharepoint_and_protocol_tracking() {
    let mut p = policy("dc");
    p.conditions.applications.exclude_applications = v(&[SHAREPOINT_ONLINE]);
    p.conditions.transfer_methods = v(&["deviceCodeFlow"]);
    let mut s1 = user();
    s1.resources = v(&[SHAREPOINT_ONLINE]);
    s1.auth_flow = Some("deviceCodeFlow".into());
    assert_eq!(ev(&p, &s1).first_reason, Some(Condition::Application));
    // The same protocol-tracked session (originalTransferMethod deviceCodeFlow) to Exchange.
    let mut s2 = s1.clone();
    s2.resources = v(&[EXCHANGE_ONLINE]);
    assert_eq!(ev(&p, &s2).applies, Applies::Yes);
}

#[test]
fn e1_10_block_one_country() {
    let kp = "6b700000-0000-4000-8000-0000000000e2";
    let locs = NamedLocations::new(vec![country_loc(kp, "North Korea", &["KP"], false)]);
    let mut p = policy("kp");
    p.conditions.locations = Some(IncludeExclude {
        include: v(&[kp]),
        exclude: vec![],
    });
    let mut s = user();
    s.country = Some("KP".into());
    assert_eq!(
        run(std::slice::from_ref(&p), &s, &locs).1.kind,
        VerdictKind::Blocked
    );
    s.country = Some("NL".into());
    assert_eq!(
        evaluate(&p, &s, &locs, None).first_reason,
        Some(Condition::Location)
    );
}
