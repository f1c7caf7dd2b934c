//! `analyze --partial` and `merge` through the real binary (DESIGN.md §8): for every fixture
//! set, one `analyze` over all inputs and a `merge` of one part per input write the same
//! bytes in every format, with overlapping inputs, abandoned flows split across parts, a
//! tree merge, filters, --locations/--policies and --redact; damaged, foreign and newer
//! parts are exit 2 naming the file.

mod support;

use std::path::{Path, PathBuf};

use support::*;

const FORMATS: [&str; 5] = ["json", "markdown", "csv", "html", "text"];

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `casift ARGS`, asserting the exit code.
fn ok(args: &[&str]) -> Run {
    let r = run(args);
    assert_eq!(r.code, 0, "casift {args:?}: {}", r.stderr);
    r
}

/// One part per input (with `opts`: filters, --locations, --policies, --redact).
fn parts(dir: &Path, inputs: &[&str], opts: &[&str]) -> Vec<PathBuf> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let p = dir.join(format!("{i}.part"));
            let mut a = vec!["analyze", input, "--partial", "-o", s(&p), "-q"];
            a.extend_from_slice(opts);
            ok(&a);
            p
        })
        .collect()
}

/// `analyze` over all inputs and `merge` of the parts, in format `f` (`merge_opts`: the
/// output options both take, e.g. --redact).
fn both(inputs: &[&str], opts: &[&str], parts: &[PathBuf], f: &str, out: &[&str]) -> (Run, Run) {
    let mut a = vec!["analyze"];
    a.extend_from_slice(inputs);
    a.extend_from_slice(opts);
    a.extend_from_slice(&["-f", f, "-q"]);
    a.extend_from_slice(out);
    let mut m = vec!["merge"];
    m.extend(parts.iter().map(|p| s(p)));
    m.extend_from_slice(&["-f", f, "-q"]);
    m.extend_from_slice(out);
    (run(&a), run(&m))
}

/// Every format, byte for byte, and the same exit code.
fn assert_same(inputs: &[&str], opts: &[&str], parts: &[PathBuf], out: &[&str]) {
    for f in FORMATS {
        let (a, m) = both(inputs, opts, parts, f, out);
        assert_eq!(
            a.code, m.code,
            "{f}: exit codes; merge stderr: {}",
            m.stderr
        );
        assert!(
            a.stdout == m.stdout,
            "{f}: merge differs from analyze over {inputs:?} {opts:?}\n--- analyze\n{}\n--- merge\n{}",
            a.stdout,
            m.stdout
        );
        assert!(!a.stdout.is_empty(), "{f}: empty report");
    }
}

fn check(inputs: &[&str], opts: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let p = parts(dir.path(), inputs, opts);
    assert_same(inputs, opts, &p, &[]);
}

