//! The What-If vectors of POLICIES.md §E.2 (the j0eyv baseline, policies rebuilt field by
//! field with the ids of `samples/ca_policies_graphbeta_utf16`) and §E.3 (peers' tests and
//! issues) as unit tests, each named after its source.

use super::tests::*;
use super::vectors::*;
use super::*;
use crate::policy::apps::{AZURE_PORTAL, EXCHANGE_ONLINE, MICROSOFT_GRAPH, SHAREPOINT_ONLINE};
use crate::policy::{
    ClientApplications, Filter, GrantControls, GuestsOrExternal, IncludeExclude, PrincipalKind,
    VerdictKind,
};

// ---- E.2: the j0eyv baseline ----

fn ca001() -> Policy {
    let mut p = policy("19bbdbd4-d871-4964-a6ef-9b3054b9337c");
    users(&mut p).exclude_groups = v(&[
        "6499f521-8620-4f4e-92a1-db47c79362e8",
        BREAK_GLASS,
        CA301_EXCLUDE,
    ]);
    location_excluding(&mut p, ALLOWED_COUNTRIES);
    p
}

#[test]
fn e2_1_ca001_country_allow_list() {
    let p = ca001();
    let mut s = in_groups(&[]);
    s.country = Some("DE".into());
    assert_eq!(j0(&p, &s).applies, Applies::Yes);
    s.country = Some("NL".into());
    assert!(no_match(&j0(&p, &s), Condition::Location).contains("'ALLOWED COUNTRIES'"));
    s.country = Some(String::new());
    assert_eq!(
        j0(&p, &s).applies,
        Applies::Yes,
        "unknown country is not allowed"
    );
    let mut bg = in_groups(&[BREAK_GLASS]);
    bg.country = Some("DE".into());
    assert!(no_match(&j0(&p, &bg), Condition::Users).contains(BREAK_GLASS));
    bg.groups = None;
    assert_eq!(j0(&p, &bg).applies, Applies::Unknown);
    let log = LogEvidence {
        exclude_rules: vec![("users".into(), "groupId".into())],
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &bg, &j0_locations(), Some(&log));
    assert!(no_match(&e, Condition::Users).contains("excludeRulesSatisfied users/groupId"));
}

#[test]
fn e2_2_ca002_legacy_authentication_block() {
    let mut p = policy("c1acdef5-cfc8-470b-a7db-1f71ba4be1fb");
    users(&mut p).exclude_groups = v(&[BREAK_GLASS, "8861a932-f1d1-4d1d-a5e6-cdce20fada27"]);
    p.conditions.client_app_types = v(&["exchangeActiveSync", "other"]);
    let mut s = in_groups(&[]);
    for client in ["IMAP4", "POP3", "Authenticated SMTP", "Exchange ActiveSync"] {
        s.client_app_type = Some(client.into());
        assert_eq!(ev(&p, &s).applies, Applies::Yes, "{client}");
    }
    for client in ["Browser", "Mobile Apps and Desktop clients"] {
        s.client_app_type = Some(client.into());
        assert_eq!(
            ev(&p, &s).first_reason,
            Some(Condition::ClientApps),
            "{client}"
        );
    }
}

#[test]
fn e2_3_ca004_authentication_flows_and_protocol_tracking() {
    let mut p = policy("1bf06972-bd5c-4d06-98ce-6b5bf5f1959f");
    users(&mut p).exclude_groups = v(&[BREAK_GLASS, "f389fc8e-3965-4ae0-aa53-87511ab05f2b"]);
    p.conditions.transfer_methods = v(&["deviceCodeFlow", "authenticationTransfer"]);
    let mut s = in_groups(&[]);
    // authenticationProtocol deviceCode / authenticationTransfer, or a later refresh whose
    // originalTransferMethod carries them.
    for flow in ["deviceCode", "authenticationTransfer", "deviceCodeFlow"] {
        s.auth_flow = Some(flow.into());
        assert_eq!(ev(&p, &s).applies, Applies::Yes, "{flow}");
    }
    s.auth_flow = Some("oAuth2".into());
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::AuthenticationFlow));
}

fn ca005() -> Policy {
    let mut p = policy("ca005");
    users(&mut p).exclude_groups = v(&[BREAK_GLASS]);
    p.conditions.applications.include_applications = v(&["Office365"]);
    p.conditions.client_app_types = v(&["browser", "mobileAppsAndDesktopClients"]);
    p.conditions.platforms = Some(IncludeExclude {
        include: v(&["android", "iOS"]),
        exclude: vec![],
    });
    p.conditions.device_filter = Some(Filter {
        mode: "exclude".into(),
        rule: r#"device.isCompliant -eq True -and device.deviceOwnership -eq "Company""#.into(),
    });
    p.grant = Some(grant("OR", &["compliantApplication"]));
    p
}

