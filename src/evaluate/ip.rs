//! IP and named-location rules IP001, IP002, IP003 (DESIGN.md §2). Must not hold Conditional
//! Access control logic beyond naming the failed policy (that is `ca.rs`), nor read files.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{Context, Facts, Hit, Rule};
use crate::locations::{LocationKind, NamedLocations, canonical};
use crate::model::{AppliedPolicy, NetworkLocation, PolicyResult, SignIn, Status};

pub fn evaluate(s: &SignIn, facts: Facts, ctx: Context<'_>, ca_hits: &[Hit], out: &mut Vec<Hit>) {
    if let Some(locs) = ctx.locations {
        ip001(s, facts, ctx, locs, ca_hits, out);
        ip002(s, locs, out);
    }
    ip003(s, facts, ctx, ca_hits, out);
}

/// Whether the evidence says that a failed policy has a location condition that trusting
/// an IP would satisfy (an allow-list: "all locations except these").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationEvidence {
    /// The definition or the log's `conditionsSatisfied` flags name a location condition.
    Yes,
    /// The evidence shows none (or one that an IP fix cannot satisfy: a country allow-list,
    /// a block list of locations).
    No,
    /// The export cannot say (portal CSV, integer flags, v1.0 without condition detail).
    Unknown,
}

/// The location evidence for one failed policy (or for a CA failure with no policy named).
pub fn location_evidence(
    p: Option<&AppliedPolicy>,
    ctx: Context<'_>,
    locs: Option<&NamedLocations>,
) -> LocationEvidence {
    let Some(p) = p else {
        return LocationEvidence::Unknown;
    };
    if let Some(def) = ctx.policies.and_then(|ps| ps.get(&p.id)) {
        return if ip_allow_list(def, locs) {
            LocationEvidence::Yes
        } else {
            LocationEvidence::No
        };
    }
    let flags = p.conditions_satisfied.trim();
    if flags.is_empty() || flags.bytes().all(|b| b.is_ascii_digit()) {
        // Integer bit meanings are not published (DESIGN §2): say nothing from them.
        return LocationEvidence::Unknown;
    }
    if mentions_location(flags) {
        LocationEvidence::Yes
    } else {
        LocationEvidence::No
    }
}

fn mentions_location(flags: &str) -> bool {
    flags
        .split([',', ' '])
        .any(|f| f.trim().eq_ignore_ascii_case("location"))
}

/// A policy whose location condition is "everywhere except these locations", with at least
/// one of them an IP location (or `AllTrusted`, the MFA trusted IPs, or an id the locations
/// file does not have): adding a range to one of them can satisfy it.
pub fn ip_allow_list(def: &crate::policy::Policy, locs: Option<&NamedLocations>) -> bool {
    let Some(l) = &def.conditions.locations else {
        return false;
    };
    let include_all =
        l.include.is_empty() || l.include.iter().any(|i| i.eq_ignore_ascii_case("All"));
    if !include_all || l.exclude.is_empty() {
        return false;
    }
    l.exclude.iter().any(|id| {
        if id.eq_ignore_ascii_case("AllTrusted") || id.trim() == crate::policy::MFA_TRUSTED_IPS {
            return true;
        }
        match locs.and_then(|ls| ls.locations.iter().find(|n| n.id.eq_ignore_ascii_case(id))) {
            Some(n) => n.kind == LocationKind::Ip,
            None => true,
        }
    })
}

