//! IP and named-location rules IP001, IP002, IP003 (DESIGN.md §2). Must not hold Conditional
//! Access control logic beyond naming the failed policy (that is `ca.rs`), nor read files.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{Context, Facts, Hit, PolicyRef, Rule};
use crate::knowledge::{self, Control};
use crate::locations::{LocationKind, NamedLocations, canonical};
use crate::model::{AppliedPolicy, PolicyResult, SignIn, Status};

pub fn evaluate(s: &SignIn, facts: Facts, ctx: Context<'_>, out: &mut Vec<Hit>) {
    if let Some(locs) = ctx.locations {
        ip001(s, facts, locs, out);
        ip002(s, locs, out);
    }
    ip003(s, facts, ctx.locations, out);
}

/// A CA failure from an IP that no trusted IP location holds.
fn ip001(s: &SignIn, facts: Facts, locs: &NamedLocations, out: &mut Vec<Hit>) {
    if !facts.ca_failure {
        return;
    }
    let Some(ip) = s.ip_addr.map(canonical) else {
        return;
    };
    if locs.is_trusted(ip) {
        return;
    }
    let mut ips = vec![ip];
    if let Some(r) = s.resource_ip_addr.map(canonical)
        && r != ip
        && !locs.is_trusted(r)
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
    let mut hit = Hit::new(Rule::Ip001, responsible_policy(s)).with_detail(detail);
    hit.ips = ips;
    out.push(hit);
}

/// The failed policy most likely behind an IP block: one whose satisfied conditions mention
/// the location, else one that blocks, else the first failed one.
fn responsible_policy(s: &SignIn) -> Option<PolicyRef> {
    let failed: Vec<&AppliedPolicy> = s
        .policies
        .iter()
        .filter(|p| p.result == Some(PolicyResult::Failure))
        .collect();
    let by_location = failed.iter().find(|p| {
        p.conditions_satisfied
            .to_ascii_lowercase()
            .contains("location")
    });
    let by_block = || {
        failed.iter().find(|p| {
            p.grant_controls
                .iter()
                .any(|t| knowledge::control(t) == Control::Block)
        })
    };
    by_location
        .or_else(by_block)
        .or(failed.first())
        .map(|p| PolicyRef {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
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
        let parts: Vec<String> = self
            .names
            .iter()
            .map(|(k, n)| {
                if self.trusted.contains_key(k) {
                    format!("{n} [trusted]")
                } else {
                    n.clone()
                }
            })
            .collect();
        parts.join(", ")
    }
}

/// The log's `networkLocationDetails` and the locations file disagree about the client IP.
fn ip002(s: &SignIn, locs: &NamedLocations, out: &mut Vec<Hit>) {
    let (Some(details), Some(ip)) = (&s.network_locations, s.ip_addr.map(canonical)) else {
        return;
    };
    let country = s.location.country.trim();
    // An empty country means the export did not carry it, not "unknown country".
    let file_idx = if country.is_empty() {
        locs.containing(ip)
    } else {
        locs.containing_all(Some(ip), country)
    };
    let mut file = Side::default();
    for &i in &file_idx {
        let l = &locs.locations[i];
        file.add(&l.name, l.kind == LocationKind::Ip && l.trusted);
    }
    // Names the file cannot decide offline (compliant networks, GPS countries, countries
    // when the export has no country) are left out of the log's side.
    let undecidable = |name: &str| {
        locs.locations.iter().any(|l| {
            l.name.trim().eq_ignore_ascii_case(name.trim())
                && (!l.is_evaluable() || (l.kind == LocationKind::Country && country.is_empty()))
        })
    };
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
            if !undecidable(name) {
                log.add(name, trusted);
                log_says_trusted |= trusted;
            }
        }
    }
    let file_says_trusted = locs.is_trusted(ip);
    let differ = log_says_trusted != file_says_trusted
        || log.names.keys().ne(file.names.keys())
        || log.trusted.keys().ne(file.trusted.keys());
    if !differ {
        return;
    }
    let detail = format!(
        "{ip}: log says {}; locations file says {}",
        log.describe(),
        file.describe()
    );
    let mut hit = Hit::new(Rule::Ip002, None).with_detail(detail);
    hit.ips = vec![ip];
    out.push(hit);
}

/// A failed sign-in whose client IP and the IP the resource saw differ.
fn ip003(s: &SignIn, facts: Facts, locs: Option<&NamedLocations>, out: &mut Vec<Hit>) {
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
    if let Some(locs) = locs {
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
    }
    let mut hit = Hit::new(Rule::Ip003, None).with_detail(detail);
    hit.ips = vec![client, resource];
    out.push(hit);
}

#[cfg(test)]
#[path = "ip_tests.rs"]
mod tests;
