//! Memory and report bounds through the real binary (issue 13, DESIGN.md §9): many distinct
//! accounts, many policies in one record, an address in thousands of overlapping named
//! locations, and `explain` over every record. Each keeps its lists at the documented caps
//! with exact totals beside them, and the report stays small. (Peak memory is measured in
//! the benchmark, not here.)

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

fn casift() -> Command {
    let mut c = Command::cargo_bin("casift").expect("binary");
    c.env_clear()
        .env("TZ", "UTC")
        .timeout(Duration::from_secs(300));
    c
}

/// A Conditional Access block of `user` from `ip`, by the policies given.
fn blocked(n: usize, user: &str, ip: &str, policies: Vec<Value>) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012x}"),
        "createdDateTime": format!("2026-10-01T{:02}:{:02}:00Z", (n / 60) % 24, n % 60),
        "userDisplayName": user,
        "userPrincipalName": user,
        "userId": format!("0e000000-0000-4000-b000-{n:012x}"),
        "appId": "499b84ac-1321-427f-aa17-267ca6975798",
        "appDisplayName": "Azure DevOps",
        "ipAddress": ip,
        "clientAppUsed": "Browser",
        "correlationId": format!("00000000-0000-4000-9000-{n:012x}"),
        "conditionalAccessStatus": "failure",
        "isInteractive": false,
        "signInEventTypes": ["nonInteractiveUser"],
        "status": {"errorCode": 53003, "failureReason": "Access has been blocked by Conditional Access policies."},
        "appliedConditionalAccessPolicies": policies,
        "networkLocationDetails": [{"networkType": "trustedNamedLocation", "networkNames": ["Branch office"]}],
    })
}

fn policy(i: usize) -> Value {
    json!({
        "id": format!("0ca00000-0000-4000-a000-{i:012x}"),
        "displayName": format!("Policy {i}"),
        "enforcedGrantControls": ["Block"],
        "enforcedSessionControls": [],
        "result": "failure",
        "conditionsSatisfied": "application,users,location",
        "conditionsNotSatisfied": "",
    })
}

fn ip(i: usize) -> String {
    // 198.18.0.0/15 (benchmarking addresses): 131,072 of them.
    format!("198.{}.{}.{}", 18 + (i >> 16), (i >> 8) & 255, i & 255)
}

fn write(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec(v).expect("json")).expect("write fixture");
}

fn analyze(args: &[&str]) -> (Value, usize) {
    let out = casift()
        .arg("analyze")
        .args(args)
        .args(["-f", "json"])
        .output()
        .expect("run casift");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    (v, out.stdout.len())
}

fn arr<'a>(v: &'a Value, path: &str) -> &'a Vec<Value> {
    v.pointer(path)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{path} is not an array"))
}

fn num(v: &Value, path: &str) -> u64 {
    v.pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{path} is not a count"))
}

#[test]
fn twenty_thousand_accounts_keep_every_list_at_its_cap_with_exact_totals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 20_000;
    let records: Vec<Value> = (0..n)
        .map(|i| blocked(i, &format!("u{i:05}@example.com"), &ip(i), vec![policy(1)]))
        .collect();
    let input = dir.path().join("many-users.json");
    write(&input, &Value::Array(records));
    let (v, size) = analyze(&[input.to_str().expect("utf-8 path")]);

    assert_eq!(num(&v, "/totals/records_matched"), n as u64);
    let f = &arr(&v, "/findings")[0];
    assert_eq!(arr(f, "/users").len(), 100);
    assert_eq!(num(f, "/users_total"), n as u64);
    assert_eq!(arr(f, "/ips").len(), 100);
    assert_eq!(num(f, "/ips_total"), n as u64);
    // The first 100 in sort order, exactly.
    assert_eq!(f["users"][0], "u00000@example.com");
    assert_eq!(f["users"][99], "u00099@example.com");
    assert_eq!(arr(&v, "/summary/by_user").len(), 1000);
    assert_eq!(num(&v, "/summary/by_user_total"), n as u64);
    assert_eq!(arr(&v, "/summary/by_ip").len(), 1000);
    assert_eq!(num(&v, "/summary/by_ip_total"), n as u64);
    assert_eq!(arr(&v, "/causes").len(), 200);
    assert_eq!(num(&v, "/causes_total"), n as u64);
    assert!(size < 2_000_000, "report of {size} bytes for {n} accounts");
}

#[test]
fn many_policies_per_record_are_bounded_and_a_hostile_count_is_skipped_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two records of 900 distinct policies each: 1,800 finding groups and policies.
    let records: Vec<Value> = (0..2)
        .map(|r| {
            let ps = (0..900).map(|i| policy(r * 900 + i)).collect();
            blocked(r, "svc@example.com", "198.51.100.7", ps)
        })
        .chain(std::iter::once(blocked(
            7,
            "svc@example.com",
            "198.51.100.7",
            (0..20_000).map(policy).collect(),
        )))
        .collect();
    let input = dir.path().join("many-policies.json");
    write(&input, &Value::Array(records));
    let (v, size) = analyze(&[input.to_str().expect("utf-8 path")]);

    assert_eq!(arr(&v, "/findings").len(), 1000);
    assert_eq!(num(&v, "/findings_total"), 1800);
    assert_eq!(arr(&v, "/summary/by_policy").len(), 1000);
    assert_eq!(num(&v, "/summary/by_policy_total"), 1800);
    // The record with 20,000 policies is not a real sign-in: skipped, with the reason.
    assert_eq!(num(&v, "/totals/records_skipped"), 1);
    let reason = v["skipped"][0]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("20000 applied Conditional Access policies"),
        "{reason}"
    );
    assert_eq!(
        num(&v, "/totals/records_read"),
        num(&v, "/totals/records_skipped")
            + num(&v, "/totals/duplicates")
            + num(&v, "/totals/records_kept")
    );
    assert!(size < 6_000_000, "report of {size} bytes");
}

