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
    // The error comes after the first input was read.
    let broken = broken_gzip(dir.path());
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

/// `copies` copies of the JSON-lines fixture, each record with a request id of its own, with
/// a malformed line after record `bad_at` (1-based) when given.
fn many_records(dir: &std::path::Path, copies: usize, bad_at: Option<usize>) -> String {
    let text = std::fs::read_to_string(fixture("signins/signins.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = String::new();
    let mut n = 0usize;
    for copy in 0..copies {
        for line in &lines {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            n += 1;
            v["id"] = format!("00000000-0000-4000-8000-{copy:06x}{n:06x}").into();
            out.push_str(&v.to_string());
            out.push('\n');
            if bad_at == Some(n) {
                out.push_str("{\"id\": \"truncated\n");
            }
        }
    }
    let path = dir.join("many.jsonl");
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

/// A gzip header and then garbage: an input the reader fails on.
fn broken_gzip(dir: &std::path::Path) -> std::path::PathBuf {
    let broken = dir.join("broken.json.gz");
    std::fs::write(
        &broken,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage, not deflate",
    )
    .unwrap();
    broken
}

/// Waits for `child`, killing it (and failing) if it has not ended within a minute: a run
/// that stops early must not hang on a reader blocked on a full channel.
fn wait_within_a_minute(mut child: std::process::Child, what: &str) -> std::process::Output {
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: casift did not end within a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `casift filter INPUTS -q -j THREADS --chunk-bytes 700 -f jsonl EXTRA` (hundreds of
/// chunks), stdout to `dir/out-THREADS.jsonl`: the exit code, stderr and what was written.
fn filter_in_small_chunks(
    dir: &std::path::Path,
    inputs: &[&str],
    threads: &str,
    extra: &[&str],
) -> (Option<i32>, String, Vec<u8>) {
    let out_path = dir.join(format!("out-{threads}.jsonl"));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("casift"))
        .arg("filter")
        .args(inputs)
        .args(["-q", "-j", threads, "--chunk-bytes", "700", "-f", "jsonl"])
        .args(extra)
        .env_clear()
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_within_a_minute(child, &format!("-j {threads}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, std::fs::read(&out_path).unwrap())
}

/// A malformed record under `--strict` in an early chunk, with hundreds of chunks still to
/// come (the reader blocked on its full channel): the run ends with exit code 2, naming the
/// record, and what `filter` wrote is the chunks before it, at any thread count.
#[test]
fn a_strict_error_early_in_a_long_input_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = many_records(dir.path(), 200, Some(40));
    let mut first: Option<Vec<u8>> = None;
    for threads in ["1", "2", "4"] {
        let (code, stderr, written) =
            filter_in_small_chunks(dir.path(), &[&input], threads, &["--strict"]);
        assert_eq!(code, Some(2), "-j {threads}: {stderr}");
        assert!(
            stderr.contains("many.jsonl") && stderr.contains("line 41"),
            "-j {threads}: {stderr}"
        );
        // Record 40 and the bad line after it share a chunk: the 39 before it are written.
        let lines = written.iter().filter(|b| **b == b'\n').count();
        assert_eq!(lines, 39, "-j {threads}: records written");
        match &first {
            None => first = Some(written),
            Some(f) => assert!(
                *f == written,
                "-j {threads}:\n{}",
                first_difference(f, &written)
            ),
        }
    }
}

/// A reader that stops at once (the first input is a broken gzip), before any chunk was
/// handed out: exit code 2, nothing written, no hang.
#[test]
fn a_read_error_before_any_chunk_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let broken = broken_gzip(dir.path());
    let good = many_records(dir.path(), 50, None);
    for threads in ["1", "4"] {
        let inputs = [broken.to_str().unwrap(), good.as_str()];
        let (code, stderr, written) = filter_in_small_chunks(dir.path(), &inputs, threads, &[]);
        assert_eq!(code, Some(2), "-j {threads}: {stderr}");
        assert!(stderr.contains("broken.json.gz"), "{stderr}");
        assert_eq!(written, b"", "-j {threads}");
    }
}

/// A reader of `filter`'s output that goes away after the first bytes, with hundreds of
/// chunks still to come: the run ends promptly and quietly (exit code 0, as for `head`).
#[test]
fn a_closed_stdout_ends_a_long_filter_run() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let input = many_records(dir.path(), 400, None);
    for threads in ["1", "4"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("casift"))
            .args(["filter", input.as_str(), "-q", "-j", threads])
            .args(["--chunk-bytes", "700", "-f", "jsonl"])
            .env_clear()
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The first bytes are read on a thread, so a run that never writes fails the test
        // at the deadline instead of blocking it.
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut head = [0u8; 100];
            let read = stdout.read_exact(&mut head).map(|()| head);
            let _ = tx.send(read);
        });
        let Ok(head) = rx.recv_timeout(std::time::Duration::from_secs(60)) else {
            let _ = child.kill();
            panic!("-j {threads}: no output within a minute");
        };
        assert!(
            head.unwrap().starts_with(b"{"),
            "-j {threads}: not JSON lines"
        );
        let out = wait_within_a_minute(child, &format!("-j {threads}, stdout closed"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "-j {threads}: {stderr}");
        assert!(stderr.is_empty(), "-j {threads}: {stderr}");
    }
}
