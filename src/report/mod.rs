//! Report writers, one pure function per format over a finished `Analysis`, plus the shared
//! output-boundary helpers: escaping (Markdown, HTML, CSV formula neutralisation) and
//! redaction. Must not filter, evaluate, read the clock or iterate a `HashMap` for output.

pub mod csv;
pub mod explain;
pub mod glance;
pub mod html;
pub mod json;
pub mod lint;
pub mod lookup;
pub mod markdown;
pub mod records;
pub mod redact;
#[cfg(test)]
pub(crate) mod testdata;
pub mod text;
pub mod whatif;

use std::io::Write;

use crate::analysis::Analysis;
use crate::error::Result;

pub use redact::Redactor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Json,
    Csv,
    Html,
    /// The terminal view (`text.rs`): plain wrapped text, ANSI colours only when allowed.
    Text(TextStyle),
}

/// How the terminal view is drawn; decided once from the environment by `config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// Columns to wrap at.
    pub width: usize,
    /// Plain ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
}

impl Default for TextStyle {
    fn default() -> Self {
        TextStyle {
            width: text::DEFAULT_WIDTH,
            color: false,
        }
    }
}

impl TextStyle {
    /// The style for a terminal of `columns` (`$COLUMNS`, when it parses) whose stdout is a
    /// terminal or not; `no_color` is whether `NO_COLOR` is set (any value disables colour).
    pub fn resolve(columns: Option<&str>, stdout_is_terminal: bool, no_color: bool) -> TextStyle {
        let width = columns
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .map_or(text::DEFAULT_WIDTH, |w| {
                w.clamp(text::MIN_WIDTH, text::MAX_WIDTH)
            });
        TextStyle {
            width,
            color: stdout_is_terminal && !no_color,
        }
    }
}

impl ReportFormat {
    /// The format implied by an output file's extension.
    pub fn from_extension(ext: &str) -> Option<ReportFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            "csv" => Some(ReportFormat::Csv),
            "html" | "htm" => Some(ReportFormat::Html),
            "txt" | "text" => Some(ReportFormat::Text(TextStyle::default())),
            _ => None,
        }
    }
}

/// What the report says about the run itself (never read from the clock here).
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    pub version: String,
    /// The effective filters, as `(name, values)` in a fixed order.
    pub filters: Vec<(&'static str, FilterValue)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FilterValue {
    List(Vec<String>),
    Single(Option<String>),
    Flag(Option<bool>),
}

pub fn render(
    format: ReportFormat,
    a: &Analysis,
    meta: &RunMeta,
    redactor: &Redactor,
    w: &mut dyn Write,
) -> Result<()> {
    match format {
        ReportFormat::Json => json::write(a, meta, redactor, w),
        ReportFormat::Markdown => markdown::write(a, meta, redactor, w),
        ReportFormat::Csv => csv::write(a, meta, redactor, w),
        ReportFormat::Html => html::write(a, meta, redactor, w),
        ReportFormat::Text(style) => text::write(a, meta, redactor, style, w),
    }
}

/// RFC 3339 in UTC with a `Z`, whole seconds unless the log had fractions.
pub fn timestamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `n` and the noun, singular or plural ("1 duplicate", "3 findings").
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The notes a human format lists, raw: the report's notes, then each input's own notes as
/// "path: note" unless the report already says it that way (the pipeline copies them).
pub fn all_notes(rep: &json::Report<'_>) -> Vec<String> {
    let mut out: Vec<String> = rep.notes.clone();
    for i in &rep.inputs {
        for n in &i.notes {
            let line = format!("{}: {n}", i.path);
            if !out.contains(&line) {
                out.push(line);
            }
        }
    }
    out
}

/// What the JSON report holds of a summary table that a human format cut: `rows` of `total`.
pub fn json_has(rows: usize, total: u64) -> String {
    if rows as u64 >= total {
        "the JSON report has them all".to_string()
    } else {
        format!("the JSON report has the first {rows}")
    }
}

/// Whether a character could rewrite or hide text on a terminal (DESIGN.md §9): C0 and C1
/// controls, DEL, bidi marks, overrides and isolates (U+061C, U+200E/F, U+202A–E,
/// U+2066–9), zero-width and invisible format characters (U+00AD, U+034F, U+180E,
/// U+200B–D, U+2060–4, U+FEFF, the Hangul fillers, U+FFF9–B, the tag characters), and the
/// line and paragraph separators U+2028/9, which some terminals and viewers break lines at.
pub fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1f | 0x7f..=0x9f | 0xad | 0x34f | 0x61c | 0x115f | 0x1160 | 0x17b4 | 0x17b5
        | 0x180b..=0x180f | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0x3164
        | 0xfeff | 0xffa0 | 0xfff9..=0xfffb | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0000..=0xe007f)
}

