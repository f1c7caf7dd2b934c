//! The real binary on the fixture corpus: every filter with exact counts, exit codes,
//! --fail-on, --strict, usage errors, explain, filter and locations.

mod support;

use support::*;

fn count(extra: &[&str]) -> u64 {
    let p = fixture(PORTAL);
    let mut args = vec![p.as_str()];
    args.extend_from_slice(extra);
    let (v, code) = analyze_json(&args);
    assert_eq!(code, 0, "{extra:?}");
    assert_accounting(&v);
    matched(&v)
}

#[test]
fn totals_of_the_portal_fixture() {
    let (v, code) = analyze_json(&[&fixture(PORTAL), "--locations", &fixture(LOCATIONS)]);
    assert_eq!(code, 0);
    let t = &v["totals"];
    assert_eq!(t["records_read"], 18);
    assert_eq!(t["duplicates"], 1);
    assert_eq!(t["records_skipped"], 0);
    assert_eq!(t["records_kept"], 17);
    assert_eq!(t["records_matched"], 17);
    assert_eq!(t["failures"], 11);
    assert_eq!(t["interrupted"], 2);
    assert_eq!(t["ca_failures"], 11);
    assert_eq!(v["summary"]["abandoned_flows"], 1);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["inputs"][0]["format"], "portal_json");
}

#[test]
fn every_filter_gives_exact_counts() {
    let cases: &[(&[&str], u64)] = &[
        (&[], 17),
        (&["--user", "svc-build@example.com"], 4),
        (&["--user", "SVC-*"], 4),
        (&["--user", "Ada"], 2),
        (&["--user", "0e000000-0000-4000-b000-000000000005"], 1),
        (
            &["--user", "ada@example.com", "--user", "bob@example.com"],
            4,
        ),
        (&["--app", "azure devops"], 5),
        (&["--app", "499b84ac-1321-427f-aa17-267ca6975798"], 5),
        (&["--app", "Azure*"], 9),
        (&["--app", "Office 365 SharePoint Online"], 0),
        (&["--since", "2026-10-02"], 10),
        (&["--until", "2026-10-02"], 7),
        (
            &["--since", "2026-10-01 09:05", "--until", "2026-10-01 11:00"],
            2,
        ),
        (&["--since", "2026-10-01T11:05:00+02:00"], 15),
        (&["--ip", "203.0.113.0/24"], 3),
        (&["--ip", "192.0.2.9"], 1),
        (&["--ip", "2001:db8::/32"], 1),
        (&["--ip", "::ffff:203.0.113.6"], 1),
        (
            &["--correlation-id", "00000000-0000-4000-9000-000000000005"],
            2,
        ),
        (&["--request-id", "00000000-0000-4000-8000-000000000014"], 1),
        (&["--request-id", "*-00000000001?"], 0),
        (&["--request-id", "*-00000000001*"], 8),
        (&["--status", "interrupted"], 2),
        (&["--status", "failure"], 11),
        (&["--status", "success"], 4),
        (&["--status", "success", "--status", "interrupted"], 6),
        (&["--ca-status", "notApplied"], 3),
        (&["--ca-status", "failure"], 11),
        (&["--ca-status", "success"], 3),
        (&["--error-code", "53003"], 5),
        (&["--error-code", "53003", "--error-code", "50076"], 6),
        (&["--interactive"], 11),
        (&["--non-interactive"], 6),
        (
            &[
                "--app",
                "Azure DevOps",
                "--non-interactive",
                "--status",
                "failure",
            ],
            4,
        ),
    ];
    for (args, want) in cases {
        assert_eq!(count(args), *want, "casift analyze portal.json {args:?}");
    }
}

