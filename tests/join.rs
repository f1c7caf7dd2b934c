//! The join of sign-ins with the tenant's policies (`--policies`): structured fixes with
//! the Graph request, field by field; `explain --policies` on the IPv6-vs-IPv4 sign-in; and
//! `casift whatif` on the same tenant, text and JSON.

mod support;

use serde_json::{Value, json};
use support::*;

const POLICIES: &str = "tenant/policies.json";
const HQ: &str = "0c0a0001-1111-4222-8333-000000000001";
const BLOCK_ADO: &str = "0ca00000-0000-4000-a000-000000000002";
const MFA: &str = "0ca00000-0000-4000-a000-000000000001";
const BREAK_GLASS: &str = "0b0b0000-0000-4000-9000-000000000001";
const ADO: &str = "499b84ac-1321-427f-aa17-267ca6975798";

fn joined_with(extra: &[&str]) -> Value {
    let (portal, locs, pols) = (fixture(PORTAL), fixture(LOCATIONS), fixture(POLICIES));
    let mut args = vec![portal.as_str(), "--locations", &locs, "--policies", &pols];
    args.extend_from_slice(extra);
    let (v, code) = analyze_json(&args);
    assert_eq!(code, 0);
    v
}

fn joined() -> Value {
    joined_with(&[])
}

fn finding<'a>(v: &'a Value, rule: &str, policy: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["policy"]["id"] == policy)
        .unwrap_or_else(|| panic!("no {rule} finding for {policy}"))
}

#[test]
fn ip001_fix_adds_the_range_to_the_location_the_policy_excludes() {
    // The service account's sign-ins alone: the fixture's planted IP002 drift (another
    // user's address) does not take part.
    let v = joined_with(&["--user", "svc-build@example.com"]);
    let f = finding(&v, "IP001", BLOCK_ADO);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["suggested_cidrs"], json!(["203.0.113.6/31"]));
    let fix = &f["fix"];
    assert_eq!(fix["action"], "add_ip_ranges");
    assert_eq!(
        fix["target"],
        json!({"kind": "named_location", "id": HQ, "display_name": "Contoso HQ"})
    );
    assert_eq!(fix["values"], json!(["203.0.113.6/31"]));
    let g = &fix["graph_request"];
    assert_eq!(g["method"], "PATCH");
    assert_eq!(
        g["path"],
        format!("/identity/conditionalAccess/namedLocations/{HQ}")
    );
    // The full new list: the location's ranges as exported, then the new one.
    assert_eq!(
        g["body"],
        json!({
            "@odata.type": "#microsoft.graph.ipNamedLocation",
            "ipRanges": [
                {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.51.100.0/24"},
                {"@odata.type": "#microsoft.graph.iPv6CidrRange", "cidrAddress": "2001:db8:100::/48"},
                {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.6/31"}
            ]
        })
    );
    let text = f["remediation"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "Add 203.0.113.6/31 to the named location 'Contoso HQ' ({HQ})"
        )),
        "{text}"
    );
    // The policy's own CA001 points to the ranges, not to an exclusion.
    let ca = finding(&v, "CA001", BLOCK_ADO);
    assert_eq!(ca["fix"]["action"], "review");
    assert!(ca["fix"]["graph_request"].is_null());
    assert!(
        ca["remediation"]
            .as_str()
            .unwrap()
            .contains("from all locations except 'Contoso HQ', 'VPN egress'")
    );
}

/// The log puts 203.0.113.70 in 'Contoso HQ', the file does not (IP002): the file's copy of
/// that location is stale, so no full-list PATCH is built from it, and the fix says why.
#[test]
fn no_patch_from_a_location_copy_the_log_contradicts() {
    let v = joined();
    assert_eq!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "IP002")
            .count(),
        1
    );
    let f = finding(&v, "IP001", BLOCK_ADO);
    assert_eq!(f["fix"]["action"], "add_ip_ranges");
    assert_eq!(f["fix"]["target"]["id"], HQ);
    assert_eq!(f["fix"]["values"], json!(["203.0.113.6/31"]));
    assert!(f["fix"]["graph_request"].is_null());
    let text = f["remediation"].as_str().unwrap();
    assert!(
        text.contains(
            "The log contradicts the locations file about 'Contoso HQ' (IP002): its copy is stale"
        ),
        "{text}"
    );
}

