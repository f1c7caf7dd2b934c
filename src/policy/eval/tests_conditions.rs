//! Unit tests of the condition families after identity and resources: platform, client app
//! type, authentication flow, location, device filter, risk, unknown conditions, policy
//! state and the log's per-policy result.

use super::tests::*;
use super::*;
use crate::locations::{CountryLookup, LocationKind, NamedLocation};
use crate::policy::{Filter, IncludeExclude};

const CORP: &str = "185c0000-0000-4000-8000-0000000000c1";
const BRANCH: &str = "b4a10000-0000-4000-8000-0000000000c2";
const COUNTRIES: &str = "c0c00000-0000-4000-8000-0000000000c3";

fn platforms(p: &mut Policy, include: &[&str], exclude: &[&str]) {
    p.conditions.platforms = Some(IncludeExclude {
        include: v(include),
        exclude: v(exclude),
    });
}

#[test]
fn platforms_all_with_excludes_and_specific_lists() {
    let mut p = policy("p");
    platforms(&mut p, &["android", "iOS"], &[]);
    let mut s = user();
    s.platform = Some("linux".into());
    assert_eq!(
        no_match(&ev(&p, &s), Condition::DevicePlatform),
        "platform linux not in includePlatforms [android, iOS]"
    );
    s.platform = Some("iPadOS".into());
    assert!(matched(&ev(&p, &s), Condition::DevicePlatform).contains("iOS"));
    s.platform = Some("PlayStation".into());
    assert!(unknown(&ev(&p, &s), Condition::DevicePlatform).contains("PlayStation"));
    s.platform = None;
    assert!(unknown(&ev(&p, &s), Condition::DevicePlatform).contains("not known"));

    platforms(&mut p, &["ALL"], &["android", "iOS", "windows", "macOS"]);
    s.platform = Some("PlayStation".into());
    assert!(
        matched(&ev(&p, &s), Condition::DevicePlatform).contains("falls into includePlatforms all")
    );
    s.platform = Some("Windows 10".into());
    assert_eq!(
        no_match(&ev(&p, &s), Condition::DevicePlatform),
        "platform windows is in excludePlatforms [android, iOS, windows, macOS]"
    );
    s.platform = Some("Ubuntu".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
}

#[test]
fn client_app_types_with_deprecated_values_and_empty_list() {
    let mut p = policy("p");
    p.conditions.client_app_types = vec![];
    assert_eq!(ev(&p, &user()).outcome(Condition::ClientApps), None);
    p.conditions.client_app_types = v(&["easSupported", "other"]);
    let mut s = user();
    assert_eq!(
        no_match(&ev(&p, &s), Condition::ClientApps),
        "client app browser not in clientAppTypes [easSupported, other]"
    );
    s.client_app_type = Some("Exchange ActiveSync".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.client_app_type = Some("IMAP4".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    p.conditions.client_app_types = v(&["modern"]);
    s.client_app_type = Some("Mobile Apps and Desktop clients".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.client_app_type = None;
    assert!(unknown(&ev(&p, &s), Condition::ClientApps).contains("not known"));
}

#[test]
fn authentication_flows() {
    let mut p = policy("p");
    p.conditions.transfer_methods = v(&["deviceCodeFlow", "authenticationTransfer"]);
    let mut s = user();
    assert!(unknown(&ev(&p, &s), Condition::AuthenticationFlow).contains("not known"));
    s.auth_flow = Some("none".into());
    assert!(
        no_match(&ev(&p, &s), Condition::AuthenticationFlow).contains("neither device code flow")
    );
    s.auth_flow = Some("deviceCodeFlow".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    s.auth_flow = Some("authenticationTransfer".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);
    p.conditions.transfer_methods = v(&["deviceCodeFlow"]);
    assert!(
        no_match(&ev(&p, &s), Condition::AuthenticationFlow).contains("not in transferMethods")
    );
}

fn locs() -> NamedLocations {
    NamedLocations::new(vec![
        ip_loc(
            CORP,
            "Corp egress",
            true,
            &["203.0.113.0/24", "2001:db8::/32"],
        ),
        ip_loc(BRANCH, "Branch", false, &["192.0.2.0/25"]),
        country_loc(COUNTRIES, "Allowed countries", &["NL", "BE"], false),
    ])
}

fn located(p: &Policy, s: &Subject) -> Evaluation {
    evaluate(p, s, &locs(), None)
}

fn locations(p: &mut Policy, include: &[&str], exclude: &[&str]) {
    p.conditions.locations = Some(IncludeExclude {
        include: v(include),
        exclude: v(exclude),
    });
}

#[test]
fn locations_ipv4_ipv6_and_mapped() {
    let mut p = policy("p");
    locations(&mut p, &["All"], &[CORP]);
    let mut s = user();
    s.ip = Some(ip("203.0.113.7"));
    assert_eq!(
        no_match(&located(&p, &s), Condition::Location),
        format!("203.0.113.7 is in excluded location 'Corp egress' ({CORP}) via 203.0.113.0/24")
    );
    s.ip = Some(ip("::ffff:203.0.113.9"));
    assert!(no_match(&located(&p, &s), Condition::Location).contains("via 203.0.113.0/24"));
    s.ip = Some(ip("2001:db8::1"));
    assert!(no_match(&located(&p, &s), Condition::Location).contains("via 2001:db8::/32"));
    s.ip = Some(ip("198.51.100.7"));
    assert_eq!(located(&p, &s).applies, Applies::Yes);
    s.ip = None;
    assert!(unknown(&located(&p, &s), Condition::Location).contains("IP address is not known"));

    let mut p = policy("p");
    locations(&mut p, &[BRANCH], &[]);
    s.ip = Some(ip("192.0.2.200"));
    assert_eq!(
        no_match(&located(&p, &s), Condition::Location),
        format!("192.0.2.200 is not in location 'Branch' ({BRANCH})")
    );
    s.ip = Some(ip("192.0.2.1"));
    assert_eq!(located(&p, &s).applies, Applies::Yes);
}

#[test]
fn locations_all_trusted_and_mfa_trusted_ips() {
    let mut p = policy("p");
    locations(&mut p, &["All"], &["alltrusted"]);
    let mut s = user();
    s.ip = Some(ip("203.0.113.7"));
    assert!(
        no_match(&located(&p, &s), Condition::Location).contains("trusted location 'Corp egress'")
    );
    // Outside every trusted named location: the MFA trusted IPs could still hold an IPv4 address...
    s.ip = Some(ip("198.51.100.7"));
    assert!(unknown(&located(&p, &s), Condition::Location).contains("MFA trusted IPs"));
    // ...but never an IPv6 one.
    s.ip = Some(ip("2001:db9::1"));
    assert_eq!(located(&p, &s).applies, Applies::Yes);
    // The log settles it.
    s.ip = Some(ip("198.51.100.7"));
    let log = LogEvidence {
        exclude_rules: vec![("location".into(), "allTrustedLocations".into())],
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &locs(), Some(&log));
    assert!(
        no_match(&e, Condition::Location)
            .contains("log: excludeRulesSatisfied location/allTrustedLocations")
    );
    // A locations input that carries the MFA trusted IPs decides them.
    let mut with_mfa = locs().locations;
    with_mfa.push(ip_loc(
        location::MFA_TRUSTED_IPS,
        "MFA trusted IPs",
        true,
        &["198.51.100.0/24"],
    ));
    let e = evaluate(&p, &s, &NamedLocations::new(with_mfa), None);
    assert_eq!(e.applies, Applies::No);

    let mut p = policy("p");
    locations(&mut p, &["All"], &[location::MFA_TRUSTED_IPS]);
    assert!(unknown(&located(&p, &s), Condition::Location).contains("MFA trusted IPs"));
}

#[test]
fn locations_by_country() {
    let mut p = policy("p");
    locations(&mut p, &["All"], &[COUNTRIES]);
    let mut s = user();
    s.country = Some("de".into());
    assert_eq!(located(&p, &s).applies, Applies::Yes);
    s.country = Some("nl".into());
    assert_eq!(
        no_match(&located(&p, &s), Condition::Location),
        format!("country NL is in excluded location 'Allowed countries' ({COUNTRIES})")
    );
    // No country in the log: only a location that includes unknown countries holds it.
    s.country = Some(String::new());
    assert_eq!(located(&p, &s).applies, Applies::Yes);
    let mut l = locs().locations;
    l[2].include_unknown_countries = true;
    assert_eq!(
        evaluate(&p, &s, &NamedLocations::new(l), None).applies,
        Applies::No
    );
    s.country = None;
    assert!(unknown(&located(&p, &s), Condition::Location).contains("country is not known"));
}

#[test]
fn locations_that_cannot_be_decided_offline() {
    let gps = NamedLocation {
        id: "9b500000-0000-4000-8000-0000000000c4".into(),
        name: "GPS".into(),
        kind: LocationKind::Country,
        countries: v(&["NL"]),
        country_lookup: CountryLookup::AuthenticatorGps,
        ..NamedLocation::default()
    };
    let locs = NamedLocations::new(vec![gps]);
    let s = user();
    let mut p = policy("p");
    locations(&mut p, &["All"], &["9b500000-0000-4000-8000-0000000000c4"]);
    assert!(unknown(&evaluate(&p, &s, &locs, None), Condition::Location).contains("GPS"));
    locations(&mut p, &["All"], &[location::COMPLIANT_NETWORK]);
    assert!(
        unknown(&evaluate(&p, &s, &locs, None), Condition::Location).contains("compliant network")
    );
    let missing = "deadbeef-0000-4000-8000-0000000000c5";
    locations(&mut p, &[missing], &[]);
    assert_eq!(
        unknown(&evaluate(&p, &s, &locs, None), Condition::Location),
        format!("location {missing} is not in the named-locations export")
    );
    // Not included is decisive even when an exclusion is undecidable.
    let mut p = policy("p");
    locations(&mut p, &[BRANCH], &[missing]);
    assert_eq!(located(&p, &s).applies, Applies::No);
}

#[test]
fn device_filter_modes_on_unregistered_and_known_devices() {
    let mut p = policy("p");
    p.conditions.device_filter = Some(Filter {
        mode: "exclude".into(),
        rule: r#"device.isCompliant -eq True -and device.deviceOwnership -eq "Company""#.into(),
    });
    let mut s = user();
    s.device.device_id = Some(String::new());
    assert!(matched(&ev(&p, &s), Condition::Devices).contains("unregistered"));
    s.device.device_id = Some("de000000-0000-4000-8000-0000000000d1".into());
    s.device.is_compliant = Some(true);
    assert!(unknown(&ev(&p, &s), Condition::Devices).contains("deviceOwnership"));
    s.device.is_compliant = Some(false);
    assert_eq!(ev(&p, &s).applies, Applies::Yes);

    p.conditions.device_filter = Some(Filter {
        mode: "include".into(),
        rule: r#"device.extensionAttribute1 -ne "SAW""#.into(),
    });
    s.device = Default::default();
    s.device.device_id = Some(String::new());
    assert!(matched(&ev(&p, &s), Condition::Devices).contains("matches"));
    p.conditions.device_filter.as_mut().unwrap().rule = "device.isCompliant -eq".into();
    assert!(unknown(&ev(&p, &s), Condition::Devices).contains("could not be read"));
}

#[test]
fn risk_levels() {
    let mut p = policy("p");
    p.conditions.sign_in_risk_levels = v(&["high"]);
    let mut s = user();
    assert!(unknown(&ev(&p, &s), Condition::SignInRisk).contains("not known"));
    s.sign_in_risk = Some("hidden".into());
    assert!(unknown(&ev(&p, &s), Condition::SignInRisk).contains("hidden"));
    s.sign_in_risk = Some("none".into());
    assert!(no_match(&ev(&p, &s), Condition::SignInRisk).contains("none matches no level"));
    s.sign_in_risk = Some("medium".into());
    assert_eq!(
        no_match(&ev(&p, &s), Condition::SignInRisk),
        "sign-in risk medium not in signInRiskLevels [high]"
    );
    s.sign_in_risk = Some("HIGH".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);

    let mut p = policy("p");
    p.conditions.user_risk_levels = v(&["medium", "high"]);
    p.conditions.insider_risk_levels = v(&["elevated"]);
    let mut s = user();
    s.user_risk = Some("high".into());
    let e = ev(&p, &s);
    assert!(unknown(&e, Condition::InsiderRisk).contains("insider risk level is not known"));
    s.insider_risk = Some("elevated".into());
    assert_eq!(ev(&p, &s).applies, Applies::Yes);

    let mut p = policy("p");
    p.conditions.service_principal_risk_levels = v(&["high"]);
    assert!(unknown(&ev(&p, &sp()), Condition::ServicePrincipalRisk).contains("not known"));
}

#[test]
fn unknown_conditions_are_named() {
    let mut p = policy("p");
    p.conditions.unknown_conditions = v(&["times"]);
    let e = ev(&p, &user());
    assert_eq!(e.applies, Applies::Unknown);
    assert_eq!(
        unknown(&e, Condition::Other),
        "condition 'times' is configured, and casift does not evaluate it"
    );
}

#[test]
fn state_disabled_deleted_and_report_only() {
    let mut p = policy("p");
    p.state = PolicyState::Disabled;
    let e = ev(&p, &user());
    assert_eq!(e.first_reason, Some(Condition::State));
    assert!(no_match(&e, Condition::State).starts_with("policyNotEnabled"));
    p.state = PolicyState::ReportOnly;
    assert_eq!(ev(&p, &user()).applies, Applies::Yes);
    p.deleted = true;
    assert!(no_match(&ev(&p, &user()), Condition::State).contains("soft-deleted"));
}

#[test]
fn first_reason_follows_condition_order() {
    let mut p = policy("p");
    p.conditions.sign_in_risk_levels = v(&["high"]);
    p.conditions.client_app_types = v(&["other"]);
    p.conditions.applications.include_applications = v(&["0a000000-0000-4000-8000-0000000000aa"]);
    let mut s = user();
    s.sign_in_risk = Some("low".into());
    let e = ev(&p, &s);
    assert_eq!(e.first_reason, Some(Condition::Application));
    let order: Vec<Condition> = e.conditions.iter().map(|r| r.condition).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(
        e.conditions
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::NoMatch(_)))
            .count(),
        3
    );
}

#[test]
fn the_log_result_settles_unknowns() {
    let mut p = policy("p");
    users(&mut p).exclude_groups = v(&[GROUP_A]);
    let s = user();
    let applied = LogEvidence {
        result: Some(crate::model::PolicyResult::Failure),
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&applied));
    assert_eq!(e.applies, Applies::Yes);
    assert!(matched(&e, Condition::Users).contains("result 'failure'"));
    let not = LogEvidence {
        result: Some(crate::model::PolicyResult::NotApplied),
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&not));
    assert_eq!(e.first_reason, Some(Condition::Users));
    assert!(no_match(&e, Condition::Users).contains("only undecided condition"));
    // The log's flags say users matched: users is not the failing condition.
    let flagged = LogEvidence {
        result: Some(crate::model::PolicyResult::NotApplied),
        satisfied: v(&["application", "users"]),
        ..LogEvidence::default()
    };
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&flagged));
    assert!(matched(&e, Condition::Users).contains("conditionsSatisfied names users"));
    assert_ne!(e.first_reason, Some(Condition::Users));
    // Two undecided conditions: the log does not say which one failed.
    p.conditions.sign_in_risk_levels = v(&["high"]);
    let e = evaluate(&p, &s, &NamedLocations::default(), Some(&not));
    assert_eq!(e.applies, Applies::Unknown);
}

