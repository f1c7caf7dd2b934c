//! The command-line contract of DESIGN.md §1 and the exact identities of §2 on the real
//! binary (and, for orders the JSON writer may re-rank, on the library's `Analysis`):
//! whole-value ids, canonical numeric IPs, non-IPs kept as text, empty results said,
//! exit 2 without an export, `--error-code` forms, the `--fail-on` and `-o` lines,
//! `--per-sign-in` needing CSV, `explain -f/-o`.

mod support;

use serde_json::Value;
use support::*;

const IDS: &str = "signins/contract/identities.jsonl";
const DIAG: &str = "signins/contract/diagnostic_without_properties.json";
const GUID_IP: &str = "00000000-0000-4000-8000-0000000000ff";

fn notes(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

fn by_ip(v: &Value) -> Vec<(String, u64)> {
    v["summary"]["by_ip"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ip"].as_str().unwrap().to_string(),
                r["signins"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn ids_are_compared_as_whole_values() {
    let (v, code) = analyze_json(&[&fixture(IDS)]);
    assert_eq!(code, 0);
    assert_accounting(&v);
    let t = &v["totals"];
    assert_eq!(t["records_read"], 12);
    // Only the exact repeat is a duplicate: `…-4aaa-…` interactive and `…-7aaa-…`
    // non-interactive met when the event type was XORed into the version nibble.
    assert_eq!(t["duplicates"], 1);
    assert_eq!(t["records_kept"], 11);
    // The interrupted flow 88888888-… never succeeded; the successful flow 12345678-…
    // has equal 64-bit halves too, so folding to 64 bits made them one id (count 0).
    assert_eq!(v["summary"]["abandoned_flows"], 1);
    // Two different non-GUID request ids are two sign-ins.
    let finding = &v["findings"][0];
    assert_eq!(finding["rule"], "CA001");
    assert_eq!(finding["count"], 5);
}

#[test]
fn one_address_spelled_two_ways_is_one_row() {
    let (v, _) = analyze_json(&[&fixture(IDS)]);
    let mut rows = by_ip(&v);
    rows.sort();
    assert_eq!(
        rows,
        [
            (GUID_IP.to_string(), 2),
            ("192.0.2.10".to_string(), 1),
            ("192.0.2.7".to_string(), 2),
            ("192.0.2.9".to_string(), 1),
            ("198.51.100.1".to_string(), 1),
            ("198.51.100.2".to_string(), 1),
            ("2001:db8::1".to_string(), 3),
        ]
    );
    let report = v.to_string();
    for spelled in ["2001:0db8::0001", "2001:db8:0:0::1", "::ffff:"] {
        assert!(!report.contains(spelled), "{spelled} shown: {report}");
    }
    // The value that is not an IP is noted once, with how many sign-ins carry one.
    let n = notes(&v);
    let about: Vec<&String> = n.iter().filter(|n| n.contains("not an IP")).collect();
    assert_eq!(about.len(), 1, "{n:?}");
    assert!(
        about[0].starts_with(
            "2 matched sign-ins have a value in an IP field that is not an IP address"
        )
    );
}

#[test]
fn a_value_that_is_not_an_ip_never_matches_a_range() {
    let p = fixture(IDS);
    let (v, _) = analyze_json(&[&p, "--ip", "0.0.0.0/0", "--ip", "::/0"]);
    assert_eq!(
        matched(&v),
        9,
        "every sign-in but the two with a GUID as IP"
    );
    // IPv4-mapped IPv6 matches IPv6 ranges that hold it as well as its IPv4 ranges.
    let (v, _) = analyze_json(&[&p, "--ip", "::/0"]);
    assert_eq!(
        matched(&v),
        4,
        "three IPv6 sign-ins and the IPv4-mapped one"
    );
    let (v, _) = analyze_json(&[&p, "--ip", "192.0.2.7"]);
    assert_eq!(matched(&v), 2, "::ffff:192.0.2.7 is 192.0.2.7");
}

#[test]
fn analysis_orders_ips_numerically() {
    use casift::filter::Filter;
    use casift::input::source::InputPath;
    use casift::pipeline::{Options, run};
    let input = InputPath::File(root().join("fixtures").join(IDS));
    let a = run(&[input], &Filter::default(), None, Options::default()).unwrap();
    let rows: Vec<&str> = a.by_ip.iter().map(|r| r.ip.as_str()).collect();
    assert_eq!(
        rows,
        [
            "192.0.2.7",
            "192.0.2.9",
            "192.0.2.10",
            "198.51.100.1",
            "198.51.100.2",
            "2001:db8::1",
            GUID_IP
        ]
    );
    let ips: Vec<&str> = a.findings[0].acc.ips.iter().map(|i| &**i).collect();
    assert_eq!(ips, ["192.0.2.9", "192.0.2.10", "2001:db8::1", GUID_IP]);
}

#[test]
fn diagnostic_record_without_properties_is_skipped() {
    let (v, code) = analyze_json(&[&fixture(DIAG)]);
    assert_eq!(code, 0);
    assert_accounting(&v);
    assert_eq!(v["totals"]["records_read"], 3);
    assert_eq!(v["totals"]["records_kept"], 1);
    assert_eq!(v["totals"]["records_skipped"], 2);
    // The same with a filter that rejects records before the full decode.
    let (f, _) = analyze_json(&[&fixture(DIAG), "--user", "nobody@example.com"]);
    assert_eq!(f["totals"]["records_skipped"], 2);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2);
    for s in skipped {
        assert_eq!(
            s["reason"],
            "diagnostic record without properties: nothing to analyse"
        );
    }
}

#[test]
fn no_sign_in_export_is_exit_2_naming_the_path() {
    let empty = root().join("fixtures/signins/contract/empty_dir");
    let r = run(&["analyze", empty.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains(&format!(
            "no sign-in export found in {} (an empty directory)",
            empty.display()
        )),
        "{}",
        r.stderr
    );
    let readme = root().join("fixtures/signins/contract/readme_only");
    for cmd in [
        &["analyze"][..],
        &["filter"][..],
        &["explain", "--id", "x"][..],
    ] {
        let mut args = cmd.to_vec();
        args.push(readme.to_str().unwrap());
        let r = run(&args);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("no sign-in export found in"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("README.md"), "{}", r.stderr);
    }
}

#[test]
fn filters_that_match_nothing_are_said() {
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "--user",
        "alice@example.com",
        "-f",
        "json",
        "-q",
    ]);
    assert_eq!(r.code, 0);
    let line = "casift: warning: no sign-in matched the filters (--user alice@example.com); 18 records were read";
    assert!(r.stderr.lines().any(|l| l == line), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        notes(&v).contains(
            &"No sign-in matched the filters (--user alice@example.com); 18 records were read."
                .to_string()
        ),
        "{:?}",
        notes(&v)
    );
    // Several filters are all named, as typed.
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "--app",
        "No Such App",
        "--error-code",
        "AADSTS53003",
        "--interactive",
    ]);
    assert!(
        r.stderr.contains(
            "(--app \"No Such App\" --error-code AADSTS53003 --interactive); 18 records were read"
        ),
        "{}",
        r.stderr
    );
    // A run that matches is quiet about it.
    let r = run(&["analyze", &fixture(PORTAL), "--user", "ada@example.com"]);
    assert!(!r.stderr.contains("no sign-in matched"), "{}", r.stderr);
}

