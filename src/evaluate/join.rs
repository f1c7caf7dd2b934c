//! The join of the sign-in log with the tenant's policies (`--policies`, DESIGN.md §7): a
//! log record as the policy engine sees it (`subject_of`, `evidence_of`), and for a finding
//! whose failing policy the export defines, the structured change (`fix_for`) with the
//! Microsoft Graph request an administrator would send (never sent by casift).

use ipnet::IpNet;
use serde_json::{Value, json};

use super::Rule;
use super::suggest::Suggestion;
use crate::analysis::FindingAcc;
use crate::locations::{LocationKind, NamedLocation, NamedLocations, canonical};
use crate::model::{EventType, SignIn};
use crate::policy::fix::{Fix, FixAction, FixTarget, GraphRequest, TargetKind};
use crate::policy::{DeviceFacts, LogEvidence, Policy, PrincipalKind, Subject};

/// A log record as evaluation sees it. What the log does not carry stays unknown (group
/// and role membership; the authentication flow of a record without `authenticationProtocol`),
/// so evaluation answers `unknown` there.
pub fn subject_of(s: &SignIn) -> Subject {
    let kind = match s.event_type {
        EventType::ServicePrincipal => PrincipalKind::ServicePrincipal,
        EventType::ManagedIdentity => PrincipalKind::ManagedIdentity,
        _ => PrincipalKind::User,
    };
    let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let guest = match s.user_type.trim().to_ascii_lowercase().as_str() {
        "guest" => Some(true),
        "member" => Some(false),
        _ => None,
    };
    // The audiences Conditional Access evaluated beat `resourceId` (POLICIES.md §B.10): a
    // token for one resource can be evaluated for another (resource mapping).
    let audiences: Vec<String> = s.audiences.iter().filter_map(|a| some(a)).collect();
    let resources = if audiences.is_empty() {
        some(&s.resource_id)
            .or_else(|| some(&s.app_id))
            .into_iter()
            .collect()
    } else {
        audiences
    };
    // A transfer (device code, authentication transfer) the sign-in came from counts first;
    // otherwise the protocol: deviceCode and authenticationTransfer are flows, the other
    // known protocols transfer nothing, and an unknown value goes on as written so the
    // evaluation can say it does not know it.
    let auth_flow = {
        let transfer = s.original_transfer_method.trim();
        let protocol = s.authentication_protocol.trim();
        if transfer.eq_ignore_ascii_case("deviceCodeFlow") {
            Some("deviceCodeFlow".to_string())
        } else if transfer.eq_ignore_ascii_case("authenticationTransfer") {
            Some("authenticationTransfer".to_string())
        } else {
            match protocol.to_ascii_lowercase().as_str() {
                "" => None,
                "devicecode" | "devicecodeflow" => Some("deviceCodeFlow".to_string()),
                "authenticationtransfer" => Some("authenticationTransfer".to_string()),
                "none" | "oauth2" | "ropc" | "wsfederation" | "saml20" | "nativeauth" => {
                    Some("none".to_string())
                }
                _ => Some(protocol.to_string()),
            }
        }
    };
    Subject {
        kind,
        user_id: s.user_id.clone(),
        user_principal_name: s.user_principal_name.clone(),
        service_principal_id: s.service_principal_id.clone(),
        guest,
        guest_type: None,
        groups: None,
        roles: None,
        resources,
        resource_names: some(&s.resource_display_name).into_iter().collect(),
        user_action: None,
        auth_contexts: Vec::new(),
        ip: s.ip_addr.map(canonical),
        country: some(&s.location.country),
        platform: platform_of(&s.device.operating_system),
        client_app_type: client_app_type_of(&s.client_app_used),
        interactive: s.is_interactive(),
        device: DeviceFacts {
            // A record with per-policy detail carries deviceDetail: an empty id there means
            // an unregistered device; without detail nothing is known.
            device_id: s.has_policy_detail.then(|| s.device.device_id.clone()),
            is_compliant: s.device.is_compliant,
            trust_type: some(&s.device.trust_type),
            operating_system: some(&s.device.operating_system),
            display_name: some(&s.device.display_name),
        },
        sign_in_risk: some(&s.risk_level_during_sign_in),
        user_risk: some(&s.risk_level_aggregated),
        service_principal_risk: None,
        insider_risk: None,
        auth_flow,
    }
}

/// `deviceDetail.operatingSystem` (free text) as a Conditional Access platform.
pub fn platform_of(os: &str) -> Option<String> {
    let t = os.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    let p = if t.starts_with("windows phone") || t.starts_with("windowsphone") {
        "windowsPhone"
    } else if t.starts_with("windows") {
        "windows"
    } else if t.starts_with("ios") || t.starts_with("ipados") || t.starts_with("iphone") {
        "iOS"
    } else if t.starts_with("android") {
        "android"
    } else if t.starts_with("mac") || t.starts_with("os x") {
        "macOS"
    } else if t.starts_with("linux") || t.starts_with("ubuntu") {
        "linux"
    } else {
        return Some(os.trim().to_string());
    };
    Some(p.to_string())
}

