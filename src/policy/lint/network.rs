//! Location references and named-location rules (POLICIES.md CP010 and §D.3: CP007,
//! CP030–CP035). Without any named locations (no `--locations`, none among the policy
//! files) these are skipped and a note says so; a report of no finding must not read as
//! "every reference resolves".

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;

use super::{Ctx, LintFinding, name, on_policy, tenant};
use super::{capped, scope};
use crate::evaluate::Severity;
use crate::locations::{CountryLookup, LocationKind, NamedLocation};
use crate::policy::model::{Policy, PolicyState};

/// The legacy "MFA trusted IPs" pseudo-location; never in a named-locations export.
pub(crate) const MFA_TRUSTED_IPS: &str = "00000000-0000-0000-0000-000000000000";
/// "All Compliant Network locations" (Global Secure Access), the same id in every tenant.
const COMPLIANT_NETWORK: &str = "3d46dbda-8382-466a-856d-eb00cbc6b910";
const MAX_RANGES: usize = 2000;
const MAX_LOCATIONS: usize = 195;
/// Overlapping pairs listed per location before "and N more".
const SHOW: usize = 5;

const SRC_DANGLING: &str = "DSC MSFT_AADConditionalAccessPolicy.psm1 (\"Couldn't find Location\"); EWI skips unknown location ids";
const SRC_IPV6: &str = "ED:location-condition.md (IPv6 enforced since 2023-04-03); ADO conditional-access-policies.md (IPv4 and IPv6 are compared)";
const SRC_LIMITS: &str = "ED:concept-assignment-network.md (masks greater than /8, 2000 ranges per location, 195 locations)";
const SRC_PRIVATE: &str = "ED:concept-assignment-network.md (CA sees the public egress address, never the private client address)";
const SRC_UNKNOWN: &str =
    "ED:concept-assignment-network.md (\"Include unknown countries/regions\")";
const SRC_UNTRUSTED: &str = "maester #2188, #2227 (MT.1011 passed untrusted exclusions); ED:location-condition.md (a location you exclude from MFA should be one you trust)";
const SRC_BROAD: &str = "ED:concept-assignment-network.md (cloud proxies and VPN egress pools make IP allow-lists unmanageable)";
/// CP035: trusted ranges at least this wide are broad.
const BROAD_V4: u8 = 16;
const BROAD_V6: u8 = 32;
const SRC_GPS: &str = "ED:concept-assignment-network.md (report-only GPS locations prompt users to share their location)";

fn special(id: &str) -> bool {
    let id = id.trim();
    ["All", "AllTrusted", MFA_TRUSTED_IPS, COMPLIANT_NETWORK]
        .iter()
        .any(|s| id.eq_ignore_ascii_case(s))
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<LintFinding>, notes: &mut Vec<String>) {
    let Some(locs) = ctx.locations.as_ref() else {
        let refs: usize = ctx
            .policies
            .iter()
            .map(|p| refs(p).filter(|(_, id)| !special(id)).count())
            .sum();
        let what = if refs == 0 {
            "the policies reference no named location".to_string()
        } else {
            format!(
                "{} to named locations in the policies could not be checked",
                crate::report::count(refs as u64, "reference", "references")
            )
        };
        notes.push(format!(
            "no named locations were given (--locations, or a named-locations file among --policies): CP010 and the location rules CP007, CP030-CP035 were skipped; {what}"
        ));
        return;
    };
    for p in &ctx.policies {
        cp010(ctx, p, locs.len(), out);
        cp033(ctx, p, out);
        cp034(ctx, p, out);
        cp007(ctx, p, out);
    }
    // Location id (lower case, or "alltrusted") → the live policies that exclude it.
    let mut excluded: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in ctx.policies.iter().filter(|p| scope::live(p)) {
        let Some(c) = p.conditions.locations.as_ref() else {
            continue;
        };
        let ids: BTreeSet<String> = c
            .exclude
            .iter()
            .map(|x| x.trim().to_ascii_lowercase())
            .collect();
        for id in ids {
            excluded.entry(id).or_default().push(p.label());
        }
    }
    for l in locs {
        cp030(&excluded, l, out);
        cp031(l, out);
        cp032(l, out);
        cp035(l, out);
    }
    if locs.len() > MAX_LOCATIONS {
        out.push(tenant(
            "CP031",
            Severity::Medium,
            "More named locations than a tenant may hold",
            format!(
                "{} named locations read, more than the tenant limit of {MAX_LOCATIONS}: the inputs may hold the same locations twice",
                locs.len()
            ),
            "Check that --locations and the policy folder hold one export of the tenant's named locations, not several.",
            SRC_LIMITS,
        ));
    }
}

