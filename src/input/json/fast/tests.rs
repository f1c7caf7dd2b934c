//! The fast path against serde: on fixtures, real samples and generated records with
//! drifting types, escapes, duplicates and broken syntax, `decode` gives exactly what the
//! serde-only decoder gives (the same sign-in, or the same error); and records decoded one
//! after the other into one reused sign-in give what a fresh decode gives.

use std::path::Path;

use proptest::prelude::*;

use super::super::{JsonShape, Scratch, decode_fresh, decode_into, peek_agrees};
use super::sign_in;
use crate::input::split::Splitter;
use crate::model::SignIn;

fn assert_same(record: &str) {
    let fast = decode_fresh(record.as_bytes(), JsonShape::SignIn, true);
    let slow = decode_fresh(record.as_bytes(), JsonShape::SignIn, false);
    assert_eq!(fast, slow, "record: {record}");
    assert!(peek_agrees(record), "prefilter view of: {record}");
}

/// Every record of every JSON sign-in file under `dir` (recursively).
fn records_under(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            records_under(&path, out);
            continue;
        }
        let name = path.to_string_lossy();
        if !(name.ends_with(".json") || name.ends_with(".jsonl")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // UTF-16 and binary files are the reader's business
        };
        let mut spans = Vec::new();
        Splitter::new().scan(text.as_bytes(), 0, &mut spans);
        out.extend(
            spans
                .iter()
                .filter_map(|s| text.get(s.start..s.end))
                .map(str::to_string),
        );
    }
}

#[test]
fn fixtures_and_samples_decode_the_same_both_ways() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut records = Vec::new();
    records_under(&root.join("fixtures"), &mut records);
    let fixture_count = records.len();
    records_under(&root.join("../shared/samples"), &mut records);
    assert!(fixture_count > 50, "only {fixture_count} fixture records");
    let mut fast = 0;
    for r in &records {
        assert_same(r);
        fast += usize::from(sign_in(r).is_some());
    }
    // The fast path must be the common case, not a path that always gives up.
    assert!(fast * 2 > fixture_count, "{fast} of {} fast", records.len());
    assert_reused_is_fresh(&records);
    records.reverse();
    assert_reused_is_fresh(&records);
}

/// Records decoded one after the other into one scratch and one sign-in (as the workers
/// do) give exactly what a fresh decode of each gives, whatever the one before left there;
/// every other record is decoded into a sign-in with every field away from its default.
pub(super) fn assert_reused_is_fresh(records: &[impl AsRef<str>]) {
    let mut scratch = Scratch::default();
    let mut out = SignIn::default();
    for (k, r) in records.iter().enumerate() {
        if k % 2 == 1 {
            out = crate::model::poisoned();
        }
        let r = r.as_ref().as_bytes();
        let fresh = decode_fresh(r, JsonShape::SignIn, true);
        let into = decode_into(r, JsonShape::SignIn, &mut scratch, &mut out).map(|()| out.clone());
        assert_eq!(into, fresh, "record: {}", String::from_utf8_lossy(r));
    }
}

#[test]
fn gives_up_where_serde_must_decide() {
    for record in [
        r#"{"id":"a","id":"b","createdDateTime":"2026-10-01T00:00:00Z"}"#,
        r#"{"Id":"a","createdDateTime":"2026-10-01T00:00:00Z"}"#,
        r#"{"id":"a\ud800","createdDateTime":"2026-10-01T00:00:00Z"}"#,
        r#"{"id":1.5,"createdDateTime":"2026-10-01T00:00:00Z"}"#,
        r#"{"id":"a","createdDateTime":"2026-10-01T00:00:00Z",}"#,
        r#"{"id":"a","status":"{\"errorCode\":1}","createdDateTime":"2026-10-01T00:00:00Z"}"#,
        "{\"id\":\"a\u{1}\",\"createdDateTime\":\"2026-10-01T00:00:00Z\"}",
        r#"{"id":"a","createdDateTime":"2026-10-01T00:00:00Z"} x"#,
    ] {
        assert!(sign_in(record).is_none(), "{record}");
        assert_same(record);
    }
    let ok = r#" {"id":"\u00e9\"\\\/\n","createdDateTime":"2026-10-01T00:00:00Z","status":{"errorCode":"53003"}} "#;
    assert!(sign_in(ok).is_some());
    assert_same(ok);
}

