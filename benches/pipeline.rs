//! `cargo bench --bench pipeline`: generates the synthetic exports and times the casift
//! library pipeline on them (full analysis, and the selective query).
//!
//! `CASIFT_BENCH_RECORDS` sets the record count (default 100,000, about 450 MB per JSON
//! file). Files are written under `$CARGO_TARGET_DIR/bench-data` (else `target/bench-data`)
//! once and reused. The peers (DuckDB, jq, jaq) are timed by `bench/peers/run_all.sh`.

#[path = "gen/mod.rs"]
mod generator;

use std::path::Path;
use std::time::Instant;

use casift::cli::parse_time;
use casift::filter::{Filter, Pattern};
use casift::input::source::InputPath;
use casift::pipeline::{self, Options};
use casift::report::{self, Redactor, ReportFormat, RunMeta};

use generator::Format;

// The allocator the casift binary uses (src/main.rs), so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn records_from_env() -> usize {
    match std::env::var("CASIFT_BENCH_RECORDS") {
        Ok(v) => v.replace('_', "").parse().unwrap_or_else(|_| {
            eprintln!("CASIFT_BENCH_RECORDS must be a number, got {v:?}");
            std::process::exit(2)
        }),
        Err(_) => 100_000,
    }
}

/// The full analysis through the library (every rule, all summaries, the JSON report
/// rendered and discarded), with `filter` applied. Returns (records read, seconds).
fn run_casift(path: &Path, threads: usize, filter: &Filter) -> (u64, f64) {
    let inputs = vec![InputPath::File(path.to_path_buf())];
    let start = Instant::now();
    let opts = Options {
        threads,
        ..Options::default()
    };
    let analysis = match pipeline::run(&inputs, filter, None, opts) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("casift failed on {}: {e}", path.display());
            std::process::exit(2)
        }
    };
    let meta = RunMeta::default();
    let mut sink = std::io::sink();
    if let Err(e) = report::render(
        ReportFormat::Json,
        &analysis,
        &meta,
        &Redactor::off(),
        &mut sink,
    ) {
        eprintln!("rendering failed: {e}");
        std::process::exit(2)
    }
    (analysis.totals.records_read, start.elapsed().as_secs_f64())
}

/// Median of `runs` timings.
fn median(path: &Path, threads: usize, filter: &Filter, runs: usize) -> (u64, f64) {
    let mut times = Vec::new();
    let mut records = 0;
    for _ in 0..runs {
        let (n, t) = run_casift(path, threads, filter);
        records = n;
        times.push(t);
    }
    times.sort_by(f64::total_cmp);
    (records, times[times.len() / 2])
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

    let runs: usize = std::env::var("CASIFT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // The selective query: Azure DevOps sign-ins in one week (--app, --since, --until).
    let selective = Filter {
        apps: vec![Pattern::new("499b84ac-1321-427f-aa17-267ca6975798")],
        since: Some(parse_time("2026-10-12").unwrap_or_default()),
        until: Some(parse_time("2026-10-19").unwrap_or_default()),
        ..Filter::default()
    };
    println!(
        "\nmedian of {runs} runs (CASIFT_BENCH_RUNS); full = every rule and summary, no filter; query = --app <Azure DevOps> --since 2026-10-12 --until 2026-10-19"
    );
    println!(
        "{:<8} {:<6} {:>7} {:>8} {:>9} {:>12}",
        "format", "run", "threads", "seconds", "MB/s", "records/s"
    );
    for (format, path, bytes) in &files {
        for (name, filter) in [("full", Filter::default()), ("query", selective.clone())] {
            for threads in [1, 2] {
                let (n, secs) = median(path, threads, &filter, runs);
                println!(
                    "{:<8} {:<6} {:>7} {:>8.2} {:>9.0} {:>12.0}",
                    format.name(),
                    name,
                    threads,
                    secs,
                    *bytes as f64 / 1e6 / secs,
                    n as f64 / secs
                );
            }
        }
        if *format == Format::PortalCsv {
            println!("(CSV carries no per-policy detail; its figures are for the decoder only)");
        }
    }
}