/// `(list, id)` for every location id the policy names.
fn refs(p: &Policy) -> impl Iterator<Item = (&'static str, &str)> {
    p.conditions.locations.iter().flat_map(|l| {
        l.include
            .iter()
            .map(|i| ("includeLocations", i.as_str()))
            .chain(l.exclude.iter().map(|i| ("excludeLocations", i.as_str())))
    })
}

fn cp010(ctx: &Ctx<'_>, p: &Policy, known: usize, out: &mut Vec<LintFinding>) {
    let dangling: Vec<String> = refs(p)
        .filter(|(_, id)| !special(id) && ctx.location(id).is_none())
        .map(|(list, id)| format!("{list} {}", id.trim()))
        .collect();
    if dangling.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP010",
        Severity::High,
        "Location reference not in the named locations",
        format!(
            "{} not among the {known} named locations read: what the policy allows or blocks there cannot be reasoned about",
            capped(&dangling, ", ")
        ),
        format!(
            "Pass the named-locations export that holds these ids with --locations, or remove the references from {} if the locations were deleted.",
            name(p)
        ),
        SRC_DANGLING,
    ));
}

/// CP030: an IP location that lets sign-ins through (trusted, or excluded from a policy)
/// with IPv4 ranges only: IPv6 sign-ins from the same network fall outside it.
fn cp030(excluded: &BTreeMap<String, Vec<String>>, l: &NamedLocation, out: &mut Vec<LintFinding>) {
    if l.kind != LocationKind::Ip
        || l.ranges.is_empty()
        || l.ranges.iter().any(|r| matches!(r, IpNet::V6(_)))
    {
        return;
    }
    let key = l.id.trim().to_ascii_lowercase();
    let mut excluded_by: Vec<String> = if key.is_empty() {
        Vec::new() // a CSV location has no id a policy could name
    } else {
        excluded.get(&key).cloned().unwrap_or_default()
    };
    if l.trusted {
        excluded_by.extend(excluded.get("alltrusted").into_iter().flatten().cloned());
    }
    excluded_by.sort();
    excluded_by.dedup();
    if !l.trusted && excluded_by.is_empty() {
        return;
    }
    let why = match (l.trusted, excluded_by.is_empty()) {
        (true, true) => "trusted".to_string(),
        (true, false) => format!("trusted and excluded from {}", capped(&excluded_by, ", ")),
        (false, _) => format!("excluded from {}", capped(&excluded_by, ", ")),
    };
    out.push(tenant(
        "CP030",
        Severity::Medium,
        "Trusted or excluded IP location without IPv6",
        format!(
            "named location '{}' ({}) is {why} and holds {} and no IPv6 range: sign-ins over IPv6 from the same network are outside it",
            l.name,
            l.id,
            crate::report::count(l.ranges.len() as u64, "IPv4 range", "IPv4 ranges")
        ),
        format!(
            "Add the network's IPv6 prefixes (the /48 or /56 of the site, a /64 at least) to the named location '{}'.",
            l.name
        ),
        SRC_IPV6,
    ));
}

/// `(v6, first, last)` of a range, for ordering and overlap tests.
fn span(n: &IpNet) -> (bool, u128, u128) {
    match n {
        IpNet::V4(v) => (
            false,
            u128::from(u32::from(v.network())),
            u128::from(u32::from(v.broadcast())),
        ),
        IpNet::V6(v) => (true, u128::from(v.network()), u128::from(v.broadcast())),
    }
}

