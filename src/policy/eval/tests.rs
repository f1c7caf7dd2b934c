//! Unit tests of identity and target-resource evaluation, and the builders every eval test
//! module shares (synthetic ids, documentation IPs, example.com names).

use std::net::IpAddr;

use super::*;
use crate::locations::{CountryLookup, LocationKind, NamedLocation};
use crate::policy::apps::{
    AZURE_DEVOPS, AZURE_PORTAL, EXCHANGE_ONLINE, MICROSOFT_GRAPH, SHAREPOINT_ONLINE,
};
use crate::policy::{
    Applications, ClientApplications, Conditions, Filter, GrantControls, GuestsOrExternal,
    PrincipalKind, Users,
};

pub(super) const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
pub(super) const GROUP_A: &str = "9a000000-0000-4000-8000-0000000000a1";
pub(super) const GROUP_B: &str = "9b000000-0000-4000-8000-0000000000b2";
pub(super) const SP: &str = "5e000000-0000-4000-8000-000000000005";
pub(super) const GA: &str = "62e90394-69f5-4237-9190-012177145e10";

pub(super) fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Enabled, all users, all resources, block: every other condition unconfigured.
pub(super) fn policy(id: &str) -> Policy {
    Policy {
        id: id.to_string(),
        display_name: format!("test {id}"),
        state: PolicyState::Enabled,
        conditions: Conditions {
            users: Some(Users {
                include_users: v(&["All"]),
                ..Users::default()
            }),
            applications: Applications {
                include_applications: v(&["All"]),
                ..Applications::default()
            },
            client_app_types: v(&["all"]),
            ..Conditions::default()
        },
        grant: Some(grant("OR", &["block"])),
        ..Policy::default()
    }
}

pub(super) fn grant(op: &str, controls: &[&str]) -> GrantControls {
    GrantControls {
        operator: op.to_string(),
        built_in: v(controls),
        ..GrantControls::default()
    }
}

pub(super) fn users(p: &mut Policy) -> &mut Users {
    p.conditions.users.get_or_insert_with(Users::default)
}

/// An interactive browser sign-in by a member user to Exchange Online from 198.51.100.7 (NL).
pub(super) fn user() -> Subject {
    Subject {
        kind: PrincipalKind::User,
        user_id: ALICE.to_string(),
        user_principal_name: "alice@example.com".to_string(),
        guest: Some(false),
        resources: v(&[EXCHANGE_ONLINE]),
        ip: Some(ip("198.51.100.7")),
        country: Some("NL".to_string()),
        platform: Some("windows".to_string()),
        client_app_type: Some("browser".to_string()),
        interactive: Some(true),
        ..Subject::default()
    }
}

pub(super) fn sp() -> Subject {
    Subject {
        kind: PrincipalKind::ServicePrincipal,
        service_principal_id: SP.to_string(),
        resources: v(&[MICROSOFT_GRAPH]),
        interactive: Some(false),
        ..Subject::default()
    }
}

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().expect("test IP")
}

pub(super) fn ip_loc(id: &str, name: &str, trusted: bool, cidrs: &[&str]) -> NamedLocation {
    NamedLocation {
        id: id.to_string(),
        name: name.to_string(),
        kind: LocationKind::Ip,
        trusted,
        ranges: cidrs
            .iter()
            .map(|c| c.parse().expect("test CIDR"))
            .collect(),
        ..NamedLocation::default()
    }
}

pub(super) fn country_loc(
    id: &str,
    name: &str,
    countries: &[&str],
    unknown: bool,
) -> NamedLocation {
    NamedLocation {
        id: id.to_string(),
        name: name.to_string(),
        kind: LocationKind::Country,
        countries: v(countries),
        include_unknown_countries: unknown,
        country_lookup: CountryLookup::ClientIp,
        ..NamedLocation::default()
    }
}

pub(super) fn ev(p: &Policy, s: &Subject) -> Evaluation {
    evaluate(p, s, &NamedLocations::default(), None)
}

pub(super) fn outcome(e: &Evaluation, c: Condition) -> Outcome {
    e.outcome(c)
        .cloned()
        .unwrap_or_else(|| panic!("no {c:?} in {e:#?}"))
}

