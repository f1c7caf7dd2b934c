//! The Log Analytics CSV's sign-in evidence: the rules satisfied inside the
//! `ConditionalAccessPolicies` cell (objects, JSON strings, junk), and the audience,
//! protocol and transfer columns; the portal CSV has none of them.

use ::csv::ByteRecord;

use super::*;

fn la(cols: &[&str], cells: &[&str]) -> SignIn {
    let l = layout(&ByteRecord::from(cols.to_vec())).unwrap();
    decode(&l, &ByteRecord::from(cells.to_vec()), EventType::Unknown).unwrap()
}

fn pair(c: &str, r: &str) -> (String, String) {
    (c.to_string(), r.to_string())
}

#[test]
fn la_policies_cell_carries_the_rules_in_every_shape() {
    let cell = r#"[{"id":"p1","result":"notApplied","conditionsSatisfied":1,"conditionsNotSatisfied":2,
        "includeRulesSatisfied":["{\"conditionalAccessCondition\":\"application\",\"ruleSatisfied\":\"allApps\"}",
                                 "junk", 5, {"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}],
        "excludeRulesSatisfied":"[{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"groupId\"}]"},
        {"id":"p2","result":"success","includeRulesSatisfied":{"not":"a list"},"excludeRulesSatisfied":null}]"#;
    let s = la(
        &[
            "CreatedDateTime [UTC]",
            "ResultType",
            "ConditionalAccessPolicies",
        ],
        &["2026-01-01T00:00:00Z", "0", cell],
    );
    let p = &s.policies[0];
    assert_eq!(
        p.include_rules_satisfied,
        vec![pair("application", "allApps"), pair("users", "allUsers")]
    );
    assert_eq!(p.exclude_rules_satisfied, vec![pair("users", "groupId")]);
    assert_eq!(p.conditions_not_satisfied, "2");
    // Junk in a rules list costs the rules, never the record.
    assert!(s.policies[1].include_rules_satisfied.is_empty());
    assert!(s.policies[1].exclude_rules_satisfied.is_empty());
}

#[test]
fn la_audience_protocol_and_transfer_columns() {
    let cols = [
        "CreatedDateTime [UTC]",
        "ResultType",
        "AuthenticationProtocol",
        "OriginalTransferMethod",
        "ConditionalAccessAudiences",
    ];
    let s = la(
        &cols,
        &[
            "2026-01-01T00:00:00Z",
            "0",
            "deviceCode",
            "none",
            r#"[{"applicationId":"00000003-0000-0000-c000-000000000000","audienceReasons":"resourceMapping"}]"#,
        ],
    );
    assert_eq!(s.authentication_protocol, "deviceCode");
    assert_eq!(s.original_transfer_method, "none");
    assert_eq!(s.audiences, vec!["00000003-0000-0000-c000-000000000000"]);
    let s = la(&cols, &["2026-01-01T00:00:00Z", "0", "", "", "not json"]);
    assert!(s.authentication_protocol.is_empty() && s.audiences.is_empty());
}

#[test]
fn portal_csv_leaves_them_empty() {
    // The portal's `Authentication Protocol` / `Original transfer method` display text is
    // unverified, so those columns are not read.
    let l = layout(&ByteRecord::from(vec![
        "Date (UTC)",
        "Request ID",
        "Sign-in error code",
        "Authentication Protocol",
        "Original transfer method",
    ]))
    .unwrap();
    let s = decode(
        &l,
        &ByteRecord::from(vec![
            "2026-01-01T00:00:00Z",
            "r1",
            "0",
            "Device code",
            "Device code flow",
        ]),
        EventType::Unknown,
    )
    .unwrap();
    assert!(s.authentication_protocol.is_empty() && s.original_transfer_method.is_empty());
    assert!(s.audiences.is_empty() && s.policies.is_empty());
}
