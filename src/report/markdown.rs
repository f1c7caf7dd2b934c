//! The Markdown report for people and tickets: findings first (severity, then count), each
//! with its remediation, then inputs, totals, statistics tables, skipped records and notes.
//! Every log value goes through `escape_md`.

use std::io::Write;

use super::json::{Report, build};
use super::{Redactor, RunMeta, escape_md};
use crate::analysis::Analysis;
use crate::error::Result;

/// How many rows the statistics tables show (the JSON report has them all).
const TOP: usize = 20;

pub fn write(a: &Analysis, meta: &RunMeta, r: &Redactor, w: &mut dyn Write) -> Result<()> {
    let rep = build(a, meta, r);
    let mut o = String::new();
    render(&rep, &mut o);
    w.write_all(o.as_bytes())?;
    Ok(())
}

fn line(o: &mut String, s: &str) {
    o.push_str(s);
    o.push('\n');
}

fn render(rep: &Report<'_>, o: &mut String) {
    let t = &rep.totals;
    line(o, "# casift report");
    line(o, "");
    line(
        o,
        &format!(
            "{} sign-ins matched of {} read ({} skipped, {} duplicates): {} failures, {} blocked by Conditional Access, {} interrupted. {} finding(s).",
            t.records_matched,
            t.records_read,
            t.records_skipped,
            t.duplicates,
            t.failures,
            t.ca_failures,
            t.interrupted,
            rep.findings.len()
        ),
    );
    line(o, "");
    line(o, "## Findings");
    line(o, "");
    if rep.findings.is_empty() {
        line(o, "No findings.");
        line(o, "");
    }
    for (i, f) in rep.findings.iter().enumerate() {
        line(
            o,
            &format!(
                "### {}. [{}] {} — {}",
                i + 1,
                f.severity.to_uppercase(),
                f.rule,
                escape_md(f.title)
            ),
        );
        line(o, "");
        let policy = f.policy.as_ref().map_or_else(
            || "(none identified)".to_string(),
            |p| format!("{} (`{}`)", escape_md(&p.display_name), escape_md(&p.id)),
        );
        let app = if f.app.display_name.is_empty() {
            escape_md(&f.app.id)
        } else {
            format!(
                "{} (`{}`)",
                escape_md(&f.app.display_name),
                escape_md(&f.app.id)
            )
        };
        line(o, "| | |");
        line(o, "|---|---|");
        line(o, &format!("| Policy | {policy} |"));
        line(o, &format!("| App | {app} |"));
        line(o, &format!("| Sign-ins | {} |", f.count));
        line(o, &format!("| Users | {} |", list(&f.users)));
        line(o, &format!("| IPs | {} |", list(&f.ips)));
        let codes: Vec<String> = f.error_codes.iter().map(ToString::to_string).collect();
        line(o, &format!("| Error codes | {} |", codes.join(", ")));
        line(o, &format!("| First seen | {} |", f.first_seen));
        line(o, &format!("| Last seen | {} |", f.last_seen));
        line(o, &format!("| Examples | {} |", list(&f.examples)));
        if !f.suggested_cidrs.is_empty() {
            line(
                o,
                &format!("| CIDRs to add | {} |", list(&f.suggested_cidrs)),
            );
        }
        line(o, "");
        line(o, &format!("**Fix:** {}", escape_md(&f.remediation)));
        line(o, "");
        if !f.evidence.is_empty() {
            line(o, "Evidence:");
            for e in &f.evidence {
                line(o, &format!("- {}", escape_md(e)));
            }
            line(o, "");
        }
    }

    line(o, "## Inputs");
    line(o, "");
    line(
        o,
        "| File | Format | Records | Analysed | Skipped | Duplicates |",
    );
    line(o, "|---|---|---:|---:|---:|---:|");
    for i in &rep.inputs {
        line(
            o,
            &format!(
                "| {} | {} | {} | {} | {} | {} |",
                escape_md(&i.path),
                i.format_label,
                i.records,
                i.analysed,
                i.skipped,
                i.duplicates
            ),
        );
    }
    line(o, "");
    line(
        o,
        &format!(
            "Accounting: {} read = {} analysed + {} duplicates + {} skipped.",
            t.records_read, t.records_kept, t.duplicates, t.records_skipped
        ),
    );
    line(o, "");

    let s = &rep.summary;
    line(o, "## Policies");
    line(o, "");
    if s.by_policy.is_empty() {
        line(o, "No per-policy results in the matched sign-ins.");
    } else {
        line(o, "| Policy | Evaluations | Results |");
        line(o, "|---|---:|---|");
        for p in s.by_policy.iter().take(TOP) {
            let results: Vec<String> = p.results.iter().map(|(k, v)| format!("{k} {v}")).collect();
            line(
                o,
                &format!(
                    "| {} | {} | {} |",
                    escape_md(&p.display_name),
                    p.evaluations,
                    escape_md(&results.join(", "))
                ),
            );
        }
    }
    line(o, "");
    line(o, "## Error codes");
    line(o, "");
    line(o, "| Code | Name | Sign-ins |");
    line(o, "|---:|---|---:|");
    for c in s.by_error_code.iter().take(TOP) {
        line(o, &format!("| {} | {} | {} |", c.code, c.name, c.count));
    }
    line(o, "");
    table(
        o,
        "Users",
        "User",
        s.by_user.iter().map(|u| (u.user.clone(), u.tally)),
    );
    table(
        o,
        "Apps",
        "App",
        s.by_app.iter().map(|a| {
            let name = if a.display_name.is_empty() {
                a.id.clone()
            } else {
                a.display_name.clone()
            };
            (name, a.tally)
        }),
    );
    line(o, "## IP addresses");
    line(o, "");
    line(
        o,
        "| IP | Sign-ins | Failures | CA failures | Named locations | Trusted |",
    );
    line(o, "|---|---:|---:|---:|---|---|");
    for ip in s.by_ip.iter().take(TOP) {
        let trusted = match ip.trusted {
            Some(true) => "yes",
            Some(false) => "no",
            None => "n/a",
        };
        line(
            o,
            &format!(
                "| {} | {} | {} | {} | {} | {} |",
                escape_md(&ip.ip),
                ip.tally.signins,
                ip.tally.failures,
                ip.tally.ca_failures,
                escape_md(&ip.locations.join(", ")),
                trusted
            ),
        );
    }
    line(o, "");
    line(
        o,
        &format!(
            "Interrupted flows that never reached success (abandoned): {}.",
            s.abandoned_flows
        ),
    );
    line(o, "");
    if !rep.skipped.is_empty() {
        line(o, "## Skipped records");
        line(o, "");
        line(o, "| File | Record | Line | Reason |");
        line(o, "|---|---:|---:|---|");
        for k in &rep.skipped {
            line(
                o,
                &format!(
                    "| {} | {} | {} | {} |",
                    escape_md(&k.path),
                    k.record,
                    k.line,
                    escape_md(&k.reason)
                ),
            );
        }
        line(o, "");
    }
    if !rep.notes.is_empty() {
        line(o, "## Notes");
        line(o, "");
        for n in &rep.notes {
            line(o, &format!("- {}", escape_md(n)));
        }
        line(o, "");
    }
}

fn list(v: &[String]) -> String {
    const MAX: usize = 10;
    let shown: Vec<String> = v.iter().take(MAX).map(|s| escape_md(s)).collect();
    let mut s = shown.join(", ");
    if v.len() > MAX {
        s.push_str(&format!(" and {} more", v.len() - MAX));
    }
    s
}

fn table(
    o: &mut String,
    title: &str,
    col: &str,
    rows: impl Iterator<Item = (String, super::json::TallyOut)>,
) {
    line(o, &format!("## {title}"));
    line(o, "");
    line(
        o,
        &format!("| {col} | Sign-ins | Failures | Interrupted | CA failures |"),
    );
    line(o, "|---|---:|---:|---:|---:|");
    for (name, t) in rows.take(TOP) {
        line(
            o,
            &format!(
                "| {} | {} | {} | {} | {} |",
                escape_md(&name),
                t.signins,
                t.failures,
                t.interrupted,
                t.ca_failures
            ),
        );
    }
    line(o, "");
}
