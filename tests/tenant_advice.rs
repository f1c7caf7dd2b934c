//! Advice a careful administrator would reject, on the tenant-shaped export: each test states
//! what the admin expects; the ones the product fails today are `//! (run them with `--ignored`). Also the tenant as the portal's CSV downloads.

#[path = "support/prose.rs"]
mod prose;
mod support;
#[path = "support/tenant.rs"]
mod tenant;
#[path = "support/tenant_env.rs"]
mod tenant_env;

use std::collections::BTreeSet;

use support::{analyze_json, run};
use tenant_env::*;

/// The people who fail a policy also signed in interactively with MFA: they are not service
/// accounts, and the fix must not tell the admin to exclude them from MFA or device checks.
#[test]
fn people_are_not_called_service_accounts() {
    let v = report(true);
    for f in v["findings"].as_array().unwrap() {
        let rem = f["remediation"].as_str().unwrap();
        let Some(i) = rem.find("service accounts (") else {
            continue;
        };
        let listed = &rem[i..rem[i..].find(')').map_or(rem.len(), |j| i + j)];
        assert!(
            !listed.contains(".jansen") && !listed.contains(".meijer"),
            "{}: {rem}",
            f["rule"]
        );
    }
}

/// A legacy-auth block is fixed by moving the mail client to modern authentication; excluding
/// the users from "Block legacy authentication" re-opens password spraying.
#[test]
fn legacy_auth_block_is_fixed_on_the_client() {
    let v = report(true);
    for c in v["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| policy_id(c) == tenant::P_LEGACY)
    {
        let text = format!("{} {}", c["cause"], c["fix_text"]);
        assert!(
            text.contains("legacy") && text.contains("modern authentication"),
            "{text}"
        );
        assert!(
            !c["fix_text"].as_str().unwrap().contains("Exclude "),
            "{text}"
        );
        assert_ne!(c["fix"]["action"], "exclude_users", "{c}");
    }
}

/// The glance is cut at a few rows: it should show each distinct problem before the fifth row
/// of the same one (here five legacy-auth users hide the compliant-device, hybrid-join and
/// IPv6 causes entirely).
#[test]
fn the_glance_names_every_failing_policy() {
    let t = t();
    let md = run(&[
        "analyze",
        s(&t.signins),
        "--locations",
        s(&t.locations),
        "-f",
        "markdown",
        "-q",
    ])
    .stdout;
    let glance = &md[..md.find("## Findings").expect("findings heading")];
    for name in [
        "Require compliant device for Exchange Online",
        "Require hybrid joined device for Azure management",
        "Block high sign-in risk",
        "Block legacy authentication",
    ] {
        assert!(glance.contains(name), "{name} missing from the glance");
    }
}

#[test]
fn the_html_report_opens_with_the_glance() {
    let t = t();
    let html = run(&[
        "analyze",
        s(&t.signins),
        "--locations",
        s(&t.locations),
        "-f",
        "html",
        "-q",
    ])
    .stdout;
    let g = html
        .find("Blocked sign-ins at a glance")
        .expect("HTML glance");
    assert!(g < html.find(">Findings<").expect("HTML findings"));
    assert!(html[g..].contains(tenant::SVC_BUILD));
}

/// The log proves the file's 'Contoso HQ' is stale (IP002: 198.51.100.200-203 are in it), so a
/// PATCH built from the file's ranges would drop the tenant's real ranges when applied.
#[test]
fn no_patch_of_a_location_the_log_shows_is_stale() {
    let v = report(true);
    assert_eq!(findings(&v, "IP002").len(), 1, "the drift is planted");
    for f in v["findings"].as_array().unwrap() {
        let fix = &f["fix"];
        if fix["target"]["id"] != tenant::L_HQ || fix["graph_request"].is_null() {
            continue;
        }
        let rem = f["remediation"].as_str().unwrap();
        assert!(
            rem.contains("stale") || rem.contains("export the named locations again"),
            "{}: PATCH of a stale location without a warning: {rem}",
            f["rule"]
        );
    }
}

/// The change for one principal is that principal's addresses: svc-build's agents are
/// 203.0.113.10-11; 192.0.2.200 belongs to svc-deploy, and the count of 160 to both.
#[test]
fn a_cause_fix_names_only_its_principals_addresses() {
    let v = report(true);
    let build = &v["causes"][0];
    assert_eq!(build["principal"]["name"], tenant::SVC_BUILD);
    assert_eq!(strs(&build["fix"]["values"]), ["203.0.113.10/31"]);
    assert!(
        !build["fix_text"].as_str().unwrap().contains("192.0.2.200"),
        "{build}"
    );
}

/// The portal CSV has no per-policy detail: the same story, told without policy names, and
/// IP001 only as a conditional (medium) suggestion, never for a device or risk failure.
#[test]
fn the_csv_download_tells_the_same_story() {
    let t = t();
    let (v, code) = analyze_json(&[s(&t.csv), "--locations", s(&t.locations)]);
    assert_eq!(code, 0);
    assert_eq!(v["totals"]["records_read"], t.records as u64);
    assert_eq!(v["totals"]["ca_failures"], t.ca_failures as u64);
    let pairs: BTreeSet<(String, String)> = t
        .blocks
        .iter()
        .map(|b| (b.0.clone(), b.1.clone()))
        .collect();
    assert_eq!(
        v["causes_total"],
        pairs.len() as u64,
        "one cause per (principal, app)"
    );
    let top: Vec<&str> = v["causes"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|c| c["principal"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        [tenant::SVC_BUILD, tenant::SVC_DEPLOY, tenant::SVC_SYNC]
    );
    let device_or_risk: BTreeSet<String> = [tenant::P_RISK, tenant::P_COMPLIANT, tenant::P_HYBRID]
        .iter()
        .flat_map(|p| blocked_by(p))
        .collect();
    let ip001 = findings(&v, "IP001");
    assert!(!ip001.is_empty());
    for f in &ip001 {
        assert_eq!(f["severity"], "medium", "{f}");
        let rem = f["remediation"].as_str().unwrap();
        assert!(
            rem.starts_with("If ") && rem.contains("uses a location condition"),
            "{rem}"
        );
        let users: BTreeSet<String> = strs(&f["users"]).into_iter().collect();
        let wrong: Vec<_> = users.intersection(&device_or_risk).collect();
        assert!(
            wrong.is_empty(),
            "IP001 for device or risk failures of {wrong:?}"
        );
    }
    let pat = ip001
        .iter()
        .find(|f| f["app"]["id"] == tenant::ADO)
        .expect("PAT IP001");
    assert_eq!(strs(&pat["suggested_cidrs"]), tenant::PAT_CIDRS);
    for c in v["causes"].as_array().unwrap() {
        let who = c["principal"]["name"].as_str().unwrap();
        if blocked_by(tenant::P_RISK).contains(who) {
            assert_eq!(strs(&c["rules"]), ["CA008"], "{c}");
        }
    }
}

#[test]
fn no_broken_sentence_on_the_csv_download() {
    let t = t();
    for format in ["json", "markdown", "csv", "text"] {
        prose::check_run(&[s(&t.csv), "--locations", s(&t.locations)], format);
        prose::check_run(&[s(&t.csv)], format);
    }
}

/// The terminal view is what a new user sees first: its glance should fit on one screen
/// (about 50 lines) before FINDINGS, as the Markdown one does (17 lines here).
#[test]
fn the_terminal_glance_fits_on_a_screen() {
    let t = t();
    let text = run(&[
        "analyze",
        s(&t.signins),
        "--locations",
        s(&t.locations),
        "-f",
        "text",
        "-q",
    ])
    .stdout;
    let before = text.lines().take_while(|l| *l != "FINDINGS").count();
    assert!(before <= 50, "{before} lines before FINDINGS");
}
