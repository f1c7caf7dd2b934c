//! Unit tests of the lint rules: broken policies, named locations and coverage gaps
//! (POLICIES.md §D.2–D.4, the SG / MT false-pass cases of §E.3).

use super::tests::{
    BG, GROUP, blocking, exclude_group, grant, hits, of, only_group, pol, run, run_with,
};
use super::*;
use crate::locations::{CountryLookup, LocationKind, NamedLocation};
use crate::policy::model::{
    ClientApplications, Filter, GrantControls, IncludeExclude, Policy, PolicyState, Users,
};

/// A well-built policy (break-glass excluded) to mutate.
fn good(id: &str) -> Policy {
    exclude_group(pol(id), BG)
}

fn rules(r: &LintResult) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

/// The three tenant-wide coverage policies, so coverage rules stay quiet.
fn covered() -> Vec<Policy> {
    let mut legacy = exclude_group(blocking("legacy"), BG);
    legacy.conditions.client_app_types = vec!["exchangeActiveSync".into(), "other".into()];
    let mut code = exclude_group(blocking("code"), BG);
    code.conditions.transfer_methods =
        vec!["deviceCodeFlow".into(), "authenticationTransfer".into()];
    let mut plat = exclude_group(blocking("plat"), BG);
    plat.conditions.platforms = Some(IncludeExclude {
        include: vec!["all".into()],
        exclude: vec![
            "android".into(),
            "iOS".into(),
            "windows".into(),
            "macOS".into(),
        ],
    });
    vec![legacy, code, plat]
}

fn with_covered(mut v: Vec<Policy>) -> LintResult {
    v.extend(covered());
    run(v)
}

fn ip_loc(id: &str, name: &str, trusted: bool, ranges: &[&str]) -> NamedLocation {
    NamedLocation {
        id: id.into(),
        name: name.into(),
        kind: LocationKind::Ip,
        trusted,
        ranges: ranges.iter().map(|r| r.parse().unwrap()).collect(),
        ..NamedLocation::default()
    }
}

fn country(id: &str, unknown: bool) -> NamedLocation {
    NamedLocation {
        id: id.into(),
        name: format!("Countries {id}"),
        kind: LocationKind::Country,
        countries: vec!["NL".into()],
        include_unknown_countries: unknown,
        ..NamedLocation::default()
    }
}

const LOC: &str = "185c993e-0000-4000-8000-0000000000aa";
const LOC2: &str = "1cc7e30b-0000-4000-8000-0000000000bb";

fn excluding_location(id: &str, loc: &str) -> Policy {
    let mut p = exclude_group(blocking(id), BG);
    p.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec![loc.into()],
    });
    p
}

#[test]
fn a_clean_set_lints_clean() {
    let r = with_covered(vec![good("a")]);
    assert_eq!(hits(&r), vec![]);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("no named locations were given"))
    );
}

#[test]
fn no_target_resources() {
    // J0 CA104: includeApplications ["None"].
    let mut p = good("ca104");
    p.conditions.applications.include_applications = vec!["None".into()];
    assert_eq!(
        hits(&with_covered(vec![p.clone()])),
        vec![("CP012", "medium", "ca104".into())]
    );
    // A user action is a target (J0 CA003).
    p.conditions.applications.include_user_actions = vec!["urn:user:registerdevice".into()];
    assert!(with_covered(vec![p.clone()]).findings.is_empty());
    // Off: reported, but low.
    let mut off = good("off");
    off.state = PolicyState::Disabled;
    off.conditions.applications.include_applications = vec![];
    let r = with_covered(vec![off]);
    assert_eq!(of(&r, "CP012")[0].severity, Severity::Low);
    assert!(of(&r, "CP012")[0].detail.contains("the policy is off"));
}

#[test]
fn no_target_identities_but_workload_is_fine() {
    let mut p = good("nobody");
    p.conditions.users = Some(Users {
        include_users: vec!["None".into()],
        ..Users::default()
    });
    assert_eq!(rules(&with_covered(vec![p.clone()])), ["CP013"]);
    // maester #1778: None + clientApplications is a workload policy.
    p.conditions.client_applications = Some(ClientApplications {
        include_service_principals: vec!["5e1f0000-0000-4000-8000-000000000001".into()],
        ..ClientApplications::default()
    });
    assert!(with_covered(vec![p]).findings.is_empty());
}

