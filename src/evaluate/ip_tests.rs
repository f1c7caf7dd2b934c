//! Unit tests of IP001–IP003: each rule firing and not firing.

use super::*;
use crate::locations::{CountryLookup, NamedLocation};
use crate::model::NetworkLocation;

fn loc(name: &str, trusted: bool, ranges: &[&str]) -> NamedLocation {
    NamedLocation {
        id: format!("id-{name}"),
        name: name.into(),
        trusted,
        ranges: ranges.iter().map(|r| r.parse().unwrap()).collect(),
        ..Default::default()
    }
}

/// The same layout as `fixtures/locations/named_locations.json`.
fn locations() -> NamedLocations {
    NamedLocations::new(vec![
        loc(
            "Contoso HQ",
            true,
            &["198.51.100.0/24", "2001:db8:100::/48"],
        ),
        loc("Branch office", false, &["203.0.113.0/25"]),
        loc("VPN egress", true, &["203.0.113.64/26"]),
        NamedLocation {
            name: "Blocked countries".into(),
            kind: LocationKind::Country,
            countries: vec!["KP".into(), "IR".into()],
            ..Default::default()
        },
        NamedLocation {
            name: "GPS only".into(),
            kind: LocationKind::Country,
            countries: vec!["FR".into()],
            country_lookup: CountryLookup::AuthenticatorGps,
            ..Default::default()
        },
        NamedLocation {
            name: "Compliant".into(),
            kind: LocationKind::CompliantNetwork,
            trusted: true,
            ..Default::default()
        },
    ])
}

fn policy(id: &str, result: PolicyResult, grant: &[&str], satisfied: &str) -> AppliedPolicy {
    AppliedPolicy {
        id: id.into(),
        display_name: format!("Policy {id}"),
        result: Some(result),
        grant_controls: grant.iter().map(|g| g.to_string()).collect(),
        conditions_satisfied: satisfied.into(),
        ..Default::default()
    }
}

fn sign_in(ip: &str) -> SignIn {
    SignIn {
        ip: ip.into(),
        ip_addr: ip.parse().ok(),
        error_code: 53003,
        policies: vec![policy(
            "p1",
            PolicyResult::Failure,
            &["Block"],
            "application,location",
        )],
        ..Default::default()
    }
}

const CA_FAIL: Facts = Facts {
    status: Status::Failure,
    ca_failure: true,
};

fn run(s: &SignIn, facts: Facts, locs: Option<&NamedLocations>) -> Vec<Hit> {
    let mut out = Vec::new();
    crate::evaluate::evaluate(
        s,
        facts,
        Context {
            locations: locs,
            policies: None,
        },
        &mut out,
    );
    out
}

fn only(hits: &[Hit], rule: Rule) -> Vec<&Hit> {
    hits.iter().filter(|h| h.rule == rule).collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn ip001_fires_for_untrusted_ip_on_ca_failure() {
    let locs = locations();
    let hits = run(&sign_in("203.0.113.7"), CA_FAIL, Some(&locs));
    let h = only(&hits, Rule::Ip001);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].ips, [ip("203.0.113.7")]);
    assert_eq!(h[0].policy.as_ref().unwrap().id, "p1");
    assert_eq!(
        h[0].detail.as_deref(),
        Some("203.0.113.7 is in no trusted named location (in: Branch office [untrusted])")
    );
    let none = run(&sign_in("192.0.2.9"), CA_FAIL, Some(&locs));
    assert!(
        only(&none, Rule::Ip001)[0]
            .detail
            .as_deref()
            .unwrap()
            .ends_with("(in no named location)")
    );
}

#[test]
fn ip001_silent_when_trusted_not_ca_failure_no_file_or_no_ip() {
    let locs = locations();
    // Trusted through the overlapping VPN range, and through an IPv4-mapped address.
    assert!(
        only(
            &run(&sign_in("203.0.113.70"), CA_FAIL, Some(&locs)),
            Rule::Ip001
        )
        .is_empty()
    );
    assert!(
        only(
            &run(&sign_in("::ffff:198.51.100.1"), CA_FAIL, Some(&locs)),
            Rule::Ip001
        )
        .is_empty()
    );
    let not_ca = Facts {
        status: Status::Failure,
        ca_failure: false,
    };
    assert!(
        only(
            &run(&sign_in("203.0.113.7"), not_ca, Some(&locs)),
            Rule::Ip001
        )
        .is_empty()
    );
    assert!(only(&run(&sign_in("203.0.113.7"), CA_FAIL, None), Rule::Ip001).is_empty());
    assert!(
        only(
            &run(&sign_in("not-an-ip"), CA_FAIL, Some(&locs)),
            Rule::Ip001
        )
        .is_empty()
    );
}