/// Keys serde reads (camelCase and the Log Analytics aliases) and some it ignores.
const KEYS: &[&str] = &[
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "ipAddressFromResourceProvider",
    "correlationId",
    "conditionalAccessStatus",
    "isInteractive",
    "signInEventTypes",
    "status",
    "deviceDetail",
    "location",
    "appliedConditionalAccessPolicies",
    "networkLocationDetails",
    "authenticationDetails",
    "riskEventTypes_v2",
    "category",
    "conditionalAccessAudiences",
    "authenticationProtocol",
    "originalTransferMethod",
    "includeRulesSatisfied",
    "Id",
    "TimeGenerated",
    "ResultType",
    "Type",
    "IPAddress",
    "AuthenticationProtocol",
    "mfaDetail",
    "@odata.type",
    "errorCode",
    "result",
];

/// Keys of the nested objects (status, device, location, policies, network locations,
/// authentication details).
const NESTED_KEYS: &[&str] = &[
    "errorCode",
    "failureReason",
    "additionalDetails",
    "deviceId",
    "isCompliant",
    "isManaged",
    "trustType",
    "countryOrRegion",
    "city",
    "id",
    "displayName",
    "result",
    "enforcedGrantControls",
    "enforcedSessionControls",
    "conditionsSatisfied",
    "sessionControlsNotSatisfied",
    "networkType",
    "networkNames",
    "succeeded",
    "authenticationMethod",
    "includeRulesSatisfied",
    "excludeRulesSatisfied",
    "conditionalAccessCondition",
    "ruleSatisfied",
    "RuleSatisfied",
    "applicationId",
    "audienceReasons",
    "ErrorCode",
];

/// An object of nested keys, or an array of them, with any values.
fn nested() -> impl Strategy<Value = String> {
    let object = || {
        prop::collection::vec((prop::sample::select(NESTED_KEYS), value()), 0..5).prop_map(|kv| {
            let fields: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", fields.join(","))
        })
    };
    prop_oneof![
        object(),
        prop::collection::vec(object(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
    ]
}

/// A JSON scalar in the forms exports and attackers use.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just("null".to_string()),
        2 => Just("true".to_string()),
        2 => Just("false".to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        3 => prop::sample::select(vec![
            "0", "1", "-0", "53003", "-5", "1.5", "1e3", "18446744073709551616",
        ])
        .prop_map(str::to_string),
        1 => prop::sample::select(vec!["007", "-1E+400", "-", "1.", "tru", "nul"])
            .prop_map(str::to_string),
        6 => prop::collection::vec(
            prop_oneof![
                8 => prop::sample::select(vec![
                    "a", "Z", " ", "é", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9",
                    "\\u0000", "\\ud83d\\ude00", "TRUE", "yes", "0", "1", " 53003 ",
                    "2026-10-01T00:00:00Z", "[", "{\\\"errorCode\\\":1}", "[\\\"x\\\"]", ",",
                    "{\\\"conditionalAccessCondition\\\":\\\"users\\\",\\\"ruleSatisfied\\\":\\\"groupId\\\"}",
                    "[{\\\"applicationId\\\":\\\"a\\\"}]", "deviceCode",
                ]),
                1 => prop::sample::select(vec!["\\ud800", "\\x", "\u{1}", "\\u12"]),
            ],
            0..5,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat())),
    ]
}

