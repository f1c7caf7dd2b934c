//! Reading named-locations files: byte decoding (UTF-8 with or without BOM, UTF-16LE/BE with
//! BOM), the JSON shapes (Graph list, bare array, single object, full-metadata export,
//! PowerShell `ConvertTo-Json` with `AdditionalProperties`, JSON Lines) and the hand-written
//! `name,cidr,trusted` CSV. Nothing is guessed: an unknown shape or bad value is an error
//! naming the file, the location and the text. Must not build lookup structures.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde_json::{Map, Value};

use super::{CountryLookup, LocationKind, NamedLocation};
use crate::error::{Error, Result};

/// Directory nesting beyond this is treated as a loop, not an export.
const MAX_DEPTH: usize = 32;

/// A file to read (`walked`: found by a directory scan), or a scan entry passed over.
pub(super) enum Found {
    File { path: PathBuf, walked: bool },
    Ignored { path: PathBuf, reason: String },
}

/// The files to read, in order: given files as given, directories expanded recursively to
/// their `.json` / `.csv` files in sorted path order. What a scan cannot read (a dangling
/// link, a loop, a FIFO, a directory it cannot list) is listed, not fatal (DESIGN.md §9).
pub(super) fn collect_files(paths: &[PathBuf]) -> Result<Vec<Found>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            std::fs::read_dir(path).map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?;
            let before = out.len();
            let mut visited = BTreeSet::new();
            visited.insert(std::fs::canonicalize(path).ok());
            walk(path, 0, &mut visited, &mut out);
            if !out[before..]
                .iter()
                .any(|f| matches!(f, Found::File { .. }))
            {
                return Err(Error::Locations {
                    path: path.display().to_string(),
                    reason: "directory holds no .json or .csv file".into(),
                });
            }
        } else {
            out.push(Found::File {
                path: path.clone(),
                walked: false,
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, depth: usize, visited: &mut BTreeSet<Option<PathBuf>>, out: &mut Vec<Found>) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => return ignore(out, dir, format!("cannot read the directory: {e}")),
    };
    entries.sort();
    for p in entries {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let wanted = matches!(ext.as_deref(), Some("json" | "csv"));
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => {
                if depth >= MAX_DEPTH {
                    ignore(
                        out,
                        &p,
                        format!("directories nested deeper than {MAX_DEPTH}"),
                    );
                } else if !visited.insert(std::fs::canonicalize(&p).ok()) {
                    ignore(out, &p, "a directory already read (a symbolic link loop?)");
                } else {
                    walk(&p, depth + 1, visited, out);
                }
            }
            Ok(m) if m.is_file() => {
                if wanted {
                    out.push(Found::File {
                        path: p,
                        walked: true,
                    });
                }
            }
            // A FIFO would block, a device never end: never opened by a scan, whatever its
            // name, and listed (as the sign-in scan does) so it is not passed over silently.
            Ok(m) => ignore(
                out,
                &p,
                format!("{}: never opened by a directory scan", special(&m)),
            ),
            Err(e) => ignore(out, &p, format!("cannot read: {e}")),
        }
    }
}

/// What a file that is neither a regular file nor a directory is (its metadata only).
fn special(m: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    let _ = m;
    "not a regular file"
}

fn ignore(out: &mut Vec<Found>, path: &Path, reason: impl Into<String>) {
    out.push(Found::Ignored {
        path: path.to_path_buf(),
        reason: reason.into(),
    });
}

pub(super) fn read_file(path: &Path) -> Result<Vec<NamedLocation>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    parse_bytes(&bytes).map_err(|reason| Error::Locations {
        path: path.display().to_string(),
        reason,
    })
}

/// Decodes and parses one file's content; the error is the reason, without the path.
pub(super) fn parse_bytes(bytes: &[u8]) -> std::result::Result<Vec<NamedLocation>, String> {
    let text = decode(bytes)?;
    let body = text.trim_start();
    if body.starts_with('{') || body.starts_with('[') {
        // JSON Lines (Untitled Goose writes one location per line) or one document.
        let mut values = Vec::new();
        for v in serde_json::Deserializer::from_str(body).into_iter::<Value>() {
            values.push(v.map_err(|e| format!("invalid JSON: {e}"))?);
        }
        match values.as_slice() {
            [root] => parse_json(root),
            _ => {
                let mut out = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    match v {
                        Value::Object(_) => out.extend(parse_json(v)?),
                        _ => return Err(format!("JSON line {}: not a JSON object", i + 1)),
                    }
                }
                Ok(out)
            }
        }
    } else {
        parse_csv(&text)
    }
}

