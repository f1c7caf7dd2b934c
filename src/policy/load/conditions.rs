//! `conditions` of one policy object → [`Conditions`] (POLICIES.md §A.2–A.9, §A.13): users,
//! applications, workload and agent identities, client apps, platforms, locations, device
//! filter, risk levels, authentication flows. Configured keys this build does not evaluate
//! are listed in `unknown_conditions` (as `key` or `parent.key`), never dropped silently.

use super::obj::{Obj, Res};
use crate::policy::{
    Applications, ClientApplications, Conditions, Filter, GuestsOrExternal, IncludeExclude, Users,
};

/// Top-level condition keys read into [`Conditions`] (or into `targets_agents`).
const KNOWN: &[&str] = &[
    "users",
    "applications",
    "clientApplications",
    "clientAppTypes",
    "platforms",
    "locations",
    "devices",
    "signInRiskLevels",
    "userRiskLevels",
    "servicePrincipalRiskLevels",
    "insiderRiskLevels",
    "authenticationFlows",
    "agentIdRiskLevels",
    "agents",
];

fn is_known(known: &[&str], key: &str) -> bool {
    known.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Configured keys of `o` not in `known`, as `prefix.key` (or `key` without a prefix).
fn unknown(o: &Obj<'_>, known: &[&str], prefix: &str, out: &mut Vec<String>) {
    for k in o.configured_keys() {
        if !is_known(known, &k) {
            out.push(if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            });
        }
    }
}

pub(super) fn conditions(c: &Obj<'_>) -> Res<Conditions> {
    let mut out = Conditions {
        users: c.object("users")?.map(|u| users(&u)).transpose()?.flatten(),
        client_app_types: c.flags("clientAppTypes")?,
        platforms: match c.object("platforms")? {
            Some(p) => include_exclude(p.flags("includePlatforms")?, p.flags("excludePlatforms")?),
            None => None,
        },
        locations: match c.object("locations")? {
            Some(l) => include_exclude(l.list("includeLocations")?, l.list("excludeLocations")?),
            None => None,
        },
        sign_in_risk_levels: c.flags("signInRiskLevels")?,
        user_risk_levels: c.flags("userRiskLevels")?,
        service_principal_risk_levels: c.flags("servicePrincipalRiskLevels")?,
        insider_risk_levels: c.flags("insiderRiskLevels")?,
        transfer_methods: match c.object("authenticationFlows")? {
            Some(f) => f.flags("transferMethods")?,
            None => Vec::new(),
        },
        ..Conditions::default()
    };
    let mut unknown_keys = Vec::new();
    if let Some(a) = c.object("applications")? {
        out.applications = applications(&a, &mut unknown_keys)?;
    }
    if let Some(ca) = c.object("clientApplications")? {
        let (apps, agents) = client_applications(&ca, &mut unknown_keys)?;
        out.client_applications = apps;
        out.targets_agents |= agents;
    }
    if let Some(d) = c.object("devices")? {
        out.device_filter = filter(&d, "deviceFilter")?;
        unknown(&d, &["deviceFilter"], "devices", &mut unknown_keys);
    }
    if let Some(a) = c.object("agents")? {
        // Excluding agents from a policy does not make it target them.
        out.targets_agents |=
            a.set("includeAgentUsers").is_some() || a.set("agentFilter").is_some();
    }
    out.targets_agents |= c.set("agentIdRiskLevels").is_some();
    for key in ["users", "platforms", "locations", "authenticationFlows"] {
        if let Some(o) = c.object(key)? {
            let known: &[&str] = match key {
                "users" => USERS,
                "platforms" => &["includePlatforms", "excludePlatforms"],
                "locations" => &["includeLocations", "excludeLocations"],
                _ => &["transferMethods"],
            };
            unknown(&o, known, key, &mut unknown_keys);
        }
    }
    let mut top = Vec::new();
    unknown(c, KNOWN, "", &mut top);
    // `agentContext` only narrows agent sessions: the policy targets agents.
    if top.iter().any(|k| k.eq_ignore_ascii_case("agentContext")) {
        out.targets_agents = true;
    }
    top.extend(unknown_keys);
    top.sort();
    top.dedup();
    out.unknown_conditions = top;
    Ok(out)
}

