//! `cargo bench --bench pipeline`: generates the synthetic exports and times casift on them.
//!
//! `CASIFT_BENCH_RECORDS` sets the record count (default 100,000, about 450 MB per JSON
//! file). Files are written under `$CARGO_TARGET_DIR/bench-data` (else `target/bench-data`)
//! once and reused. The peers (DuckDB, jq, jaq) are timed by `bench/peers/run_all.sh`.

#[path = "gen/mod.rs"]
mod generator;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use generator::Format;

fn records_from_env() -> usize {
    match std::env::var("CASIFT_BENCH_RECORDS") {
        Ok(v) => v.replace('_', "").parse().unwrap_or_else(|_| {
            eprintln!("CASIFT_BENCH_RECORDS must be a number, got {v:?}");
            std::process::exit(2)
        }),
        Err(_) => 100_000,
    }
}

fn release_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release").join("casift")
}

// ---------------------------------------------------------------------------------------
// run_casift: PLACEHOLDER. Runs the release binary as a subprocess for now; to be switched
// to calling the library pipeline directly. Returns (records analysed, wall-clock seconds),
// or None when the binary is missing or fails. The subprocess does not report its record
// count, so the placeholder returns 0 and the caller uses the generated count.
// ---------------------------------------------------------------------------------------
fn run_casift(path: &Path, threads: usize) -> Option<(usize, f64)> {
    let bin = release_binary();
    if !bin.exists() {
        return None;
    }
    let start = Instant::now();
    let status = Command::new(&bin)
        .arg("analyze")
        .arg(path)
        .args(["-f", "json", "-o", "/dev/null", "-j", &threads.to_string()])
        .stdout(Stdio::null())
        .status();
    let seconds = start.elapsed().as_secs_f64();
    match status {
        // Exit 1 means "findings at or above --fail-on", still a complete run.
        Ok(s) if matches!(s.code(), Some(0 | 1)) => Some((0, seconds)),
        Ok(s) => {
            eprintln!("  {} exited with {s}", bin.display());
            None
        }
        Err(e) => {
            eprintln!("  cannot run {}: {e}", bin.display());
            None
        }
    }
}

fn main() {
    let records = records_from_env();
    let dir = generator::default_dir();
    let start = Instant::now();
    let files = match generator::write_all(&dir, records) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("cannot write the bench data under {}: {e}", dir.display());
            std::process::exit(2)
        }
    };
    println!(
        "bench data: {records} records in {} ({:.1} s to generate or check)",
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    for (format, path, bytes) in &files {
        println!(
            "  {:<8} {:>10.1} MB  {:>6} B/record  {}",
            format.name(),
            *bytes as f64 / 1e6,
            bytes / records.max(1) as u64,
            path.display()
        );
    }
    println!(
        "  expected query answer: {}",
        generator::expected_path(&dir, records).display()
    );

    if !release_binary().exists() {
        println!(
            "build casift first: cargo build --release (looked for {})",
            release_binary().display()
        );
        return;
    }
    println!(
        "\n{:<8} {:>7} {:>8} {:>9} {:>12}",
        "format", "threads", "seconds", "MB/s", "records/s"
    );
    for (format, path, bytes) in &files {
        for threads in [1, 2] {
            match run_casift(path, threads) {
                Some((n, secs)) => println!(
                    "{:<8} {:>7} {:>8.2} {:>9.0} {:>12.0}",
                    format.name(),
                    threads,
                    secs,
                    *bytes as f64 / 1e6 / secs,
                    if n == 0 { records } else { n } as f64 / secs
                ),
                None => println!("{:<8} {:>7} {:>8}", format.name(), threads, "failed"),
            }
        }
        if *format == Format::PortalCsv {
            println!("(CSV carries no per-policy detail; its figures are for the decoder only)");
        }
    }
}
