//! Tests of `NamedLocations` on the fixtures in `fixtures/locations/` and on the real
//! public samples in `../shared/samples` (required under CI).

use std::path::{Path, PathBuf};

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/locations")
        .join(name)
}

fn load(names: &[&str]) -> NamedLocations {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    NamedLocations::load(&paths).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn names(l: &NamedLocations, idx: &[usize]) -> Vec<String> {
    idx.iter().map(|&i| l.locations[i].name.clone()).collect()
}

/// The shared samples folder; `None` (skip) only outside CI.
fn samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").unwrap_or_default();
    assert!(
        ci.is_empty() || ci == "false" || ci == "0",
        "CI is set but {} is missing",
        dir.display()
    );
    eprintln!("skipping: {} not found", dir.display());
    None
}

#[test]
fn graph_fixture_loads_in_file_order() {
    let l = load(&["named_locations.json"]);
    let kinds: Vec<(&str, LocationKind, bool)> = l
        .locations
        .iter()
        .map(|x| (x.name.as_str(), x.kind, x.trusted))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Contoso HQ", LocationKind::Ip, true),
            ("Branch office", LocationKind::Ip, false),
            ("VPN egress", LocationKind::Ip, true),
            ("Blocked countries", LocationKind::Country, false),
            (
                "All Compliant Network locations",
                LocationKind::CompliantNetwork,
                true
            ),
        ]
    );
    assert_eq!(l.locations[3].countries, ["KP", "IR"]);
    assert!(l.has_trusted_ip_location());
}

#[test]
fn overlapping_ranges_and_mapped_addresses() {
    let l = load(&["named_locations.json"]);
    assert_eq!(l.containing(ip("203.0.113.10")), [1]);
    assert_eq!(l.containing(ip("203.0.113.70")), [1, 2]);
    assert_eq!(l.containing(ip("::ffff:203.0.113.70")), [1, 2]);
    assert_eq!(l.containing(ip("203.0.113.200")), Vec::<usize>::new());
    assert_eq!(l.containing(ip("2001:db8:100:ffff::1")), [0]);
    assert_eq!(l.containing(ip("2001:db8:101::1")), Vec::<usize>::new());
    assert!(l.is_trusted(ip("203.0.113.70")));
    assert!(!l.is_trusted(ip("203.0.113.10")));
    assert!(l.is_trusted(ip("::ffff:198.51.100.1")));
    assert!(!l.is_trusted(ip("192.0.2.1")));
    assert_eq!(
        l.locations[2].matching_range(ip("203.0.113.70")),
        Some("203.0.113.64/26".parse().unwrap())
    );
}

#[test]
fn country_matching() {
    let l = load(&["named_locations.json", "bare_array.json"]);
    assert_eq!(
        names(&l, &l.containing_country("kp")),
        ["Blocked countries"]
    );
    assert_eq!(
        names(&l, &l.containing_country("CU")),
        ["Unknown or embargoed"]
    );
    assert!(l.containing_country("BE").is_empty());
    // Unknown country: only the location that includes unknown countries.
    assert_eq!(
        names(&l, &l.containing_country("")),
        ["Unknown or embargoed"]
    );
    assert_eq!(
        names(&l, &l.containing_country(" ")),
        ["Unknown or embargoed"]
    );
    assert_eq!(
        names(&l, &l.containing_all(Some(ip("198.51.100.200")), "IR")),
        ["Contoso HQ", "Blocked countries", "Home workers"]
    );
    assert_eq!(l.containing_all(None, "FR"), Vec::<usize>::new());
}

#[test]
fn gps_country_locations_never_match() {
    let l = NamedLocations::new(vec![NamedLocation {
        name: "GPS".into(),
        kind: LocationKind::Country,
        countries: vec!["NL".into()],
        include_unknown_countries: true,
        country_lookup: CountryLookup::AuthenticatorGps,
        ..Default::default()
    }]);
    assert!(l.containing_country("NL").is_empty());
    assert!(l.containing_country("").is_empty());
}

#[test]
fn every_fixture_shape_loads() {
    let ps = load(&["powershell_utf16.json"]);
    assert_eq!(ps.len(), 2);
    assert_eq!(ps.locations[0].id, "0c0a0005-1111-4222-8333-000000000001");
    assert!(ps.is_trusted(ip("2001:db8:100::5")));
    assert_eq!(ps.locations[1].countries, ["KP", "IR"]);

    let single = load(&["single_location.json"]);
    assert_eq!(single.len(), 1);
    assert_eq!(single.locations[0].ranges[0].to_string(), "192.0.2.0/24");

    let csv = load(&["simple.csv"]);
    let got: Vec<(&str, usize, bool)> = csv
        .locations
        .iter()
        .map(|x| (x.name.as_str(), x.ranges.len(), x.trusted))
        .collect();
    assert_eq!(
        got,
        [
            ("Contoso HQ", 2, true),
            ("Branch office, Lyon", 1, false),
            ("VPN egress", 1, true)
        ]
    );
}