#[test]
fn ip001_only_for_policies_whose_evidence_allows_a_location_condition() {
    let locs = locations();
    let mut s = sign_in("203.0.113.7");
    s.policies = vec![
        policy("ok", PolicyResult::Success, &["Mfa"], "location"),
        policy("mfa", PolicyResult::Failure, &["Mfa"], "application"),
        policy("block", PolicyResult::Failure, &["Block"], "application"),
        policy(
            "loc",
            PolicyResult::Failure,
            &["Mfa"],
            "application,Location",
        ),
    ];
    let picked = |s: &SignIn| -> Vec<(Option<String>, bool)> {
        only(&run(s, CA_FAIL, Some(&locs)), Rule::Ip001)
            .iter()
            .map(|h| (h.policy.clone().map(|p| p.id), h.conditional))
            .collect()
    };
    // Flags that name the conditions and leave out `location`: no IP advice for them.
    assert_eq!(picked(&s), [(Some("loc".to_string()), false)]);
    s.policies.pop();
    assert!(picked(&s).is_empty());
    // Integer flags (Log Analytics): the export cannot say; a block is flagged, conditionally.
    s.policies[2].conditions_satisfied = "3".into();
    assert_eq!(picked(&s), [(Some("block".to_string()), true)]);
    // No per-policy detail at all: conditional, policy unknown.
    s.policies.clear();
    assert_eq!(picked(&s), [(None, true)]);
}

#[test]
fn ip001_never_for_device_app_or_risk_controls() {
    let locs = locations();
    // A compliant-device failure from an untrusted IP is CA003, not an IP problem.
    let mut s = sign_in("203.0.113.7");
    s.error_code = 53000;
    s.policies = vec![policy(
        "dev",
        PolicyResult::Failure,
        &["RequireCompliantDevice"],
        "application,users",
    )];
    let hits = run(&s, CA_FAIL, Some(&locs));
    assert!(hits.iter().any(|h| h.rule == Rule::Ca003));
    assert!(only(&hits, Rule::Ip001).is_empty());
    // Even without evidence (integer flags), a device control gets no IP advice.
    s.policies[0].conditions_satisfied = "1".into();
    assert!(only(&run(&s, CA_FAIL, Some(&locs)), Rule::Ip001).is_empty());
    // Risk: trusting the address would be unsafe, whatever the flags say.
    let mut r = sign_in("203.0.113.7");
    r.error_code = 530032;
    r.policies[0].conditions_satisfied = "signInRisk,location".into();
    let hits = run(&r, CA_FAIL, Some(&locs));
    assert!(hits.iter().any(|h| h.rule == Rule::Ca008));
    assert!(only(&hits, Rule::Ip001).is_empty());
    // CSV-like: no detail, a device code: nothing; a block code: conditional.
    let mut c = sign_in("203.0.113.7");
    c.policies.clear();
    c.error_code = 53000;
    assert!(only(&run(&c, CA_FAIL, Some(&locs)), Rule::Ip001).is_empty());
}

#[test]
fn ip001_adds_an_untrusted_resource_ip() {
    let locs = locations();
    let mut s = sign_in("203.0.113.7");
    s.resource_ip_addr = Some(ip("2001:db8:999::1"));
    assert_eq!(
        only(&run(&s, CA_FAIL, Some(&locs)), Rule::Ip001)[0].ips,
        [ip("203.0.113.7"), ip("2001:db8:999::1")]
    );
    s.resource_ip_addr = Some(ip("2001:db8:100::1")); // trusted: not listed
    assert_eq!(
        only(&run(&s, CA_FAIL, Some(&locs)), Rule::Ip001)[0].ips,
        [ip("203.0.113.7")]
    );
}

fn with_log(ip: &str, country: &str, details: &[(&str, &[&str])]) -> SignIn {
    let mut s = sign_in(ip);
    s.location.country = country.into();
    s.network_locations = Some(
        details
            .iter()
            .map(|(t, names)| NetworkLocation {
                network_type: t.to_string(),
                network_names: names.iter().map(|n| n.to_string()).collect(),
            })
            .collect(),
    );
    s
}

