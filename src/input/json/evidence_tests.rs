//! The sign-in evidence the policy join reads, in every JSON path: Graph beta objects (fast
//! path and serde alike), Log Analytics JSON rows with JSON strings, diagnostic envelopes,
//! a JSON string holding the array, and junk items that cost the item, not the record.

use super::{JsonShape, decode, decode_fresh, fast};

fn pair(c: &str, r: &str) -> (String, String) {
    (c.to_string(), r.to_string())
}

/// Both paths, which must agree; the sign-in.
fn both(rec: &str) -> crate::model::SignIn {
    let fast = decode_fresh(rec.as_bytes(), JsonShape::SignIn, true).unwrap();
    let slow = decode_fresh(rec.as_bytes(), JsonShape::SignIn, false).unwrap();
    assert_eq!(fast, slow, "{rec}");
    fast
}

const BETA: &str = r#"{"id":"r1","createdDateTime":"2026-10-01T08:00:00Z","authenticationProtocol":"deviceCode",
"originalTransferMethod":"none","conditionalAccessAudiences":[{"applicationId":"00000003-0000-0000-c000-000000000000",
"audienceReasons":"resourceMapping"},{"applicationId":"499b84ac-1321-427f-aa17-267ca6975798","audienceReasons":null}],
"appliedConditionalAccessPolicies":[{"id":"p1","result":"notApplied","conditionsSatisfied":"application",
"conditionsNotSatisfied":"users","includeRulesSatisfied":[{"conditionalAccessCondition":"application","ruleSatisfied":"allApps"}],
"excludeRulesSatisfied":[{"ruleSatisfied":"groupId","conditionalAccessCondition":"users"}]},
{"id":"p2","result":"success","includeRulesSatisfied":[],"excludeRulesSatisfied":null}]}"#;

#[test]
fn beta_objects_by_the_fast_path() {
    assert!(fast::sign_in(BETA).is_some(), "the common shape stays fast");
    let s = both(BETA);
    assert_eq!(s.authentication_protocol, "deviceCode");
    assert_eq!(s.original_transfer_method, "none");
    assert_eq!(
        s.audiences,
        vec![
            "00000003-0000-0000-c000-000000000000",
            "499b84ac-1321-427f-aa17-267ca6975798"
        ]
    );
    assert_eq!(
        s.policies[0].include_rules_satisfied,
        vec![pair("application", "allApps")]
    );
    assert_eq!(
        s.policies[0].exclude_rules_satisfied,
        vec![pair("users", "groupId")]
    );
    assert!(s.policies[1].include_rules_satisfied.is_empty());
    // Absent fields: empty, not an error.
    let bare = both(
        r#"{"id":"r2","createdDateTime":"2026-10-01T08:00:00Z","appliedConditionalAccessPolicies":[{"id":"p"}]}"#,
    );
    assert!(bare.audiences.is_empty() && bare.authentication_protocol.is_empty());
    assert!(bare.policies[0].exclude_rules_satisfied.is_empty());
}

#[test]
fn strings_junk_and_a_string_holding_the_array_go_to_serde_and_decode() {
    let rec = r#"{"id":"r3","createdDateTime":"2026-10-01T08:00:00Z",
    "conditionalAccessAudiences":"[{\"applicationId\":\"00000003-0000-0000-c000-000000000000\"}]",
    "appliedConditionalAccessPolicies":[{"id":"p1","result":"notApplied",
    "includeRulesSatisfied":["{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"allUsers\"}", 7, null, "x", [1],
        {"conditionalAccessCondition":"users","ruleSatisfied":false}],
    "excludeRulesSatisfied":"[{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"roleId\"}]"}]}"#;
    assert!(fast::sign_in(rec).is_none(), "JSON text is serde's to read");
    let s = both(rec);
    assert_eq!(s.audiences, vec!["00000003-0000-0000-c000-000000000000"]);
    assert_eq!(
        s.policies[0].include_rules_satisfied,
        vec![pair("users", "allUsers")]
    );
    assert_eq!(
        s.policies[0].exclude_rules_satisfied,
        vec![pair("users", "roleId")]
    );
    // A rules value that is junk as a whole: no rules, the record stands.
    let junk = r#"{"id":"r4","createdDateTime":"2026-10-01T08:00:00Z","conditionalAccessAudiences":{"applicationId":"a"},
    "appliedConditionalAccessPolicies":[{"id":"p1","includeRulesSatisfied":"users","excludeRulesSatisfied":12}]}"#;
    let s = both(junk);
    assert!(s.audiences.is_empty());
    assert!(s.policies[0].include_rules_satisfied.is_empty());
    assert!(s.policies[0].exclude_rules_satisfied.is_empty());
}

#[test]
fn log_analytics_json_row_with_embedded_strings() {
    let rec = r#"{"Id":"r5","CreatedDateTime":"2026-10-01T08:00:00Z","ResultType":"0","AuthenticationProtocol":"ropc",
    "OriginalTransferMethod":"authenticationTransfer",
    "ConditionalAccessPolicies":"[{\"id\":\"p1\",\"result\":\"notApplied\",\"conditionsSatisfied\":1,\"conditionsNotSatisfied\":2,\"excludeRulesSatisfied\":[\"{\\\"conditionalAccessCondition\\\":\\\"users\\\",\\\"ruleSatisfied\\\":\\\"groupId\\\"}\"]}]"}"#;
    let s = both(rec);
    assert_eq!(s.authentication_protocol, "ropc");
    assert_eq!(s.original_transfer_method, "authenticationTransfer");
    assert_eq!(s.policies[0].conditions_not_satisfied, "2");
    assert_eq!(
        s.policies[0].exclude_rules_satisfied,
        vec![pair("users", "groupId")]
    );
}

#[test]
fn diagnostic_envelope_with_rules_as_strings() {
    let rec = r#"{"time":"2026-10-01T08:00:00Z","category":"SignInLogs","properties":{"id":"r6",
    "createdDateTime":"2026-10-01T08:00:00.1234567+00:00","authenticationProtocol":"oAuth2",
    "conditionalAccessAudiences":[{"applicationId":"797f4846-ba00-4fd7-ba43-dac1f8f63013","audienceReasons":"scopeMapping"}],
    "appliedConditionalAccessPolicies":[{"id":"p1","result":"notApplied","conditionsSatisfied":1,"conditionsNotSatisfied":2,
    "includeRulesSatisfied":["{\"conditionalAccessCondition\":\"application\",\"ruleSatisfied\":\"appId\"}"],
    "excludeRulesSatisfied":["{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"groupId\"}"]}]}}"#;
    let s = decode(rec.as_bytes(), JsonShape::Envelope).unwrap();
    assert_eq!(s.authentication_protocol, "oAuth2");
    assert_eq!(s.audiences, vec!["797f4846-ba00-4fd7-ba43-dac1f8f63013"]);
    assert_eq!(
        s.policies[0].include_rules_satisfied,
        vec![pair("application", "appId")]
    );
    assert_eq!(
        s.policies[0].exclude_rules_satisfied,
        vec![pair("users", "groupId")]
    );
}
