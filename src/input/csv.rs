//! CSV sign-in exports: header → `CsvLayout` (portal downloads in any UI language, Log
//! Analytics "Export to CSV", and the portal's authentication-details CSV) and row → `SignIn`
//! or `(request id, AuthDetail)`. Called per row by the pipeline workers.
//!
//! Owns column mapping and cell decoding. Must not read files, split records or filter:
//! the caller feeds rows through `Cells` (the chunk's split rows, or `csv::ByteRecord`s read
//! with `flexible(true)`) and adds file/record/line to the short reasons returned here.

mod aliases;
mod la;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_evidence;
#[cfg(test)]
mod tests_reuse;

use std::borrow::Cow;

use chrono::{DateTime, Utc};

pub use aliases::Field;
use aliases::{is_la_marker, la_field, normalize_header, portal_field};

use crate::input::peek::Peek;
pub use crate::input::split::fields::Cells;
use crate::input::time::{parse_datetime, proves_day_first};
use crate::model::{AuthDetail, CaStatus, EventType, Location, SignIn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// Entra admin center "Download" of a sign-in log (no per-policy CA detail).
    Portal,
    /// Log Analytics / Sentinel "Export to CSV" of SigninLogs-like rows.
    LogAnalytics,
    /// The portal's "… with only the authentication details" download.
    AuthDetails,
}

/// Where each field sits in a file's rows. Built once per file by [`layout`].
#[derive(Debug, Clone)]
pub struct CsvLayout {
    pub kind: CsvKind,
    /// Locale dates are `D/M/YYYY` (set by [`detect_day_first`]).
    pub day_first: bool,
    /// Per field, candidate columns best first (`X` before `X_dynamic` before `X_string`).
    cols: Vec<Vec<usize>>,
}

impl CsvLayout {
    fn new(kind: CsvKind) -> Self {
        CsvLayout {
            kind,
            day_first: false,
            cols: vec![Vec::new(); Field::COUNT],
        }
    }

    /// The first column holding `field`, if the file has it.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.cols[field as usize].first().copied()
    }

    pub fn has(&self, field: Field) -> bool {
        !self.cols[field as usize].is_empty()
    }

    /// The first non-empty cell among the field's columns, trimmed, decoded lossily.
    pub fn get<'r, R: Cells + ?Sized>(&self, rec: &'r R, field: Field) -> Option<Cow<'r, str>> {
        self.cols[field as usize]
            .iter()
            .find_map(|&i| rec.trimmed(i))
    }

    fn string<R: Cells + ?Sized>(&self, rec: &R, field: Field) -> String {
        self.get(rec, field)
            .map(Cow::into_owned)
            .unwrap_or_default()
    }

    /// [`CsvLayout::string`] into `out` (cleared first, its memory kept).
    fn string_into<R: Cells + ?Sized>(&self, rec: &R, field: Field, out: &mut String) {
        out.clear();
        if let Some(v) = self.get(rec, field) {
            out.push_str(&v);
        }
    }

    fn date_name(&self) -> &'static str {
        match self.kind {
            CsvKind::Portal => "Date (UTC)",
            CsvKind::LogAnalytics => "CreatedDateTime",
            CsvKind::AuthDetails => "Date",
        }
    }

    /// The sign-in time alone, for prefiltering before a full decode.
    pub fn created<R: Cells + ?Sized>(&self, rec: &R) -> Result<DateTime<Utc>, String> {
        let cell = self
            .get(rec, Field::Date)
            .or_else(|| self.get(rec, Field::TimeGenerated))
            .ok_or_else(|| format!("missing {}", self.date_name()))?;
        parse_datetime(&cell, self.day_first)
            .ok_or_else(|| format!("unparseable date \"{}\"", clip(&cell)))
    }
}

