//! A read-only view of one JSON object of a policy export that hides the differences between
//! Graph camelCase and PowerShell SDK dumps: case-insensitive keys, `AdditionalProperties`
//! merged in, `null` = absent, OData annotations skipped, "configured" decided the same way
//! for every shape (an object whose members are all null or empty is not configured).
//! Every error names the field by its Graph path (`conditions.users.includeUsers`).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

pub(super) type Res<T> = std::result::Result<T, String>;

/// One object and where it sits (`conditions.users`), for messages.
#[derive(Clone)]
pub(super) struct Obj<'a> {
    top: &'a Map<String, Value>,
    /// PowerShell's `AdditionalProperties`: derived-type and newer properties, camelCase.
    extra: Option<&'a Map<String, Value>>,
    path: String,
}

/// OData annotations (`x@odata.type`, `@odata.context`, `#microsoft.graph.restore`) carry no
/// policy data.
pub(super) fn is_annotation(key: &str) -> bool {
    key.contains('@') || key.starts_with('#')
}

/// Graph's spelling of a key: PowerShell's PascalCase with the first letter lowered.
pub(super) fn camel(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Case-insensitive lookup, exact spelling first; `null` counts as absent.
fn lookup<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key)
        .or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// Whether a value sets anything: not null, not an empty string or list, not `false`, not an
/// object whose members are all unset or whose `isEnabled` is `false`.
pub(super) fn configured(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(_) => true,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => a.iter().any(configured),
        Value::Object(m) => {
            if lookup(m, "isEnabled").is_some_and(|e| e == &Value::Bool(false)) {
                return false;
            }
            m.iter().any(|(k, v)| !is_annotation(k) && configured(v))
        }
    }
}

/// A value for messages, cut to 80 characters.
pub(super) fn shown(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// `ConvertTo-Json` below the nesting depth writes objects as their type name.
fn flattened(s: &str) -> bool {
    s.starts_with("System.") || s.starts_with("@{") || s.starts_with("Microsoft.Graph.")
}

impl<'a> Obj<'a> {
    pub(super) fn new(map: &'a Map<String, Value>, path: &str) -> Res<Obj<'a>> {
        let extra = match lookup(map, "AdditionalProperties") {
            None => None,
            Some(Value::Object(m)) => Some(m),
            Some(v) => {
                return Err(format!(
                    "{path}.AdditionalProperties is not an object: {}",
                    shown(v)
                ));
            }
        };
        Ok(Obj {
            top: map,
            extra,
            path: path.to_string(),
        })
    }

    /// `path.key`, for messages.
    pub(super) fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        lookup(self.top, key).or_else(|| self.extra.and_then(|m| lookup(m, key)))
    }

    /// The value when it is configured (see [`configured`]).
    pub(super) fn set(&self, key: &str) -> Option<&'a Value> {
        self.get(key).filter(|v| configured(v))
    }

    fn wrong(&self, key: &str, what: &str, v: &Value) -> String {
        if let Value::String(s) = v
            && flattened(s)
        {
            return format!(
                "{} was flattened by ConvertTo-Json ({s:?}); export again with -Depth 10",
                self.field(key)
            );
        }
        format!("{} is not {what}: {}", self.field(key), shown(v))
    }

    pub(super) fn string(&self, key: &str) -> Res<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }

    /// A trimmed, non-empty string.
    pub(super) fn text(&self, key: &str) -> Res<Option<String>> {
        Ok(self
            .string(key)?
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string))
    }

    /// `true`/`false`, also PowerShell's `"True"`/`"False"` strings.
    pub(super) fn bool(&self, key: &str) -> Res<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v) => Err(self.wrong(key, "true or false", v)),
        }
    }

    /// The nested object when it is configured; `None` for null and objects of nulls.
    pub(super) fn object(&self, key: &str) -> Res<Option<Obj<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(m)) => {
                if configured(v) {
                    Obj::new(m, &self.field(&camel(key))).map(Some)
                } else {
                    Ok(None)
                }
            }
            Some(v) => Err(self.wrong(key, "an object", v)),
        }
    }

    /// A list of ids: an array of strings (trimmed, empty entries dropped).
    pub(super) fn list(&self, key: &str) -> Res<Vec<String>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(all @ Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if flattened(s) => {
                            return Err(self.wrong(key, "a list of strings", item));
                        }
                        Value::String(s) => {
                            let s = s.trim();
                            if !s.is_empty() {
                                out.push(s.to_string());
                            }
                        }
                        Value::Null => {}
                        _ => {
                            return Err(format!(
                                "{} is not a list of strings: {}",
                                self.field(key),
                                shown(all)
                            ));
                        }
                    }
                }
                Ok(out)
            }
            Some(v) => Err(self.wrong(key, "a list of strings", v)),
        }
    }

    /// An enum list or flags enum: a comma-separated string (`"deviceCodeFlow,authenticationTransfer"`)
    /// or an array whose strings may themselves hold commas; split and trimmed, as written.
    pub(super) fn flags(&self, key: &str) -> Res<Vec<String>> {
        match self.get(key) {
            Some(Value::String(s)) if flattened(s) => {
                Err(self.wrong(key, "a list", &Value::String(s.clone())))
            }
            Some(Value::String(s)) => Ok(split_flags(s)),
            Some(Value::Array(_)) => Ok(self
                .list(key)?
                .iter()
                .flat_map(|s| split_flags(s))
                .collect()),
            None => Ok(Vec::new()),
            Some(v) => Err(self.wrong(key, "a list or a comma-separated string", v)),
        }
    }

    /// The configured keys in Graph spelling, sorted, without annotations and
    /// `AdditionalProperties` (its members are listed as if they were top-level).
    pub(super) fn configured_keys(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for map in std::iter::once(self.top).chain(self.extra) {
            for (k, v) in map {
                if !is_annotation(k)
                    && !k.eq_ignore_ascii_case("AdditionalProperties")
                    && configured(v)
                {
                    out.insert(camel(k));
                }
            }
        }
        out.into_iter().collect()
    }
}

pub(super) fn split_flags(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
