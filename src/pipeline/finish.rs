//! The end of a run: its merged `State` turned into the `Analysis` the reports render
//! (finished findings with their fixes, causes, per-IP rows, totals and notes).

use super::{MAX_INPUT_NOTES, State};
use crate::analysis::{Acc, Analysis, Finding, IpKey, IpRow, counted};
use crate::evaluate::{Rule, join, remedy, story, suggest};
use crate::locations::NamedLocations;

/// The `Analysis` of a run's state: findings, causes, summaries and notes.
pub fn finish(
    st: State,
    locations: Option<&NamedLocations>,
    opts_policies: Option<&crate::policy::PolicySet>,
) -> Analysis {
    let mut totals = st.totals;
    let acc = st.acc;
    totals.records_matched = acc.totals.signins;
    totals.failures = acc.totals.failures;
    totals.interrupted = acc.totals.interrupted;
    totals.ca_failures = acc.totals.ca_failures;
    totals.abandoned_flows = acc.abandoned_flows();

    let policies = opts_policies;
    let mut findings: Vec<Finding> = acc
        .findings
        .values()
        .map(|f| {
            let mut f = f.clone();
            f.people = f
                .users
                .iter()
                .filter(|u| {
                    acc.interactive_users
                        .contains(crate::analysis::fingerprint(u.as_str()))
                })
                .cloned()
                .collect();
            let f = &f;
            let sugg = if matches!(f.rule, Rule::Ip001 | Rule::Ip003) && f.hit_ips.is_capped() {
                suggest::too_many(f.hit_ips.total())
            } else if matches!(f.rule, Rule::Ip001 | Rule::Ip003) {
                let ips: Vec<_> = f.hit_ips.iter().copied().collect();
                suggest::suggest(&ips)
            } else {
                suggest::Suggestion::default()
            };
            let def = f
                .policy
                .as_ref()
                .and_then(|p| policies.and_then(|ps| ps.get(&p.id)));
            Finding {
                remediation: remedy::remediation(f, locations, &sugg, def),
                fix: def.and_then(|d| join::fix_for(f, &sugg, d, locations)),
                acc: f.clone(),
                suggested_cidrs: sugg.texts(),
            }
        })
        .collect();
    // A PATCH replaces a location's whole list: never build one from a copy the log shows
    // is stale (IP002), or applying it would drop the tenant's real ranges.
    let stale: std::collections::BTreeSet<String> = acc
        .findings
        .values()
        .filter(|f| f.rule == Rule::Ip002)
        .flat_map(|f| f.stale_locations.iter().map(|n| n.to_lowercase()))
        .collect();
    for f in &mut findings {
        let Some(fix) = &mut f.fix else { continue };
        let Some(t) = &fix.target else { continue };
        if t.kind == crate::policy::fix::TargetKind::NamedLocation
            && stale.contains(&t.display_name.to_lowercase())
            && fix.graph_request.take().is_some()
        {
            f.remediation.push_str(&format!(
                " The log contradicts the locations file about '{}' (IP002): its copy is stale, so export the named locations again before changing it, and add the ranges to the current list rather than replacing the list with the file's.",
                t.display_name
            ));
        }
    }
    // Severity, then count, then a total order on the group key.
    findings.sort_by(|a, b| {
        b.acc
            .severity()
            .cmp(&a.acc.severity())
            .then(b.acc.count.cmp(&a.acc.count))
            .then(a.acc.rule.cmp(&b.acc.rule))
            .then(a.acc.policy.cmp(&b.acc.policy))
            .then(a.acc.app_id.cmp(&b.acc.app_id))
            .then(a.acc.app_name.cmp(&b.acc.app_name))
    });

    let (causes, causes_total) = story::causes(&acc.causes, &findings, locations, policies);

    let by_ip = acc
        .by_ip
        .iter()
        .map(|(ip, t)| {
            let addr = match ip {
                IpKey::Addr(a) => Some(*a),
                IpKey::Text(_) => None,
            };
            let (names, total, trusted) = match (locations, addr) {
                (Some(l), Some(addr)) => {
                    let idx = l.containing(addr);
                    let names = idx
                        .iter()
                        .take(crate::analysis::MAX_IP_LOCATIONS)
                        .map(|&i| l.locations[i].name.clone())
                        .collect();
                    (names, idx.len() as u64, Some(l.is_trusted(addr)))
                }
                (Some(_), None) => (Vec::new(), 0, Some(false)),
                (None, _) => (Vec::new(), 0, None),
            };
            IpRow {
                ip: ip.to_string(),
                tally: *t,
                locations: names,
                locations_total: total,
                trusted,
            }
        })
        .collect();

    let mut notes = Vec::new();
    notes.extend(devops_note(&findings));
    if locations.is_none() {
        notes.push("No --locations file was given: IP001 (IP outside trusted named locations) and IP002 (location drift) were not evaluated.".to_string());
    }
    if let Some(l) = locations {
        let offline: Vec<&str> = l
            .locations
            .iter()
            .filter(|n| !n.is_evaluable())
            .map(|n| n.name.as_str())
            .collect();
        if !offline.is_empty() {
            notes.push(format!(
                "{} cannot be evaluated offline (compliant network, or countries looked up by Authenticator GPS) and {} not matched: {}.",
                if offline.len() == 1 { "One named location" } else { "Some named locations" },
                if offline.len() == 1 { "was" } else { "were" },
                offline.join(", ")
            ));
        }
    }
    let hidden: u64 = acc
        .by_policy
        .values()
        .filter_map(|p| p.results.get("unknownFutureValue"))
        .sum();
    if hidden > 0 {
        notes.push(format!(
            "{} `unknownFutureValue`: Graph returns that for report-only results (reportOnlyFailure, reportOnlyInterrupted, ...) unless the request sends `Prefer: include-unknown-enum-members`, so CA007 cannot see them. Export again with that header to see what report-only policies would do.",
            counted(hidden, "policy result is", "policy results are")
        ));
    }
    if acc.without_policy_detail > 0 {
        notes.push(format!(
            "{} from a portal CSV export, which carries no per-policy Conditional Access detail: the findings are classified from the error code and the Conditional Access column. Download the JSON export to see which policy failed.",
            counted(acc.without_policy_detail, "matched sign-in comes", "matched sign-ins come")
        ));
    }
    if acc.interactivity_unknown > 0 {
        notes.push(format!(
            "{} not say whether {} interactive (a renamed portal CSV, or a record without isInteractive and signInEventTypes): --interactive and --non-interactive never match such sign-ins, and interrupt codes count as interrupted.",
            counted(acc.interactivity_unknown, "matched sign-in does", "matched sign-ins do"),
            if acc.interactivity_unknown == 1 { "it was" } else { "they were" }
        ));
    }
    let auth_rows: u64 = st
        .inputs
        .iter()
        .filter(|r| r.format == crate::input::Format::AuthDetailsCsv)
        .map(|r| r.analysed)
        .sum();
    if auth_rows > 0 {
        notes.push(format!(
            "{} joined by Request ID onto {}; they are not counted as sign-ins in the totals.",
            counted(
                auth_rows,
                "authentication-detail row was",
                "authentication-detail rows were"
            ),
            counted(st.joined, "matched sign-in", "matched sign-ins")
        ));
    }
    notes.extend(crate::analysis::non_ip_note(acc.non_ip_values));
    if st.collected_total > st.collected.len() as u64 {
        notes.push(format!(
            "{} matched; the first {} in input order are explained. Narrow the search (--id, --user, --since/--until), or list them all with `casift filter`.",
            counted(st.collected_total, "sign-in", "sign-ins"),
            st.collected.len()
        ));
    }
    notes.extend(capped_notes(&acc));
    if st.skipped_total > st.skipped.len() as u64 {
        notes.push(format!(
            "{} records were skipped; the first {} are listed.",
            st.skipped_total,
            st.skipped.len()
        ));
    }
    // Bounded: a zip of 100,000 members with a note each would be 100,000 notes.
    let input_notes: Vec<String> = st
        .inputs
        .iter()
        .flat_map(|r| r.notes.iter().map(move |n| format!("{}: {n}", r.path)))
        .collect();
    let listed = input_notes.len().min(MAX_INPUT_NOTES);
    if input_notes.len() > listed {
        notes.push(format!(
            "{} notes on inputs; the first {listed} follow (each input's own are in the JSON report's inputs[]).",
            input_notes.len()
        ));
    }
    notes.extend(input_notes.into_iter().take(listed));
    let mut skipped = st.skipped;
    skipped.sort_by_key(|s| (s.input, s.record));
    Analysis {
        inputs: st.inputs,
        totals,
        findings,
        causes,
        causes_total,
        policies: None,
        acc,
        by_ip,
        skipped,
        notes,
        collected: st.collected,
        locations_loaded: locations.is_some(),
    }
}