/// Long cell values are cut in error reasons so one bad row cannot flood a report.
fn clip(s: &str) -> Cow<'_, str> {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// Ok(layout) when the header is a sign-in CSV; Err(reason) naming what was expected otherwise.
pub fn layout(headers: &::csv::ByteRecord) -> Result<CsvLayout, String> {
    let names: Vec<String> = headers
        .iter()
        .map(|h| normalize_header(&String::from_utf8_lossy(h)))
        .collect();
    let utc_suffix = headers
        .iter()
        .any(|h| h.trim_ascii_end().ends_with(b" [UTC]"));
    if utc_suffix || names.iter().any(|n| is_la_marker(n)) {
        return la_layout(&names);
    }
    let mut lay = CsvLayout::new(CsvKind::Portal);
    for (i, n) in names.iter().enumerate() {
        // First occurrence wins (`Incoming token type` is written twice).
        if let Some(f) = portal_field(n)
            && lay.cols[f as usize].is_empty()
        {
            lay.cols[f as usize].push(i);
        }
    }
    let is_auth = lay.has(Field::AuthMethod) && !lay.has(Field::ErrorCode);
    if is_auth {
        lay.kind = CsvKind::AuthDetails;
        if !lay.has(Field::RequestId) {
            return Err(
                "an authentication details CSV without a Request ID column (needed to join it to sign-ins)"
                    .into(),
            );
        }
        return Ok(lay);
    }
    let known = lay.cols.iter().filter(|c| !c.is_empty()).count();
    if !lay.has(Field::Date) || known < 3 {
        return Err(format!(
            "not a sign-in CSV: expected a portal download header (Date (UTC), Request ID, Sign-in error code, … in any UI language), \
             a Log Analytics export (CreatedDateTime [UTC], ResultType, …) or an authentication details download \
             (Request ID, Authentication method, …); {}{}",
            match known {
                0 => "no column was recognized".to_string(),
                1 => "1 column was recognized".to_string(),
                n => format!("{n} columns were recognized"),
            },
            match (lay.has(Field::Date), known) {
                (true, _) | (false, 0) => "",
                (false, 1) => ", and it is not a date",
                (false, _) => ", none of them a date",
            }
        ));
    }
    Ok(lay)
}

fn la_layout(names: &[String]) -> Result<CsvLayout, String> {
    let mut lay = CsvLayout::new(CsvKind::LogAnalytics);
    let mut ranked: Vec<Vec<(u8, usize)>> = vec![Vec::new(); Field::COUNT];
    for (i, n) in names.iter().enumerate() {
        if let Some((f, rank)) = la_field(n) {
            let slot = &mut ranked[f as usize];
            // Exact duplicates: the first column wins.
            if !slot.iter().any(|(r, _)| *r == rank) {
                slot.push((rank, i));
            }
        }
    }
    for (slot, r) in lay.cols.iter_mut().zip(ranked.iter_mut()) {
        r.sort_unstable();
        slot.extend(r.iter().map(|(_, i)| *i));
    }
    if !lay.has(Field::Date) && !lay.has(Field::TimeGenerated) {
        let query = names
            .iter()
            .any(|n| n == "starttime" || n == "endtime" || n == "timestamp");
        return Err(if query {
            "a Log Analytics query result, not sign-in rows (no CreatedDateTime/TimeGenerated column)"
                .into()
        } else {
            "a Log Analytics export without a CreatedDateTime/TimeGenerated column, so not sign-in rows"
                .into()
        });
    }
    let identity = [
        Field::RequestId,
        Field::CorrelationId,
        Field::ErrorCode,
        Field::UserPrincipalName,
        Field::AppId,
    ];
    if !identity.iter().any(|f| lay.has(*f)) {
        return Err(
            "a Log Analytics export without sign-in columns (Id, CorrelationId, ResultType, UserPrincipalName, AppId)"
                .into(),
        );
    }
    Ok(lay)
}

/// Looks at sample data rows to decide day-first dates (DESIGN §2: month first unless a value
/// proves day-first).
pub fn detect_day_first(layout: &mut CsvLayout, sample_rows: &[::csv::ByteRecord]) {
    let fields = [Field::Date, Field::TimeGenerated];
    layout.day_first = sample_rows.iter().any(|rec| {
        fields.iter().any(|f| {
            layout.cols[*f as usize]
                .iter()
                .filter_map(|&i| rec.get(i))
                .any(|cell| std::str::from_utf8(cell).is_ok_and(proves_day_first))
        })
    });
}

/// The event type the portal download's file name states (also for zip member paths).
pub fn event_type_from_file_name(name: &str) -> EventType {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    if lower.contains("noninteractivesignins") {
        EventType::NonInteractive
    } else if lower.contains("interactivesignins") {
        EventType::Interactive
    } else if lower.contains("applicationsignins") {
        EventType::ServicePrincipal
    } else if lower.contains("msisignins") {
        EventType::ManagedIdentity
    } else {
        EventType::Unknown
    }
}

/// Decode one data row. `hint` is the event type from the file name.
pub fn decode<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    hint: EventType,
) -> Result<SignIn, String> {
    let mut out = SignIn::default();
    decode_into(layout, rec, hint, &mut out)?;
    Ok(out)
}

