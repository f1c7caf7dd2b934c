//! The interval index behind `NamedLocations::containing`: per address family, the number
//! line is cut at every range boundary into disjoint segments, each holding the sorted set
//! of locations covering it. A lookup is one binary search, whatever the overlaps or nesting.
//! Must not parse files.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::NamedLocation;

#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    v4: Table,
    v6: Table,
}

/// Segments in compressed-row form: segment `i` starts at `starts[i]` (the first at 0),
/// runs to the next start, and is covered by `locs[offsets[i]..offsets[i + 1]]`.
/// Neighbouring segments never have the same set (they are merged).
#[derive(Debug, Clone, Default)]
struct Table {
    starts: Vec<u128>,
    offsets: Vec<u32>,
    locs: Vec<u32>,
    trusted: Vec<bool>,
}

/// One range as an inclusive interval, with its location index.
type Item = (u128, u128, u32);

impl Index {
    pub(super) fn build(locations: &[NamedLocation]) -> Index {
        let mut v4: Vec<Item> = Vec::new();
        let mut v6: Vec<Item> = Vec::new();
        for (i, loc) in locations.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 locations");
            for range in &loc.ranges {
                match range {
                    IpNet::V4(n) => v4.push((
                        u128::from(u32::from(n.network())),
                        u128::from(u32::from(n.broadcast())),
                        i,
                    )),
                    IpNet::V6(n) => {
                        v6.push((u128::from(n.network()), u128::from(n.broadcast()), i));
                        // A range written in IPv4-mapped form (`::ffff:192.0.2.0/120`) holds
                        // those IPv4 addresses: clients are looked up canonically, as IPv4.
                        if let Some(v4net) = super::mapped_v4(n) {
                            v4.push((
                                u128::from(u32::from(v4net.network())),
                                u128::from(u32::from(v4net.broadcast())),
                                i,
                            ));
                        }
                    }
                }
            }
        }
        let trusted: Vec<bool> = locations.iter().map(|l| l.trusted).collect();
        Index {
            v4: Table::build(v4, &trusted),
            v6: Table::build(v6, &trusted),
        }
    }

    /// The locations holding `ip` (ascending) and whether one of them is trusted.
    /// `ip` must already be canonical.
    pub(super) fn lookup(&self, ip: IpAddr) -> (&[u32], bool) {
        match ip {
            IpAddr::V4(a) => self.v4.lookup(u128::from(u32::from(a))),
            IpAddr::V6(a) => self.v6.lookup(u128::from(a)),
        }
    }
}

impl Table {
    fn build(items: Vec<Item>, trusted: &[bool]) -> Table {
        let mut table = Table::default();
        if items.is_empty() {
            return table;
        }
        let mut adds: Vec<(u128, u32)> = items.iter().map(|&(s, _, l)| (s, l)).collect();
        // A range ending at the top of the space never ends.
        let mut removes: Vec<(u128, u32)> = items
            .iter()
            .filter_map(|&(_, e, l)| e.checked_add(1).map(|p| (p, l)))
            .collect();
        adds.sort_unstable();
        removes.sort_unstable();
        let mut points: Vec<u128> = std::iter::once(0)
            .chain(adds.iter().map(|a| a.0))
            .chain(removes.iter().map(|r| r.0))
            .collect();
        points.sort_unstable();
        points.dedup();

        // Location → number of its ranges covering the current point.
        let mut active: BTreeMap<u32, u32> = BTreeMap::new();
        let (mut ai, mut ri) = (0, 0);
        let mut previous: Option<Vec<u32>> = None;
        table.offsets.push(0);
        for p in points {
            while ri < removes.len() && removes[ri].0 == p {
                let loc = removes[ri].1;
                let n = active.get_mut(&loc).expect("removed range was added");
                *n -= 1;
                if *n == 0 {
                    active.remove(&loc);
                }
                ri += 1;
            }
            while ai < adds.len() && adds[ai].0 == p {
                *active.entry(adds[ai].1).or_insert(0) += 1;
                ai += 1;
            }
            let set: Vec<u32> = active.keys().copied().collect();
            if previous.as_ref() == Some(&set) {
                continue;
            }
            table.starts.push(p);
            table.locs.extend_from_slice(&set);
            table
                .offsets
                .push(u32::try_from(table.locs.len()).expect("index fits in u32"));
            table.trusted.push(set.iter().any(|&l| trusted[l as usize]));
            previous = Some(set);
        }
        table
    }

