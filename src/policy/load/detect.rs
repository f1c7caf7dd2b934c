//! Which export shape one decoded file is, by content only (POLICIES.md §C detection order):
//! JSON (one document, several Graph pages, or JSON Lines) is split into items, each item
//! classified as a policy (it has `conditions`), a named location, a sign-in or something
//! else; the Extractor-Suite CSV by its header. The path is used only for messages and to
//! label a lone policy object found in an EntraExporter tree.

use serde_json::{Map, Value};

use super::obj::{Res, is_annotation};
use super::{extractor, json};
use crate::locations::{NamedLocation, looks_like_location, parse_item};
use crate::policy::Policy;

/// What one file held.
pub(super) struct Found {
    /// Shape id ([`crate::policy::Origin::shape`]).
    pub shape: &'static str,
    pub policies: Vec<Policy>,
    pub locations: Vec<NamedLocation>,
    /// The file is a Graph list of named locations (kept even when the list is empty).
    pub locations_list: bool,
    pub notes: Vec<String>,
}

pub(super) enum Outcome {
    Found(Found),
    /// Not a policy export, found inside a directory or zip: listed with this reason.
    Ignored(String),
}

const SIGN_INS: &str = "looks like a sign-in export, not Conditional Access policies (pass it as an input of analyze, and the policies with --policies)";

/// `walked`: found by a directory walk or in a zip, where unrelated files are ignored
/// instead of stopping the run.
pub(super) fn text(label: &str, text: &str, walked: bool) -> Res<Outcome> {
    // A second byte-order mark (an editor's re-save) is not content.
    let text = text.trim_start_matches('\u{feff}');
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if body.starts_with('{') || body.starts_with('[') {
        return json_file(label, text, walked);
    }
    let mut lines = body.lines();
    let first = lines.next().unwrap_or("");
    let header = if first.starts_with("#TYPE") {
        lines.next().unwrap_or("")
    } else {
        first
    };
    if extractor::header_delimiter(header).is_some() {
        let (mut policies, notes) = extractor::policies(body)?;
        for p in &mut policies {
            p.origin.shape = "extractor_csv";
        }
        return Ok(Outcome::Found(Found {
            shape: "extractor_csv",
            policies,
            locations: Vec::new(),
            locations_list: false,
            notes,
        }));
    }
    if sign_in_csv(header) {
        return Err(SIGN_INS.to_string());
    }
    let why = if body.is_empty() {
        "empty file".to_string()
    } else {
        "neither JSON nor the Extractor-Suite policy CSV (header DisplayName,Id,State,...)"
            .to_string()
    };
    if walked {
        Ok(Outcome::Ignored(why))
    } else {
        Err(format!("not a Conditional Access policy export: {why}"))
    }
}

/// Headers of the portal, Log Analytics and Graph-derived sign-in CSVs.
fn sign_in_csv(header: &str) -> bool {
    let h = header.to_ascii_lowercase();
    [
        "request id",
        "date (utc)",
        "correlation id",
        "userprincipalname",
        "resulttype",
    ]
    .iter()
    .any(|k| h.contains(k))
}

/// One item of a JSON file and the line it starts on when the file is JSON Lines.
struct Item<'a> {
    value: &'a Value,
    line: Option<usize>,
}

#[derive(PartialEq)]
enum Kind {
    Policy,
    Location,
    SignIn,
    Other,
}

fn ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn kind(v: &Value) -> Kind {
    let Value::Object(m) = v else {
        return Kind::Other;
    };
    let extra = match ci(m, "AdditionalProperties") {
        Some(Value::Object(e)) => Some(e),
        _ => None,
    };
    let has = |key: &str| ci(m, key).is_some() || extra.is_some_and(|e| ci(e, key).is_some());
    if has("conditions") {
        Kind::Policy
    } else if looks_like_location(m) {
        Kind::Location
    } else if has("userPrincipalName") && (has("appId") || has("ipAddress") || has("status"))
        // A user object (EntraExporter exports those too) has a UPN but no app or IP.
        || has("appliedConditionalAccessPolicies")
        || has("conditionalAccessStatus")
        || has("signInEventTypes")
        || ci(m, "category")
            .and_then(Value::as_str)
            .is_some_and(|c| c.to_ascii_lowercase().contains("signin"))
    {
        Kind::SignIn
    } else {
        Kind::Other
    }
}

/// The list inside a page: Graph's `value` (also Windows PowerShell's `{"value":…,"Count":n}`)
/// or Event Hubs' `records`.
fn page(m: &Map<String, Value>) -> Option<&Vec<Value>> {
    if ci(m, "conditions").is_some() {
        return None;
    }
    match ci(m, "value").or_else(|| ci(m, "records")) {
        Some(Value::Array(a)) => Some(a),
        _ => None,
    }
}

/// PowerShell SDK objects spell their properties in PascalCase.
fn pascal(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.keys().any(|k| {
        matches!(k.as_str(), "Conditions" | "DisplayName" | "State" | "Id" | "AdditionalProperties")
    }))
}