#[test]
fn e2_4_ca005_unmanaged_phones_need_app_protection() {
    let p = ca005();
    let mut s = in_groups(&[]);
    s.platform = Some("iOS".into());
    s.client_app_type = Some("mobileAppsAndDesktopClients".into());
    s.device.device_id = Some(String::new());
    let (_, vd) = run(std::slice::from_ref(&p), &s, &NamedLocations::default());
    assert_eq!(vd.required[0].control, "compliantApplication");
    // Company-owned and compliant: ownership is not in any log, so offline it stays
    // unknown; the log's exclude rule decides.
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d5".into());
    s.device.is_compliant = Some(true);
    assert!(unknown(&ev(&p, &s), Condition::Devices).contains("deviceOwnership"));
    let log = LogEvidence {
        exclude_rules: vec![("devices".into(), "deviceFilter".into())],
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&log));
    assert_eq!(e.first_reason, Some(Condition::Devices));
    s.platform = Some("Windows10".into());
    s.client_app_type = Some("browser".into());
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::DevicePlatform));
}

#[test]
fn e2_5_ca006_session_only_applies_and_requires_nothing() {
    let mut p = policy("ca006");
    p.conditions.applications.include_applications = v(&[SHAREPOINT_ONLINE, EXCHANGE_ONLINE]);
    p.conditions.client_app_types = v(&["browser"]);
    p.conditions.device_filter = ca005().conditions.device_filter;
    p.grant = None;
    let mut s = in_groups(&[]);
    s.device.device_id = Some(String::new());
    let (e, vd) = run(&[p], &s, &NamedLocations::default());
    assert_eq!(e[0].applies, Applies::Yes);
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

fn admins(id: &str) -> Policy {
    let mut p = policy(id);
    let u = users(&mut p);
    u.include_users.clear();
    u.include_roles = v(&[GA, "194ae4cb-b126-40b2-bd5b-6091b380977d"]);
    u.exclude_groups = v(&[BREAK_GLASS]);
    p
}

#[test]
fn e2_6_ca100_admin_portals_for_admin_roles() {
    let mut p = admins("977083ba-6daf-4860-bdf8-2bc5505a6428");
    p.conditions.applications.include_applications = v(&["MicrosoftAdminPortals"]);
    let mut s = in_groups(&[]);
    s.resources = v(&[AZURE_PORTAL]);
    s.roles = Some(v(&[GA]));
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.roles = None;
    assert_eq!(ev(&p, &s).applies, Applies::Unknown);
    s.roles = Some(v(&[GA]));
    s.resources = v(&[MICROSOFT_GRAPH]);
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::Application));
}

#[test]
fn e2_7_ca105_report_only_is_evaluated_but_not_enforced() {
    let mut p = admins("d2cebefb-fc77-4986-8890-4fe511825ee7");
    p.state = PolicyState::ReportOnly;
    p.conditions.applications.exclude_applications = v(&["14d82eec-204b-4c2f-b7e8-296a70dab67e"]);
    p.grant = Some(GrantControls {
        operator: "OR".into(),
        authentication_strength: Some(crate::policy::AuthStrength {
            id: "00000000-0000-0000-0000-000000000004".into(),
            display_name: "Phishing-resistant MFA".into(),
        }),
        ..GrantControls::default()
    });
    let mut s = in_groups(&[]);
    s.roles = Some(v(&[GA]));
    let (e, vd) = run(&[p], &s, &NamedLocations::default());
    assert_eq!(e[0].applies, Applies::Yes);
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

#[test]
fn e2_8_ca201_ca210_risk_none_hidden_missing() {
    let mut ca201 = group_policy(
        "d367aefa-e32c-4382-bfdc-a903896ba628",
        E5_USERS,
        &[BREAK_GLASS],
    );
    ca201.conditions.user_risk_levels = v(&["high"]);
    let mut ca210 = group_policy(
        "a9b24259-cdfc-4cf2-b9e5-48e580ad0f9b",
        E5_USERS,
        &[BREAK_GLASS],
    );
    ca210.conditions.sign_in_risk_levels = v(&["high"]);
    let mut s = in_groups(&[E5_USERS]);
    s.user_risk = Some("none".into());
    s.sign_in_risk = Some("none".into());
    assert_eq!(ev(&ca201, &s).first_reason, Some(Condition::UserRisk));
    assert_eq!(ev(&ca210, &s).first_reason, Some(Condition::SignInRisk));
    // hidden (no P2) and missing cannot be decided offline.
    s.user_risk = Some("hidden".into());
    s.sign_in_risk = None;
    assert_eq!(ev(&ca201, &s).applies, Applies::Unknown);
    assert_eq!(ev(&ca210, &s).applies, Applies::Unknown);
}

#[test]
fn e2_9_ca204_unknown_platforms_blocked() {
    let mut p = group_policy(
        "d6d86da8-6be9-4cf4-9229-a1f2ed6f538f",
        E5_USERS,
        &[BREAK_GLASS],
    );
    p.conditions.platforms = Some(IncludeExclude {
        include: v(&["all"]),
        exclude: v(&["android", "iOS", "windows", "macOS"]),
    });
    let mut s = in_groups(&[E5_USERS]);
    for os in ["Linux", "FreeBSD"] {
        s.platform = Some(os.into());
        assert_eq!(ev(&p, &s).applies, Applies::Yes, "{os}");
    }
    s.platform = Some("Windows 11".into());
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::DevicePlatform));
}