/// A CA failure from an IP that no trusted IP location holds, where the failing policy has
/// a location condition (or the export cannot say, and the failure is a block or an MFA
/// demand, which location conditions commonly narrow). Never for a risk, device or app
/// control: trusting an IP does not fix those, and for a risk block it would be unsafe.
fn ip001(
    s: &SignIn,
    facts: Facts,
    ctx: Context<'_>,
    locs: &NamedLocations,
    ca_hits: &[Hit],
    out: &mut Vec<Hit>,
) {
    if !facts.ca_failure {
        return;
    }
    let Some(ip) = s.ip_addr.map(canonical) else {
        return;
    };
    for h in ca_hits {
        if !matches!(
            h.rule,
            Rule::Ca001 | Rule::Ca002 | Rule::Ca003 | Rule::Ca004 | Rule::Ca005 | Rule::Ca006
        ) {
            continue;
        }
        let applied = failed_entry(s, h);
        let conditional = match location_evidence(applied, ctx, Some(locs)) {
            LocationEvidence::No => continue,
            LocationEvidence::Yes => false,
            // Without evidence, only where the unmet control is a block or MFA.
            LocationEvidence::Unknown if matches!(h.rule, Rule::Ca001 | Rule::Ca002) => true,
            LocationEvidence::Unknown => continue,
        };
        let def = definition(ctx, h);
        let inside = |ip: IpAddr| match def {
            Some(d) => in_excluded_location(d, locs, ip),
            None => locs.is_trusted(ip),
        };
        if inside(ip) {
            continue;
        }
        let mut ips = vec![ip];
        if let Some(r) = s.resource_ip_addr.map(canonical)
            && r != ip
            && !inside(r)
        {
            ips.push(r);
        }
        let mut detail = format!(
            "{ip} is in no trusted named location ({})",
            where_is(locs, ip)
        );
        if !locs.has_trusted_ip_location() {
            detail.push_str("; the locations file has no trusted IP location at all");
        }
        let mut hit = Hit::new(Rule::Ip001, h.policy.clone()).with_detail(detail);
        hit.ips = ips;
        hit.conditional = conditional;
        out.push(hit);
    }
}

/// The log's entry for the failed policy a CA hit names.
fn failed_entry<'a>(s: &'a SignIn, h: &Hit) -> Option<&'a AppliedPolicy> {
    let r = h.policy.as_ref()?;
    s.policies
        .iter()
        .find(|p| p.id == r.id && p.result == Some(PolicyResult::Failure))
}

/// The definition (from `--policies`) of the policy a hit names.
fn definition<'a>(ctx: Context<'a>, h: &Hit) -> Option<&'a crate::policy::Policy> {
    let r = h.policy.as_ref()?;
    ctx.policies?.get(&r.id)
}

/// Whether `ip` lies in one of the locations the policy excludes (so its location
/// condition did not match).
pub fn in_excluded_location(
    def: &crate::policy::Policy,
    locs: &NamedLocations,
    ip: IpAddr,
) -> bool {
    let Some(l) = &def.conditions.locations else {
        return false;
    };
    let holding = locs.containing(ip);
    l.exclude.iter().any(|id| {
        (id.eq_ignore_ascii_case("AllTrusted") && locs.is_trusted(ip))
            || holding
                .iter()
                .any(|&i| locs.locations[i].id.eq_ignore_ascii_case(id))
    })
}

/// "in: Branch office [untrusted], VPN egress [trusted]" or "in no named location".
fn where_is(locs: &NamedLocations, ip: IpAddr) -> String {
    let found = locs.containing(ip);
    if found.is_empty() {
        return "in no named location".into();
    }
    let parts: Vec<String> = found
        .iter()
        .map(|&i| {
            let l = &locs.locations[i];
            let t = if l.trusted { "trusted" } else { "untrusted" };
            format!("{} [{t}]", l.name)
        })
        .collect();
    format!("in: {}", parts.join(", "))
}

/// The named-location part of one side: names (lower case → as written) and which are trusted.
#[derive(Default)]
struct Side {
    names: BTreeMap<String, String>,
    trusted: BTreeMap<String, String>,
}

impl Side {
    fn add(&mut self, name: &str, trusted: bool) {
        let key = name.trim().to_lowercase();
        self.names.insert(key.clone(), name.trim().to_string());
        if trusted {
            self.trusted.insert(key, name.trim().to_string());
        }
    }

