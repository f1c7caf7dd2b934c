//! One JSON policy object (Graph camelCase, beta or v1.0, with or without OData metadata, or
//! a PowerShell SDK dump in PascalCase) → [`Policy`]: the top-level fields, grant controls
//! and session controls (POLICIES.md §A.1, §A.10, §A.11); `conditions` is in `conditions.rs`.
//! Errors name the policy (`policy #3 ("Block legacy")`) and the field.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::conditions::conditions;
use super::obj::{Obj, Res, camel, shown};
use crate::policy::{
    AuthStrength, GrantControls, Origin, Policy, PolicyState, SessionControls, SignInFrequency,
};

/// `index` is the 1-based position in the file; `origin` is filled by the caller.
pub(super) fn policy(v: &Value, index: usize) -> Res<Policy> {
    let Value::Object(map) = v else {
        return Err(format!("policy #{index}: not a JSON object: {}", shown(v)));
    };
    let mut label = format!("policy #{index}");
    let o = Obj::new(map, "").map_err(|e| format!("{label}: {e}"))?;
    let err = |label: &str, e: String| format!("{label}: {e}");
    let display_name = o.text("displayName").map_err(|e| err(&label, e))?;
    let id = o.text("id").map_err(|e| err(&label, e))?;
    label = match (&display_name, &id) {
        (Some(n), _) => format!("policy #{index} ({n:?})"),
        (None, Some(id)) => format!("policy #{index} (id {id})"),
        (None, None) => return Err(format!("{label}: neither id nor displayName")),
    };
    read(&o, display_name, id).map_err(|e| err(&label, e))
}

fn read(o: &Obj<'_>, display_name: Option<String>, id: Option<String>) -> Res<Policy> {
    let state = match o.get("state") {
        Some(Value::String(s)) if !s.trim().is_empty() => PolicyState::parse(s),
        Some(v) => return Err(format!("state is not a policy state: {}", shown(v))),
        None => return Err("no state".to_string()),
    };
    let cond = match o.get("conditions") {
        Some(Value::Object(m)) => conditions(&Obj::new(m, "conditions")?)?,
        Some(v) => return Err(format!("conditions is not an object: {}", shown(v))),
        None => return Err("no conditions: not a Conditional Access policy".to_string()),
    };
    let grant = match o.object("grantControls")? {
        Some(g) => grant(&g)?,
        None => None,
    };
    Ok(Policy {
        id: id.unwrap_or_default(),
        display_name: display_name.unwrap_or_default(),
        state,
        created: date(o, "createdDateTime")?,
        modified: date(o, "modifiedDateTime")?,
        deleted: o.set("deletedDateTime").is_some(),
        conditions: cond,
        grant,
        session: match o.object("sessionControls")? {
            Some(s) => session(&s)?,
            None => SessionControls::default(),
        },
        origin: Origin::default(),
        missing: Vec::new(),
    })
}

/// RFC 3339 (fractional seconds of any length; no zone = UTC, as PowerShell 7 writes
/// `DateTimeKind.Unspecified`), or Windows PowerShell's `/Date(1716542872700)/`.
fn date(o: &Obj<'_>, key: &str) -> Res<Option<DateTime<Utc>>> {
    // Windows PowerShell writes a DateTime that carries extra properties as
    // `{"value":"\/Date(…)\/","DisplayHint":2,"DateTime":"Monday, …"}`.
    let s = match o.get(key) {
        Some(v @ Value::Object(m)) => match Obj::new(m, &o.field(key))?.text("value")? {
            Some(s) => s,
            None => return Err(format!("{} is not a date: {}", o.field(key), shown(v))),
        },
        _ => match o.text(key)? {
            Some(s) => s,
            None => return Ok(None),
        },
    };
    if let Some(t) = ms_date(&s) {
        return Ok(Some(t));
    }
    let iso = s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    match crate::input::time::parse_datetime(&s, false) {
        Some(t) if iso => Ok(Some(t)),
        _ => Err(format!("{} is not a date: {s:?}", o.field(key))),
    }
}