#[test]
fn mfa_on_a_pat_asks_for_a_workload_identity_with_the_exclusion_request() {
    let v = joined();
    let fix = &finding(&v, "CA002", MFA)["fix"];
    assert_eq!(fix["action"], "use_workload_identity");
    assert_eq!(
        fix["values"],
        json!(["0e000000-0000-4000-b000-000000000004"])
    );
    let g = &fix["graph_request"];
    assert_eq!(
        g["path"],
        format!("/identity/conditionalAccess/policies/{MFA}")
    );
    // Every list of conditions.users is sent, the existing exclusions kept.
    assert_eq!(
        g["body"],
        json!({"conditions": {"users": {
            "includeUsers": ["All"],
            "excludeUsers": ["0e000000-0000-4000-b000-000000000004"],
            "includeGroups": [],
            "excludeGroups": [BREAK_GLASS],
            "includeRoles": [],
            "excludeRoles": [],
            "includeGuestsOrExternalUsers": null,
            "excludeGuestsOrExternalUsers": null
        }}})
    );
    // Risk: never an exclusion or an IP.
    let risk = finding(&v, "CA008", "0ca00000-0000-4000-a000-000000000008");
    assert_eq!(risk["fix"]["action"], "review");
    assert!(risk["fix"]["values"].as_array().unwrap().is_empty());
}

#[test]
fn the_first_cause_is_the_pat_block_with_its_structured_fix() {
    let v = joined();
    let c = &v["causes"][0];
    assert_eq!(c["principal"]["name"], "svc-build@example.com");
    assert_eq!(c["app"]["id"], ADO);
    assert_eq!(c["policy"]["id"], BLOCK_ADO);
    assert_eq!(c["rules"], json!(["IP001", "CA001"]));
    assert_eq!(c["count"], 2);
    assert_eq!(
        c["cause"],
        "PAT, REST or git calls from 203.0.113.6, 203.0.113.7 outside the trusted locations that 'Block Azure DevOps outside trusted locations' requires (2 sign-ins)."
    );
    assert_eq!(c["fix"]["action"], "add_ip_ranges");
    assert_eq!(c["fix"]["target"]["id"], HQ);
    // The notes say what was read and what the log has that the export lacks.
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("10 policies were read from --policies"),
        "{notes}"
    );
}

#[test]
fn policies_in_the_log_but_not_in_the_export_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let full: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(POLICIES)).unwrap()).unwrap();
    let mut partial = full.clone();
    partial["value"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["id"] != MFA);
    let p = dir.path().join("policies.json");
    std::fs::write(&p, partial.to_string()).unwrap();
    let (v, _) = analyze_json(&[
        &fixture(PORTAL),
        "--locations",
        &fixture(LOCATIONS),
        "--policies",
        p.to_str().unwrap(),
    ]);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "1 policy in the sign-ins is not in the policy export (deleted since, Microsoft-managed, or not exported): 'Require MFA for all users' ({MFA})"
        )),
        "{notes}"
    );
    assert!(finding(&v, "CA002", MFA)["fix"].is_null());
}

