//! Target resources (POLICIES.md §A.4, §B.5 "Which app is the app"): the resource the
//! sign-in asked for (never the client app) against include/exclude lists and the
//! `All`/`None`/`Office365`/`MicrosoftAdminPortals` specials; user actions; authentication
//! contexts; application filters (custom security attributes: unknown offline).

use super::{
    Hit, LogEvidence, any_of, common, configured, has, include_exclude, lacks, list, result,
};
use crate::policy::apps::{app_name, in_admin_portals, in_office365};
use crate::policy::{Applications, Condition, ConditionResult, Outcome, Policy, Subject};

pub(super) fn evaluate(
    p: &Policy,
    s: &Subject,
    log: Option<&LogEvidence>,
    out: &mut Vec<ConditionResult>,
) {
    let a = &p.conditions.applications;
    let apps = !a.include_applications.is_empty();
    let actions = !a.include_user_actions.is_empty();
    let contexts = !a.include_auth_context.is_empty();
    if apps || (!actions && !contexts) {
        let lossy = lacks(p, "includeUserActions")
            || lacks(p, "includeAuthenticationContextClassReferences");
        let o = if !apps && lossy {
            Outcome::Unknown(format!(
                "the policy targets no resources in this export, and its shape ({}) cannot carry user actions or authentication contexts",
                p.origin.shape
            ))
        } else {
            application(a, s, log)
        };
        out.push(result(Condition::Application, o));
    }
    if actions {
        let o = match s.user_action.as_deref().map(str::trim) {
            Some(x) if has(&a.include_user_actions, x) => {
                Outcome::Match(format!("user action {x} is in includeUserActions"))
            }
            Some(x) => Outcome::NoMatch(format!(
                "user action {x} is not in includeUserActions {}",
                list(&a.include_user_actions)
            )),
            None => Outcome::NoMatch(format!(
                "the sign-in is access to a resource, not the user action {}",
                list(&a.include_user_actions)
            )),
        };
        out.push(result(Condition::UserActions, o));
    }
    if contexts {
        let hit = common(&a.include_auth_context, &s.auth_contexts);
        let o = if let Some(c) = hit.first() {
            Outcome::Match(format!(
                "authentication context {c} is in includeAuthenticationContextClassReferences"
            ))
        } else if s.auth_contexts.is_empty() {
            Outcome::NoMatch(format!(
                "the sign-in asked for no authentication context; the policy targets {}",
                list(&a.include_auth_context)
            ))
        } else {
            Outcome::NoMatch(format!(
                "authentication context {} is not in includeAuthenticationContextClassReferences {}",
                list(&s.auth_contexts),
                list(&a.include_auth_context)
            ))
        };
        out.push(result(Condition::AuthenticationContext, o));
    }
}

