//! Microsoft-Extractor-Suite's `ConditionalAccessPolicy.csv` (POLICIES.md §C8; `Export-Csv` of
//! one flat object per policy: lists joined with `"; "`, booleans `True`/`False`, dates in the
//! exporting machine's culture). Lossy: every policy gets the same `missing` list, and the
//! exporter's `UserActions` column holds the user risk levels (a bug in the script), so
//! user actions are among the missing. Columns are found by header name, not position.

use std::collections::BTreeMap;

use super::obj::Res;
use crate::input::time::{parse_datetime, proves_day_first};
use crate::policy::{
    Applications, Conditions, Filter, GrantControls, IncludeExclude, Origin, Policy, PolicyState,
    SessionControls, SignInFrequency, Users,
};

/// What this CSV cannot carry, as Graph paths (the same for every policy of the file).
pub const MISSING: &[&str] = &[
    "conditions.users.includeGuestsOrExternalUsers",
    "conditions.users.excludeGuestsOrExternalUsers",
    "conditions.applications.includeUserActions",
    "conditions.applications.includeAuthenticationContextClassReferences",
    "conditions.applications.applicationFilter",
    "conditions.clientApplications",
    "conditions.insiderRiskLevels",
    "conditions.authenticationFlows",
    "conditions.agents",
    "conditions (others: times, agentContext...)",
    "grantControls.authenticationStrength",
    "sessionControls.signInFrequency.frequencyInterval",
    "sessionControls.persistentBrowser.isEnabled",
    "sessionControls.cloudAppSecurity.cloudAppSecurityType",
    "sessionControls (others: continuousAccessEvaluation, secureSignInSession...)",
    "deletedDateTime",
    "sub-second times",
];

/// The field separator when the first line is this exporter's header
/// (`"DisplayName","Id","State",…`, quoted or not, BOM already removed): `,`, or `;` / tab
/// from `Export-Csv -UseCulture` / `-Delimiter`.
pub(super) fn header_delimiter(first_line: &str) -> Option<u8> {
    let head: String = first_line
        .chars()
        .filter(|c| !matches!(c, '"' | ' '))
        .take(21)
        .collect::<String>()
        .to_ascii_lowercase();
    [b',', b';', b'\t'].into_iter().find(|&d| {
        let d = char::from(d);
        head.starts_with(&format!("displayname{d}id{d}state{d}"))
    })
}

/// The policies of the file (origin index filled, path and shape left to the caller) and
/// notes about values that could not be read.
pub(super) fn policies(text: &str) -> Res<(Vec<Policy>, Vec<String>)> {
    // Windows PowerShell's Export-Csv without -NoTypeInformation starts with `#TYPE …`.
    let body = match text.strip_prefix("#TYPE") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, b)| b),
        None => text,
    };
    let skipped_lines = u64::from(body.len() != text.len());
    let delimiter = body
        .lines()
        .next()
        .and_then(header_delimiter)
        .unwrap_or(b',');
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("CSV header: {e}"))?
        .clone();
    let columns: BTreeMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
        .collect();
    let mut rows = Vec::new();
    let mut lines = LineCounter::default();
    for record in reader.records() {
        let record = record.map_err(|e| format!("CSV: {e}"))?;
        let byte = record.position().map_or(0, |p| p.byte());
        let line = lines.at(body.as_bytes(), byte) + skipped_lines;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((line, record));
    }
    let day_first = rows.iter().any(|(_, r)| {
        ["createddatetime", "modifieddatetime"]
            .iter()
            .filter_map(|c| columns.get(*c).and_then(|&i| r.get(i)))
            .any(proves_day_first)
    });
    let mut notes = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for (n, (line, record)) in rows.iter().enumerate() {
        let row = Row {
            columns: &columns,
            record,
        };
        let index = n + 1;
        let name = row.cell("displayname");
        let label = if name.is_empty() {
            format!("line {line} (policy #{index})")
        } else {
            format!("line {line} (policy #{index} {name:?})")
        };
        let mut p = policy(&row, day_first, &mut notes).map_err(|e| format!("{label}: {e}"))?;
        p.origin = Origin {
            index,
            ..Origin::default()
        };
        out.push(p);
    }
    Ok((out, notes))
}

/// 1-based line of a record from its byte offset. The csv crate's own line count lags by
/// one after a CRLF (it consumes the `\n` with the next record), so count here.
#[derive(Default)]
struct LineCounter {
    upto: usize,
    newlines: u64,
}

impl LineCounter {
    fn at(&mut self, body: &[u8], byte: u64) -> u64 {
        let mut pos = usize::try_from(byte).unwrap_or(usize::MAX).min(body.len());
        // The record starts after what is left of the previous terminator.
        while body.get(pos).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            pos += 1;
        }
        if pos > self.upto {
            self.newlines += body[self.upto..pos].iter().filter(|&&b| b == b'\n').count() as u64;
            self.upto = pos;
        }
        self.newlines + 1
    }
}

struct Row<'a> {
    columns: &'a BTreeMap<String, usize>,
    record: &'a ::csv::StringRecord,
}

