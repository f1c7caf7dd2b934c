//! The JSON record decoder: one record's bytes (Graph signIn, portal JSON element,
//! diagnostic-settings envelope, Log Analytics JSON row) into a normalized `SignIn`.
//! Deserializes straight into typed structs with only the needed fields; never a
//! `serde_json::Value` tree. The workers decode into one reused `SignIn` and [`Scratch`]
//! ([`decode_into`]), so the strings keep their memory from record to record.

#[cfg(test)]
mod evidence_tests;
mod fast;
mod normalize;
mod reuse;

pub use reuse::Scratch;

use serde::Deserialize;

use super::flex::{
    AudienceList, Embedded, FlexBool, FlexInt, FlexString, FromPlain, RuleList, StrList,
};
use crate::model::{EventType, SignIn};
use normalize::normalize_into;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawStatus {
    #[serde(default)]
    error_code: FlexInt,
    #[serde(default)]
    failure_reason: FlexString,
    #[serde(default)]
    additional_details: FlexString,
}
impl FromPlain for RawStatus {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawDevice {
    #[serde(default)]
    device_id: FlexString,
    #[serde(default)]
    display_name: FlexString,
    #[serde(default)]
    operating_system: FlexString,
    #[serde(default)]
    browser: FlexString,
    #[serde(default)]
    is_compliant: FlexBool,
    #[serde(default)]
    is_managed: FlexBool,
    #[serde(default)]
    trust_type: FlexString,
}
impl FromPlain for RawDevice {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawLocation {
    #[serde(default)]
    city: FlexString,
    #[serde(default)]
    state: FlexString,
    #[serde(default)]
    country_or_region: FlexString,
}
impl FromPlain for RawLocation {
    /// The diagnostic envelope's `location` is a bare country code.
    fn from_plain(s: &str) -> Option<Self> {
        Some(RawLocation {
            country_or_region: FlexString(s.to_string()),
            ..RawLocation::default()
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPolicy {
    #[serde(default)]
    id: FlexString,
    #[serde(default)]
    display_name: FlexString,
    #[serde(default)]
    result: FlexString,
    #[serde(default)]
    enforced_grant_controls: StrList,
    #[serde(default)]
    enforced_session_controls: StrList,
    #[serde(default)]
    conditions_satisfied: FlexString,
    #[serde(default)]
    conditions_not_satisfied: FlexString,
    #[serde(default)]
    session_controls_not_satisfied: StrList,
    #[serde(default)]
    include_rules_satisfied: RuleList,
    #[serde(default)]
    exclude_rules_satisfied: RuleList,
}
impl FromPlain for RawPolicy {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawNetworkLocation {
    #[serde(default)]
    network_type: FlexString,
    #[serde(default)]
    network_names: StrList,
}
impl FromPlain for RawNetworkLocation {}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawAuthDetail {
    #[serde(default)]
    authentication_method: FlexString,
    #[serde(default)]
    authentication_method_detail: FlexString,
    #[serde(default)]
    succeeded: FlexBool,
    #[serde(default)]
    authentication_step_result_detail: FlexString,
    #[serde(default)]
    authentication_step_requirement: FlexString,
}
impl FromPlain for RawAuthDetail {}

/// A Graph-shaped sign-in; PascalCase aliases cover Log Analytics JSON exports.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSignIn {
    #[serde(default, alias = "Id")]
    id: FlexString,
    #[serde(default, alias = "CreatedDateTime")]
    created_date_time: FlexString,
    #[serde(default, rename = "TimeGenerated")]
    time_generated: FlexString,
    #[serde(default, alias = "UserDisplayName")]
    user_display_name: FlexString,
    #[serde(default, alias = "UserPrincipalName")]
    user_principal_name: FlexString,
    #[serde(default, alias = "UserId")]
    user_id: FlexString,
    #[serde(default, alias = "UserType")]
    user_type: FlexString,
    #[serde(default, alias = "AppId")]
    app_id: FlexString,
    #[serde(default, alias = "AppDisplayName")]
    app_display_name: FlexString,
    #[serde(default, alias = "ResourceId", alias = "ResourceIdentity")]
    resource_id: FlexString,
    #[serde(default, alias = "ResourceDisplayName")]
    resource_display_name: FlexString,
    #[serde(default, alias = "ServicePrincipalId")]
    service_principal_id: FlexString,
    #[serde(default, alias = "ServicePrincipalName")]
    service_principal_name: FlexString,
    #[serde(default, alias = "IPAddress")]
    ip_address: FlexString,
    #[serde(default, alias = "IPAddressFromResourceProvider")]
    ip_address_from_resource_provider: FlexString,
    #[serde(default, alias = "ClientAppUsed")]
    client_app_used: FlexString,
    #[serde(default, alias = "UserAgent")]
    user_agent: FlexString,
    #[serde(default, alias = "CorrelationId")]
    correlation_id: FlexString,
    #[serde(default, alias = "ConditionalAccessStatus")]
    conditional_access_status: FlexString,
    #[serde(default, alias = "IsInteractive")]
    is_interactive: FlexBool,
    #[serde(default)]
    sign_in_event_types: StrList,
    #[serde(default, alias = "Status")]
    status: Embedded<RawStatus>,
    #[serde(default, rename = "ResultType")]
    result_type: FlexInt,
    #[serde(default, rename = "ResultDescription")]
    result_description: FlexString,
    #[serde(default, alias = "DeviceDetail")]
    device_detail: Embedded<RawDevice>,
    #[serde(default, alias = "LocationDetails")]
    location: Embedded<RawLocation>,
    #[serde(default, alias = "ConditionalAccessPolicies")]
    applied_conditional_access_policies: Embedded<Vec<RawPolicy>>,
    #[serde(default, alias = "NetworkLocationDetails")]
    network_location_details: Option<Embedded<Vec<RawNetworkLocation>>>,
    #[serde(default, alias = "AuthenticationRequirement")]
    authentication_requirement: FlexString,
    #[serde(default, alias = "AuthenticationDetails")]
    authentication_details: Embedded<Vec<RawAuthDetail>>,
    #[serde(default, alias = "RiskLevelDuringSignIn")]
    risk_level_during_sign_in: FlexString,
    #[serde(default, alias = "RiskLevelAggregated")]
    risk_level_aggregated: FlexString,
    #[serde(default, alias = "RiskState")]
    risk_state: FlexString,
    #[serde(default, alias = "RiskDetail")]
    risk_detail: FlexString,
    #[serde(default, rename = "riskEventTypes_v2", alias = "RiskEventTypes_V2")]
    risk_event_types_v2: StrList,
    #[serde(default, alias = "Category")]
    category: FlexString,
    #[serde(default, alias = "ConditionalAccessAudiences")]
    conditional_access_audiences: AudienceList,
    #[serde(default, alias = "AuthenticationProtocol")]
    authentication_protocol: FlexString,
    #[serde(default, alias = "OriginalTransferMethod")]
    original_transfer_method: FlexString,
    /// Log Analytics table name (`SigninLogs`, `AADNonInteractiveUserSignInLogs`).
    #[serde(default, rename = "Type")]
    table: FlexString,
}

/// A diagnostic-settings envelope (PT1H.json line or an Event Hub `records` element).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    #[serde(default)]
    category: FlexString,
    #[serde(default)]
    time: FlexString,
    #[serde(default)]
    result_type: FlexInt,
    #[serde(default)]
    caller_ip_address: FlexString,
    #[serde(default)]
    correlation_id: FlexString,
    #[serde(default)]
    properties: Option<RawSignIn>,
}

/// Which decoder a JSON record goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonShape {
    /// Graph / portal / JSON lines / Log Analytics JSON: the record is the sign-in.
    SignIn,
    /// Diagnostic settings and Event Hub: the sign-in is under `properties`.
    Envelope,
}

/// Decodes one JSON record. The error is a short reason; the caller adds file and line.
pub fn decode(bytes: &[u8], shape: JsonShape) -> Result<SignIn, String> {
    let mut out = SignIn::default();
    decode_with(bytes, shape, true, &mut Scratch::default(), &mut out)?;
    Ok(out)
}

/// [`decode`] into `out`, reusing the memory of the strings `out` and `scratch` hold from
/// earlier records. On an error `out` holds no meaningful record.
pub fn decode_into(
    bytes: &[u8],
    shape: JsonShape,
    scratch: &mut Scratch,
    out: &mut SignIn,
) -> Result<(), String> {
    decode_with(bytes, shape, true, scratch, out)
}

/// The prefilter's fields of a camelCase Graph record by the fast path, or `None` when
/// serde must read them.
pub(crate) fn fast_peek(text: &str) -> Option<super::peek::RawPeek<'_>> {
    fast::peek(text)
}

/// Whether the fast path and serde decide one record the same way (for the fuzzer; a
/// difference is a bug in the fast path).
#[doc(hidden)]
pub fn fast_path_agrees(bytes: &[u8]) -> bool {
    let decode = |fast_path: bool| {
        let mut out = SignIn::default();
        decode_with(
            bytes,
            JsonShape::SignIn,
            fast_path,
            &mut Scratch::default(),
            &mut out,
        )
        .map(|()| out)
    };
    std::str::from_utf8(bytes).ok().is_none_or(peek_agrees) && decode(true) == decode(false)
}

/// Whether the fast path's prefilter view, where it gives one, is serde's.
fn peek_agrees(text: &str) -> bool {
    fast::peek(text).is_none_or(|fast| {
        serde_json::from_str::<super::peek::RawPeek<'_>>(text).ok() == Some(fast)
    })
}

/// [`decode`], with or without the fast path (the tests compare the two).
#[cfg(test)]
fn decode_fresh(bytes: &[u8], shape: JsonShape, fast_path: bool) -> Result<SignIn, String> {
    let mut out = SignIn::default();
    decode_with(bytes, shape, fast_path, &mut Scratch::default(), &mut out).map(|()| out)
}

/// [`decode_into`], with or without the fast path (the tests compare the two).
fn decode_with(
    bytes: &[u8],
    shape: JsonShape,
    fast_path: bool,
    scratch: &mut Scratch,
    out: &mut SignIn,
) -> Result<(), String> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]).into_owned();
        return Err(format!("record is not a JSON object: {shown:?}"));
    }
    // One UTF-8 check of the whole record is far cheaper than serde_json's check of every
    // string; invalid UTF-8 goes the slow way, which names the problem.
    let text = crate::input::utf8(bytes);
    match shape {
        JsonShape::SignIn => {
            if let Some(text) = text.filter(|_| fast_path)
                && fast::sign_in_into(text, &mut scratch.raw, &mut scratch.spare).is_some()
            {
                return normalize_into(&mut scratch.raw, None, out, &mut scratch.out);
            }
            let mut raw: RawSignIn = parse(bytes, text).map_err(json_reason)?;
            normalize_into(&mut raw, None, out, &mut scratch.out)
        }
        JsonShape::Envelope => {
            let mut env: RawEnvelope = parse(bytes, text).map_err(json_reason)?;
            let Some(mut props) = env.properties.take() else {
                return Err(NO_PROPERTIES.to_string());
            };
            let category = std::mem::take(&mut env.category.0);
            normalize_into(&mut props, Some((category, env)), out, &mut scratch.out)?;
            if is_nothing(out) {
                // `"properties": {}` and the like: a time and a category are not a sign-in,
                // and kept they would count as a successful one.
                return Err(NO_PROPERTIES.to_string());
            }
            Ok(())
        }
    }
}

