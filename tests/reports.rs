//! Report formats end to end through the real binary: insta snapshots of every format and of
//! every `--help`, the JSON report validated against `schema/report.schema.json`, the hostile
//! fixture record proven harmless in every format, and `--redact` proven to leave no UPN,
//! display name or IP of the fixture while staying byte-identical across runs and threads.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use casift::report::{escape_html, escape_md};
use serde_json::Value;

const PORTAL: &str = "fixtures/signins/portal.json";
const LOCATIONS: &str = "fixtures/locations/named_locations.json";
const HOSTILE_ID: &str = "00000000-0000-4000-8000-000000000014";
const HOSTILE_APP: &str = "<script>alert(1)</script> | App\nName";
const HOSTILE_POLICY: &str = "Pipe | policy\nwith newline & <b>tags</b>";
const HOSTILE_USER: &str = "=cmd|' /C calc'!A0";
const HOSTILE_REASON: &str = "@SUM(1+1)|evil\r\nsecond line <img src=x onerror=alert(1)>";

fn casift() -> Command {
    let mut c = Command::cargo_bin("casift").expect("binary built");
    c.env_clear()
        .env("TZ", "UTC")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs casift and returns stdout; panics with stderr unless the exit code is `code`.
fn run_code(args: &[&str], code: i32) -> String {
    let out = casift().args(args).output().expect("run casift");
    assert_eq!(
        out.status.code(),
        Some(code),
        "casift {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn run(args: &[&str]) -> String {
    run_code(args, 0)
}

fn analyze(format: &str, extra: &[&str]) -> String {
    let mut args = vec!["analyze", PORTAL, "--locations", LOCATIONS, "-f", format];
    args.extend_from_slice(extra);
    run(&args)
}

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!("analyze_markdown", analyze("markdown", &[]));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!("analyze_json", analyze("json", &[]));
}

#[test]
fn snapshot_csv() {
    insta::assert_snapshot!("analyze_csv", analyze("csv", &[]));
}

#[test]
fn snapshot_html() {
    insta::assert_snapshot!("analyze_html", analyze("html", &[]));
}

#[test]
fn snapshot_help() {
    for (name, args) in [
        ("help_main", vec!["--help"]),
        ("help_analyze", vec!["analyze", "--help"]),
        ("help_explain", vec!["explain", "--help"]),
        ("help_filter", vec!["filter", "--help"]),
        ("help_locations", vec!["locations", "--help"]),
    ] {
        insta::assert_snapshot!(name, run(&args));
    }
}

#[test]
fn output_extension_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    for (file, format) in [("r.html", "html"), ("r.csv", "csv")] {
        let path = dir.path().join(file);
        run(&[
            "analyze",
            PORTAL,
            "--locations",
            LOCATIONS,
            "-o",
            path.to_str().unwrap(),
        ]);
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(written, analyze(format, &[]), "{file}");
    }
}

// ---------------------------------------------------------------- JSON schema

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("the schema is not a valid JSON Schema: {e}");
    }
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

fn assert_valid(v: &jsonschema::Validator, args: &[&str], json: &str) {
    let instance: Value = serde_json::from_str(json).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "casift {args:?}: JSON report does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn json_report_matches_the_schema() {
    let v = schema_validator();
    let cases: [&[&str]; 7] = [
        &["analyze", PORTAL, "--locations", LOCATIONS, "-f", "json"],
        &[
            "analyze",
            PORTAL,
            "--locations",
            LOCATIONS,
            "-f",
            "json",
            "--redact",
        ],
        // No locations file: `trusted` is null, IP rules skipped with a note.
        &["analyze", PORTAL, "-f", "json"],
        // Filters set, every kind of value.
        &[
            "analyze",
            PORTAL,
            "-f",
            "json",
            "--user",
            "svc-*",
            "--since",
            "2026-10-01",
            "--until",
            "2026-10-03 12:00",
            "--status",
            "failure",
            "--non-interactive",
            "--ip",
            "203.0.113.0/24",
        ],
        // Portal CSV exports (no per-policy detail).
        &[
            "analyze",
            "fixtures/signins/csv/InteractiveSignIns_2026-10-01_2026-10-02.csv",
            "fixtures/signins/csv/NonInteractiveSignIns_2026-10-01_2026-10-02.csv",
            "fixtures/signins/csv/loganalytics_signinlogs.csv",
            "-f",
            "json",
        ],
        // Skipped records.
        &[
            "analyze",
            "fixtures/signins/bad/mixed_bad_records.json",
            "-f",
            "json",
        ],
        // Every JSON shape at once.
        &[
            "analyze",
            "fixtures/signins/graph_pages.json",
            "fixtures/signins/signins.jsonl",
            "fixtures/signins/eventhub.json",
            "fixtures/signins/diagnostic_PT1H.json",
            "fixtures/signins/loganalytics.jsonl",
            "--locations",
            LOCATIONS,
            "-f",
            "json",
        ],
    ];
    for args in cases {
        assert_valid(&v, args, &run(args));
    }
}

