//! Log Analytics CSV rows: PascalCase columns whose dynamic values are JSON text inside a
//! cell (`ConditionalAccessPolicies`, `Status`, `DeviceDetail`, `LocationDetails`,
//! `NetworkLocationDetails`, `AuthenticationDetails`). Owns those cell shapes only.

use std::borrow::Cow;

use serde::Deserialize;

use super::{Cells, CsvLayout, Field, clip, common_into, parse_bool, parse_code};
use crate::input::flex::{AudienceList, RuleList};
use crate::model::{
    AppliedPolicy, AuthDetail, CaStatus, EventType, Location, NetworkLocation, PolicyResult, SignIn,
};

/// A JSON scalar the exports write as a number in one path and a string in another.
#[derive(Deserialize)]
#[serde(untagged)]
enum Flex<'a> {
    Int(i64),
    Bool(bool),
    #[serde(borrow)]
    Str(Cow<'a, str>),
    Other(serde_json::Value),
}

impl Flex<'_> {
    fn text(&self) -> String {
        match self {
            Flex::Int(i) => i.to_string(),
            Flex::Bool(b) => b.to_string(),
            Flex::Str(s) => s.to_string(),
            Flex::Other(serde_json::Value::Null) => String::new(),
            Flex::Other(serde_json::Value::Object(m)) => m
                .get("displayName")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            Flex::Other(v) => v.to_string(),
        }
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Flex::Bool(b) => Some(*b),
            Flex::Str(s) => parse_bool(s),
            _ => None,
        }
    }
}

fn text(v: &Option<Flex<'_>>) -> String {
    v.as_ref().map(Flex::text).unwrap_or_default()
}

fn strings(v: Option<Vec<Option<Cow<'_, str>>>>) -> Vec<String> {
    v.unwrap_or_default()
        .into_iter()
        .flatten()
        .map(Cow::into_owned)
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Policy<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    result: Option<Cow<'a, str>>,
    #[serde(borrow)]
    enforced_grant_controls: Option<Vec<Option<Cow<'a, str>>>>,
    #[serde(borrow)]
    enforced_session_controls: Option<Vec<Option<Cow<'a, str>>>>,
    #[serde(borrow)]
    conditions_satisfied: Option<Flex<'a>>,
    #[serde(borrow)]
    conditions_not_satisfied: Option<Flex<'a>>,
    #[serde(borrow)]
    session_controls_not_satisfied: Option<Vec<Option<Cow<'a, str>>>>,
    #[serde(borrow)]
    authentication_strength: Option<Flex<'a>>,
    #[serde(default)]
    include_rules_satisfied: RuleList,
    #[serde(default)]
    exclude_rules_satisfied: RuleList,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    error_code: Option<Flex<'a>>,
    #[serde(borrow)]
    failure_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    additional_details: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Device<'a> {
    #[serde(borrow)]
    device_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    operating_system: Option<Cow<'a, str>>,
    #[serde(borrow)]
    browser: Option<Cow<'a, str>>,
    #[serde(borrow)]
    is_compliant: Option<Flex<'a>>,
    #[serde(borrow)]
    is_managed: Option<Flex<'a>>,
    #[serde(borrow)]
    trust_type: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Loc<'a> {
    #[serde(borrow)]
    city: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    country_or_region: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NetLoc<'a> {
    #[serde(borrow)]
    network_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    network_names: Option<Vec<Option<Cow<'a, str>>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step<'a> {
    #[serde(borrow)]
    authentication_method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    authentication_method_detail: Option<Cow<'a, str>>,
    #[serde(borrow)]
    succeeded: Option<Flex<'a>>,
    #[serde(borrow)]
    authentication_step_result_detail: Option<Cow<'a, str>>,
    #[serde(borrow)]
    authentication_step_requirement: Option<Cow<'a, str>>,
}

fn own(v: Option<Cow<'_, str>>) -> String {
    v.map(Cow::into_owned).unwrap_or_default()
}

/// Parses a JSON cell; auxiliary cells that do not parse are treated as absent.
fn json<'a, T: Deserialize<'a>>(cell: &'a str) -> Option<T> {
    serde_json::from_str(cell).ok()
}

/// The row's event type: its `Type` or `Category` cell, else the file name's `hint`.
pub(super) fn event_type<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    hint: EventType,
) -> EventType {
    [Field::Type, Field::Category]
        .iter()
        .find_map(|f| layout.get(rec, *f).and_then(|v| EventType::parse(&v)))
        .unwrap_or(hint)
}

/// The request id: `Id`, else `OriginalRequestId`.
pub(super) fn request_id<'r, R: Cells + ?Sized>(layout: &CsvLayout, rec: &'r R) -> Cow<'r, str> {
    layout
        .get(rec, Field::RequestId)
        .or_else(|| layout.get(rec, Field::OriginalRequestId))
        .unwrap_or(Cow::Borrowed(""))
}

