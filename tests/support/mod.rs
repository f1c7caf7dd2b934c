//! Shared helpers for the integration tests: a hermetic `casift` command (cleared
//! environment, `TZ=UTC`), fixture paths, JSON runs, and the shared samples folder.
#![allow(dead_code)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> String {
    root().join("fixtures").join(rel).display().to_string()
}

pub const PORTAL: &str = "signins/portal.json";
pub const LOCATIONS: &str = "locations/named_locations.json";

/// The binary with a cleared environment, so the host cannot change the result.
pub fn casift() -> Command {
    let mut c = Command::cargo_bin("casift").expect("binary built");
    c.env_clear().env("TZ", "UTC").env("NO_COLOR", "1");
    c.current_dir(root());
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let out = casift().args(args).output().expect("casift runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `casift analyze <args> -f json -q`, parsed; panics with stderr on a non-JSON answer.
pub fn analyze_json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json", "-q"]);
    let r = run(&all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); exit {}; stderr: {}", r.code, r.stderr));
    (v, r.code)
}

pub fn matched(v: &Value) -> u64 {
    v["totals"]["records_matched"].as_u64().unwrap()
}

/// Rule ids of the findings, in report order.
pub fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The accounting invariant, in total and per input.
pub fn assert_accounting(v: &Value) {
    let t = &v["totals"];
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(
        n("records_read"),
        n("records_skipped") + n("duplicates") + n("records_kept"),
        "totals: {t}"
    );
    for i in v["inputs"].as_array().unwrap() {
        let m = |k: &str| i[k].as_u64().unwrap();
        assert_eq!(
            m("records"),
            m("skipped") + m("duplicates") + m("analysed"),
            "input {i}"
        );
    }
}

/// `../shared/samples`: required under CI, optional on a developer machine.
pub fn samples() -> Option<PathBuf> {
    let p = root().join("../shared/samples");
    if p.is_dir() {
        return Some(p);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "../shared/samples is missing, and CI is set: the sample tests must run"
    );
    eprintln!("skipping: ../shared/samples not found");
    None
}
