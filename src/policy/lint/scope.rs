//! Scope questions the lint rules share: whom and what a policy targets, which conditions
//! narrow it, whether it excludes the break-glass set. Pure functions over one `Policy`.

use super::capped;
use crate::policy::model::{IncludeExclude, Policy, PolicyState};

/// Case-insensitive membership, the way Graph's specials (`All`, `all`) are compared.
pub(crate) fn has(list: &[String], token: &str) -> bool {
    list.iter().any(|v| v.trim().eq_ignore_ascii_case(token))
}

pub(crate) fn includes_all_users(p: &Policy) -> bool {
    p.conditions
        .users
        .as_ref()
        .is_some_and(|u| has(&u.include_users, "All"))
}

pub(crate) fn includes_all_apps(p: &Policy) -> bool {
    has(&p.conditions.applications.include_applications, "All")
}

/// Who a policy is for, as far as the break-glass question goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Targeting {
    /// All users or directory roles: a break-glass account (a Global Administrator) is in.
    Broad,
    /// Only named users, groups or guest types: the break-glass accounts are in only if
    /// they are members, which no policy export says.
    Narrow,
    /// Only service principals or agent identities (`includeUsers ["None"]` + workload).
    Workload,
    /// Nobody at all (CP013).
    Nobody,
}

pub(crate) fn targeting(p: &Policy) -> Targeting {
    let u = p.conditions.users.as_ref();
    let named_users = u.is_some_and(|u| {
        u.include_users
            .iter()
            .any(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("None"))
    });
    let groups = u.is_some_and(|u| !u.include_groups.is_empty());
    let roles = u.is_some_and(|u| !u.include_roles.is_empty());
    let guests = u.is_some_and(|u| u.include_guests.is_some());
    if includes_all_users(p) || roles {
        Targeting::Broad
    } else if named_users || groups || guests {
        Targeting::Narrow
    } else if workload(p) {
        Targeting::Workload
    } else {
        Targeting::Nobody
    }
}

/// Targets service principals or agent identities.
pub(crate) fn workload(p: &Policy) -> bool {
    p.conditions.targets_agents
        || p.conditions
            .client_applications
            .as_ref()
            .is_some_and(|c| !c.include_service_principals.is_empty())
}

/// Targets users at all (broad or narrow).
pub(crate) fn targets_users(p: &Policy) -> bool {
    matches!(targeting(p), Targeting::Broad | Targeting::Narrow)
}

/// `grantControls` asks for something (block or a control); `None` or empty = session only.
pub(crate) fn demands(p: &Policy) -> bool {
    p.grant.as_ref().is_some_and(|g| !g.controls().is_empty())
}

/// Only an authentication context is targeted (no apps, no user actions): applies only when
/// an app asks for it, so it cannot lock anyone out of the tenant (MT.1005 skips these).
pub(crate) fn auth_context_only(p: &Policy) -> bool {
    let a = &p.conditions.applications;
    !a.include_auth_context.is_empty()
        && a.include_applications
            .iter()
            .all(|v| v.trim().eq_ignore_ascii_case("None"))
        && a.include_user_actions.is_empty()
}

/// Evaluated by CA at all (enabled or report-only).
pub(crate) fn live(p: &Policy) -> bool {
    matches!(p.state, PolicyState::Enabled | PolicyState::ReportOnly)
}

/// The client app types cover every client (`[]` is all, as old exports write it).
pub(crate) fn all_client_apps(p: &Policy) -> bool {
    let c = &p.conditions.client_app_types;
    c.is_empty()
        || has(c, "all")
        || [
            "browser",
            "mobileAppsAndDesktopClients",
            "exchangeActiveSync",
            "other",
        ]
        .iter()
        .all(|t| has(c, t))
}

/// The platform condition, when it narrows (anything but unset or `all` with no exclusion).
pub(crate) fn platform_narrowing(p: &Policy) -> Option<String> {
    let pl = p.conditions.platforms.as_ref()?;
    if (pl.include.is_empty() || has(&pl.include, "all")) && pl.exclude.is_empty() {
        return None;
    }
    Some(format!("platforms ({})", include_exclude(pl)))
}

/// `platforms` set explicitly to `all` with no exclusion.
pub(crate) fn platforms_all_explicit(p: &Policy) -> bool {
    p.conditions
        .platforms
        .as_ref()
        .is_some_and(|pl| has(&pl.include, "all") && pl.exclude.is_empty())
}

/// The location condition, when it narrows (anything but unset or `All` with no exclusion).
pub(crate) fn location_narrowing(p: &Policy) -> Option<String> {
    let l = p.conditions.locations.as_ref()?;
    if (l.include.is_empty() || has(&l.include, "All")) && l.exclude.is_empty() {
        return None;
    }
    Some(format!("locations ({})", include_exclude(l)))
}

