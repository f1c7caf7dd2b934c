//! `minimal_cidrs`: the smallest CIDR set covering exactly a set of addresses, for the
//! remediation text ("add these ranges"). Must not know named locations.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::canonical;

/// The smallest set of CIDRs that covers exactly the given addresses: duplicates removed,
/// IPv4-mapped IPv6 treated as IPv4, adjacent blocks aggregated, never an address that was
/// not given. IPv4 first, then IPv6, each ascending.
pub fn minimal_cidrs(ips: &[IpAddr]) -> Vec<IpNet> {
    let mut v4: Vec<u128> = Vec::new();
    let mut v6: Vec<u128> = Vec::new();
    for ip in ips {
        match canonical(*ip) {
            IpAddr::V4(a) => v4.push(u128::from(u32::from(a))),
            IpAddr::V6(a) => v6.push(u128::from(a)),
        }
    }
    let mut out = Vec::new();
    for (bits, mut values) in [(32u32, v4), (128u32, v6)] {
        values.sort_unstable();
        values.dedup();
        let mut i = 0;
        while i < values.len() {
            // A run of consecutive addresses [first, last]; no CIDR can span a gap, so the
            // minimal cover of the set is the union of the minimal covers of its runs.
            let first = values[i];
            while i + 1 < values.len() && values[i + 1] == values[i] + 1 {
                i += 1;
            }
            cover_run(first, values[i], bits, &mut out);
            i += 1;
        }
    }
    out
}

/// Greedy: from the left end, the largest aligned block that stays inside the run.
fn cover_run(mut a: u128, b: u128, bits: u32, out: &mut Vec<IpNet>) {
    loop {
        let span = b - a;
        let mut k = if a == 0 {
            bits
        } else {
            a.trailing_zeros().min(bits)
        };
        while k > 0 && block_last(k) > span {
            k -= 1;
        }
        out.push(net(a, bits, k));
        match a.checked_add(block_last(k)) {
            Some(last) if last < b => a = last + 1,
            _ => return,
        }
    }
}

/// 2^k - 1, the offset of a block's last address.
fn block_last(k: u32) -> u128 {
    if k >= 128 {
        u128::MAX
    } else {
        (1u128 << k) - 1
    }
}

fn net(a: u128, bits: u32, k: u32) -> IpNet {
    let prefix = u8::try_from(bits - k).expect("prefix fits in u8");
    if bits == 32 {
        let addr = Ipv4Addr::from(u32::try_from(a).expect("IPv4 value"));
        IpNet::V4(Ipv4Net::new(addr, prefix).expect("valid IPv4 prefix"))
    } else {
        IpNet::V6(Ipv6Net::new(Ipv6Addr::from(a), prefix).expect("valid IPv6 prefix"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn show(nets: &[IpNet]) -> Vec<String> {
        nets.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn aggregates_and_canonicalises() {
        let got = minimal_cidrs(&ips(&[
            "203.0.113.5",
            "203.0.113.4",
            "::ffff:203.0.113.6",
            "203.0.113.7",
            "203.0.113.5",
            "203.0.113.9",
            "2001:db8::1",
            "2001:db8::",
        ]));
        assert_eq!(
            show(&got),
            ["203.0.113.4/30", "203.0.113.9/32", "2001:db8::/127"]
        );
        assert!(minimal_cidrs(&[]).is_empty());
    }

    #[test]
    fn unaligned_run_is_split() {
        let all: Vec<IpAddr> = (1u8..=6)
            .map(|h| IpAddr::V4(Ipv4Addr::new(192, 0, 2, h)))
            .collect();
        assert_eq!(
            show(&minimal_cidrs(&all)),
            [
                "192.0.2.1/32",
                "192.0.2.2/31",
                "192.0.2.4/31",
                "192.0.2.6/32"
            ]
        );
    }

    #[test]
    fn whole_spaces() {
        let top = minimal_cidrs(&ips(&["255.255.255.255", "255.255.255.254"]));
        assert_eq!(show(&top), ["255.255.255.254/31"]);
        let top6 = minimal_cidrs(&ips(&["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]));
        assert_eq!(show(&top6), ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]);
        let zero = minimal_cidrs(&ips(&["0.0.0.0", "0.0.0.1"]));
        assert_eq!(show(&zero), ["0.0.0.0/31"]);
    }

    /// Every address of the /24 (or /120) whose last byte is `h`.
    fn addr(v6: bool, h: u8) -> IpAddr {
        if v6 {
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(h)))
        } else {
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, h))
        }
    }

    proptest! {
        #[test]
        fn covers_exactly_and_is_minimal(
            hosts in prop::collection::vec(any::<u8>(), 0..80),
            v6 in any::<bool>(),
        ) {
            let given: Vec<IpAddr> = hosts.iter().map(|&h| addr(v6, h)).collect();
            let want: BTreeSet<u8> = hosts.iter().copied().collect();
            let nets = minimal_cidrs(&given);
            // Exactly the given addresses, by enumeration of the whole /24 or /120.
            for h in 0..=255u8 {
                let a = addr(v6, h);
                let n = nets.iter().filter(|n| n.contains(&a)).count();
                prop_assert_eq!(n, usize::from(want.contains(&h)), "{} covered {} times", a, n);
            }
            // Nothing outside the block either.
            for n in &nets {
                let block: IpNet = if v6 { "2001:db8::/120" } else { "198.51.100.0/24" }.parse().unwrap();
                prop_assert!(block.contains(n), "{} escapes {}", n, block);
            }
            // Minimal: no two nets are siblings that one shorter prefix would replace.
            for (i, a) in nets.iter().enumerate() {
                for b in &nets[i + 1..] {
                    let siblings = a.prefix_len() == b.prefix_len()
                        && a.supernet() == b.supernet();
                    prop_assert!(!siblings, "{} and {} could merge", a, b);
                }
            }
            // Same result as ipnet's aggregate, which is minimal by construction.
            let singles: Vec<IpNet> = given.iter().map(|&ip| IpNet::from(ip)).collect();
            prop_assert_eq!(nets, IpNet::aggregate(&singles));
        }
    }
}