/// The Azure DevOps facts that matter for IP fencing, once per report and only where an IP
/// finding concerns Azure DevOps (never pasted into MFA or sign-in-frequency findings).
fn devops_note(findings: &[Finding]) -> Option<String> {
    let ado = findings.iter().any(|f| {
        matches!(f.acc.rule, Rule::Ip001 | Rule::Ip003)
            && crate::knowledge::is_azure_devops(&f.acc.app_id)
    });
    ado.then(|| remedy::DEVOPS_IP_NOTE.to_string())
}

/// What the accumulators' caps (DESIGN.md §9) left out, said once each: the report lists are
/// from the smallest keys kept, and every total still counts all of them.
fn capped_notes(acc: &Acc) -> Vec<String> {
    let cuts = [
        (acc.findings.cut(), "finding groups (rule, policy, app)"),
        (acc.causes.cut(), "blocked (account, app, policy) rows"),
        (acc.by_user.cut(), "accounts"),
        (acc.by_app.cut(), "apps"),
        (acc.by_ip.cut(), "client addresses"),
        (acc.by_policy.cut(), "policies"),
        (acc.by_error_code.cut(), "error codes"),
        (acc.timeline.cut(), "hours in the timeline"),
    ];
    cuts.into_iter()
        .filter_map(|(cut, what)| {
            let (total, kept) = cut?;
            Some(format!(
                "{total} distinct {what}: more than casift keeps in memory, so its lists are drawn from the first {kept} in sort order, while every count and total covers all of them. Narrow the run with filters (--user, --app, --since) to see the rest."
            ))
        })
        .collect()
}