#[test]
fn an_address_in_twenty_thousand_overlapping_locations_gives_short_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let locations: Vec<Value> = (0..20_000)
        .map(|i| {
            json!({
                "@odata.type": "#microsoft.graph.ipNamedLocation",
                "id": format!("1a000000-0000-4000-a000-{i:012x}"),
                "displayName": format!("Loc {i:05}"),
                "isTrusted": true,
                "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.18.0.0/15"}],
            })
        })
        .collect();
    let locs = dir.path().join("locations.json");
    write(&locs, &json!({ "value": locations }));
    let records: Vec<Value> = (0..100)
        .map(|i| blocked(i, "svc@example.com", &ip(i), vec![policy(1)]))
        .collect();
    let input = dir.path().join("signins.json");
    write(&input, &Value::Array(records));
    let (v, size) = analyze(&[
        input.to_str().expect("utf-8 path"),
        "--locations",
        locs.to_str().expect("utf-8 path"),
    ]);

    let rows = arr(&v, "/summary/by_ip");
    assert_eq!(rows.len(), 100);
    for row in rows {
        assert_eq!(arr(row, "/locations").len(), 10);
        assert_eq!(num(row, "/locations_total"), 20_000);
    }
    let ip002 = arr(&v, "/findings")
        .iter()
        .find(|f| f["rule"] == "IP002")
        .expect("the log and the file disagree: IP002");
    for line in arr(ip002, "/evidence") {
        let line = line.as_str().expect("text");
        if line.starts_with("(and ") {
            continue; // "(and 90 more distinct evidence lines)"
        }
        assert!(line.len() < 600, "evidence line of {} bytes", line.len());
        assert!(line.contains("and 19990 more"), "{line}");
    }
    assert!(size < 1_000_000, "report of {size} bytes");
}

#[test]
fn explain_over_every_record_shows_a_bounded_number_and_says_how_many_matched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 3000;
    let records: Vec<Value> = (0..n)
        .map(|i| blocked(i, "svc@example.com", &ip(i), vec![policy(1)]))
        .collect();
    let input = dir.path().join("signins.json");
    write(&input, &Value::Array(records));
    let out = casift()
        .args(["explain", "--id", "*", "-f", "json"])
        .arg(&input)
        .output()
        .expect("run casift");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(arr(&v, "/sign_ins").len(), 1000);
    let notes = arr(&v, "/notes");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .is_some_and(|t| t.starts_with("3000 sign-ins matched; the first 1000"))),
        "{notes:?}"
    );
}

#[test]
fn a_huge_field_skips_its_record_and_a_huge_policy_gives_a_short_evidence_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut big_policy = policy(1);
    big_policy["enforcedGrantControls"] =
        Value::Array((0..20_000).map(|i| json!(format!("control{i}"))).collect());
    big_policy["result"] = json!("failure");
    let records = vec![
        blocked(
            1,
            &format!("{}@example.com", "a".repeat(100_000)),
            "198.51.100.7",
            vec![policy(1)],
        ),
        blocked(2, "svc@example.com", "198.51.100.7", vec![big_policy]),
    ];
    let input = dir.path().join("huge.json");
    write(&input, &Value::Array(records));
    let (v, size) = analyze(&[input.to_str().expect("utf-8 path")]);
    assert_eq!(num(&v, "/totals/records_skipped"), 1);
    let reason = v["skipped"][0]["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("userPrincipalName is 100012 bytes long"),
        "{reason}"
    );
    let mut cut = 0;
    for f in arr(&v, "/findings") {
        for line in arr(f, "/evidence") {
            let line = line.as_str().expect("text");
            assert!(line.len() < 1100, "evidence line of {} bytes", line.len());
            cut += usize::from(line.ends_with("more bytes)"));
        }
    }
    assert!(
        cut > 0,
        "the 20,000 grant controls made a line that was cut"
    );
    assert!(size < 200_000, "report of {size} bytes");
}

#[test]
fn a_zip_of_many_members_lists_a_bounded_number_of_inputs() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.zip");
    {
        let f = std::fs::File::create(&path).expect("create");
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default();
        for i in 0..1500 {
            z.start_file(format!("m{i:04}.json"), opts).expect("member");
            let r = blocked(i, "svc@example.com", "198.51.100.7", vec![policy(1)]);
            z.write_all(serde_json::to_string(&vec![r]).expect("json").as_bytes())
                .expect("write");
        }
        z.finish().expect("finish");
    }
    let (v, size) = analyze(&[path.to_str().expect("utf-8 path")]);
    assert_eq!(arr(&v, "/inputs").len(), 1000);
    assert_eq!(num(&v, "/inputs_total"), 1500);
    assert_eq!(num(&v, "/totals/records_matched"), 1500);
    assert!(arr(&v, "/notes").len() < 250);
    assert!(size < 1_000_000, "report of {size} bytes");
}