/// `clientAppUsed` as a `clientAppTypes` value.
pub fn client_app_type_of(client_app_used: &str) -> Option<String> {
    let t = client_app_used.trim().to_ascii_lowercase();
    let v = if t.is_empty() {
        return None;
    } else if t == "browser" {
        "browser"
    } else if t.starts_with("mobile apps and desktop clients") {
        "mobileAppsAndDesktopClients"
    } else if t == "exchange activesync" {
        "exchangeActiveSync"
    } else if crate::knowledge::is_legacy_client(client_app_used) {
        "other"
    } else {
        return None;
    };
    Some(v.to_string())
}

/// The record's own per-policy result and the include / exclude rules it says matched
/// (`includeRulesSatisfied`, `excludeRulesSatisfied`), as evidence for the evaluation.
pub fn evidence_of(s: &SignIn, policy_id: &str) -> Option<LogEvidence> {
    s.policies
        .iter()
        .find(|p| p.id.trim().eq_ignore_ascii_case(policy_id.trim()))
        .map(|p| LogEvidence {
            result: p.result.clone(),
            include_rules: p.include_rules_satisfied.clone(),
            exclude_rules: p.exclude_rules_satisfied.clone(),
            satisfied: if p.conditions_satisfied.bytes().all(|b| b.is_ascii_digit()) {
                Vec::new()
            } else {
                p.conditions_satisfied
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect()
            },
        })
}

/// The IP location a range should go into for `def`: an IP location it excludes, else (with
/// `AllTrusted` excluded) the first trusted IP location.
pub fn allow_location<'a>(def: &Policy, locs: &'a NamedLocations) -> Option<&'a NamedLocation> {
    let l = def.conditions.locations.as_ref()?;
    let find = |id: &str| {
        locs.locations
            .iter()
            .find(|n| n.id.eq_ignore_ascii_case(id.trim()) && n.kind == LocationKind::Ip)
    };
    l.exclude.iter().find_map(|id| find(id)).or_else(|| {
        l.exclude
            .iter()
            .any(|e| e.eq_ignore_ascii_case("AllTrusted"))
            .then(|| {
                locs.locations
                    .iter()
                    .find(|n| n.kind == LocationKind::Ip && n.trusted)
            })
            .flatten()
    })
}

fn range_json(n: &IpNet) -> Value {
    let t = match n {
        IpNet::V4(_) => "#microsoft.graph.iPv4CidrRange",
        IpNet::V6(_) => "#microsoft.graph.iPv6CidrRange",
    };
    json!({"@odata.type": t, "cidrAddress": n.to_string()})
}

/// The structured change for a finding whose failing policy `def` the export defines.
pub fn fix_for(
    f: &FindingAcc,
    sugg: &Suggestion,
    def: &Policy,
    locs: Option<&NamedLocations>,
) -> Option<Fix> {
    let policy_target = || FixTarget {
        kind: TargetKind::Policy,
        id: def.id.clone(),
        display_name: def.display_name.clone(),
    };
    match f.rule {
        Rule::Ip001 | Rule::Ip003 if !sugg.cidrs.is_empty() => {
            let Some(loc) = locs.and_then(|l| allow_location(def, l)) else {
                return Some(Fix {
                    action: FixAction::Review,
                    target: Some(policy_target()),
                    values: sugg.texts(),
                    graph_request: None,
                });
            };
            let new: Vec<IpNet> = sugg
                .cidrs
                .iter()
                .filter(|c| !loc.ranges.iter().any(|r| r.contains(*c)))
                .copied()
                .collect();
            let all: Vec<Value> = loc
                .ranges
                .iter()
                .chain(new.iter())
                .map(range_json)
                .collect();
            Some(Fix {
                action: FixAction::AddIpRanges,
                target: Some(FixTarget {
                    kind: TargetKind::NamedLocation,
                    id: loc.id.clone(),
                    display_name: loc.name.clone(),
                }),
                values: new.iter().map(ToString::to_string).collect(),
                graph_request: Some(GraphRequest {
                    method: "PATCH",
                    path: format!("/identity/conditionalAccess/namedLocations/{}", loc.id),
                    body: json!({
                        "@odata.type": "#microsoft.graph.ipNamedLocation",
                        "ipRanges": all,
                    }),
                }),
            })
        }
        // Legacy authentication is fixed on the client: an exclusion reopens password spraying.
        Rule::Ca001 | Rule::Ca007 if super::remedy::legacy_only(f) => Some(Fix {
            action: FixAction::Review,
            target: Some(policy_target()),
            values: Vec::new(),
            graph_request: None,
        }),
        // A block list of locations: the caller is inside a blocked location; whether that is
        // legitimate is the administrator's call.
        Rule::Ca001 if super::remedy::block_list(def) => Some(Fix {
            action: FixAction::Review,
            target: Some(policy_target()),
            values: Vec::new(),
            graph_request: None,
        }),
        // An IP allow-list block is fixed by the ranges (its IP finding), not by an exclusion.
        Rule::Ca001 if super::ip::ip_allow_list(def, locs) => Some(Fix {
            action: FixAction::Review,
            target: Some(policy_target()),
            values: Vec::new(),
            graph_request: None,
        }),
        // A device or app control is met by fixing the device or the client: whether an
        // account seen only on token flows is a service account the log cannot prove.
        Rule::Ca003 | Rule::Ca004 | Rule::Ca005 => Some(Fix {
            action: FixAction::Review,
            target: Some(policy_target()),
            values: Vec::new(),
            graph_request: None,
        }),
        Rule::Ca008 | Rule::Sd001 | Rule::Ip002 | Rule::Ip001 | Rule::Ip003 => Some(Fix {
            action: FixAction::Review,
            target: Some(policy_target()),
            values: Vec::new(),
            graph_request: None,
        }),
        Rule::Ca001 | Rule::Ca002 | Rule::Ca006 | Rule::Ca007 => Some(exclude_users(f, def)),
    }
}

