//! Network location (POLICIES.md §A.8, §A.12, §B.5 "Locations"): the sign-in's IP (IPv4,
//! IPv6, IPv4-mapped IPv6) and IP-derived country against named locations, `All`,
//! `AllTrusted`, the MFA trusted IPs and the compliant network; what no export can decide
//! (GPS, compliant network, MFA trusted IPs, ids missing from the export) is unknown.

use std::net::IpAddr;

use super::{Hit, LogEvidence, any_of, has, include_exclude, list, result};
use crate::locations::{CountryLookup, LocationKind, NamedLocation, NamedLocations, canonical};
use crate::policy::{Condition, ConditionResult, Policy, Subject};

/// "Multifactor authentication trusted IPs" (legacy per-user MFA setting, IPv4 only).
pub const MFA_TRUSTED_IPS: &str = "00000000-0000-0000-0000-000000000000";
/// "All Compliant Network locations" (Global Secure Access), the same in every tenant.
pub const COMPLIANT_NETWORK: &str = "3d46dbda-8382-466a-856d-eb00cbc6b910";

const LOCATION: &[&str] = &["location", "locations"];

pub(super) fn evaluate(
    p: &Policy,
    s: &Subject,
    locs: &NamedLocations,
    log: Option<&LogEvidence>,
    out: &mut Vec<ConditionResult>,
) {
    let Some(l) = &p.conditions.locations else {
        return;
    };
    if l.include.is_empty() && l.exclude.is_empty() {
        return;
    }
    let named = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|x| !has(&["All".to_string(), "AllTrusted".to_string()], x))
            .cloned()
            .collect()
    };
    let from_log = |exclude: bool, ids: &[String]| -> Option<Hit> {
        let log = log?;
        let (holds, key, kind): (&dyn Fn(&str) -> bool, _, _) = if exclude {
            (
                &|r| log.excludes(LOCATION, r),
                "excludeLocations",
                "excludeRulesSatisfied",
            )
        } else {
            (
                &|r| log.includes(LOCATION, r),
                "includeLocations",
                "includeRulesSatisfied",
            )
        };
        if has(ids, "All") && holds("allLocations") {
            return Some(Hit::Yes(format!(
                "{key} All (log: {kind} location/allLocations)"
            )));
        }
        for rule in ["allTrustedLocations", "insideCorpnet"] {
            if has(ids, "AllTrusted") && holds(rule) {
                return Some(Hit::Yes(format!(
                    "the sign-in came from a trusted location, which {key} AllTrusted covers (log: {kind} location/{rule})"
                )));
            }
        }
        let ids = named(ids);
        if !ids.is_empty() && holds("locationId") {
            return Some(Hit::Yes(format!(
                "the sign-in came from one of {key} {} (log: {kind} location/locationId)",
                list(&ids)
            )));
        }
        None
    };
    let include = if l.include.is_empty() {
        Hit::Yes("no includeLocations: every location".to_string())
    } else {
        from_log(false, &l.include).unwrap_or_else(|| {
            any_of(
                l.include
                    .iter()
                    .map(|id| member(id, s, locs, false))
                    .collect(),
            )
        })
    };
    let exclude = from_log(true, &l.exclude).unwrap_or_else(|| {
        any_of(
            l.exclude
                .iter()
                .map(|id| member(id, s, locs, true))
                .collect(),
        )
    });
    out.push(result(
        Condition::Location,
        include_exclude(include, exclude),
    ));
}

fn find<'a>(locs: &'a NamedLocations, id: &str) -> Option<(usize, &'a NamedLocation)> {
    locs.locations
        .iter()
        .enumerate()
        .find(|(_, l)| !l.id.is_empty() && l.id.trim().eq_ignore_ascii_case(id))
}

fn name(l: &NamedLocation, id: &str) -> String {
    if l.name.trim().is_empty() {
        format!("location {id}")
    } else {
        format!("'{}' ({id})", l.name.trim())
    }
}

