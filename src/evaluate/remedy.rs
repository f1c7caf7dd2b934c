//! Remediation texts: for a finished finding, the concrete change to make (the policy, the
//! accounts or app to exclude, the named location and the ranges to add), as complete
//! sentences whatever is unknown. Text only; the structured `fix` is the join's (`join.rs`).

use super::Rule;
use super::suggest::Suggestion;
use crate::analysis::FindingAcc;
use crate::knowledge;
use crate::locations::{LocationKind, NamedLocations};
use crate::policy::Policy;

/// The Azure DevOps facts behind IP fencing, stated once per report where an IP finding
/// concerns Azure DevOps.
pub const DEVOPS_IP_NOTE: &str = "Azure DevOps: PAT, REST and git callers see a Conditional Access block as VS403463 (\"The conditional access policy defined by your Microsoft Entra administrator has failed\"). On non-interactive flows Azure DevOps enforces only IP-fencing policies, and only while the organization setting \"IP Conditional Access policy validation on non-interactive flows\" is on (Organization settings → Security → Policies). It checks IPv4 and IPv6: add both egress ranges, and the IPv4-mapped form of an IPv6 address where the caller uses one.";

/// "1 sign-in", "2 sign-ins".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn policy_name(f: &FindingAcc) -> Option<String> {
    match &f.policy {
        Some(p) if !p.display_name.is_empty() => Some(format!("'{}' ({})", p.display_name, p.id)),
        Some(p) if !p.id.is_empty() => Some(p.id.clone()),
        _ => None,
    }
}

pub fn app_name(id: &str, name: &str) -> String {
    match (name.is_empty(), id.is_empty()) {
        (false, false) => format!("'{name}' ({id})"),
        (false, true) => format!("'{name}'"),
        (true, false) => knowledge::well_known_app(id)
            .map_or_else(|| format!("app {id}"), |n| format!("'{n}' ({id})")),
        (true, true) => "the app".to_string(),
    }
}

fn users_text(f: &FindingAcc) -> String {
    let n = f.users.total() as usize;
    let shown: Vec<&str> = f.users.iter().take(3).map(String::as_str).collect();
    match n {
        0 => "the affected accounts".to_string(),
        1..=3 => shown.join(", "),
        _ => format!("{} and {} more", shown.join(", "), n - 3),
    }
}

/// The ranges as a list for a sentence, or the caller's egress address when none is known.
fn ranges(s: &Suggestion) -> String {
    if s.unlisted > 0 {
        format!(
            "the {} distinct blocked addresses (too many to list here: `casift filter` with the same inputs and `-f csv` lists them; trust only ranges the callers' owner confirms)",
            s.unlisted
        )
    } else if s.cidrs.is_empty() {
        "the caller's public egress address".to_string()
    } else {
        s.texts().join(", ")
    }
}

/// Where the ranges go: with the policy's definition, the IP location(s) it excludes; else
/// the trusted IP locations of the locations file.
pub fn location_target(locations: Option<&NamedLocations>, def: Option<&Policy>) -> String {
    let quote = |n: &crate::locations::NamedLocation| format!("'{}' ({})", n.name, n.id);
    if let Some(l) = def.and_then(|d| d.conditions.locations.as_ref()) {
        let named: Vec<String> = l
            .exclude
            .iter()
            .filter_map(|id| {
                locations?
                    .locations
                    .iter()
                    .find(|n| n.id.eq_ignore_ascii_case(id) && n.kind == LocationKind::Ip)
                    .map(quote)
            })
            .collect();
        if !named.is_empty() {
            return format!(
                "the named location {} that {} excludes",
                named.join(" or "),
                def.map_or(String::new(), Policy::label)
            );
        }
        if l.exclude
            .iter()
            .any(|e| e.eq_ignore_ascii_case("AllTrusted"))
        {
            // Falls through to the trusted locations below.
        } else if let Some(id) = l.exclude.first() {
            let why = if locations.is_some() {
                "it is not in the named-locations export"
            } else {
                "no --locations file was given: pass it to see the location's name and ranges"
            };
            return format!(
                "the named location {id} that {} excludes ({why})",
                def.map_or(String::new(), Policy::label)
            );
        }
    }
    let trusted: Vec<String> = locations
        .map(|l| {
            l.locations
                .iter()
                .filter(|n| n.trusted && n.kind == LocationKind::Ip)
                .map(|n| format!("'{}'", n.name))
                .collect()
        })
        .unwrap_or_default();
    match trusted.len() {
        0 => "a trusted IP named location (the locations file has none: create one and mark it trusted)".to_string(),
        1 => format!("the trusted named location {}", trusted[0]),
        _ => format!(
            "one of the trusted named locations ({}), the one the policy allows",
            trusted.join(", ")
        ),
    }
}

