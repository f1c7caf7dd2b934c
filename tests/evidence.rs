//! The log's own evidence in the join (`explain --policies`): a beta record whose policy was
//! not applied because of a users exclusion (`excludeRulesSatisfied [{users, groupId}]`)
//! is explained by that exclusion, citing the log; the authentication flow comes from
//! `authenticationProtocol` / `originalTransferMethod`; `filter` shows the new fields.

mod support;

use serde_json::{Value, json};
use support::*;

const SIGNINS: &str = "signins/evidence/signins.jsonl";
// Not next to the sign-ins: every file under fixtures/signins/ must be a sign-in export.
const POLICIES: &str = "tenant/evidence_policies.json";
const PLAIN: &str = "00000000-0000-4000-8000-0000000000e1";
const DEVICE_CODE: &str = "00000000-0000-4000-8000-0000000000e2";
const MFA: &str = "0ca00000-0000-4000-a000-0000000000e1";
const BLOCK_DCF: &str = "0ca00000-0000-4000-a000-0000000000e2";
const CITED: &str = "users: excluded by one of excludeGroups [0b0b0000-0000-4000-9000-0000000000e1, 0b0b0000-0000-4000-9000-0000000000e2] (log: excludeRulesSatisfied users/groupId) (first reason)";

fn explain(signins: &str, id: &str, json: bool) -> String {
    let pols = fixture(POLICIES);
    let mut args = vec!["explain", signins, "--id", id, "--policies", &pols];
    if json {
        args.extend_from_slice(&["-f", "json"]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

fn evaluation<'a>(v: &'a Value, policy: &str) -> &'a Value {
    v["sign_ins"][0]["policy_evaluation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == policy)
        .unwrap_or_else(|| panic!("no evaluation of {policy}"))
}

#[test]
fn a_group_exclusion_is_explained_by_the_log_evidence() {
    let text = explain(&fixture(SIGNINS), PLAIN, false);
    for want in [
        "Policy evaluation (offline, from --policies)",
        &format!(
            "Require MFA except the break-glass group ({MFA}) [on]: applies no; log: notApplied"
        ),
        CITED,
        // oAuth2 is no transfer: the device code block does not apply, as the log says.
        &format!("Block device code flow ({BLOCK_DCF}) [on]: applies no; log: notApplied"),
        "authenticationFlow: the sign-in used neither device code flow nor authentication transfer",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("disagrees with the log"), "{text}");

    let v: Value = serde_json::from_str(&explain(&fixture(SIGNINS), PLAIN, true)).unwrap();
    let e = evaluation(&v, MFA);
    assert_eq!(e["applies"], "no");
    assert_eq!(e["first_reason"], "users");
    assert_eq!(e["log_result"], "notApplied");
    assert_eq!(e["reasons"][0]["outcome"], "no_match");
    assert!(
        e["reasons"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("(log: excludeRulesSatisfied users/groupId)")
    );
    // The record view carries the evidence too.
    let rec = &v["sign_ins"][0];
    assert_eq!(
        rec["policies"][0]["exclude_rules_satisfied"],
        json!([{"condition": "users", "rule": "groupId"}])
    );
    assert_eq!(
        rec["audiences"],
        json!(["797f4846-ba00-4fd7-ba43-dac1f8f63013"])
    );
    assert_eq!(rec["authentication_protocol"], "oAuth2");
}

#[test]
fn without_the_rules_the_exclusion_is_not_cited() {
    // The same record with the rules removed: the log's result still settles the one
    // undecided condition, but nothing names the exclusion as proven.
    let text = std::fs::read_to_string(fixture(SIGNINS)).unwrap();
    let first = text.lines().next().unwrap();
    let mut rec: Value = serde_json::from_str(first).unwrap();
    for p in rec["appliedConditionalAccessPolicies"]
        .as_array_mut()
        .unwrap()
    {
        p["includeRulesSatisfied"] = json!([]);
        p["excludeRulesSatisfied"] = json!([]);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.jsonl");
    std::fs::write(&path, format!("{rec}\n")).unwrap();
    let out = explain(path.to_str().unwrap(), PLAIN, false);
    assert!(!out.contains("excludeRulesSatisfied"), "{out}");
    assert!(
        out.contains("this is its only undecided condition"),
        "{out}"
    );
}

#[test]
fn a_transfer_from_device_code_is_the_flow_the_block_matches() {
    let v: Value = serde_json::from_str(&explain(&fixture(SIGNINS), DEVICE_CODE, true)).unwrap();
    let e = evaluation(&v, BLOCK_DCF);
    assert_eq!(e["applies"], "yes");
    assert_eq!(e["log_result"], "failure");
    assert!(e["disagreement"].is_null(), "{e}");
    let flow = e["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["condition"] == "authenticationFlow")
        .unwrap();
    assert_eq!(
        flow["detail"],
        "authentication flow deviceCodeFlow is in transferMethods"
    );
    // The group exclusion holds for this sign-in too.
    assert_eq!(evaluation(&v, MFA)["first_reason"], "users");
}

#[test]
fn filter_lines_show_the_evidence() {
    let r = run(&["filter", &fixture(SIGNINS), "--format", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let second = lines
        .iter()
        .find(|l| l["request_id"] == DEVICE_CODE)
        .unwrap();
    assert_eq!(second["original_transfer_method"], "deviceCodeFlow");
    assert_eq!(second["authentication_protocol"], "none");
    assert_eq!(
        second["policies"][1]["include_rules_satisfied"][2],
        json!({"condition": "authenticationFlows", "rule": "deviceCodeFlow"})
    );
}