const USERS: &[&str] = &[
    "includeUsers",
    "excludeUsers",
    "includeGroups",
    "excludeGroups",
    "includeRoles",
    "excludeRoles",
    "includeGuestsOrExternalUsers",
    "excludeGuestsOrExternalUsers",
];

/// `None` when nothing in `users` is set.
fn users(u: &Obj<'_>) -> Res<Option<Users>> {
    let out = Users {
        include_users: u.list("includeUsers")?,
        exclude_users: u.list("excludeUsers")?,
        include_groups: u.list("includeGroups")?,
        exclude_groups: u.list("excludeGroups")?,
        include_roles: u.list("includeRoles")?,
        exclude_roles: u.list("excludeRoles")?,
        include_guests: guests(u, "includeGuestsOrExternalUsers")?,
        exclude_guests: guests(u, "excludeGuestsOrExternalUsers")?,
    };
    Ok((out != Users::default()).then_some(out))
}

fn guests(u: &Obj<'_>, key: &str) -> Res<Option<GuestsOrExternal>> {
    let Some(g) = u.object(key)? else {
        return Ok(None);
    };
    let types = g.flags("guestOrExternalUserTypes")?;
    let (all_tenants, tenants) = match g.object("externalTenants")? {
        None => (true, Vec::new()),
        Some(t) => {
            // `members` lives on the derived type: PowerShell puts it in AdditionalProperties.
            let kind = t.text("membershipKind")?;
            let all = kind
                .as_deref()
                .is_none_or(|k| k.eq_ignore_ascii_case("all"));
            (all, t.list("members")?)
        }
    };
    Ok(Some(GuestsOrExternal {
        types,
        all_tenants,
        tenants,
    }))
}

const APPLICATIONS: &[&str] = &[
    "includeApplications",
    "excludeApplications",
    "includeUserActions",
    "includeAuthenticationContextClassReferences",
    "applicationFilter",
];

fn applications(a: &Obj<'_>, unknown_keys: &mut Vec<String>) -> Res<Applications> {
    unknown(a, APPLICATIONS, "applications", unknown_keys);
    Ok(Applications {
        include_applications: a.list("includeApplications")?,
        exclude_applications: a.list("excludeApplications")?,
        include_user_actions: a.list("includeUserActions")?,
        include_auth_context: a.list("includeAuthenticationContextClassReferences")?,
        application_filter: filter(a, "applicationFilter")?,
    })
}

const CLIENT_APPLICATIONS: &[&str] = &[
    "includeServicePrincipals",
    "excludeServicePrincipals",
    "servicePrincipalFilter",
    "includeAgentIdServicePrincipals",
    "excludeAgentIdServicePrincipals",
    "agentIdServicePrincipalFilter",
];

/// Workload identities (`None` when no service principal is selected) and whether agent
/// identities are included.
fn client_applications(
    ca: &Obj<'_>,
    unknown_keys: &mut Vec<String>,
) -> Res<(Option<ClientApplications>, bool)> {
    unknown(ca, CLIENT_APPLICATIONS, "clientApplications", unknown_keys);
    let apps = ClientApplications {
        include_service_principals: ca.list("includeServicePrincipals")?,
        exclude_service_principals: ca.list("excludeServicePrincipals")?,
        service_principal_filter: filter(ca, "servicePrincipalFilter")?,
    };
    let agents = ca.set("includeAgentIdServicePrincipals").is_some()
        || ca.set("agentIdServicePrincipalFilter").is_some();
    Ok((
        (apps != ClientApplications::default()).then_some(apps),
        agents,
    ))
}

/// `{mode, rule}`; `None` without a rule (PowerShell writes `{"Mode":null,"Rule":null}`).
fn filter(o: &Obj<'_>, key: &str) -> Res<Option<Filter>> {
    let Some(f) = o.object(key)? else {
        return Ok(None);
    };
    let mode = f.text("mode")?.unwrap_or_default();
    Ok(f.text("rule")?.map(|rule| Filter { mode, rule }))
}

/// `None` when both lists are empty.
fn include_exclude(include: Vec<String>, exclude: Vec<String>) -> Option<IncludeExclude> {
    (!include.is_empty() || !exclude.is_empty()).then_some(IncludeExclude { include, exclude })
}