/// A log value made safe for a terminal: every `is_invisible` character written visibly as
/// `\u{1b}`, the rest unchanged. Every value from a log or a file that reaches a terminal
/// (text view, `explain`, Markdown) goes through this.
pub fn escape_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_invisible) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A Markdown table cell: `|`, newlines and HTML-significant characters escaped.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' => out.push_str("\\\\"),
            '`' => out.push_str("\\`"),
            '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c if is_invisible(c) => out.push_str(&escape_terminal(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out
}

/// HTML text and attribute escaping.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control, bidi and zero-width characters from the data are shown, not obeyed:
            // a right-to-left override must not reorder what the page says.
            c if is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell safe to open in a spreadsheet: a leading `= + - @`, tab or CR is prefixed with
/// `'` unless the cell is a plain number.
/// A space a spreadsheet skips before a formula: any Unicode space (NBSP, U+3000, ...) but
/// tab and the line breaks, which are formula starters or cell ends of their own.
fn blank(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\t' | '\r' | '\n')
}

pub fn csv_cell(s: &str) -> String {
    // A plain number is data, even when negative.
    if s.trim().parse::<f64>().is_ok() {
        return s.to_string();
    }
    let formula = |c: char| {
        matches!(
            c,
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                // Fullwidth and small forms, which spreadsheets fold to the ASCII ones.
                | '\u{ff1d}'
                | '\u{ff0b}'
                | '\u{ff0d}'
                | '\u{ff20}'
                | '\u{fe62}'
                | '\u{fe63}'
                | '\u{fe66}'
                | '\u{fe6b}'
        )
    };
    // A semicolon-locale Excel splits a line at `;` (and a tab) before it looks at quotes,
    // so the text after each of them is the start of a cell too.
    let starts = std::iter::once(s).chain(s.split([';', '\t']).skip(1));
    let risky = starts
        .clone()
        .any(|piece| piece.trim_start_matches(blank).starts_with(formula));
    if !risky {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    out.push('\'');
    let mut after_split = false;
    for c in s.chars() {
        if after_split && formula(c) && c != '\t' {
            out.push('\'');
            after_split = false;
        } else if after_split && !blank(c) {
            after_split = false;
        }
        out.push(c);
        if c == ';' || c == '\t' {
            after_split = true;
        }
    }
    out
}

/// Output bound for a terminal (a JSON or CSV report, `filter`'s records on stdout) with
/// every `is_invisible` character made visible, except the line structure (`\n`, `\t` and a
/// `\r` before `\n`). JSON gets `\u001b` escapes, which stay valid JSON with the same
/// value (such a character can only be inside a string there); anything else gets `\u{1b}`.
/// Output to a file or a pipe keeps the exact values.
pub fn terminal_bytes(bytes: &[u8], json: bool) -> std::borrow::Cow<'_, [u8]> {
    let text = String::from_utf8_lossy(bytes);
    let risky = |i: usize, c: char, t: &str| {
        is_invisible(c) && c != '\n' && c != '\t' && !(c == '\r' && t[i + 1..].starts_with('\n'))
    };
    if !text.char_indices().any(|(i, c)| risky(i, c, &text)) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, c) in text.char_indices() {
        if !risky(i, c, &text) {
            out.push(c);
        } else if json {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    std::borrow::Cow::Owned(out.into_bytes())
}

/// Whether a whole output is one of our JSON documents (or JSON lines): it starts with `{` or
/// `[`, where every other format starts with a header, a heading or a tag.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}

/// A writer for stderr: everything written through it has control, bidi and zero-width
/// characters made visible (newlines and tabs kept), so a file or zip member name in a warning
/// or an error cannot drive the terminal (DESIGN.md §9).
pub struct TerminalSafe<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // `write!` hands over whole `str` pieces, so a chunk is valid UTF-8 unless the data
        // was not; lossy decoding then shows the bad bytes as U+FFFD.
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if is_invisible(c) && c != '\n' && c != '\t' {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            } else {
                out.push(c);
            }
        }
        self.0.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_for_a_terminal_shows_invisible_characters_and_json_stays_json() {
        let v = serde_json::json!({"app": "A\u{1b}[2J\u{9b}x\u{202e}y\u{200b}"});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let safe = terminal_bytes(text.as_bytes(), true);
        let shown = std::str::from_utf8(&safe).unwrap();
        assert!(
            !shown.chars().any(|c| is_invisible(c) && c != '\n'),
            "{shown:?}"
        );
        let back: serde_json::Value = serde_json::from_str(shown).unwrap();
        assert_eq!(back, v, "the same value, escaped");
        let csv = terminal_bytes(b"a,b\r\nx\x1b[31m,\xc2\x9b\r\n", false);
        assert_eq!(&*csv, "a,b\r\nx\\u{1b}[31m,\\u{9b}\r\n".as_bytes());
        assert!(matches!(
            terminal_bytes(b"plain\n", false),
            std::borrow::Cow::Borrowed(_)
        ));
        assert!(looks_like_json(b"  {\"a\":1}") && !looks_like_json(b"rule,kind"));
    }

    #[test]
    fn escapes_hostile_values() {
        assert_eq!(escape_md("a|b\nc<script>"), "a\\|b<br>c&lt;script&gt;");
        assert_eq!(
            escape_html("<img src=x onerror='1'>"),
            "&lt;img src=x onerror=&#39;1&#39;&gt;"
        );
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_cell("-5"), "-5");
        assert_eq!(csv_cell("@SUM(1)"), "'@SUM(1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("plain"), "plain");
        // Any Unicode space before it, and the small forms, as a spreadsheet folds them.
        assert_eq!(csv_cell("\u{3000}=1+1"), "'\u{3000}=1+1");
        assert_eq!(csv_cell("x;\u{3000}=1"), "'x;\u{3000}'=1");
        assert_eq!(csv_cell("\u{fe66}1"), "'\u{fe66}1");
        assert_eq!(csv_cell("a;\u{fe62}1"), "'a;'\u{fe62}1");
        // Semicolon locales split before they read quotes: every piece is neutralised.
        assert_eq!(
            csv_cell("Teams;=cmd|' /C calc'!A0;"),
            "'Teams;'=cmd|' /C calc'!A0;"
        );
        assert_eq!(csv_cell("  =cmd"), "'  =cmd");
        assert_eq!(csv_cell("\u{ff1d}1+1"), "'\u{ff1d}1+1");
        assert_eq!(csv_cell("x\t=1+1"), "'x\t'=1+1");
        assert_eq!(csv_cell("a; ; -b"), "'a; ; '-b");
        // A list without formulas is left as it is; numbers too.
        assert_eq!(
            csv_cell("alice@example.com; bob@example.com"),
            "alice@example.com; bob@example.com"
        );
        assert_eq!(csv_cell("-5"), "-5");
    }

    #[test]
    fn terminal_escaping_makes_invisible_characters_visible() {
        assert_eq!(escape_terminal("plain é"), "plain é");
        assert_eq!(escape_terminal("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(
            escape_terminal("\u{7f}\u{9b}\t\n"),
            "\\u{7f}\\u{9b}\\u{9}\\u{a}"
        );
        for c in [
            '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{200f}', '\u{feff}',
        ] {
            let s = format!("x{c}y");
            assert_eq!(escape_terminal(&s), format!("x\\u{{{:x}}}y", c as u32));
        }
        // Neighbours of the ranges are ordinary text.
        assert_eq!(
            escape_terminal("\u{2010}\u{2070}\u{a0}"),
            "\u{2010}\u{2070}\u{a0}"
        );
        // Markdown: the same characters visible, newlines still line breaks.
        assert_eq!(escape_md("a\u{202e}b\nc\u{1b}"), "a\\u{202e}b<br>c\\u{1b}");
    }

    #[test]
    fn counts_are_grammatical() {
        assert_eq!(count(1, "duplicate", "duplicates"), "1 duplicate");
        assert_eq!(count(0, "finding", "findings"), "0 findings");
        assert_eq!(count(15, "finding", "findings"), "15 findings");
    }

    #[test]
    fn text_style_honours_the_environment() {
        assert_eq!(
            TextStyle::resolve(None, true, false),
            TextStyle {
                width: 100,
                color: true
            }
        );
        assert!(
            !TextStyle::resolve(None, true, true).color,
            "NO_COLOR disables"
        );
        assert!(
            !TextStyle::resolve(None, false, false).color,
            "never on a pipe"
        );
        assert_eq!(TextStyle::resolve(Some("72"), false, false).width, 72);
        assert_eq!(TextStyle::resolve(Some("wide"), false, false).width, 100);
        assert_eq!(TextStyle::resolve(Some("0"), false, false).width, 100);
        assert_eq!(
            TextStyle::resolve(Some("5"), false, false).width,
            text::MIN_WIDTH
        );
    }
}