#[test]
fn malformed_filter_values_are_usage_errors() {
    for (args, flag) in [
        (vec!["--since", "2026-13-01"], "--since"),
        (vec!["--until", "yesterday"], "--until"),
        (vec!["--ip", "203.0.113.300"], "--ip"),
        (vec!["--status", "broken"], "--status"),
        (vec!["--ca-status", "maybe"], "--ca-status"),
        (vec!["--error-code", "abc"], "--error-code"),
        (vec!["-j", "0"], "--threads"),
    ] {
        let p = fixture(PORTAL);
        let mut all = vec!["analyze", p.as_str()];
        all.extend(args.iter().copied());
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains(flag), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "--since",
        "2026-10-03",
        "--until",
        "2026-10-02",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--since"), "{}", r.stderr);
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "--interactive",
        "--non-interactive",
    ]);
    assert_eq!(r.code, 2);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let p = fixture(PORTAL);
    assert_eq!(run(&["analyze", &p, "-q"]).code, 0);
    assert_eq!(run(&["analyze", &p, "-q", "--fail-on", "high"]).code, 1);
    // grace's only finding is CA007 (medium).
    let g = ["analyze", &p, "-q", "--user", "grace@example.com"];
    assert_eq!(run(&[&g[..], &["--fail-on", "high"]].concat()).code, 0);
    assert_eq!(run(&[&g[..], &["--fail-on", "medium"]].concat()).code, 1);
    assert_eq!(run(&[&g[..], &["--fail-on", "low"]].concat()).code, 1);
    // No finding at all.
    let none = [
        "analyze",
        &p,
        "-q",
        "--status",
        "success",
        "--user",
        "ada@example.com",
    ];
    assert_eq!(run(&[&none[..], &["--fail-on", "low"]].concat()).code, 0);
}

