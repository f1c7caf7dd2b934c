//! Property tests (proptest): filter patterns (`*` wildcards, case-insensitivity) and CIDR
//! aggregation (the suggested CIDRs cover exactly the given addresses).

use std::net::{IpAddr, Ipv4Addr};

use casift::filter::Pattern;
use casift::locations::minimal_cidrs;
use proptest::prelude::*;

/// Values as they appear in exports. `Pattern::new` trims its text, so values with leading
/// or trailing whitespace (and the empty value) are outside this property.
fn value() -> impl Strategy<Value = String> {
    "[^\\s][^\\t\\n]{0,30}[^\\s]|[^\\s]"
}

proptest! {
    #[test]
    fn starred_value_matches_itself(s in value(), mask in prop::collection::vec(any::<bool>(), 32)) {
        let pat: String = s
            .chars()
            .zip(mask.iter().cycle())
            .map(|(c, &star)| if star { '*' } else { c })
            .collect();
        prop_assert!(Pattern::new(&pat).matches(&s), "{pat:?} vs {s:?}");
        prop_assert!(Pattern::new(&s).matches(&s));
    }

    #[test]
    fn matching_ignores_ascii_case(s in "[A-Za-z0-9@._-]{1,30}", star in 0usize..30) {
        let upper = s.to_ascii_uppercase();
        let lower = s.to_ascii_lowercase();
        prop_assert!(Pattern::new(&upper).matches(&lower));
        prop_assert!(Pattern::new(&lower).matches(&upper));
        let mut starred: Vec<char> = upper.chars().collect();
        let i = star % starred.len();
        starred[i] = '*';
        let starred: String = starred.into_iter().collect();
        prop_assert!(Pattern::new(&starred).matches(&lower), "{starred:?} vs {lower:?}");
    }

    #[test]
    fn a_different_value_does_not_match(s in "[a-z]{1,20}", t in "[a-z]{1,20}") {
        prop_assume!(s != t);
        prop_assert!(!Pattern::new(&s).matches(&t));
    }

    #[test]
    fn suggested_cidrs_cover_exactly_the_ips(raw in prop::collection::vec(0u32..4096, 0..64), base in any::<u32>()) {
        // Dense addresses near one base so that aggregation actually happens.
        let base = base & !0xFFF;
        let ips: Vec<IpAddr> = raw.iter().map(|&o| IpAddr::V4(Ipv4Addr::from(base | o))).collect();
        let cidrs = minimal_cidrs(&ips);
        for ip in &ips {
            prop_assert!(cidrs.iter().any(|c| c.contains(ip)), "{ip} not covered");
        }
        let mut distinct = ips.clone();
        distinct.sort();
        distinct.dedup();
        let covered: u64 = cidrs.iter().map(|c| 1u64 << (32 - c.prefix_len())).sum();
        prop_assert_eq!(covered, distinct.len() as u64, "{:?} cover more than the IPs", cidrs);
        for w in cidrs.windows(2) {
            prop_assert!(w[0].broadcast() < w[1].network(), "overlap or unsorted: {:?}", cidrs);
        }
    }
}
