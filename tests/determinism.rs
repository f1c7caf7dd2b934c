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

/// A read error stops the run, but what `filter` wrote before it is every record of the
/// inputs before the error, whatever the thread count and however the chunks finished.
#[test]
fn output_before_a_read_error_does_not_depend_on_timing() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json.gz");
    // A gzip header and then garbage: the error comes after the first input was read.
    std::fs::write(
        &broken,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage, not deflate",
    )
    .unwrap();
    let good = fixture("signins/signins.jsonl");
    let run = |threads: &str, chunk: &str| {
        casift()
            .args([
                "filter",
                good.as_str(),
                broken.to_str().unwrap(),
                "-q",
                "-j",
                threads,
            ])
            .args(["--chunk-bytes", chunk, "-f", "jsonl"])
            .output()
            .unwrap()
    };
    let whole = casift()
        .args(["filter", good.as_str(), "-q", "-f", "jsonl"])
        .output()
        .unwrap();
    assert!(!whole.stdout.is_empty());
    for (threads, chunk) in [("1", "700"), ("4", "700"), ("2", "3000"), ("3", "1000")] {
        let out = run(threads, chunk);
        assert_eq!(out.status.code(), Some(2), "-j {threads}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("broken.json.gz"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == whole.stdout,
            "-j {threads} chunk {chunk}:\n{}",
            first_difference(&whole.stdout, &out.stdout)
        );
    }
}
