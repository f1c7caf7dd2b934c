//! Remediation texts: for a finished finding, the concrete change to make (the policy, the
//! app or users to exclude, the named location and the CIDRs to add). Text only.

use super::Rule;
use crate::analysis::FindingAcc;
use crate::knowledge;
use crate::locations::{LocationKind, NamedLocations};

fn policy_name(f: &FindingAcc) -> String {
    match &f.policy {
        Some(p) if !p.display_name.is_empty() => format!("'{}' ({})", p.display_name, p.id),
        Some(p) => format!("policy {}", p.id),
        None => "the Conditional Access policy with result Failure".to_string(),
    }
}

fn app_name(f: &FindingAcc) -> String {
    match (f.app_name.is_empty(), f.app_id.is_empty()) {
        (false, false) => format!("'{}' ({})", f.app_name, f.app_id),
        (false, true) => format!("'{}'", f.app_name),
        (true, false) => knowledge::well_known_app(&f.app_id).map_or_else(
            || format!("app {}", f.app_id),
            |n| format!("'{n}' ({})", f.app_id),
        ),
        (true, true) => "the app".to_string(),
    }
}

fn users_text(f: &FindingAcc) -> String {
    let n = f.users.len();
    let shown: Vec<&str> = f.users.iter().take(3).map(String::as_str).collect();
    match n {
        0 => "the affected accounts".to_string(),
        1..=3 => shown.join(", "),
        _ => format!("{} and {} more", shown.join(", "), n - 3),
    }
}

fn is_devops(f: &FindingAcc) -> bool {
    knowledge::is_azure_devops(&f.app_id)
}

const DEVOPS_NOTE: &str = " Azure DevOps reports this to PAT, REST and git callers as VS403463 (\"The conditional access policy defined by your Microsoft Entra administrator has failed\"); on non-interactive flows it enforces only IP-based policies, and only when the organization setting \"Enable IP Conditional Access policy validation on non-interactive flows\" is on.";