#[test]
fn lossy_exports_do_not_claim_what_they_cannot_show() {
    let mut p = policy("csv");
    p.origin.shape = "extractor_csv";
    p.missing = v(&[
        "conditions.users.includeGuestsOrExternalUsers",
        "conditions.applications.includeUserActions",
    ]);
    users(&mut p).include_users.clear();
    assert!(unknown(&ev(&p, &user()), Condition::Users).contains("extractor_csv"));
    p.conditions.applications.include_applications.clear();
    assert!(unknown(&ev(&p, &user()), Condition::Application).contains("user actions"));
    // What the file does show still decides.
    users(&mut p).include_users = v(&["All"]);
    users(&mut p).exclude_users = v(&[ALICE]);
    assert_eq!(ev(&p, &user()).applies, Applies::No);
}

#[test]
fn device_filter_log_evidence() {
    let mut p = policy("p");
    p.conditions.device_filter = Some(Filter {
        mode: "include".into(),
        rule: r#"device.extensionAttribute2 -eq "kiosk""#.into(),
    });
    let s = user();
    assert!(unknown(&ev(&p, &s), Condition::Devices).contains("extensionAttribute2"));
    let with = |include: &[(&str, &str)]| LogEvidence {
        include_rules: include
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        ..LogEvidence::default()
    };
    let e = evaluate(
        &p,
        &s,
        &NamedLocations::default(),
        Some(&with(&[("devices", "deviceFilter")])),
    );
    assert!(matched(&e, Condition::Devices).contains("log: includeRulesSatisfied"));
    let e = evaluate(
        &p,
        &s,
        &NamedLocations::default(),
        Some(&with(&[("devices", "deviceFilterIncludeRuleNotMatched")])),
    );
    assert_eq!(e.first_reason, Some(Condition::Devices));
    // A filter without a rule (PowerShell's objects of nulls) is not configured.
    p.conditions.device_filter = Some(Filter::default());
    assert_eq!(ev(&p, &s).outcome(Condition::Devices), None);
}