/// Line numbers of byte offsets, counted once over the text.
struct Lines<'a> {
    text: &'a str,
    upto: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        if pos > self.upto {
            self.line += self.text.as_bytes()[self.upto..pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.upto = pos;
        }
        self.line
    }
}

fn json_file(label: &str, text: &str, walked: bool) -> Res<Outcome> {
    let mut values: Vec<(Value, usize)> = Vec::new();
    let mut lines = Lines {
        text,
        upto: 0,
        line: 1,
    };
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let end = stream.byte_offset();
        let rest = text.get(end..).unwrap_or("");
        let start = end + (rest.len() - rest.trim_start().len());
        match stream.next() {
            None => break,
            Some(Ok(v)) => values.push((v, lines.at(start))),
            Some(Err(e)) => return Err(format!("invalid JSON: {e}")),
        }
    }
    let lines_file = values.len() > 1;
    let mut items: Vec<Item<'_>> = Vec::new();
    let (mut pages, mut arrays) = (false, false);
    let mut locations_list = false;
    for (v, line) in &values {
        let line = lines_file.then_some(*line);
        match v {
            Value::Object(m) => match page(m) {
                Some(list) => {
                    pages = true;
                    locations_list |= ci(m, "@odata.context")
                        .and_then(Value::as_str)
                        .is_some_and(|c| c.to_ascii_lowercase().contains("namedlocations"));
                    items.extend(list.iter().map(|value| Item { value, line }));
                }
                None => items.push(Item { value: v, line }),
            },
            Value::Array(list) => {
                arrays = true;
                for value in list {
                    match value {
                        // An array of saved pages.
                        Value::Object(m) if page(m).is_some() => {
                            pages = true;
                            let inner = page(m).into_iter().flatten();
                            items.extend(inner.map(|value| Item { value, line }));
                        }
                        _ => items.push(Item { value, line }),
                    }
                }
            }
            other => {
                let at = line.map_or(String::new(), |l| format!(" on line {l}"));
                return Err(format!(
                    "a JSON {}{at} where an object or array was expected",
                    type_name(other)
                ));
            }
        }
    }
    let kinds: Vec<Kind> = items.iter().map(|i| kind(i.value)).collect();
    let count = |k: Kind| kinds.iter().filter(|x| **x == k).count();
    if !items.is_empty() && count(Kind::Policy) == 0 && count(Kind::Location) == 0 {
        if count(Kind::SignIn) > 0 {
            return Err(SIGN_INS.to_string());
        }
        let why = format!(
            "JSON, but neither Conditional Access policies nor named locations (keys of the first object: {})",
            keys(items[0].value)
        );
        return if walked {
            Ok(Outcome::Ignored(why))
        } else {
            Err(format!("not a Conditional Access policy export: {why}"))
        };
    }
    let ps = items.first().is_some_and(|i| pascal(i.value));
    let shape = if ps {
        "powershell"
    } else if pages {
        "graph_list"
    } else if lines_file {
        "goose_jsonl"
    } else if arrays {
        "bare_array"
    } else if in_entra_exporter_tree(label) {
        "entra_exporter"
    } else {
        "graph_entity"
    };
    let mut found = Found {
        shape,
        policies: Vec::new(),
        locations: Vec::new(),
        locations_list,
        notes: Vec::new(),
    };
    for (n, (item, kind)) in items.iter().zip(kinds).enumerate() {
        let index = n + 1;
        let at = |e: String| match item.line {
            Some(l) => format!("line {l}: {e}"),
            None => e,
        };
        match kind {
            Kind::Policy => {
                let mut p = json::policy(item.value, index).map_err(at)?;
                p.origin.shape = shape;
                p.origin.index = index;
                found.policies.push(p);
            }
            Kind::Location => found
                .locations
                .push(parse_item(item.value, index).map_err(at)?),
            Kind::SignIn | Kind::Other => {
                return Err(at(format!(
                    "item #{index} is neither a Conditional Access policy nor a named location (keys: {})",
                    keys(item.value)
                )));
            }
        }
    }
    Ok(Outcome::Found(found))
}

/// `…/Identity/Conditional/AccessPolicies/<id>/<id>.json` and its `NamedLocations` sibling.
fn in_entra_exporter_tree(label: &str) -> bool {
    let l = label.replace('\\', "/").to_ascii_lowercase();
    l.contains("identity/conditional/")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Up to 12 non-annotation keys of an object, for messages.
fn keys(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let k: Vec<&str> = m
                .keys()
                .filter(|k| !is_annotation(k))
                .take(12)
                .map(|k| match k.char_indices().nth(40) {
                    Some((i, _)) => &k[..i],
                    None => k.as_str(),
                })
                .collect();
            if k.is_empty() {
                "none".to_string()
            } else {
                k.join(", ")
            }
        }
        other => format!("a {}, not an object", type_name(other)),
    }
}
