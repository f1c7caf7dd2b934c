//! No broken sentence in any format on every sign-in fixture (fixtures/signins, CSV, zip and
//! gz included), with and without the named locations and the matching policies, and a check
//! that the prose checker itself catches each slip the issue reported.

#[path = "support/prose.rs"]
mod prose;
mod support;

fn assert_fixtures_clean(format: &str) {
    let bad = prose::fixture_defects(format);
    assert!(bad.is_empty(), "{} defects:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn no_broken_sentence_on_the_fixtures_json() {
    assert_fixtures_clean("json");
}

#[test]
fn no_broken_sentence_on_the_fixtures_markdown() {
    assert_fixtures_clean("markdown");
}

#[test]
fn no_broken_sentence_on_the_fixtures_csv() {
    assert_fixtures_clean("csv");
}

#[test]
fn no_broken_sentence_on_the_fixtures_html() {
    assert_fixtures_clean("html");
}

#[test]
fn no_broken_sentence_on_the_fixtures_text() {
    assert_fixtures_clean("text");
}

/// The checker itself: each slip the issue saw is caught, a clean sentence passes.
#[test]
fn the_prose_checker_catches_the_known_slips() {
    for slip in [
        "Policy the Conditional Access policy with result Failure requires MFA.",
        "Found 1 duplicates.",
        "15 finding(s).",
        "decoded from Utf16Le { bom: true }.",
        "Exclude '' from the policy.",
        "Add these 1 addresses.",
        "Policy None blocked it.",
        "Exclude  the accounts.",
        "Exclude the accounts , then retry.",
    ] {
        assert!(!prose::defects(slip, true).is_empty(), "{slip}");
    }
    for fine in [
        "11 sign-ins and 1 sign-in.",
        "Add 203.0.113.10/31 to 'Contoso HQ'.",
        "and 1 more",
    ] {
        assert!(
            prose::defects(fine, true).is_empty(),
            "{fine}: {:?}",
            prose::defects(fine, true)
        );
    }
    assert!(prose::contains_ip("a 192.0.2.1/32 b", "192.0.2.1"));
    assert!(!prose::contains_ip("a 192.0.2.10 b", "192.0.2.1"));
}

/// "Complete sentences whatever is unknown": the portal fixture with the names blanked out
/// (policy, app, user) and with those fields missing altogether.
#[test]
fn sentences_stay_whole_when_names_are_unknown() {
    let text = std::fs::read_to_string(support::fixture(support::PORTAL)).expect("fixture");
    let records: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let dir = tempfile::tempdir().expect("temp dir");
    let loc = support::fixture(support::LOCATIONS);
    for (name, blank) in [("blank.json", true), ("missing.json", false)] {
        let mut v = records.clone();
        for r in v
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_object_mut())
        {
            for k in [
                "appDisplayName",
                "userPrincipalName",
                "userDisplayName",
                "resourceDisplayName",
            ] {
                if blank {
                    r.insert(k.into(), "".into());
                } else {
                    r.remove(k);
                }
            }
            let policies = r
                .get_mut("appliedConditionalAccessPolicies")
                .and_then(|p| p.as_array_mut());
            for p in policies
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_object_mut())
            {
                if blank {
                    p.insert("displayName".into(), "".into());
                } else {
                    p.remove("displayName");
                }
            }
        }
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(&v).expect("serialise")).expect("write");
        let path = path.display().to_string();
        let mut bad = Vec::new();
        for args in [
            vec![path.as_str()],
            vec![path.as_str(), "--locations", loc.as_str()],
        ] {
            for format in ["json", "csv", "text"] {
                bad.extend(prose::run_defects(&args, format));
            }
        }
        assert!(bad.is_empty(), "{name}:\n{}", bad.join("\n"));
    }
}