#[test]
fn include_equals_exclude() {
    let mut p = only_group(good("p"), GROUP);
    p.conditions.users.as_mut().unwrap().exclude_groups = vec![BG.into(), GROUP.to_uppercase()];
    let r = with_covered(vec![p]);
    assert_eq!(rules(&r), ["CP014"]);
    assert!(
        of(&r, "CP014")[0]
            .detail
            .contains(&format!("groups: {GROUP}"))
    );
}

#[test]
fn disabled_and_deleted_policies() {
    let mut off = good("off");
    off.state = PolicyState::Disabled;
    let mut gone = blocking("gone");
    gone.deleted = true;
    let r = with_covered(vec![off, gone]);
    // The deleted tenant-wide block is not a lockout: it is not evaluated.
    assert_eq!(
        hits(&r),
        vec![
            ("CP015", "info", "gone".into()),
            ("CP015", "info", "off".into())
        ]
    );
}

#[test]
fn policy_count_near_the_limit() {
    let many = |n: usize| {
        (0..n)
            .map(|i| good(&format!("p{i:03}")))
            .collect::<Vec<_>>()
    };
    assert!(of(&with_covered(many(176)), "CP016").is_empty());
    let r = with_covered(many(177));
    assert_eq!(of(&r, "CP016")[0].severity, Severity::Medium);
    assert!(of(&r, "CP016")[0].detail.starts_with("180 policies"));
    assert_eq!(
        of(&with_covered(many(193)), "CP016")[0].severity,
        Severity::High
    );
}

#[test]
fn stale_report_only_is_measured_against_the_export() {
    let t = |s: &str| Some(s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
    let mut old = good("old");
    old.state = PolicyState::ReportOnly;
    old.modified = t("2026-01-01T00:00:00Z");
    let mut recent = good("recent");
    recent.state = PolicyState::ReportOnly;
    recent.modified = t("2026-03-01T00:00:00Z");
    let mut newest = good("newest");
    newest.modified = t("2026-04-15T00:00:00Z");
    let r = with_covered(vec![old, recent, newest.clone()]);
    assert_eq!(hits(&r), vec![("CP017", "low", "old".into())]);
    assert!(of(&r, "CP017")[0].detail.contains("104 days"));
    // Without a newer change in the export nothing is stale, whatever today's date is.
    newest.modified = t("2026-01-02T00:00:00Z");
    let mut old2 = good("old");
    old2.state = PolicyState::ReportOnly;
    old2.modified = t("2026-01-01T00:00:00Z");
    assert!(with_covered(vec![old2, newest]).findings.is_empty());
}

#[test]
fn deprecated_tokens() {
    let mut p = good("p");
    p.grant = Some(grant(&["approvedApplication"]));
    p.conditions.client_app_types = vec!["modern".into(), "browser".into()];
    let r = with_covered(vec![p.clone()]);
    assert_eq!(rules(&r), ["CP018"]);
    assert!(
        of(&r, "CP018")[0]
            .detail
            .contains("approvedApplication alone")
    );
    assert!(of(&r, "CP018")[0].detail.contains("clientAppTypes modern"));
    // The transition grant (approved app OR app protection) is what Microsoft asks for.
    p.grant = Some(grant(&["approvedApplication", "compliantApplication"]));
    p.conditions.client_app_types = vec!["all".into()];
    assert!(with_covered(vec![p]).findings.is_empty());
}

#[test]
fn password_change() {
    let mut p = good("pw");
    p.grant = Some(GrantControls {
        operator: "AND".into(),
        ..grant(&["mfa", "passwordChange"])
    });
    p.conditions.user_risk_levels = vec!["high".into()];
    assert!(with_covered(vec![p.clone()]).findings.is_empty());
    p.grant.as_mut().unwrap().operator = "OR".into();
    p.conditions.sign_in_risk_levels = vec!["high".into()];
    let r = with_covered(vec![p]);
    assert_eq!(rules(&r), ["CP019", "CP020"]);
    let d = &of(&r, "CP019")[0].detail;
    assert!(
        d.contains("not combined with mfa under AND") && d.contains("sign-in risk (high)"),
        "{d}"
    );
}

#[test]
fn persistent_browser_and_unknown_conditions() {
    let mut p = good("p");
    p.grant = None;
    p.session.persistent_browser = Some("never".into());
    p.conditions.applications.include_applications = vec!["Office365".into()];
    p.conditions.unknown_conditions = vec!["times".into()];
    let r = with_covered(vec![p]);
    assert_eq!(
        hits(&r),
        vec![("CP021", "low", "p".into()), ("CP024", "info", "p".into())]
    );
}

#[test]
fn dangling_location_references() {
    let p = excluding_location("p", LOC);
    let mut q = exclude_group(blocking("q"), BG);
    q.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec![
            "AllTrusted".into(),
            "00000000-0000-0000-0000-000000000000".into(),
            "3D46DBDA-8382-466A-856D-EB00CBC6B910".into(),
        ],
    });
    // Without any location file: skipped with a note, never "dangling".
    let r = with_covered(vec![p.clone(), q.clone()]);
    assert!(of(&r, "CP010").is_empty());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("1 reference to named locations")),
        "{:?}",
        r.notes
    );
    // With locations that lack it: high, naming the id and the list.
    let mut v = vec![p.clone(), q.clone()];
    v.extend(covered());
    let r = run_with(v.clone(), &[country(LOC2, false)], &[]);
    let f = of(&r, "CP010");
    assert_eq!(hits(&r).len(), 2, "{:?}", hits(&r)); // CP010 on p, CP018 on q (MFA trusted IPs)
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert!(
        f[0].detail
            .starts_with(&format!("excludeLocations {LOC} not among the 1 named"))
    );
    // Present (case-insensitive): nothing.
    let r = run_with(v, &[country(&LOC.to_uppercase(), false)], &[]);
    assert!(of(&r, "CP010").is_empty());
}