/// Bytes → text: UTF-8 with or without BOM, UTF-16LE/BE with BOM. Also used by the policy
/// loader, so both inputs accept the same encodings.
pub(crate) fn decode(bytes: &[u8]) -> std::result::Result<String, String> {
    let utf16 = |rest: &[u8], be: bool| {
        if !rest.len().is_multiple_of(2) {
            return Err("UTF-16 text with an odd number of bytes".to_string());
        }
        let units = rest.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<std::result::Result<String, _>>()
            .map_err(|e| format!("invalid UTF-16: {e}"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ if bytes.contains(&0) => Err(
            "contains NUL bytes: UTF-16 without a byte-order mark? Save it as UTF-8, or as UTF-16 with a BOM"
                .into(),
        ),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> std::result::Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "not valid UTF-8 (byte {}); save it as UTF-8, or UTF-16 with a BOM",
            e.utf8_error().valid_up_to()
        )
    })
}

/// One named-location object, `index` (1-based) naming it in errors. Items without
/// `@odata.type` (Untitled Goose drops it) are classified by their keys.
pub(crate) fn parse_item(item: &Value, index: usize) -> std::result::Result<NamedLocation, String> {
    match item {
        Value::Object(map) => location(map, index),
        _ => Err(format!("location #{index}: not a JSON object")),
    }
}

/// Whether an object is a named location (by `@odata.type`, or by the keys that only named
/// locations have), looking into PowerShell's `AdditionalProperties` too.
pub(crate) fn looks_like_location(map: &Map<String, Value>) -> bool {
    let extra = match get(map, "AdditionalProperties") {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    };
    let has = |key: &str| {
        get(map, key)
            .or_else(|| extra.and_then(|m| get(m, key)))
            .is_some()
    };
    let typed = |m: &Map<String, Value>| {
        get(m, "@odata.type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().ends_with("namedlocation"))
    };
    typed(map)
        || extra.is_some_and(typed)
        || has("ipRanges")
        || has("countriesAndRegions")
        || has("compliantNetworkType")
}

/// A Conditional Access policy (it has `conditions`), handed to `--locations` by mistake.
fn is_policy(map: &Map<String, Value>) -> bool {
    get(map, "conditions").is_some()
        || matches!(get(map, "AdditionalProperties"), Some(Value::Object(m)) if get(m, "conditions").is_some())
}

const POLICY_EXPORT: &str =
    "is a Conditional Access policy export, not named locations: pass it with --policies";

fn parse_json(root: &Value) -> std::result::Result<Vec<NamedLocation>, String> {
    let items: Vec<&Value> = match root {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => match get(map, "value") {
            // A Graph list response, or Windows PowerShell's `{"value":[…],"Count":n}`.
            Some(Value::Array(items)) => items.iter().collect(),
            _ => vec![root],
        },
        _ => return Err("expected a JSON object or array of named locations".into()),
    };
    if let Some(i) = items
        .iter()
        .position(|v| matches!(v, Value::Object(m) if is_policy(m)))
    {
        return Err(format!(
            "this file {POLICY_EXPORT} (item #{} has conditions)",
            i + 1
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(map) => location(map, i + 1),
            _ => Err(format!("location #{}: not a JSON object", i + 1)),
        })
        .collect()
}

/// Case-insensitive key lookup; JSON `null` counts as absent.
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key)
        .or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// A location's properties: top level first, then PowerShell's `AdditionalProperties`.
struct Props<'a> {
    top: &'a Map<String, Value>,
    extra: Option<&'a Map<String, Value>>,
    label: String,
}

impl<'a> Props<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        get(self.top, key).or_else(|| self.extra.and_then(|m| get(m, key)))
    }

    fn err(&self, what: impl std::fmt::Display) -> String {
        format!("{}: {what}", self.label)
    }

    fn string(&self, key: &str) -> std::result::Result<Option<&'a str>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.err(format!("{key} is not a string: {v}"))),
        }
    }

    fn bool(&self, key: &str) -> std::result::Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.err(format!("{key} is not true or false: {v}"))),
        }
    }

    fn array(&self, key: &str) -> std::result::Result<Option<&'a Vec<Value>>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.err(format!("{key} is not a list: {}", truncate(v)))),
        }
    }
}

