//! Unit tests of the HTML page on a hand-built 70,000-sign-in analysis: the short part
//! (figures, causes, index, charts) before the long cards, "N of M" wherever cut, no sort
//! decoration, one colour per meaning, grammar.

use super::*;
use crate::report::testdata::analysis;

fn html(causes: usize, total: u64) -> String {
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
fn the_short_part_comes_first() {
    let h = html(30, 57);
    let at = |needle: &str| h.find(needle).unwrap_or_else(|| panic!("{needle}"));
    let glance = at("<h2 id=\"glance\">Blocked sign-ins at a glance</h2>");
    let index = at("<table class=\"index\">");
    let charts = at("<h2 id=\"activity\">");
    let cards = at("<article class=\"finding");
    assert!(glance < index && index < charts && charts < cards);
    assert!(
        h.contains("Showing 10 of 57 causes: each policy&#39;s largest first, then most sign-ins")
    );
    let table = &h[glance..index];
    assert_eq!(table.matches("<tr><td class=\"n\">").count(), 10);
    assert!(table.contains("<td>Block DevOps outside corporate network</td><td><code>IP001, CA001</code></td><td class=\"n\">999</td>"));
    // A log value in the table is escaped, its control, bidi and zero-width characters shown.
    assert!(table.contains("evil\\u{1b}[2J\\u{202e}gnp.exe\\u{200b}|&lt;b&gt;&amp;amp;&lt;/b&gt;"));
}

#[test]
fn cut_tables_say_n_of_m_and_nothing_pretends_to_sort() {
    let h = html(1, 1);
    assert!(h.contains("<p class=\"note\">50 of 60 users, ranked by Conditional Access failures, then failures, then sign-ins; the JSON report has them all.</p>"));
    assert!(h.contains("Location 09 and 4 more"));
    assert!(
        h.contains("<span class=\"more\">and 125 more</span>"),
        "150 users, 25 chips"
    );
    for bad in [
        "aria-sort",
        "class=\"s\"",
        "class=\"n s\"",
        "\\2195",
        "\\25BC",
        "finding(s)",
        "file(s)",
    ] {
        assert!(!h.contains(bad), "{bad}");
    }
    assert!(h.contains("1 input file ·"));
}

#[test]
fn failure_bars_are_scaled_to_failures() {
    let h = html(1, 1);
    let users = &h[h.find("<h3>Users by failures</h3>").expect("users chart")..];
    let end = users.find("</p></div>").unwrap_or(users.len());
    let users = &users[..end];
    // Only the five blocked users (3 failures each) are charted, each a full bar of failures,
    // though the busy users have 300 times their sign-ins.
    assert_eq!(
        users.matches("<rect class=\"failures\"").count(),
        5,
        "{users}"
    );
    assert_eq!(
        users
            .matches("width=\"448.0\" height=\"12\" rx=\"2\"/><rect class=\"ca\"")
            .count(),
        5
    );
    assert!(users.contains(">3 of 3</text>"));
    assert!(!users.contains("user000@example.com"));
    // One colour per meaning: the legend names the two the chart uses.
    assert!(users.contains("<i class=\"failures\"></i>Failures</span><span><i class=\"ca\"></i>Blocked by Conditional Access"));
}