/// The remediation text of a finding. `sugg` holds the ranges of the addresses it is about;
/// `def` the failing policy's definition when `--policies` has it.
pub fn remediation(
    f: &FindingAcc,
    locations: Option<&NamedLocations>,
    sugg: &Suggestion,
    def: Option<&Policy>,
) -> String {
    let policy = policy_name(f);
    let the_policy = policy
        .clone()
        .unwrap_or_else(|| "the failing Conditional Access policy".to_string());
    let app = app_name(&f.app_id, &f.app_name);
    let users = users_text(f);
    let signins = plural(f.count, "sign-in", "sign-ins");
    // The policy as the subject of a sentence.
    let subject = policy.as_ref().map_or_else(
        || "The failing Conditional Access policy".to_string(),
        |p| format!("Policy {p}"),
    );
    match f.rule {
        Rule::Ca001 | Rule::Ca007 if legacy_only(f) => format!(
            "{} {signins} of {users} to {app} from legacy authentication clients ({}): they send the password with every request and can do neither MFA nor device checks. Move these clients to modern authentication (OAuth): Outlook or a mail app that supports modern authentication, OAuth for IMAP, POP and SMTP, or a workload identity for scripts. Do not exclude the accounts from the policy: that reopens password spraying.",
            match (&policy, f.rule == Rule::Ca007) {
                (Some(p), true) => format!("Report-only policy {p} would block"),
                (Some(p), false) => format!("Policy {p} blocked"),
                (None, true) => "A report-only policy would block".to_string(),
                (None, false) => "Conditional Access blocked".to_string(),
            },
            f.client_apps.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
        Rule::Ca001 => match &policy {
            Some(p) if def.is_some_and(|d| super::ip::ip_allow_list(d, locations)) => format!(
                "Policy {p} blocks {signins} of {users} to {app} from outside the locations it allows ({}). The IP finding for these sign-ins (IP001 or IP003) names the ranges to add to {}; exclude the accounts from {p} only if they must work from anywhere.",
                def.map(|d| summary(d, locations)).unwrap_or_default(),
                location_target(locations, def)
            ),
            Some(p) if def.is_some_and(|d| names_accounts(d, f)) => format!(
                "Policy {p} blocked {signins} of {users} to {app}, and it names these accounts in includeUsers: it targets them on purpose. If they should not be blocked, remove them from includeUsers; an exclusion would only contradict the include."
            ),
            Some(p) if def.is_some_and(block_list) => format!(
                "Policy {p} blocks sign-ins from the locations it lists ({}), and these {signins} of {users} to {app} came from inside one of them. If the callers are legitimate, remove their range from that named location or exclude the accounts; otherwise the block is doing its job and nothing should change.",
                def.map(|d| summary(d, locations)).unwrap_or_default()
            ),
            Some(p) if def.is_some() => format!(
                "Policy {p} blocked {signins} of {users} to {app}; it {}. Exclude {users} (or a group they are in) from {p} if they should not be blocked, or change the client so that one of those conditions no longer matches.",
                def.map(|d| summary(d, locations)).unwrap_or_default()
            ),
            Some(p) if location_matched(f) => format!(
                "Policy {p} blocked {signins} of {users} to {app}, and the log says its location condition matched: in the usual IP fence (all locations except the trusted ones) the callers are outside the locations it allows. Add their egress range to the trusted named location the policy allows ({}) rather than excluding the accounts; if the policy instead blocks the locations it lists, the callers are inside one of them and must not be trusted.",
                if locations.is_some() { "the IP finding for these sign-ins lists the range" } else { "run again with --locations for the exact range" }
            ),
            Some(p) => format!(
                "Policy {p} blocked {signins} of {users} to {app}. Find the condition that matched (the evidence lists the conditions the log says were satisfied; with the tenant's policy export, --policies names them and the exact change), then either exclude {users} (or a group they are in) from {p}, or change the client so that condition no longer applies."
            ),
            None if f.without_policy_detail > 0 => format!(
                "Conditional Access blocked {signins} of {users} to {app}, but this export has no per-policy detail, so neither this report nor `casift explain` can name the policy. Download the same sign-ins as JSON (portal: Download → JSON, or Microsoft Graph) and run casift on that file to see the policy and the exact change."
            ),
            None => format!(
                "Conditional Access blocked {signins} of {users} to {app}, but no policy in these records has result failure (the export may leave out Microsoft-managed or security-defaults policies). Open one of the example sign-ins in the portal's Conditional Access tab and compare with `casift explain --id`."
            ),
        },
        Rule::Ca002 => {
            let lead = format!(
                "{} requires MFA, but {} of {users} to {app} {} non-interactive or {} from a legacy client, and such a flow can never answer an MFA prompt (a PAT, a CLI token refresh, basic authentication).",
                capital(&policy.clone().map_or_else(|| "A Conditional Access policy".to_string(), |p| format!("policy {p}"))),
                if f.count == 1 { "this sign-in".to_string() } else { format!("these {signins}") },
                if f.count == 1 { "is" } else { "are" },
                if f.count == 1 { "comes" } else { "come" },
            );
            let (svc, people) = split_people(f);
            let mut t = lead;
            if people.len() == 1 {
                t.push_str(&format!(
                    " {} also signs in interactively, so this is a person whose app refreshed a token without the MFA claim: no policy change is needed; they sign in to the app again and answer the MFA prompt.",
                    people[0]
                ));
            } else if !people.is_empty() {
                t.push_str(&format!(
                    " {} also sign in interactively, so these are people whose apps refreshed tokens without the MFA claim: no policy change is needed; they sign in to the app again and answer the MFA prompt.",
                    list3(&people)
                ));
            }
            if !svc.is_empty() {
                t.push_str(&if svc.len() == 1 {
                    format!(
                        " The account {} signs in only non-interactively in this export: if it is a service account, move the automation to a workload identity (a service principal or managed identity with client credentials), or exclude it from {the_policy} and cover it with a policy it can satisfy, such as a trusted-location condition; if it is a person, they sign in to the app again and answer the MFA prompt.",
                        svc[0]
                    )
                } else {
                    format!(
                        " The accounts {} sign in only non-interactively in this export: for service accounts, move the automation to a workload identity (a service principal or managed identity with client credentials), or exclude them from {the_policy} and cover them with a policy they can satisfy, such as a trusted-location condition; people among them sign in to the app again and answer the MFA prompt.",
                        list3(&svc)
                    )
                });
            }
            t
        }
        Rule::Ca003 | Rule::Ca004 => {
            let what = if f.rule == Rule::Ca003 {
                "a compliant device"
            } else {
                "a Microsoft Entra hybrid joined device"
            };
            let make = if f.rule == Rule::Ca003 {
                "compliant in Intune"
            } else {
                "hybrid joined"
            };
            let (svc, people) = split_people(f);
            let device_hint = "check that the client sends the device identity (an empty device id in the log means it did not: InPrivate, a browser without the single sign-on extension, a client without modern authentication)";
            if f.non_interactive > 0 && !svc.is_empty() {
                let mut t = format!(
                    "{subject} requires {what}. {} {} only non-interactively in this export, and a token flow without a registered device cannot satisfy it: for a service account, move the automation to a workload identity, or exclude it from {the_policy}; for a person, make the device {make}, {device_hint}, and sign in again.",
                    if svc.len() == 1 { format!("The account {}", svc[0]) } else { format!("The accounts {}", list3(&svc)) },
                    if svc.len() == 1 { "signs in" } else { "sign in" },
                );
                if !people.is_empty() {
                    t.push_str(&format!(
                        " For the people ({}), make the device {make} and {device_hint}.",
                        list3(&people)
                    ));
                }
                t
            } else {
                format!(
                    "{subject} requires {what}. Make the device of {users} {make} and {device_hint}; exclude an account from {the_policy} only if it must work from unmanaged devices."
                )
            }
        }
        Rule::Ca005 => format!(
            "{} requires an approved client app or an app protection policy, and the client used is neither. Use an approved app with a broker (for example Outlook mobile with Authenticator or Company Portal installed), assign an Intune app protection policy, or exclude {app} from {the_policy}.",
            subject
        ),
        Rule::Ca006 => format!(
            "{} enforces a sign-in frequency that forced a re-authentication these token-based sign-ins cannot do: a PAT or refresh token older than the interval is rejected. Sign in again interactively and create a new PAT, move the automation to a service principal or managed identity, or exclude {app} (or {users}) from the sign-in frequency control.",
            subject
        ),
        Rule::Ca007 => format!(
            "Report-only policy {the_policy} would have blocked or prompted {signins} of {} to {app} ({users}) if it were on. Before you turn it on, exclude these accounts or the app, or fix their clients so that they satisfy it.",
            plural(f.users.total(), "user", "users")
        ),
        Rule::Ca008 => format!(
            "{} blocked {users} for sign-in or user risk. Investigate the risk in Microsoft Entra ID Protection (Risky users, Risky sign-ins): if it is real, reset the password securely and revoke the sessions; if it is a false positive, confirm the sign-in safe or dismiss the user risk, then retry. Do not exclude the account or trust its IP address to get around a risk block.",
            capital(&policy.clone().map_or_else(|| "Conditional Access".to_string(), |p| format!("policy {p}")))
        ),
        Rule::Ip001 => {
            let target = location_target(locations, def);
            let n = sugg.cidrs.len() as u64;
            let lead = if f.conditional >= f.count {
                format!(
                    "If {the_policy} uses a location condition (this export cannot show it), add {} to {target}. Check the policy's Network settings first: if it has no location condition, trusting these addresses does not help and another finding for these sign-ins holds the fix.",
                    ranges(sugg)
                )
            } else {
                if def.is_some() {
                    format!(
                        "Add {} to {target}. These addresses lie in no trusted named location, so {the_policy} blocked {signins}.",
                        ranges(sugg)
                    )
                } else {
                    format!(
                        "Add {} to {target}. These addresses lie in no trusted named location, and the log says the location condition of {the_policy} matched them ({signins}): in the usual IP fence (all locations except the trusted ones) they are outside the locations it allows. If the policy instead blocks the locations or countries it lists, they are inside one of them and must not be trusted (the policy export, given with --policies, tells which).",
                        ranges(sugg)
                    )
                }
            };
            format!(
                "{lead} Only the addresses seen are listed ({}); widen a range only if you know the caller's whole egress range.{}",
                plural(n, "range", "ranges"),
                sugg.cautions()
            )
        }
        Rule::Ip002 => "The sign-in log and the named-locations file disagree about these addresses: either the file is stale (export the named locations again: GET /identity/conditionalAccess/namedLocations) or Conditional Access evaluated another address than the one logged. Compare the evidence lines, then update the file or the named location.".to_string(),
        Rule::Ip003 => {
            let blocked = match &policy {
                Some(p) => format!("Policy {p} failed for these sign-ins. "),
                None => String::new(),
            };
            if locations.is_some() && !sugg.cidrs.is_empty() {
                format!(
                    "The client IP and the IP seen by the resource differ (often IPv6 to one endpoint and IPv4 to the other, or a split-tunnel VPN). {blocked}Add {} (the addresses outside every trusted location) to {}, so that both paths are trusted.{}",
                    ranges(sugg),
                    location_target(locations, def),
                    sugg.cautions()
                )
            } else {
                format!(
                    "The client IP and the IP seen by the resource differ (often IPv6 to one endpoint and IPv4 to the other, or a split-tunnel VPN). {blocked}Add both the IPv4 and the IPv6 egress ranges of these callers to the trusted named location that {the_policy} relies on; give --locations to see which address is outside it."
                )
            }
        }
        Rule::Sd001 => {
            let res: Vec<&str> = f.resources.iter().take(3).map(String::as_str).collect();
            format!(
                "{} applied to {app} through a service dependency: the blocked resource is {}, not the app itself. A policy that targets that resource also applies to every app that calls it; scope the policy's target resources (or its exclusions) with that in mind.",
                subject,
                if res.is_empty() {
                    "another resource".to_string()
                } else {
                    res.join(", ")
                }
            )
        }
    }
}

/// What a policy targets, in one clause: "applies to All users except 1 group, to Azure
/// DevOps, from all locations except 'Contoso HQ'".
pub fn summary(def: &Policy, locations: Option<&NamedLocations>) -> String {
    let list = |v: &[String], what: &str| -> String {
        match v.len() {
            0 => String::new(),
            1 => format!("1 {what}"),
            n => format!("{n} {what}s"),
        }
    };
    let mut parts = Vec::new();
    if let Some(u) = &def.conditions.users {
        let inc = if u
            .include_users
            .iter()
            .any(|x| x.eq_ignore_ascii_case("All"))
        {
            "all users".to_string()
        } else {
            [
                list(&u.include_users, "user"),
                list(&u.include_groups, "group"),
                list(&u.include_roles, "role"),
            ]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        };
        let exc: Vec<String> = [
            list(&u.exclude_users, "user"),
            list(&u.exclude_groups, "group"),
            list(&u.exclude_roles, "role"),
        ]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
        parts.push(if exc.is_empty() {
            format!("applies to {inc}")
        } else {
            format!("applies to {inc} except {}", exc.join(", "))
        });
    }
    let apps = &def.conditions.applications.include_applications;
    if !apps.is_empty() {
        let names: Vec<String> = apps
            .iter()
            .map(|a| {
                if a.eq_ignore_ascii_case("All") {
                    "all resources".to_string()
                } else {
                    knowledge::well_known_app(a).map_or_else(|| a.clone(), str::to_string)
                }
            })
            .collect();
        parts.push(format!("to {}", names.join(", ")));
    }
    if let Some(l) = &def.conditions.locations {
        let name = |id: &String| {
            locations
                .and_then(|ls| ls.locations.iter().find(|n| n.id.eq_ignore_ascii_case(id)))
                .map_or_else(|| id.clone(), |n| format!("'{}'", n.name))
        };
        let inc: Vec<String> = l
            .include
            .iter()
            .map(|i| {
                if i.eq_ignore_ascii_case("All") {
                    "all locations".to_string()
                } else {
                    name(i)
                }
            })
            .collect();
        let exc: Vec<String> = l.exclude.iter().map(name).collect();
        if !inc.is_empty() || !exc.is_empty() {
            let inc = if inc.is_empty() {
                "all locations".to_string()
            } else {
                inc.join(", ")
            };
            parts.push(if exc.is_empty() {
                format!("from {inc}")
            } else {
                format!("from {inc} except {}", exc.join(", "))
            });
        }
    }
    if !def.conditions.transfer_methods.is_empty() {
        parts.push(format!(
            "for the authentication flows {}",
            def.conditions.transfer_methods.join(", ")
        ));
    }
    if !def.conditions.client_app_types.is_empty()
        && !def
            .conditions
            .client_app_types
            .iter()
            .any(|c| c.eq_ignore_ascii_case("all"))
    {
        parts.push(format!(
            "for the client apps {}",
            def.conditions.client_app_types.join(", ")
        ));
    }
    if let Some(g) = &def.grant {
        let c = g.controls();
        if g.has("block") {
            parts.push("and blocks access".to_string());
        } else if !c.is_empty() {
            parts.push(format!(
                "and requires {}",
                c.join(if g.is_or() { " or " } else { " and " })
            ));
        }
    }
    parts.join(", ")
}

/// The policy lists one of the finding's accounts in `includeUsers`.
pub fn names_accounts(def: &Policy, f: &FindingAcc) -> bool {
    def.conditions.users.as_ref().is_some_and(|u| {
        f.accounts
            .values()
            .any(|id| u.include_users.iter().any(|i| i.eq_ignore_ascii_case(id)))
    })
}

/// A location condition that lists the locations it targets (a block list), rather than "all
/// locations except these" (an allow list).
pub fn block_list(def: &Policy) -> bool {
    def.conditions.locations.as_ref().is_some_and(|l| {
        !l.include.is_empty() && !l.include.iter().any(|i| i.eq_ignore_ascii_case("All"))
    })
}

/// The log's `conditionsSatisfied` (kept in the evidence) names `location` for this policy.
fn location_matched(f: &FindingAcc) -> bool {
    f.evidence.iter().any(|e| {
        e.split("conditions satisfied:").nth(1).is_some_and(|rest| {
            rest.split([',', ' ', ';'])
                .any(|w| w.trim().eq_ignore_ascii_case("location"))
        })
    })
}

/// Every sign-in of the finding came from a legacy authentication client (IMAP4, POP3, ...).
pub fn legacy_only(f: &FindingAcc) -> bool {
    !f.client_apps.is_empty()
        && !f.client_apps.is_capped()
        && f.client_apps.iter().all(|c| knowledge::is_legacy_client(c))
}

/// The finding's accounts as (service accounts, people): people also sign in interactively
/// somewhere in the input.
fn split_people(f: &FindingAcc) -> (Vec<&str>, Vec<&str>) {
    f.users
        .iter()
        .map(String::as_str)
        .partition(|u| !f.people.contains(*u))
}

/// "a, b, c and 4 more".
fn list3(v: &[&str]) -> String {
    match v.len() {
        0..=3 => v.join(", "),
        n => format!("{} and {} more", v[..3].join(", "), n - 3),
    }
}

/// First letter upper case (for sentences that start with a policy phrase).
fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