#[test]
fn directory_is_read_recursively_in_sorted_order_and_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::copy(fixture("bare_array.json"), dir.path().join("b/x.json")).unwrap();
    std::fs::copy(fixture("simple.csv"), dir.path().join("a.CSV")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not read").unwrap();
    let l = NamedLocations::load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(l.locations[0].name, "Contoso HQ");
    assert_eq!(l.locations[3].name, "Home workers");

    std::fs::copy(fixture("bad_cidr.json"), dir.path().join("b/y.json")).unwrap();
    let e = NamedLocations::load(&[dir.path().to_path_buf()]).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("y.json") && msg.contains("\"Broken\"") && msg.contains("203.0.113.300/24"),
        "{msg}"
    );

    let empty = tempfile::tempdir().unwrap();
    assert!(NamedLocations::load(&[empty.path().to_path_buf()]).is_err());
    assert!(NamedLocations::load(&[empty.path().join("missing.json")]).is_err());
}

#[test]
fn bad_cidr_fixture_fails() {
    let e = NamedLocations::load(&[fixture("bad_cidr.json")]).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Locations { .. }));
    assert!(
        msg.contains("bad_cidr.json")
            && msg.contains("location #2 \"Broken\"")
            && msg.contains("203.0.113.300/24"),
        "{msg}"
    );
}

#[test]
fn same_id_twice_is_kept_once_or_rejected() {
    let l = load(&["named_locations.json", "named_locations.json"]);
    assert_eq!(l.len(), 5);
    let dir = tempfile::tempdir().unwrap();
    let changed = std::fs::read_to_string(fixture("named_locations.json"))
        .unwrap()
        .replace("203.0.113.64/26", "203.0.113.0/26");
    std::fs::write(dir.path().join("changed.json"), changed).unwrap();
    let e = NamedLocations::load(&[
        fixture("named_locations.json"),
        dir.path().join("changed.json"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("different content") && e.contains("VPN egress"),
        "{e}"
    );
}

#[test]
fn real_graph_docs_sample_loads() {
    let Some(dir) = samples() else { return };
    let l = NamedLocations::load(&[
        dir.join("graph_api/namedLocations_list_v1.0_graphdocs_example1.json")
    ])
    .unwrap();
    let kinds: Vec<LocationKind> = l.locations.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        [LocationKind::Ip, LocationKind::Country, LocationKind::Ip]
    );
    assert!(l.containing(ip("127.126.125.9")) == [0]);
    // Host bits set in the documentation example: cleared, not rejected.
    assert!(l.is_trusted(ip("2001:4898:80e8:ffff::1")));
    assert_eq!(l.locations[1].countries, ["US", "CA"]);
}

#[test]
fn real_utf16_full_metadata_samples_load() {
    let Some(dir) = samples() else { return };
    let l =
        NamedLocations::load(&[dir.join("ca_policies_graphbeta_utf16/NamedLocations")]).unwrap();
    let got: Vec<(&str, LocationKind)> = l
        .locations
        .iter()
        .map(|x| (x.name.as_str(), x.kind))
        .collect();
    assert_eq!(
        got,
        [
            (
                "ALLOWED COUNTRIES - SERVICE ACCOUNTS",
                LocationKind::Country
            ),
            ("ALLOWED COUNTRIES", LocationKind::Country),
            (
                "All Compliant Network locations",
                LocationKind::CompliantNetwork
            ),
        ]
    );
    assert_eq!(l.locations[1].countries, ["BE", "LU", "NL"]);
    assert_eq!(l.locations[1].id, "185c993e-10a9-44fa-98d1-230c8f72f497");
    assert_eq!(
        names(&l, &l.containing_country("lu")),
        ["ALLOWED COUNTRIES"]
    );
}

#[test]
fn a_range_in_ipv4_mapped_form_holds_those_ipv4_addresses() {
    let loc = NamedLocation {
        ranges: vec!["::ffff:192.0.2.0/120".parse().unwrap()],
        trusted: true,
        ..NamedLocation::default()
    };
    let locs = NamedLocations::new(vec![loc]);
    for ip in ["192.0.2.7", "::ffff:192.0.2.7"] {
        let ip: IpAddr = ip.parse().unwrap();
        assert_eq!(locs.containing(ip), vec![0], "{ip}");
        assert!(locs.is_trusted(ip), "{ip}");
        assert_eq!(
            locs.locations[0].matching_range(ip).map(|n| n.to_string()),
            Some("::ffff:192.0.2.0/120".to_string())
        );
    }
    let outside: IpAddr = "192.0.3.1".parse().unwrap();
    assert!(locs.containing(outside).is_empty() && !locs.is_trusted(outside));
    // A plain IPv6 range stays IPv6: ::/0 is not every IPv4 address.
    let all6 = NamedLocations::new(vec![NamedLocation {
        ranges: vec!["::/0".parse().unwrap()],
        ..NamedLocation::default()
    }]);
    assert!(all6.containing("192.0.2.7".parse().unwrap()).is_empty());
}
