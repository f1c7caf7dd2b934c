//! Unit tests of the log side of the join: the evidence a record gives about one policy
//! (`includeRulesSatisfied` / `excludeRulesSatisfied`), the resources (audiences before
//! `resourceId`) and the authentication flow a record says, and an evaluation that the
//! evidence settles.

use super::*;
use crate::input::json::{JsonShape, decode};
use crate::locations::NamedLocations;
use crate::model::{AppliedPolicy, PolicyResult};
use crate::policy::{Applies, Condition, Outcome, evaluate};

const POLICY: &str = "0ca00000-0000-4000-a000-0000000000e1";
const GROUP: &str = "0b0b0000-0000-4000-9000-0000000000e1";
const ADO: &str = "499b84ac-1321-427f-aa17-267ca6975798";
const GRAPH: &str = "00000003-0000-0000-c000-000000000000";

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(c, r)| (c.to_string(), r.to_string()))
        .collect()
}

fn with_policy(include: &[(&str, &str)], exclude: &[(&str, &str)]) -> SignIn {
    SignIn {
        user_id: "a11ce000-0000-4000-8000-0000000000e1".into(),
        has_policy_detail: true,
        policies: vec![
            AppliedPolicy {
                id: "other".into(),
                result: Some(PolicyResult::Success),
                ..AppliedPolicy::default()
            },
            AppliedPolicy {
                id: POLICY.to_uppercase(),
                result: Some(PolicyResult::NotApplied),
                include_rules_satisfied: pairs(include),
                exclude_rules_satisfied: pairs(exclude),
                ..AppliedPolicy::default()
            },
        ],
        ..SignIn::default()
    }
}

#[test]
fn evidence_carries_the_rules_of_that_policy() {
    let s = with_policy(&[("application", "allApps")], &[("users", "groupId")]);
    let e = evidence_of(&s, &format!(" {POLICY} ")).expect("the policy is in the record");
    assert_eq!(e.result, Some(PolicyResult::NotApplied));
    assert_eq!(e.include_rules, pairs(&[("application", "allApps")]));
    assert_eq!(e.exclude_rules, pairs(&[("users", "groupId")]));
    assert!(e.excludes(&["users"], "groupId"));
    assert!(!e.excludes(&["users"], "roleId"));
    // Another policy of the record has none.
    let other = evidence_of(&s, "other").unwrap();
    assert!(other.include_rules.is_empty() && other.exclude_rules.is_empty());
    assert!(evidence_of(&s, "absent").is_none());
}

#[test]
fn audiences_come_before_the_resource_and_the_app() {
    let mut s = SignIn {
        app_id: ADO.into(),
        ..SignIn::default()
    };
    assert_eq!(subject_of(&s).resources, vec![ADO]);
    s.resource_id = GRAPH.into();
    assert_eq!(subject_of(&s).resources, vec![GRAPH]);
    s.audiences = vec![ADO.into(), " ".into(), GRAPH.into()];
    assert_eq!(subject_of(&s).resources, vec![ADO, GRAPH]);
}

#[test]
fn the_flow_comes_from_the_transfer_then_the_protocol() {
    let flow = |transfer: &str, protocol: &str| {
        subject_of(&SignIn {
            original_transfer_method: transfer.into(),
            authentication_protocol: protocol.into(),
            ..SignIn::default()
        })
        .auth_flow
    };
    let some = |v: &str| Some(v.to_string());
    assert_eq!(flow("deviceCodeFlow", "oAuth2"), some("deviceCodeFlow"));
    assert_eq!(
        flow("AuthenticationTransfer", ""),
        some("authenticationTransfer")
    );
    assert_eq!(flow("none", "deviceCode"), some("deviceCodeFlow"));
    assert_eq!(
        flow("", "authenticationTransfer"),
        some("authenticationTransfer")
    );
    for protocol in [
        "oAuth2",
        "ropc",
        "wsFederation",
        "saml20",
        "none",
        "nativeAuth",
    ] {
        assert_eq!(flow("none", protocol), some("none"), "{protocol}");
    }
    // Nothing said: unknown. A value casift does not know goes on as written.
    assert_eq!(flow("", ""), None);
    assert_eq!(flow("none", " "), None);
    assert_eq!(flow("", "unknownFutureValue"), some("unknownFutureValue"));
}

fn group_exclusion_policy() -> Policy {
    let json = format!(
        r#"{{"value":[{{"id":"{POLICY}","displayName":"MFA except a group","state":"enabled",
        "conditions":{{"users":{{"includeUsers":["All"],"excludeGroups":["{GROUP}"]}},
        "applications":{{"includeApplications":["All"]}},"clientAppTypes":["all"]}},
        "grantControls":{{"operator":"OR","builtInControls":["mfa"]}}}}]}}"#
    );
    let mut set = crate::policy::load::load_bytes("policies.json", json.as_bytes()).unwrap();
    set.policies.remove(0)
}

#[test]
fn an_excluded_group_is_proven_by_the_log_and_unknown_without_it() {
    let p = group_exclusion_policy();
    let locs = NamedLocations::default();
    let s = with_policy(&[("users", "allUsers")], &[("users", "groupId")]);
    let e = evaluate(&p, &subject_of(&s), &locs, evidence_of(&s, POLICY).as_ref());
    assert_eq!(e.applies, Applies::No);
    assert_eq!(e.first_reason, Some(Condition::Users));
    let users = e
        .conditions
        .iter()
        .find(|r| r.condition == Condition::Users)
        .unwrap();
    assert!(matches!(users.outcome, Outcome::NoMatch(_)), "{users:?}");
    assert!(users.outcome.detail().contains(GROUP), "{users:?}");

    // The same record without the rules: membership is unknown, and the result alone
    // settles it only because users is the one undecided condition.
    let bare = with_policy(&[], &[]);
    let mut ev = evidence_of(&bare, POLICY).unwrap();
    ev.result = None;
    let e = evaluate(&p, &subject_of(&bare), &locs, Some(&ev));
    assert_eq!(e.applies, Applies::Unknown);
}

#[test]
fn a_decoded_beta_record_feeds_the_join() {
    let rec = format!(
        r#"{{"id":"r1","createdDateTime":"2026-10-01T08:00:00Z","userId":"a11ce000-0000-4000-8000-0000000000e1",
        "appId":"{ADO}","resourceId":"{ADO}","authenticationProtocol":"deviceCode","originalTransferMethod":"none",
        "conditionalAccessAudiences":[{{"applicationId":"{GRAPH}","audienceReasons":"resourceMapping"}}],
        "appliedConditionalAccessPolicies":[{{"id":"{POLICY}","result":"notApplied",
        "includeRulesSatisfied":[{{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}}],
        "excludeRulesSatisfied":[{{"conditionalAccessCondition":"users","ruleSatisfied":"groupId"}}]}}]}}"#
    );
    let s = decode(rec.as_bytes(), JsonShape::SignIn).unwrap();
    let subject = subject_of(&s);
    assert_eq!(subject.resources, vec![GRAPH]);
    assert_eq!(subject.auth_flow.as_deref(), Some("deviceCodeFlow"));
    let e = evidence_of(&s, POLICY).unwrap();
    assert_eq!(e.exclude_rules, pairs(&[("users", "groupId")]));
    assert_eq!(e.include_rules, pairs(&[("users", "allUsers")]));
}
