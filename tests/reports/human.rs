//! The terminal view (on a pipe, in a file, on a real pseudo-terminal), `explain --redact`'s
//! distinct pseudonyms, and the redacted JSON report against the schema.

use std::path::Path;

use serde_json::Value;

use super::*;

#[test]
fn pipes_keep_getting_markdown() {
    let piped = run(&["analyze", PORTAL, "--locations", LOCATIONS]);
    assert_eq!(piped, analyze("markdown", &[]));
    let text = analyze("text", &[]);
    assert!(text.starts_with("casift: Conditional Access report\n"));
    assert!(
        !text.contains('\u{1b}'),
        "no colour on a pipe, even with -f text"
    );
    for bad in ["**", "## ", "| --- |", "<br>", "&lt;", "&amp;"] {
        assert!(!text.contains(bad), "{bad:?} in the text view");
    }
    // The fixture's hostile names arrive made visible.
    assert!(
        text.contains("<script>alert(1)</script> | App\\u{a}Name"),
        "{text}"
    );
    // -o report.txt writes the text view too, without colour.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    run(&[
        "analyze",
        PORTAL,
        "--locations",
        LOCATIONS,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Runs `casift analyze` on a pseudo-terminal through util-linux `script`, with `env` set.
fn on_a_terminal(env: &[(&str, &str)]) -> Option<String> {
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(!ci, "util-linux `script` is missing, and CI is set");
        eprintln!("skipping: /usr/bin/script not found, no pseudo-terminal to test on");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("casift");
    let cmd = format!(
        "{} analyze {PORTAL} --locations {LOCATIONS} -q",
        bin.display()
    );
    let mut c = std::process::Command::new(script);
    c.env_clear()
        .env("TZ", "UTC")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-qec", &cmd, "/dev/null"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n"))
}

#[test]
fn a_terminal_gets_the_text_view_with_colour_unless_no_color() {
    let Some(colour) = on_a_terminal(&[("COLUMNS", "80")]) else {
        return;
    };
    assert!(
        colour.contains("\u{1b}[1mBLOCKED SIGN-INS AT A GLANCE\u{1b}[0m"),
        "{colour}"
    );
    assert!(colour.contains("\u{1b}[1;31mHIGH"));
    assert!(!colour.contains("# casift report"), "not Markdown");
    for l in colour.lines() {
        let visible: String = {
            let mut s = String::new();
            let mut esc = false;
            for ch in l.chars() {
                match (esc, ch) {
                    (false, '\u{1b}') => esc = true,
                    (true, 'm') => esc = false,
                    (true, _) => {}
                    (false, c) => s.push(c),
                }
            }
            s
        };
        assert!(
            visible.chars().count() <= 80,
            "wider than $COLUMNS: {visible:?}"
        );
    }
    let plain = on_a_terminal(&[("COLUMNS", "80"), ("NO_COLOR", "")]).expect("script");
    assert!(
        !plain.contains('\u{1b}'),
        "NO_COLOR (any value) disables colour"
    );
    assert!(plain.contains("BLOCKED SIGN-INS AT A GLANCE"));
}

#[test]
fn explain_redact_gives_each_name_its_own_pseudonym() {
    let text = run(&["explain", PORTAL, "--id", HOSTILE_ID, "--redact"]);
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix(label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{label} in {text}"))
            .to_string()
    };
    let (upn, name, id) = (field("User:"), field("Display name:"), field("User id:"));
    assert!(upn.ends_with("@redacted"), "{upn}");
    let n = upn
        .trim_start_matches("user-")
        .trim_end_matches("@redacted");
    assert_eq!(name, format!("User {n}"));
    assert_eq!(id, format!("uid-{n}"));
    // The same pseudonyms in the JSON of explain and in the analyze report.
    let json: Value = serde_json::from_str(&run(&[
        "explain", PORTAL, "--id", HOSTILE_ID, "--redact", "--format", "json",
    ]))
    .unwrap();
    let s = &json["sign_ins"][0];
    assert_eq!(s["user_principal_name"], upn.as_str());
    assert_eq!(s["user_display_name"], name.as_str());
    assert_eq!(s["user_id"], id.as_str());
}

// ---------------------------------------------------------------- redacted JSON

#[test]
fn redacted_json_is_valid_and_holds_no_identity() {
    let v = schema_validator();
    let ids = fixture_identities();
    let with_policies = [
        "--locations",
        LOCATIONS,
        "--policies",
        "fixtures/tenant/policies.json",
    ];
    for extra in [&[][..], &["--locations", LOCATIONS][..], &with_policies[..]] {
        let mut args = vec!["analyze", PORTAL, "-f", "json", "--redact"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_valid(&v, &args, &out);
        for id in &ids {
            let json = serde_json::to_string(id).unwrap();
            assert!(
                !has_token(&out, &json[1..json.len() - 1]),
                "{args:?} leaks {id:?}"
            );
        }
        let report: Value = serde_json::from_str(&out).unwrap();
        let mut cidrs = 0;
        for f in report["findings"].as_array().unwrap() {
            for c in f["suggested_cidrs"].as_array().unwrap() {
                let c = c.as_str().expect("one string per CIDR");
                assert!(!c.contains("CIDRs, redacted"), "{c}");
                cidrs += 1;
            }
            let fix = f["remediation"].as_str().unwrap();
            assert!(!fix.contains("]/") && !fix.contains(")/"), "garbled: {fix}");
            // A structured fix keeps one string per value.
            if let Some(values) = f["fix"]["values"].as_array() {
                assert!(values.iter().all(Value::is_string), "{values:?}");
            }
        }
        // With the locations file, IP001 suggests CIDRs.
        assert!(cidrs > 0 || extra.is_empty(), "{args:?}: no CIDR to check");
    }
}

#[test]
fn a_service_principal_is_redacted_too() {
    let csv = "fixtures/signins/csv/ApplicationSignIns_2026-10-01_2026-10-02.csv";
    let out = run(&["analyze", csv, "-f", "json", "--redact"]);
    assert_valid(&schema_validator(), &["analyze", csv], &out);
    // The object id is gone (the app's display name, which here is the same as the service
    // principal's, is not personal data and stays).
    assert!(!out.contains("00000000-0000-4000-8000-000000000060"));
    let v: Value = serde_json::from_str(&out).unwrap();
    let p = &v["causes"][0]["principal"];
    assert_eq!(p["kind"], "service_principal");
    assert!(p["id"].as_str().unwrap().starts_with("uid-"), "{p}");
}
