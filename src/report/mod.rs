//! Report writers, one pure function per format over a finished `Analysis`, plus the shared
//! output-boundary helpers: escaping (Markdown, HTML, CSV formula neutralisation) and
//! redaction. Must not filter, evaluate, read the clock or iterate a `HashMap` for output.

pub mod csv;
pub mod explain;
pub mod html;
pub mod json;
pub mod lint;
pub mod lookup;
pub mod markdown;
pub mod records;
pub mod redact;

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
}

impl ReportFormat {
    /// The format implied by an output file's extension.
    pub fn from_extension(ext: &str) -> Option<ReportFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            "csv" => Some(ReportFormat::Csv),
            "html" | "htm" => Some(ReportFormat::Html),
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

#[derive(Debug, Clone, PartialEq)]
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
    }
}

/// RFC 3339 in UTC with a `Z`, whole seconds unless the log had fractions.
pub fn timestamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
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
            c if c.is_control() => out.push(' '),
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
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell safe to open in a spreadsheet: a leading `= + - @`, tab or CR is prefixed with
/// `'` unless the cell is a plain number.
pub fn csv_cell(s: &str) -> String {
    let risky = s
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