#[test]
fn ipv4_only_trust() {
    let office = ip_loc(LOC, "Office", true, &["203.0.113.0/24"]);
    let r = run_with(covered(), &[office], &[]);
    assert_eq!(hits(&r), vec![("CP030", "medium", String::new())]);
    assert!(of(&r, "CP030")[0].detail.contains("'Office'"));
    let dual = ip_loc(LOC, "Office", true, &["203.0.113.0/24", "2001:db8:10::/48"]);
    assert!(run_with(covered(), &[dual], &[]).findings.is_empty());
    // Untrusted and unused: nothing; untrusted but excluded from a block policy: CP030.
    let plain = ip_loc(LOC, "Office", false, &["203.0.113.0/24"]);
    assert!(
        run_with(covered(), std::slice::from_ref(&plain), &[])
            .findings
            .is_empty()
    );
    let mut v = covered();
    v.push(excluding_location("fence", LOC));
    let r = run_with(v, &[plain], &[]);
    assert_eq!(rules(&r), ["CP030"]);
    assert!(
        of(&r, "CP030")[0]
            .detail
            .contains("excluded from 'Policy fence'")
    );
}

#[test]
fn invalid_and_private_ranges() {
    let bad = ip_loc(
        LOC,
        "Bad",
        false,
        &[
            "198.51.100.0/24",
            "198.51.100.128/25",
            "192.0.2.0/24",
            "192.0.2.0/24",
            "11.0.0.0/8",
            "10.1.0.0/16",
            "fd00::/8",
            "2001:db8::/32",
        ],
    );
    let r = run_with(covered(), &[bad], &[]);
    assert_eq!(rules(&r), ["CP031", "CP032"]);
    let d = &of(&r, "CP031")[0].detail;
    assert!(
        d.contains("masks of /8 or shorter: 11.0.0.0/8, fd00::/8"),
        "{d}"
    );
    assert!(
        d.contains("192.0.2.0/24 twice") && d.contains("198.51.100.128/25 inside 198.51.100.0/24"),
        "{d}"
    );
    let d = &of(&r, "CP032")[0].detail;
    assert!(
        d.contains("10.1.0.0/16 (RFC 1918)") && d.contains("fd00::/8 (unique local)"),
        "{d}"
    );
    assert!(!d.contains("2001:db8"), "{d}");
    let big: Vec<String> = (0..2001u32)
        .map(|i| format!("{}.{}.{}.0/24", 20 + i / 65536, (i / 256) % 256, i % 256))
        .collect();
    let refs: Vec<&str> = big.iter().map(String::as_str).collect();
    let r = run_with(covered(), &[ip_loc(LOC, "Big", false, &refs)], &[]);
    assert!(of(&r, "CP031")[0].detail.contains("2001 ranges"));
}

