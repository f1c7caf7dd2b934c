//! What reaches a terminal and where skipped records are said to be (issue 13, DESIGN.md
//! §9): CSV and JSON written to a terminal show a log's control, bidi and zero-width
//! characters visibly (JSON stays valid JSON), while the same output to a pipe keeps the exact
//! values; and a skipped row of a CRLF CSV (the portal's own line ending) is given its real
//! line. The terminal is a pseudo-terminal from `script` (bsdutils, on every Debian).

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;
use serde_json::{Value, json};

const HOSTILE_APP: &str =
    "App\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}x\u{2060}\u{61c}\u{2028}\u{e0041}\u{ad}";
const HOSTILE_USER: &str = "ad\u{200b}min@example.com";

fn hostile_export(dir: &Path) -> std::path::PathBuf {
    let record = json!({
        "id": "00000000-0000-4000-8000-0000000000e1",
        "createdDateTime": "2026-10-01T08:00:00Z",
        "userPrincipalName": HOSTILE_USER,
        "userId": "0e000000-0000-4000-b000-0000000000e1",
        "appId": "499b84ac-1321-427f-aa17-267ca6975798",
        "appDisplayName": HOSTILE_APP,
        "ipAddress": "203.0.113.9",
        "clientAppUsed": "Browser",
        "isInteractive": false,
        "conditionalAccessStatus": "failure",
        "status": {"errorCode": 53003},
        "appliedConditionalAccessPolicies": [{
            "id": "0ca00000-0000-4000-a000-0000000000e1",
            "displayName": "Block outside trusted locations",
            "enforcedGrantControls": ["Block"],
            "result": "failure",
            "conditionsSatisfied": "application,users,location"
        }]
    });
    let p = dir.join("hostile.json");
    std::fs::write(&p, serde_json::to_vec(&json!([record])).unwrap()).unwrap();
    p
}

/// Runs casift on a pseudo-terminal and returns what the terminal received.
fn on_terminal(args: &str) -> Option<String> {
    if Std::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`script` (bsdutils) is needed for the terminal tests"
        );
        eprintln!("skipped: no `script` to make a pseudo-terminal");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("casift");
    let cmd = format!("{} {args} 2>/dev/null", bin.display());
    let out = Std::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TZ", "UTC")
        .output()
        .expect("run script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn invisible(c: char) -> bool {
    casift::report::is_invisible(c) && c != '\n' && c != '\r' && c != '\t'
}

#[test]
fn csv_and_json_on_a_terminal_show_hostile_characters_and_stay_exact_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_export(dir.path());
    let path = input.display();
    for args in [
        format!("analyze {path} -f csv"),
        format!("filter {path} -f csv"),
        format!("filter {path} -f jsonl"),
        format!("analyze {path} -f json"),
    ] {
        let Some(shown) = on_terminal(&args) else {
            return;
        };
        assert!(
            !shown.chars().any(invisible),
            "{args}: raw control characters reached the terminal: {shown:?}"
        );
        assert!(shown.contains("min@example.com"), "{args}: {shown:?}");
        if args.ends_with("json") || args.ends_with("jsonl") {
            let first = shown.lines().next().unwrap_or_default();
            let doc = if args.ends_with("jsonl") {
                first
            } else {
                &shown[..]
            };
            let v: Value = serde_json::from_str(doc.trim()).expect("still JSON");
            assert!(v.to_string().contains("\\u001b"), "the same value, escaped");
        } else {
            assert!(
                shown.contains("\\u{1b}") && shown.contains("\\u{200b}"),
                "{shown}"
            );
        }
    }
    // To a pipe the values are exact.
    let out = Command::cargo_bin("casift")
        .unwrap()
        .args(["analyze", "-f", "json"])
        .arg(&input)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["app"]["display_name"], HOSTILE_APP);
}

