//! The prefilter's view of a JSON record: only the fields the cheap filters and the
//! duplicate key need (ids, time, user, app, event type), borrowed from the record without
//! building the sign-in. Lets the workers reject records before the full decode.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::flex::{FlexBool, StrList};
use super::json::{JsonShape, event_type_of};
use super::time::parse_datetime;
use crate::model::EventType;

pub(crate) type Text<'a> = Option<Cow<'a, str>>;

/// The prefilter's fields as read; filled by serde or by the decoder's fast path.
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawPeek<'a> {
    #[serde(default, borrow, alias = "Id")]
    pub(crate) id: Text<'a>,
    #[serde(default, borrow, alias = "CreatedDateTime")]
    pub(crate) created_date_time: Text<'a>,
    #[serde(default, borrow, rename = "TimeGenerated")]
    pub(crate) time_generated: Text<'a>,
    #[serde(default, borrow, alias = "UserPrincipalName")]
    pub(crate) user_principal_name: Text<'a>,
    #[serde(default, borrow, alias = "UserId")]
    pub(crate) user_id: Text<'a>,
    #[serde(default, borrow, alias = "UserDisplayName")]
    pub(crate) user_display_name: Text<'a>,
    #[serde(default, borrow, alias = "ServicePrincipalName")]
    pub(crate) service_principal_name: Text<'a>,
    #[serde(default, borrow, alias = "ServicePrincipalId")]
    pub(crate) service_principal_id: Text<'a>,
    #[serde(default, borrow, alias = "AppId")]
    pub(crate) app_id: Text<'a>,
    #[serde(default, borrow, alias = "AppDisplayName")]
    pub(crate) app_display_name: Text<'a>,
    #[serde(default, borrow, alias = "CorrelationId")]
    pub(crate) correlation_id: Text<'a>,
    #[serde(default)]
    pub(crate) sign_in_event_types: StrList,
    #[serde(default, alias = "IsInteractive")]
    pub(crate) is_interactive: FlexBool,
    #[serde(default, borrow, alias = "Category")]
    pub(crate) category: Text<'a>,
    #[serde(default, borrow, rename = "Type")]
    pub(crate) table: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawPeekEnvelope<'a> {
    #[serde(default, borrow)]
    category: Text<'a>,
    #[serde(default, borrow)]
    time: Text<'a>,
    #[serde(default, borrow)]
    correlation_id: Text<'a>,
    #[serde(default, borrow)]
    properties: Option<RawPeek<'a>>,
}

/// What the prefilter sees of a record.
pub struct Peek<'a> {
    pub request_id: Cow<'a, str>,
    pub created: DateTime<Utc>,
    pub user_principal_name: Cow<'a, str>,
    pub user_id: Cow<'a, str>,
    pub user_display_name: Cow<'a, str>,
    pub service_principal_name: Cow<'a, str>,
    pub service_principal_id: Cow<'a, str>,
    pub app_id: Cow<'a, str>,
    pub app_display_name: Cow<'a, str>,
    pub correlation_id: Cow<'a, str>,
    pub event_type: EventType,
}

fn text(t: Text<'_>) -> Cow<'_, str> {
    t.unwrap_or(Cow::Borrowed(""))
}

/// `None` when the record cannot be judged cheaply (not valid UTF-8 or JSON, a field of an
/// unexpected type, no parseable time): the full decoder then decides, with its reason.
pub fn peek(text_of_record: &str, shape: JsonShape) -> Option<Peek<'_>> {
    let (raw, env_category, env_time, env_correlation) = match shape {
        JsonShape::SignIn => (
            match super::json::fast_peek(text_of_record) {
                Some(raw) => raw,
                None => serde_json::from_str::<RawPeek<'_>>(text_of_record).ok()?,
            },
            None,
            None,
            None,
        ),
        JsonShape::Envelope => {
            let e = serde_json::from_str::<RawPeekEnvelope<'_>>(text_of_record).ok()?;
            (e.properties?, e.category, e.time, e.correlation_id)
        }
    };
    let time = raw
        .created_date_time
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .or(raw
            .time_generated
            .as_deref()
            .filter(|t| !t.trim().is_empty()))
        .or(env_time.as_deref().filter(|t| !t.trim().is_empty()))?;
    let created = parse_datetime(time.trim(), false)?;
    let category = env_category
        .as_deref()
        .unwrap_or(raw.category.as_deref().unwrap_or(""));
    let event_type = event_type_of(
        &raw.sign_in_event_types.0,
        raw.table.as_deref().unwrap_or(""),
        category,
        raw.is_interactive.0,
    );
    let correlation = raw
        .correlation_id
        .filter(|c| !c.is_empty())
        .or(env_correlation);
    let blank = |t: &Text<'_>| t.as_deref().is_none_or(|v| v.trim().is_empty());
    if shape == JsonShape::Envelope
        && [
            &raw.id,
            &correlation,
            &raw.user_principal_name,
            &raw.user_id,
            &raw.user_display_name,
            &raw.service_principal_name,
            &raw.service_principal_id,
            &raw.app_id,
            &raw.app_display_name,
        ]
        .into_iter()
        .all(blank)
    {
        // Perhaps a record with nothing to analyse: the decoder decides (and skips it with
        // its reason), so the accounting does not depend on the filters.
        return None;
    }
    Some(Peek {
        request_id: text(raw.id),
        created,
        user_principal_name: text(raw.user_principal_name),
        user_id: text(raw.user_id),
        user_display_name: text(raw.user_display_name),
        service_principal_name: text(raw.service_principal_name),
        service_principal_id: text(raw.service_principal_id),
        app_id: text(raw.app_id),
        app_display_name: text(raw.app_display_name),
        correlation_id: text(correlation),
        event_type,
    })
}