fn location(top: &Map<String, Value>, index: usize) -> std::result::Result<NamedLocation, String> {
    let extra = match get(top, "AdditionalProperties") {
        Some(Value::Object(m)) => Some(m),
        Some(v) => {
            return Err(format!(
                "location #{index}: AdditionalProperties is not an object: {}",
                truncate(v)
            ));
        }
        None => None,
    };
    let mut p = Props {
        top,
        extra,
        label: format!("location #{index}"),
    };
    let name = p.string("displayName")?.unwrap_or("").trim().to_string();
    if name.is_empty() {
        return Err(p.err("no displayName"));
    }
    p.label = format!("location #{index} {name:?}");
    let id = p.string("id")?.unwrap_or("").trim().to_string();
    let kind = kind(&p)?;
    let mut loc = NamedLocation {
        id,
        name,
        kind,
        trusted: p.bool("isTrusted")?.unwrap_or(false),
        ..NamedLocation::default()
    };
    match kind {
        LocationKind::Ip => {
            let ranges = p
                .array("ipRanges")?
                .ok_or_else(|| p.err("IP location without ipRanges"))?;
            for r in ranges {
                loc.ranges.push(range(&p, r)?);
            }
        }
        LocationKind::Country => {
            let list = p
                .array("countriesAndRegions")?
                .ok_or_else(|| p.err("country location without countriesAndRegions"))?;
            for c in list {
                loc.countries.push(country(&p, c)?);
            }
            loc.include_unknown_countries = p
                .bool("includeUnknownCountriesAndRegions")?
                .unwrap_or(false);
            loc.country_lookup = match p.string("countryLookupMethod")? {
                None => CountryLookup::ClientIp,
                Some(m) if m.eq_ignore_ascii_case("clientIpAddress") => CountryLookup::ClientIp,
                Some(m) if m.eq_ignore_ascii_case("authenticatorAppGps") => {
                    CountryLookup::AuthenticatorGps
                }
                Some(m) => CountryLookup::Unknown(m.to_string()),
            };
        }
        LocationKind::CompliantNetwork => {}
    }
    Ok(loc)
}

fn kind(p: &Props<'_>) -> std::result::Result<LocationKind, String> {
    if let Some(t) = p.string("@odata.type")? {
        let t = t.trim_start_matches('#').to_ascii_lowercase();
        match t.strip_prefix("microsoft.graph.").unwrap_or(&t) {
            "ipnamedlocation" => return Ok(LocationKind::Ip),
            "countrynamedlocation" => return Ok(LocationKind::Country),
            "compliantnetworknamedlocation" => return Ok(LocationKind::CompliantNetwork),
            // The abstract base type says nothing: infer from the keys below.
            "namedlocation" => {}
            _ => return Err(p.err(format!("unknown @odata.type {t:?}"))),
        }
    }
    if p.get("ipRanges").is_some() {
        Ok(LocationKind::Ip)
    } else if p.get("countriesAndRegions").is_some() {
        Ok(LocationKind::Country)
    } else if p.get("compliantNetworkType").is_some() {
        Ok(LocationKind::CompliantNetwork)
    } else {
        let mut keys: Vec<&str> = p.top.keys().map(String::as_str).collect();
        keys.extend(p.extra.iter().flat_map(|m| m.keys().map(String::as_str)));
        Err(p.err(format!(
            "not a named location: no @odata.type, ipRanges or countriesAndRegions (keys: {})",
            keys.join(", ")
        )))
    }
}

fn range(p: &Props<'_>, v: &Value) -> std::result::Result<IpNet, String> {
    let text = match v {
        Value::Object(m) => match get(m, "cidrAddress") {
            Some(Value::String(s)) => s.as_str(),
            _ => return Err(p.err(format!("IP range without cidrAddress: {}", truncate(v)))),
        },
        // PowerShell's default -Depth 2 flattens nested objects into type names.
        Value::String(s) if s.starts_with("System.") || s.starts_with("@{") => {
            return Err(p.err(format!(
                "IP range {s:?} was flattened by ConvertTo-Json; export again with -Depth 10"
            )));
        }
        Value::String(s) => s.as_str(),
        _ => return Err(p.err(format!("IP range is not an object: {}", truncate(v)))),
    };
    parse_cidr(text).map_err(|e| p.err(e))
}