fn ca205() -> Policy {
    let mut p = group_policy(
        "bf40d6e7-542e-4e5a-94b0-f74860c3d0b4",
        E5_USERS,
        &[BREAK_GLASS],
    );
    p.conditions.applications.exclude_applications = v(&[INTUNE, INTUNE_ENROLLMENT]);
    p.conditions.platforms = Some(IncludeExclude {
        include: v(&["windows"]),
        exclude: vec![],
    });
    p.grant = Some(grant("OR", &["compliantDevice", "domainJoinedDevice"]));
    p
}

#[test]
fn e2_10_ca205_ca208_compliant_or_hybrid_joined() {
    let mut ca208 = group_policy(
        "0d5858e5-fc9f-4847-a470-7695c8d037e3",
        E5_USERS,
        &[BREAK_GLASS],
    );
    ca208.conditions.applications.exclude_applications = v(&[INTUNE, INTUNE_ENROLLMENT]);
    ca208.conditions.platforms = Some(IncludeExclude {
        include: v(&["macOS"]),
        exclude: vec![],
    });
    ca208.grant = Some(grant("OR", &["compliantDevice"]));
    let both = [ca205(), ca208];
    let none = NamedLocations::default();
    let mut s = in_groups(&[E5_USERS]);
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d6".into());
    s.device.is_compliant = Some(false);
    s.device.trust_type = Some("ServerAD".into());
    let (_, vd) = run(&both, &s, &none);
    assert_eq!(
        vd.required[0].control,
        "compliantDevice or domainJoinedDevice"
    );
    assert_eq!(vd.satisfiable, Some(true), "hybrid joined satisfies the OR");
    s.device = Default::default();
    s.device.device_id = Some(String::new());
    s.interactive = Some(false);
    assert_eq!(
        run(&both, &s, &none).1.satisfiable,
        Some(false),
        "unregistered: unmet"
    );
    s.resources = v(&[INTUNE_ENROLLMENT]);
    assert_eq!(ev(&both[0], &s).first_reason, Some(Condition::Application));
    s.resources = v(&[EXCHANGE_ONLINE]);
    s.platform = Some("macOS".into());
    let (e, mac) = run(&both, &s, &none);
    assert_eq!(e[0].first_reason, Some(Condition::DevicePlatform));
    assert_eq!(mac.required[0].control, "compliantDevice");
    assert_eq!(mac.required[0].policies, vec![both[1].id.clone()]);
}

#[test]
fn e2_11_ca301_service_account_from_de_is_blocked() {
    let mut p = group_policy(
        "ff0b4179-d1e7-41b4-aaeb-7c8ef89048d2",
        SERVICE_ACCOUNTS,
        &[CA301_EXCLUDE],
    );
    location_excluding(&mut p, ALLOWED_SERVICE);
    let mut s = in_groups(&[SERVICE_ACCOUNTS]);
    s.interactive = Some(false);
    s.country = Some("DE".into());
    let (_, vd) = run(std::slice::from_ref(&p), &s, &j0_locations());
    assert_eq!(vd.kind, VerdictKind::Blocked);
    assert_eq!(vd.blocking, vec![p.id.clone()]);
    s.country = Some("NL".into());
    assert_eq!(
        no_match(&j0(&p, &s), Condition::Location),
        format!(
            "country NL is in excluded location 'ALLOWED COUNTRIES - SERVICE ACCOUNTS' ({ALLOWED_SERVICE})"
        )
    );
}

