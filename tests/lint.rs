//! `casift lint` through the real binary: the j0eyv baseline lints clean of critical and
//! high (POLICIES.md §E.2.14), a tenant-wide block is critical and fails `--fail-on
//! critical`, CP010 follows the named locations, the JSON is stable, and a hostile display
//! name cannot reach the terminal raw.

mod support;

use serde_json::Value;
use support::{run, samples};

const BLOCK: &str = "fixtures/lint/tenant_block.json";
const HOSTILE: &str = "fixtures/lint/hostile.json";

fn lint_json(args: &[&str]) -> (Value, support::Run) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json"]);
    let r = run(&all);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); exit {}; stderr: {}", r.code, r.stderr));
    (v, r)
}

/// `(rule, severity, policy display name or "")` of every finding, in report order.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["policy"]["display_name"]
                    .as_str()
                    .map_or_else(String::new, |n| {
                        n.split('-').next().unwrap_or(n).to_string()
                    }),
            )
        })
        .collect()
}

fn t(rule: &str, sev: &str, policy: &str) -> (String, String, String) {
    (rule.into(), sev.into(), policy.into())
}

#[test]
fn the_j0_baseline_lints_clean_of_critical_and_high() {
    let Some(dir) = samples() else { return };
    let base = dir
        .join("ca_policies_graphbeta_utf16")
        .display()
        .to_string();
    let (v, r) = lint_json(&["--policies", &base, "--fail-on", "high"]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["policies"]["count"], 36);
    assert_eq!(v["policies"]["by_state"]["enabled"], 31);
    assert_eq!(
        v["policies"]["by_state"]["enabledForReportingButNotEnforced"],
        5
    );
    assert_eq!(v["policies"]["by_state"]["disabled"], 0);
    assert_eq!(v["policies"]["inputs"].as_array().unwrap().len(), 39);
    let bg = &v["break_glass"];
    assert_eq!(bg["ids"][0], "2802b872-ccfb-4b29-a9a9-459808dfb11b");
    assert_eq!(bg["inferred"], true);
    assert_eq!(
        bg["why"],
        "inferred: group 2802b872-ccfb-4b29-a9a9-459808dfb11b excluded from 29 of 31 policies; pass --break-glass to pin it"
    );
    // §E.2.14: CP004 only at info (CA006 session-only, CA301 the service-account group;
    // agent policies skipped), CP012 on CA104, CP040/CP041 pass (CA002, CA004), CP042
    // partial (CA204 is for one group), no CP010 with the NamedLocations folder, no CP017
    // (the report-only policies changed within days of the newest change). CA503's
    // agentContext is kept by the loader and reported.
    assert_eq!(
        findings(&v),
        vec![
            t("CP012", "medium", "CA104"),
            t("CP004", "info", "CA006"),
            t("CP004", "info", "CA301"),
            t("CP024", "info", "CA503"),
            t("CP042", "info", ""),
        ]
    );
    let cp042 = &v["findings"][4]["detail"];
    assert!(
        cp042
            .as_str()
            .unwrap()
            .starts_with("partial: 1 policy blocks unknown device platforms")
    );
    // Pinning the same group gives the same findings, not inferred.
    let (p, _) = lint_json(&[
        "--policies",
        &base,
        "--break-glass",
        "2802B872-CCFB-4B29-A9A9-459808DFB11B",
    ]);
    assert_eq!(p["break_glass"]["inferred"], false);
    assert_eq!(findings(&p), findings(&v));
}