fn ip002(s: &SignIn) -> Vec<String> {
    let locs = locations();
    only(&run(s, CA_FAIL, Some(&locs)), Rule::Ip002)
        .iter()
        .map(|h| h.detail.clone().unwrap())
        .collect()
}

#[test]
fn ip002_agreement_is_silent() {
    let agree = with_log(
        "203.0.113.70",
        "US",
        &[
            ("trustedNamedLocation", &["VPN egress"]),
            ("namedNetwork", &["branch OFFICE"]),
        ],
    );
    assert!(ip002(&agree).is_empty());
    assert!(ip002(&with_log("192.0.2.1", "US", &[])).is_empty());
    let country = with_log(
        "192.0.2.1",
        "kp",
        &[("namedNetwork", &["Blocked countries"])],
    );
    assert!(ip002(&country).is_empty());
    // Nothing comparable: legacy trusted IPs, intranet, GPS and compliant-network names.
    let other = with_log(
        "192.0.2.1",
        "US",
        &[
            ("trusted", &[]),
            ("intranet", &[]),
            ("namedNetwork", &["GPS only"]),
            ("trustedNamedLocation", &["Compliant"]),
        ],
    );
    assert!(ip002(&other).is_empty());
    // No country in the export: country names are not compared.
    assert!(
        ip002(&with_log(
            "192.0.2.1",
            "",
            &[("namedNetwork", &["Blocked countries"])]
        ))
        .is_empty()
    );
}

#[test]
fn ip002_drift_in_each_direction() {
    // Log trusted, file has no trusted location for the IP.
    let d = ip002(&with_log(
        "203.0.113.7",
        "US",
        &[("trustedNamedLocation", &["Branch office"])],
    ));
    assert_eq!(
        d,
        ["203.0.113.7: log says Branch office [trusted]; locations file says Branch office"]
    );
    // File trusted, log not.
    let d = ip002(&with_log("198.51.100.9", "US", &[]));
    assert_eq!(
        d,
        ["198.51.100.9: log says no named location; locations file says Contoso HQ [trusted]"]
    );
    // Name sets differ (stale file or renamed location).
    let d = ip002(&with_log(
        "203.0.113.7",
        "US",
        &[("namedNetwork", &["Branch office", "Old office"])],
    ));
    assert_eq!(d.len(), 1);
    assert!(d[0].contains("Old office"), "{}", d[0]);
    // A country location never causes IP002: the log lists only IP named locations.
    assert!(ip002(&with_log("192.0.2.1", "IR", &[])).is_empty());
    assert!(
        ip002(&with_log(
            "192.0.2.1",
            "IR",
            &[("namedNetwork", &["Blocked countries"])]
        ))
        .is_empty()
    );
    // Trusted entry without names still says trusted.
    assert_eq!(
        ip002(&with_log(
            "192.0.2.1",
            "US",
            &[("trustedNamedLocation", &[])]
        ))
        .len(),
        1
    );
}

#[test]
fn ip002_needs_details_file_and_ip() {
    let locs = locations();
    assert!(
        only(
            &run(&sign_in("198.51.100.9"), CA_FAIL, Some(&locs)),
            Rule::Ip002
        )
        .is_empty()
    );
    let s = with_log("198.51.100.9", "US", &[]);
    assert!(only(&run(&s, CA_FAIL, None), Rule::Ip002).is_empty());
    assert!(ip002(&with_log("garbage", "US", &[])).is_empty());
}

#[test]
fn ip003_fires_on_failed_sign_in_with_two_ips() {
    let mut s = sign_in("198.51.100.9");
    s.resource_ip_addr = Some(ip("2001:db8:999::1"));
    let hits = run(&s, CA_FAIL, None);
    let h = only(&hits, Rule::Ip003);
    assert_eq!(h.len(), 1);
    // Names the failing policy whose evidence allows a location condition.
    assert_eq!(h[0].policy.as_ref().map(|p| p.id.as_str()), Some("p1"));
    assert_eq!(h[0].ips, [ip("198.51.100.9"), ip("2001:db8:999::1")]);
    assert_eq!(
        h[0].detail.as_deref(),
        Some(
            "client IP 198.51.100.9, resource saw 2001:db8:999::1 (IPv6 to the resource, IPv4 client)"
        )
    );
    let locs = locations();
    let with_file = run(&s, CA_FAIL, Some(&locs));
    assert!(
        only(&with_file, Rule::Ip003)[0]
            .detail
            .as_deref()
            .unwrap()
            .ends_with("; client IP trusted, resource IP in no trusted named location")
    );
    s.resource_ip_addr = Some(ip("198.51.100.10"));
    let same_family = run(&s, CA_FAIL, None);
    assert_eq!(
        only(&same_family, Rule::Ip003)[0].detail.as_deref(),
        Some("client IP 198.51.100.9, resource saw 198.51.100.10")
    );
}

