//! "Blocked sign-ins at a glance": turns the cause accumulators into `causes[]` rows, each
//! with the cause in one sentence and the one change that fixes it (the remediation and
//! `fix` of the most specific finding for the same policy and app). Text only.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::Rule;
use super::remedy::plural;
use crate::analysis::{Cause, CauseAcc, CauseKey, Finding, MAX_CAUSES};
use crate::knowledge;

/// Which finding's fix is "the" fix, most specific first. IP001 with evidence names the
/// exact range to add; a conditional IP001 only where nothing better is known.
const PRIORITY: [Rule; 11] = [
    Rule::Ip001,
    Rule::Ca008,
    Rule::Ca002,
    Rule::Ca003,
    Rule::Ca004,
    Rule::Ca005,
    Rule::Ca006,
    Rule::Ip003,
    // A conditional IP001 still says more than a generic block.
    Rule::Ip001,
    Rule::Ca001,
    Rule::Sd001,
];

/// The rows, most sign-ins first (then a total order), cut at [`MAX_CAUSES`], and how many
/// there were.
pub fn causes(
    acc: &crate::analysis::CappedMap<CauseKey, CauseAcc, { crate::analysis::MAX_CAUSE_KEYS }>,
    findings: &[Finding],
    locations: Option<&crate::locations::NamedLocations>,
    policies: Option<&crate::policy::PolicySet>,
) -> (Vec<Cause>, u64) {
    let index: BTreeMap<(Rule, &str, &str), &Finding> = findings
        .iter()
        .map(|f| {
            let app = if f.acc.app_id.is_empty() {
                f.acc.app_name.as_str()
            } else {
                f.acc.app_id.as_str()
            };
            (
                (
                    f.acc.rule,
                    f.acc.policy.as_ref().map_or("", |p| p.id.as_str()),
                    app,
                ),
                f,
            )
        })
        .collect();
    // Ranked on the accumulators' own fields first: only the rows kept get their sentences
    // and fixes (building one costs far more than comparing two).
    // The order is total (the key last), so the entries need no order to start with, and
    // choosing the first [`MAX_CAUSES`] and sorting only those gives the rows a full sort
    // would: up to 50,000 keys, 200 kept.
    let order = |(ka, a): &(&CauseKey, &CauseAcc), (kb, b): &(&CauseKey, &CauseAcc)| {
        by_fields(a, b).then_with(|| ka.cmp(kb))
    };
    let mut ranked: Vec<(&CauseKey, &CauseAcc)> = acc.iter_unordered().collect();
    let total = (ranked.len() as u64).max(acc.total());
    if ranked.len() > MAX_CAUSES {
        ranked.select_nth_unstable_by(MAX_CAUSES, order);
        ranked.truncate(MAX_CAUSES);
    }
    ranked.sort_unstable_by(order);
    let rows: Vec<Cause> = ranked
        .into_iter()
        .map(|((_, _, _, app, pid), c)| {
            let find = |r: Rule| index.get(&(r, pid.as_str(), app.as_str())).copied();
            let certain_ip = find(Rule::Ip001)
                .filter(|f| c.rules.contains(&Rule::Ip001) && f.acc.conditional < f.acc.count);
            let chosen = certain_ip.or_else(|| {
                PRIORITY
                    .iter()
                    .skip(1)
                    .filter(|r| c.rules.contains(r))
                    // IP003 only where it names addresses outside the trusted locations.
                    .filter(|r| **r != Rule::Ip003 || find(**r).is_some_and(|f| !f.suggested_cidrs.is_empty()))
                    .find_map(|r| find(*r))
                    .or_else(|| find(Rule::Ip001).filter(|_| c.rules.contains(&Rule::Ip001)))
            });
            let mut rules: Vec<Rule> = Vec::new();
            for r in PRIORITY {
                if c.rules.contains(&r) && !rules.contains(&r) {
                    rules.push(r);
                }
            }
            if let Some(f) = chosen
                && let Some(i) = rules.iter().position(|r| *r == f.acc.rule)
            {
                let r = rules.remove(i);
                rules.insert(0, r);
            }
            let own = chosen.and_then(|f| own_fix(c, f, locations, policies));
            Cause {
                principal: c.principal.clone(),
                app_id: c.app_id.clone(),
                app_name: c.app_name.clone(),
                policy: c.policy.clone(),
                rules,
                count: c.count,
                cause: sentence(c, chosen),
                change: change(c, chosen, own_cidrs(c, chosen).as_deref()),
                fix_text: own
                    .as_ref()
                    .map(|o| o.0.clone())
                    .or_else(|| chosen.map(|f| f.remediation.clone()))
                    .unwrap_or_else(|| "Open one of these sign-ins with `casift explain --id` to see the failing policy and its conditions.".to_string()),
                fix: match &own {
                    Some(o) => o.1.clone(),
                    None => chosen.and_then(|f| f.fix.clone()),
                },
            }
        })
        .collect();
    (rows, total)
}