pub(super) fn decode_into<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    hint: EventType,
    s: &mut SignIn,
) -> Result<(), String> {
    common_into(layout, rec, s)?;
    if s.request_id.is_empty() {
        s.request_id = request_id(layout, rec).into_owned();
    }

    let status_cell = layout.get(rec, Field::Status);
    let status: Option<Status<'_>> = status_cell.as_deref().and_then(json);
    s.error_code = match layout.get(rec, Field::ErrorCode) {
        Some(code) => parse_code(&code)
            .ok_or_else(|| format!("unparseable ResultType \"{}\"", clip(&code)))?,
        None => match status.as_ref().and_then(|st| st.error_code.as_ref()) {
            Some(code) => parse_code(&code.text())
                .ok_or_else(|| format!("unparseable Status errorCode \"{}\"", code.text()))?,
            None => return Err("missing ResultType".into()),
        },
    };
    if let Some(st) = status {
        let reason = own(st.failure_reason);
        if !reason.is_empty() {
            s.failure_reason = reason;
        }
        s.additional_details = own(st.additional_details);
    }

    s.interactive = layout
        .get(rec, Field::IsInteractive)
        .and_then(|v| parse_bool(&v));
    s.event_type = event_type(layout, rec, hint);

    s.ca_status = layout
        .get(rec, Field::ConditionalAccess)
        .map_or(CaStatus::Missing, |v| CaStatus::parse(&v));
    // Detail exists when the column does and the cell is not empty (`[]` counts: no policy).
    if let Some(cell) = layout.get(rec, Field::CaPolicies) {
        s.policies = policies(&cell)?;
        s.has_policy_detail = true;
    }

    if let Some(d) = layout
        .get(rec, Field::DeviceDetail)
        .as_deref()
        .and_then(json::<Device<'_>>)
    {
        s.device.device_id = own(d.device_id);
        s.device.display_name = own(d.display_name);
        s.device.operating_system = own(d.operating_system);
        s.device.browser = own(d.browser);
        s.device.is_compliant = d.is_compliant.as_ref().and_then(Flex::boolean);
        s.device.is_managed = d.is_managed.as_ref().and_then(Flex::boolean);
        s.device.trust_type = own(d.trust_type);
    }

    s.location = match layout
        .get(rec, Field::LocationDetails)
        .as_deref()
        .and_then(json::<Loc<'_>>)
    {
        Some(l) => Location {
            city: own(l.city),
            state: own(l.state),
            country: own(l.country_or_region),
        },
        None => Location {
            country: layout.string(rec, Field::Location),
            ..Location::default()
        },
    };
    if s.location.country.is_empty() {
        s.location.country = layout.string(rec, Field::Location);
    }

    s.network_locations = layout
        .get(rec, Field::NetworkLocations)
        .as_deref()
        .and_then(json::<Vec<NetLoc<'_>>>)
        .map(|v| {
            v.into_iter()
                .map(|n| NetworkLocation {
                    network_type: own(n.network_type),
                    network_names: strings(n.network_names),
                })
                .collect()
        });

    if let Some(steps) = layout
        .get(rec, Field::AuthenticationDetails)
        .as_deref()
        .and_then(json::<Vec<Step<'_>>>)
    {
        s.auth_details = steps
            .into_iter()
            .map(|st| AuthDetail {
                method: own(st.authentication_method),
                method_detail: own(st.authentication_method_detail),
                succeeded: st.succeeded.as_ref().and_then(Flex::boolean),
                result_detail: own(st.authentication_step_result_detail),
                step_requirement: own(st.authentication_step_requirement),
            })
            .collect();
    }

    s.risk_level_during_sign_in = layout.string(rec, Field::RiskLevelDuringSignIn);
    s.risk_level_aggregated = layout.string(rec, Field::RiskLevelAggregated);
    s.risk_state = layout.string(rec, Field::RiskState);
    s.risk_detail = layout.string(rec, Field::RiskDetail);
    s.risk_event_types = layout
        .get(rec, Field::RiskEventTypes)
        .map(|cell| match json::<Vec<Option<Cow<'_, str>>>>(&cell) {
            Some(v) => strings(Some(v)),
            None => cell
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        })
        .unwrap_or_default();

    s.authentication_protocol = layout.string(rec, Field::AuthProtocol);
    s.original_transfer_method = layout.string(rec, Field::TransferMethod);
    // A cell that is not JSON says nothing: the lenient list reads as empty.
    s.audiences = layout
        .get(rec, Field::Audiences)
        .as_deref()
        .and_then(json::<AudienceList>)
        .map(AudienceList::into_ids)
        .unwrap_or_default();
    Ok(())
}

/// The `ConditionalAccessPolicies` cell. Unlike the auxiliary cells, a malformed one makes
/// the record unanalysable, so it is an error.
fn policies(cell: &str) -> Result<Vec<AppliedPolicy>, String> {
    let list: Vec<Policy<'_>> = serde_json::from_str(cell)
        .map_err(|e| format!("invalid ConditionalAccessPolicies JSON: {e}"))?;
    Ok(list
        .into_iter()
        .map(|p| AppliedPolicy {
            id: own(p.id),
            display_name: own(p.display_name),
            result: p.result.as_deref().map(PolicyResult::parse),
            grant_controls: strings(p.enforced_grant_controls),
            session_controls: strings(p.enforced_session_controls),
            conditions_satisfied: text(&p.conditions_satisfied),
            conditions_not_satisfied: text(&p.conditions_not_satisfied),
            session_controls_not_satisfied: strings(p.session_controls_not_satisfied),
            authentication_strength: text(&p.authentication_strength),
            include_rules_satisfied: p.include_rules_satisfied.into_pairs(),
            exclude_rules_satisfied: p.exclude_rules_satisfied.into_pairs(),
        })
        .collect())
}