/// Every condition other than users and applications that keeps the policy from applying to
/// every sign-in (the SG #92 / #316 lesson: such a policy is not tenant-wide). The platform
/// condition is left to the caller when `with_platforms` is false.
pub(crate) fn narrowing(p: &Policy, with_platforms: bool) -> Vec<String> {
    let c = &p.conditions;
    let mut v = Vec::new();
    if with_platforms && let Some(s) = platform_narrowing(p) {
        v.push(s);
    }
    if let Some(s) = location_narrowing(p) {
        v.push(s);
    }
    if !all_client_apps(p) {
        v.push(format!(
            "client apps ({})",
            capped(&c.client_app_types, ", ")
        ));
    }
    for (name, levels) in [
        ("sign-in risk", &c.sign_in_risk_levels),
        ("user risk", &c.user_risk_levels),
        ("service principal risk", &c.service_principal_risk_levels),
        ("insider risk", &c.insider_risk_levels),
    ] {
        if !levels.is_empty() {
            v.push(format!("{name} ({})", capped(levels, ", ")));
        }
    }
    if !c.transfer_methods.is_empty() {
        v.push(format!(
            "authentication flows ({})",
            capped(&c.transfer_methods, ", ")
        ));
    }
    if let Some(f) = &c.device_filter {
        v.push(format!("device filter ({} {})", f.mode, f.rule));
    }
    if let Some(f) = &c.applications.application_filter {
        v.push(format!("application filter ({} {})", f.mode, f.rule));
    }
    if !c.unknown_conditions.is_empty() {
        v.push(format!(
            "conditions casift does not evaluate ({})",
            capped(&c.unknown_conditions, ", ")
        ));
    }
    v
}

/// Excluded users, groups, roles and guest types, as `kind id` texts.
pub(crate) fn user_exclusions(p: &Policy) -> Vec<String> {
    let Some(u) = p.conditions.users.as_ref() else {
        return Vec::new();
    };
    let mut v: Vec<String> = Vec::new();
    v.extend(u.exclude_users.iter().map(|x| format!("user {x}")));
    v.extend(u.exclude_groups.iter().map(|x| format!("group {x}")));
    v.extend(u.exclude_roles.iter().map(|x| format!("role {x}")));
    if let Some(g) = &u.exclude_guests {
        v.push(format!("guests ({})", capped(&g.types, ", ")));
    }
    v
}

/// Every id of the break-glass set is in `excludeUsers` or `excludeGroups` (MT.1005: a
/// configured user and group must both be excluded). An empty set is never excluded.
pub(crate) fn excludes_all(p: &Policy, ids: &[String]) -> bool {
    let Some(u) = p.conditions.users.as_ref() else {
        return false;
    };
    !ids.is_empty()
        && ids
            .iter()
            .all(|id| has(&u.exclude_users, id) || has(&u.exclude_groups, id))
}

/// A break-glass id is named in the policy's includes (then a narrow policy still hits it).
pub(crate) fn includes_any(p: &Policy, ids: &[String]) -> bool {
    let Some(u) = p.conditions.users.as_ref() else {
        return false;
    };
    ids.iter()
        .any(|id| has(&u.include_users, id) || has(&u.include_groups, id))
}

fn include_exclude(ie: &IncludeExclude) -> String {
    let mut parts = Vec::new();
    if !ie.include.is_empty() {
        parts.push(format!("include {}", capped(&ie.include, ", ")));
    }
    if !ie.exclude.is_empty() {
        parts.push(format!("exclude {}", capped(&ie.exclude, ", ")));
    }
    capped(&parts, "; ")
}

/// A short label of the included identities, for texts ("groups ceeac9b8-…").
pub(crate) fn included_identities(p: &Policy) -> String {
    let Some(u) = p.conditions.users.as_ref() else {
        return "nobody".to_string();
    };
    let mut parts = Vec::new();
    if !u.include_users.is_empty() {
        parts.push(format!("users {}", capped(&u.include_users, ", ")));
    }
    if !u.include_groups.is_empty() {
        parts.push(format!("groups {}", capped(&u.include_groups, ", ")));
    }
    if !u.include_roles.is_empty() {
        parts.push(crate::report::count(
            u.include_roles.len() as u64,
            "directory role",
            "directory roles",
        ));
    }
    if let Some(g) = &u.include_guests {
        parts.push(format!("guests ({})", capped(&g.types, ", ")));
    }
    if parts.is_empty() {
        "nobody".to_string()
    } else {
        capped(&parts, "; ")
    }
}

/// What the export shape could not carry about the conditions (Extractor-Suite CSV): a
/// rule that needs "nothing else narrows it" cannot be sure for such a policy.
pub(crate) fn lossy_conditions(p: &Policy) -> Vec<&str> {
    p.missing
        .iter()
        .map(String::as_str)
        .filter(|m| m.starts_with("conditions"))
        // Whom and what it targets are known (users, groups, roles, apps); these name
        // targets, not narrowing conditions.
        .filter(|m| {
            !m.starts_with("conditions.users.")
                && !m.starts_with("conditions.applications.include")
                && !m.starts_with("conditions.clientApplications")
                && !m.starts_with("conditions.agents")
        })
        .collect()
}

/// The shape could not carry this field (a `missing` entry, e.g.
/// `conditions.authenticationFlows`).
pub(crate) fn lacks(p: &Policy, field: &str) -> bool {
    p.missing.iter().any(|m| m == field)
}
