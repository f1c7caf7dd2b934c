//! One corpus, many encodings: the same logical sign-ins read from every JSON export shape
//! (and containers, UTF-16) give the same normalized records; the CSV fixtures and every
//! real sample in ../shared/samples are read with exact counts.

mod support;

use serde_json::Value;
use support::*;

/// The fields every export path carries, normalized (`filter --format jsonl`).
fn projection(input: &str) -> Vec<Value> {
    let r = run(&["filter", input, "-q"]);
    assert_eq!(r.code, 0, "{input}: {}", r.stderr);
    let mut v: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| {
            let x: Value = serde_json::from_str(l).unwrap();
            let policies: Vec<Value> = x["policies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    serde_json::json!([p["id"], p["display_name"], p["result"], p["grant_controls"], p["session_controls"]])
                })
                .collect();
            serde_json::json!({
                "request_id": x["request_id"], "correlation_id": x["correlation_id"],
                "created": x["created"], "user": x["user_principal_name"],
                "display": x["user_display_name"], "app": x["app_id"], "app_name": x["app_display_name"],
                "resource": x["resource_id"], "ip": x["ip"], "resource_ip": x["resource_ip"],
                "client": x["client_app_used"], "event_type": x["event_type"], "status": x["status"],
                "error_code": x["error_code"], "ca_status": x["ca_status"], "policies": policies,
                "compliant": x["device_compliant"], "country": x["country"], "findings": x["findings"],
            })
        })
        .collect();
    v.sort_by_key(ToString::to_string);
    v
}

#[test]
fn every_json_shape_gives_the_same_sign_ins() {
    let reference = projection(&fixture("signins/portal.json"));
    assert_eq!(reference.len(), 17);
    for (file, format) in [
        ("signins/graph_pages.json", "graph_api"),
        ("signins/signins.jsonl", "json_lines"),
        ("signins/diagnostic_PT1H.json", "diagnostic_settings"),
        ("signins/eventhub.json", "event_hub"),
        ("signins/loganalytics.jsonl", "log_analytics_json"),
        ("signins/portal_utf16.json", "portal_json"),
        ("signins/portal.json.gz", "portal_json"),
        ("signins/bundle.zip", "portal_json"),
    ] {
        let got = projection(&fixture(file));
        assert_eq!(got.len(), reference.len(), "{file}");
        for (a, b) in got.iter().zip(&reference) {
            assert_eq!(a, b, "{file} differs from portal.json");
        }
        let (v, _) = analyze_json(&[&fixture(file)]);
        assert_accounting(&v);
        assert_eq!(v["totals"]["records_read"], 18, "{file}");
        assert_eq!(v["totals"]["duplicates"], 1, "{file}");
        for i in v["inputs"].as_array().unwrap() {
            assert_eq!(i["format"], format, "{file}");
        }
    }
}