/// A CIDR (host bits allowed and cleared, as Entra does) or a single address.
pub(super) fn parse_cidr(text: &str) -> std::result::Result<IpNet, String> {
    let t = text.trim();
    if let Ok(net) = t.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    if !t.contains('/')
        && let Ok(ip) = t.parse::<IpAddr>()
    {
        return Ok(IpNet::from(ip));
    }
    Err(format!("bad CIDR {text:?}"))
}

fn country(p: &Props<'_>, v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Ok(s.to_ascii_uppercase())
        }
        _ => Err(p.err(format!(
            "bad country code {} (want ISO 3166 alpha-2)",
            truncate(v)
        ))),
    }
}

fn truncate(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// `name,cidr,trusted` per line, typed by people: header optional (then columns may come in
/// any order), `#` comments, `;` accepted as separator, lines with one name merged.
fn parse_csv(text: &str) -> std::result::Result<Vec<NamedLocation>, String> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    // Microsoft-Extractor-Suite's policy CSV starts `"DisplayName","Id","State",…`.
    let head: String = first
        .chars()
        .filter(|c| !matches!(c, '"' | ' ' | '\u{feff}'))
        .take(24)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("displayname,id,state,") {
        return Err(format!("this file {POLICY_EXPORT} (Extractor-Suite CSV)"));
    }
    let delimiter = if !first.contains(',') && first.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut columns: Option<[usize; 3]> = None;
    let mut out: Vec<NamedLocation> = Vec::new();
    let mut by_name: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    let mut seen_row = false;
    for record in reader.records() {
        let record = record.map_err(|e| format!("CSV: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if !seen_row {
            seen_row = true;
            if let Some(cols) = header(&record)? {
                columns = Some(cols);
                continue;
            }
        }
        let [n, c, t] = match columns {
            Some(cols) => cols,
            None if record.len() == 3 => [0, 1, 2],
            None => {
                return Err(format!(
                    "line {line}: expected 3 fields name,cidr,trusted, found {} (quote names that contain a comma)",
                    record.len()
                ));
            }
        };
        let field = |i: usize| record.get(i).unwrap_or("");
        let name = field(n);
        if name.is_empty() {
            return Err(format!("line {line}: empty location name"));
        }
        let net = parse_cidr(field(c)).map_err(|e| format!("line {line} {name:?}: {e}"))?;
        let trusted = match field(t).to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            other => {
                return Err(format!(
                    "line {line} {name:?}: trusted must be true/false/yes/no/1/0, found {other:?}"
                ));
            }
        };
        match by_name.get(name) {
            Some(&(i, first_line)) => {
                if out[i].trusted != trusted {
                    return Err(format!(
                        "line {line} {name:?}: trusted is {trusted} here but {} on line {first_line}",
                        out[i].trusted
                    ));
                }
                out[i].ranges.push(net);
            }
            None => {
                by_name.insert(name.to_string(), (out.len(), line));
                out.push(NamedLocation {
                    name: name.to_string(),
                    trusted,
                    ranges: vec![net],
                    ..NamedLocation::default()
                });
            }
        }
    }
    if out.is_empty() {
        return Err("no named location found (neither JSON nor name,cidr,trusted CSV)".into());
    }
    Ok(out)
}

/// Column positions when the first row is a header, `None` when it is data.
fn header(record: &csv::StringRecord) -> std::result::Result<Option<[usize; 3]>, String> {
    let norm: Vec<String> = record
        .iter()
        .map(|f| {
            f.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect();
    let find = |names: &[&str]| norm.iter().position(|f| names.contains(&f.as_str()));
    let name = find(&["name", "displayname", "location"]);
    let cidr = find(&["cidr", "cidraddress", "iprange", "range", "ip", "network"]);
    let trusted = find(&["trusted", "istrusted"]);
    let looks_like_data = record.get(1).is_some_and(|f| parse_cidr(f).is_ok());
    match (name, cidr, trusted) {
        _ if looks_like_data => Ok(None),
        (Some(n), Some(c), Some(t)) => Ok(Some([n, c, t])),
        (None, None, None) => Ok(None),
        _ => Err(format!(
            "header must name the columns name, cidr and trusted, found {:?}",
            record.iter().collect::<Vec<_>>().join(",")
        )),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
