//! Hostile and garbage input to the policy loader: truncated JSON, wrong types, deep nesting,
//! huge arrays, NUL bytes, odd UTF-16, arbitrary bytes, mutated fixtures and random JSON
//! built from policy keys. Every case must end in an error or a result, never a panic, and a
//! result must stay well-formed.

mod support;

use std::path::PathBuf;

use casift::policy::PolicySet;
use casift::policy::load::load_bytes;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use support::root;

/// Every file of the fixture set (the generator script aside), sorted.
fn fixture_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_none_or(|e| e != "py") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join("fixtures/policies"), &mut paths);
    assert!(paths.len() > 20, "fixtures/policies is incomplete");
    paths
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// What a loaded set must satisfy whatever the input.
fn well_formed(label: &str, set: &PolicySet) {
    for p in &set.policies {
        assert!(!p.id.is_empty() || !p.display_name.is_empty());
        assert!(p.origin.path.starts_with(label), "{}", p.origin.path);
        assert!(p.origin.index >= 1);
    }
    assert!(!set.inputs.is_empty());
}

fn check(label: &str, bytes: &[u8]) -> Result<PolicySet, String> {
    match load_bytes(label, bytes) {
        Ok(set) => {
            well_formed(label, &set);
            Ok(set)
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with(label), "error does not name the file: {e}");
            Err(e)
        }
    }
}

#[test]
fn every_fixture_file_loads_on_its_own() {
    for (label, bytes) in fixture_files() {
        // Found alone, the files a directory walk ignores are refused, with the reason.
        if label.ends_with("README.md") || label.ends_with("c1.json") {
            let e = check(&label, &bytes).unwrap_err();
            assert!(e.contains("not a Conditional Access policy export"), "{e}");
            continue;
        }
        let set = check(&label, &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert!(set.policies.len() + set.locations.len() > 0, "{label}");
    }
}

#[test]
fn truncated_fixtures_fail_cleanly() {
    for (label, bytes) in fixture_files() {
        let step = (bytes.len() / 40).max(1);
        for cut in (1..bytes.len()).step_by(step) {
            let _ = check(&label, &bytes[..cut]);
        }
    }
    let e = check(
        "t.json",
        br#"{"value":[{"id":"a","displayName":"A","state":"enabled","conditions":{"us"#,
    )
    .unwrap_err();
    assert!(
        e.contains("invalid JSON") && e.contains("line 1 column"),
        "{e}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in ["[", "{\"a\":", "{\"conditions\":"] {
        let text = open.repeat(100_000);
        let e = check("deep.json", text.as_bytes()).unwrap_err();
        assert!(e.contains("invalid JSON"), "{e}");
    }
    // Nesting the normalizer accepts stays below serde's limit; inside an unknown condition it
    // is only tested for being configured.
    let mut v = json!(1);
    for _ in 0..120 {
        v = json!({ "x": v });
    }
    let p = json!([{"id":"a","displayName":"A","state":"enabled","conditions":{"times": v}}]);
    let set = check("deep.json", p.to_string().as_bytes()).unwrap();
    assert_eq!(set.policies[0].conditions.unknown_conditions, ["times"]);
}

#[test]
fn huge_arrays() {
    let numbers = format!("[{}1]", "1,".repeat(1_000_000));
    let e = check("n.json", numbers.as_bytes()).unwrap_err();
    assert!(e.contains("neither Conditional Access policies"), "{e}");
    let ids: Vec<String> = (0..200_000)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let p = json!({"id":"a","displayName":"A","state":"enabled",
        "conditions":{"users":{"includeUsers":["All"],"excludeUsers": ids}}});
    let set = check("big.json", p.to_string().as_bytes()).unwrap();
    assert_eq!(
        set.policies[0]
            .conditions
            .users
            .as_ref()
            .unwrap()
            .exclude_users
            .len(),
        200_000
    );
    let many = Value::Array(
        (0..20_000)
            .map(|i| json!({"id": format!("p{i}"), "displayName": "P", "state": "enabled", "conditions": {}}))
            .collect(),
    );
    assert_eq!(
        check("many.json", many.to_string().as_bytes())
            .unwrap()
            .policies
            .len(),
        20_000
    );
}

#[test]
fn nul_bytes_and_odd_utf16() {
    for bytes in [
        &b"\0\0\0\0"[..],
        b"[\0]",
        b"\xff\xfe[\0{",
        b"\xfe\xff\0[\0",
        b"\xff\xfe\x00\xdc\x00\xd8",
        b"\xef\xbb\xbf\xff",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
    ] {
        let _ = check("odd.json", bytes).unwrap_err();
    }
    // NUL inside a JSON string is only an escaped character.
    let set = check(
        "nul.json",
        br#"{"id":"a\u0000b","displayName":"A\u0000","state":"enabled","conditions":{}}"#,
    )
    .unwrap();
    assert_eq!(set.policies[0].id, "a\0b");
}

/// JSON built from the keys a policy has, so random values reach the normalizer's paths.
fn policy_value() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "id",
        "displayName",
        "state",
        "conditions",
        "Conditions",
        "users",
        "applications",
        "includeUsers",
        "excludeGroups",
        "includeApplications",
        "clientAppTypes",
        "platforms",
        "includePlatforms",
        "locations",
        "excludeLocations",
        "devices",
        "deviceFilter",
        "mode",
        "rule",
        "grantControls",
        "builtInControls",
        "operator",
        "authenticationStrength",
        "sessionControls",
        "signInFrequency",
        "value",
        "type",
        "frequencyInterval",
        "isEnabled",
        "persistentBrowser",
        "AdditionalProperties",
        "includeGuestsOrExternalUsers",
        "guestOrExternalUserTypes",
        "externalTenants",
        "members",
        "membershipKind",
        "authenticationFlows",
        "transferMethods",
        "agents",
        "includeAgentUsers",
        "clientApplications",
        "createdDateTime",
        "deletedDateTime",
        "@odata.type",
        "times",
        "ipRanges",
        "cidrAddress",
        "countriesAndRegions",
        "userPrincipalName",
        "records",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(-1.5)),
        prop::sample::select(vec![
            "All",
            "enabled",
            "OR",
            "hours",
            "everyTime",
            "2026-01-01T00:00:00Z",
            "/Date(1)/",
            "System.String[]",
            "a,b",
            "",
            " ",
            "192.0.2.0/24",
            "BE",
        ])
        .prop_map(|s| json!(s)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = check("fuzz.bin", &bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = check("fuzz.txt", text.as_bytes());
        let csv = format!("DisplayName,Id,State\n{text}");
        let _ = check("fuzz.csv", csv.as_bytes());
    }

    #[test]
    fn random_policy_json_never_panics(v in policy_value(), wrap in 0u8..4) {
        let doc = match wrap {
            0 => v,
            1 => json!({"value": [v]}),
            2 => json!([v, {"id":"x","state":"enabled","conditions":{}}]),
            _ => json!({"id":"p","displayName":"P","state":"enabled","conditions": v, "grantControls": v, "sessionControls": v}),
        };
        let _ = check("fuzz.json", doc.to_string().as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        let files = FIXTURES.with(|f| f.clone());
        let (label, original) = &files[file.index(files.len())];
        let mut bytes = original.clone();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        let _ = check(label, &bytes);
    }
}

thread_local! {
    static FIXTURES: Vec<(String, Vec<u8>)> = fixture_files();
}