#[test]
fn mixed_inputs_are_merged_and_deduplicated() {
    // The same corpus three times over: every record after the first copy is a duplicate.
    let (v, _) = analyze_json(&[
        &fixture("signins/portal.json"),
        &fixture("signins/signins.jsonl"),
        &fixture("signins/bundle.zip"),
    ]);
    assert_accounting(&v);
    assert_eq!(v["totals"]["records_read"], 54);
    assert_eq!(v["totals"]["records_kept"], 17);
    assert_eq!(v["totals"]["duplicates"], 37);
    let inputs = v["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4, "the zip has two members");
    assert!(
        inputs[2]["path"]
            .as_str()
            .unwrap()
            .contains("bundle.zip:export/")
    );
}

#[test]
fn csv_exports_are_read_with_exact_counts() {
    let (v, _) = analyze_json(&[&fixture("signins/csv")]);
    assert_accounting(&v);
    let by_name = |suffix: &str| -> Value {
        v["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"].as_str().unwrap().ends_with(suffix))
            .cloned()
            .unwrap_or_else(|| panic!("no input {suffix}"))
    };
    for (file, format, records) in [
        (
            "InteractiveSignIns_2026-10-01_2026-10-02.csv",
            "portal_csv",
            6,
        ),
        (
            "NonInteractiveSignIns_2026-10-01_2026-10-02.csv",
            "portal_csv",
            4,
        ),
        ("fr_InteractiveSignIns_export.csv", "portal_csv", 3),
        ("de_InteractiveSignIns_export.csv", "portal_csv", 3),
        (
            "ApplicationSignIns_2026-10-01_2026-10-02.csv",
            "portal_csv",
            3,
        ),
        (
            "InteractiveSignIns_AuthDetails_2026-10-01_2026-10-02.csv",
            "portal_csv_auth_details",
            5,
        ),
        ("loganalytics_signinlogs.csv", "log_analytics_csv", 4),
        ("README.md", "ignored", 0),
    ] {
        let i = by_name(file);
        assert_eq!(i["format"], format, "{file}");
        assert_eq!(i["records"], records, "{file}");
        assert_eq!(i["skipped"], 0, "{file}");
    }
    // Authentication-detail rows are joined, not counted as sign-ins.
    assert_eq!(v["totals"]["records_read"], 23);
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("no per-policy Conditional Access detail"),
        "{notes}"
    );
    assert!(
        notes.contains("joined by Request ID onto 3 matched sign-ins;"),
        "{notes}"
    );
    // A block from the CSV says the policy cannot be named from this export (once, in its
    // own text; the report's notes say it for every other finding).
    let csv_finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["without_policy_detail"].as_u64().unwrap() > 0 && f["rule"] == "CA001")
        .expect("a CA001 finding from the portal CSV");
    let text = csv_finding["remediation"].as_str().unwrap();
    assert!(text.contains("no per-policy detail"), "{text}");
    assert!(
        text.contains("Download the same sign-ins as JSON"),
        "{text}"
    );
    assert!(!text.contains("Policy the"), "{text}");

    // The file name says interactive or not; a renamed file does not.
    let ni = fixture("signins/csv/NonInteractiveSignIns_2026-10-01_2026-10-02.csv");
    let (v, _) = analyze_json(&[&ni, "--non-interactive"]);
    assert_eq!(matched(&v), 4);
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("export.csv");
    std::fs::copy(&ni, &renamed).unwrap();
    let r = renamed.to_str().unwrap();
    assert_eq!(matched(&analyze_json(&[r, "--non-interactive"]).0), 0);
    assert_eq!(matched(&analyze_json(&[r, "--interactive"]).0), 0);
    assert!(
        analyze_json(&[r]).0["notes"]
            .to_string()
            .contains("renamed portal CSV")
    );
}

