//! `merge` on the tenant-shaped export (tests/support/tenant.rs) with --locations and
//! --policies: the export cut into hourly-like pieces (with an overlapping piece) merges to
//! the bytes one run over the pieces writes, in every format, flat and as a tree, with and
//! without --redact, and a filter; also the tenant's CSV downloads.

mod support;
#[path = "support/tenant.rs"]
mod tenant;
#[path = "support/tenant_env.rs"]
mod tenant_env;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::run;
use tenant_env::*;

const FORMATS: [&str; 5] = ["json", "markdown", "csv", "html", "text"];

/// The tenant's sign-ins cut at `cuts` into portal JSON files, plus a last file repeating
/// records `overlap` (overlapping exports).
fn pieces(dir: &Path, cuts: &[usize], overlap: std::ops::Range<usize>) -> Vec<PathBuf> {
    let v: Value = serde_json::from_slice(&std::fs::read(&t().signins).unwrap()).unwrap();
    let records = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o["value"].as_array().unwrap().clone(),
        _ => panic!("unexpected tenant export"),
    };
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(records.len());
    let mut out = Vec::new();
    let mut write = |name: String, rs: &[Value]| {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec(&Value::Array(rs.to_vec())).unwrap()).unwrap();
        out.push(p);
    };
    for (i, w) in bounds.windows(2).enumerate() {
        write(format!("piece{i:02}.json"), &records[w[0]..w[1]]);
    }
    write("overlap.json".into(), &records[overlap]);
    out
}

fn ok(args: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 0, "casift {args:?}: {}", r.stderr);
}

fn part_of(input: &Path, out: &Path, opts: &[&str]) {
    let mut a = vec!["analyze", s(input), "--partial", "-o", s(out), "-q"];
    a.extend_from_slice(opts);
    ok(&a);
}

fn assert_same(
    inputs: &[PathBuf],
    opts: &[&str],
    parts: &[PathBuf],
    out: &[&str],
    formats: &[&str],
) {
    for &f in formats {
        let mut a = vec!["analyze"];
        a.extend(inputs.iter().map(|p| s(p)));
        a.extend_from_slice(opts);
        a.extend_from_slice(&["-f", f, "-q"]);
        a.extend_from_slice(out);
        let mut m = vec!["merge"];
        m.extend(parts.iter().map(|p| s(p)));
        m.extend_from_slice(&["-f", f, "-q"]);
        m.extend_from_slice(out);
        let (ra, rm) = (run(&a), run(&m));
        assert_eq!(ra.code, rm.code, "{f}: {}", rm.stderr);
        assert!(
            ra.stdout == rm.stdout,
            "{f}: merge differs from analyze ({opts:?} {out:?})"
        );
    }
}

#[test]
fn the_tenant_in_pieces_with_locations_and_policies() {
    let t = t();
    let dir = tempfile::tempdir().unwrap();
    let inputs = pieces(dir.path(), &[700, 1500, 2600, 3900], 1200..2000);
    let (l, p) = (s(&t.locations), s(&t.policies));
    for (n, (opts, out)) in [
        (vec!["--locations", l, "--policies", p], vec![]),
        (vec!["--locations", l], vec![]),
        (
            vec!["--locations", l, "--policies", p, "--redact"],
            vec!["--redact"],
        ),
        (
            vec!["--locations", l, "--policies", p, "--status", "failure"],
            vec![],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        // Every format once; JSON (all the data) and Markdown for the variations.
        let formats: &[&str] = if n == 0 {
            &FORMATS
        } else {
            &["json", "markdown"]
        };
        let parts: Vec<PathBuf> = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let out = dir.path().join(format!("{i}.part"));
                part_of(input, &out, &opts);
                out
            })
            .collect();
        let analyze_opts: Vec<&str> = opts.iter().copied().filter(|o| *o != "--redact").collect();
        assert_same(&inputs, &analyze_opts, &parts, &out, formats);
        // A tree: (0 1 2) and (3 4 overlap).
        let left = dir.path().join("left.part");
        let right = dir.path().join("right.part");
        let mut a = vec!["merge", "--partial", "-q", "-o", s(&left)];
        a.extend(parts[..3].iter().map(|p| s(p)));
        ok(&a);
        let mut a = vec!["merge", "--partial", "-q", "-o", s(&right)];
        a.extend(parts[3..].iter().map(|p| s(p)));
        ok(&a);
        assert_same(&inputs, &analyze_opts, &[left, right], &out, &["json"]);
    }
}

#[test]
fn the_tenant_csv_downloads() {
    let t = t();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&t.csv)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let dir = tempfile::tempdir().unwrap();
    let l = s(&t.locations);
    let parts: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let out = dir.path().join(format!("{i}.part"));
            part_of(input, &out, &["--locations", l]);
            out
        })
        .collect();
    assert_same(
        &files,
        &["--locations", l],
        &parts,
        &[],
        &["json", "markdown"],
    );
}

#[test]
fn part_sizes_stay_within_the_documented_figures() {
    // README: about 108 bytes a sign-in with the duplicate keys and replay records, 29
    // without (random ids); the tenant's ids are patterned, so these are upper bounds.
    let t = t();
    let dir = tempfile::tempdir().unwrap();
    let (full, thin) = (dir.path().join("full.part"), dir.path().join("thin.part"));
    part_of(&t.signins, &full, &["--locations", s(&t.locations)]);
    part_of(
        &t.signins,
        &thin,
        &["--locations", s(&t.locations), "--assume-disjoint"],
    );
    let per = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / t.records as f64;
    let (f, th) = (per(&full), per(&thin));
    assert!(f < 130.0, "{f:.1} bytes a sign-in with keys");
    assert!(th < 35.0, "{th:.1} bytes a sign-in without");
    assert!(th < f / 2.0, "{th:.1} vs {f:.1}");
}
