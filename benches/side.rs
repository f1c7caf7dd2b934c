//! The side-by-side rounds of `cargo bench --bench pipeline`: DuckDB's query
//! (`bench/peers/duckdb.sh`) and the casift binary (full analysis with `--locations`, and the
//! selective query) on the same files, interleaved round by round (the order flips every
//! round), so a load change on the machine hits both. Reports median paired ratios: in each
//! round, DuckDB's time over casift's on the same file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One timed command: wall seconds, peak RSS in KB and CPU seconds (user + system, from
/// `/usr/bin/time`), its stdout.
fn timed(cmd: &[String]) -> (f64, u64, f64, Vec<u8>) {
    let rss_file = std::env::temp_dir().join(format!("casift-bench-rss-{}", std::process::id()));
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M %U %S")
        .arg("-o")
        .arg(&rss_file)
        .args(cmd)
        .stderr(Stdio::inherit())
        .output();
    let secs = start.elapsed().as_secs_f64();
    let out = match out {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => {
            eprintln!("failed ({}): {}", o.status, cmd.join(" "));
            std::process::exit(2)
        }
        Err(e) => {
            eprintln!("cannot run /usr/bin/time {}: {e}", cmd.join(" "));
            std::process::exit(2)
        }
    };
    let line = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.trim().lines().last().map(str::to_string))
        .unwrap_or_default();
    let mut fields = line.split_whitespace();
    let rss = fields.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let cpu: f64 = fields.filter_map(|v| v.parse::<f64>().ok()).sum();
    (secs, rss, cpu, out)
}

/// Reads `path` once and drops the bytes (so it is in the page cache).
fn warm(path: &Path) {
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = std::io::copy(&mut f, &mut std::io::sink());
    }
}

/// The quantile `q` (0..=1) of `v`, nearest rank.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    s[i.min(s.len() - 1)]
}

pub struct File {
    pub label: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub expected: PathBuf,
    pub csv: bool,
}

#[derive(Default)]
struct Times {
    duck: Vec<f64>,
    full: Vec<f64>,
    query: Vec<f64>,
    /// CPU seconds (user + system) of the same runs: what the load of other processes
    /// changes least.
    duck_cpu: Vec<f64>,
    full_cpu: Vec<f64>,
    rss_full: u64,
    rss_query: u64,
    rss_duck: u64,
}

fn answer_ok(out: &[u8], expected: &Path, csv: bool) -> bool {
    let Ok(want) = std::fs::read_to_string(expected) else {
        return false;
    };
    let want: String = want
        .lines()
        .filter(|l| !(csv && l.starts_with("policy\t")))
        .map(|l| format!("{l}\n"))
        .collect();
    out == want.as_bytes()
}

/// Runs `rounds` interleaved rounds over `files` and prints the table.
pub fn run(files: &[File], rounds: usize, casift: &str, locations: &Path, duckdb: &Path) {
    let mut times: Vec<Times> = files.iter().map(|_| Times::default()).collect();
    let loc = locations.display().to_string();
    for round in 0..rounds {
        for (f, t) in files.iter().zip(times.iter_mut()) {
            let path = f.path.display().to_string();
            // Both tools get the file from the page cache: a file larger than what stays
            // cached between rounds would otherwise be read from disk by whoever goes first.
            warm(&f.path);
            let duck = vec![
                "bash".to_string(),
                duckdb.display().to_string(),
                path.clone(),
                "2".into(),
            ];
            let mut full: Vec<String> = [
                casift,
                "analyze",
                &path,
                "-f",
                "json",
                "-o",
                "/dev/null",
                "-j",
                "2",
                "--locations",
                &loc,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let mut query = full.clone();
            query.extend(
                [
                    "--app",
                    "499b84ac-1321-427f-aa17-267ca6975798",
                    "--since",
                    "2026-10-12",
                    "--until",
                    "2026-10-19",
                ]
                .map(String::from),
            );
            full.push("--quiet".into());
            query.push("--quiet".into());
            let run_duck = |t: &mut Times| {
                let (s, rss, cpu, out) = timed(&duck);
                if !answer_ok(&out, &f.expected, f.csv) {
                    eprintln!(
                        "DuckDB's answer on {path} differs from {}",
                        f.expected.display()
                    );
                    std::process::exit(2)
                }
                t.duck.push(s);
                t.duck_cpu.push(cpu);
                t.rss_duck = t.rss_duck.max(rss);
            };
            let run_casift = |t: &mut Times| {
                let (s, rss, cpu, _) = timed(&full);
                t.full.push(s);
                t.full_cpu.push(cpu);
                t.rss_full = t.rss_full.max(rss);
                let (s, rss, _, _) = timed(&query);
                t.query.push(s);
                t.rss_query = t.rss_query.max(rss);
            };
            if round % 2 == 0 {
                run_duck(t);
                run_casift(t);
            } else {
                run_casift(t);
                run_duck(t);
            }
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!(
        "\n{rounds} interleaved rounds; ratio = DuckDB s / casift s in the same round (median, p10-p90)\n"
    );
    println!(
        "| file | MB | DuckDB s | casift full s | casift query s | DuckDB/full | DuckDB/query | full/query | CPU s DuckDB / full | CPU DuckDB/full | RSS MB full / query / DuckDB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (f, t) in files.iter().zip(&times) {
        let ratio =
            |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x / y).collect() };
        let show = |r: &[f64]| {
            format!(
                "{:.2}× ({:.2}–{:.2})",
                quantile(r, 0.5),
                quantile(r, 0.1),
                quantile(r, 0.9)
            )
        };
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {:.2} / {:.2} | {} | {} / {} / {} |",
            f.label,
            f.bytes as f64 / 1e6,
            quantile(&t.duck, 0.5),
            quantile(&t.full, 0.5),
            quantile(&t.query, 0.5),
            show(&ratio(&t.duck, &t.full)),
            show(&ratio(&t.duck, &t.query)),
            show(&ratio(&t.full, &t.query)),
            quantile(&t.duck_cpu, 0.5),
            quantile(&t.full_cpu, 0.5),
            show(&ratio(&t.duck_cpu, &t.full_cpu)),
            t.rss_full / 1024,
            t.rss_query / 1024,
            t.rss_duck / 1024,
        );
    }
}