impl Row<'_> {
    fn cell(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// A `"; "`-joined list.
    fn list(&self, column: &str) -> Vec<String> {
        self.cell(column)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn bool(&self, column: &str) -> Res<bool> {
        match self.cell(column) {
            "" => Ok(false),
            v if v.eq_ignore_ascii_case("true") => Ok(true),
            v if v.eq_ignore_ascii_case("false") => Ok(false),
            v => Err(format!("{column} is not True or False: {v:?}")),
        }
    }
}

fn policy(row: &Row<'_>, day_first: bool, notes: &mut Vec<String>) -> Res<Policy> {
    let display_name = row.cell("displayname").to_string();
    let id = row.cell("id").to_string();
    if display_name.is_empty() && id.is_empty() {
        return Err("neither Id nor DisplayName".to_string());
    }
    let state = match row.cell("state") {
        "" => return Err("no State".to_string()),
        s => PolicyState::parse(s),
    };
    let mut date = |column: &str| {
        let v = row.cell(column);
        if v.is_empty() {
            return None;
        }
        let t = parse_datetime(v, day_first);
        if t.is_none() {
            notes.push(format!(
                "policy {:?}: {column} {v:?} is not a date this build reads; left empty",
                if display_name.is_empty() {
                    &id
                } else {
                    &display_name
                }
            ));
        }
        t
    };
    let created = date("createddatetime");
    let modified = date("modifieddatetime");
    let users = Users {
        include_users: row.list("includeusers"),
        exclude_users: row.list("excludeusers"),
        include_groups: row.list("includegroups"),
        exclude_groups: row.list("excludegroups"),
        include_roles: row.list("includeroles"),
        exclude_roles: row.list("excluderoles"),
        ..Users::default()
    };
    let include_exclude = |i: &str, e: &str| {
        let v = IncludeExclude {
            include: row.list(i),
            exclude: row.list(e),
        };
        (v != IncludeExclude::default()).then_some(v)
    };
    let mut client_app_types = row.list("clientapptypes");
    if client_app_types.is_empty() {
        client_app_types = row.list("clientappsv2");
    }
    let mut unknown_conditions = Vec::new();
    for (column, key) in [
        ("includedevicestates", "devices.includeDeviceStates"),
        ("excludedevicestates", "devices.excludeDeviceStates"),
        ("devicestates", "deviceStates"),
    ] {
        if !row.cell(column).is_empty() {
            unknown_conditions.push(key.to_string());
        }
    }
    unknown_conditions.sort();
    let conditions = Conditions {
        users: (users != Users::default()).then_some(users),
        applications: Applications {
            include_applications: row.list("includeapplications"),
            exclude_applications: row.list("excludeapplications"),
            ..Applications::default()
        },
        client_app_types,
        platforms: include_exclude("includeplatforms", "excludeplatforms"),
        locations: include_exclude("includelocations", "excludelocations"),
        device_filter: device_filter(row),
        sign_in_risk_levels: row.list("signinrisklevels"),
        user_risk_levels: row.list("userrisklevels"),
        service_principal_risk_levels: row.list("serviceprincipalrisklevels"),
        unknown_conditions,
        ..Conditions::default()
    };
    let grant = GrantControls {
        operator: row.cell("grantoperator").to_string(),
        built_in: row.list("builtincontrols"),
        custom_factors: row.list("customauthenticationfactors"),
        terms_of_use: row.list("termsofuse"),
        authentication_strength: None,
    };
    let has_grant = !grant.built_in.is_empty()
        || !grant.custom_factors.is_empty()
        || !grant.terms_of_use.is_empty();
    let session = SessionControls {
        sign_in_frequency: sign_in_frequency(row.cell("signinfrequency"))?,
        persistent_browser: Some(row.cell("persistentbrowser"))
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        application_enforced_restrictions: row.bool("applicationenforcedrestrictions")?,
        cloud_app_security: row.bool("cloudappsecurity")?.then(String::new),
        disable_resilience_defaults: row.bool("disableresiliencedefaults")?,
        other: Vec::new(),
    };
    Ok(Policy {
        id,
        display_name,
        state,
        created,
        modified,
        deleted: false,
        conditions,
        grant: has_grant.then_some(grant),
        session,
        origin: Origin::default(),
        missing: MISSING.iter().map(|s| s.to_string()).collect(),
    })
}

/// `DeviceFilterMode` + `DeviceFilterRule`, else `DeviceFilter` as `"mode: rule"`.
fn device_filter(row: &Row<'_>) -> Option<Filter> {
    let rule = row.cell("devicefilterrule");
    if !rule.is_empty() {
        return Some(Filter {
            mode: row.cell("devicefiltermode").to_string(),
            rule: rule.to_string(),
        });
    }
    let joined = row.cell("devicefilter");
    if joined.is_empty() || joined.eq_ignore_ascii_case("Not Configured") {
        return None;
    }
    let (mode, rule) = joined.split_once(':').unwrap_or(("", joined));
    Some(Filter {
        mode: mode.trim().to_string(),
        rule: rule.trim().to_string(),
    })
}

/// `"12 hours"`; the exporter writes a blank for "not set" (and for `everyTime`, which it
/// cannot tell apart).
fn sign_in_frequency(cell: &str) -> Res<Option<SignInFrequency>> {
    let mut parts = cell.split_whitespace();
    let (Some(value), unit) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let value: u32 = value
        .parse()
        .map_err(|_| format!("SignInFrequency is not \"<number> <hours|days>\": {cell:?}"))?;
    Ok(Some(SignInFrequency {
        value: Some(value),
        unit: unit.unwrap_or_default().to_string(),
        every_time: false,
    }))
}
