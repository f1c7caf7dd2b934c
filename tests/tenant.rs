//! The advice on a tenant-shaped export (tests/support/tenant.rs), through the real binary: IP
//! rules only where a location condition is involved, IP002 only for the planted drift, one cause
//! per (principal, app, policy) with the service accounts on top, the glance before the detail,
//! `--redact` valid and leak-free, and the same bytes whatever the thread count.

#[path = "support/prose.rs"]
mod prose;
mod support;
#[path = "support/tenant.rs"]
mod tenant;
#[path = "support/tenant_env.rs"]
mod tenant_env;

use std::collections::BTreeSet;

use serde_json::Value;
use support::{analyze_json, run};
use tenant_env::*;

#[test]
fn the_tenant_has_the_planted_shape() {
    let t = t();
    assert!(
        (4_800..=5_600).contains(&t.records),
        "{} records",
        t.records
    );
    assert!(t.upns.len() >= 2_000, "{} users", t.upns.len());
    let v = report(false);
    assert_eq!(v["totals"]["records_read"], t.records as u64);
    assert_eq!(v["totals"]["ca_failures"], t.ca_failures as u64);
    assert_eq!(v["totals"]["records_skipped"], 0);
    assert_eq!(v["totals"]["interrupted"], t.interrupted as u64);
    assert_eq!(v["summary"]["abandoned_flows"], t.abandoned as u64);
    let ca007 = findings(&v, "CA007");
    assert_eq!(ca007.len(), 1, "one report-only finding");
    assert_eq!(ca007[0]["count"], t.report_only as u64);
    assert_eq!(policy_id(ca007[0]), tenant::P_REPORT_ONLY);
    // The same seed writes the same bytes.
    let again = tenant::generate(SEED);
    for (a, b) in [(&t.signins, &again.signins), (&t.policies, &again.policies)] {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{a:?} differs"
        );
    }
}

/// Policies whose definition has no location condition: trusting an IP never fixes them.
const NO_LOCATION: [&str; 5] = [
    tenant::P_MFA,
    tenant::P_RISK,
    tenant::P_COMPLIANT,
    tenant::P_HYBRID,
    tenant::P_LEGACY,
];

fn assert_ip001_only_for_the_pat_policy(v: &Value, with: &str) {
    let ip001 = findings(v, "IP001");
    let ids: Vec<&str> = ip001.iter().map(|f| policy_id(f)).collect();
    assert_eq!(ids, [tenant::P_PAT], "{with}: IP001 policies");
    let f = ip001[0];
    assert_eq!(f["severity"], "high", "{with}");
    assert_eq!(strs(&f["suggested_cidrs"]), tenant::PAT_CIDRS, "{with}");
    let rem = f["remediation"].as_str().unwrap();
    assert!(
        rem.contains("192.0.2.200/32, 203.0.113.10/31, 2001:db8:beef:1::/64"),
        "{with}: {rem}"
    );
    // The rotating IPv6 address is given as its /64, and said so; no /128 anywhere.
    assert!(
        rem.contains("/64 network") && !rem.contains("/128"),
        "{with}: {rem}"
    );
    // No other finding or cause about a non-location policy proposes trusting an address.
    for f in v["findings"].as_array().unwrap() {
        if NO_LOCATION.contains(&policy_id(f)) {
            let rem = f["remediation"].as_str().unwrap();
            assert!(
                !rem.contains("named location"),
                "{with}: {} {rem}",
                f["rule"]
            );
            assert!(strs(&f["suggested_cidrs"]).is_empty(), "{with}: {f}");
        }
    }
    for c in v["causes"].as_array().unwrap() {
        if NO_LOCATION.contains(&policy_id(c)) {
            let fix = c["fix_text"].as_str().unwrap();
            assert!(
                !fix.contains("named location") && !fix.contains("/32"),
                "{with}: {fix}"
            );
            assert!(
                !strs(&c["rules"]).iter().any(|r| r.starts_with("IP")),
                "{with}: {c}"
            );
        }
    }
}