/// Any JSON value a few levels deep (objects keyed from [`KEYS`]).
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A realistic record with `$` for each leaf, and each leaf's usual value.
const TEMPLATE: &str = r#"{"id":$,"createdDateTime":$,"userPrincipalName":$,"userId":$,"appId":$,"appDisplayName":$,"ipAddress":$,"ipAddressFromResourceProvider":$,"isInteractive":$,"signInEventTypes":$,"conditionalAccessStatus":$,"status":{"errorCode":$,"failureReason":$,"additionalDetails":$},"deviceDetail":{"deviceId":$,"isCompliant":$,"isManaged":$,"trustType":$},"location":{"city":$,"countryOrRegion":$,"geoCoordinates":$},"appliedConditionalAccessPolicies":[{"id":$,"displayName":$,"enforcedGrantControls":$,"result":$,"conditionsSatisfied":$,"includeRulesSatisfied":[{"conditionalAccessCondition":$,"ruleSatisfied":$},$],"excludeRulesSatisfied":$},$],"networkLocationDetails":$,"authenticationDetails":[{"authenticationMethod":$,"succeeded":$}],"riskEventTypes_v2":$,"category":$,"authenticationProtocol":$,"originalTransferMethod":$,"conditionalAccessAudiences":[{"applicationId":$,"audienceReasons":$},$]}"#;
const USUAL: &[&str] = &[
    r#""0f1e2d3c-0000-4000-8000-000000000001""#,
    r#""2026-10-01T08:00:00Z""#,
    r#""ada@example.com""#,
    r#""00000000-0000-4000-8000-0000000000aa""#,
    r#""499b84ac-1321-427f-aa17-267ca6975798""#,
    r#""Azure DevOps""#,
    r#""2001:db8::7""#,
    r#""203.0.113.9""#,
    "false",
    r#"["nonInteractiveUser"]"#,
    r#""failure""#,
    "53003",
    r#""Blocked""#,
    "null",
    r#""""#,
    "false",
    "null",
    r#""""#,
    r#""Utrecht""#,
    r#""NL""#,
    r#"{"latitude":52.1,"longitude":5.1}"#,
    r#""p1""#,
    r#""Block outside\u00a0HQ""#,
    r#"["Block"]"#,
    r#""failure""#,
    r#""application,users""#,
    r#""users""#,
    r#""allUsers""#,
    r#"{"conditionalAccessCondition":"application","ruleSatisfied":"allApps"}"#,
    r#"[{"conditionalAccessCondition":"users","ruleSatisfied":"groupId"}]"#,
    r#"{"id":"p2","displayName":"MFA","result":"notApplied","enforcedGrantControls":[],"sessionControlsNotSatisfied":[]}"#,
    r#"[{"networkType":"namedNetwork","networkNames":["HQ"]}]"#,
    r#""Password""#,
    "true",
    "[]",
    r#""SignInLogs""#,
    r#""deviceCode""#,
    r#""none""#,
    r#""00000003-0000-0000-c000-000000000000""#,
    r#""resourceMapping""#,
    r#"{"applicationId":"499b84ac-1321-427f-aa17-267ca6975798","audienceReasons":null}"#,
];