/// Exclude the accounts from the policy: the full new `conditions.users` object, so the
/// PATCH keeps every other list as it is.
fn exclude_users(f: &FindingAcc, def: &Policy) -> Fix {
    let users = def.conditions.users.clone().unwrap_or_default();
    let mut exclude = users.exclude_users.clone();
    // Only service accounts: people (who also sign in interactively) fix their device or
    // sign in again; they are never excluded from MFA or device checks.
    let new: Vec<String> = f
        .accounts
        .iter()
        // MFA and sign-in frequency: never exclude a person (a block may be lifted for one).
        .filter(|(label, _)| {
            !matches!(f.rule, Rule::Ca002 | Rule::Ca006) || !f.people.contains(*label)
        })
        .map(|(_, id)| id)
        .filter(|id| !exclude.iter().any(|e| e.eq_ignore_ascii_case(id)))
        .cloned()
        .collect();
    let review = |why: &str| Fix {
        action: FixAction::Review,
        target: Some(FixTarget {
            kind: TargetKind::Policy,
            id: def.id.clone(),
            display_name: def.display_name.clone(),
        }),
        values: vec![why.to_string()],
        graph_request: None,
    };
    if new.is_empty() {
        return review("no service account to exclude: the accounts also sign in interactively");
    }
    // Excluding an account the policy names in includeUsers switches the policy off for it
    // by contradiction (CP014): that is a decision to review, not a request to send.
    if new.iter().any(|id| {
        users
            .include_users
            .iter()
            .any(|i| i.eq_ignore_ascii_case(id))
    }) {
        return review(
            "the policy names these accounts in includeUsers: remove them there instead of excluding them",
        );
    }
    // A lossy export cannot give the full users object a PATCH must send.
    if def
        .missing
        .iter()
        .any(|m| m.contains("GuestsOrExternalUsers"))
    {
        let mut fix = review(
            "the export shape does not carry the guest lists, so no complete users object can be sent",
        );
        fix.action = FixAction::ExcludeUsers;
        fix.values = new;
        return fix;
    }
    exclude.extend(new.iter().cloned());
    let action = if matches!(f.rule, Rule::Ca002 | Rule::Ca006)
        && f.non_interactive == f.count
        && f.count > 0
    {
        FixAction::UseWorkloadIdentity
    } else {
        FixAction::ExcludeUsers
    };
    Fix {
        action,
        target: Some(FixTarget {
            kind: TargetKind::Policy,
            id: def.id.clone(),
            display_name: def.display_name.clone(),
        }),
        values: new,
        graph_request: Some(GraphRequest {
            method: "PATCH",
            path: format!("/identity/conditionalAccess/policies/{}", def.id),
            body: json!({
                "conditions": {
                    "users": {
                        "includeUsers": users.include_users,
                        "excludeUsers": exclude,
                        "includeGroups": users.include_groups,
                        "excludeGroups": users.exclude_groups,
                        "includeRoles": users.include_roles,
                        "excludeRoles": users.exclude_roles,
                        "includeGuestsOrExternalUsers": guests_json(users.include_guests.as_ref()),
                        "excludeGuestsOrExternalUsers": guests_json(users.exclude_guests.as_ref()),
                    }
                }
            }),
        }),
    }
}

#[cfg(test)]
#[path = "join_tests.rs"]
mod tests;

/// `conditionalAccessGuestsOrExternalUsers` as Graph takes it back, or null.
fn guests_json(g: Option<&crate::policy::GuestsOrExternal>) -> Value {
    let Some(g) = g else {
        return Value::Null;
    };
    let tenants = if g.all_tenants {
        json!({
            "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
            "membershipKind": "all",
        })
    } else {
        json!({
            "@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants",
            "membershipKind": "enumerated",
            "members": g.tenants,
        })
    };
    json!({
        "guestOrExternalUserTypes": g.types.join(","),
        "externalTenants": tenants,
    })
}
