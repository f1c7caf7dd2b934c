//! The statistics and accounting tables of the HTML report: policies, error codes, users,
//! apps and IPs, each with a sentence saying its order and "N of M" when it is cut (plain
//! headers: the page has no script, so nothing pretends to sort), then inputs with the
//! accounting line, skipped records and notes.

use std::fmt::Write as _;

use super::TOP_ROWS;
use crate::report::escape_html as esc;
use crate::report::json::{Report, TallyOut};

fn th(label: &str, class: &str) -> String {
    if class.is_empty() {
        format!("<th>{label}</th>")
    } else {
        format!("<th class=\"{class}\">{label}</th>")
    }
}

/// The order of a table, and "N of M" when it is cut (`total` counts the rows before the
/// JSON report's own cut).
fn order(o: &mut String, rows: usize, total: u64, what: &str, by: &str) {
    let shown = rows.min(TOP_ROWS) as u64;
    if total > shown {
        let _ = writeln!(
            o,
            "<p class=\"note\">{shown} of {total} {what}, {by}; {}.</p>",
            crate::report::json_has(rows, total)
        );
    } else {
        let _ = writeln!(o, "<p class=\"note\">{} {by}.</p>", capital(what));
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

const RANKED: &str = "ranked by Conditional Access failures, then failures, then sign-ins";

fn tally_cells(t: &TallyOut) -> String {
    format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        t.signins, t.failures, t.interrupted, t.ca_failures
    )
}

fn tally_head(first: &str, extra: &str) -> String {
    format!(
        "<table><thead><tr>{}{extra}{}{}{}{}</tr></thead><tbody>\n",
        th(first, ""),
        th("Sign-ins", "n"),
        th("Failures", "n"),
        th("Interrupted", "n"),
        th("CA failures", "n")
    )
}

pub(super) fn tables(o: &mut String, rep: &Report<'_>) {
    let s = &rep.summary;
    o.push_str("<h2 id=\"policies\">Policies</h2>\n");
    if s.by_policy.is_empty() {
        o.push_str("<p>No per-policy results in the matched sign-ins.</p>\n");
    } else {
        let n = s.by_policy.len();
        order(o, n, n as u64, "policies", "most failures first");
        let _ = writeln!(
            o,
            "<table><thead><tr>{}{}{}{}{}</tr></thead><tbody>",
            th("Policy", ""),
            th("ID", ""),
            th("Failures", "n"),
            th("Evaluations", "n"),
            th("Results", "")
        );
        for p in s.by_policy.iter().take(TOP_ROWS) {
            let f = p
                .results
                .get("failure")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            let results: Vec<String> = p.results.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{f}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&p.display_name),
                esc(&p.id),
                p.evaluations,
                esc(&results.join(", "))
            );
        }
        o.push_str("</tbody></table>\n");
    }

    o.push_str("<h2 id=\"error-codes\">Error codes</h2>\n");
    let n = s.by_error_code.len();
    order(o, n, n as u64, "error codes", "most sign-ins first");
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}</tr></thead><tbody>",
        th("Code", "n"),
        th("Name", ""),
        th("Category", ""),
        th("Sign-ins", "n")
    );
    for c in s.by_error_code.iter().take(TOP_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td class=\"n\"><code>{}</code></td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            c.code,
            esc(c.name),
            esc(c.category),
            c.count
        );
    }
    o.push_str("</tbody></table>\n");

    o.push_str("<h2 id=\"users\">Users</h2>\n");
    order(o, s.by_user.len(), s.by_user_total, "users", RANKED);
    o.push_str(&tally_head("User", ""));
    for u in s.by_user.iter().take(TOP_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td>{}</td>{}</tr>",
            esc(&u.user),
            tally_cells(&u.tally)
        );
    }
    o.push_str("</tbody></table>\n");

    o.push_str("<h2 id=\"apps\">Apps</h2>\n");
    order(o, s.by_app.len(), s.by_app_total, "apps", RANKED);
    o.push_str(&tally_head("App", &th("App ID", "")));
    for x in s.by_app.iter().take(TOP_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td>{}</tr>",
            esc(&x.display_name),
            esc(&x.id),
            tally_cells(&x.tally)
        );
    }
    o.push_str("</tbody></table>\n");

    o.push_str("<h2 id=\"ips\">IP addresses</h2>\n");
    order(o, s.by_ip.len(), s.by_ip_total, "addresses", RANKED);
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}{}{}{}</tr></thead><tbody>",
        th("IP", ""),
        th("Sign-ins", "n"),
        th("Failures", "n"),
        th("Interrupted", "n"),
        th("CA failures", "n"),
        th("Named locations", ""),
        th("Trusted", "")
    );
    for x in s.by_ip.iter().take(TOP_ROWS) {
        let trusted = match x.trusted {
            Some(true) => "<span class=\"yes\">yes</span>",
            Some(false) => "<span class=\"no\">no</span>",
            None => "<span class=\"more\">n/a</span>",
        };
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td>{}<td>{}</td><td>{trusted}</td></tr>",
            esc(&x.ip),
            tally_cells(&x.tally),
            esc(&locations(&x.locations, x.locations_total))
        );
    }
    o.push_str("</tbody></table>\n");
    let _ = writeln!(
        o,
        "<p class=\"note\">Interrupted flows that never reached success (abandoned): {}.</p>",
        s.abandoned_flows
    );
}

fn locations(l: &[String], total: u64) -> String {
    let rest = total.saturating_sub(l.len() as u64);
    if rest > 0 {
        format!("{} and {rest} more", l.join(", "))
    } else {
        l.join(", ")
    }
}

pub(super) fn inputs(o: &mut String, rep: &Report<'_>) {
    let t = &rep.totals;
    o.push_str("<h2 id=\"inputs\">Inputs</h2>\n");
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}{}{}</tr></thead><tbody>",
        th("File", ""),
        th("Format", ""),
        th("Records", "n"),
        th("Analysed", "n"),
        th("Skipped", "n"),
        th("Duplicates", "n")
    );
    for i in &rep.inputs {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&i.path),
            esc(i.format_label),
            i.records,
            i.analysed,
            i.skipped,
            i.duplicates
        );
    }
    o.push_str("</tbody></table>\n");
    let _ = writeln!(
        o,
        "<p class=\"accounting\">Accounting: <strong>{}</strong> read = <strong>{}</strong> analysed + <strong>{}</strong> duplicates + <strong>{}</strong> skipped; {} of the analysed sign-ins matched the filters.</p>",
        t.records_read, t.records_kept, t.duplicates, t.records_skipped, t.records_matched
    );
    if !rep.skipped.is_empty() {
        o.push_str("<h2 id=\"skipped\">Skipped records</h2>\n");
        let _ = writeln!(
            o,
            "<table><thead><tr>{}{}{}{}</tr></thead><tbody>",
            th("File", ""),
            th("Record", "n"),
            th("Line", "n"),
            th("Reason", "")
        );
        for k in &rep.skipped {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&k.path),
                k.record,
                k.line,
                esc(&k.reason)
            );
        }
        o.push_str("</tbody></table>\n");
    }
    let notes = crate::report::all_notes(rep);
    if !notes.is_empty() {
        o.push_str("<h2 id=\"notes\">Notes</h2>\n<ul class=\"notes\">");
        for n in &notes {
            let _ = write!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>\n");
    }
}