const NO_PROPERTIES: &str = "diagnostic record without properties: nothing to analyse";

/// A record with no id, no user, no app, no result and no policy: nothing in it to analyse.
fn is_nothing(s: &SignIn) -> bool {
    s.request_id.trim().is_empty()
        && s.correlation_id.trim().is_empty()
        && s.user_label().is_empty()
        && s.app_id.is_empty()
        && s.app_display_name.is_empty()
        && s.error_code == 0
        && s.policies.is_empty()
        && s.ca_status == crate::model::CaStatus::Missing
}

/// The sign-in event type from what the record says, most specific first:
/// `signInEventTypes`, the Log Analytics table, the diagnostic category, `isInteractive`
/// (a Graph v1.0 record says it only there).
pub fn event_type_of(
    types: &[String],
    table: &str,
    category: &str,
    interactive: Option<bool>,
) -> EventType {
    types
        .iter()
        .find_map(|t| EventType::parse(t))
        .or_else(|| EventType::parse(table))
        .or_else(|| EventType::parse(category))
        .unwrap_or(match interactive {
            Some(true) => EventType::Interactive,
            Some(false) => EventType::NonInteractive,
            None => EventType::Unknown,
        })
}

fn parse<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    text: Option<&str>,
) -> Result<T, serde_json::Error> {
    match text {
        Some(t) => serde_json::from_str(t),
        None => serde_json::from_slice(bytes),
    }
}

