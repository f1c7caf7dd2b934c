//! The Markdown report for people, tickets and pipes: the run in one sentence, "Blocked
//! sign-ins at a glance" (the causes table), then the findings (severity, then count), each
//! with its remediation, then inputs, totals, statistics tables ("N of M" wherever cut),
//! skipped records and notes. Every log value goes through `escape_md`.

use std::io::Write;

use super::json::{Report, build};
use super::{Redactor, RunMeta, count, escape_md, glance};
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
            "{} matched of {} read ({} skipped, {}): {}, {} blocked by Conditional Access, {} interrupted. {}.",
            count(t.records_matched, "sign-in", "sign-ins"),
            t.records_read,
            t.records_skipped,
            count(t.duplicates, "duplicate", "duplicates"),
            count(t.failures, "failure", "failures"),
            t.ca_failures,
            t.interrupted,
            count(rep.findings_total, "finding", "findings")
        ),
    );
    line(o, "");
    causes(rep, o);
    line(o, "## Findings");
    line(o, "");
    if rep.findings.is_empty() {
        line(o, "No findings.");
        line(o, "");
    }
    if rep.findings_total > rep.findings.len() as u64 {
        line(
            o,
            &format!(
                "The {} most severe of {} findings are listed; the JSON report has the same cut.",
                rep.findings.len(),
                rep.findings_total
            ),
        );
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
        line(o, &format!("| Users | {} |", list(&f.users, f.users_total)));
        line(o, &format!("| IPs | {} |", list(&f.ips, f.ips_total)));
        let codes: Vec<String> = f.error_codes.iter().map(ToString::to_string).collect();
        line(o, &format!("| Error codes | {} |", codes.join(", ")));
        line(o, &format!("| First seen | {} |", f.first_seen));
        line(o, &format!("| Last seen | {} |", f.last_seen));
        line(
            o,
            &format!(
                "| Examples | {} |",
                list(&f.examples, f.examples.len() as u64)
            ),
        );
        if !f.suggested_cidrs.is_empty() {
            let n = f.suggested_cidrs.len() as u64;
            line(
                o,
                &format!("| CIDRs to add | {} |", list(&f.suggested_cidrs, n)),
            );
        }
        line(o, "");
        line(o, &format!("**Fix:** {}", escape_md(&f.remediation)));
        line(o, "");
        if let Some(g) = f.fix.as_ref().and_then(|x| x.graph_request.as_ref()) {
            line(
                o,
                &format!(
                    "**Graph request** (for an administrator to send; casift never sends it): `{} {}`",
                    g.method,
                    escape_md(&g.path).replace('`', "")
                ),
            );
            line(o, "");
            // A backtick inside a JSON string is written as \u0060, so no value can close
            // the fence.
            let body = serde_json::to_string_pretty(&g.body)
                .unwrap_or_default()
                .replace('`', "\\u0060");
            line(o, "```json");
            line(o, &body);
            line(o, "```");
            line(o, "");
        }
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
            "Accounting: {} read = {} analysed + {} + {} skipped.",
            t.records_read,
            t.records_kept,
            count(t.duplicates, "duplicate", "duplicates"),
            t.records_skipped
        ),
    );
    line(o, "");

    let s = &rep.summary;
    line(o, "## Policies");
    line(o, "");
    if s.by_policy.is_empty() {
        line(o, "No per-policy results in the matched sign-ins.");
    } else {
        let n = s.by_policy.len();
        cut_note(o, (n, n as u64), "policies", "most failures first");
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
    let n = s.by_error_code.len();
    cut_note(o, (n, n as u64), "error codes", "most sign-ins first");
    line(o, "| Code | Name | Sign-ins |");
    line(o, "|---:|---|---:|");
    for c in s.by_error_code.iter().take(TOP) {
        line(o, &format!("| {} | {} | {} |", c.code, c.name, c.count));
    }
    line(o, "");
    table(
        o,
        ("Users", "User", "users"),
        s.by_user_total,
        s.by_user.iter().map(|u| (u.user.clone(), u.tally)),
    );
    table(
        o,
        ("Apps", "App", "apps"),
        s.by_app_total,
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
    cut_note(o, (s.by_ip.len(), s.by_ip_total), "addresses", RANKED);
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
                escape_md(&more(
                    ip.locations.join(", "),
                    ip.locations.len(),
                    ip.locations_total
                )),
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
    let notes: Vec<String> = super::all_notes(rep).iter().map(|n| escape_md(n)).collect();
    if !notes.is_empty() {
        line(o, "## Notes");
        line(o, "");
        for n in &notes {
            line(o, &format!("- {n}"));
        }
        line(o, "");
    }
}

/// "Blocked sign-ins at a glance": one row per cause, before any detail.
fn causes(rep: &Report<'_>, o: &mut String) {
    line(o, &format!("## {}", glance::TITLE));
    line(o, "");
    let rows = glance::rows(rep);
    if rows.is_empty() {
        line(o, glance::empty(rep));
        line(o, "");
        return;
    }
    if let Some(n) = glance::shown_of(rep, rows.len()) {
        line(o, &format!("Showing {n}; the JSON report has the rest."));
        line(o, "");
    }
    line(
        o,
        "| # | Who | App | Policy | Rules | Sign-ins | Cause | The change |",
    );
    line(o, "|---:|---|---|---|---|---:|---|---|");
    for (i, c) in rows.iter().enumerate() {
        line(
            o,
            &format!(
                "| {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
                i + 1,
                escape_md(glance::who(c)),
                glance::principal_kind(c),
                escape_md(glance::app(c)),
                escape_md(glance::policy(c)),
                c.rules.join(", "),
                c.count,
                escape_md(&c.cause),
                full_fix(rep, c)
            ),
        );
    }
    line(o, "");
}

const RANKED: &str = "ranked by Conditional Access failures, then failures, then sign-ins";

/// A cause's short change, with the finding that has the full fix.
fn full_fix(rep: &Report<'_>, c: &super::json::CauseOut) -> String {
    let change = glance::change(c);
    match glance::finding_of(rep, c) {
        Some(i) if change != c.fix_text => format!("{} (finding {})", escape_md(change), i + 1),
        _ => escape_md(change),
    }
}

/// "Showing 20 of 57 users, <order>; ..." above a table that is cut: `rows` is what the JSON
/// report holds (itself cut at 1000 for users, apps and IPs), `total` how many there were.
fn cut_note(o: &mut String, (rows, total): (usize, u64), what: &str, by: &str) {
    let shown = rows.min(TOP) as u64;
    if total > shown {
        line(
            o,
            &format!(
                "Showing {shown} of {total} {what}, {by}; {}.",
                super::json_has(rows, total)
            ),
        );
        line(o, "");
    }
}

/// A joined list with "and N more" when `total` exceeds the `shown` values.
fn more(joined: String, shown: usize, total: u64) -> String {
    let rest = total.saturating_sub(shown as u64);
    if rest == 0 {
        joined
    } else {
        format!("{joined} and {rest} more")
    }
}

/// Up to ten values, then "and N more" counting up to `total` (the values before the cut).
fn list(v: &[String], total: u64) -> String {
    const MAX: usize = 10;
    let shown: Vec<String> = v.iter().take(MAX).map(|s| escape_md(s)).collect();
    let n = shown.len();
    more(shown.join(", "), n, total.max(v.len() as u64))
}

fn table(
    o: &mut String,
    (title, col, what): (&str, &str, &str),
    total: u64,
    rows: impl ExactSizeIterator<Item = (String, super::json::TallyOut)>,
) {
    line(o, &format!("## {title}"));
    line(o, "");
    cut_note(o, (rows.len(), total), what, RANKED);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::analysis;

    fn md(causes: usize, total: u64) -> String {
        let mut out = Vec::new();
        write(
            &analysis(causes, total),
            &RunMeta::default(),
            &Redactor::off(),
            &mut out,
        )
        .expect("render");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn opens_with_the_causes_table() {
        let m = md(30, 57);
        let glance = m.find("## Blocked sign-ins at a glance").expect("glance");
        let findings = m.find("## Findings").expect("findings");
        assert!(glance < findings);
        assert!(
            m.contains("Showing 10 of 57 causes: each policy's largest first, then most sign-ins")
        );
        let rows = m[glance..findings]
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| #"))
            .count();
        assert_eq!(rows, 10);
        // Short enough to read before the detail.
        assert!(m[..findings].lines().count() < 25);
        assert!(m.contains(
            "| 2 | svc-01@example.com (service principal) | Azure DevOps | Block DevOps outside corporate network | IP001, CA001 | 999 |"
        ));
    }

    #[test]
    fn blocked_users_come_first_and_cuts_are_counted() {
        let m = md(1, 1);
        let users = &m[m.find("## Users").expect("users")..];
        assert!(users.contains("Showing 20 of 60 users, ranked by Conditional Access failures"));
        let first: Vec<&str> = users
            .lines()
            .filter(|l| l.starts_with("| user"))
            .take(5)
            .collect();
        // The five blocked users (3 sign-ins each) before the 55 busy ones.
        for l in &first {
            assert!(
                l.ends_with("| 3 | 3 | 0 | 3 |") || l.ends_with("| 3 | 3 | 0 | 2 |"),
                "{l}"
            );
        }
        assert!(first[0].contains("user055"), "{}", first[0]);
        assert!(m.contains("user000@example.com, user001@example.com"));
        assert!(m.contains("and 140 more"), "150 users, 10 shown");
        assert!(m.contains("Location 09 and 4 more"));
    }

    #[test]
    fn input_notes_are_listed_once() {
        let mut a = analysis(1, 1);
        a.inputs[0].notes = vec!["decoded from UTF-16 LE".into(), "renamed CSV".into()];
        a.notes
            .push("exports/big.json: decoded from UTF-16 LE".into());
        let mut out = Vec::new();
        write(&a, &RunMeta::default(), &Redactor::off(), &mut out).expect("render");
        let m = String::from_utf8(out).expect("UTF-8");
        assert_eq!(m.matches("decoded from UTF-16 LE").count(), 1, "{m}");
        assert!(m.contains("- exports/big.json: renamed CSV"));
    }

    #[test]
    fn grammar_and_escaping() {
        let m = md(1, 1);
        assert!(m.contains("69999 sign-ins matched of 70000 read (0 skipped, 1 duplicate)"));
        assert!(m.contains("3 findings."));
        assert!(!m.contains("(s)"));
        assert!(
            m.contains("evil\\u{1b}\\[2J\\u{202e}gnp.exe\\u{200b}\\|&lt;b&gt;&amp;amp;&lt;/b&gt;")
        );
        assert!(!m.contains('\u{1b}') && !m.contains('\u{202e}') && !m.contains('\u{200b}'));
    }
}