/// Whether the sign-in is in one location id of an include (`excluded` false) or exclude list.
fn member(id: &str, s: &Subject, locs: &NamedLocations, excluded: bool) -> Hit {
    let id = id.trim();
    let key = if excluded {
        "excludeLocations"
    } else {
        "includeLocations"
    };
    let word = if excluded {
        "excluded location"
    } else {
        "location"
    };
    if id.eq_ignore_ascii_case("All") {
        return Hit::Yes(format!("{key} All (every IPv4 and IPv6 address)"));
    }
    if id.eq_ignore_ascii_case("AllTrusted") {
        return trusted(s, locs, key);
    }
    let Some((index, loc)) = find(locs, id) else {
        return if id.eq_ignore_ascii_case(MFA_TRUSTED_IPS) {
            mfa_trusted(s, key)
        } else if id.eq_ignore_ascii_case(COMPLIANT_NETWORK) {
            Hit::Unknown(format!(
                "{key} lists the compliant network ({id}, Global Secure Access), which cannot be evaluated offline"
            ))
        } else {
            Hit::Unknown(format!(
                "location {id} is not in the named-locations export"
            ))
        };
    };
    let label = name(loc, id);
    match loc.kind {
        LocationKind::CompliantNetwork => Hit::Unknown(format!(
            "{label} is a Global Secure Access compliant network, which cannot be evaluated offline"
        )),
        LocationKind::Ip => match s.ip {
            None => Hit::Unknown(format!(
                "the sign-in's IP address is not known ({key} lists IP location {label})"
            )),
            Some(ip) if locs.containing(ip).contains(&index) => {
                let via = loc
                    .matching_range(ip)
                    .map(|r| format!(" via {r}"))
                    .unwrap_or_default();
                Hit::Yes(format!("{ip} is in {word} {label}{via}"))
            }
            Some(ip) => Hit::No(format!("{ip} is not in {word} {label}")),
        },
        LocationKind::Country => match &loc.country_lookup {
            CountryLookup::AuthenticatorGps => Hit::Unknown(format!(
                "{label} is decided by the Authenticator app's GPS, which no log records"
            )),
            CountryLookup::Unknown(m) => Hit::Unknown(format!(
                "{label} uses country lookup '{m}', which casift does not know"
            )),
            CountryLookup::ClientIp => match s.country.as_deref() {
                None => Hit::Unknown(format!(
                    "the sign-in's country is not known ({key} lists country location {label}; no GeoIP offline)"
                )),
                Some(c) => {
                    let known = {
                        let t = c.trim();
                        t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic())
                    };
                    let shown = if known {
                        format!("country {}", c.trim().to_ascii_uppercase())
                    } else {
                        "the sign-in's unknown country/region".to_string()
                    };
                    if locs.containing_country(c).contains(&index) {
                        let how = if known {
                            ""
                        } else {
                            " (it includes unknown countries/regions)"
                        };
                        Hit::Yes(format!("{shown} is in {word} {label}{how}"))
                    } else if known {
                        Hit::No(format!("{shown} is not in {word} {label}"))
                    } else {
                        Hit::No(format!(
                            "{shown} is not in {word} {label} (it does not include unknown countries/regions)"
                        ))
                    }
                }
            },
        },
    }
}

/// `AllTrusted`: trusted IP named locations, plus the MFA trusted IPs (which no export
/// holds unless the locations input carries id 00000000-…; IPv4 only).
fn trusted(s: &Subject, locs: &NamedLocations, key: &str) -> Hit {
    let Some(ip) = s.ip else {
        return Hit::Unknown(format!(
            "the sign-in's IP address is not known ({key} AllTrusted)"
        ));
    };
    for i in locs.containing(ip) {
        if let Some(l) = locs.locations.get(i).filter(|l| l.trusted) {
            let via = l
                .matching_range(ip)
                .map(|r| format!(" via {r}"))
                .unwrap_or_default();
            return Hit::Yes(format!(
                "{ip} is in trusted location {}{via} ({key} AllTrusted)",
                name(l, &l.id)
            ));
        }
    }
    // A locations input may carry the MFA trusted IPs as a location with their id.
    let mfa = if find(locs, MFA_TRUSTED_IPS).is_some() {
        member(MFA_TRUSTED_IPS, s, locs, false)
    } else {
        mfa_trusted(s, key)
    };
    match mfa {
        Hit::No(_) => Hit::No(format!("{ip} is in no trusted location ({key} AllTrusted)")),
        Hit::Unknown(_) => Hit::Unknown(format!(
            "{ip} is in no trusted named location, but {key} AllTrusted also covers the MFA trusted IPs (per-user MFA service settings), which no export holds"
        )),
        yes => yes,
    }
}

fn mfa_trusted(s: &Subject, key: &str) -> Hit {
    let Some(ip) = s.ip else {
        return Hit::Unknown(format!(
            "the sign-in's IP address is not known ({key} lists the MFA trusted IPs)"
        ));
    };
    if matches!(canonical(ip), IpAddr::V6(_)) {
        return Hit::No(format!("{ip} is IPv6; the MFA trusted IPs are IPv4 only"));
    }
    Hit::Unknown(format!(
        "whether {ip} is one of the MFA trusted IPs ({MFA_TRUSTED_IPS}, a per-user MFA service setting) is not in any export"
    ))
}