/// [`decode`] into `out`, reusing the memory of the strings it holds from an earlier
/// row. On an error `out` holds no meaningful record.
pub fn decode_into<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    hint: EventType,
    out: &mut SignIn,
) -> Result<(), String> {
    match layout.kind {
        CsvKind::Portal => decode_portal(layout, rec, hint, out),
        CsvKind::LogAnalytics => la::decode_into(layout, rec, hint, out),
        CsvKind::AuthDetails => {
            Err("an authentication details row, not a sign-in (join it by Request ID)".into())
        }
    }
}

/// The prefilter's view of a data row (what `decode` would give for these fields), or
/// `None` where it cannot be judged cheaply (no parseable time, an authentication-details
/// row): the full decode then decides, with its reason.
pub fn peek<'r, R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &'r R,
    hint: EventType,
) -> Option<Peek<'r>> {
    let (request_id, event_type) = match layout.kind {
        CsvKind::Portal => (layout.get(rec, Field::RequestId).unwrap_or_default(), hint),
        CsvKind::LogAnalytics => (
            la::request_id(layout, rec),
            la::event_type(layout, rec, hint),
        ),
        CsvKind::AuthDetails => return None,
    };
    let created = layout.created(rec).ok()?;
    let cell = |f: Field| layout.get(rec, f).unwrap_or_default();
    Some(Peek {
        request_id,
        created,
        user_principal_name: cell(Field::UserPrincipalName),
        user_id: cell(Field::UserId),
        user_display_name: cell(Field::UserDisplayName),
        service_principal_name: cell(Field::ServicePrincipalName),
        service_principal_id: cell(Field::ServicePrincipalId),
        app_id: cell(Field::AppId),
        app_display_name: cell(Field::AppDisplayName),
        correlation_id: cell(Field::CorrelationId),
        event_type,
    })
}

/// Fields both sign-in kinds read the same way, into `s` (emptied first: every other
/// field is left at its default).
fn common_into<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    s: &mut SignIn,
) -> Result<(), String> {
    let created = layout.created(rec)?;
    s.clear();
    s.created = created;
    let cell = |field: Field, out: &mut String| layout.string_into(rec, field, out);
    cell(Field::RequestId, &mut s.request_id);
    cell(Field::CorrelationId, &mut s.correlation_id);
    cell(Field::UserPrincipalName, &mut s.user_principal_name);
    cell(Field::UserId, &mut s.user_id);
    cell(Field::UserDisplayName, &mut s.user_display_name);
    cell(Field::UserType, &mut s.user_type);
    cell(Field::AppId, &mut s.app_id);
    cell(Field::AppDisplayName, &mut s.app_display_name);
    cell(Field::ResourceId, &mut s.resource_id);
    cell(Field::ResourceDisplayName, &mut s.resource_display_name);
    cell(Field::ServicePrincipalId, &mut s.service_principal_id);
    cell(Field::ServicePrincipalName, &mut s.service_principal_name);
    cell(Field::ClientApp, &mut s.client_app_used);
    cell(Field::UserAgent, &mut s.user_agent);
    cell(Field::FailureReason, &mut s.failure_reason);
    cell(Field::AuthRequirement, &mut s.authentication_requirement);
    let text = |field: Field| layout.get(rec, field).unwrap_or_default();
    s.ip_addr = super::ip_field_into(&text(Field::Ip), &mut s.ip);
    s.resource_ip_addr = super::ip_field_into(&text(Field::ResourceIp), &mut s.resource_ip);
    Ok(())
}

fn decode_portal<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
    hint: EventType,
    s: &mut SignIn,
) -> Result<(), String> {
    common_into(layout, rec, s)?;
    s.error_code = match layout.get(rec, Field::ErrorCode) {
        Some(code) => parse_code(&code)
            .ok_or_else(|| format!("unparseable Sign-in error code \"{}\"", clip(&code)))?,
        // The code is authoritative; the localized Status text is the fallback of last resort.
        None => match layout.get(rec, Field::Status) {
            Some(st) if is_success_text(&st) => 0,
            _ => return Err("missing Sign-in error code".into()),
        },
    };
    s.event_type = hint;
    s.interactive = match hint {
        EventType::Interactive => Some(true),
        EventType::Unknown => None,
        _ => Some(false),
    };
    layout.string_into(rec, Field::AdditionalDetails, &mut s.additional_details);
    s.ca_status = layout
        .get(rec, Field::ConditionalAccess)
        .map_or(CaStatus::Missing, |v| parse_ca_status(&v));
    s.has_policy_detail = false;
    layout.string_into(rec, Field::DeviceId, &mut s.device.device_id);
    layout.string_into(rec, Field::Browser, &mut s.device.browser);
    layout.string_into(rec, Field::OperatingSystem, &mut s.device.operating_system);
    layout.string_into(rec, Field::JoinType, &mut s.device.trust_type);
    s.device.is_compliant = layout
        .get(rec, Field::Compliant)
        .and_then(|v| parse_bool(&v));
    s.device.is_managed = layout.get(rec, Field::Managed).and_then(|v| parse_bool(&v));
    if let Some(v) = layout.get(rec, Field::Location) {
        split_location_into(&v, &mut s.location);
    }
    Ok(())
}

