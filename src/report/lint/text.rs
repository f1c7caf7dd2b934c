//! The terminal view of a lint report (`-f text`, and the default when stdout is a
//! terminal): the run in two lines, then each finding with its policy, evidence and fix,
//! wrapped to the terminal's width, then the notes. No Markdown syntax; ANSI colours only
//! when `TextStyle::color` allows them. Every value from a file goes through `visible`.

use super::{FindingOut, LintReport, visible};
use crate::report::TextStyle;

/// Column where a finding's fields start ("MEDIUM  CP012  " and the field labels).
const INDENT: usize = 10;

fn colour(on: bool, severity: &str, s: &str) -> String {
    if !on {
        return s.to_string();
    }
    let code = match severity {
        "critical" => "1;97;41",
        "high" => "1;31",
        "medium" => "33",
        "low" => "36",
        _ => "2",
    };
    format!("\u{1b}[{code}m{s}\u{1b}[0m")
}

/// Words of `text` in lines of at most `width` columns, the first starting at column
/// `first` and the rest indented by `indent` (returned without the indentation). A word
/// longer than a line gets a line of its own.
fn wrap(text: &str, width: usize, first: usize, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = first;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if !line.is_empty() && used + 1 + n > width {
            lines.push(std::mem::take(&mut line));
            used = indent;
        }
        if !line.is_empty() {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += n;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

struct Out {
    s: String,
    width: usize,
    color: bool,
}

impl Out {
    fn line(&mut self, l: &str) {
        self.s.push_str(l);
        self.s.push('\n');
    }

    /// `label` in the left column, `text` wrapped beside it.
    fn field(&mut self, label: &str, text: &str) {
        let pad = " ".repeat(INDENT);
        let at = INDENT + 8;
        for (i, l) in wrap(text, self.width, at, at).iter().enumerate() {
            if i == 0 {
                let head = format!("{pad}{label:<8}");
                self.line(&format!("{head}{l}"));
            } else {
                self.line(&format!("{pad}{}{l}", " ".repeat(8)));
            }
        }
    }

    /// A paragraph wrapped at `indent`.
    fn para(&mut self, indent: usize, first_prefix: &str, text: &str) {
        let pad = " ".repeat(indent);
        for (i, l) in wrap(text, self.width, indent, indent).iter().enumerate() {
            if i == 0 {
                self.line(&format!("{first_prefix}{l}"));
            } else {
                self.line(&format!("{pad}{l}"));
            }
        }
    }

    fn finding(&mut self, f: &FindingOut) {
        let sev = f.severity.to_ascii_uppercase();
        let head = format!("{sev:<8}  {}  ", f.rule);
        let painted = colour(self.color, f.severity, &format!("{sev:<8}"));
        let title = wrap(&visible(&f.title), self.width, head.chars().count(), INDENT);
        self.line(&format!(
            "{painted}  {}  {}",
            f.rule,
            title.first().map_or("", String::as_str)
        ));
        for l in title.iter().skip(1) {
            self.line(&format!("{}{l}", " ".repeat(INDENT)));
        }
        let fields = [
            (
                "Policy",
                f.policy
                    .as_ref()
                    .map(|p| format!("{} ({})", visible(&p.display_name), visible(&p.id))),
            ),
            ("Detail", Some(visible(&f.detail))),
            ("Fix", Some(visible(&f.remediation))),
            ("Source", Some(visible(f.source))),
        ];
        for (label, text) in fields {
            if let Some(t) = text {
                self.field(label, &t);
            }
        }
        self.line("");
    }
}

pub(super) fn render(rep: &LintReport, style: TextStyle) -> String {
    let mut o = Out {
        s: String::new(),
        width: style.width,
        color: style.color,
    };
    let p = &rep.policies;
    o.para(2, "", &format!("casift lint: {}", super::read_line(p)));
    let bg = &rep.break_glass;
    let ids = if bg.ids.is_empty() {
        "none".to_string()
    } else {
        visible(&bg.ids.join(", "))
    };
    o.para(
        2,
        "",
        &format!("Break-glass set: {ids} ({}).", visible(&bg.why)),
    );
    o.line("");
    if rep.findings.is_empty() {
        o.para(
            2,
            "",
            "No findings. This covers the rules casift checks offline (see the notes for what was skipped); it is not a proof that the tenant is well protected.",
        );
        o.line("");
    } else {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for f in &rep.findings {
            match counts.last_mut() {
                Some((s, n)) if *s == f.severity => *n += 1,
                _ => counts.push((f.severity, 1)),
            }
        }
        let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        o.line(&format!(
            "{}: {}.",
            crate::report::count(rep.findings.len() as u64, "finding", "findings"),
            summary.join(", ")
        ));
        o.line("");
        for f in &rep.findings {
            o.finding(f);
        }
    }
    if !rep.notes.is_empty() {
        o.line("Notes");
        for n in &rep.notes {
            o.para(4, "  - ", &visible(n));
        }
    }
    o.s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_with_a_hanging_indent() {
        assert_eq!(
            wrap("one two three four five", 14, 4, 4),
            ["one two", "three four", "five"]
        );
        assert_eq!(wrap("", 20, 0, 0), [""]);
        assert_eq!(
            wrap("averyveryverylongword x", 10, 0, 2),
            ["averyveryverylongword", "x"]
        );
    }
}