#[test]
fn inputs_without_records_are_said() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("empty.json");
    std::fs::write(&p, b"").unwrap();
    let r = run(&["analyze", p.to_str().unwrap(), "-f", "json"]);
    assert_eq!(r.code, 0, "an empty download is read, not refused");
    assert!(
        r.stderr.contains(&format!(
            "casift: warning: the inputs hold no sign-in record ({}): the report is empty, not clean",
            p.display()
        )),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.starts_with("The inputs hold no sign-in record")),
        "{:?}",
        notes(&v)
    );
}

#[test]
fn error_code_forms() {
    let p = fixture(PORTAL);
    let count = |code: &str| {
        let (v, c) = analyze_json(&[&p, "--error-code", code]);
        assert_eq!(c, 0);
        (matched(&v), v)
    };
    let (plain, v) = count("53003");
    assert!(plain > 0);
    assert_eq!(v["filters"]["error_code"], serde_json::json!(["53003"]));
    for form in ["AADSTS53003", "aadsts53003"] {
        let (n, v) = count(form);
        assert_eq!(n, plain, "{form}");
        assert_eq!(v["filters"]["error_code"], serde_json::json!([form]));
    }
    // VS403463 is every CA block code, and says so once.
    let every: Vec<String> = casift::knowledge::CA_BLOCK_CODES
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut args = vec![p.as_str()];
    for c in &every {
        args.extend(["--error-code", c.as_str()]);
    }
    let all = matched(&analyze_json(&args).0);
    let (vs, v) = count("VS403463");
    assert_eq!(vs, all);
    assert!(vs > plain, "the fixture has CA blocks other than 53003");
    assert_eq!(v["filters"]["error_code"], serde_json::json!(["VS403463"]));
    let said: Vec<String> = notes(&v)
        .into_iter()
        .filter(|n| n.contains("--error-code VS403463"))
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("every Conditional Access block code (50005, 50131, 53000"));
    // Junk stays a usage error naming the flag and the value.
    for junk in ["53003x", "AADSTS", "VS40346"] {
        let r = run(&["analyze", &p, "--error-code", junk]);
        assert_eq!(r.code, 2, "{junk}");
        assert!(
            r.stderr.contains("--error-code") && r.stderr.contains(junk),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn fail_on_says_how_many_and_which_rules() {
    let p = fixture(PORTAL);
    let (v, _) = analyze_json(&[&p]);
    let mut by_rule = std::collections::BTreeMap::<String, u64>::new();
    for f in v["findings"].as_array().unwrap() {
        if f["severity"] == "high" {
            *by_rule
                .entry(f["rule"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let total: u64 = by_rule.values().sum();
    let list: Vec<String> = by_rule
        .iter()
        .map(|(r, &n)| {
            if n == 1 {
                r.clone()
            } else {
                format!("{r} ×{n}")
            }
        })
        .collect();
    let want = format!(
        "casift: {total} findings at or above high: {}",
        list.join(", ")
    );
    let r = run(&["analyze", &p, "--fail-on", "high", "-q"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.trim_end(), want);
    assert!(want.contains("CA001 ×3"), "{want}");
    // One finding: singular.
    let r = run(&[
        "analyze",
        &p,
        "--request-id",
        "00000000-0000-4000-8000-000000000008",
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim_end(),
        "casift: 1 finding at or above high: CA003"
    );
    // Below the bar: exit 0 and nothing said.
    let r = run(&[
        "analyze",
        &p,
        "--request-id",
        "00000000-0000-4000-8000-000000000012",
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn output_file_is_announced_unless_quiet() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("report.html");
    let o = out.to_str().unwrap();
    let (v, _) = analyze_json(&[&fixture(PORTAL)]);
    let n = v["findings"].as_array().unwrap().len();
    let r = run(&["analyze", &fixture(PORTAL), "-o", o]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stderr.trim_end(),
        format!("casift: wrote {o} ({n} findings)")
    );
    assert!(std::fs::read_to_string(&out).unwrap().contains("<html"));
    let r = run(&["analyze", &fixture(PORTAL), "-o", o, "-q"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = run(&[
        "analyze",
        &fixture(PORTAL),
        "--request-id",
        "00000000-0000-4000-8000-000000000008",
        "-o",
        o,
    ]);
    assert_eq!(
        r.stderr.trim_end(),
        format!("casift: wrote {o} (1 finding)")
    );
    let rows = d.path().join("rows.jsonl");
    let r = run(&[
        "filter",
        &fixture(PORTAL),
        "--user",
        "svc-build@example.com",
        "-o",
        rows.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stderr.trim_end(),
        format!("casift: wrote {} (4 sign-ins)", rows.display())
    );
    assert_eq!(std::fs::read_to_string(&rows).unwrap().lines().count(), 4);
}

#[test]
fn per_sign_in_needs_csv() {
    let p = fixture(PORTAL);
    for args in [
        &["--per-sign-in"][..],
        &["--per-sign-in", "-f", "json"][..],
        &["--per-sign-in", "-o", "report.md"][..],
    ] {
        let mut all = vec!["analyze", p.as_str()];
        all.extend_from_slice(args);
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains("--per-sign-in"), "{}", r.stderr);
        assert!(r.stderr.contains("needs the CSV format"), "{}", r.stderr);
    }
    let rows = |text: &str| csv::Reader::from_reader(text.as_bytes()).records().count();
    let r = run(&["analyze", &p, "--per-sign-in", "-f", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(rows(&r.stdout), 17, "one row per sign-in");
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("rows.csv");
    let r = run(&["analyze", &p, "--per-sign-in", "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(rows(&std::fs::read_to_string(&out).unwrap()), 17);
}

#[test]
fn explain_takes_format_and_output() {
    let p = fixture(PORTAL);
    let id = "00000000-0000-4000-8000-000000000008";
    let long = run(&["explain", &p, "--id", id, "--format", "json"]);
    assert_eq!(long.code, 0, "{}", long.stderr);
    let short = run(&["explain", &p, "--id", id, "-f", "json"]);
    assert_eq!(short.stdout, long.stdout);
    let v: Value = serde_json::from_str(&short.stdout).unwrap();
    assert!(v.is_object() || v.is_array());
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("explain.json");
    let o = out.to_str().unwrap();
    let r = run(&["explain", &p, "--id", id, "-f", "json", "-o", o]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(
        r.stderr.trim_end(),
        format!("casift: wrote {o} (1 sign-in)")
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), long.stdout);
    // Written atomically: nothing but the file is left beside it.
    let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
    // Never over an input.
    let copy = d.path().join("portal.json");
    std::fs::copy(&p, &copy).unwrap();
    let c = copy.to_str().unwrap();
    let r = run(&["explain", c, "--id", id, "-o", c]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("refusing to write the output over the input")
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&p).unwrap(),
        "the input is untouched"
    );
}

#[test]
fn notes_use_human_names_and_plurals() {
    let (v, _) = analyze_json(&[&fixture("signins/portal_utf16.json")]);
    let n = notes(&v).join("\n");
    assert!(n.contains("decoded from UTF-16 LE (with BOM)"), "{n}");
    assert!(!n.contains("Utf16"), "{n}");
    let r = run(&["analyze", &fixture(DIAG), "-f", "json"]);
    assert!(
        r.stderr
            .contains("casift: warning: 2 of 3 records were skipped"),
        "{}",
        r.stderr
    );
    // Notes and messages (finding texts belong to the report writers).
    for f in [
        PORTAL,
        IDS,
        DIAG,
        "signins/csv",
        "signins/portal_utf16.json",
    ] {
        let r = run(&["analyze", &fixture(f), "-f", "json", "--fail-on", "low"]);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let mut texts = notes(&v);
        for i in v["inputs"].as_array().unwrap() {
            texts.extend(i["notes"].as_array().unwrap().iter().map(|n| n.to_string()));
        }
        texts.push(r.stderr.clone());
        for text in texts {
            assert!(!text.contains("(s)"), "{f}: {text}");
            assert!(!text.contains("{ bom"), "{f}: {text}");
        }
    }
}