#[test]
fn ip001_only_for_the_policy_with_a_location_condition() {
    assert_ip001_only_for_the_pat_policy(&report(false), "without --policies");
    assert_ip001_only_for_the_pat_policy(&report(true), "with --policies");
}

#[test]
fn ip001_without_evidence_is_medium_and_conditional() {
    let t = t();
    let (v, _) = analyze_json(&[s(&t.bare), "--locations", s(&t.locations)]);
    let pat: Vec<&Value> = findings(&v, "IP001")
        .into_iter()
        .filter(|f| policy_id(f) == tenant::P_PAT)
        .collect();
    assert_eq!(pat.len(), 1, "{:?}", support::rules(&v));
    assert_eq!(pat[0]["severity"], "medium");
    let rem = pat[0]["remediation"].as_str().unwrap();
    assert!(
        rem.starts_with("If ") && rem.contains("uses a location condition"),
        "{rem}"
    );
    // The definition settles it: the policy has a location condition, so the finding is firm.
    let (v, _) = analyze_json(&[
        s(&t.bare),
        "--locations",
        s(&t.locations),
        "--policies",
        s(&t.policies),
    ]);
    assert_ip001_only_for_the_pat_policy(&v, "no conditionsSatisfied, with --policies");
}

#[test]
fn ip001_without_evidence_not_for_device_or_risk_error_codes() {
    // The error code alone says which control failed: trusting the address cannot fix a device
    // or risk failure, whatever the export lacks.
    let t = t();
    let (v, _) = analyze_json(&[s(&t.bare), "--locations", s(&t.locations)]);
    let wrong: Vec<String> = findings(&v, "IP001")
        .iter()
        .filter(|f| [tenant::P_RISK, tenant::P_COMPLIANT, tenant::P_HYBRID].contains(&policy_id(f)))
        .map(|f| format!("{} {}", f["policy"]["display_name"], f["count"]))
        .collect();
    assert!(wrong.is_empty(), "IP001 for {wrong:?}");
}

#[test]
fn ip002_only_for_the_planted_drift() {
    for policies in [false, true] {
        let v = report(policies);
        let ip002 = findings(&v, "IP002");
        assert_eq!(ip002.len(), 1, "{:?}", support::rules(&v));
        let f = ip002[0];
        let want = [
            "198.51.100.200",
            "198.51.100.201",
            "198.51.100.202",
            "198.51.100.203",
        ];
        assert_eq!(strs(&f["ips"]), want);
        assert_eq!(f["count"], 12);
        assert!(
            strs(&f["evidence"])
                .iter()
                .all(|e| e.contains("Contoso HQ")),
            "{f}"
        );
        let all = v.to_string();
        assert!(
            !all.contains("Allowed countries"),
            "a country location took part"
        );
    }
}