#[test]
fn dangling_locations_follow_the_named_locations() {
    let Some(dir) = samples() else { return };
    let base = dir.join("ca_policies_graphbeta_utf16");
    let policies = base.join("ConditionalAccess").display().to_string();
    let cp010 = |v: &Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "CP010")
            .map(|f| {
                (
                    f["policy"]["display_name"].as_str().unwrap()[..5].to_string(),
                    f["detail"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // Only the compliant-network location given: the two country locations dangle.
    let gsa = base.join("NamedLocations/All Compliant Network locations.json");
    let (v, r) = lint_json(&[
        "--policies",
        &policies,
        "--locations",
        &gsa.display().to_string(),
        "--fail-on",
        "high",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "casift: 2 findings at or above high: CP010 ×2\n");
    assert_eq!(
        cp010(&v),
        vec![
            ("CA001".to_string(), "excludeLocations 185c993e-10a9-44fa-98d1-230c8f72f497 not among the 1 named locations read: what the policy allows or blocks there cannot be reasoned about".to_string()),
            ("CA301".to_string(), "excludeLocations 1cc7e30b-f894-43a2-9da6-30aa7c085dda not among the 1 named locations read: what the policy allows or blocks there cannot be reasoned about".to_string()),
        ]
    );
    // All three given with --locations: none.
    let all = base.join("NamedLocations").display().to_string();
    let (v, _) = lint_json(&["--policies", &policies, "--locations", &all]);
    assert!(cp010(&v).is_empty());
    // No locations at all: skipped and said, never reported as dangling.
    let (v, _) = lint_json(&["--policies", &policies]);
    assert!(cp010(&v).is_empty());
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(
            "CP010 and the location rules CP007, CP030-CP035 were skipped; 2 references to named locations"
        ),
        "{notes}"
    );
}

#[test]
fn a_tenant_wide_block_is_critical_and_fails_the_run() {
    let r = run(&[
        "lint",
        "--policies",
        BLOCK,
        "--fail-on",
        "critical",
        "-f",
        "json",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "casift: 1 finding at or above critical: CP001\n");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(findings(&v)[0], t("CP001", "critical", "Block everything"));
    let r = run(&["lint", "--policies", BLOCK, "--fail-on", "high"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "casift: 3 findings at or above high: CP001, CP004, CP040\n"
    );
    // No --fail-on: exit 0 whatever was found.
    assert_eq!(run(&["lint", "--policies", BLOCK]).code, 0);
}

#[test]
fn the_json_report_is_stable() {
    let r = run(&["lint", "--policies", BLOCK, "-f", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("lint_json", r.stdout);
}

#[test]
fn output_file_format_follows_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, probe) in [
        ("json", "\"schema_version\": 2"),
        ("csv", "rule,severity,title,policy_id"),
        ("html", "Content-Security-Policy"),
        ("md", "# Conditional Access policy lint"),
    ] {
        let out = dir.path().join(format!("lint.{ext}"));
        let r = run(&[
            "lint",
            "--policies",
            BLOCK,
            "-o",
            &out.display().to_string(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.is_empty());
        let s = std::fs::read_to_string(&out).unwrap();
        assert!(s.contains(probe), "{ext}: {s}");
        assert!(s.contains("Block everything"), "{ext}");
    }
    // The report never replaces an input.
    let r = run(&["lint", "--policies", BLOCK, "-o", BLOCK]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("refusing to write the output over the input"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_hostile_display_name_is_made_visible() {
    for f in ["markdown", "csv", "html", "text"] {
        let r = run(&["lint", "--policies", HOSTILE, "-f", f]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for raw in ['\u{1b}', '\u{202e}', '\u{200b}'] {
            assert!(!r.stdout.contains(raw), "{f}: raw {raw:?} in {}", r.stdout);
        }
        assert!(
            r.stdout.contains("u{1b}") && r.stdout.contains("u{202e}"),
            "{f}: {}",
            r.stdout
        );
    }
    // JSON keeps the exact value.
    let (v, _) = lint_json(&["--policies", HOSTILE]);
    let cp012 = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CP012")
        .expect("CP012 on the hostile policy");
    assert_eq!(
        cp012["policy"]["display_name"],
        "Evil\u{1b}[2J\u{202e}Name\u{200b}"
    );
}

#[test]
fn lint_help_is_documented() {
    let r = run(&["lint", "--help"]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("help_lint", r.stdout);
}

#[test]
fn every_export_shape_lints_alike() {
    let locs = "fixtures/policies/locations.json";
    let lint = |shape: &str| {
        let (v, r) = lint_json(&[
            "--policies",
            &format!("fixtures/policies/{shape}"),
            "--locations",
            locs,
        ]);
        assert_eq!(r.code, 0, "{shape}: {}", r.stderr);
        (findings(&v), v["break_glass"]["why"].clone())
    };
    let (want, why) = lint("graph_list.json");
    assert_eq!(
        want,
        vec![
            t("CP030", "medium", ""),
            t("CP042", "low", ""),
            t("CP024", "info", "Sign"),
        ]
    );
    assert_eq!(
        why,
        "inferred: group 0b000000-0000-4000-8000-0000000000b1 excluded from 7 of 7 policies; pass --break-glass to pin it"
    );
    for shape in [
        "graph_pages.json",
        "entity",
        "entity.zip",
        "bare_array.json",
        "powershell.json",
        "entra_exporter",
        "goose",
    ] {
        assert_eq!(lint(shape), (want.clone(), why.clone()), "{shape}");
    }
    // The Extractor-Suite CSV carries no authentication flows: the device-code block looks
    // tenant-wide but is only medium with the reason, and CP041 says it cannot tell.
    let (v, _) = lint_json(&[
        "--policies",
        "fixtures/policies/extractor.csv",
        "--locations",
        locs,
    ]);
    assert_eq!(
        findings(&v),
        vec![
            t(
                "CP001",
                "medium",
                "Block device code flow and authentication transfer"
            ),
            t("CP030", "medium", ""),
            t("CP042", "low", ""),
            t("CP041", "info", ""),
        ]
    );
    let d = v["findings"][0]["detail"].as_str().unwrap();
    assert!(
        d.contains("does not carry conditions.applications.applicationFilter, conditions.insiderRiskLevels, conditions.authenticationFlows"),
        "{d}"
    );
    assert!(
        v["findings"][3]["detail"]
            .as_str()
            .unwrap()
            .starts_with("cannot tell: 7 policies")
    );
}

#[test]
fn json_matches_the_lint_schema_and_markdown_is_stable() {
    let text = std::fs::read_to_string(support::root().join("schema/lint.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("the schema is not a valid JSON Schema: {e}");
    }
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    let mut cases = vec![
        vec!["--policies", BLOCK],
        vec!["--policies", HOSTILE],
        vec![
            "--policies",
            "fixtures/policies/extractor.csv",
            "--locations",
            "fixtures/policies/locations.json",
        ],
        vec![
            "--policies",
            "fixtures/policies/entity",
            "--break-glass",
            "bg@example.com",
        ],
    ];
    let base = samples().map(|d| d.join("ca_policies_graphbeta_utf16").display().to_string());
    if let Some(b) = base.as_deref() {
        cases.push(vec!["--policies", b]);
    }
    for args in cases {
        let (v, _) = lint_json(&args);
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
    }
    let r = run(&["lint", "--policies", BLOCK]);
    insta::assert_snapshot!("lint_markdown", r.stdout);
}

#[test]
fn analyze_with_policies_says_how_many_lint_findings_exist() {
    let pol = "fixtures/policies/graph_list.json";
    let locs = support::fixture(support::LOCATIONS);
    let (l, _) = lint_json(&["--policies", pol, "--locations", &locs]);
    let n = l["findings"].as_array().unwrap().len();
    assert!(n > 0);
    let (a, _) = support::analyze_json(&[
        &support::fixture(support::PORTAL),
        "--policies",
        pol,
        "--locations",
        &locs,
    ]);
    let notes: Vec<&str> = a["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let want = format!("Lint finds {n} issues in these policies (");
    assert_eq!(
        notes.iter().filter(|s| s.starts_with(&want)).count(),
        1,
        "{notes:?}"
    );
    // Lint findings themselves are not mixed into analyze's findings.
    assert!(
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["rule"].as_str().unwrap().starts_with("CP"))
    );
}