#[test]
fn skipped_rows_of_a_crlf_csv_are_given_their_real_line() {
    let dir = tempfile::tempdir().unwrap();
    let header = "Date (UTC),Request ID,Correlation ID,User,Username,User ID,Application,Application ID,IP address,Status,Sign-in error code,Failure reason,Conditional Access";
    let good = |n: u32| {
        format!(
            "2026-10-01T08:00:0{n}Z,00000000-0000-4000-8000-00000000000{n},00000000-0000-4000-9000-00000000000{n},Ada,ada@example.com,0e000000-0000-4000-b000-000000000001,Azure Portal,c44b4083-3bb0-49c1-b47d-974e53cbdf3c,198.51.100.10,Failure,53003,\"Blocked,\r\nby policy\",Failure"
        )
    };
    // Line 1 header; two good records of two lines each (a quoted CRLF inside); line 6 bad.
    let text = [
        header.to_string(),
        good(1),
        good(2),
        "not a date,x".to_string(),
        good(3),
    ]
    .join("\r\n")
        + "\r\n";
    for (name, body) in [
        ("InteractiveSignIns_crlf.csv", text.clone()),
        ("InteractiveSignIns_lf.csv", text.replace("\r\n", "\n")),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &body).unwrap();
        let out = Command::cargo_bin("casift")
            .unwrap()
            .args(["analyze", "-f", "json"])
            .arg(&p)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let skipped = v["skipped"].as_array().expect("skipped");
        assert_eq!(skipped.len(), 1, "{name}: {skipped:?}");
        assert_eq!(skipped[0]["record"], 3, "{name}");
        assert_eq!(
            skipped[0]["line"], 6,
            "{name}: header 1, records at 2-3, 4-5, then 6"
        );
    }
}

#[test]
fn a_csv_report_split_at_semicolons_as_a_german_excel_does_holds_no_formula() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "Teams;=cmd|' /C calc'!A0;",
        "  =HYPERLINK(\"http://x\")",
        "\u{ff1d}1+1",
        "x\t=1+1",
        "ok; @SUM(A1)",
        "\u{3000}=1+1",
        "x;\u{fe66}1",
    ];
    let records: Vec<Value> = hostile
        .iter()
        .enumerate()
        .map(|(i, app)| {
            json!({
                "id": format!("00000000-0000-4000-8000-0000000000f{i}"),
                "createdDateTime": "2026-10-01T08:00:00Z",
                "userPrincipalName": format!("u{i};=2+2@example.com"),
                "appId": format!("499b84ac-1321-427f-aa17-26700000000{i}"),
                "appDisplayName": app,
                "ipAddress": "203.0.113.9",
                "conditionalAccessStatus": "failure",
                "status": {"errorCode": 53003},
                "appliedConditionalAccessPolicies": [{
                    "id": "0ca00000-0000-4000-a000-0000000000f1",
                    "displayName": "-Block;+everything",
                    "enforcedGrantControls": ["Block"],
                    "result": "failure"
                }]
            })
        })
        .collect();
    let input = dir.path().join("semicolons.json");
    std::fs::write(&input, serde_json::to_vec(&Value::Array(records)).unwrap()).unwrap();
    for extra in [&[][..], &["--per-sign-in"][..]] {
        let out = Command::cargo_bin("casift")
            .unwrap()
            .args(["analyze", "-f", "csv"])
            .args(extra)
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut rdr = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(&out.stdout[..]);
        let formula = |c: char| {
            "=+-@\u{ff1d}\u{ff0b}\u{ff0d}\u{ff20}\u{fe62}\u{fe63}\u{fe66}\u{fe6b}\t\r".contains(c)
        };
        let mut cells = 0;
        for rec in rdr.records() {
            let rec = rec.expect("readable with ';'");
            for cell in rec.iter() {
                cells += 1;
                let t =
                    cell.trim_start_matches(|c: char| c.is_whitespace() && !"\t\r\n".contains(c));
                let number = t.trim().parse::<f64>().is_ok();
                assert!(
                    number || !t.starts_with(formula),
                    "{extra:?}: a semicolon-locale spreadsheet would run {cell:?}"
                );
            }
        }
        assert!(cells > 10, "{extra:?}: read {cells} cells");
    }
}