#[test]
fn explain_names_the_location_and_the_ipv4_range_for_the_ipv6_client() {
    let r = run(&[
        "explain",
        &fixture(PORTAL),
        "--id",
        "00000000-0000-4000-8000-000000000015",
        "--locations",
        &fixture(LOCATIONS),
        "--policies",
        &fixture(POLICIES),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "Policy evaluation (offline, from --policies)",
        "Block Azure DevOps outside trusted locations (0ca00000-0000-4000-a000-000000000002) [on]: applies no; log: failure",
        "2001:db8:100::5 is in excluded location 'Contoso HQ'",
        "with the IP the resource saw (192.0.2.9) it does, as the log says",
        "Add 192.0.2.9/32 (the addresses outside every trusted location) to the named location 'Contoso HQ' (0c0a0001-1111-4222-8333-000000000001)",
        "Graph:  PATCH /identity/conditionalAccess/namedLocations/0c0a0001-1111-4222-8333-000000000001",
        "\"cidrAddress\":\"192.0.2.9/32\"",
        "VS403463",
    ] {
        assert!(
            r.stdout.contains(want),
            "missing {want:?} in:\n{}",
            r.stdout
        );
    }
    // The JSON view carries the same evaluation.
    let j = run(&[
        "explain",
        &fixture(PORTAL),
        "--id",
        "00000000-0000-4000-8000-000000000015",
        "--locations",
        &fixture(LOCATIONS),
        "--policies",
        &fixture(POLICIES),
        "-f",
        "json",
    ]);
    let v: Value = serde_json::from_str(&j.stdout).unwrap();
    let evals = v["sign_ins"][0]["policy_evaluation"].as_array().unwrap();
    assert_eq!(evals[0]["id"], BLOCK_ADO);
    assert_eq!(evals[0]["applies"], "no");
    assert_eq!(evals[0]["first_reason"], "location");
    assert_eq!(evals[0]["log_result"], "failure");
    assert!(
        evals[0]["disagreement"]
            .as_str()
            .unwrap()
            .contains("192.0.2.9")
    );
    assert_eq!(evals.len(), 10);
}

fn whatif(extra: &[&str]) -> Value {
    let (pols, locs) = (fixture(POLICIES), fixture(LOCATIONS));
    let mut args = vec![
        "whatif",
        "--policies",
        &pols,
        "--locations",
        &locs,
        "--app",
        "Azure DevOps",
        "-f",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn policy<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
}

#[test]
fn whatif_a_service_account_pat_from_outside_is_blocked() {
    let pat = [
        "--user",
        "svc-build@example.com",
        "--user",
        "0e000000-0000-4000-b000-000000000004",
        "--ip",
        "203.0.113.7",
        "--non-interactive",
        "--member-of",
        "0b0b0000-0000-4000-9000-00000000ffff",
        "--user-risk",
        "none",
        "--sign-in-risk",
        "none",
    ];
    let v = whatif(&pat);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["verdict"], "blocked");
    let p = policy(&v, BLOCK_ADO);
    assert_eq!(p["applies"], "yes");
    assert_eq!(p["first_reason"], Value::Null);
    // MFA applies too, and cannot be met on a non-interactive flow.
    assert_eq!(policy(&v, MFA)["applies"], "yes");
    // From inside the trusted location, by IPv6 or IPv4-mapped IPv4: not blocked, but MFA
    // can never be satisfied by a PAT.
    for ip in ["2001:db8:100::7", "::ffff:198.51.100.7"] {
        let mut args = pat.to_vec();
        args[5] = ip;
        let v = whatif(&args);
        assert_eq!(v["verdict"], "controls_required", "{ip}");
        assert_eq!(v["satisfiable"], false, "{ip}");
        let p = policy(&v, BLOCK_ADO);
        assert_eq!(p["applies"], "no", "{ip}");
        assert_eq!(p["first_reason"], "location", "{ip}");
        assert_eq!(v["required_controls"][0]["control"], "mfa");
    }
}

#[test]
fn whatif_without_membership_says_what_is_missing() {
    let v = whatif(&["--user", "alice@example.com", "--ip", "203.0.113.7"]);
    // The block applies (users All excludes a group, but the ADO policy... too).
    let mfa = policy(&v, MFA);
    assert_eq!(mfa["applies"], "unknown");
    let missing: Vec<&str> = mfa["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "unknown")
        .map(|r| r["condition"].as_str().unwrap())
        .collect();
    assert!(missing.contains(&"users"), "{missing:?}");
    assert_eq!(v["verdict"], "unknown");
}

#[test]
fn whatif_text_lists_applying_then_unknown_then_the_rest() {
    let r = run(&[
        "whatif",
        "--policies",
        &fixture(POLICIES),
        "--locations",
        &fixture(LOCATIONS),
        "--app",
        ADO,
        "--user",
        "svc-build@example.com",
        "--user",
        "0e000000-0000-4000-b000-000000000004",
        "--ip",
        "203.0.113.7",
        "--non-interactive",
        "--member-of",
        "0b0b0000-0000-4000-9000-00000000ffff",
        "--user-risk",
        "none",
        "--sign-in-risk",
        "none",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("whatif_text", r.stdout);
    let a = r.stdout.find("Applies (enabled)").unwrap();
    let n = r.stdout.find("Does not apply (enabled)").unwrap();
    assert!(a < n);
    // A UPN alone cannot be compared with the object ids a policy lists.
    let upn_only = whatif(&["--user", "svc-build@example.com", "--ip", "203.0.113.7"]);
    let pipe = policy(&upn_only, "0ca00000-0000-4000-a000-000000000010");
    assert_eq!(pipe["applies"], "unknown");
    // Hostile policy names are made harmless on the terminal.
    assert!(r.stdout.contains("Pipe | policy\\u{a}with newline"));
}

#[test]
fn whatif_rejects_what_it_cannot_read() {
    let r = run(&[
        "whatif",
        "--policies",
        &fixture(POLICIES),
        "--app",
        "No Such App",
        "--user",
        "a@example.com",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--app \"No Such App\""), "{}", r.stderr);
    let r = run(&[
        "whatif",
        "--policies",
        &fixture(PORTAL),
        "--app",
        ADO,
        "--user",
        "a@example.com",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("portal.json"), "{}", r.stderr);
}

/// `whatif` on one sign-in against the same policies in each export shape: the answers
/// agree (the lossy Extractor-Suite CSV may only turn an answer into `unknown`, never into
/// another yes or no).
#[test]
fn whatif_gives_the_same_answers_in_every_export_shape() {
    let shapes = [
        "graph_list.json",
        "graph_pages.json",
        "entity",
        "entity.zip",
        "bare_array.json",
        "powershell.json",
        "entra_exporter",
        "goose",
    ];
    let ask = |shape: &str, ip: &str| -> Value {
        let (pols, locs) = (
            fixture(&format!("policies/{shape}")),
            fixture("policies/locations.json"),
        );
        let r = run(&[
            "whatif",
            "--policies",
            &pols,
            "--locations",
            &locs,
            "--app",
            "Azure DevOps",
            "--user",
            "svc@example.com",
            "--ip",
            ip,
            "--non-interactive",
            "--sign-in-risk",
            "none",
            "--user-risk",
            "none",
            "--member-of",
            "00000000-0000-4000-8000-0000000000ff",
            "--client-app",
            "mobileAppsAndDesktopClients",
            "--auth-flow",
            "none",
            "--platform",
            "windows",
            "--device-trust",
            "none",
            "-f",
            "json",
        ]);
        assert_eq!(r.code, 0, "{shape}: {}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let answers = |v: &Value| -> Vec<(String, String, String)> {
        let mut a: Vec<_> = v["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["applies"].as_str().unwrap().to_string(),
                    p["first_reason"].to_string(),
                )
            })
            .collect();
        a.sort();
        a
    };
    for ip in ["203.0.113.50", "2001:db8:77::1"] {
        let want = ask(shapes[0], ip);
        assert_eq!(want["verdict"], "blocked", "{ip}");
        for shape in &shapes[1..] {
            let got = ask(shape, ip);
            assert_eq!(got["verdict"], want["verdict"], "{shape} {ip}");
            assert_eq!(answers(&got), answers(&want), "{shape} {ip}");
        }
        let csv = ask("extractor.csv", ip);
        for ((id, a, r), (id2, b, _)) in answers(&want).iter().zip(answers(&csv).iter()) {
            assert_eq!(id, id2);
            assert!(a == b || b == "unknown", "{id}: {a} {r} vs CSV {b}");
        }
    }
}

/// The Graph request reaches the human formats too, not only the JSON.
#[test]
fn markdown_and_text_show_the_graph_request() {
    let (portal, locs, pols) = (fixture(PORTAL), fixture(LOCATIONS), fixture(POLICIES));
    for format in ["markdown", "text"] {
        let r = run(&[
            "analyze",
            &portal,
            "--user",
            "svc-build@example.com",
            "--locations",
            &locs,
            "--policies",
            &pols,
            "-f",
            format,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains(&format!(
                "PATCH /identity/conditionalAccess/namedLocations/{HQ}"
            )),
            "{format}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("203.0.113.6/31"), "{format}");
    }
}

/// A policy that blocks the locations it lists is not an IP fence: no "trust this address"
/// (IP001), and the block is reviewed, not turned into an exclusion.
#[test]
fn a_location_block_list_is_never_fixed_by_trusting_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(POLICIES)).unwrap()).unwrap();
    for p in doc["value"].as_array_mut().unwrap() {
        if p["id"] == BLOCK_ADO {
            p["conditions"]["locations"] = json!({
                "includeLocations": ["0c0a0001-1111-4222-8333-000000000002"],
                "excludeLocations": []
            });
        }
    }
    let path = dir.path().join("policies.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let (v, _) = analyze_json(&[
        &fixture(PORTAL),
        "--locations",
        &fixture(LOCATIONS),
        "--policies",
        path.to_str().unwrap(),
    ]);
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "IP001" && f["policy"]["id"] == BLOCK_ADO)
    );
    let ca = finding(&v, "CA001", BLOCK_ADO);
    assert_eq!(ca["fix"]["action"], "review");
    let text = ca["remediation"].as_str().unwrap();
    assert!(
        text.contains("blocks sign-ins from the locations it lists (applies to all users except 1 group, to Azure DevOps, from 'Branch office'"),
        "{text}"
    );
}
