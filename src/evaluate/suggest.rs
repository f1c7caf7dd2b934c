//! The CIDR ranges a fix suggests for blocked addresses (DESIGN.md §2 "CIDR suggestions"):
//! IPv4 as the smallest exact set; an IPv6 client address as its /64 (clients rotate their
//! interface id inside it); and whether the addresses look like several unrelated egress
//! points, which a fix must ask to confirm before anyone trusts them.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv6Net};

use crate::locations::{canonical, minimal_cidrs};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suggestion {
    /// IPv4 ranges first, then IPv6, each ascending.
    pub cidrs: Vec<IpNet>,
    /// How many IPv6 addresses were widened to their /64.
    pub widened_v6: usize,
    /// Distinct networks the addresses come from (IPv4 /16, IPv6 /48).
    pub networks: usize,
    /// Set instead of the ranges when there were too many distinct addresses to list
    /// (a suggestion from a subset of them would be wrong advice): how many there were.
    pub unlisted: u64,
}

impl Suggestion {
    pub fn texts(&self) -> Vec<String> {
        self.cidrs.iter().map(ToString::to_string).collect()
    }

    /// Addresses from three or more unrelated networks: probably home connections, mobile
    /// networks or a hosted agent pool rather than one corporate egress.
    pub fn scattered(&self) -> bool {
        self.networks >= 3
    }

    /// The sentences that must accompany the list (empty when none applies).
    pub fn cautions(&self) -> String {
        let mut t = String::new();
        if self.widened_v6 > 0 {
            t.push_str(" IPv6 clients change the last 64 bits of their address over time, so each IPv6 address is given as its /64 network; use the provider's assigned prefix instead if you know it.");
        }
        if self.scattered() {
            t.push_str(&format!(
                " These addresses come from {} unrelated networks: they look like several egress points (home or mobile connections, or a hosted build agent pool), not one office. Confirm each range with the owner before trusting it, and prefer a workload identity or a self-hosted agent with a fixed egress address.",
                self.networks
            ));
        }
        t
    }
}

/// No ranges for `n` distinct addresses, more than a finding keeps.
pub fn too_many(n: u64) -> Suggestion {
    Suggestion {
        unlisted: n,
        ..Suggestion::default()
    }
}

pub fn suggest(ips: &[IpAddr]) -> Suggestion {
    let mut v4: Vec<IpAddr> = Vec::new();
    let mut v6: BTreeSet<Ipv6Net> = BTreeSet::new();
    let mut networks: BTreeSet<(u8, u128)> = BTreeSet::new();
    for ip in ips.iter().map(|ip| canonical(*ip)) {
        match ip {
            IpAddr::V4(a) => {
                v4.push(ip);
                networks.insert((4, u128::from(u32::from(a) >> 16)));
            }
            IpAddr::V6(a) => {
                if let Ok(n) = Ipv6Net::new(a, 64) {
                    v6.insert(n.trunc());
                }
                networks.insert((6, u128::from(a) >> 80));
            }
        }
    }
    let mut cidrs = minimal_cidrs(&v4);
    let widened_v6 = v6.len();
    cidrs.extend(v6.into_iter().map(IpNet::V6));
    Suggestion {
        cidrs,
        widened_v6,
        networks: networks.len(),
        unlisted: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(v: &[&str]) -> Vec<IpAddr> {
        v.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn ipv6_clients_become_their_64() {
        let s = suggest(&ips(&[
            "2001:db8:1:2::5",
            "2001:db8:1:2:abcd::9",
            "198.51.100.7",
        ]));
        assert_eq!(s.texts(), ["198.51.100.7/32", "2001:db8:1:2::/64"]);
        assert_eq!(s.widened_v6, 1);
        assert!(s.cautions().contains("/64"));
        assert!(!s.scattered());
    }

    #[test]
    fn mapped_addresses_are_ipv4_and_adjacent_ones_merge() {
        let s = suggest(&ips(&["::ffff:198.51.100.6", "198.51.100.7"]));
        assert_eq!(s.texts(), ["198.51.100.6/31"]);
        assert_eq!(s.cautions(), "");
    }

    #[test]
    fn unrelated_networks_ask_for_confirmation() {
        let s = suggest(&ips(&["192.0.2.1", "198.51.100.1", "203.0.113.1"]));
        assert_eq!(s.networks, 3);
        assert!(s.cautions().contains("3 unrelated networks"));
        let near = suggest(&ips(&["198.51.100.1", "198.51.7.1", "198.51.200.1"]));
        assert!(!near.scattered(), "one /16 is one network");
    }
}