#[test]
fn ip003_silent_when_same_missing_or_not_failed() {
    let mut s = sign_in("198.51.100.9");
    assert!(only(&run(&s, CA_FAIL, None), Rule::Ip003).is_empty());
    s.resource_ip_addr = Some(ip("::ffff:198.51.100.9"));
    assert!(only(&run(&s, CA_FAIL, None), Rule::Ip003).is_empty());
    s.resource_ip_addr = Some(ip("203.0.113.1"));
    for status in [Status::Success, Status::Interrupted] {
        let f = Facts {
            status,
            ca_failure: false,
        };
        assert!(only(&run(&s, f, None), Rule::Ip003).is_empty());
    }
}

#[test]
fn ip001_says_when_the_file_has_no_trusted_ip_location() {
    let locs = NamedLocations::new(vec![loc("Branch office", false, &["203.0.113.0/25"])]);
    let hits = run(&sign_in("203.0.113.7"), CA_FAIL, Some(&locs));
    let detail = only(&hits, Rule::Ip001)[0].detail.clone().unwrap();
    assert!(
        detail.ends_with("; the locations file has no trusted IP location at all"),
        "{detail}"
    );
}

/// The shortcut that skips building the two sides may only say "agree" where the full
/// comparison finds no drift: checked over every small combination of log entries (names
/// in other cases, repeated, trusted or not, non-IP names, non-ASCII names) and addresses.
#[test]
fn ip002_shortcut_never_hides_drift() {
    let locs = NamedLocations::new(vec![
        loc("Contoso HQ", true, &["198.51.100.0/24"]),
        loc(
            "Branch office",
            false,
            &["198.51.100.0/25", "203.0.113.0/25"],
        ),
        loc("Ωmega", false, &["203.0.113.0/25"]),
        NamedLocation {
            name: "Blocked countries".into(),
            kind: LocationKind::Country,
            countries: vec!["KP".into()],
            ..Default::default()
        },
    ]);
    let entries: &[(&str, &[&str])] = &[
        ("trustedNamedLocation", &["Contoso HQ"]),
        ("namedNetwork", &["contoso hq "]),
        ("namedNetwork", &["Branch office", "BRANCH OFFICE"]),
        ("trustedNamedLocation", &["Branch office"]),
        ("namedNetwork", &["ωMEGA"]),
        ("trustedNamedLocation", &[]),
        ("namedNetwork", &["Blocked countries", "Elsewhere"]),
        ("intranet", &["Contoso HQ"]),
    ];
    let mut checked = 0;
    for ip in ["198.51.100.7", "198.51.100.200", "203.0.113.9", "192.0.2.1"] {
        for mask in 0u32..(1 << entries.len()) {
            let chosen: Vec<(&str, &[&str])> = entries
                .iter()
                .enumerate()
                .filter(|(i, _)| mask >> i & 1 == 1)
                .map(|(_, e)| *e)
                .collect();
            let s = with_log(ip, "US", &chosen);
            let details = s.network_locations.as_deref().unwrap_or_default();
            let ip: IpAddr = ip.parse().unwrap();
            let not_ip = |name: &str| {
                locs.locations.iter().any(|l| {
                    l.name.trim().eq_ignore_ascii_case(name.trim()) && l.kind != LocationKind::Ip
                })
            };
            let holding = locs.containing(ip);
            let trusted = locs.is_trusted(ip);
            let full = drift(&locs, ip, &holding, details, trusted, not_ip);
            let shortcut = agree_ascii(&locs, &holding, details, trusted, not_ip);
            assert!(!(shortcut && full.is_some()), "{ip} {chosen:?}");
            checked += usize::from(shortcut);
        }
    }
    assert!(checked > 10, "the shortcut decided only {checked} cases");
}
