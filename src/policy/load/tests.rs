//! Unit tests of the policy loader on inline text: `rules` for the normalization of one
//! policy (POLICIES.md §A.13), `shapes` for detection, containers, encodings and errors.

use super::load_bytes;
use crate::policy::{Policy, PolicySet};

mod rules;
mod shapes;

fn set(text: &str) -> PolicySet {
    load_bytes("t.json", text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn err(text: &str) -> String {
    match load_bytes("t.json", text.as_bytes()) {
        Ok(s) => panic!("accepted: {:?}\n{text}", s.policies),
        Err(e) => e.to_string(),
    }
}

/// A policy object with `conditions` (and anything else) spliced in.
fn policy_json(extra: &str) -> String {
    format!(r#"{{"id":"p1","displayName":"P","state":"enabled",{extra}}}"#)
}

fn one(extra: &str) -> Policy {
    let s = set(&policy_json(extra));
    assert_eq!(s.policies.len(), 1);
    s.policies.into_iter().next().unwrap_or_default()
}