#[test]
fn causes_are_one_row_per_principal_app_and_policy() {
    let t = t();
    let v = report(true);
    let causes = v["causes"].as_array().unwrap();
    assert_eq!(v["causes_total"], t.blocks.len() as u64);
    let rows: Vec<(String, String, String)> = causes
        .iter()
        .map(|c| {
            let n = |x: &Value| x.as_str().unwrap_or("").to_string();
            (
                n(&c["principal"]["name"]),
                n(&c["app"]["id"]),
                n(&c["policy"]["id"]),
            )
        })
        .collect();
    let unique: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        rows.len(),
        "a (principal, app, policy) row twice"
    );
    assert_eq!(unique, t.blocks, "causes differ from the planted blocks");
    let counts: Vec<u64> = causes
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "not by count: {counts:?}"
    );
    let top: Vec<&str> = rows.iter().take(3).map(|r| r.0.as_str()).collect();
    assert_eq!(
        top,
        [tenant::SVC_BUILD, tenant::SVC_DEPLOY, tenant::SVC_SYNC]
    );
    let build = &causes[0];
    assert_eq!(build["app"]["id"], tenant::ADO);
    assert_eq!(policy_id(build), tenant::P_PAT);
    assert!(
        strs(&build["rules"]).contains(&"IP001".to_string()),
        "{build}"
    );
    let cause = build["cause"].as_str().unwrap();
    assert!(
        cause.contains("203.0.113.10") && cause.contains("120 sign-ins"),
        "{cause}"
    );
    assert!(
        build["fix_text"]
            .as_str()
            .unwrap()
            .contains("203.0.113.10/31"),
        "{build}"
    );
    assert_eq!(build["fix"]["action"], "add_ip_ranges", "{build}");
    assert!(
        strs(&build["fix"]["values"]).contains(&"203.0.113.10/31".into()),
        "{build}"
    );
    // The IPv6 clients: the fix is the resource's IPv4, not the trusted client address.
    let v6: Vec<&Value> = causes
        .iter()
        .filter(|c| strs(&c["rules"]).contains(&"IP003".into()))
        .collect();
    assert_eq!(v6.len(), 4, "one per IPv6 user");
    for c in v6 {
        let fix = c["fix_text"].as_str().unwrap();
        assert!(
            fix.contains(&format!("{}/32", tenant::RESOURCE_V4)),
            "{fix}"
        );
    }
}

#[test]
fn the_risk_block_is_never_fixed_by_trust_or_exclusion() {
    for policies in [false, true] {
        let v = report(policies);
        let risk: Vec<&Value> = v["causes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| policy_id(c) == tenant::P_RISK)
            .collect();
        assert_eq!(risk.len(), 6, "one per risky user");
        for c in risk {
            assert_eq!(strs(&c["rules"]), ["CA008"], "{c}");
            let fix = c["fix_text"].as_str().unwrap();
            assert!(fix.contains("Investigate the risk"), "{fix}");
            for bad in [
                "named location",
                "/32",
                "Exclude ",
                " exclude the account from",
            ] {
                assert!(!fix.contains(bad), "{bad:?} in {fix}");
            }
            if let Some(action) = c["fix"]["action"].as_str() {
                assert!(!["exclude_users", "add_ip_ranges"].contains(&action), "{c}");
            }
        }
    }
}

#[test]
fn the_report_opens_with_the_glance() {
    let t = t();
    let base = [
        "analyze",
        s(&t.signins),
        "--locations",
        s(&t.locations),
        "--policies",
        s(&t.policies),
        "-q",
    ];
    let md = run(&[&base[..], &["-f", "markdown"]].concat()).stdout;
    let lines: Vec<&str> = md.lines().collect();
    let at = |h: &str| {
        lines
            .iter()
            .position(|l| *l == h)
            .unwrap_or_else(|| panic!("{h} missing"))
    };
    let (glance, findings) = (at("## Blocked sign-ins at a glance"), at("## Findings"));
    assert!(glance < findings);
    assert!(findings <= 40, "{findings} lines before ## Findings");
    assert!(
        lines[glance..findings]
            .iter()
            .any(|l| l.contains(tenant::SVC_BUILD))
    );
    let text = run(&[&base[..], &["-f", "text"]].concat()).stdout;
    let (g, f) = (
        text.find("AT A GLANCE").expect("glance"),
        text.find("\nFINDINGS").expect("findings"),
    );
    assert!(g < f && text[g..f].contains(tenant::SVC_BUILD));
}

#[test]
fn by_user_ranks_the_blocked_service_accounts_first() {
    let t = t();
    let v = report(false);
    let by_user = v["summary"]["by_user"].as_array().unwrap();
    let top: Vec<&str> = by_user
        .iter()
        .take(3)
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        [tenant::SVC_BUILD, tenant::SVC_DEPLOY, tenant::SVC_SYNC]
    );
    assert_eq!(by_user[0]["ca_failures"], 120);
    assert_eq!(v["summary"]["by_user_total"], t.upns.len() as u64);
    assert!(by_user.len() <= 1000);
}