pub(super) fn no_match(e: &Evaluation, c: Condition) -> String {
    match outcome(e, c) {
        Outcome::NoMatch(r) => r,
        o => panic!("{c:?} is {o:?}, expected NoMatch"),
    }
}

pub(super) fn unknown(e: &Evaluation, c: Condition) -> String {
    match outcome(e, c) {
        Outcome::Unknown(r) => r,
        o => panic!("{c:?} is {o:?}, expected Unknown"),
    }
}

pub(super) fn matched(e: &Evaluation, c: Condition) -> String {
    match outcome(e, c) {
        Outcome::Match(r) => r,
        o => panic!("{c:?} is {o:?}, expected Match"),
    }
}

#[test]
fn unconfigured_policy_applies_to_a_user() {
    let e = ev(&policy("p"), &user());
    assert_eq!(e.applies, Applies::Yes);
    assert_eq!(e.first_reason, None);
    assert_eq!(
        e.conditions.iter().map(|r| r.condition).collect::<Vec<_>>(),
        vec![Condition::Users, Condition::Application]
    );
}

#[test]
fn exclusions_beat_inclusions() {
    let mut p = policy("p");
    users(&mut p).exclude_users = v(&[ALICE]);
    let e = ev(&p, &user());
    assert_eq!(e.applies, Applies::No);
    assert_eq!(
        no_match(&e, Condition::Users),
        format!("excluded by excludeUsers {ALICE}")
    );

    let mut p = policy("p");
    let u = users(&mut p);
    u.include_users.clear();
    u.include_groups = v(&[GROUP_A]);
    u.exclude_groups = v(&[GROUP_B]);
    let mut s = user();
    s.groups = Some(v(&[GROUP_A, GROUP_B]));
    let e = ev(&p, &s);
    assert_eq!(
        no_match(&e, Condition::Users),
        format!("excluded by excludeGroups {GROUP_B} (member per --member-of)")
    );
    // Exclusion known, inclusion unknown: still excluded.
    s.groups = None;
    let e = evaluate(
        &p,
        &s,
        &NamedLocations::default(),
        Some(&LogEvidence {
            exclude_rules: vec![("users".into(), "groupId".into())],
            ..LogEvidence::default()
        }),
    );
    assert_eq!(
        no_match(&e, Condition::Users),
        format!(
            "excluded by one of excludeGroups [{GROUP_B}] (log: excludeRulesSatisfied users/groupId)"
        )
    );
}