/// `/Date(ms)/` or `/Date(ms+hhmm)/`: milliseconds since the epoch (the offset only says
/// which zone the writer was in).
fn ms_date(s: &str) -> Option<DateTime<Utc>> {
    let inner = s.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| matches!(c, '+' | '-'))
        .map_or(inner.len(), |(i, _)| i);
    let ms: i64 = inner[..end].parse().ok()?;
    Utc.timestamp_millis_opt(ms).single()
}

const GRANT: &[&str] = &[
    "operator",
    "builtInControls",
    "customAuthenticationFactors",
    "termsOfUse",
    "authenticationStrength",
];

/// `None` when no control is required (PowerShell writes an operator with empty lists for
/// session-only policies). Configured keys newer than this build are kept as control tokens,
/// so evaluation sees a requirement it cannot judge instead of none.
fn grant(g: &Obj<'_>) -> Res<Option<GrantControls>> {
    let mut built_in = g.flags("builtInControls")?;
    for k in g.configured_keys() {
        if !GRANT.iter().any(|known| known.eq_ignore_ascii_case(&k)) {
            built_in.push(k);
        }
    }
    let out = GrantControls {
        operator: g.text("operator")?.unwrap_or_default(),
        built_in,
        custom_factors: g.list("customAuthenticationFactors")?,
        terms_of_use: g.list("termsOfUse")?,
        authentication_strength: match g.object("authenticationStrength")? {
            Some(a) => {
                let id = a.text("id")?.unwrap_or_default();
                let display_name = a.text("displayName")?.unwrap_or_default();
                (!id.is_empty() || !display_name.is_empty())
                    .then_some(AuthStrength { id, display_name })
            }
            None => None,
        },
    };
    let any = !out.built_in.is_empty()
        || !out.custom_factors.is_empty()
        || !out.terms_of_use.is_empty()
        || out.authentication_strength.is_some();
    Ok(any.then_some(out))
}

const SESSION: &[&str] = &[
    "signInFrequency",
    "persistentBrowser",
    "applicationEnforcedRestrictions",
    "cloudAppSecurity",
    "disableResilienceDefaults",
];

/// Whether a session control object is on: `isEnabled: true`, or no `isEnabled` at all.
fn enabled(o: &Obj<'_>) -> Res<bool> {
    Ok(o.bool("isEnabled")?.unwrap_or(true))
}

fn session(s: &Obj<'_>) -> Res<SessionControls> {
    let mut out = SessionControls::default();
    if let Some(f) = s.object("signInFrequency")?
        && enabled(&f)?
    {
        let every_time = f
            .text("frequencyInterval")?
            .is_some_and(|i| i.eq_ignore_ascii_case("everyTime"));
        let value = match f.get("value") {
            None => None,
            Some(Value::Number(n)) => Some(
                n.as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| format!("{} is not a count: {n}", f.field("value")))?,
            ),
            Some(Value::String(t)) if t.trim().is_empty() => None,
            Some(Value::String(t)) => Some(
                t.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{} is not a count: {t:?}", f.field("value")))?,
            ),
            Some(v) => return Err(format!("{} is not a count: {}", f.field("value"), shown(v))),
        };
        if value.is_some() || every_time {
            out.sign_in_frequency = Some(SignInFrequency {
                value,
                unit: f.text("type")?.unwrap_or_default(),
                every_time,
            });
        }
    }
    if let Some(p) = s.object("persistentBrowser")?
        && enabled(&p)?
        && let Some(mode) = p.text("mode")?
    {
        out.persistent_browser = Some(mode);
    }
    out.application_enforced_restrictions = match s.get("applicationEnforcedRestrictions") {
        Some(Value::Bool(b)) => *b,
        _ => match s.object("applicationEnforcedRestrictions")? {
            Some(a) => a.bool("isEnabled")?.unwrap_or(false),
            None => false,
        },
    };
    if let Some(c) = s.object("cloudAppSecurity")?
        && enabled(&c)?
    {
        out.cloud_app_security = Some(c.text("cloudAppSecurityType")?.unwrap_or_default());
    }
    out.disable_resilience_defaults = s.bool("disableResilienceDefaults")?.unwrap_or(false);
    out.other = s
        .configured_keys()
        .into_iter()
        .filter(|k| !SESSION.iter().any(|known| known.eq_ignore_ascii_case(k)))
        .map(|k| camel(&k))
        .collect();
    Ok(out)
}