#[test]
fn schema_rejects_drift() {
    let v = schema_validator();
    let mut report: Value = serde_json::from_str(&analyze("json", &[])).unwrap();
    assert!(v.is_valid(&report));
    // An unknown key, a wrong rule/kind pairing and a missing key are all caught.
    report["findings"][0]["surprise"] = Value::Bool(true);
    assert!(!v.is_valid(&report));
    report["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("surprise");
    report["findings"][0]["kind"] = Value::String("risk_blocked".into());
    assert!(!v.is_valid(&report));
    report["findings"][0]["kind"] = Value::String("blocked_by_policy".into());
    assert!(v.is_valid(&report));
    report["totals"]
        .as_object_mut()
        .unwrap()
        .remove("ca_failures");
    assert!(!v.is_valid(&report));
}

// ---------------------------------------------------------------- hostile values

/// The tags and attributes the HTML report may contain; anything else came from a log.
const HTML_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "footer",
    "section", "article", "div", "h1", "h2", "h3", "h4", "p", "strong", "span", "i", "br", "a",
    "code", "dl", "dt", "dd", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "svg", "g",
    "rect", "line", "text",
];

#[test]
fn html_is_inert_and_self_contained() {
    let html = analyze("html", &[]);
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script tag");
    assert!(!lower.contains("<img"), "an img tag");
    assert!(!lower.contains("onerror="), "an event handler");
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
    // The hostile names are there, escaped.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | App\\u{a}Name"));
    assert!(html.contains("Pipe | policy\\u{a}with newline &amp; &lt;b&gt;tags&lt;/b&gt;"));
    // No external resource of any kind.
    for bad in [
        "url(",
        "@import",
        "@font-face",
        "src=",
        "http:",
        "https:",
        "//",
    ] {
        let in_style = lower
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next())
            .unwrap_or("");
        assert!(!in_style.contains(bad), "stylesheet contains {bad}");
    }
    // Every tag is one the writer emits, with no event handler and only in-page links.
    let mut rest = html.as_str();
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("tag closed") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag == "/style" || tag.starts_with("style") {
            if tag == "style" {
                // Skip the stylesheet body.
                let close = rest.find("</style>").unwrap();
                rest = &rest[close..];
            }
            continue;
        }
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap()
            .to_ascii_lowercase();
        assert!(HTML_TAGS.contains(&name.as_str()), "unexpected tag <{tag}>");
        let attrs = tag.to_ascii_lowercase();
        assert!(
            !attrs.contains(" on") || !attrs.contains('='),
            "event handler in <{tag}>"
        );
        if let Some(i) = attrs.find("href=\"") {
            assert!(
                attrs[i + 6..].starts_with('#'),
                "link out of the page: <{tag}>"
            );
        }
        assert!(!attrs.contains("src="), "resource in <{tag}>");
    }
}

/// Cells of a Markdown table row, split on unescaped `|`.
fn md_cells(row: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n - 1
}

#[test]
fn markdown_tables_survive_hostile_values() {
    let md = analyze("markdown", &[]);
    assert!(!md.contains("<script") && !md.contains("<b>") && !md.contains("<img"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| App<br>Name"));
    assert!(md.contains("Pipe \\| policy<br>with newline &amp; &lt;b&gt;tags&lt;/b&gt;"));
    let mut tables = 0;
    let mut width = None;
    for line in md.lines() {
        if line.starts_with('|') {
            assert!(line.ends_with('|'), "row cut short: {line}");
            let n = md_cells(line);
            match width {
                None => {
                    width = Some(n);
                    tables += 1;
                }
                Some(w) => assert_eq!(n, w, "column count changed in row: {line}"),
            }
        } else {
            width = None;
        }
    }
    assert!(tables > 5, "found only {tables} tables");
}

fn assert_csv_safe(text: &str, what: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("valid CSV")).collect();
    let width = rows[0].len();
    for row in &rows {
        assert_eq!(row.len(), width, "{what}: ragged row {row:?}");
        for cell in row {
            let risky = cell
                .chars()
                .next()
                .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "{what}: formula-like cell {cell:?}"
            );
        }
    }
    rows
}