#[test]
fn an_unknown_user_id_leaves_user_lists_undecided() {
    let mut s = user();
    s.user_id.clear();
    s.user_principal_name.clear();
    let mut p = policy("p");
    users(&mut p).exclude_users = v(&[ALICE]);
    assert!(unknown(&ev(&p, &s), Condition::Users).contains("excludes users"));
    let mut p = policy("p");
    users(&mut p).include_users = v(&[ALICE]);
    assert!(unknown(&ev(&p, &s), Condition::Users).contains("includes users"));
    // The UPN is enough when the list holds it.
    s.user_principal_name = "alice@example.com".into();
    users(&mut p).include_users = v(&["Alice@Example.com"]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
}

#[test]
fn special_values_are_case_insensitive() {
    let mut p = policy("p");
    users(&mut p).include_users = v(&["all"]);
    p.conditions.applications.include_applications = v(&["aLL"]);
    p.conditions.client_app_types = v(&["ALL"]);
    assert_eq!(ev(&p, &user()).applies, Applies::Yes);

    p.conditions.applications.include_applications = v(&["office365"]);
    assert!(matched(&ev(&p, &user()), Condition::Application).contains("Office365"));

    users(&mut p).include_users = v(&["NONE"]);
    assert_eq!(
        no_match(&ev(&p, &user()), Condition::Users),
        "includeUsers None: the policy assigns no users"
    );

    let mut p = policy("p");
    users(&mut p).include_users = v(&["guestsorexternalusers"]);
    let mut s = user();
    s.guest = Some(true);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
}

#[test]
fn user_policies_never_apply_to_service_principals() {
    let e = ev(&policy("p"), &sp());
    assert_eq!(
        no_match(&e, Condition::Users),
        "service principal sign-in; the policy targets users"
    );
}

fn workload_policy() -> Policy {
    let mut p = policy("w");
    users(&mut p).include_users = v(&["None"]);
    p.conditions.client_applications = Some(ClientApplications {
        include_service_principals: v(&["ServicePrincipalsInMyTenant"]),
        ..ClientApplications::default()
    });
    p
}

#[test]
fn workload_policy_applies_only_to_service_principals() {
    let p = workload_policy();
    let e = ev(&p, &sp());
    assert_eq!(e.applies, Applies::Yes);
    assert!(matched(&e, Condition::WorkloadIdentities).contains("ServicePrincipalsInMyTenant"));
    assert_eq!(e.outcome(Condition::Users), None);
    let e = ev(&p, &user());
    assert!(no_match(&e, Condition::Users).contains("targets workload identities"));

    let mut p = workload_policy();
    p.conditions
        .client_applications
        .as_mut()
        .unwrap()
        .exclude_service_principals = v(&[SP]);
    assert_eq!(
        no_match(&ev(&p, &sp()), Condition::WorkloadIdentities),
        format!("excluded by excludeServicePrincipals {SP}")
    );
    let mut p = workload_policy();
    p.conditions
        .client_applications
        .as_mut()
        .unwrap()
        .include_service_principals = v(&["5e000000-0000-4000-8000-0000000000ff"]);
    assert!(
        no_match(&ev(&p, &sp()), Condition::WorkloadIdentities)
            .contains("is not in includeServicePrincipals")
    );
    p.conditions
        .client_applications
        .as_mut()
        .unwrap()
        .service_principal_filter = Some(Filter {
        mode: "include".into(),
        rule: "CustomSecurityAttribute.Team_Name -eq \"x\"".into(),
    });
    assert!(
        unknown(&ev(&p, &sp()), Condition::WorkloadIdentities)
            .contains("custom security attributes")
    );
}

#[test]
fn managed_identities_are_not_covered() {
    let mut s = sp();
    s.kind = PrincipalKind::ManagedIdentity;
    assert!(
        no_match(&ev(&workload_policy(), &s), Condition::WorkloadIdentities)
            .contains("managed identit")
    );
    assert!(no_match(&ev(&policy("p"), &s), Condition::Users).contains("managed identit"));
}

#[test]
fn agent_policies_never_apply_to_users_or_service_principals() {
    let mut p = policy("a");
    p.conditions.targets_agents = true;
    for s in [user(), sp()] {
        let e = ev(&p, &s);
        assert_eq!(e.applies, Applies::No);
        assert!(no_match(&e, Condition::AgentIdentities).contains("targets agent identities"));
    }
}

#[test]
fn groups_and_roles_are_unknown_unless_supplied_or_proven() {
    let mut p = policy("p");
    let u = users(&mut p);
    u.include_users.clear();
    u.include_roles = v(&[GA]);
    let mut s = user();
    let e = ev(&p, &s);
    assert_eq!(e.applies, Applies::Unknown);
    assert!(unknown(&e, Condition::Users).contains("pass --role"));
    s.roles = Some(vec![]);
    assert!(no_match(&ev(&p, &s), Condition::Users).contains("holds none of includeRoles"));
    s.roles = Some(v(&[GA]));
    assert_eq!(
        matched(&ev(&p, &s), Condition::Users),
        format!("included by includeRoles {GA} (Global Administrator) (holds the role per --role)")
    );
    s.roles = None;
    let log = LogEvidence {
        include_rules: vec![("users".into(), "roleId".into())],
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&log));
    assert_eq!(e.applies, Applies::Yes);
    assert!(matched(&e, Condition::Users).contains("log: includeRulesSatisfied users/roleId"));

    // An unknown exclusion keeps an otherwise included user unknown.
    let mut p = policy("p");
    users(&mut p).exclude_groups = v(&[GROUP_A]);
    let e = ev(&p, &user());
    assert!(
        unknown(&e, Condition::Users).contains(&format!("membership in excludeGroups [{GROUP_A}]"))
    );
}