    fn describe(&self) -> String {
        if self.names.is_empty() {
            return "no named location".into();
        }
        // Bounded: an address can lie in thousands of overlapping locations, and this line is
        // repeated in the report.
        let mut parts: Vec<String> = self
            .names
            .iter()
            .take(DESCRIBED_NAMES)
            .map(|(k, n)| {
                if self.trusted.contains_key(k) {
                    format!("{n} [trusted]")
                } else {
                    n.clone()
                }
            })
            .collect();
        if self.names.len() > DESCRIBED_NAMES {
            parts.push(format!("and {} more", self.names.len() - DESCRIBED_NAMES));
        }
        parts.join(", ")
    }
}

/// How many location names one side of an IP002 evidence line names.
const DESCRIBED_NAMES: usize = 10;

/// The log's `networkLocationDetails` and the locations file disagree about the client IP.
fn ip002(s: &SignIn, locs: &NamedLocations, out: &mut Vec<Hit>) {
    let (Some(details), Some(ip)) = (&s.network_locations, s.ip_addr.map(canonical)) else {
        return;
    };
    // Only IP-range locations take part: the log never lists country or compliant-network
    // locations in `networkLocationDetails` (comparing them made every sign-in of a tenant
    // with a country location "drift").
    let holding = locs.containing(ip);
    let not_ip = |name: &str| {
        locs.locations
            .iter()
            .any(|l| l.name.trim().eq_ignore_ascii_case(name.trim()) && l.kind != LocationKind::Ip)
    };
    let file_says_trusted = locs.is_trusted(ip);
    if agree_ascii(locs, &holding, details, file_says_trusted, not_ip) {
        return;
    }
    if let Some(hit) = drift(locs, ip, &holding, details, file_says_trusted, not_ip) {
        out.push(hit);
    }
}

/// The IP002 hit for `ip` (in the IP locations `holding`) and the log's `details`, if the
/// two disagree: the full comparison, names lower-cased as Unicode says.
fn drift(
    locs: &NamedLocations,
    ip: IpAddr,
    holding: &[usize],
    details: &[NetworkLocation],
    file_says_trusted: bool,
    not_ip: impl Fn(&str) -> bool,
) -> Option<Hit> {
    let mut file = Side::default();
    for &i in holding {
        let l = &locs.locations[i];
        file.add(&l.name, l.trusted);
    }
    let mut log = Side::default();
    let mut log_says_trusted = false;
    for d in details {
        let trusted = d.network_type.eq_ignore_ascii_case("trustedNamedLocation");
        if !trusted && !d.network_type.eq_ignore_ascii_case("namedNetwork") {
            continue; // intranet, extranet, legacy MFA trusted IPs: nothing to compare.
        }
        let names: Vec<&String> = d
            .network_names
            .iter()
            .filter(|n| !n.trim().is_empty())
            .collect();
        // A trusted entry without names still says "trusted"; one naming only locations
        // the file cannot decide says nothing comparable.
        log_says_trusted |= trusted && names.is_empty();
        for name in names {
            if !not_ip(name) {
                log.add(name, trusted);
                log_says_trusted |= trusted;
            }
        }
    }
    let differ = log_says_trusted != file_says_trusted
        || log.names.keys().ne(file.names.keys())
        || log.trusted.keys().ne(file.trusted.keys());
    if !differ {
        return None;
    }
    let detail = format!(
        "{ip}: log says {}; locations file says {}",
        log.describe(),
        file.describe()
    );
    let mut hit = Hit::new(Rule::Ip002, None).with_detail(detail);
    hit.ips = vec![ip];
    // Locations the log puts this address in and the file does not: the file's copy of them
    // lacks a range the tenant has, so a full-list PATCH built from it would drop that range.
    hit.stale = log
        .names
        .iter()
        .filter(|(k, _)| !file.names.contains_key(*k))
        .map(|(_, n)| n.clone())
        .take(50)
        .collect();
    Some(hit)
}