#[test]
fn e2_12_ca401_guests_outside_office365_blocked() {
    let mut p = policy("5de6aa3c-e1f7-4e56-a8e0-ae37aa53cb4f");
    let u = users(&mut p);
    u.include_users.clear();
    u.exclude_groups = v(&[BREAK_GLASS]);
    u.include_guests = Some(GuestsOrExternal {
        types: v(&[
            "internalGuest",
            "b2bCollaborationGuest",
            "b2bCollaborationMember",
            "b2bDirectConnectUser",
            "otherExternalUser",
        ]),
        all_tenants: true,
        tenants: vec![],
    });
    p.conditions.applications.exclude_applications =
        v(&["2793995e-0a7d-40d7-bd35-6968ba142197", "Office365"]);
    let mut s = in_groups(&[]);
    s.guest = Some(true);
    s.guest_type = Some("b2bCollaborationGuest".into());
    s.resources = v(&[SHAREPOINT_ONLINE]);
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::Application));
    s.resources = v(&[AZURE_PORTAL]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.guest_type = Some("serviceProvider".into());
    assert_eq!(ev(&p, &s).first_reason, Some(Condition::Users));
}

#[test]
fn e2_13_ca501_ca502_agent_policies_skip_users() {
    let mut ca501 = policy("24a6aa5d-c135-4605-8b40-761f103a981e");
    users(&mut ca501).include_users = v(&["None"]);
    ca501.conditions.targets_agents = true;
    let mut ca502 = ca501.clone();
    ca502.state = PolicyState::ReportOnly;
    ca502.conditions.applications.include_applications = v(&["AllAgentIdResources"]);
    for p in [&ca501, &ca502] {
        let e = ev(p, &user());
        assert_eq!(e.first_reason, Some(Condition::Users));
        assert!(e.outcome(Condition::AgentIdentities).is_some());
    }
    assert!(no_match(&ev(&ca502, &user()), Condition::Application).contains("AllAgentIdResources"));
}

// ---- E.3: peers' tests and issues ----

#[test]
fn e3_mt1034_break_glass_what_if_has_no_applying_policy() {
    let mut ca002 = policy("ca002");
    users(&mut ca002).exclude_groups = v(&[BREAK_GLASS]);
    ca002.conditions.client_app_types = v(&["exchangeActiveSync", "other"]);
    let mut ca000 = policy("ca000");
    users(&mut ca000).exclude_groups = v(&["8e75af29-5176-4372-a718-724b8a4620dc", BREAK_GLASS]);
    ca000.grant = Some(grant("OR", &["mfa"]));
    let all = [ca000, ca001(), ca002, ca205()];
    let mut s = in_groups(&[BREAK_GLASS]);
    s.resources = v(&[EXCHANGE_ONLINE]);
    s.client_app_type = Some("exchangeActiveSync".into());
    let (evals, vd) = run(&all, &s, &j0_locations());
    assert!(evals.iter().all(|e| e.applies == Applies::No), "{evals:#?}");
    assert_eq!(vd.kind, VerdictKind::Allowed);
}

#[test]
fn e3_mt1063_transfer_methods_are_an_or() {
    let mut p = policy("p");
    p.conditions.transfer_methods = v(&["deviceCodeFlow", "authenticationTransfer"]);
    let mut s = user();
    s.auth_flow = Some("deviceCodeFlow".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
}

#[test]
fn e3_mt1778_none_plus_client_applications_is_a_workload_policy() {
    let mut p = policy("p");
    users(&mut p).include_users = v(&["None"]);
    p.conditions.client_applications = Some(ClientApplications {
        include_service_principals: v(&["ServicePrincipalsInMyTenant"]),
        ..ClientApplications::default()
    });
    assert_eq!(ev(&p, &sp()).applies, Applies::Yes);
    let e = ev(&p, &user());
    assert!(no_match(&e, Condition::Users).contains("workload identities"));
    let mut mi = sp();
    mi.kind = PrincipalKind::ManagedIdentity;
    assert_eq!(ev(&p, &mi).applies, Applies::No);
}

#[test]
fn e3_ewi_ipv6_gap_and_ipv4_mapped_addresses() {
    let l = "1e600000-0000-4000-8000-0000000000e6";
    let locs = NamedLocations::new(vec![ip_loc(
        l,
        "v6 office",
        false,
        &["2001:db8::/32", "192.0.2.0/24"],
    )]);
    let mut p = policy("p");
    p.conditions.locations = Some(IncludeExclude {
        include: v(&[l]),
        exclude: vec![],
    });
    let mut s = user();
    for addr in ["2001:db8::1", "::ffff:192.0.2.10", "192.0.2.10"] {
        s.ip = Some(ip(addr));
        assert!(
            matched(&evaluate(&p, &s, &locs, None), Condition::Location).contains("'v6 office'"),
            "{addr}"
        );
    }
    s.ip = Some(ip("2001:db9::1"));
    assert_eq!(evaluate(&p, &s, &locs, None).applies, Applies::No);
}