#[test]
fn csv_report_is_formula_safe_and_complete() {
    let text = analyze("csv", &[]);
    let rows = assert_csv_safe(&text, "analyze -f csv");
    assert_eq!(
        rows[0].iter().collect::<Vec<_>>(),
        casift::report::csv::COLUMNS.to_vec()
    );
    let json: Value = serde_json::from_str(&analyze("json", &[])).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(rows.len(), findings.len() + 1);
    for (row, f) in rows[1..].iter().zip(findings) {
        assert_eq!(&row[0], f["rule"].as_str().unwrap());
        assert_eq!(row[8], f["count"].to_string());
        assert_eq!(&row[16], f["remediation"].as_str().unwrap());
        assert_eq!(row[17], f["users_total"].to_string());
        assert_eq!(row[18], f["ips_total"].to_string());
    }
    // The hostile names come back whole (none starts with a formula character).
    let hostile = rows
        .iter()
        .find(|r| &r[7] == HOSTILE_APP)
        .expect("hostile app");
    assert_eq!(&hostile[5], HOSTILE_POLICY);
}

#[test]
fn filter_csv_is_formula_safe() {
    let text = run(&["filter", PORTAL, "--format", "csv"]);
    let rows = assert_csv_safe(&text, "filter --format csv");
    let all: Vec<&str> = rows.iter().flat_map(|r| r.iter()).collect();
    assert!(
        all.contains(&"'=cmd|' /C calc'!A0"),
        "display name neutralised"
    );
    assert!(all.iter().any(|c| c.starts_with("'@SUM(1+1)|evil")));
}

fn strings(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn json_outputs_keep_the_exact_strings() {
    let report: Value = serde_json::from_str(&analyze("json", &[])).unwrap();
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["examples"][0] == HOSTILE_ID)
        .expect("hostile finding");
    assert_eq!(f["app"]["display_name"], HOSTILE_APP);
    assert_eq!(f["policy"]["display_name"], HOSTILE_POLICY);

    let mut seen = BTreeSet::new();
    for line in run(&["filter", PORTAL, "--format", "jsonl"]).lines() {
        strings(&serde_json::from_str(line).unwrap(), &mut seen);
    }
    let explain: Value = serde_json::from_str(&run(&[
        "explain", PORTAL, "--id", HOSTILE_ID, "--format", "json",
    ]))
    .unwrap();
    strings(&explain, &mut seen);
    for s in [HOSTILE_APP, HOSTILE_POLICY, HOSTILE_USER, HOSTILE_REASON] {
        assert!(seen.contains(s), "{s:?} not kept exactly");
    }
}

// ---------------------------------------------------------------- redaction

/// UPNs, display names, user ids, device names and IPs of the fixture.
fn fixture_identities() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(PORTAL)).unwrap();
    let records: Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for r in records.as_array().unwrap() {
        for key in [
            "userPrincipalName",
            "userDisplayName",
            "userId",
            "ipAddress",
            "ipAddressFromResourceProvider",
        ] {
            if let Some(s) = r[key].as_str().filter(|s| !s.is_empty()) {
                out.insert(s.to_string());
            }
        }
        if let Some(s) = r["deviceDetail"]["displayName"]
            .as_str()
            .filter(|s| !s.is_empty())
        {
            out.insert(s.to_string());
        }
    }
    let mut all = BTreeSet::new();
    strings(&records, &mut all);
    let upns: Vec<&String> = all.iter().filter(|s| s.ends_with("@example.com")).collect();
    assert!(upns.len() >= 10, "fixture UPNs: {upns:?}");
    out.extend(upns.into_iter().cloned());
    out.into_iter().collect()
}

/// Whether `needle` occurs in `hay` as a whole token (an IP inside a longer IP does not count).
fn has_token(hay: &str, needle: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '@' | '-' | '_');
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

