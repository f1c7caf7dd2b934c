//! The same input gives byte-identical reports at any thread count and chunk size
//! (chunks merge in input order; cross-chunk duplicates keep the first record).

mod support;

use support::*;

fn report(threads: &str, chunk: Option<&str>, format: &str, extra: &[&str]) -> Vec<u8> {
    let dir = fixture("signins");
    let loc = fixture(LOCATIONS);
    let mut args = vec![
        "analyze",
        dir.as_str(),
        "--locations",
        loc.as_str(),
        "-q",
        "-j",
        threads,
        "-f",
        format,
    ];
    if let Some(c) = chunk {
        args.extend_from_slice(&["--chunk-bytes", c]);
    }
    args.extend_from_slice(extra);
    let out = casift().args(&args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn one_and_four_threads_give_identical_bytes() {
    for format in ["json", "markdown"] {
        let base = report("1", None, format, &[]);
        assert!(!base.is_empty());
        // Small chunks: many chunks per file, duplicates across chunks, reruns in the merge.
        for (j, chunk) in [
            ("4", None),
            ("1", Some("3000")),
            ("4", Some("3000")),
            ("3", Some("700")),
        ] {
            let got = report(j, chunk, format, &[]);
            assert!(
                got == base,
                "{format} -j {j} chunk {chunk:?} differs:\n{}",
                first_difference(&base, &got)
            );
        }
    }
}

#[test]
fn redacted_reports_are_stable_too() {
    let base = report("1", None, "json", &["--redact"]);
    let got = report("4", Some("3000"), "json", &["--redact"]);
    assert!(got == base, "{}", first_difference(&base, &got));
}

/// The first differing line of two reports, for a readable failure.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: {x:?} vs {y:?}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        a.lines().count(),
        b.lines().count()
    )
}
