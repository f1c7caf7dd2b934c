//! Checks that the sentences casift writes are whole in every format: no template slips
//! ("Policy the", "1 sign-ins", "(s)"), no Rust debug text ("Some(", "Utf16Le", braces, "None"),
//! no empty quotes or double spaces inside prose. Also the JSON Schema check and an IP search
//! that respects address boundaries, for the `--redact` tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::support::{root, run};

pub const FORMATS: [&str; 5] = ["json", "markdown", "csv", "html", "text"];

/// Plural nouns that must not follow a lone "1".
const PLURALS: [&str; 14] = [
    "sign-ins",
    "duplicates",
    "findings",
    "users",
    "records",
    "causes",
    "policies",
    "addresses",
    "ranges",
    "groups",
    "apps",
    "failures",
    "locations",
    "files",
];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` without the `\u{...}` escapes that make invisible characters visible.
fn without_visible_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 3..];
        match tail.find('}') {
            Some(j) if j <= 6 && tail[..j].chars().all(|c| c.is_ascii_hexdigit()) => {
                out.push('?');
                rest = &tail[j + 1..];
            }
            _ => {
                out.push_str("\\u{");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Defects of one piece of text. `strict` adds the checks that only hold for prose (a table
/// or a stylesheet legitimately has braces or aligned columns).
pub fn defects(text: &str, strict: bool) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    let mut hit = |what: &str| out.push(what.to_string());
    for p in [
        "Policy the ",
        "(s)",
        " ,",
        "Some(",
        "Utf16",
        "Utf8",
        "these 1 ",
        "Ok(",
        "Err(",
    ] {
        if text.contains(p) {
            hit(p);
        }
    }
    if lower.contains("policy policy") {
        hit("policy policy");
    }
    for noun in PLURALS {
        let pat = format!("1 {noun}");
        for (i, _) in text.match_indices(&pat) {
            let before = text[..i].chars().next_back();
            let after = text[i + pat.len()..].chars().next();
            if !before.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',')
                && !after.is_some_and(is_word)
            {
                hit(&pat);
            }
        }
    }
    if strict {
        // `\u{a}` is how a terminal view shows a control character from the data (DESIGN
        // §9): not a defect of the prose around it.
        let shown = without_visible_escapes(text);
        for p in ["{", "}", "  ", "''"] {
            if shown.contains(p) {
                hit(p);
            }
        }
        for (i, _) in text.match_indices("None") {
            let before = text[..i].chars().next_back();
            let after = text[i + 4..].chars().next();
            if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                hit("None");
            }
        }
    }
    out
}

fn report(what: &str, text: &str, strict: bool, bad: &mut Vec<String>) {
    for d in defects(text, strict) {
        // A whole report is too long to print: show the words around the first hit.
        let at = if d == "None" {
            text.find("None")
        } else {
            text.find(d.as_str())
        }
        .unwrap_or(0);
        let (mut a, mut b) = (at.saturating_sub(60), (at + 60).min(text.len()));
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        while !text.is_char_boundary(b) {
            b += 1;
        }
        bad.push(format!("{what}: {d:?} in {:?}", &text[a..b]));
    }
}

/// A whole sentence: the checks above, and it starts with a capital (or a quote or a digit),
/// never "policy 0ca…" when the name is unknown.
fn sentence(what: &str, text: &str, bad: &mut Vec<String>) {
    report(what, text, true, bad);
    if text.chars().next().is_some_and(char::is_lowercase) {
        bad.push(format!("{what}: starts in lower case: {text:?}"));
    }
}

/// The prose fields of a JSON report.
pub fn json_defects(v: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let text = |x: &Value| x.as_str().unwrap_or("").to_string();
    for f in v["findings"].as_array().into_iter().flatten() {
        sentence("remediation", &text(&f["remediation"]), &mut bad);
        report("title", &text(&f["title"]), true, &mut bad);
        for e in f["evidence"].as_array().into_iter().flatten() {
            report("evidence", &text(e), false, &mut bad);
        }
    }
    for c in v["causes"].as_array().into_iter().flatten() {
        sentence("cause", &text(&c["cause"]), &mut bad);
        sentence("fix_text", &text(&c["fix_text"]), &mut bad);
    }
    for n in v["notes"].as_array().into_iter().flatten() {
        sentence("note", &text(n), &mut bad);
    }
    bad
}

pub fn check_json(v: &Value, what: &str) {
    let bad = json_defects(v);
    assert!(bad.is_empty(), "{what}:\n{}", bad.join("\n"));
}

fn markdown_defects(md: &str) -> Vec<String> {
    let mut bad = Vec::new();
    report("markdown", md, false, &mut bad);
    let mut section = "";
    for (n, line) in md.lines().enumerate() {
        if let Some(h) = line.strip_prefix("## ") {
            section = h;
        }
        let prose = n == 2
            || line.starts_with("**Fix:**")
            || (section == "Notes" && line.starts_with("- "))
            || (section.starts_with("Blocked sign-ins")
                && line.starts_with("| ")
                && !line.starts_with("| #"));
        if prose {
            report(&format!("markdown line {}", n + 1), line, true, &mut bad);
        }
    }
    bad
}

fn csv_defects(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    for rec in r.records().flatten() {
        for (i, cell) in rec.iter().enumerate() {
            let h = headers.get(i).map_or("", String::as_str);
            if ["remediation", "cause", "fix_text", "note"].contains(&h) {
                sentence(&format!("csv {h}"), cell, &mut bad);
            } else {
                report(&format!("csv {h}"), cell, false, &mut bad);
            }
        }
    }
    bad
}

fn html_defects(html: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let mut rest = html;
    // Drop the stylesheet, then every tag; what is left are the text nodes a reader sees.
    let mut body = String::new();
    while let Some(i) = rest.find("<style") {
        body.push_str(&rest[..i]);
        rest = rest[i..]
            .find("</style>")
            .map_or("", |j| &rest[i + j + 8..]);
    }
    body.push_str(rest);
    for chunk in body.split('<') {
        let node = chunk.split_once('>').map_or(chunk, |(_, t)| t);
        let node = node
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        let node = node.trim();
        if !node.is_empty() {
            report("html", node, !node.contains('\n'), &mut bad);
        }
    }
    bad
}

fn text_defects(text: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // "App:    Azure DevOps": the labels are aligned with spaces, the values are prose.
        let line = line.trim();
        let line = match line.split_once(": ") {
            Some((label, value))
                if !label.is_empty()
                    && label.len() < 8
                    && label.chars().all(char::is_alphabetic) =>
            {
                format!("{label}: {}", value.trim_start())
            }
            _ => line.to_string(),
        };
        // Headings are upper case and aligned; the prose checks are for sentences.
        let heading = line.chars().take(8).all(|c| !c.is_lowercase());
        report(&format!("text line {}", n + 1), &line, !heading, &mut bad);
    }
    bad
}

/// Runs `analyze ARGS -f FORMAT -q` and returns every defect; an input casift rejects (exit 2)
/// only has its message checked.
pub fn run_defects(args: &[&str], format: &str) -> Vec<String> {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", format, "-q"]);
    let r = run(&all);
    let mut bad = Vec::new();
    report("stderr", &r.stderr, false, &mut bad);
    if r.code != 0 {
        assert_eq!(r.code, 2, "{all:?}: {}", r.stderr);
        return bad;
    }
    bad.extend(match format {
        "json" => match serde_json::from_str::<Value>(&r.stdout) {
            Ok(v) => json_defects(&v),
            Err(e) => vec![format!("not JSON: {e}")],
        },
        "markdown" => markdown_defects(&r.stdout),
        "csv" => csv_defects(&r.stdout),
        "html" => html_defects(&r.stdout),
        _ => text_defects(&r.stdout),
    });
    bad.into_iter().map(|b| format!("{all:?}: {b}")).collect()
}

pub fn check_run(args: &[&str], format: &str) {
    let bad = run_defects(args, format);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Every file under fixtures/signins, sorted.
pub fn signin_fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("fixtures/signins"), &mut out);
    out.sort();
    out
}

/// Every sign-in fixture with and without the locations and the matching policies.
pub fn fixture_defects(format: &str) -> Vec<String> {
    let loc = root()
        .join("fixtures/locations/named_locations.json")
        .display()
        .to_string();
    let pol = root()
        .join("fixtures/tenant/policies.json")
        .display()
        .to_string();
    let mut bad = Vec::new();
    for f in signin_fixtures() {
        let f = f.display().to_string();
        for extra in [
            vec![],
            vec!["--locations", &loc],
            vec!["--policies", &pol],
            vec!["--locations", &loc, "--policies", &pol],
        ] {
            let mut args = vec![f.as_str()];
            args.extend(extra);
            bad.extend(run_defects(&args, format));
        }
    }
    bad
}

pub fn schema_errors(v: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("schema/report.schema.json")).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Whether `hay` contains `ip` as a whole address (not as the prefix of a longer one; a
/// following `/` still counts: a CIDR built from it leaks it too).
pub fn contains_ip(hay: &str, ip: &str) -> bool {
    let part = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
    hay.match_indices(ip).any(|(i, _)| {
        !hay[..i].chars().next_back().is_some_and(part)
            && !hay[i + ip.len()..].chars().next().is_some_and(part)
    })
}