fn json_reason(e: serde_json::Error) -> String {
    let mut s = e.to_string();
    // serde_json appends " at line L column C"; the caller reports the position itself.
    if let Some(i) = s.rfind(" at line ") {
        s.truncate(i);
    }
    match e.classify() {
        serde_json::error::Category::Eof => format!("truncated record: {s}"),
        serde_json::error::Category::Syntax => format!("invalid JSON: {s}"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyResult;

    #[test]
    fn decodes_a_portal_record() {
        let rec = br#"{"id":"00000000-0000-4000-8000-000000000001","createdDateTime":"2026-10-01T08:00:00Z",
        "userPrincipalName":"ada@example.com","appId":"499b84ac-1321-427f-aa17-267ca6975798",
        "appDisplayName":"Azure DevOps","ipAddress":"203.0.113.7","isInteractive":false,
        "signInEventTypes":["nonInteractiveUser"],"conditionalAccessStatus":"failure",
        "status":{"errorCode":53003,"failureReason":"Blocked"},
        "appliedConditionalAccessPolicies":[{"id":"p1","displayName":"Block outside\u00a0HQ",
        "enforcedGrantControls":["Block"],"enforcedSessionControls":[],"result":"failure",
        "conditionsSatisfied":"application,users,location"}],
        "networkLocationDetails":[],"location":{"city":"X","countryOrRegion":"NL"}}"#;
        let s = decode(rec, JsonShape::SignIn).unwrap();
        assert_eq!(s.error_code, 53003);
        assert_eq!(s.event_type, EventType::NonInteractive);
        assert_eq!(s.policies[0].result, Some(PolicyResult::Failure));
        assert_eq!(s.policies[0].display_name, "Block outside\u{a0}HQ");
        assert_eq!(s.ip_addr, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(s.network_locations, Some(vec![]));
        assert_eq!(s.location.country, "NL");
    }

    #[test]
    fn decodes_envelope_and_log_analytics_shapes() {
        let env = br#"{"time":"2026-10-01T08:00:00Z","category":"NonInteractiveUserSignInLogs","location":"NL",
        "callerIpAddress":"198.51.100.1","properties":{"id":"x","createdDateTime":"2026-10-01T08:00:00.1234567-05:00",
        "status":{"errorCode":"0"},"appliedConditionalAccessPolicies":[{"id":"p","result":"notApplied","conditionsSatisfied":1}]}}"#;
        let s = decode(env, JsonShape::Envelope).unwrap();
        assert_eq!(s.event_type, EventType::NonInteractive);
        assert_eq!(s.ip, "198.51.100.1");
        assert_eq!(s.policies[0].conditions_satisfied, "1");
        assert_eq!(
            s.created.to_rfc3339(),
            "2026-10-01T13:00:00.123456700+00:00"
        );

        let la = br#"{"Id":"y","CreatedDateTime":"2026-10-01T08:00:00Z","ResultType":"50076","IsInteractive":"FALSE",
        "Status":"{\"errorCode\":50076}","ConditionalAccessPolicies":"[{\"id\":\"p\",\"result\":\"failure\",\"enforcedGrantControls\":[\"Mfa\"]}]",
        "LocationDetails":"{\"countryOrRegion\":\"US\"}","Category":"AADNonInteractiveUserSignInLogs"}"#;
        let s = decode(la, JsonShape::SignIn).unwrap();
        assert_eq!(s.error_code, 50076);
        assert_eq!(s.interactive, Some(false));
        assert_eq!(s.policies[0].grant_controls, vec!["Mfa"]);
        assert_eq!(s.location.country, "US");
    }

    /// Envelopes decoded one after the other into one sign-in give what a fresh decode of
    /// each gives: the caller's IP and correlation id where the sign-in has none, the
    /// sign-in's own where it has them, and nothing left from the envelope before.
    #[test]
    fn envelopes_decoded_into_one_sign_in_are_decoded_fresh() {
        let records: [&[u8]; 5] = [
            br#"{"time":"2026-10-01T08:00:00Z","category":"SignInLogs","callerIpAddress":"198.51.100.1","correlationId":"c-env",
            "properties":{"id":"a","createdDateTime":"2026-10-01T08:00:00Z","ipAddress":"","userPrincipalName":"a@example.com",
            "status":{"errorCode":53003,"failureReason":"Blocked"},"appliedConditionalAccessPolicies":[{"id":"p","result":"failure"},{"id":"q","result":"success"}],
            "authenticationDetails":[{"authenticationMethod":"Password","succeeded":true}],"networkLocationDetails":[{"networkType":"trustedNamedLocation","networkNames":["HQ"]}]}}"#,
            br#"{"time":"2026-10-01T09:00:00Z","category":"NonInteractiveUserSignInLogs","callerIpAddress":"198.51.100.2",
            "properties":{"id":"b","createdDateTime":"2026-10-01T09:00:00Z","ipAddress":"2001:db8::1","correlationId":"c-own","status":{}}}"#,
            br#"{"time":"2026-10-01T10:00:00Z","category":"SignInLogs","properties":{}}"#,
            br#"{"time":"2026-10-01T10:00:00Z","category":"SignInLogs","properties":{"id":"c"}}"#,
            br#"{"time":"2026-10-01T11:00:00Z","resultType":"50076","properties":{"id":"d","createdDateTime":"2026-10-01T11:00:00Z","location":{"city":"Delft","countryOrRegion":"NL"}}}"#,
        ];
        let mut scratch = Scratch::default();
        let mut out = SignIn::default();
        for order in [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]] {
            for i in order {
                let r = records[i];
                if i % 2 == 1 {
                    // Every field away from its default: each must be set again.
                    out = crate::model::poisoned();
                }
                let fresh = decode_fresh(r, JsonShape::Envelope, true);
                let into = decode_into(r, JsonShape::Envelope, &mut scratch, &mut out)
                    .map(|()| out.clone());
                assert_eq!(into, fresh, "record {i}");
            }
        }
        let first = decode(records[0], JsonShape::Envelope).unwrap();
        assert_eq!(
            (first.ip.as_str(), first.correlation_id.as_str()),
            ("198.51.100.1", "c-env")
        );
        let second = decode(records[1], JsonShape::Envelope).unwrap();
        assert_eq!(
            (second.ip.as_str(), second.correlation_id.as_str()),
            ("2001:db8::1", "c-own")
        );
    }

    #[test]
    fn bad_records_give_reasons() {
        assert!(
            decode(br#"{"id":"x"}"#, JsonShape::SignIn)
                .unwrap_err()
                .contains("missing createdDateTime")
        );
        assert!(
            decode(br#"{"id":"x","createdDateTime":"soon"}"#, JsonShape::SignIn)
                .unwrap_err()
                .contains("unparseable")
        );
        assert!(
            decode(br#"{"id":"x","createdDateTime":"#, JsonShape::SignIn)
                .unwrap_err()
                .contains("truncated")
        );
        assert!(
            decode(
                br#"{"time":"2007-01-09T09:41:00Z","category":"SignInLogs"}"#,
                JsonShape::Envelope
            )
            .unwrap_err()
            .contains("without properties")
        );
        // An envelope whose properties say nothing is not a successful sign-in.
        for props in [r#""properties":{}"#, r#""properties":{"resultType":"0"}"#] {
            let rec = format!(
                r#"{{"time":"2026-10-01T08:00:00Z","category":"SignInLogs","resultType":"0",{props}}}"#
            );
            assert_eq!(
                decode(rec.as_bytes(), JsonShape::Envelope).unwrap_err(),
                "diagnostic record without properties: nothing to analyse"
            );
        }
        // One id is enough to keep it.
        let rec = r#"{"time":"2026-10-01T08:00:00Z","category":"SignInLogs","correlationId":"00000000-0000-4000-9000-000000000001","properties":{}}"#;
        assert!(decode(rec.as_bytes(), JsonShape::Envelope).is_ok());
        assert!(decode(b"[1]", JsonShape::SignIn).is_err());
    }
}