/// Decode one row of an authentication details CSV.
pub fn decode_auth_detail<R: Cells + ?Sized>(
    layout: &CsvLayout,
    rec: &R,
) -> Result<(String, AuthDetail), String> {
    let request_id = layout
        .get(rec, Field::RequestId)
        .ok_or("missing Request ID")?
        .into_owned();
    let detail = AuthDetail {
        method: layout.string(rec, Field::AuthMethod),
        method_detail: layout.string(rec, Field::AuthMethodDetail),
        succeeded: layout
            .get(rec, Field::AuthSucceeded)
            .and_then(|v| parse_bool(&v)),
        result_detail: layout.string(rec, Field::AuthResultDetail),
        step_requirement: layout.string(rec, Field::AuthRequirementStep),
    };
    Ok((request_id, detail))
}

/// An integer error code; tolerates `"53003"`, `53003.0` and a thousands separator.
fn parse_code(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(v) = t.parse() {
        return Some(v);
    }
    let t = t.strip_suffix(".0").unwrap_or(t);
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    digits.parse().ok()
}

fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    aliases::fold_value(s)
}

fn is_success_text(s: &str) -> bool {
    matches!(
        &*fold(s),
        "success"
            | "operation reussie"
            | "reussite"
            | "succes"
            | "erfolg"
            | "erfolgreich"
            | "correcto"
            | "exito"
            | "sucesso"
            | "bem-sucedido"
    )
}

/// `True/False`, `Yes/No` and their French, German, Spanish and Portuguese forms.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match &*fold(s) {
        "true" | "yes" | "1" | "oui" | "vrai" | "ja" | "wahr" | "si" | "verdadero" | "sim"
        | "verdadeiro" => Some(true),
        "false" | "no" | "0" | "non" | "faux" | "nein" | "falsch" | "falso" | "nao" => Some(false),
        _ => None,
    }
}

/// The portal `Conditional Access` column, English or localized.
fn parse_ca_status(s: &str) -> CaStatus {
    match &*fold(s) {
        "reussite" | "succes" | "operation reussie" | "erfolg" | "erfolgreich" | "correcto"
        | "exito" | "sucesso" => CaStatus::Success,
        "echec" | "echoue" | "fehler" | "fehlgeschlagen" | "error" | "con error" | "falha"
        | "erro" => CaStatus::Failure,
        "non applique" | "non appliquee" | "nicht angewendet" | "no aplicado" | "nao aplicado" => {
            CaStatus::NotApplied
        }
        _ => CaStatus::parse(s),
    }
}

/// `"city, state, country"`; the country is the last part, kept as written (code or name).
#[cfg(test)]
fn split_location(s: &str) -> Location {
    let mut l = Location::default();
    split_location_into(s, &mut l);
    l
}

/// `City, State, Country` (the city may hold commas itself) into `out`, its memory kept.
fn split_location_into(s: &str, out: &mut Location) {
    let Location {
        city,
        state,
        country,
    } = out;
    for part in [&mut *city, &mut *state, &mut *country] {
        part.clear();
    }
    let mut from_right = s.rsplitn(3, ',');
    country.push_str(from_right.next().unwrap_or_default().trim());
    match (from_right.next(), from_right.next()) {
        (None, _) => {}
        (Some(only), None) => city.push_str(only.trim()),
        (Some(st), Some(rest)) => {
            state.push_str(st.trim());
            for (i, piece) in rest.split(',').enumerate() {
                if i > 0 {
                    city.push_str(", ");
                }
                city.push_str(piece.trim());
            }
        }
    }
}

/// Guesses the delimiter from the header line: `,` unless `;` or tab is clearly the one
/// (Excel re-saves in French, German, Spanish and Portuguese locales write `;`).
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header_line {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], i == 0)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}
