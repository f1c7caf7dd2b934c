//! `cargo bench --bench pipeline`: generates the synthetic exports and times the casift
//! library pipeline on them (full analysis, and the selective query).
//!
//! Two record shapes (`CASIFT_BENCH_SHAPE` = `synthetic`, `admin` or `both`), each sized to
//! `CASIFT_BENCH_MB` of compact JSON (default 250), or `CASIFT_BENCH_RECORDS` records. Files
//! are written under `$CARGO_TARGET_DIR/bench-data` (else `target/bench-data`) once and
//! reused. Then: the library pipeline, `CASIFT_BENCH_RUNS` runs each (default 3; 0 skips),
//! and `CASIFT_BENCH_ROUNDS` interleaved rounds of the casift binary against DuckDB (default
//! 5; 0 skips; `bench/side.rs`). jq and jaq are timed by `bench/peers/run_all.sh`.

#[path = "gen/mod.rs"]
mod generator;
mod side;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use casift::cli::parse_time;
use casift::filter::{Filter, Pattern};
use casift::input::source::InputPath;
use casift::pipeline::{self, Options};
use casift::report::{self, Redactor, ReportFormat, RunMeta};

use generator::{Format, Shape};

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

/// Records per shape: `CASIFT_BENCH_RECORDS` if set, else enough for `CASIFT_BENCH_MB`
/// (default 250) of compact JSON.
fn records_for(shape: Shape) -> usize {
    if std::env::var_os("CASIFT_BENCH_RECORDS").is_some() {
        return records_from_env();
    }
    let mb: f64 = std::env::var("CASIFT_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(250.0);
    // Bytes per compact record of each shape, as generated.
    let per_record = match shape {
        Shape::Synthetic => 5_724.0,
        Shape::AdminCenter => ADMIN_BYTES_PER_RECORD,
    };
    (mb * 1e6 / per_record).round() as usize
}

const ADMIN_BYTES_PER_RECORD: f64 = 5_026.0;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let dir = generator::default_dir();
    let mut all = Vec::new();
    for shape in Shape::from_env() {
        let records = records_for(shape);
        let start = Instant::now();
        let files = match generator::write_all(&dir, shape, records) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("cannot write the bench data under {}: {e}", dir.display());
                std::process::exit(2)
            }
        };
        println!(
            "bench data, {} shape: {records} records in {} ({:.1} s to generate or check)",
            shape.name(),
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
        let expected = generator::expected_path(&dir, shape, records);
        println!("  expected query answer: {}", expected.display());
        all.push((shape, files, expected));
    }

    let runs = env_usize("CASIFT_BENCH_RUNS", 3);
    // The selective query: Azure DevOps sign-ins in one week (--app, --since, --until).
    let selective = Filter {
        apps: vec![Pattern::new("499b84ac-1321-427f-aa17-267ca6975798")],
        since: Some(parse_time("2026-10-12").unwrap_or_default()),
        until: Some(parse_time("2026-10-19").unwrap_or_default()),
        ..Filter::default()
    };
    if runs > 0 {
        println!(
            "\nlibrary pipeline, median of {runs} runs (CASIFT_BENCH_RUNS); full = every rule and summary, no filter; query = --app <Azure DevOps> --since 2026-10-12 --until 2026-10-19"
        );
        println!(
            "{:<9} {:<8} {:<6} {:>7} {:>8} {:>9} {:>12}",
            "shape", "format", "run", "threads", "seconds", "MB/s", "records/s"
        );
        for (shape, files, _) in &all {
            for (format, path, bytes) in files {
                for (name, filter) in [("full", Filter::default()), ("query", selective.clone())] {
                    for threads in [1, 2] {
                        let (n, secs) = median(path, threads, &filter, runs);
                        println!(
                            "{:<9} {:<8} {:<6} {:>7} {:>8.2} {:>9.0} {:>12.0}",
                            shape.name(),
                            format.name(),
                            name,
                            threads,
                            secs,
                            *bytes as f64 / 1e6 / secs,
                            n as f64 / secs
                        );
                    }
                }
            }
        }
        println!("(CSV carries no per-policy detail; its figures are for the decoder only)");
    }

    // Side by side with DuckDB, interleaved (CASIFT_BENCH_ROUNDS, default 5; 0 skips).
    let rounds = env_usize("CASIFT_BENCH_ROUNDS", 5);
    let have_duckdb = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if rounds == 0 {
        return;
    }
    if !have_duckdb {
        println!("\nDuckDB is not installed (pip install duckdb): no side-by-side rounds");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<side::File> = all
        .iter()
        .flat_map(|(shape, files, expected)| {
            files.iter().map(move |(format, path, bytes)| side::File {
                label: format!("{} {}", shape.name(), format.name()),
                path: path.clone(),
                bytes: *bytes,
                expected: expected.clone(),
                csv: *format == Format::PortalCsv,
            })
        })
        .collect();
    side::run(
        &files,
        rounds,
        env!("CARGO_BIN_EXE_casift"),
        &root.join("bench/locations.json"),
        &root.join("bench/peers/duckdb.sh"),
    );
}