/// Most sign-ins first, then principal, app and policy: the order of the rows but for the
/// key, which breaks the ties left.
fn by_fields(a: &CauseAcc, b: &CauseAcc) -> std::cmp::Ordering {
    b.count
        .cmp(&a.count)
        .then_with(|| a.principal.cmp(&b.principal))
        .then_with(|| a.app_id.cmp(&b.app_id))
        .then_with(|| a.app_name.cmp(&b.app_name))
        .then_with(|| a.policy.cmp(&b.policy))
}

fn policy_short(c: &CauseAcc) -> String {
    match &c.policy {
        Some(p) if !p.display_name.is_empty() => format!("'{}'", p.display_name),
        Some(p) if !p.id.is_empty() => format!("policy {}", p.id),
        _ => "an unnamed policy".to_string(),
    }
}

/// "PAT, REST or git calls", "non-interactive sign-ins", "sign-ins".
fn flow(c: &CauseAcc) -> &'static str {
    let ado = knowledge::is_azure_devops(&c.app_id);
    if c.non_interactive == c.count {
        if ado {
            "PAT, REST or git calls"
        } else {
            "non-interactive sign-ins (tokens, CLI or service accounts)"
        }
    } else if c.non_interactive > 0 {
        "sign-ins (some non-interactive)"
    } else {
        "interactive sign-ins"
    }
}

