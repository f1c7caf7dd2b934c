//! Bytes as a named-locations file: loads, and checks every loaded range is found by the
//! lookup index (its first and last address), with trust agreeing with the locations.
#![no_main]
use std::net::IpAddr;

use casift::locations::{LocationKind, NamedLocations, canonical, mapped_v4};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(locs) = NamedLocations::load_bytes("fuzz-locations", data) else {
        return;
    };
    for (i, loc) in locs.locations.iter().enumerate() {
        if loc.kind != LocationKind::Ip {
            continue;
        }
        for r in &loc.ranges {
            for ip in [r.network(), r.broadcast()] {
                // Clients are looked up canonically: an IPv4-mapped end of an IPv6 range is
                // an IPv4 address, held only by a range written in mapped form
                // (`::ffff:192.0.2.0/120`), never by a wider IPv6 range such as `::/80`.
                if let (ipnet::IpNet::V6(n), IpAddr::V4(a)) = (r, canonical(ip))
                    && !mapped_v4(n).is_some_and(|m| m.contains(&a))
                {
                    continue;
                }
                let hits = locs.containing(ip);
                assert!(
                    hits.contains(&i),
                    "{ip} in {r} of location {i} not found: {hits:?}"
                );
                assert!(
                    hits.windows(2).all(|w| w[0] < w[1]),
                    "not ascending: {hits:?}"
                );
                let trusted = hits.iter().any(|&h| locs.locations[h].trusted);
                assert_eq!(locs.is_trusted(ip), trusted, "trust of {ip}");
                assert_eq!(loc.matching_range(ip).map(|m| m.contains(&ip)), Some(true));
            }
        }
    }
    let probe: Vec<IpAddr> = data
        .chunks(4)
        .take(8)
        .filter(|c| c.len() == 4)
        .map(|c| IpAddr::from([c[0], c[1], c[2], c[3]]))
        .collect();
    for ip in &probe {
        let hits = locs.containing(*ip);
        for &h in &hits {
            assert!(locs.locations[h].ranges.iter().any(|r| match (r, ip) {
                (ipnet::IpNet::V6(n), IpAddr::V4(a)) => mapped_v4(n).is_some_and(|m| m.contains(a)),
                _ => r.contains(ip),
            }));
        }
    }
    // The suggested CIDRs cover exactly the given IPs: each one, and nothing more.
    let cidrs = casift::locations::minimal_cidrs(&probe);
    for ip in &probe {
        assert!(
            cidrs.iter().any(|c| c.contains(ip)),
            "{ip} not covered by {cidrs:?}"
        );
    }
    let mut distinct = probe.clone();
    distinct.sort();
    distinct.dedup();
    let covered: u64 = cidrs.iter().map(|c| 1u64 << (32 - c.prefix_len())).sum();
    assert_eq!(
        covered,
        distinct.len() as u64,
        "{cidrs:?} cover more than {distinct:?}"
    );
});