fn application(a: &Applications, s: &Subject, log: Option<&LogEvidence>) -> Outcome {
    let inc = &a.include_applications;
    if inc.is_empty() {
        return Outcome::NoMatch(
            "the policy targets no resources, user actions or authentication contexts: it applies to nothing"
                .to_string(),
        );
    }
    let real: Vec<String> = inc
        .iter()
        .filter(|x| !has(&["None".to_string()], x))
        .cloned()
        .collect();
    if real.is_empty() {
        return Outcome::NoMatch(
            "includeApplications None: the policy targets no resources".to_string(),
        );
    }
    let all = has(inc, "All");
    if let Some(action) = s.user_action.as_deref() {
        // The evaluate API lists All-resources policies for user actions too (§E.1.8).
        return if all {
            Outcome::Match(format!(
                "includeApplications All also covers the user action {action}"
            ))
        } else {
            Outcome::NoMatch(format!(
                "the sign-in is the user action {action}, not access to a resource in includeApplications {}",
                list(inc)
            ))
        };
    }
    let resources: Vec<(usize, &str)> = s
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.trim()))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    if resources.is_empty() {
        return if all
            && a.exclude_applications.is_empty()
            && configured(&a.application_filter).is_none()
        {
            Outcome::Match("includeApplications All".to_string())
        } else {
            Outcome::Unknown(
                "the sign-in names no resource (no audience or resourceId)".to_string(),
            )
        };
    }
    let answers: Vec<Outcome> = resources
        .iter()
        .map(|&(i, r)| one(a, r, &label(r, s.resource_names.get(i)), log))
        .collect();
    // Several audiences: the policy applies when any of them is in scope.
    if let Some(m) = answers.iter().find(|o| matches!(o, Outcome::Match(_))) {
        return m.clone();
    }
    if let Some(u) = answers.iter().find(|o| matches!(o, Outcome::Unknown(_))) {
        return u.clone();
    }
    Outcome::NoMatch(
        answers
            .iter()
            .map(|o| o.detail().to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn label(id: &str, name: Option<&String>) -> String {
    let name = name
        .map(|n| n.trim())
        .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(id))
        .or_else(|| app_name(id));
    match name {
        Some(n) => format!("resource {id} ({n})"),
        None => format!("resource {id}"),
    }
}

/// One suite special against one resource.
fn suite(resource: &str, label: &str, special: &str, verb: &str) -> Hit {
    let member = if special == "Office365" {
        in_office365(resource)
    } else {
        in_admin_portals(resource)
    };
    match member {
        Some(true) => Hit::Yes(format!("{label} is part of {special} ({verb} {special})")),
        Some(false) => Hit::No(format!("{label} is not part of {special}")),
        None => Hit::Unknown(format!(
            "whether {label} is part of {special} is not known to this build ({verb} {special})"
        )),
    }
}

fn one(a: &Applications, r: &str, label: &str, log: Option<&LogEvidence>) -> Outcome {
    let inc = &a.include_applications;
    let exc = &a.exclude_applications;
    let mut include = if has(inc, "All") {
        Hit::Yes("includeApplications All".to_string())
    } else if has(inc, r) {
        Hit::Yes(format!("{label} is in includeApplications"))
    } else {
        let mut hits = Vec::new();
        for special in ["Office365", "MicrosoftAdminPortals"] {
            if has(inc, special) {
                hits.push(suite(r, label, special, "includeApplications"));
            }
        }
        match any_of(hits) {
            Hit::No(_) => {
                let agents = if has(inc, "AllAgentIdResources") {
                    " (AllAgentIdResources covers only agent identity resources)"
                } else {
                    ""
                };
                Hit::No(format!(
                    "{label} not in includeApplications {}{agents}",
                    list(inc)
                ))
            }
            h => h,
        }
    };
    let mut exclude = if has(exc, r) {
        Hit::Yes(format!("{label} is excluded by excludeApplications"))
    } else {
        let mut hits = Vec::new();
        for special in ["Office365", "MicrosoftAdminPortals"] {
            if has(exc, special) {
                hits.push(match suite(r, label, special, "excludeApplications") {
                    Hit::Yes(_) => Hit::Yes(format!(
                        "{label} is part of {special}, which excludeApplications lists"
                    )),
                    h => h,
                });
            }
        }
        any_of(hits)
    };
    if let Some(f) = configured(&a.application_filter) {
        let why = format!(
            "applicationFilter ({}) `{}` reads custom security attributes of {label}, which no export holds",
            f.mode.trim(),
            f.rule.trim()
        );
        if f.is_exclude() {
            if matches!(exclude, Hit::No(_)) {
                exclude = Hit::Unknown(why);
            }
        } else if matches!(include, Hit::No(_)) {
            include = Hit::Unknown(why);
        }
    }
    // What Entra saw wins over this build's partial suite lists and unknown filters.
    if !matches!(include, Hit::Yes(_))
        && let Some(h) = log.and_then(|l| from_log(a, l, false))
    {
        include = h;
    }
    if !matches!(exclude, Hit::Yes(_))
        && let Some(h) = log.and_then(|l| from_log(a, l, true))
    {
        exclude = h;
    }
    include_exclude(include, exclude)
}

const APPLICATION: &[&str] = &["application", "applications"];

/// The log's `*RulesSatisfied` for the application condition, when they name a rule this
/// policy's include (or exclude) side has.
fn from_log(a: &Applications, log: &LogEvidence, exclude: bool) -> Option<Hit> {
    let (list_, key, kind) = if exclude {
        (
            &a.exclude_applications,
            "excludeApplications",
            "excludeRulesSatisfied",
        )
    } else {
        (
            &a.include_applications,
            "includeApplications",
            "includeRulesSatisfied",
        )
    };
    let holds = |rule: &str| {
        if exclude {
            log.excludes(APPLICATION, rule)
        } else {
            log.includes(APPLICATION, rule)
        }
    };
    let ids: Vec<String> = list_
        .iter()
        .filter(|x| {
            ![
                "All",
                "None",
                "Office365",
                "MicrosoftAdminPortals",
                "AllAgentIdResources",
            ]
            .iter()
            .any(|sp| x.trim().eq_ignore_ascii_case(sp))
        })
        .cloned()
        .collect();
    let filter = configured(&a.application_filter).filter(|f| f.is_exclude() == exclude);
    let (rule, what) = if !exclude && has(list_, "All") && holds("allApps") {
        ("allApps", format!("{key} All"))
    } else if !ids.is_empty() && holds("appId") {
        (
            "appId",
            format!("the resource is one of {key} {}", list(&ids)),
        )
    } else if has(list_, "Office365") && holds("office365") {
        (
            "office365",
            format!("the resource is part of Office365 ({key} Office365)"),
        )
    } else if has(list_, "MicrosoftAdminPortals") && holds("microsoftAdminPortals") {
        (
            "microsoftAdminPortals",
            format!("the resource is one of MicrosoftAdminPortals ({key} MicrosoftAdminPortals)"),
        )
    } else if filter.is_some() && holds("appFilter") {
        (
            "appFilter",
            "the resource matches the applicationFilter".to_string(),
        )
    } else {
        return None;
    };
    Some(Hit::Yes(format!("{what} (log: {kind} application/{rule})")))
}
