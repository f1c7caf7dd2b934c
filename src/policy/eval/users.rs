//! Who the policy is for (POLICIES.md §A.3, §A.5, §B.5 "Workload identities"): users with
//! their exclusions (users, groups, roles, guest types) beating inclusions; service
//! principals via `clientApplications`; managed identities (never covered); agent policies
//! (never about users or service principals).

use super::{
    Hit, LogEvidence, any_of, common, configured, has, include_exclude, lacks, list, result,
};
use crate::policy::apps::role_name;
use crate::policy::{
    ClientApplications, Condition, ConditionResult, GuestsOrExternal, Outcome, Policy,
    PrincipalKind, Subject, Users,
};

/// Graph's guest and external user types; a policy listing all of them covers every guest.
const GUEST_TYPES: &[&str] = &[
    "internalGuest",
    "b2bCollaborationGuest",
    "b2bCollaborationMember",
    "b2bDirectConnectUser",
    "otherExternalUser",
    "serviceProvider",
];

const USERS: &[&str] = &["users", "user"];

pub(super) fn evaluate(
    p: &Policy,
    s: &Subject,
    log: Option<&LogEvidence>,
    out: &mut Vec<ConditionResult>,
) {
    let c = &p.conditions;
    let workload = c.client_applications.as_ref().filter(|ca| {
        !ca.include_service_principals.is_empty()
            || !ca.exclude_service_principals.is_empty()
            || configured(&ca.service_principal_filter).is_some()
    });
    if c.targets_agents {
        out.push(result(
            Condition::AgentIdentities,
            Outcome::NoMatch(format!(
                "the policy targets agent identities; this is a {} sign-in",
                kind_words(s.kind)
            )),
        ));
    }
    match s.kind {
        PrincipalKind::ManagedIdentity => out.push(result(
            if workload.is_some() {
                Condition::WorkloadIdentities
            } else {
                Condition::Users
            },
            Outcome::NoMatch(
                "managed identity sign-in; Conditional Access does not cover managed identities"
                    .to_string(),
            ),
        )),
        PrincipalKind::ServicePrincipal => match workload {
            Some(ca) => out.push(result(
                Condition::WorkloadIdentities,
                service_principal(ca, s),
            )),
            // An agent policy already said why; a second reason would add nothing.
            None if c.targets_agents => {}
            None => out.push(result(
                Condition::Users,
                Outcome::NoMatch("service principal sign-in; the policy targets users".to_string()),
            )),
        },
        PrincipalKind::User => {
            let outcome = match &c.users {
                // A lossy export (Extractor-Suite CSV) drops the guest lists: "no one
                // included" may only mean "guests, which the file cannot show".
                Some(u) if lacks(p, "includeGuestsOrExternalUsers") && no_includes(u) => {
                    Outcome::Unknown(format!(
                        "the policy includes no users, groups or roles in this export, and its shape ({}) cannot carry includeGuestsOrExternalUsers",
                        p.origin.shape
                    ))
                }
                Some(u) => user(u, s, log, workload.is_some()),
                None if workload.is_some() => Outcome::NoMatch(
                    "user sign-in; the policy targets workload identities (clientApplications), not users"
                        .to_string(),
                ),
                None => Outcome::NoMatch(
                    "the policy assigns no users (conditions.users is missing)".to_string(),
                ),
            };
            out.push(result(Condition::Users, outcome));
        }
    }
}

fn kind_words(k: PrincipalKind) -> &'static str {
    match k {
        PrincipalKind::User => "user",
        PrincipalKind::ServicePrincipal => "service principal",
        PrincipalKind::ManagedIdentity => "managed identity",
    }
}

fn who(s: &Subject) -> String {
    match (s.user_principal_name.trim(), s.user_id.trim()) {
        ("", "") => "the user".to_string(),
        ("", id) => format!("user {id}"),
        (upn, "") => format!("user {upn}"),
        (upn, id) => format!("user {upn} ({id})"),
    }
}