#[test]
fn malformed_records_are_skipped_with_positions_or_fatal_under_strict() {
    let bad = fixture("signins/bad/mixed_bad_records.json");
    let (v, code) = analyze_json(&[&bad]);
    assert_eq!(code, 0);
    assert_accounting(&v);
    assert_eq!(v["totals"]["records_read"], 5);
    assert_eq!(v["totals"]["records_skipped"], 3);
    assert_eq!(v["totals"]["records_kept"], 2);
    let skipped = v["skipped"].as_array().unwrap();
    let pos: Vec<(u64, u64)> = skipped
        .iter()
        .map(|s| (s["record"].as_u64().unwrap(), s["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(pos, vec![(2, 3), (3, 4), (4, 5)]);
    let reasons: Vec<&str> = skipped
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("not a JSON object"), "{reasons:?}");
    assert!(
        reasons[1].contains("unparseable createdDateTime"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("missing createdDateTime"),
        "{reasons:?}"
    );
    assert!(
        skipped[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("mixed_bad_records.json")
    );

    let r = run(&["analyze", &bad, "--strict", "-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("record 2"), "{}", r.stderr);
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    assert!(r.stderr.contains("mixed_bad_records.json"), "{}", r.stderr);

    let t = fixture("signins/bad/truncated.json");
    let (v, _) = analyze_json(&[&t]);
    assert_eq!(v["totals"]["records_kept"], 1);
    assert_eq!(v["totals"]["records_skipped"], 1);
    assert!(
        v["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
}

#[test]
fn unreadable_or_foreign_input_is_an_error_naming_the_file() {
    let r = run(&["analyze", "no/such/file.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no/such/file.json"), "{}", r.stderr);
    for (f, what) in [
        ("signins/bad/ca_policy.json", "Conditional Access policy"),
        ("signins/bad/not_json.txt", "not a sign-in"),
        ("locations/named_locations.json", "--locations"),
    ] {
        let r = run(&["analyze", &fixture(f)]);
        assert_eq!(r.code, 2, "{f}");
        assert!(
            r.stderr.contains(f.rsplit('/').next().unwrap()),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(what), "{f}: {}", r.stderr);
    }
}

#[test]
fn markdown_is_the_default_and_extension_picks_the_format() {
    let r = run(&["analyze", &fixture(PORTAL), "-q"]);
    assert!(r.stdout.starts_with("# casift report"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["totals"]["records_read"], 18);
    // Only the report is left in the directory: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let r = run(&["analyze", &fixture(PORTAL), "-o", &fixture(PORTAL)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("refusing"), "{}", r.stderr);
}

#[test]
fn explain_shows_the_full_picture() {
    let id = "00000000-0000-4000-8000-000000000002";
    let r = run(&[
        "explain",
        &fixture(PORTAL),
        "--id",
        id,
        "--locations",
        &fixture(LOCATIONS),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for want in [
        "Basic info",
        "svc-build@example.com",
        "Azure DevOps",
        "non-interactive",
        "53003",
        "BlockedByConditionalAccess",
        "Block Azure DevOps outside trusted locations [failure]",
        "conditions satisfied: application,users,location",
        "Branch office (untrusted)",
        "CA001",
        "IP001",
        "Add 203.0.113.6/32",
        "VS403463",
    ] {
        assert!(
            r.stdout.contains(want),
            "missing {want:?} in:\n{}",
            r.stdout
        );
    }
    // The duplicate in the file is not shown twice.
    assert_eq!(r.stdout.matches("== Sign-in").count(), 1);

    // A correlation id finds the whole flow; JSON for scripts.
    let r = run(&[
        "explain",
        &fixture(PORTAL),
        "--id",
        "00000000-0000-4000-9000-000000000005",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let s = v["sign_ins"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["status"], "interrupted");
    assert_eq!(s[1]["status"], "success");
    assert_eq!(v["records_searched"], 18);

    let r = run(&["explain", &fixture(PORTAL), "--id", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("18 records searched"), "{}", r.stderr);
}

#[test]
fn filter_writes_normalized_records() {
    let r = run(&["filter", &fixture(PORTAL), "--error-code", "53003", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0]["request_id"],
        "00000000-0000-4000-8000-000000000002"
    );
    assert_eq!(lines[0]["status"], "failure");
    assert_eq!(lines[0]["findings"], serde_json::json!(["CA001"]));

    let r = run(&["filter", &fixture(PORTAL), "--format", "csv", "-q"]);
    let mut rdr = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 17);
    for row in &rows {
        for cell in row {
            let formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!formula, "unsafe cell {cell:?}");
        }
    }
    // analyze -f csv --per-sign-in is the same table.
    let r2 = run(&[
        "analyze",
        &fixture(PORTAL),
        "-f",
        "csv",
        "--per-sign-in",
        "-q",
    ]);
    assert_eq!(r2.stdout, r.stdout);
}

#[test]
fn locations_answers_is_this_ip_allowed() {
    let r = run(&[
        "locations",
        &fixture(LOCATIONS),
        "203.0.113.70",
        "192.0.2.1",
        "::ffff:198.51.100.7",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names = |i: usize| -> Vec<(String, bool)> {
        v[i]["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().unwrap().to_string(),
                    l["trusted"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        names(0),
        vec![
            ("Branch office".to_string(), false),
            ("VPN egress".to_string(), true)
        ]
    );
    assert!(names(1).is_empty());
    assert_eq!(names(2), vec![("Contoso HQ".to_string(), true)]);
    let r = run(&["locations", &fixture(LOCATIONS), "192.0.2.1"]);
    assert!(r.stdout.contains("no named location"), "{}", r.stdout);
    let r = run(&[
        "locations",
        &fixture("locations/bad_cidr.json"),
        "192.0.2.1",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("203.0.113.300"), "{}", r.stderr);
}

#[test]
fn the_report_says_what_it_could_not_judge() {
    // A compliant-network location cannot be evaluated offline.
    let (v, _) = analyze_json(&[&fixture(PORTAL), "--locations", &fixture(LOCATIONS)]);
    let notes = v["notes"].to_string();
    assert!(notes.contains("cannot be evaluated offline"), "{notes}");
    assert!(notes.contains("All Compliant Network locations"), "{notes}");
    // Graph hides report-only results as unknownFutureValue without the Prefer header.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("page.json");
    std::fs::write(
        &f,
        r#"{"@odata.context":"x","value":[{"id":"00000000-0000-4000-8000-000000000001","createdDateTime":"2026-10-01T08:00:00Z","isInteractive":true,"appliedConditionalAccessPolicies":[{"id":"p","displayName":"RO","result":"unknownFutureValue"}]}]}"#,
    )
    .unwrap();
    let (v, _) = analyze_json(&[f.to_str().unwrap()]);
    let notes = v["notes"].to_string();
    assert!(notes.contains("include-unknown-enum-members"), "{notes}");
    assert_eq!(
        v["summary"]["by_policy"][0]["results"]["unknownFutureValue"],
        1
    );
}

#[test]
fn redacted_filter_refuses_stdin_instead_of_writing_nothing() {
    let out = casift()
        .args(["filter", "-", "--redact", "-q"])
        .write_stdin(std::fs::read(fixture(PORTAL)).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdin cannot be read twice"));
    // Without --redact, stdin works in one pass.
    let out = casift()
        .args(["filter", "-", "-q"])
        .write_stdin(std::fs::read(fixture(PORTAL)).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 17);
}