/// The template with most leaves usual and some replaced by any value; then some fields
/// added or duplicated, white space sprinkled, and sometimes cut short.
fn record() -> impl Strategy<Value = String> {
    let leaves: Vec<BoxedStrategy<String>> = USUAL
        .iter()
        .map(|usual| {
            prop_oneof![
                100 => Just(usual.to_string()),
                1 => scalar(),
                1 => value(),
                1 => nested(),
            ]
            .boxed()
        })
        .collect();
    let extra = prop::collection::vec(
        (prop::sample::select(KEYS), prop_oneof![value(), nested()]),
        0..2,
    );
    (
        leaves,
        extra,
        any::<bool>(),
        0usize..40,
        prop::option::weighted(0.05, any::<prop::sample::Index>()),
    )
        .prop_map(|(leaves, extra, spaced, indent, cut)| {
            let mut parts = TEMPLATE.split('$');
            let mut text = parts.next().unwrap_or_default().to_string();
            for (leaf, part) in leaves.iter().zip(parts) {
                text.push_str(leaf);
                text.push_str(part);
            }
            if !extra.is_empty() {
                text.pop(); // the closing brace
                for (key, value) in &extra {
                    text.push_str(&format!(",\"{key}\":{value}"));
                }
                text.push('}');
            }
            if spaced {
                // Indented like jq (a line break and up to 39 spaces), like ConvertTo-Json
                // on Windows (CRLF), or with tabs among the spaces.
                let pad = " ".repeat(indent);
                let sep = match indent % 3 {
                    0 => format!(",\n{pad}\""),
                    1 => format!(",\r\n{pad}\""),
                    _ => format!(" ,\n{pad}\t \""),
                };
                text = text.replace(",\"", &sep);
            }
            if let Some(cut) = cut {
                let mut at = cut.index(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn generated_records_decode_the_same_reused(
        texts in proptest::collection::vec(prop_oneof![record(), evidence_record()], 1..8),
    ) {
        assert_reused_is_fresh(&texts);
    }

    #[test]
    fn generated_records_decode_the_same_both_ways(text in record()) {
        let fast = decode_fresh(text.as_bytes(), JsonShape::SignIn, true);
        let slow = decode_fresh(text.as_bytes(), JsonShape::SignIn, false);
        prop_assert_eq!(fast, slow, "record: {}", text);
        prop_assert!(peek_agrees(&text), "prefilter view of: {}", text);
    }
}

/// The generator must keep producing both records the fast path takes and records serde
/// rejects, or the property above proves little.
#[test]
fn generated_records_exercise_both_paths() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut fast, mut rejected, mut peeked) = (0, 0, 0);
    for _ in 0..500 {
        let text = record().new_tree(&mut runner).unwrap().current();
        fast += usize::from(sign_in(&text).is_some());
        peeked += usize::from(super::peek(&text).is_some());
        rejected += usize::from(decode_fresh(text.as_bytes(), JsonShape::SignIn, false).is_err());
    }
    assert!(
        fast > 50 && rejected > 50 && peeked > 50,
        "fast {fast}, rejected {rejected}, peeked {peeked} of 500"
    );
}

/// Member names of the evidence lists' items, in the cases exports and attackers use.
const EVIDENCE_KEYS: &[&str] = &[
    "conditionalAccessCondition",
    "ruleSatisfied",
    "applicationId",
    "audienceReasons",
    "other",
];
/// Rarer ones: other cases, an escaped name (serde's to read).
const ODD_EVIDENCE_KEYS: &[&str] = &[
    "RuleSatisfied",
    "CONDITIONALACCESSCONDITION",
    "ApplicationId",
    "rule\\u0053atisfied",
];

/// An evidence list (`includeRulesSatisfied`, `conditionalAccessAudiences`) in any shape:
/// objects with drifting members, items that are JSON text or junk, the list as text.
fn evidence_list() -> impl Strategy<Value = String> {
    let member = prop_oneof![
        12 => prop::sample::select(vec![
            r#""users""#, r#""groupId""#, r#"" application ""#, r#""""#, r#""allApps""#,
            r#""00000003-0000-0000-c000-000000000000""#, r#""grou\u0070Id""#,
        ])
        .prop_map(str::to_string),
        1 => scalar(),
        1 => value(),
    ];
    let key = prop_oneof![
        8 => prop::sample::select(EVIDENCE_KEYS),
        1 => prop::sample::select(ODD_EVIDENCE_KEYS),
    ];
    let item = prop::collection::vec((key, member.clone()), 0..4).prop_map(|kv| {
        let fields: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", fields.join(","))
    });
    // Well-formed items as exports write them, members still drifting.
    let usual = (member.clone(), member.clone(), any::<bool>()).prop_map(|(a, b, audience)| {
        if audience {
            format!(r#"{{"applicationId":{a},"audienceReasons":{b}}}"#)
        } else {
            format!(r#"{{"conditionalAccessCondition":{a},"ruleSatisfied":{b}}}"#)
        }
    });
    let element = prop_oneof![
        10 => usual,
        8 => item.clone(),
        // The Log Analytics shape: the object as JSON text.
        2 => item.clone().prop_map(|o| serde_json::Value::String(o).to_string()),
        1 => scalar(),
        1 => value(),
    ];
    let list = prop::collection::vec(element, 0..4).prop_map(|v| format!("[{}]", v.join(",")));
    prop_oneof![
        16 => list.clone(),
        2 => list.prop_map(|l| serde_json::Value::String(l).to_string()),
        2 => Just("null".to_string()),
        1 => scalar(),
        1 => item,
    ]
}

const EVIDENCE: &str = r#"{"id":"e","createdDateTime":"2026-10-01T08:00:00Z","conditionalAccessAudiences":$,"appliedConditionalAccessPolicies":[{"id":"p","includeRulesSatisfied":$,"excludeRulesSatisfied":$}]}"#;

fn evidence_record() -> impl Strategy<Value = String> {
    prop::collection::vec(evidence_list(), 3).prop_map(|lists| {
        let mut parts = EVIDENCE.split('$');
        let mut text = parts.next().unwrap_or_default().to_string();
        for (list, part) in lists.iter().zip(parts) {
            text.push_str(list);
            text.push_str(part);
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn evidence_lists_decode_the_same_both_ways(text in evidence_record()) {
        let fast = decode_fresh(text.as_bytes(), JsonShape::SignIn, true);
        let slow = decode_fresh(text.as_bytes(), JsonShape::SignIn, false);
        prop_assert_eq!(fast, slow, "record: {}", text);
    }
}

/// The evidence generator must give records the fast path takes with rules in them, and
/// records only serde reads.
#[test]
fn evidence_records_exercise_both_paths() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut fast_with_rules, mut slow_with_rules) = (0, 0);
    for _ in 0..500 {
        let text = evidence_record().new_tree(&mut runner).unwrap().current();
        let Ok(s) = decode_fresh(text.as_bytes(), JsonShape::SignIn, false) else {
            continue;
        };
        let rules = s.policies.iter().any(|p| {
            !p.include_rules_satisfied.is_empty() || !p.exclude_rules_satisfied.is_empty()
        }) || !s.audiences.is_empty();
        if !rules {
            continue;
        }
        if sign_in(&text).is_some() {
            fast_with_rules += 1;
        } else {
            slow_with_rules += 1;
        }
    }
    assert!(
        fast_with_rules > 20 && slow_with_rules > 20,
        "fast {fast_with_rules}, serde only {slow_with_rules} of 500 with evidence"
    );
}

/// Audiences written as bare application ids (and other junk items) are dropped by both
/// paths; the fast path must take such records instead of handing every one to serde.
#[test]
fn junk_evidence_items_stay_on_the_fast_path() {
    for list in [
        r#"["00000002-0000-0ff1-ce00-000000000000"]"#,
        r#"["a", 1, true, null, [1, {"x": 2}], {"applicationId": "b"}]"#,
        r#"[]"#,
    ] {
        let text = EVIDENCE.replacen('$', list, 1).replace('$', "null");
        assert!(sign_in(&text).is_some(), "fast path gave up on {text}");
        assert_same(&text);
    }
    // An object written as text, and a number serde must judge, stay serde's.
    for list in [r#"["{\"applicationId\":\"b\"}"]"#, "[1.5e400]"] {
        let text = EVIDENCE.replacen('$', list, 1).replace('$', "null");
        assert!(sign_in(&text).is_none(), "fast path took {text}");
        assert_same(&text);
    }
}

/// Keys in the portal's order, keys that only start like a known one, repeat it, escape it
/// or come out of order, and keys cut short: the fast path decides as serde does.
#[test]
fn odd_keys_decide_as_serde() {
    let cases = [
        // The portal's order, with skipped keys between read ones.
        (
            r#"{"id":"a","createdDateTime":"2026-10-01T08:00:00Z","userDisplayName":"U","originalRequestId":"x","isInteractive":true,"status":{"errorCode":0}}"#,
            true,
        ),
        // A key that extends a known one is another key (skipped).
        (
            r#"{"idx":"a","id":"b","createdDateTime":"2026-10-01T08:00:00Z"}"#,
            true,
        ),
        // Out of order.
        (
            r#"{"status":{"failureReason":"f","errorCode":1},"id":"a","createdDateTime":"2026-10-01T08:00:00Z","userDisplayName":"U"}"#,
            true,
        ),
        // A read field twice: serde rejects it.
        (
            r#"{"id":"a","createdDateTime":"2026-10-01T08:00:00Z","id":"b"}"#,
            false,
        ),
        // A skipped key twice is fine for both.
        (
            r#"{"id":"a","originalRequestId":"x","originalRequestId":"y","createdDateTime":"2026-10-01T08:00:00Z"}"#,
            true,
        ),
        // A known key written with an escape is serde's.
        (
            r#"{"i\u0064":"a","createdDateTime":"2026-10-01T08:00:00Z"}"#,
            false,
        ),
        // A key cut short at the end of the text.
        (r#"{"id":"a","createdDate"#, false),
        (r#"{"id":"a","createdDateTime"#, false),
    ];
    for (text, fast) in cases {
        assert_eq!(sign_in(text).is_some(), fast, "fast path on {text}");
        assert_same(text);
    }
}