fn is_user(list: &[String], s: &Subject) -> Option<String> {
    [s.user_id.trim(), s.user_principal_name.trim()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .find(|x| has(list, x))
        .map(str::to_string)
}

fn role_label(id: &str) -> String {
    match role_name(id) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

fn no_includes(u: &Users) -> bool {
    u.include_users
        .iter()
        .all(|x| x.trim().eq_ignore_ascii_case("None"))
        && u.include_groups.is_empty()
        && u.include_roles.is_empty()
        && u.include_guests.is_none()
}

fn user(u: &Users, s: &Subject, log: Option<&LogEvidence>, workload: bool) -> Outcome {
    include_exclude(include(u, s, log, workload), exclude(u, s, log))
}

fn exclude(u: &Users, s: &Subject, log: Option<&LogEvidence>) -> Hit {
    let ev = |rule: &str| log.is_some_and(|l| l.excludes(USERS, rule));
    let mut hits = Vec::new();
    let ids: Vec<String> = u
        .exclude_users
        .iter()
        .filter(|x| !has(&["GuestsOrExternalUsers".to_string()], x))
        .cloned()
        .collect();
    if let Some(id) = is_user(&ids, s) {
        return Hit::Yes(format!("excluded by excludeUsers {id}"));
    }
    if !ids.is_empty() && ev("userId") {
        return Hit::Yes(format!(
            "excluded by one of excludeUsers {} (log: excludeRulesSatisfied users/userId)",
            list(&ids)
        ));
    }
    if !ids.is_empty() && s.user_id.trim().is_empty() && s.user_principal_name.trim().is_empty() {
        hits.push(Hit::Unknown(format!(
            "the user's id is not known; the policy excludes users {}",
            list(&ids)
        )));
    }
    if has(&u.exclude_users, "GuestsOrExternalUsers") {
        hits.push(legacy_guest(s, "excludeUsers"));
    }
    if !u.exclude_groups.is_empty() {
        hits.push(membership(
            &u.exclude_groups,
            s.groups.as_deref(),
            ev("groupId"),
            Lists::ExcludeGroups,
        ));
    }
    if !u.exclude_roles.is_empty() {
        hits.push(membership(
            &u.exclude_roles,
            s.roles.as_deref(),
            ev("roleId"),
            Lists::ExcludeRoles,
        ));
    }
    if let Some(g) = &u.exclude_guests {
        let by_log = GUEST_TYPES
            .iter()
            .find(|t| ev(t))
            .copied()
            .or(ev("guest").then_some("guest"));
        hits.push(match by_log {
            Some(rule) => Hit::Yes(format!(
                "excluded by excludeGuestsOrExternalUsers {} (log: excludeRulesSatisfied users/{rule})",
                list(&g.types)
            )),
            None => guests(g, s, "excludeGuestsOrExternalUsers"),
        });
    }
    // Exclusions are an OR too: one that holds decides.
    any_of(hits)
}

fn include(u: &Users, s: &Subject, log: Option<&LogEvidence>, workload: bool) -> Hit {
    let ev = |rule: &str| log.is_some_and(|l| l.includes(USERS, rule));
    if has(&u.include_users, "All") {
        return Hit::Yes("includeUsers All".to_string());
    }
    let mut hits = Vec::new();
    let ids: Vec<String> = u
        .include_users
        .iter()
        .filter(|x| {
            !["None", "All", "GuestsOrExternalUsers"]
                .iter()
                .any(|sp| x.trim().eq_ignore_ascii_case(sp))
        })
        .cloned()
        .collect();
    if let Some(id) = is_user(&ids, s) {
        return Hit::Yes(format!("{} is in includeUsers ({id})", who(s)));
    }
    if !ids.is_empty() {
        hits.push(if ev("userId") {
            Hit::Yes(format!(
                "in one of includeUsers {} (log: includeRulesSatisfied users/userId)",
                list(&ids)
            ))
        } else if s.user_id.trim().is_empty() && s.user_principal_name.trim().is_empty() {
            Hit::Unknown(format!(
                "the user's id is not known; the policy includes users {}",
                list(&ids)
            ))
        } else {
            Hit::No(format!("{} is not in includeUsers {}", who(s), list(&ids)))
        });
    }
    if has(&u.include_users, "GuestsOrExternalUsers") {
        hits.push(legacy_guest(s, "includeUsers"));
    }
    if !u.include_groups.is_empty() {
        hits.push(membership(
            &u.include_groups,
            s.groups.as_deref(),
            ev("groupId"),
            Lists::IncludeGroups,
        ));
    }
    if !u.include_roles.is_empty() {
        hits.push(membership(
            &u.include_roles,
            s.roles.as_deref(),
            ev("roleId"),
            Lists::IncludeRoles,
        ));
    }
    if let Some(g) = &u.include_guests {
        let by_log = GUEST_TYPES
            .iter()
            .find(|t| ev(t))
            .copied()
            .or(ev("guest").then_some("guest"));
        hits.push(match by_log {
            Some(rule) => Hit::Yes(format!(
                "included by includeGuestsOrExternalUsers (log: includeRulesSatisfied users/{rule})"
            )),
            None => guests(g, s, "includeGuestsOrExternalUsers"),
        });
    }
    if hits.is_empty() {
        return Hit::No(if workload {
            "includeUsers None: user sign-in; the policy targets workload identities (clientApplications), not users".to_string()
        } else if has(&u.include_users, "None") {
            "includeUsers None: the policy assigns no users".to_string()
        } else {
            "the policy includes no users, groups, roles or guests".to_string()
        });
    }
    any_of(hits)
}

#[derive(Clone, Copy)]
enum Lists {
    IncludeGroups,
    ExcludeGroups,
    IncludeRoles,
    ExcludeRoles,
}

/// Group or role membership: the complete list from `--member-of`/`--role`, or the log's
/// `*RulesSatisfied` (which names the kind of rule, not the id), else unknown.
fn membership(policy: &[String], known: Option<&[String]>, by_log: bool, which: Lists) -> Hit {
    let (key, include, role) = match which {
        Lists::IncludeGroups => ("includeGroups", true, false),
        Lists::ExcludeGroups => ("excludeGroups", false, false),
        Lists::IncludeRoles => ("includeRoles", true, true),
        Lists::ExcludeRoles => ("excludeRoles", false, true),
    };
    let (flag, rule) = if role {
        ("--role", "roleId")
    } else {
        ("--member-of", "groupId")
    };
    let label = |id: &str| if role { role_label(id) } else { id.to_string() };
    let verb = if include { "included" } else { "excluded" };
    let kind = if include {
        "includeRulesSatisfied"
    } else {
        "excludeRulesSatisfied"
    };
    if let Some(have) = known {
        let hit = common(policy, have);
        if let Some(first) = hit.first() {
            let how = if role {
                "holds the role per --role"
            } else {
                "member per --member-of"
            };
            return Hit::Yes(format!("{verb} by {key} {} ({how})", label(first)));
        }
    }
    if by_log {
        return Hit::Yes(format!(
            "{verb} by one of {key} {} (log: {kind} users/{rule})",
            list(policy)
        ));
    }
    match known {
        Some(_) if role => Hit::No(format!("holds none of {key} {} (per {flag})", list(policy))),
        Some(_) => Hit::No(format!(
            "not a member of any of {key} {} (per {flag})",
            list(policy)
        )),
        None => Hit::Unknown(format!(
            "{} {key} {} is not known (pass {flag})",
            if role {
                "whether the user holds a role in"
            } else {
                "membership in"
            },
            list(policy)
        )),
    }
}

/// The legacy `GuestsOrExternalUsers` value in includeUsers/excludeUsers.
fn legacy_guest(s: &Subject, key: &str) -> Hit {
    match s.guest {
        Some(true) => Hit::Yes(format!(
            "guest or external user, matched by {key} GuestsOrExternalUsers"
        )),
        Some(false) => Hit::No(format!(
            "{} is a member, not a guest ({key} GuestsOrExternalUsers)",
            who(s)
        )),
        None => Hit::Unknown(format!(
            "whether the user is a guest is not known ({key} GuestsOrExternalUsers; pass --guest)"
        )),
    }
}

fn guests(g: &GuestsOrExternal, s: &Subject, key: &str) -> Hit {
    let types: Vec<String> = g
        .types
        .iter()
        .filter(|t| !t.trim().eq_ignore_ascii_case("none") && !t.trim().is_empty())
        .cloned()
        .collect();
    match s.guest {
        None => {
            return Hit::Unknown(format!(
                "whether the user is a guest or external user is not known ({key} {}; pass --guest)",
                list(&types)
            ));
        }
        Some(false) => {
            return Hit::No(format!(
                "{} is a member, not a guest or external user ({key} {})",
                who(s),
                list(&types)
            ));
        }
        Some(true) => {}
    }
    let all_types = GUEST_TYPES.iter().all(|t| has(&types, t));
    let type_ok = match s
        .guest_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) if has(&types, t) => format!("guest type {t} is in {key} {}", list(&types)),
        Some(t) => {
            return Hit::No(format!("guest type {t} is not in {key} {}", list(&types)));
        }
        None if all_types => format!("{key} covers every guest and external user type"),
        None => {
            return Hit::Unknown(format!(
                "the guest type is not known; {key} covers only {}",
                list(&types)
            ));
        }
    };
    if g.all_tenants {
        Hit::Yes(type_ok)
    } else {
        Hit::Unknown(format!(
            "{type_ok}, but the guest's home tenant is not known; {key} lists tenants {}",
            list(&g.tenants)
        ))
    }
}

