//! Named locations: loading every export shape (Graph list, bare array, single object,
//! PowerShell `AdditionalProperties`, Untitled Goose JSON Lines, simple CSV) and fast IP and
//! country lookup.
//! Must not know sign-ins: the rules in `evaluate/ip.rs` ask the questions.
//!
//! Submodules: `parse` (bytes → `NamedLocation`s), `index` (the interval index behind
//! `containing`), `cidr` (`minimal_cidrs`).

mod cidr;
mod index;
mod parse;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use crate::error::{Error, Result};

pub use cidr::minimal_cidrs;
pub(crate) use parse::{decode, looks_like_location, parse_item};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum LocationKind {
    #[default]
    Ip,
    Country,
    /// Global Secure Access compliant network: not evaluable offline.
    CompliantNetwork,
}

impl LocationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Ip => "ip",
            LocationKind::Country => "country",
            LocationKind::CompliantNetwork => "compliantNetwork",
        }
    }
}

/// `countryLookupMethod` of a country location.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum CountryLookup {
    /// `clientIpAddress` (the Graph default): the sign-in's IP-derived country decides.
    #[default]
    ClientIp,
    /// `authenticatorAppGps`: decided by the phone's GPS, which no log records.
    AuthenticatorGps,
    /// A value not known yet, kept verbatim; treated as not evaluable.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct NamedLocation {
    /// Graph object id; empty for locations from the hand-written CSV.
    pub id: String,
    pub name: String,
    pub kind: LocationKind,
    pub trusted: bool,
    /// As in the file, in file order, host bits cleared (`203.0.113.5/24` → `203.0.113.0/24`).
    pub ranges: Vec<IpNet>,
    /// ISO 3166 alpha-2, upper case.
    pub countries: Vec<String>,
    pub include_unknown_countries: bool,
    pub country_lookup: CountryLookup,
}

impl NamedLocation {
    /// Whether offline data (an IP, the log's IP-derived country) can decide membership.
    pub fn is_evaluable(&self) -> bool {
        match self.kind {
            LocationKind::Ip => true,
            LocationKind::Country => self.country_lookup == CountryLookup::ClientIp,
            LocationKind::CompliantNetwork => false,
        }
    }

    /// The most specific of this location's ranges that holds `ip`, if any.
    pub fn matching_range(&self, ip: IpAddr) -> Option<IpNet> {
        let ip = canonical(ip);
        self.ranges
            .iter()
            .filter(|r| match (r, ip) {
                (IpNet::V6(n), IpAddr::V4(a)) => mapped_v4(n).is_some_and(|m| m.contains(&a)),
                _ => r.contains(&ip),
            })
            .max_by_key(|r| r.prefix_len())
            .copied()
    }
}

/// All named locations of a run, in file order, with an interval index over their ranges.
///
/// Build it with [`NamedLocations::new`] or [`NamedLocations::load`]: the index is made
/// there, so `locations` must not be changed afterwards.
#[derive(Debug, Clone, Default)]
pub struct NamedLocations {
    pub locations: Vec<NamedLocation>,
    index: index::Index,
    /// What a `--locations` directory scan passed over, as report notes
    /// ("--locations: ignored PATH: reason").
    pub notes: Vec<String>,
}

impl NamedLocations {
    pub fn new(locations: Vec<NamedLocation>) -> NamedLocations {
        let index = index::Index::build(&locations);
        NamedLocations {
            locations,
            index,
            notes: Vec::new(),
        }
    }

