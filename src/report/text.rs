//! The terminal view (`-f text`, and `analyze`'s default when stdout is a terminal and no
//! `-o` is given): a concise, wrapped plain-text report — the run in one sentence, "Blocked
//! sign-ins at a glance", then the findings with their fixes, then the notes. No Markdown
//! syntax, no HTML entities; ANSI colours only when `TextStyle::color` allows them. Every log
//! value goes through `escape_terminal`.

mod wrap;

use std::io::Write;

use super::json::{FindingOut, Report, build};
use super::{Redactor, RunMeta, TextStyle, count, escape_terminal as esc, glance};
use crate::analysis::Analysis;
use crate::error::Result;
use wrap::{Style, paint, wrap};

pub const DEFAULT_WIDTH: usize = 100;
pub const MIN_WIDTH: usize = 40;
pub const MAX_WIDTH: usize = 200;

/// Findings printed in full; the rest are counted (the other formats have them all).
const TOP_FINDINGS: usize = 15;
/// Causes shown: at most this many, and only as many whole blocks as fit in
/// `GLANCE_LINES` (at least one), so the block fits on a screen with each change in full.
const TOP_CAUSES: usize = 8;
const GLANCE_LINES: usize = 40;
/// Users and IPs named per finding before "and N more".
const NAMES: usize = 3;

pub fn write(
    a: &Analysis,
    meta: &RunMeta,
    r: &Redactor,
    style: TextStyle,
    w: &mut dyn Write,
) -> Result<()> {
    let rep = build(a, meta, r);
    w.write_all(render(&rep, style).as_bytes())?;
    Ok(())
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

    fn paint(&self, style: Style, s: &str) -> String {
        paint(self.color, style, s)
    }

    /// `label` then `text` wrapped under it with a hanging indent of `indent` columns.
    fn field(&mut self, indent: usize, label: &str, text: &str) {
        let head = format!("{label:indent$}");
        let lines = wrap(text, self.width, indent, indent);
        let first = lines.first().cloned().unwrap_or_default();
        let l = format!("{}{first}", self.paint(Style::Dim, &head));
        self.line(l.trim_end());
        for l in lines.iter().skip(1) {
            self.line(l);
        }
    }

    /// A paragraph wrapped at the width, every line indented by `indent`.
    fn para(&mut self, indent: usize, text: &str) {
        let pad = " ".repeat(indent);
        for (i, l) in wrap(text, self.width, indent, indent).iter().enumerate() {
            if i == 0 {
                self.line(&format!("{pad}{l}"));
            } else {
                self.line(l);
            }
        }
    }

    fn heading(&mut self, title: &str, aside: Option<String>) {
        let upper = title.to_uppercase();
        let t = self.paint(Style::Bold, &upper);
        match aside {
            Some(a) if upper.len() + a.len() + 4 <= self.width => {
                self.line(&format!("{t}  ({a})"));
            }
            Some(a) => {
                self.line(&t);
                self.para(2, &format!("({a})"));
            }
            None => self.line(&t),
        }
    }
}

pub fn render(rep: &Report<'_>, style: TextStyle) -> String {
    let mut o = Out {
        s: String::new(),
        width: style.width.clamp(MIN_WIDTH, MAX_WIDTH),
        color: style.color,
    };
    let t = &rep.totals;
    let title = o.paint(Style::Bold, "casift: Conditional Access report");
    o.line(&title);
    o.para(
        0,
        &format!(
            "{} matched of {} read ({} skipped, {}): {}, {} blocked by Conditional Access, {}. {}.",
            count(t.records_matched, "sign-in", "sign-ins"),
            t.records_read,
            t.records_skipped,
            count(t.duplicates, "duplicate", "duplicates"),
            count(t.failures, "failure", "failures"),
            t.ca_failures,
            count(t.interrupted, "interrupted", "interrupted"),
            count(rep.findings_total, "finding", "findings"),
        ),
    );
    o.line("");
    causes(&mut o, rep);
    findings(&mut o, rep);
    notes(&mut o, rep);
    o.s
}

fn causes(o: &mut Out, rep: &Report<'_>) {
    let all = glance::rows(rep);
    if all.is_empty() {
        o.heading(glance::TITLE, None);
        o.para(2, glance::empty(rep));
        o.line("");
        return;
    }
    let mut blocks: Vec<String> = Vec::new();
    let mut used = 0;
    for (i, c) in all.iter().take(TOP_CAUSES).enumerate() {
        let b = cause_block(o, i, c, glance::finding_of(rep, c));
        let n = b.lines().count();
        if !blocks.is_empty() && used + n > GLANCE_LINES {
            break;
        }
        used += n;
        blocks.push(b);
    }
    o.heading(glance::TITLE, glance::shown_of(rep, blocks.len()));
    for b in &blocks {
        o.s.push_str(b);
    }
    let total = rep.causes_total.max(all.len() as u64);
    let rest = total.saturating_sub(blocks.len() as u64);
    if rest > 0 {
        o.para(
            4,
            &format!(
                "The other {}: -f markdown, -f html -o report.html or -f json.",
                count(rest, "cause", "causes")
            ),
        );
    }
    o.line("");
}