fn service_principal(ca: &ClientApplications, s: &Subject) -> Outcome {
    let id = s.service_principal_id.trim();
    let exclude = if !id.is_empty() && has(&ca.exclude_service_principals, id) {
        Hit::Yes(format!("excluded by excludeServicePrincipals {id}"))
    } else if id.is_empty() && !ca.exclude_service_principals.is_empty() {
        Hit::Unknown(format!(
            "the service principal id is not known; the policy excludes {}",
            list(&ca.exclude_service_principals)
        ))
    } else {
        Hit::No(String::new())
    };
    let mut include = if has(
        &ca.include_service_principals,
        "ServicePrincipalsInMyTenant",
    ) {
        Hit::Yes(
            "includeServicePrincipals ServicePrincipalsInMyTenant (assumes the service principal belongs to an app registered in this tenant; other tenants' multi-tenant apps are not covered)"
                .to_string(),
        )
    } else if !id.is_empty() && has(&ca.include_service_principals, id) {
        Hit::Yes(format!(
            "service principal {id} is in includeServicePrincipals"
        ))
    } else if id.is_empty() {
        Hit::Unknown(format!(
            "the service principal id is not known; the policy includes {}",
            list(&ca.include_service_principals)
        ))
    } else {
        Hit::No(format!(
            "service principal {id} is not in includeServicePrincipals {}",
            list(&ca.include_service_principals)
        ))
    };
    let mut exclude = exclude;
    if let Some(f) = configured(&ca.service_principal_filter) {
        // Filters read custom security attributes, which no export carries.
        let why = format!(
            "servicePrincipalFilter ({}) `{}` reads custom security attributes, which no export holds",
            f.mode.trim(),
            f.rule.trim()
        );
        if f.is_exclude() {
            if matches!(exclude, Hit::No(_)) {
                exclude = Hit::Unknown(why);
            }
        } else if !matches!(include, Hit::Yes(_)) {
            include = Hit::Unknown(why);
        }
    }
    include_exclude(include, exclude)
}