fn redacted_runs() -> Vec<Vec<String>> {
    let mut cmds: Vec<Vec<String>> = ["markdown", "json", "csv", "html"]
        .iter()
        .map(|f| {
            ["analyze", PORTAL, "--locations", LOCATIONS, "-f", f]
                .map(String::from)
                .to_vec()
        })
        .collect();
    cmds.push(
        [
            "filter",
            PORTAL,
            "--locations",
            LOCATIONS,
            "--format",
            "jsonl",
        ]
        .map(String::from)
        .to_vec(),
    );
    cmds.push(
        [
            "filter",
            PORTAL,
            "--locations",
            LOCATIONS,
            "--format",
            "csv",
        ]
        .map(String::from)
        .to_vec(),
    );
    for format in ["text", "json"] {
        cmds.push(
            [
                "explain",
                PORTAL,
                "--locations",
                LOCATIONS,
                "--id",
                HOSTILE_ID,
                "--format",
                format,
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    for c in &mut cmds {
        c.push("--redact".to_string());
    }
    cmds
}

#[test]
fn redaction_leaves_no_identity() {
    let ids = fixture_identities();
    for cmd in redacted_runs() {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let out = run(&args);
        // Pseudonyms are numbered over every kept record, whatever the command or filter.
        assert!(
            out.contains("@redacted"),
            "{args:?}: no pseudonym in output"
        );
        for id in &ids {
            // The value as written, and as each format escapes it.
            let json = serde_json::to_string(id).unwrap();
            let forms = [
                id.clone(),
                escape_html(id),
                escape_md(id),
                json[1..json.len() - 1].to_string(),
                format!("'{id}"),
            ];
            for form in forms {
                assert!(!has_token(&out, &form), "{args:?} leaks {id:?}");
            }
        }
    }
}

#[test]
fn redaction_is_deterministic_across_runs_and_threads() {
    for cmd in redacted_runs() {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let with = |j: &str| {
            let mut a = args.clone();
            a.extend(["-j", j]);
            run(&a)
        };
        let one = with("1");
        assert_eq!(one, with("4"), "{args:?}: -j 1 and -j 4 differ");
        assert_eq!(with("4"), with("4"), "{args:?}: two runs differ");
    }
}

#[test]
fn unredacted_reports_are_deterministic_across_threads() {
    for format in ["markdown", "json", "csv", "html"] {
        assert_eq!(
            analyze(format, &["-j", "1"]),
            analyze(format, &["-j", "4"]),
            "{format}"
        );
    }
}

#[test]
fn fail_on_sets_the_exit_code() {
    let args = |level: &'static str| {
        [
            "analyze",
            PORTAL,
            "--locations",
            LOCATIONS,
            "-f",
            "csv",
            "--fail-on",
            level,
        ]
    };
    run_code(&args("high"), 1);
    run_code(&args("low"), 1);
    // Nothing at or above high among report-only findings.
    run_code(
        &[
            "analyze",
            PORTAL,
            "-f",
            "html",
            "--fail-on",
            "high",
            "--app",
            "Office 365 Exchange Online",
            "--status",
            "success",
        ],
        0,
    );
}

#[test]
fn a_pseudonym_means_the_same_person_in_every_command() {
    let analyze = run(&[
        "analyze",
        "fixtures/signins/portal.json",
        "-f",
        "json",
        "--redact",
        "-q",
    ]);
    let explain = run(&[
        "explain",
        "fixtures/signins/portal.json",
        "--id",
        "00000000-0000-4000-8000-000000000014",
        "--format",
        "json",
        "--redact",
    ]);
    let v: serde_json::Value = serde_json::from_str(&explain).unwrap();
    let mallory = v["sign_ins"][0]["user_principal_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(mallory.ends_with("@redacted"), "{mallory}");
    assert!(
        analyze.contains(&mallory),
        "{mallory} not in the analyze report"
    );
}

// ---------------------------------------------------------------- terminal view and explain

#[test]
fn snapshot_text_view() {
    insta::assert_snapshot!("analyze_text", analyze("text", &[]));
}

#[test]
fn snapshot_explain() {
    insta::assert_snapshot!(
        "explain_text",
        run(&[
            "explain",
            PORTAL,
            "--locations",
            LOCATIONS,
            "--id",
            "00000000-0000-4000-8000-000000000002",
        ])
    );
    insta::assert_snapshot!(
        "explain_text_hostile_redacted",
        run(&[
            "explain",
            PORTAL,
            "--locations",
            LOCATIONS,
            "--id",
            HOSTILE_ID,
            "--redact",
        ])
    );
}

// The human formats' behaviour (terminal view, explain, redaction) and the bounded lists.
#[path = "reports/bounded.rs"]
mod bounded;
#[path = "reports/human.rs"]
mod human;