    /// Reads each path (a file, or a directory searched recursively for `.json` and `.csv`
    /// files in sorted order). Locations keep file order. The same id in several files is
    /// kept once when the copies agree, and is an error when they do not.
    pub fn load(paths: &[PathBuf]) -> Result<NamedLocations> {
        let mut merged = Merged::default();
        let mut notes = Vec::new();
        let mut ignored = |path: &std::path::Path, reason: &str| {
            notes.push(format!("--locations: ignored {}: {reason}", path.display()));
        };
        for found in parse::collect_files(paths)? {
            match found {
                parse::Found::Ignored { path, reason } => ignored(&path, &reason),
                parse::Found::File { path, walked } => match parse::read_file(&path) {
                    Ok(l) => merged.add(l, &path.display().to_string())?,
                    // Unreadable in a scan (permissions): listed; a bad file stays an error.
                    Err(Error::Open { source, .. }) if walked => {
                        ignored(&path, &format!("cannot open: {source}"));
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        let mut out = NamedLocations::new(merged.locations);
        out.notes = notes;
        Ok(out)
    }

    /// Parses one file's content already in memory (fuzzing, embedding); `label` names it in
    /// errors. The same checks as [`NamedLocations::load`] on a single file.
    pub fn load_bytes(label: &str, bytes: &[u8]) -> Result<NamedLocations> {
        let locations = parse::parse_bytes(bytes).map_err(|reason| Error::Locations {
            path: label.to_string(),
            reason,
        })?;
        let mut merged = Merged::default();
        merged.add(locations, label)?;
        Ok(NamedLocations::new(merged.locations))
    }

    pub fn len(&self) -> usize {
        self.locations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }

    /// Indices (into `locations`, ascending) of the IP locations whose ranges hold `ip`.
    /// IPv4-mapped IPv6 addresses match IPv4 ranges. O(log n), no scan of the ranges.
    pub fn containing(&self, ip: IpAddr) -> Vec<usize> {
        self.index
            .lookup(canonical(ip))
            .0
            .iter()
            .map(|&i| i as usize)
            .collect()
    }

    /// Whether a trusted IP location holds `ip`. O(log n), allocation-free.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.index.lookup(canonical(ip)).1
    }

    /// Whether any IP location is marked trusted (IP fencing is in use at all).
    pub fn has_trusted_ip_location(&self) -> bool {
        self.locations
            .iter()
            .any(|l| l.kind == LocationKind::Ip && l.trusted && !l.ranges.is_empty())
    }

    /// Indices (ascending) of the country locations matching `country` (ISO alpha-2,
    /// case-insensitive). An empty or non alpha-2 value is an unknown country, matched by
    /// locations that include unknown countries. GPS-based locations never match: no log
    /// records the phone's position.
    pub fn containing_country(&self, country: &str) -> Vec<usize> {
        let c = country.trim();
        let known = c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic());
        self.locations
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.kind == LocationKind::Country
                    && l.country_lookup == CountryLookup::ClientIp
                    && if known {
                        l.countries.iter().any(|x| x.eq_ignore_ascii_case(c))
                    } else {
                        l.include_unknown_countries
                    }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// `containing(ip)` and `containing_country(country)` merged, ascending, no repeats.
    pub fn containing_all(&self, ip: Option<IpAddr>, country: &str) -> Vec<usize> {
        let mut all = ip.map(|ip| self.containing(ip)).unwrap_or_default();
        all.extend(self.containing_country(country));
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Locations from several files, each id once (see [`NamedLocations::load`]).
#[derive(Default)]
struct Merged {
    locations: Vec<NamedLocation>,
    /// Lower-cased id → (index, file it came from).
    seen: BTreeMap<String, (usize, String)>,
}

impl Merged {
    fn add(&mut self, from_file: Vec<NamedLocation>, file: &str) -> Result<()> {
        for loc in from_file {
            if !loc.id.is_empty() {
                let key = loc.id.to_ascii_lowercase();
                if let Some((i, first)) = self.seen.get(&key) {
                    if self.locations[*i] == loc {
                        continue;
                    }
                    return Err(Error::Locations {
                        path: file.to_string(),
                        reason: format!(
                            "location id {} ({:?}) is also in {first} with different content",
                            loc.id, loc.name
                        ),
                    });
                }
                self.seen
                    .insert(key, (self.locations.len(), file.to_string()));
            }
            self.locations.push(loc);
        }
        Ok(())
    }
}

/// The IPv4 range an IPv6 range in IPv4-mapped form (`::ffff:a.b.c.d/96..128`) stands for.
pub fn mapped_v4(n: &ipnet::Ipv6Net) -> Option<ipnet::Ipv4Net> {
    let a = n.network().to_ipv4_mapped()?;
    let len = n.prefix_len().checked_sub(96)?;
    ipnet::Ipv4Net::new(a, len).ok()
}

/// IPv4-mapped IPv6 addresses become their IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