/// The remediation text of a finding. `cidrs` are the IP001 suggestions.
pub fn remediation(f: &FindingAcc, locations: Option<&NamedLocations>, cidrs: &[String]) -> String {
    let policy = policy_name(f);
    let app = app_name(f);
    let devops = is_devops(f);
    let mut text = match f.rule {
        Rule::Ca001 => {
            let mut t = format!(
                "Policy {policy} blocked {app}. Check which of its conditions matched these sign-ins (location, platform, client app, users) and either exclude {} or {app} from it, or fix the client so the condition no longer applies.",
                users_text(f)
            );
            if f.policy.is_none() {
                t = format!(
                    "Conditional Access blocked {app}. Open one of the example sign-ins (casift explain --id ...) to find the policy with result Failure, then exclude {} or {app} from it, or fix the client.",
                    users_text(f)
                );
            }
            t
        }
        Rule::Ca002 => format!(
            "Policy {policy} requires MFA, but these are non-interactive or legacy-client sign-ins that can never answer an MFA prompt (a PAT or a refreshed token cannot do MFA). Exclude {app} or the service accounts ({}) from {policy}, or move the automation to a service principal or managed identity (OAuth client credentials) instead of a user's token.",
            users_text(f)
        ),
        Rule::Ca003 | Rule::Ca004 => {
            let what = if f.rule == Rule::Ca003 {
                "a compliant device"
            } else {
                "a hybrid joined device"
            };
            if f.non_interactive > 0 {
                format!(
                    "Policy {policy} requires {what}. {} of these sign-ins are non-interactive: PATs and token flows carry no device, so they can never satisfy it. Exclude non-interactive flows of {app} (or the service accounts {}) from {policy}; for people, enrol the device and make sure it sends its identity (not InPrivate, a supported browser or broker).",
                    f.non_interactive,
                    users_text(f)
                )
            } else {
                format!(
                    "Policy {policy} requires {what}. Make the device {} and check that the client sends the device identity (deviceDetail.deviceId empty means it did not: InPrivate, a browser without the SSO extension, a client without modern authentication); or exclude {} from {policy}.",
                    if f.rule == Rule::Ca003 {
                        "compliant in Intune"
                    } else {
                        "hybrid joined"
                    },
                    users_text(f)
                )
            }
        }
        Rule::Ca005 => format!(
            "Policy {policy} requires an approved client app or an app protection policy; the client used is not one. Use an approved app with a broker (e.g. Outlook mobile, Authenticator or Company Portal installed), assign an Intune app protection policy, or exclude {app} from {policy}."
        ),
        Rule::Ca006 => format!(
            "Policy {policy} enforces a sign-in frequency that forced re-authentication these token-based sign-ins cannot do. A PAT or refresh token older than the policy's interval is rejected: revoke the PAT and create a new one, move automation to a service principal or managed identity, or exclude {app} (or {}) from the sign-in frequency control.",
            users_text(f)
        ),
        Rule::Ca007 => format!(
            "Report-only policy {policy} would block {} sign-in(s) of {} user(s) to {app} if it were enabled ({}). Before enabling it, exclude these users or the app, or fix their clients so they satisfy it.",
            f.count,
            f.users.len(),
            users_text(f)
        ),
        Rule::Ca008 => format!(
            "Blocked for sign-in or user risk (policy {policy}). Investigate and remediate the risk in Identity Protection (secure password reset, or confirm safe / dismiss if it is a false positive) for {}, then retry.",
            users_text(f)
        ),
        Rule::Ip001 => ip001(&policy, locations, cidrs),
        Rule::Ip002 => "The sign-in log and the named-locations file disagree about these addresses: either the file is stale (export the named locations again, e.g. GET /identity/conditionalAccess/namedLocations) or Conditional Access evaluated another address than the one logged. Compare the evidence lines and update the file or the named location.".to_string(),
        Rule::Ip003 => format!(
            "The client IP and the IP seen by the resource differ (often IPv6 on one path and IPv4 on the other, or a split-tunnel VPN). Add both the IPv4 and the IPv6 egress ranges of these callers to the named location that policy {policy} trusts."
        ),
        Rule::Sd001 => {
            let res: Vec<&str> = f.resources.iter().take(3).map(String::as_str).collect();
            format!(
                "The policy applied to {app} through a service dependency: the blocked resource is {} , not the app itself. A policy that targets that resource also applies to apps that call it; scope the policy's target resources (or its exclusions) with that in mind.",
                if res.is_empty() { "another resource".to_string() } else { res.join(", ") }
            )
        }
    };
    if devops
        && matches!(
            f.rule,
            Rule::Ca001 | Rule::Ca002 | Rule::Ca003 | Rule::Ca004 | Rule::Ca006 | Rule::Ip001
        )
    {
        text.push_str(DEVOPS_NOTE);
    }
    if f.without_policy_detail > 0 {
        text.push_str(&format!(
            " Note: {} of these sign-ins come from a CSV export, which has no per-policy detail; the cause was inferred from the error code and the Conditional Access column. Download the JSON export to see the policy.",
            f.without_policy_detail
        ));
    }
    text
}

fn ip001(policy: &str, locations: Option<&NamedLocations>, cidrs: &[String]) -> String {
    let add = if cidrs.is_empty() {
        "the caller's public egress IP".to_string()
    } else {
        cidrs.join(", ")
    };
    let trusted: Vec<String> = locations
        .map(|l| {
            l.locations
                .iter()
                .filter(|n| n.trusted && n.kind == LocationKind::Ip)
                .map(|n| format!("'{}'", n.name))
                .collect()
        })
        .unwrap_or_default();
    let target = match trusted.len() {
        0 => "a trusted IP named location (none exists in the locations file: create one and mark it trusted)".to_string(),
        1 => format!("the trusted named location {}", trusted[0]),
        _ => format!(
            "the trusted named location that {policy} excludes or requires (the file has {})",
            trusted.join(", ")
        ),
    };
    format!(
        "Add {add} to {target}. These addresses lie in no trusted named location, so {policy} blocked them. Only the addresses seen are listed; widen the range only if you know the caller's whole egress range."
    )
}