#[test]
fn every_real_sample_is_read_or_named() {
    let Some(dir) = samples() else { return };
    let p = |rel: &str| dir.join(rel).display().to_string();
    // (file, format, records read, skipped, duplicates)
    for (file, format, read, skipped, dups) in [
        (
            "graph_api/signIns_list_beta_graphdocs_example2_duplicate_keys.json",
            "graph_api",
            1,
            0,
            0,
        ),
        (
            "graph_api/signIns_list_v1.0_graphdocs_example1_INVALID_trailing_comma.json",
            "graph_api",
            1,
            1,
            0,
        ),
        (
            "diagnostic_settings/diag_json_beats_signin_log_pretty_int_conditions.json",
            "diagnostic_settings",
            1,
            0,
            0,
        ),
        (
            "diagnostic_settings/diag_jsonl_elastic_ManagedIdentitySignInLogs_first2.jsonl",
            "diagnostic_settings",
            2,
            0,
            0,
        ),
        (
            "diagnostic_settings/diag_jsonl_elastic_NonInteractiveUserSignInLogs_first3.jsonl",
            "diagnostic_settings",
            3,
            0,
            0,
        ),
        (
            "diagnostic_settings/diag_jsonl_elastic_ServicePrincipalSignInLogs_first2.jsonl",
            "diagnostic_settings",
            2,
            0,
            0,
        ),
        (
            "diagnostic_settings/diag_jsonl_elastic_SignInLogs_sample.jsonl",
            "diagnostic_settings",
            2,
            0,
            0,
        ),
        (
            "diagnostic_settings/diag_jsonl_elastic_alt_time_usformat_duration_string.jsonl",
            "diagnostic_settings",
            1,
            0,
            0,
        ),
        // Sanitized: all five records share one id, and two categories are both service
        // principal sign-ins, so one is a duplicate by the (request id, event type) key.
        (
            "diagnostic_settings/diag_jsonl_elastic_raw_5categories.jsonl",
            "diagnostic_settings",
            5,
            0,
            1,
        ),
        // Records holding only time and category: read, and skipped as not sign-ins.
        (
            "diagnostic_settings/diag_jsonl_elastic_time_formats_corner_cases_no_trailing_newline.jsonl",
            "diagnostic_settings",
            11,
            11,
            0,
        ),
        (
            "log_analytics/SigninLogs_LA_export_sentinel_training_lab_first9rows.csv",
            "log_analytics_csv",
            9,
            0,
            0,
        ),
    ] {
        let (v, code) = analyze_json(&[&p(file)]);
        assert_eq!(code, 0, "{file}");
        assert_accounting(&v);
        let t = &v["totals"];
        assert_eq!(v["inputs"][0]["format"], format, "{file}");
        assert_eq!(t["records_read"], read, "{file}");
        assert_eq!(t["records_skipped"], skipped, "{file}");
        assert_eq!(t["duplicates"], dups, "{file}");
    }
    let (v, _) = analyze_json(&[&p(
        "graph_api/signIns_list_v1.0_graphdocs_example1_INVALID_trailing_comma.json",
    )]);
    assert!(
        v["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("trailing comma")
    );
    let (v, _) = analyze_json(&[&p(
        "log_analytics/SigninLogs_LA_export_sentinel_training_lab_first9rows.csv",
    )]);
    assert_eq!(
        v["totals"]["interrupted"], 2,
        "16000 and 50058 are interrupts"
    );
    let codes: Vec<i64> = v["summary"]["by_error_code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![0, 16000, 50058]);

    // Files that are not sign-in exports: a clear error naming the file and what it is.
    for (file, what) in [
        (
            "log_analytics/SigninLogs_LA_query_result_sentinel_training_lab_signinLogs.csv",
            "query result",
        ),
        (
            "log_analytics/AuditLogs_LA_json_export_OTRF_GoldenSAML.jsonl",
            "ApplicationManagement",
        ),
        (
            "graph_api/namedLocations_list_v1.0_graphdocs_example1.json",
            "named-locations",
        ),
    ] {
        let r = run(&["analyze", &p(file)]);
        assert_eq!(r.code, 2, "{file}");
        assert!(
            r.stderr.contains(file.rsplit('/').next().unwrap()),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(what), "{file}: {}", r.stderr);
    }
    let policies = dir.join("ca_policies_graphbeta_utf16/ConditionalAccess");
    let mut n = 0;
    for e in std::fs::read_dir(&policies).unwrap() {
        let f = e.unwrap().path();
        let r = run(&["analyze", f.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{}", f.display());
        assert!(
            r.stderr.contains("Conditional Access policy"),
            "{}",
            r.stderr
        );
        n += 1;
    }
    assert_eq!(n, 36);
    // A directory scan passes over them, and with no sign-in export left that is a usage
    // error naming the directory and why its first file was passed over.
    let r = run(&["analyze", policies.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no sign-in export found in"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("ConditionalAccess (36 files"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Conditional Access policy"),
        "{}",
        r.stderr
    );
}