/// The log's entries as [`ip002`] reads them: (name, trusted) for each named or trusted
/// location, and whether a trusted entry without a comparable name says "trusted".
fn log_entries(
    details: &[NetworkLocation],
    not_ip: impl Fn(&str) -> bool,
) -> (Vec<(&str, bool)>, bool) {
    let mut entries = Vec::new();
    let mut says_trusted = false;
    for d in details {
        let trusted = d.network_type.eq_ignore_ascii_case("trustedNamedLocation");
        if !trusted && !d.network_type.eq_ignore_ascii_case("namedNetwork") {
            continue;
        }
        let mut named = false;
        for name in d.network_names.iter().filter(|n| !n.trim().is_empty()) {
            named = true;
            if !not_ip(name) {
                entries.push((name.trim(), trusted));
                says_trusted |= trusted;
            }
        }
        says_trusted |= trusted && !named;
    }
    (entries, says_trusted)
}

/// Whether the log and the file surely agree, decided without building [`Side`]s (the
/// common case, once per sign-in): only for ASCII names, whose lower case is byte-wise;
/// `false` sends the record the full way, which decides everything again.
fn agree_ascii(
    locs: &NamedLocations,
    holding: &[usize],
    details: &[NetworkLocation],
    file_says_trusted: bool,
    not_ip: impl Fn(&str) -> bool,
) -> bool {
    let (log, log_says_trusted) = log_entries(details, not_ip);
    if log_says_trusted != file_says_trusted {
        return false;
    }
    let file: Vec<(&str, bool)> = holding
        .iter()
        .map(|&i| (locs.locations[i].name.trim(), locs.locations[i].trusted))
        .collect();
    if !log.iter().chain(&file).all(|(n, _)| n.is_ascii()) {
        return false;
    }
    fn keys<'a>(side: &[(&'a str, bool)], trusted_only: bool) -> Vec<&'a str> {
        let mut k: Vec<&str> = side
            .iter()
            .filter(|(_, t)| *t || !trusted_only)
            .map(|(n, _)| *n)
            .collect();
        k.sort_by(|a, b| ascii_lower_cmp(a, b));
        k.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        k
    }
    let same = |a: Vec<&str>, b: Vec<&str>| {
        a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    same(keys(&log, false), keys(&file, false)) && same(keys(&log, true), keys(&file, true))
}

fn ascii_lower_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// A failed sign-in whose client IP and the IP seen by the resource differ: names the
/// failing policy and, with a locations file, which of the two addresses lies outside the
/// trusted locations (those are the hit's `ips`, for the CIDR to add).
fn ip003(s: &SignIn, facts: Facts, ctx: Context<'_>, ca_hits: &[Hit], out: &mut Vec<Hit>) {
    if facts.status != Status::Failure {
        return;
    }
    let (Some(client), Some(resource)) =
        (s.ip_addr.map(canonical), s.resource_ip_addr.map(canonical))
    else {
        return;
    };
    if client == resource {
        return;
    }
    let family = |ip: IpAddr| if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    let mut detail = format!("client IP {client}, resource saw {resource}");
    if client.is_ipv4() != resource.is_ipv4() {
        detail.push_str(&format!(
            " ({} to the resource, {} client)",
            family(resource),
            family(client)
        ));
    }
    // The policy: the first failed one whose evidence does not rule a location out.
    let policy = ca_hits
        .iter()
        .filter(|h| h.policy.is_some() && h.rule != Rule::Ca008)
        .find(|h| location_evidence(failed_entry(s, h), ctx, ctx.locations) != LocationEvidence::No)
        .and_then(|h| h.policy.clone());
    let mut ips = vec![client, resource];
    if let Some(locs) = ctx.locations {
        let trust = |ip: IpAddr| {
            if locs.is_trusted(ip) {
                "trusted"
            } else {
                "in no trusted named location"
            }
        };
        detail.push_str(&format!(
            "; client IP {}, resource IP {}",
            trust(client),
            trust(resource)
        ));
        ips.retain(|ip| !locs.is_trusted(*ip));
    }
    let mut hit = Hit::new(Rule::Ip003, policy).with_detail(detail);
    hit.ips = ips;
    out.push(hit);
}

#[cfg(test)]
#[path = "ip_tests.rs"]
mod tests;