fn assert_tenant_clean(format: &str) {
    let t = t();
    let (sg, l, p, b) = (s(&t.signins), s(&t.locations), s(&t.policies), s(&t.bare));
    for args in [
        vec![sg, "--locations", l],
        vec![sg, "--locations", l, "--policies", p],
        vec![b],
        vec![b, "--policies", p],
    ] {
        prose::check_run(&args, format);
    }
}

#[test]
fn no_broken_sentence_on_the_tenant_json() {
    assert_tenant_clean("json");
}

#[test]
fn no_broken_sentence_on_the_tenant_markdown() {
    assert_tenant_clean("markdown");
}

#[test]
fn no_broken_sentence_on_the_tenant_csv() {
    assert_tenant_clean("csv");
}

#[test]
fn no_broken_sentence_on_the_tenant_text() {
    assert_tenant_clean("text");
}

#[test]
fn no_broken_sentence_on_the_tenant_html() {
    assert_tenant_clean("html");
}

#[test]
fn redact_keeps_the_schema_and_leaks_nothing() {
    let t = t();
    let out = run(&[
        "analyze",
        s(&t.signins),
        "--locations",
        s(&t.locations),
        "--policies",
        s(&t.policies),
        "--redact",
        "-f",
        "json",
        "-q",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let errors = prose::schema_errors(&v);
    assert!(
        errors.is_empty(),
        "redacted report breaks the schema:\n{}",
        errors.join("\n")
    );
    assert!(
        !out.stdout.contains("example.com"),
        "a UPN survived --redact"
    );
    let leaked: Vec<&String> = t
        .ips
        .iter()
        .filter(|ip| prose::contains_ip(&out.stdout, ip))
        .collect();
    assert!(leaked.is_empty(), "IPs survived --redact: {leaked:?}");
    // The suggestions stay lists of strings, and the fix texts stay sentences.
    for f in v["findings"].as_array().unwrap() {
        assert!(
            f["suggested_cidrs"]
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
        );
    }
    assert!(!findings(&v, "IP001").is_empty() && !v["causes"].as_array().unwrap().is_empty());
    prose::check_json(&v, "--redact");
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let t = t();
    for format in ["json", "markdown"] {
        let out = |j: &str| {
            let args = [
                "analyze",
                s(&t.signins),
                "--locations",
                s(&t.locations),
                "--policies",
                s(&t.policies),
                "-j",
                j,
                "-f",
                format,
                "-q",
            ];
            let r = run(&args);
            assert_eq!(r.code, 0, "{}", r.stderr);
            r.stdout
        };
        assert!(out("1") == out("2"), "{format}: -j 1 and -j 2 differ");
    }
}

/// The generator writes some IPv6 addresses non-canonically (`2001:db8:100:0::5`); the report
/// shows each address once, canonical, in every list.
#[test]
fn ips_are_canonical_and_counted_once() {
    let v = report(false);
    let canonical = |ip: &str| {
        ip.parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.to_string() == ip)
    };
    let by_ip: Vec<String> = v["summary"]["by_ip"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ip"].as_str().unwrap().to_string())
        .collect();
    assert!(
        by_ip.iter().all(|ip| canonical(ip)),
        "non-canonical in by_ip"
    );
    assert_eq!(
        by_ip.iter().collect::<BTreeSet<_>>().len(),
        by_ip.len(),
        "an address twice in by_ip"
    );
    assert_eq!(
        v["summary"]["by_ip_total"],
        t().ips.len() as u64,
        "every address once, whatever its spelling"
    );
    for f in v["findings"].as_array().unwrap() {
        assert!(
            strs(&f["ips"]).iter().all(|ip| canonical(ip)),
            "{}",
            f["rule"]
        );
    }
}