#[test]
fn every_json_shape_with_overlaps() {
    // The same corpus in every shape: everything after the first copy is a duplicate.
    let files: Vec<String> = [
        "signins/portal.json",
        "signins/graph_pages.json",
        "signins/signins.jsonl",
        "signins/diagnostic_PT1H.json",
        "signins/eventhub.json",
        "signins/loganalytics.jsonl",
        "signins/portal_utf16.json",
        "signins/portal.json.gz",
        "signins/bundle.zip",
        "signins/portal.json",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    let inputs: Vec<&str> = files.iter().map(String::as_str).collect();
    check(&inputs, &["--locations", &fixture(LOCATIONS)]);
    // Without locations the IP rules are off, and the note says so.
    check(&inputs[..3], &[]);
}

#[test]
fn csv_exports_and_odd_files() {
    let files: Vec<String> = [
        "signins/csv/ApplicationSignIns_2026-10-01_2026-10-02.csv",
        "signins/csv/NonInteractiveSignIns_2026-10-01_2026-10-02.csv",
        "signins/csv/de_InteractiveSignIns_export.csv",
        "signins/csv/fr_InteractiveSignIns_export.csv",
        "signins/csv/loganalytics_signinlogs.csv",
        "signins/bad/deep_nesting.json",
        "signins/bad/empty.json",
        "signins/bad/invalid_utf8.jsonl",
        "signins/bad/mixed_bad_records.json",
        "signins/bad/truncated.json",
        "signins/contract/diagnostic_without_properties.json",
        "signins/contract/identities.jsonl",
        "signins/evidence/signins.jsonl",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    let inputs: Vec<&str> = files.iter().map(String::as_str).collect();
    check(&inputs, &["--locations", &fixture(LOCATIONS)]);
}

#[test]
fn a_directory_and_a_file_of_it() {
    // The CSV folder (with its authentication-details download) is one part; the same
    // interactive CSV again in a second part is all duplicates.
    let dir = fixture("signins/csv");
    let again = fixture("signins/csv/InteractiveSignIns_2026-10-01_2026-10-02.csv");
    check(&[&dir, &again], &["--locations", &fixture(LOCATIONS)]);
}

#[test]
fn authentication_details_in_another_part_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let signins = fixture("signins/csv/InteractiveSignIns_2026-10-01_2026-10-02.csv");
    let details = fixture("signins/csv/InteractiveSignIns_AuthDetails_2026-10-01_2026-10-02.csv");
    let p = parts(dir.path(), &[&signins, &details], &[]);
    let r = run(&["merge", s(&p[0]), s(&p[1]), "-f", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(s(&p[1])), "{}", r.stderr);
    assert!(r.stderr.contains("authentication-details"), "{}", r.stderr);
}

#[test]
fn filters_apply_when_the_part_is_written() {
    let inputs = [fixture(PORTAL), fixture("signins/diagnostic_PT1H.json")];
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    // --status and --user are checked before the full decode; --ip after it.
    check(&inputs, &["--status", "failure", "--user", "*@example.com"]);
    check(
        &inputs,
        &["--ip", "198.51.100.0/24", "--error-code", "53003"],
    );
    // A filter matching nothing: the empty-result note comes from the merge too.
    check(&inputs, &["--user", "nobody@example.com"]);
}

#[test]
fn parts_with_other_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.part");
    let b = dir.path().join("b.part");
    let portal = fixture(PORTAL);
    ok(&["analyze", &portal, "--partial", "-o", s(&a), "-q"]);
    ok(&[
        "analyze",
        &portal,
        "--partial",
        "-o",
        s(&b),
        "-q",
        "--user",
        "x",
    ]);
    let r = run(&["merge", s(&a), s(&b)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(s(&b)) && r.stderr.contains("filters"),
        "{}",
        r.stderr
    );
    // Pseudonyms need the order, which only a part written with --redact has.
    let r = run(&["merge", s(&a), "--redact"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(s(&a)) && r.stderr.contains("--redact"),
        "{}",
        r.stderr
    );
    // A report option on a part is a usage error.
    let r = run(&["analyze", &portal, "--partial", "-o", s(&a), "-f", "json"]);
    assert_eq!(r.code, 2);
}

/// JSON lines of sign-ins `(request id, correlation id, error code, minute)` for one user.
fn write_flows(path: &Path, rows: &[(u32, u32, i64, u32)]) {
    let mut out = String::new();
    for &(req, corr, code, minute) in rows {
        let v = serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{req:012}"),
            "correlationId": format!("c0000000-0000-4000-8000-{corr:012}"),
            "createdDateTime": format!("2026-10-01T10:{minute:02}:00Z"),
            "userPrincipalName": "flow@example.com",
            "userId": "0f0f0000-0000-4000-8000-000000000001",
            "appDisplayName": "Office 365 Exchange Online",
            "appId": "00000002-0000-0ff1-ce00-000000000000",
            "ipAddress": "203.0.113.7",
            "isInteractive": true,
            "signInEventTypes": ["interactiveUser"],
            "status": {"errorCode": code},
            "conditionalAccessStatus": if code == 0 { "success" } else { "failure" },
            "appliedConditionalAccessPolicies": [],
        });
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn abandoned_flows_and_duplicates_across_parts() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    let c = dir.path().join("c.jsonl");
    // Flow 1: interrupted in a, succeeds in b. Flow 2: interrupted in b, never succeeds.
    // Flow 3: interrupted in a, its success in c is a duplicate of b's record 12, and
    // record 11 is in all three.
    write_flows(&a, &[(1, 1, 50074, 0), (3, 3, 50074, 1), (11, 9, 0, 2)]);
    write_flows(
        &b,
        &[(2, 1, 0, 3), (4, 2, 50076, 4), (11, 9, 0, 2), (12, 3, 0, 5)],
    );
    write_flows(&c, &[(12, 3, 0, 5), (11, 9, 0, 2), (13, 8, 50074, 6)]);
    let inputs = [s(&a), s(&b), s(&c)];
    let (v, _) = analyze_json(&inputs);
    assert_eq!(v["summary"]["abandoned_flows"], 2, "{}", v["summary"]);
    assert_eq!(v["totals"]["duplicates"], 3);
    check(&inputs, &[]);
    // Later parts rebuilt without an earlier part's sign-ins, in a tree too.
    let pd = tempfile::tempdir().unwrap();
    let p = parts(pd.path(), &inputs, &[]);
    let bc = pd.path().join("bc.part");
    ok(&["merge", s(&p[1]), s(&p[2]), "--partial", "-o", s(&bc), "-q"]);
    assert_same(&inputs, &[], &[p[0].clone(), bc], &[]);
}

#[test]
fn tree_merges_equal_one_run() {
    let files: Vec<String> = [
        "signins/portal.json",
        "signins/diagnostic_PT1H.json",
        "signins/csv/loganalytics_signinlogs.csv",
        "signins/signins.jsonl",
        "signins/evidence/signins.jsonl",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    let inputs: Vec<&str> = files.iter().map(String::as_str).collect();
    let locs = fixture(LOCATIONS);
    let opts = ["--locations", locs.as_str()];
    let dir = tempfile::tempdir().unwrap();
    let p = parts(dir.path(), &inputs, &opts);
    let merge = |name: &str, from: &[&PathBuf]| {
        let out = dir.path().join(name);
        let mut a = vec!["merge", "--partial", "-o", s(&out), "-q"];
        a.extend(from.iter().map(|p| s(p)));
        ok(&a);
        out
    };
    // ((0 1) 2) ((3 4)) and (0 (1 (2 (3 4)))).
    let left = merge("l.part", &[&merge("01.part", &[&p[0], &p[1]]), &p[2]]);
    let right = merge("r.part", &[&p[3], &p[4]]);
    assert_same(&inputs, &opts, &[left, right], &[]);
    let t34 = merge("34.part", &[&p[3], &p[4]]);
    let t234 = merge("234.part", &[&p[2], &t34]);
    let t1234 = merge("1234.part", &[&p[1], &t234]);
    assert_same(&inputs, &opts, &[p[0].clone(), t1234.clone()], &[]);
    // Merged parts are parts like any other: their bytes do not depend on the tree.
    let flat = merge("flat.part", &[&p[1], &p[2], &p[3], &p[4]]);
    assert_eq!(
        std::fs::read(&flat).unwrap(),
        std::fs::read(&t1234).unwrap()
    );
}

#[test]
fn redacted_parts_merge_to_the_redacted_report() {
    let files: Vec<String> = [
        "signins/portal.json",
        "signins/diagnostic_PT1H.json",
        "signins/csv/de_InteractiveSignIns_export.csv",
        "signins/evidence/signins.jsonl",
        "signins/portal.json",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    let inputs: Vec<&str> = files.iter().map(String::as_str).collect();
    let locs = fixture(LOCATIONS);
    let opts = ["--locations", locs.as_str(), "--redact"];
    let dir = tempfile::tempdir().unwrap();
    let p = parts(dir.path(), &inputs, &opts);
    assert_same(&inputs, &["--locations", &locs], &p, &["--redact"]);
    // Without filters, --redact changes nothing but the names: such parts merge without
    // it too. Under a filter checked before the decode it changes what is decoded, so they
    // cannot stand for a run without it.
    let r = run(&["merge", s(&p[0])]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = dir.path().join("filtered.part");
    ok(&[
        "analyze",
        inputs[0],
        "--partial",
        "-o",
        s(&f),
        "-q",
        "--redact",
        "--user",
        "a*",
    ]);
    let r = run(&["merge", s(&f)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--redact"), "{}", r.stderr);
    ok(&["merge", s(&f), "--redact"]);
}

#[test]
fn assume_disjoint_drops_the_keys_and_says_so() {
    let files: Vec<String> = ["signins/portal.json", "signins/diagnostic_PT1H.json"]
        .iter()
        .map(|f| fixture(f))
        .collect();
    let inputs: Vec<&str> = files.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let full = parts(dir.path(), &inputs[..1], &[]);
    let thin = dir.path().join("thin.part");
    ok(&[
        "analyze",
        inputs[0],
        "--partial",
        "--assume-disjoint",
        "-o",
        s(&thin),
        "-q",
    ]);
    let (full_len, thin_len) = (
        std::fs::metadata(&full[0]).unwrap().len(),
        std::fs::metadata(&thin).unwrap().len(),
    );
    assert!(thin_len < full_len, "{thin_len} vs {full_len}");
    let r = ok(&["merge", s(&thin), s(&thin), "-f", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let notes = v["notes"].to_string();
    assert!(notes.contains("--assume-disjoint"), "{notes}");
    // The same file twice is counted twice: nothing was checked.
    assert_eq!(
        v["totals"]["duplicates"], 2,
        "each part's own duplicate only"
    );
    assert_eq!(v["totals"]["records_read"], 36);
    // Mixed with a full part only when the merge says --assume-disjoint.
    let r = run(&["merge", s(&full[0]), s(&thin)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(s(&thin)), "{}", r.stderr);
    let r = run(&["merge", s(&thin), s(&full[0])]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(s(&full[0])), "{}", r.stderr);
    ok(&["merge", s(&full[0]), s(&thin), "--assume-disjoint"]);
}

#[test]
fn damaged_foreign_and_newer_parts_are_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.part");
    ok(&[
        "analyze",
        &fixture(PORTAL),
        "--partial",
        "-o",
        s(&good),
        "-q",
    ]);
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.part",
            bytes[..bytes.len() - 5].to_vec(),
            "truncated",
        ),
        ("half.part", bytes[..bytes.len() / 2].to_vec(), "truncated"),
        (
            "random.part",
            (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "not a casift part",
        ),
        (
            "report.part",
            std::fs::read(fixture(PORTAL)).unwrap(),
            "not a casift part",
        ),
        ("empty.part", Vec::new(), "not a casift part"),
        (
            "future.part",
            {
                let mut b = bytes.clone();
                b[8..12].copy_from_slice(&3u32.to_le_bytes());
                b
            },
            "newer casift",
        ),
        (
            // Version 1 fingerprinted the counted keys with FNV-1a: merged with this
            // build's parts it would count each key twice.
            "version1.part",
            {
                let mut b = bytes.clone();
                b[8..12].copy_from_slice(&1u32.to_le_bytes());
                b
            },
            "write the part again with this build",
        ),
        (
            "flipped.part",
            {
                let mut b = bytes.clone();
                let n = b.len();
                b[n - 40] ^= 0x55;
                b
            },
            "",
        ),
    ];
    for (name, content, why) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let r = run(&["merge", s(&good), s(&p), "-f", "json"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(s(&p)), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    }
    let r = run(&["merge", s(&dir.path().join("missing.part"))]);
    assert_eq!(r.code, 2);
    // A merge never writes over one of its parts.
    let r = run(&["merge", s(&good), "--partial", "-o", s(&good)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(std::fs::read(&good).unwrap(), bytes);
}

/// The metadata JSON of a part, and a function writing a part with other metadata.
fn with_meta(part: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut edit = Some(edit);
    use std::io::{Read, Write};
    let mut pos = 12;
    let mut out = part[..12].to_vec();
    while pos < part.len() {
        let len = u64::from_le_bytes(part[pos + 1..pos + 9].try_into().unwrap()) as usize;
        let payload = &part[pos + 9..pos + 9 + len];
        if part[pos] == b'M' {
            let mut json = Vec::new();
            flate2::read::GzDecoder::new(payload)
                .read_to_end(&mut json)
                .unwrap();
            let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
            if let Some(e) = edit.take() {
                e(&mut v);
            }
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&serde_json::to_vec(&v).unwrap()).unwrap();
            let gz = e.finish().unwrap();
            out.push(b'M');
            out.extend_from_slice(&(gz.len() as u64).to_le_bytes());
            out.extend_from_slice(&gz);
        } else {
            out.extend_from_slice(&part[pos..pos + 9 + len]);
        }
        pos += 9 + len;
    }
    out
}

#[test]
fn hostile_metadata_is_refused_or_reported_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.part");
    ok(&[
        "analyze",
        &fixture(PORTAL),
        "--partial",
        "-o",
        s(&good),
        "-q",
    ]);
    let bytes = std::fs::read(&good).unwrap();
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("version", Box::new(|v| v["casift"] = "0.0.1".into())),
        (
            "state",
            Box::new(|v| v["state"] = serde_json::json!({"acc": 1})),
        ),
        (
            "skip",
            Box::new(|v| {
                v["state"]["skipped"] =
                    serde_json::json!([{"input": 99, "record": 1, "line": 1, "reason": "x"}])
            }),
        ),
        (
            "hour",
            Box::new(
                |v| v["state"]["acc"]["timeline"]["map"] = serde_json::json!([[i64::MAX, {"signins": 1, "failures": 0, "interrupted": 0, "ca_failures": 0}]]),
            ),
        ),
        (
            "counts",
            Box::new(|v| {
                v["state"]["totals"]["records_read"] = u64::MAX.into();
                v["state"]["acc"]["totals"]["signins"] = u64::MAX.into();
            }),
        ),
        (
            "guids",
            Box::new(|v| v["state"]["acc"]["succeeded_flows"]["guids"] = "xyz".into()),
        ),
    ];
    for (name, edit) in edits {
        let p = dir.path().join(format!("{name}.part"));
        std::fs::write(&p, with_meta(&bytes, edit)).unwrap();
        for f in FORMATS {
            let r = run(&["merge", s(&p), "-f", f, "-q"]);
            assert!(!r.stderr.contains("panicked"), "{name} {f}: {}", r.stderr);
            assert!(r.code == 0 || r.code == 2, "{name} {f}: {}", r.stderr);
            if r.code == 2 {
                assert!(r.stderr.contains(s(&p)), "{name}: {}", r.stderr);
            }
        }
    }
}

#[test]
fn notes_of_a_locations_directory_come_through() {
    // A --locations directory with an entry its scan passes over: the note is the part's.
    let dir = tempfile::tempdir().unwrap();
    let locs = dir.path().join("locations");
    std::fs::create_dir(&locs).unwrap();
    std::fs::copy(fixture(LOCATIONS), locs.join("named_locations.json")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("gone.json"), locs.join("dangling.json")).unwrap();
    let (v, _) = analyze_json(&[&fixture(PORTAL), "--locations", s(&locs)]);
    #[cfg(unix)]
    assert!(
        v["notes"].to_string().contains("dangling.json"),
        "{}",
        v["notes"]
    );
    check(
        &[&fixture(PORTAL), &fixture("signins/diagnostic_PT1H.json")],
        &["--locations", s(&locs)],
    );
}

#[test]
fn parts_do_not_depend_on_threads_and_merge_not_on_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [fixture(PORTAL), fixture("signins/evidence/signins.jsonl")];
    let part = |name: &str, extra: &[&str]| {
        let p = dir.path().join(name);
        let mut a = vec![
            "analyze",
            &inputs[0],
            &inputs[1],
            "--partial",
            "-o",
            s(&p),
            "-q",
        ];
        a.extend_from_slice(extra);
        ok(&a);
        std::fs::read(&p).unwrap()
    };
    let one = part("j1.part", &["-j", "1"]);
    assert_eq!(
        one,
        part("j3.part", &["-j", "3"]),
        "part bytes at 1 and 3 threads"
    );
    // Small chunks: other frames, the same report.
    part("small.part", &["--chunk-bytes", "2000"]);
    let (a, b) = (dir.path().join("j1.part"), dir.path().join("small.part"));
    let ra = ok(&["merge", s(&a), "-f", "json", "-q"]);
    let rb = ok(&["merge", s(&b), "-f", "json", "-q"]);
    assert_eq!(ra.stdout, rb.stdout);
}