/// CP031: prefixes Entra rejects, duplicates and overlaps, too many ranges. Host bits
/// cannot be checked here: the locations loader clears them when it reads a range.
fn cp031(l: &NamedLocation, out: &mut Vec<LintFinding>) {
    let mut problems = Vec::new();
    let wide: Vec<String> = l
        .ranges
        .iter()
        .filter(|r| r.prefix_len() <= 8)
        .map(ToString::to_string)
        .collect();
    if !wide.is_empty() {
        problems.push(format!("masks of /8 or shorter: {}", capped(&wide, ", ")));
    }
    let mut sorted: Vec<(bool, u128, u128, &IpNet)> = l
        .ranges
        .iter()
        .map(|r| {
            let (v6, a, b) = span(r);
            (v6, a, b, r)
        })
        .collect();
    sorted.sort_by(|x, y| {
        (x.0, x.1, std::cmp::Reverse(x.2)).cmp(&(y.0, y.1, std::cmp::Reverse(y.2)))
    });
    let mut pairs = Vec::new();
    let mut widest: Option<(bool, u128, &IpNet)> = None;
    for &(v6, a, b, r) in &sorted {
        if let Some((wv6, end, w)) = widest
            && wv6 == v6
            && a <= end
        {
            pairs.push(if w == r {
                format!("{r} twice")
            } else {
                format!("{r} inside {w}")
            });
            if b > end {
                widest = Some((v6, b, r));
            }
            continue;
        }
        widest = Some((v6, b, r));
    }
    if !pairs.is_empty() {
        let more = pairs.len().saturating_sub(SHOW);
        let mut text = pairs
            .iter()
            .take(SHOW)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        problems.push(format!("duplicate or overlapping ranges: {text}"));
    }
    if l.ranges.len() > MAX_RANGES {
        problems.push(format!(
            "{} ranges, more than the {MAX_RANGES} a location may hold",
            l.ranges.len()
        ));
    }
    if problems.is_empty() {
        return;
    }
    out.push(tenant(
        "CP031",
        Severity::Medium,
        "Invalid IP ranges in a named location",
        format!("named location '{}' ({}): {}", l.name, l.id, capped(&problems, "; ")),
        format!(
            "Edit the named location '{}': use masks longer than /8, remove the duplicate and nested ranges, and keep it under {MAX_RANGES} ranges.",
            l.name
        ),
        SRC_LIMITS,
    ));
}

fn private(r: &IpNet) -> Option<&'static str> {
    const BLOCKS: [(&str, &str); 9] = [
        ("10.0.0.0/8", "RFC 1918"),
        ("172.16.0.0/12", "RFC 1918"),
        ("192.168.0.0/16", "RFC 1918"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("100.64.0.0/10", "CGNAT"),
        ("fc00::/7", "unique local"),
        ("::1/128", "loopback"),
        ("fe80::/10", "link-local"),
    ];
    BLOCKS.iter().find_map(|(b, what)| {
        let b: IpNet = b.parse().ok()?;
        let first: IpAddr = r.network();
        (b.contains(&first) && b.prefix_len() <= r.prefix_len()).then_some(*what)
    })
}

/// CP032: private, loopback, link-local or CGNAT ranges never match: CA sees the public
/// egress address.
fn cp032(l: &NamedLocation, out: &mut Vec<LintFinding>) {
    let hits: Vec<String> = l
        .ranges
        .iter()
        .filter_map(|r| private(r).map(|w| format!("{r} ({w})")))
        .collect();
    if hits.is_empty() {
        return;
    }
    out.push(tenant(
        "CP032",
        Severity::Medium,
        "Private address range in a named location",
        format!(
            "named location '{}' ({}) holds {}: Conditional Access sees the public egress address, so these never match",
            l.name,
            l.id,
            capped(&hits, ", ")
        ),
        format!(
            "Replace the private ranges in the named location '{}' with the public egress addresses of the network (its NAT or proxy addresses).",
            l.name
        ),
        SRC_PRIVATE,
    ));
}

/// CP033: unknown countries in the allow list of a block policy (they bypass the block), or
/// missing from its block list (they are not blocked).
fn cp033(ctx: &Ctx<'_>, p: &Policy, out: &mut Vec<LintFinding>) {
    if !scope::live(p) || !p.blocks() {
        return;
    }
    let Some(lc) = p.conditions.locations.as_ref() else {
        return;
    };
    let country = |id: &String| ctx.location(id).filter(|l| l.kind == LocationKind::Country);
    let mut found = Vec::new();
    for l in lc.exclude.iter().filter_map(country) {
        if l.include_unknown_countries {
            found.push(format!(
                "the allowed (excluded) country location '{}' ({}) includes unknown countries, so addresses that map to no country bypass the block",
                l.name, l.id
            ));
        }
    }
    for l in lc.include.iter().filter_map(country) {
        if !l.include_unknown_countries {
            found.push(format!(
                "the blocked (included) country location '{}' ({}) does not include unknown countries, so addresses that map to no country are not blocked",
                l.name, l.id
            ));
        }
    }
    if found.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP033",
        Severity::Medium,
        "Unknown countries handled the wrong way",
        capped(&found, "; "),
        format!(
            "Untick \"Include unknown countries/regions\" in the country locations that {} excludes, and tick it in those it includes.",
            name(p)
        ),
        SRC_UNKNOWN,
    ));
}