#[test]
fn guests_by_flag_and_type() {
    let mut p = policy("g");
    let u = users(&mut p);
    u.include_users.clear();
    u.include_guests = Some(GuestsOrExternal {
        types: v(&["internalGuest", "b2bCollaborationGuest"]),
        all_tenants: true,
        tenants: vec![],
    });
    let mut s = user();
    s.guest = None;
    assert!(unknown(&ev(&p, &s), Condition::Users).contains("pass --guest"));
    s.guest = Some(false);
    assert!(no_match(&ev(&p, &s), Condition::Users).contains("is a member"));
    s.guest = Some(true);
    assert!(unknown(&ev(&p, &s), Condition::Users).contains("guest type is not known"));
    s.guest_type = Some("B2BCollaborationGuest".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.guest_type = Some("serviceProvider".into());
    assert_eq!(
        no_match(&ev(&p, &s), Condition::Users),
        "guest type serviceProvider is not in includeGuestsOrExternalUsers [internalGuest, b2bCollaborationGuest]"
    );
    // Enumerated tenants: the home tenant is not in the subject.
    let g = users(&mut p).include_guests.as_mut().unwrap();
    g.all_tenants = false;
    g.tenants = v(&["7e000000-0000-4000-8000-000000000007"]);
    s.guest_type = Some("internalGuest".into());
    assert!(unknown(&ev(&p, &s), Condition::Users).contains("home tenant"));

    // Excluding guests: a member is not excluded; a guest of a listed type is.
    let mut p = policy("x");
    users(&mut p).exclude_guests = Some(GuestsOrExternal {
        types: v(&["b2bCollaborationGuest"]),
        all_tenants: true,
        tenants: vec![],
    });
    assert_eq!(ev(&p, &user()).applies, Applies::Yes);
    let mut s = user();
    s.guest = Some(true);
    s.guest_type = Some("b2bCollaborationGuest".into());
    assert!(no_match(&ev(&p, &s), Condition::Users).contains("excludeGuestsOrExternalUsers"));
}

#[test]
fn the_resource_is_matched_never_the_client() {
    let mut p = policy("p");
    p.conditions.applications.include_applications = v(&[EXCHANGE_ONLINE]);
    let mut s = user();
    s.resources = v(&[AZURE_DEVOPS]);
    assert_eq!(
        no_match(&ev(&p, &s), Condition::Application),
        format!(
            "resource {AZURE_DEVOPS} (Azure DevOps) not in includeApplications [{EXCHANGE_ONLINE}]"
        )
    );
    // The name the log gives wins over the built-in one.
    s.resource_names = v(&["Contoso DevOps"]);
    assert!(no_match(&ev(&p, &s), Condition::Application).contains("(Contoso DevOps)"));
    // Several audiences: one in scope is enough.
    s.resources = v(&[AZURE_DEVOPS, EXCHANGE_ONLINE]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    // No resource at all: undecidable unless the policy covers all resources without exclusions.
    s.resources.clear();
    assert!(unknown(&ev(&p, &s), Condition::Application).contains("names no resource"));
    assert_eq!(ev(&policy("all"), &s).applies, Applies::Yes);
}

#[test]
fn office365_and_admin_portals_membership() {
    let mut p = policy("p");
    p.conditions.applications.include_applications = v(&["Office365"]);
    let mut s = user();
    s.resources = v(&[SHAREPOINT_ONLINE]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.resources = v(&[AZURE_DEVOPS]);
    assert!(
        no_match(&ev(&p, &s), Condition::Application)
            .contains("not in includeApplications [Office365]")
    );
    s.resources = v(&["0a000000-0000-4000-8000-0000000000aa"]);
    assert!(
        unknown(&ev(&p, &s), Condition::Application).contains("is part of Office365 is not known")
    );

    let mut p = policy("p");
    p.conditions.applications.exclude_applications = v(&["Office365"]);
    s.resources = v(&[EXCHANGE_ONLINE]);
    assert!(
        no_match(&ev(&p, &s), Condition::Application).contains("which excludeApplications lists")
    );
    s.resources = v(&[AZURE_DEVOPS]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);

    let mut p = policy("p");
    p.conditions.applications.include_applications = v(&["MicrosoftAdminPortals"]);
    s.resources = v(&[AZURE_PORTAL]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.resources = v(&[MICROSOFT_GRAPH]);
    assert_eq!(ev(&p, &s).applies, Applies::No);
}

#[test]
fn none_and_empty_targets_apply_to_nothing() {
    let mut p = policy("p");
    p.conditions.applications.include_applications = v(&["None"]);
    assert!(
        no_match(&ev(&p, &user()), Condition::Application).contains("includeApplications None")
    );
    p.conditions.applications.include_applications.clear();
    assert!(no_match(&ev(&p, &user()), Condition::Application).contains("applies to nothing"));
}

#[test]
fn user_actions_and_auth_contexts() {
    let mut p = policy("ua");
    p.conditions.applications = Applications {
        include_user_actions: v(&["urn:user:registersecurityinfo"]),
        ..Applications::default()
    };
    let mut s = user();
    assert!(no_match(&ev(&p, &s), Condition::UserActions).contains("not the user action"));
    s.user_action = Some("urn:user:registersecurityinfo".into());
    let e = ev(&p, &s);
    assert_eq!(e.applies, Applies::Yes);
    assert_eq!(e.outcome(Condition::Application), None);
    s.user_action = Some("urn:user:registerdevice".into());
    assert!(no_match(&ev(&p, &s), Condition::UserActions).contains("not in includeUserActions"));
    // An app-targeted policy is not about user actions, except All resources.
    s.user_action = Some("urn:user:registersecurityinfo".into());
    assert_eq!(ev(&policy("all"), &s).applies, Applies::Yes);
    let mut apps = policy("apps");
    apps.conditions.applications.include_applications = v(&[EXCHANGE_ONLINE]);
    assert!(no_match(&ev(&apps, &s), Condition::Application).contains("user action"));

    let mut p = policy("ctx");
    p.conditions.applications = Applications {
        include_auth_context: v(&["c1", "c37"]),
        ..Applications::default()
    };
    let mut s = user();
    assert!(
        no_match(&ev(&p, &s), Condition::AuthenticationContext)
            .contains("no authentication context")
    );
    s.auth_contexts = v(&["C37"]);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.auth_contexts = v(&["c2"]);
    assert_eq!(ev(&p, &s).applies, Applies::No);
}

#[test]
fn application_filter_is_unknown_where_it_could_decide() {
    let mut p = policy("f");
    p.conditions.applications.application_filter = Some(Filter {
        mode: "exclude".into(),
        rule: "CustomSecurityAttribute.Sensitivity -eq \"low\"".into(),
    });
    assert!(
        unknown(&ev(&p, &user()), Condition::Application).contains("custom security attributes")
    );
    p.conditions.applications.include_applications = v(&[AZURE_DEVOPS]);
    // Not included at all: the exclude filter cannot change that.
    assert_eq!(ev(&p, &user()).applies, Applies::No);
}

#[test]
fn log_rules_settle_suite_membership_and_platforms() {
    let unlisted = "0a000000-0000-4000-8000-0000000000aa";
    let mut p = policy("p");
    p.conditions.applications.include_applications = v(&["Office365"]);
    let mut s = user();
    s.resources = v(&[unlisted]);
    let rules = |include: &[(&str, &str)], exclude: &[(&str, &str)]| LogEvidence {
        include_rules: include
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        exclude_rules: exclude
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..LogEvidence::default()
    };
    let with = |p: &Policy, s: &Subject, l: &LogEvidence| {
        evaluate(p, s, &NamedLocations::default(), Some(l))
    };
    let e = with(&p, &s, &rules(&[("application", "office365")], &[]));
    assert!(
        matched(&e, Condition::Application)
            .contains("log: includeRulesSatisfied application/office365")
    );
    let mut p = policy("p");
    p.conditions.applications.exclude_applications = v(&["Office365"]);
    let e = with(
        &p,
        &s,
        &rules(
            &[("application", "allApps")],
            &[("application", "office365")],
        ),
    );
    assert!(
        no_match(&e, Condition::Application)
            .contains("excludeRulesSatisfied application/office365")
    );
    // Rules the policy does not have are not evidence.
    let e = with(&p, &s, &rules(&[], &[("application", "appId")]));
    assert_eq!(e.applies, Applies::Unknown);

    let mut p = policy("p");
    p.conditions.platforms = Some(crate::policy::IncludeExclude {
        include: v(&["android", "iOS"]),
        exclude: vec![],
    });
    s.resources = v(&[EXCHANGE_ONLINE]);
    s.platform = Some("Tizen".into());
    assert_eq!(ev(&p, &s).applies, Applies::Unknown);
    let e = with(&p, &s, &rules(&[("devicePlatform", "devicePlatform")], &[]));
    assert_eq!(e.applies, Applies::Yes);
}
