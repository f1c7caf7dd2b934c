//! The shared tenant of the tenant test binaries (tests/tenant.rs, tests/tenant_advice.rs):
//! one generated copy per binary, and the JSON helpers their assertions use.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use super::support::analyze_json;
use super::tenant::{self, Tenant};

pub const SEED: u64 = 0x5eed_7e4a;

/// One copy per test binary, in cargo's temporary directory for integration tests.
pub fn t() -> &'static Tenant {
    static T: OnceLock<Tenant> = OnceLock::new();
    T.get_or_init(|| {
        tenant::generate_in(SEED, &Path::new(env!("CARGO_TARGET_TMPDIR")).join("tenant"))
    })
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// `analyze` on the tenant as JSON, with the locations and optionally the policies.
pub fn report(policies: bool) -> Value {
    let t = t();
    let mut args = vec![s(&t.signins), "--locations", s(&t.locations)];
    if policies {
        args.extend(["--policies", s(&t.policies)]);
    }
    let (v, code) = analyze_json(&args);
    assert_eq!(code, 0, "analyze exit code");
    v
}

pub fn findings<'a>(v: &'a Value, rule: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

pub fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

pub fn policy_id(f: &Value) -> &str {
    f["policy"]["id"].as_str().unwrap_or("")
}

/// UPNs the tenant blocked with `policy`.
pub fn blocked_by(policy: &str) -> BTreeSet<String> {
    t().blocks
        .iter()
        .filter(|b| b.2 == policy)
        .map(|b| b.0.clone())
        .collect()
}