#[test]
fn unknown_countries() {
    // Allow list (excluded from a block) that includes unknown countries: leaks.
    let r = run_with(
        [covered(), vec![excluding_location("allow", LOC)]].concat(),
        &[country(LOC, true)],
        &[],
    );
    assert_eq!(hits(&r), vec![("CP033", "medium", "allow".into())]);
    // J0 CA001 shape (unknown not included): fine.
    let r = run_with(
        [covered(), vec![excluding_location("allow", LOC)]].concat(),
        &[country(LOC, false)],
        &[],
    );
    assert!(r.findings.is_empty());
    // Block list without unknown countries.
    let mut deny = exclude_group(blocking("deny"), BG);
    deny.conditions.locations = Some(IncludeExclude {
        include: vec![LOC.into()],
        exclude: vec![],
    });
    let r = run_with(
        [covered(), vec![deny]].concat(),
        &[country(LOC, false)],
        &[],
    );
    assert_eq!(rules(&r), ["CP033"]);
    assert!(of(&r, "CP033")[0].detail.contains("are not blocked"));
}

#[test]
fn gps_location_in_report_only() {
    let mut p = excluding_location("gps", LOC);
    p.state = PolicyState::ReportOnly;
    let mut loc = country(LOC, false);
    loc.country_lookup = CountryLookup::AuthenticatorGps;
    let r = run_with([covered(), vec![p]].concat(), &[loc], &[]);
    assert_eq!(rules(&r), ["CP007"]);
}

#[test]
fn legacy_authentication_coverage() {
    let mut v = covered();
    v.remove(0);
    let r = run(v.clone());
    assert_eq!(hits(&r), vec![("CP040", "high", String::new())]);
    // SG #92: a legacy block narrowed to Linux does not count.
    let mut linux = exclude_group(blocking("linux"), BG);
    linux.conditions.client_app_types = vec!["exchangeActiveSync".into(), "other".into()];
    linux.conditions.platforms = Some(IncludeExclude {
        include: vec!["linux".into()],
        exclude: vec![],
    });
    // SG #316: nor one outside one country only.
    let mut us = linux.clone();
    us.id = "outside-us".into();
    us.display_name = "Outside US".into();
    us.conditions.platforms = None;
    us.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec![LOC.into()],
    });
    let r = run([v.clone(), vec![linux.clone(), us]].concat());
    assert_eq!(rules(&r), ["CP040"]);
    let f = &of(&r, "CP040")[0];
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.detail.starts_with("partial: 2 policies block legacy"),
        "{}",
        f.detail
    );
    assert!(
        f.detail.contains("platforms (include linux)")
            && f.detail
                .contains(&format!("locations (include All; exclude {LOC})"))
    );
    // A group-scoped or report-only one is partial too.
    let mut group = only_group(linux, GROUP);
    group.conditions.platforms = None;
    group.state = PolicyState::ReportOnly;
    let r = run([v, vec![group]].concat());
    let d = &of(&r, "CP040")[0].detail;
    assert!(
        d.contains("state report-only") && d.contains(&format!("targets groups {GROUP}")),
        "{d}"
    );
}

#[test]
fn device_code_and_unknown_platform_coverage() {
    let mut v = covered();
    // Only authentication transfer: device code is not restricted (MT #1057/#1063 parsing).
    v[1].conditions.transfer_methods = vec!["authenticationTransfer".into()];
    // J0 CA204: unknown platforms blocked for one group only → partial, info.
    v[2] = exclude_group(only_group(v[2].clone(), GROUP), BG);
    let r = run(v);
    assert_eq!(
        hits(&r),
        vec![
            ("CP041", "medium", String::new()),
            ("CP042", "info", String::new())
        ]
    );
    assert!(
        of(&r, "CP042")[0]
            .detail
            .starts_with("partial: 1 policy blocks unknown device platforms")
    );
    // A device filter narrows too.
    let mut v = covered();
    v[1].conditions.device_filter = Some(Filter {
        mode: "include".into(),
        rule: "device.isCompliant -eq False".into(),
    });
    assert_eq!(rules(&run(v)), ["CP041"]);
}