fn ips(c: &CauseAcc) -> String {
    let shown: Vec<String> = c.ips.iter().take(3).map(IpAddr::to_string).collect();
    let more = c.ips.len() > 3 || c.more_ips;
    match (shown.is_empty(), more) {
        (true, _) => "an address not in the log".to_string(),
        (false, false) => shown.join(", "),
        (false, true) => format!("{} and others", shown.join(", ")),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn sentence(c: &CauseAcc, chosen: Option<&Finding>) -> String {
    let p = policy_short(c);
    let fl = flow(c);
    let n = plural(c.count, "sign-in", "sign-ins");
    let mut t = match chosen.map(|f| (f.acc.rule, f.acc.conditional >= f.acc.count)) {
        Some((Rule::Ip001, false)) => format!(
            "{} from {} outside the trusted locations that {p} requires",
            capital(fl),
            ips(c)
        ),
        Some((Rule::Ip001, true)) => format!(
            "{} from {} blocked by {p}; the address is in no trusted location, but the export cannot show whether the policy checks the location",
            capital(fl),
            ips(c)
        ),
        Some((Rule::Ca002, _)) => format!("{p} requires MFA, and {fl} cannot answer an MFA prompt"),
        Some((Rule::Ca003, _)) => {
            format!(
                "{p} requires a compliant device, and the device of these {fl} was not compliant or not sent"
            )
        }
        Some((Rule::Ca004, _)) => {
            format!(
                "{p} requires a hybrid joined device, and the device of these {fl} was not hybrid joined or not sent"
            )
        }
        Some((Rule::Ca005, _)) => format!(
            "{p} requires an approved client app or app protection, which the client is not"
        ),
        Some((Rule::Ca006, _)) => {
            format!("{p} forced a re-authentication (sign-in frequency) that {fl} cannot do")
        }
        Some((Rule::Ip003, _)) => format!(
            "{} from {}: the resource saw another address, outside the trusted locations that {p} requires",
            capital(fl),
            ips(c)
        ),
        Some((Rule::Ca008, _)) => {
            format!("{} blocked for sign-in or user risk by {p}", capital(fl))
        }
        Some((Rule::Ca001 | Rule::Ca007, _))
            if chosen.is_some_and(|f| super::remedy::legacy_only(&f.acc)) =>
        {
            format!(
                "{p} blocks legacy authentication ({}), which {fl} used",
                chosen
                    .map(|f| f
                        .acc
                        .client_apps
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )
        }
        _ if c.policy.is_none() => format!(
            "Conditional Access blocked {fl} ({}); the export does not name the policy",
            codes(c)
        ),
        _ => format!("{p} blocks {fl}"),
    };
    if c.rules.contains(&Rule::Sd001) {
        t.push_str(" (through a service dependency: the blocked resource is not the app itself)");
    }
    format!("{} ({n}).", capital(&t))
}

fn codes(c: &CauseAcc) -> String {
    let v: Vec<String> = c.error_codes.iter().map(|e| format!("error {e}")).collect();
    if v.is_empty() {
        "no error code".to_string()
    } else {
        v.join(", ")
    }
}

/// The change in a few words, for the at-a-glance table (the full text is `fix_text`).
/// The ranges of this cause's own addresses, where its finding is shared by several accounts.
fn own_cidrs(c: &CauseAcc, chosen: Option<&Finding>) -> Option<Vec<String>> {
    let f = chosen?;
    if f.acc.users.total() <= 1 || !matches!(f.acc.rule, Rule::Ip001 | Rule::Ip003) {
        return None;
    }
    let ips: Vec<IpAddr> = c.hit_ips.as_ref()?.iter().copied().collect();
    Some(super::suggest::suggest(&ips).texts())
}

fn change(c: &CauseAcc, chosen: Option<&Finding>, own: Option<&[String]>) -> String {
    let p = policy_short(c);
    let who = if c.principal.name.is_empty() {
        "the account".to_string()
    } else {
        c.principal.name.clone()
    };
    let Some(f) = chosen else {
        return "Open a sign-in with casift explain --id to see the failing policy".to_string();
    };
    let ranges = |f: &Finding| {
        let target = f
            .fix
            .as_ref()
            .and_then(|x| x.target.as_ref())
            .filter(|t| t.kind == crate::policy::fix::TargetKind::NamedLocation)
            .map_or_else(
                || "a trusted named location".to_string(),
                |t| format!("'{}'", t.display_name),
            );
        let cidrs = own.unwrap_or(&f.suggested_cidrs);
        format!("Add {} to {target}", cidrs.join(", "))
    };
    let person = c.principal.kind == crate::policy::PrincipalKind::User
        && f.acc
            .people
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&c.principal.name));
    let location_matched = f.acc.evidence.iter().any(|e| {
        e.contains("conditions satisfied:") && e.to_ascii_lowercase().contains("location")
    });
    match f.acc.rule {
        Rule::Ip001 | Rule::Ip003 if !f.suggested_cidrs.is_empty() => ranges(f),
        Rule::Ip001 | Rule::Ip003 => {
            "Add the caller's egress range to a trusted named location".to_string()
        }
        Rule::Ca008 => {
            "Remediate the risk in ID Protection (never exclude or trust the IP)".to_string()
        }
        Rule::Ca001 | Rule::Ca007 if super::remedy::legacy_only(&f.acc) => {
            "Move the client to modern authentication (never exclude the account)".to_string()
        }
        _ if c.policy.is_none() => "Download the export as JSON to name the policy".to_string(),
        Rule::Ca002 if person => "Sign in to the app again and answer the MFA prompt".to_string(),
        Rule::Ca002 => format!("Use a workload identity, or exclude {who} from {p}"),
        Rule::Ca003 => format!("Make the device compliant (or, for a service account, exclude {who} from {p})"),
        Rule::Ca004 => format!("Hybrid join the device (or, for a service account, exclude {who} from {p})"),
        Rule::Ca005 => "Use an approved client app or an app protection policy".to_string(),
        Rule::Ca006 => "Sign in again and renew the token, or use a workload identity".to_string(),
        Rule::Ca007 => format!("Exclude {who} from {p} before turning it on"),
        // The log says the location condition matched: the fix is the caller's range.
        Rule::Ca001 if location_matched => {
            "Add the caller's egress range to the location the policy allows (give --locations for it)".to_string()
        }
        // The join decided against an exclusion: say why instead.
        Rule::Ca001
            if f.fix.as_ref().is_some_and(|x| {
                x.action == crate::policy::fix::FixAction::Review && !x.values.is_empty()
            }) =>
        {
            let why = f.fix.as_ref().map(|x| x.values[0].clone()).unwrap_or_default();
            let mut c = why.chars();
            c.next()
                .map(|first| first.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        Rule::Ca001 => format!("Exclude {who} from {p}, or change the condition that matched"),
        Rule::Sd001 => format!("Scope the target resources of {p}"),
        Rule::Ip002 => "Export the named locations again".to_string(),
    }
}

/// For a finding shared by several accounts, the fix of this cause alone: its own addresses,
/// its own count, its own account (the finding's text would add other callers' ranges).
fn own_fix(
    c: &CauseAcc,
    f: &Finding,
    locations: Option<&crate::locations::NamedLocations>,
    policies: Option<&crate::policy::PolicySet>,
) -> Option<(String, Option<crate::policy::fix::Fix>)> {
    if f.acc.users.total() <= 1 || !matches!(f.acc.rule, Rule::Ip001 | Rule::Ip003) {
        return None;
    }
    let ips = c.hit_ips.as_ref()?;
    let mut view = f.acc.clone();
    view.count = c.count;
    view.non_interactive = c.non_interactive;
    view.conditional = if f.acc.conditional >= f.acc.count {
        c.count
    } else {
        0
    };
    view.users = std::iter::once(c.principal.name.clone()).collect();
    view.accounts
        .retain(|label, _| label.eq_ignore_ascii_case(&c.principal.name));
    view.people
        .retain(|u| u.eq_ignore_ascii_case(&c.principal.name));
    view.hit_ips = ips.iter().copied().collect();
    let sugg = super::suggest::suggest(&ips.iter().copied().collect::<Vec<_>>());
    let def = f
        .acc
        .policy
        .as_ref()
        .and_then(|p| policies.and_then(|ps| ps.get(&p.id)));
    let text = super::remedy::remediation(&view, locations, &sugg, def);
    let fix = def.and_then(|d| super::join::fix_for(&view, &sugg, d, locations));
    // Keep the finding's warning about a stale location (its request was withdrawn).
    let fix = match (fix, &f.fix) {
        (Some(mut x), Some(orig)) if orig.graph_request.is_none() => {
            x.graph_request = None;
            Some(x)
        }
        (x, _) => x,
    };
    let text = match f
        .remediation
        .find(" The log contradicts the locations file")
    {
        Some(i) => format!("{text}{}", &f.remediation[i..]),
        None => text,
    };
    Some((text, fix))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::analysis::{CappedMap, MAX_CAUSE_KEYS, Principal};
    use crate::evaluate::PolicyRef;
    use crate::policy::PrincipalKind;

    fn cause(name: &str, app: &str, policy: &str, count: u64) -> (CauseKey, CauseAcc) {
        let key = (
            PrincipalKind::User,
            name.to_lowercase(),
            String::new(),
            app.to_string(),
            policy.to_string(),
        );
        let acc = CauseAcc {
            principal: Principal {
                kind: PrincipalKind::User,
                id: String::new(),
                name: name.to_string(),
            },
            app_id: app.to_string(),
            app_name: String::new(),
            policy: Some(PolicyRef {
                id: policy.to_string(),
                display_name: String::new(),
            }),
            rules: BTreeSet::from([Rule::Ca001]),
            count,
            non_interactive: 0,
            ips: BTreeSet::new(),
            more_ips: false,
            error_codes: BTreeSet::new(),
            hit_ips: Some(BTreeSet::new()),
        };
        (key, acc)
    }

    /// Far more causes than are kept, some equal on every field but the key (no policy id:
    /// the key's rule tells them apart): the rows are those of the full stable sort over
    /// key order that `causes` replaced.
    #[test]
    fn the_cut_keeps_the_first_of_the_full_order() {
        let mut acc: CappedMap<CauseKey, CauseAcc, MAX_CAUSE_KEYS> = CappedMap::default();
        for i in 0..1_500u64 {
            let name = format!("user{}@example.com", i % 97);
            // Records 582 apart share name, app, count and parity, not the rule.
            let count = 1 + ((i % 291) * 7919) % 7;
            let (mut k, mut v) = cause(&name, &format!("app{}", i % 3), "", count);
            if i % 2 == 0 {
                v.policy = None;
                let rule = [Rule::Ca001, Rule::Ca002, Rule::Ca005][((i / 291) % 3) as usize];
                k.2 = rule.id().to_string();
                v.rules = BTreeSet::from([rule]);
            } else {
                k.4 = format!("p{}", i % 5);
                v.policy = Some(PolicyRef {
                    id: k.4.clone(),
                    display_name: String::new(),
                });
            }
            if !acc.contains_key(&k) {
                acc.insert(k, v);
            }
        }
        // The old way: every entry in key order, sorted (stably) on the fields.
        let mut all: Vec<(&CauseKey, &CauseAcc)> = acc.iter().collect();
        all.sort_by(|(_, a), (_, b)| by_fields(a, b));
        let ties = all
            .windows(2)
            .filter(|w| {
                let (a, b) = (w[0].1, w[1].1);
                (a.count, &a.principal, &a.app_id, &a.policy)
                    == (b.count, &b.principal, &b.app_id, &b.policy)
            })
            .count();
        assert!(
            ties > 50,
            "the test needs entries equal but for the key: {ties}"
        );
        assert!(all.len() > MAX_CAUSES);
        let (rows, total) = causes(&acc, &[], None, None);
        assert_eq!(total, all.len() as u64);
        assert_eq!(rows.len(), MAX_CAUSES);
        let row = |c: &CauseAcc| {
            (
                c.principal.name.clone(),
                c.app_id.clone(),
                c.policy.clone(),
                c.rules.iter().copied().collect::<Vec<_>>(),
                c.count,
            )
        };
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.principal.name.clone(),
                    r.app_id.clone(),
                    r.policy.clone(),
                    r.rules.clone(),
                    r.count,
                )
            })
            .collect();
        let want: Vec<_> = all[..MAX_CAUSES].iter().map(|(_, c)| row(c)).collect();
        assert_eq!(got, want);
    }
}