    fn lookup(&self, x: u128) -> (&[u32], bool) {
        let i = self.starts.partition_point(|&s| s <= x);
        if i == 0 {
            return (&[], false);
        }
        let i = i - 1;
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        (&self.locs[a..b], self.trusted[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn loc(ranges: &[&str], trusted: bool) -> NamedLocation {
        NamedLocation {
            name: "x".into(),
            trusted,
            ranges: ranges.iter().map(|r| r.parse().unwrap()).collect(),
            ..Default::default()
        }
    }

    fn naive(locs: &[NamedLocation], ip: IpAddr) -> (Vec<u32>, bool) {
        let v: Vec<u32> = locs
            .iter()
            .enumerate()
            .filter(|(_, l)| l.ranges.iter().any(|r| r.contains(&ip)))
            .map(|(i, _)| i as u32)
            .collect();
        let t = v.iter().any(|&i| locs[i as usize].trusted);
        (v, t)
    }

    #[test]
    fn nested_overlapping_and_edges() {
        let locs = vec![
            loc(&["203.0.113.0/25"], false),
            loc(&["203.0.113.64/26", "198.51.100.0/24"], true),
            loc(&["203.0.113.0/24", "203.0.113.0/24"], false),
            loc(&["0.0.0.0/0"], false),
            loc(&["::/0"], false),
            loc(&["2001:db8::/32"], true),
        ];
        let idx = Index::build(&locs);
        for ip in [
            "203.0.113.0",
            "203.0.113.63",
            "203.0.113.64",
            "203.0.113.127",
            "203.0.113.128",
            "203.0.113.255",
            "203.0.114.0",
            "198.51.100.255",
            "0.0.0.0",
            "255.255.255.255",
            "2001:db8::1",
            "2001:db9::",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let (got, t) = idx.lookup(ip);
            assert_eq!((got.to_vec(), t), naive(&locs, ip), "{ip}");
        }
    }

    #[test]
    fn empty_index_finds_nothing() {
        let idx = Index::build(&[]);
        assert_eq!(idx.lookup("192.0.2.1".parse().unwrap()), (&[][..], false));
        assert_eq!(idx.lookup("2001:db8::1".parse().unwrap()), (&[][..], false));
    }

    proptest! {
        /// Random ranges inside 192.0.2.0/24 and 2001:db8::/120 against a linear scan.
        #[test]
        fn matches_linear_scan(
            nets in prop::collection::vec((0u8..=255, 24u8..=32, any::<bool>(), 0usize..6, any::<bool>()), 0..40),
            probes in prop::collection::vec(0u8..=255, 1..60),
        ) {
            let mut locs: Vec<NamedLocation> = (0..6).map(|_| loc(&[], false)).collect();
            for (host, len, v6, owner, trusted) in nets {
                let net: IpNet = if v6 {
                    let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(host));
                    IpNet::new(IpAddr::V6(a), len + 96).unwrap().trunc()
                } else {
                    IpNet::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, host)), len).unwrap().trunc()
                };
                locs[owner].ranges.push(net);
                locs[owner].trusted |= trusted;
            }
            let idx = Index::build(&locs);
            for p in probes {
                for ip in [
                    IpAddr::V4(Ipv4Addr::new(192, 0, 2, p)),
                    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(p))),
                ] {
                    let (got, t) = idx.lookup(ip);
                    prop_assert_eq!((got.to_vec(), t), naive(&locs, ip));
                }
            }
        }
    }
}