/// CP007: a report-only policy on a GPS-based country location prompts users hourly.
fn cp007(ctx: &Ctx<'_>, p: &Policy, out: &mut Vec<LintFinding>) {
    if p.state != PolicyState::ReportOnly {
        return;
    }
    let gps: Vec<String> = refs(p)
        .filter_map(|(_, id)| ctx.location(id))
        .filter(|l| {
            l.kind == LocationKind::Country && l.country_lookup == CountryLookup::AuthenticatorGps
        })
        .map(|l| format!("'{}' ({})", l.name, l.id))
        .collect();
    if gps.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP007",
        Severity::Low,
        "Report-only policy on a GPS location prompts users",
        format!(
            "report-only, and uses the GPS-based country locations {}: users are asked to share their location although nothing is enforced",
            capped(&gps, ", ")
        ),
        format!(
            "Turn {} on or off once its report-only results are read; while report-only, it keeps prompting for GPS.",
            name(p)
        ),
        SRC_GPS,
    ));
}

/// CP034: an MFA (or authentication strength, or security-info registration) policy that
/// skips MFA in a location that is not trusted: an untrusted IP location or a country.
fn cp034(ctx: &Ctx<'_>, p: &Policy, out: &mut Vec<LintFinding>) {
    let mfa = p
        .grant
        .as_ref()
        .is_some_and(|g| g.has("mfa") || g.authentication_strength.is_some());
    if !scope::live(p) || !mfa {
        return;
    }
    let Some(lc) = p.conditions.locations.as_ref() else {
        return;
    };
    if !(lc.include.is_empty() || scope::has(&lc.include, "All")) {
        return;
    }
    let untrusted: Vec<String> = lc
        .exclude
        .iter()
        .filter_map(|id| ctx.location(id))
        .filter(|l| match l.kind {
            LocationKind::Ip => !l.trusted,
            LocationKind::Country => true,
            LocationKind::CompliantNetwork => false,
        })
        .map(|l| {
            format!(
                "'{}' ({}, {})",
                l.name,
                l.id,
                if l.kind == LocationKind::Country {
                    "a country location"
                } else {
                    "not trusted"
                }
            )
        })
        .collect();
    if untrusted.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP034",
        Severity::Low,
        "MFA skipped in an untrusted location",
        format!(
            "requires MFA everywhere except {}: sign-ins from there skip MFA although the location is not marked trusted",
            capped(&untrusted, ", ")
        ),
        format!(
            "Exclude only trusted locations from {} (mark the IP location trusted if it is the corporate network), or remove the exclusion.",
            name(p)
        ),
        SRC_UNTRUSTED,
    ));
}

/// CP035: a trusted IP location with very wide ranges trusts far more than one network.
fn cp035(l: &NamedLocation, out: &mut Vec<LintFinding>) {
    if l.kind != LocationKind::Ip || !l.trusted {
        return;
    }
    let broad: Vec<String> = l
        .ranges
        .iter()
        .filter(|r| match r {
            IpNet::V4(v) => v.prefix_len() <= BROAD_V4 && v.prefix_len() > 8,
            IpNet::V6(v) => v.prefix_len() <= BROAD_V6 && v.prefix_len() > 8,
        })
        .map(ToString::to_string)
        .collect();
    if broad.is_empty() {
        return;
    }
    out.push(tenant(
        "CP035",
        Severity::Low,
        "Very wide range in a trusted location",
        format!(
            "trusted named location '{}' ({}) holds {}: wider than one site's egress (IPv4 /{BROAD_V4} or IPv6 /{BROAD_V6} and wider), often a cloud or VPN provider's pool",
            l.name,
            l.id,
            capped(&broad, ", ")
        ),
        format!(
            "Narrow the ranges of the trusted named location '{}' to the organisation's own egress addresses.",
            l.name
        ),
        SRC_BROAD,
    ));
}
