//! A hand-built `Analysis` for the writers' unit tests: causes (more than the human formats
//! show), findings with hostile values, many users, and an IP in many named locations, so
//! the at-a-glance block, the caps and the escaping can be tested without running the
//! pipeline.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};

use crate::analysis::{
    Acc, Analysis, Cause, Finding, FindingAcc, InputReport, IpKey, IpRow, IpText, Principal, Tally,
    Totals,
};
use crate::evaluate::{PolicyRef, Rule};
use crate::policy::PrincipalKind;

/// A value with every kind of character a terminal must not receive raw.
pub const HOSTILE: &str = "evil\u{1b}[2J\u{202e}gnp.exe\u{200b}|<b>&amp;</b>";

fn tally(signins: u64, failures: u64, ca: u64) -> Tally {
    Tally {
        signins,
        failures,
        interrupted: 0,
        ca_failures: ca,
    }
}

fn finding(rule: Rule, policy: &str, users: usize, count: u64, remediation: &str) -> Finding {
    let t = Utc
        .with_ymd_and_hms(2026, 10, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let users: BTreeSet<String> = (0..users)
        .map(|i| format!("user{i:03}@example.com"))
        .collect();
    Finding {
        acc: FindingAcc {
            rule,
            policy: (!policy.is_empty()).then(|| PolicyRef {
                id: "00000000-0000-4000-8000-00000000a001".into(),
                display_name: policy.into(),
            }),
            app_id: "499b84ac-1321-427f-aa17-267ca6975798".into(),
            app_name: "Azure DevOps".into(),
            count,
            ips: (0..users.len().min(150))
                .map(|i| {
                    let ip = std::net::IpAddr::from([203, 0, 113, (i % 250) as u8]);
                    IpText::new(IpKey::Addr(ip))
                })
                .collect(),
            users: users.into_iter().collect(),
            error_codes: [53003].into_iter().collect(),
            first_seen: t,
            last_seen: t,
            examples: vec!["00000000-0000-4000-8000-000000000001".into()],
            evidence: BTreeSet::new(),
            evidence_dropped: 0,
            evidence_more: BTreeSet::new(),
            evidence_overflow: false,
            hit_ips: Default::default(),
            resources: Default::default(),
            client_apps: Default::default(),
            without_policy_detail: 0,
            non_interactive: 0,
            interactivity_unknown: 0,
            conditional: 0,
            accounts: std::collections::BTreeMap::new(),
            people: BTreeSet::new(),
            stale_locations: BTreeSet::new(),
        },
        remediation: remediation.into(),
        suggested_cidrs: vec!["203.0.113.6/31".into()],
        fix: None,
    }
}

fn cause(i: usize) -> Cause {
    Cause {
        principal: Principal {
            kind: if i.is_multiple_of(2) {
                PrincipalKind::User
            } else {
                PrincipalKind::ServicePrincipal
            },
            id: format!("00000000-0000-4000-8000-0000000{i:05}"),
            name: if i == 0 {
                HOSTILE.into()
            } else {
                format!("svc-{i:02}@example.com")
            },
        },
        app_id: "499b84ac-1321-427f-aa17-267ca6975798".into(),
        app_name: "Azure DevOps".into(),
        policy: Some(PolicyRef {
            id: "00000000-0000-4000-8000-00000000a001".into(),
            display_name: "Block DevOps outside corporate network".into(),
        }),
        rules: vec![Rule::Ip001, Rule::Ca001],
        count: 1000 - i as u64,
        cause: "PAT from 198.51.100.23 outside the trusted locations that 'Block DevOps outside corporate network' requires.".into(),
        change: "Add 198.51.100.23/32 to 'Corporate egress'".into(),
        fix_text: "Add 198.51.100.23/32 to the trusted named location 'Corporate egress', or exclude the service account from the policy.".into(),
        fix: None,
    }
}

/// `causes` rows of `causes_total`, 60 users (the blocked ones with fewest sign-ins), and
/// 3 findings, one with 150 users.
pub fn analysis(causes: usize, causes_total: u64) -> Analysis {
    let mut acc = Acc::default();
    for i in 0..60u64 {
        // Busy users who were never blocked, then the blocked few with little volume.
        let t = if i < 55 {
            tally(1000 + i, 0, 0)
        } else {
            tally(3, 3, 2 + (i % 2))
        };
        acc.by_user.insert(format!("user{i:03}@example.com"), t);
    }
    acc.timeline.insert(1_790_812_800, tally(70_000, 900, 400));
    let by_ip = vec![
        IpRow {
            ip: "2001:db8::1".into(),
            tally: tally(5, 1, 1),
            locations: (0..14).map(|i| format!("Location {i:02}")).collect(),
            locations_total: 14,
            trusted: Some(false),
        },
        IpRow {
            ip: "203.0.113.10".into(),
            tally: tally(5, 1, 1),
            locations: vec![],
            locations_total: 0,
            trusted: Some(false),
        },
        IpRow {
            ip: "203.0.113.9".into(),
            tally: tally(5, 1, 1),
            locations: vec![],
            locations_total: 0,
            trusted: Some(false),
        },
    ];
    Analysis {
        inputs: vec![InputReport {
            path: "exports/big.json".into(),
            format: crate::input::Format::PortalJson,
            records: 70_000,
            skipped: 0,
            duplicates: 1,
            analysed: 69_999,
            notes: vec![],
        }],
        totals: Totals {
            records_read: 70_000,
            records_skipped: 0,
            duplicates: 1,
            records_kept: 69_999,
            records_matched: 69_999,
            failures: 900,
            interrupted: 1,
            ca_failures: 400,
            abandoned_flows: 0,
        },
        findings: vec![
            finding(
                Rule::Ip001,
                "Block DevOps outside corporate network",
                150,
                400,
                "Add 203.0.113.6/31 to the trusted named location 'Corporate egress'.",
            ),
            finding(Rule::Ca001, HOSTILE, 2, 5, "Review the policy."),
            finding(Rule::Ca007, "", 1, 1, "Before enabling the report-only policy, exclude these sign-ins."),
        ],
        causes: (0..causes).map(cause).collect(),
        causes_total,
        policies: None,
        acc,
        by_ip,
        skipped: vec![],
        notes: vec!["Azure DevOps: the IP fencing setting is under Organization settings → Security → Policies.".into()],
        collected: vec![],
        locations_loaded: true,
    }
}