/// One cause: who, app, policy, count and rules, then the cause and the change in full.
fn cause_block(o: &Out, i: usize, c: &super::json::CauseOut, finding: Option<usize>) -> String {
    let mut b = Out {
        s: String::new(),
        width: o.width,
        color: o.color,
    };
    let n = format!("{:>2}. ", i + 1);
    let head = format!(
        "{} ({}) · {} · {} · {} · {}",
        esc(glance::who(c)),
        glance::principal_kind(c),
        esc(glance::app(c)),
        esc(glance::policy(c)),
        count(c.count, "sign-in", "sign-ins"),
        c.rules.join(", ")
    );
    let lines = wrap(&head, b.width, n.len(), n.len());
    let first = format!("{n}{}", b.paint(Style::Bold, &lines[0]));
    b.line(&first);
    for l in lines.iter().skip(1) {
        b.line(l);
    }
    let pad = |l: &str| format!("{:w$}{l}", "", w = n.len());
    if !c.cause.is_empty() {
        b.field(n.len() + 8, &pad("Cause:  "), &esc(&c.cause));
    }
    let change = glance::change(c);
    if !change.is_empty() {
        let full = match finding {
            Some(f) if f < TOP_FINDINGS && change != c.fix_text => {
                format!(" (the full fix: finding {})", f + 1)
            }
            _ => String::new(),
        };
        b.field(
            n.len() + 8,
            &pad("Change: "),
            &format!("{}{full}", esc(change)),
        );
    }
    b.s
}

fn names(v: &[String], total: u64) -> String {
    let shown: Vec<String> = v.iter().take(NAMES).map(|s| esc(s).into_owned()).collect();
    let more = total.saturating_sub(shown.len() as u64);
    let mut s = shown.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    if s.is_empty() {
        s.push_str("none recorded");
    }
    s
}

fn severity(o: &Out, f: &FindingOut) -> String {
    let label = f.severity.to_uppercase();
    let st = match f.severity {
        "high" | "critical" => Style::Red,
        "medium" => Style::Yellow,
        _ => Style::Blue,
    };
    o.paint(st, &format!("{label:<6}"))
}

fn findings(o: &mut Out, rep: &Report<'_>) {
    let total = rep.findings_total;
    let aside = (total > TOP_FINDINGS as u64)
        .then(|| format!("{TOP_FINDINGS} of {total}, most severe first"));
    o.heading("Findings", aside);
    if total == 0 {
        o.para(2, "No findings in the matched sign-ins.");
        o.line("");
        return;
    }
    for (i, f) in rep.findings.iter().take(TOP_FINDINGS).enumerate() {
        let n = format!("{:>2}. ", i + 1);
        let title = format!("{} ({})", f.title, count(f.count, "sign-in", "sign-ins"));
        let prefix = n.len() + 7 + f.rule.len() + 1;
        let lines = wrap(&title, o.width, prefix, n.len() + 8);
        let head = format!(
            "{n}{} {} {}",
            severity(o, f),
            o.paint(Style::Bold, f.rule),
            lines[0]
        );
        o.line(&head);
        for l in lines.iter().skip(1) {
            o.line(l);
        }
        let ind = n.len() + 8;
        let pad = |l: &str| format!("{:w$}{l}", "", w = n.len());
        if let Some(p) = &f.policy {
            let name = if p.display_name.is_empty() {
                &p.id
            } else {
                &p.display_name
            };
            o.field(ind, &pad("Policy: "), &esc(name));
        }
        let app = if f.app.display_name.is_empty() {
            &f.app.id
        } else {
            &f.app.display_name
        };
        o.field(ind, &pad("App:    "), &esc(app));
        o.field(ind, &pad("Users:  "), &names(&f.users, f.users_total));
        o.field(ind, &pad("IPs:    "), &names(&f.ips, f.ips_total));
        if !f.suggested_cidrs.is_empty() {
            let cidrs: Vec<String> = f
                .suggested_cidrs
                .iter()
                .map(|c| esc(c).into_owned())
                .collect();
            o.field(ind, &pad("CIDRs:  "), &cidrs.join(", "));
        }
        o.field(ind, &pad("Fix:    "), &esc(&f.remediation));
        if let Some(g) = f.fix.as_ref().and_then(|x| x.graph_request.as_ref()) {
            // The body is long: the terminal names the request, -f json and -f markdown
            // carry it whole.
            o.field(
                ind,
                &pad("Graph:  "),
                &esc(&format!(
                    "{} {} (the full request body: -f json or -f markdown; casift never sends it)",
                    g.method, g.path
                )),
            );
        }
    }
    if total > TOP_FINDINGS as u64 {
        o.para(
            2,
            &format!(
                "And {} more. Every finding, with its evidence and statistics: -f markdown, -f html -o report.html or -f json.",
                count(total - TOP_FINDINGS as u64, "finding", "findings")
            ),
        );
    }
    o.line("");
}

fn notes(o: &mut Out, rep: &Report<'_>) {
    let notes: Vec<String> = super::all_notes(rep)
        .iter()
        .map(|n| esc(n).into_owned())
        .collect();
    if !rep.skipped.is_empty() {
        o.heading("Skipped records", None);
        o.para(
            2,
            &format!(
                "{} could not be analysed; -f markdown or -f json lists each with its reason (first: {} record {} line {}: {}).",
                count(rep.skipped.len() as u64, "record", "records"),
                esc(&rep.skipped[0].path),
                rep.skipped[0].record,
                rep.skipped[0].line,
                esc(&rep.skipped[0].reason)
            ),
        );
        o.line("");
    }
    if notes.is_empty() {
        return;
    }
    o.heading("Notes", None);
    for n in &notes {
        let lines = wrap(n, o.width, 4, 4);
        o.line(&format!("  - {}", lines[0]));
        for l in lines.iter().skip(1) {
            o.line(l);
        }
    }
}

#[cfg(test)]
#[path = "text/tests.rs"]
mod tests;
