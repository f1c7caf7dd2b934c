//! Named locations: loading every export shape (Graph list, bare array, single object,
//! PowerShell `AdditionalProperties`, simple CSV) and fast IP lookup. Must not know sign-ins.

use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocationKind {
    Ip,
    Country,
    /// Global Secure Access compliant network: not evaluable offline.
    CompliantNetwork,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NamedLocation {
    pub id: String,
    pub name: String,
    pub kind: LocationKind,
    pub trusted: bool,
    pub ranges: Vec<IpNet>,
    /// ISO 3166 alpha-2, upper case.
    pub countries: Vec<String>,
    pub include_unknown_countries: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NamedLocations {
    pub locations: Vec<NamedLocation>,
}

impl NamedLocations {
    pub fn load(_paths: &[PathBuf]) -> Result<NamedLocations> {
        Ok(NamedLocations::default())
    }

    /// Indices (into `locations`, ascending) of the IP locations whose ranges hold `ip`.
    pub fn containing(&self, ip: IpAddr) -> Vec<usize> {
        let ip = canonical(ip);
        self.locations
            .iter()
            .enumerate()
            .filter(|(_, l)| l.ranges.iter().any(|r| r.contains(&ip)))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.containing(ip)
            .into_iter()
            .any(|i| self.locations[i].trusted)
    }
}

/// IPv4-mapped IPv6 addresses become their IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The smallest set of CIDRs that covers exactly the given addresses.
pub fn minimal_cidrs(ips: &[IpAddr]) -> Vec<IpNet> {
    let nets: Vec<IpNet> = ips.iter().map(|ip| IpNet::from(canonical(*ip))).collect();
    IpNet::aggregate(&nets)
}
