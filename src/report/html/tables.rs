//! The statistics and accounting tables of the HTML report: policies, error codes, users,
//! apps and IPs (sortable-looking headers; the arrows are decoration, the marked column is
//! the real order), then inputs with the accounting line, skipped records and notes.

use std::fmt::Write as _;

use super::TOP_ROWS;
use crate::report::escape_html as esc;
use crate::report::json::{Report, TallyOut};

fn th(label: &str, class: &str, sorted: bool) -> String {
    format!(
        "<th class=\"{class} s\"{}>{label}</th>",
        if sorted {
            " aria-sort=\"descending\""
        } else {
            ""
        }
    )
}

fn shown(o: &mut String, total: usize) {
    if total > TOP_ROWS {
        let _ = writeln!(
            o,
            "<p class=\"note\">Showing the first {TOP_ROWS} of {total} rows; the JSON report has them all.</p>"
        );
    }
}

fn tally_cells(t: &TallyOut) -> String {
    format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        t.signins, t.failures, t.interrupted, t.ca_failures
    )
}

fn tally_head(first: &str, extra: &str) -> String {
    format!(
        "<table><thead><tr>{}{extra}{}{}{}{}</tr></thead><tbody>\n",
        th(first, "", false),
        th("Sign-ins", "n", true),
        th("Failures", "n", false),
        th("Interrupted", "n", false),
        th("CA failures", "n", false)
    )
}

pub(super) fn tables(o: &mut String, rep: &Report<'_>) {
    let s = &rep.summary;
    o.push_str("<h2 id=\"policies\">Policies</h2>\n");
    if s.by_policy.is_empty() {
        o.push_str("<p>No per-policy results in the matched sign-ins.</p>\n");
    } else {
        let _ = writeln!(
            o,
            "<table><thead><tr>{}{}{}{}{}</tr></thead><tbody>",
            th("Policy", "", false),
            th("ID", "", false),
            th("Failures", "n", true),
            th("Evaluations", "n", false),
            th("Results", "", false)
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
        shown(o, s.by_policy.len());
    }

    o.push_str("<h2 id=\"error-codes\">Error codes</h2>\n");
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}</tr></thead><tbody>",
        th("Code", "n", false),
        th("Name", "", false),
        th("Category", "", false),
        th("Sign-ins", "n", true)
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
    shown(o, s.by_error_code.len());

    o.push_str("<h2 id=\"users\">Users</h2>\n");
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
    shown(o, s.by_user.len());

    o.push_str("<h2 id=\"apps\">Apps</h2>\n");
    o.push_str(&tally_head("App", &th("App ID", "", false)));
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
    shown(o, s.by_app.len());

    o.push_str("<h2 id=\"ips\">IP addresses</h2>\n");
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}{}{}{}</tr></thead><tbody>",
        th("IP", "", false),
        th("Sign-ins", "n", true),
        th("Failures", "n", false),
        th("Interrupted", "n", false),
        th("CA failures", "n", false),
        th("Named locations", "", false),
        th("Trusted", "", false)
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
            esc(&x.locations.join(", "))
        );
    }
    o.push_str("</tbody></table>\n");
    shown(o, s.by_ip.len());
    let _ = writeln!(
        o,
        "<p class=\"note\">Interrupted flows that never reached success (abandoned): {}.</p>",
        s.abandoned_flows
    );
}

pub(super) fn inputs(o: &mut String, rep: &Report<'_>) {
    let t = &rep.totals;
    o.push_str("<h2 id=\"inputs\">Inputs</h2>\n");
    let _ = writeln!(
        o,
        "<table><thead><tr>{}{}{}{}{}{}</tr></thead><tbody>",
        th("File", "", false),
        th("Format", "", false),
        th("Records", "n", false),
        th("Analysed", "n", false),
        th("Skipped", "n", false),
        th("Duplicates", "n", false)
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
            th("File", "", false),
            th("Record", "n", false),
            th("Line", "n", false),
            th("Reason", "", false)
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
    let notes: Vec<String> = rep
        .notes
        .iter()
        .cloned()
        .chain(
            rep.inputs
                .iter()
                .flat_map(|i| i.notes.iter().map(move |n| format!("{}: {n}", i.path))),
        )
        .collect();
    if !notes.is_empty() {
        o.push_str("<h2 id=\"notes\">Notes</h2>\n<ul class=\"notes\">");
        for n in &notes {
            let _ = write!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>\n");
    }
}
