//! Runs of records decoded into one reused sign-in: every key the fast path reads moved
//! between present, absent and different from one record to the next.

use proptest::prelude::*;

use super::super::{JsonShape, decode};
use super::sign_in;
use super::tests::assert_reused_is_fresh;

/// Every key the fast path reads, each with two values: the first fills every nested
/// member, the second leaves some out (or is `null`), so that runs of records drawn from
/// these move every field between present, absent and different.
const EVERY_KEY: &[(&str, &str, &str)] = &[
    ("id", r#""r-1""#, r#""r-2""#),
    (
        "createdDateTime",
        r#""2026-10-01T08:00:00Z""#,
        r#""2026-10-02T09:30:00.5+02:00""#,
    ),
    ("userDisplayName", r#""Ada""#, r#""Grace""#),
    ("userPrincipalName", r#""ada@example.com""#, "null"),
    (
        "userId",
        r#""00000000-0000-4000-8000-000000000001""#,
        r#""u2""#,
    ),
    ("userType", r#""member""#, r#""guest""#),
    (
        "appId",
        r#""499b84ac-1321-427f-aa17-267ca6975798""#,
        r#""a2""#,
    ),
    ("appDisplayName", r#""Azure DevOps""#, r#""Other \"app\"""#),
    ("resourceId", r#""res-1""#, r#""res-2""#),
    ("resourceDisplayName", r#""Resource""#, r#""""#),
    ("servicePrincipalId", r#""sp-1""#, "12"),
    ("servicePrincipalName", r#""svc""#, "true"),
    ("ipAddress", r#""192.0.2.10""#, r#""2001:0db8::0001""#),
    (
        "ipAddressFromResourceProvider",
        r#""198.51.100.7""#,
        r#""not an ip""#,
    ),
    (
        "clientAppUsed",
        r#""Browser""#,
        r#""Mobile Apps and Desktop clients""#,
    ),
    ("userAgent", r#""Mozilla/5.0""#, r#""curl\/8""#),
    ("correlationId", r#""c-1""#, r#""c-2""#),
    ("conditionalAccessStatus", r#""failure""#, r#""notApplied""#),
    ("isInteractive", "true", r#""FALSE""#),
    (
        "signInEventTypes",
        r#"["interactiveUser"]"#,
        r#"["nonInteractiveUser","x"]"#,
    ),
    (
        "status",
        r#"{"errorCode":53003,"failureReason":"Blocked","additionalDetails":"CA"}"#,
        r#"{"errorCode":"0"}"#,
    ),
    (
        "deviceDetail",
        r#"{"deviceId":"d-1","displayName":"PC","operatingSystem":"Windows","browser":"Edge","isCompliant":true,"isManaged":false,"trustType":"Hybrid"}"#,
        r#"{"operatingSystem":"iOS","isManaged":"true"}"#,
    ),
    (
        "location",
        r#"{"city":"Delft","state":"South Holland","countryOrRegion":"NL"}"#,
        "null",
    ),
    (
        "appliedConditionalAccessPolicies",
        r#"[{"id":"p1","displayName":"Block","result":"failure","enforcedGrantControls":["Block"],"enforcedSessionControls":["SignInFrequency"],"conditionsSatisfied":"application,users","conditionsNotSatisfied":"location","sessionControlsNotSatisfied":["x"],"includeRulesSatisfied":[{"conditionalAccessCondition":"users","ruleSatisfied":"allUsers"}],"excludeRulesSatisfied":[{"conditionalAccessCondition":"users","ruleSatisfied":"groupId"}]},{"id":"p2","result":"success"},{"id":"p3","displayName":"MFA","result":"reportOnlyFailure","enforcedGrantControls":["Mfa","RequireCompliantDevice"]}]"#,
        r#"[{"id":"p4","displayName":"Only","result":"notApplied"}]"#,
    ),
    (
        "networkLocationDetails",
        r#"[{"networkType":"trustedNamedLocation","networkNames":["HQ","Lab"]}]"#,
        "null",
    ),
    (
        "authenticationRequirement",
        r#""multiFactorAuthentication""#,
        r#""singleFactorAuthentication""#,
    ),
    (
        "authenticationDetails",
        r#"[{"authenticationMethod":"Password","authenticationMethodDetail":"Hash","succeeded":true,"authenticationStepResultDetail":"Correct","authenticationStepRequirement":"Primary"},{"authenticationMethod":"Text message","succeeded":false}]"#,
        "[]",
    ),
    ("riskLevelDuringSignIn", r#""high""#, r#""none""#),
    ("riskLevelAggregated", r#""medium""#, r#""low""#),
    ("riskState", r#""atRisk""#, r#""none""#),
    (
        "riskDetail",
        r#""none""#,
        r#""adminDismissedAllRiskForUser""#,
    ),
    ("riskEventTypes_v2", r#"["unfamiliarFeatures"]"#, "[]"),
    (
        "category",
        r#""SignInLogs""#,
        r#""NonInteractiveUserSignInLogs""#,
    ),
    (
        "conditionalAccessAudiences",
        r#"[{"applicationId":"00000003-0000-0000-c000-000000000000"}]"#,
        "null",
    ),
    ("authenticationProtocol", r#""deviceCode""#, r#""none""#),
    ("originalTransferMethod", r#""deviceCodeFlow""#, r#""none""#),
];

/// A record with each key of [`EVERY_KEY`] left out, or given its first or second value.
fn any_subset_record() -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..3, EVERY_KEY.len()).prop_map(|choice| {
        let fields: Vec<String> = EVERY_KEY
            .iter()
            .zip(choice)
            .filter_map(|(&(key, first, second), c)| match c {
                0 => None,
                1 => Some(format!("\"{key}\":{first}")),
                _ => Some(format!("\"{key}\":{second}")),
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every field read by the fast path goes from present to absent to different in runs
    /// of records decoded into one scratch and one sign-in.
    #[test]
    fn runs_of_any_subset_decode_the_same_reused(
        texts in prop::collection::vec(any_subset_record(), 2..8),
    ) {
        assert_reused_is_fresh(&texts);
    }
}

/// The subsets mostly decode, and on the fast path, or the property above proves little.
#[test]
fn any_subset_records_take_the_fast_path() {
    for second in [false, true] {
        let fields: Vec<String> = EVERY_KEY
            .iter()
            .map(|(k, a, b)| format!("\"{k}\":{}", if second { b } else { a }))
            .collect();
        let record = format!("{{{}}}", fields.join(","));
        assert!(sign_in(&record).is_some(), "{record}");
        assert!(decode(record.as_bytes(), JsonShape::SignIn).is_ok());
    }
}