#[test]
fn a_huge_hostile_export_stays_fast_and_bounded() {
    let ids: Vec<String> = (0..50_000)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let mut p = good("huge");
    p.conditions.users.as_mut().unwrap().include_groups = ids.clone();
    p.conditions.users.as_mut().unwrap().exclude_groups = ids.clone();
    p.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: ids.clone(),
    });
    let locs: Vec<NamedLocation> = (0..5_000)
        .map(|i| {
            ip_loc(
                &format!("10c00000-0000-4000-8000-{i:012}"),
                "L",
                true,
                &["203.0.113.0/24"],
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let r = run_with([covered(), vec![p]].concat(), &locs, &[]);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let cp014 = &of(&r, "CP014")[0].detail;
    assert!(
        cp014.contains("and 49980 more") && cp014.len() < 4_000,
        "{}",
        cp014.len()
    );
    assert!(of(&r, "CP010")[0].detail.contains("and 49980 more"));
    assert!(r.findings.iter().all(|f| f.detail.len() < 10_000));
}

#[test]
fn a_lossy_shape_does_not_raise_false_alarms() {
    let missing: Vec<String> = [
        "conditions.applications.includeUserActions",
        "conditions.clientApplications",
        "conditions.authenticationFlows",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // A device-code block read without its authentication flows looks tenant-wide.
    let mut block = exclude_group(blocking("csv-block"), BG);
    block.missing = missing.clone();
    // A user-action policy read without its user actions looks untargeted.
    let mut action = good("csv-action");
    action.conditions.applications.include_applications = vec![];
    action.missing = missing.clone();
    // A workload policy read without its service principals looks like it targets nobody.
    let mut workload = good("csv-workload");
    workload.conditions.users = Some(Users {
        include_users: vec!["None".into()],
        ..Users::default()
    });
    workload.missing = missing;
    let r = run(vec![block, action, workload]);
    let cp001 = of(&r, "CP001");
    assert_eq!(cp001[0].severity, Severity::Medium);
    assert!(
        cp001[0]
            .detail
            .contains("does not carry conditions.authenticationFlows")
    );
    assert!(of(&r, "CP012").is_empty() && of(&r, "CP013").is_empty());
    assert_eq!(of(&r, "CP041")[0].severity, Severity::Info);
    assert_eq!(
        r.notes
            .iter()
            .filter(|n| n.contains("3 policies come from"))
            .count(),
        1
    );
}

#[test]
fn mfa_skipped_in_untrusted_locations_and_broad_trust() {
    // maester #2188 / #2227: an untrusted IP location excluded from MFA is not "trusted".
    let mut p = good("mfa");
    p.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec![LOC.into(), LOC2.into()],
    });
    let branch = ip_loc(
        LOC,
        "Branch",
        false,
        &["203.0.113.0/24", "2001:db8:20::/48"],
    );
    let r = run_with(
        [covered(), vec![p.clone()]].concat(),
        &[branch.clone(), country(LOC2, false)],
        &[],
    );
    assert_eq!(hits(&r), vec![("CP034", "low", "mfa".into())]);
    let d = &of(&r, "CP034")[0].detail;
    assert!(
        d.contains("'Branch'") && d.contains("a country location"),
        "{d}"
    );
    // Trusted: fine. A block policy excluding it is CP030's business, not CP034's.
    let mut trusted = branch;
    trusted.trusted = true;
    let r = run_with(
        [covered(), vec![p]].concat(),
        &[
            trusted,
            ip_loc(
                LOC2,
                "Wide",
                true,
                &["198.0.0.0/12", "2001:db8::/32", "192.0.2.0/24"],
            ),
        ],
        &[],
    );
    assert_eq!(rules(&r), ["CP035"]);
    assert!(
        of(&r, "CP035")[0]
            .detail
            .contains("holds 198.0.0.0/12, 2001:db8::/32:")
    );
}
