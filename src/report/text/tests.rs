//! Unit tests of the terminal view on a hand-built 70,000-sign-in analysis.

use super::*;
use crate::report::testdata::{HOSTILE, analysis};

fn text(causes: usize, total: u64, style: TextStyle) -> String {
    let a = analysis(causes, total);
    let meta = RunMeta::default();
    let mut out = Vec::new();
    write(&a, &meta, &Redactor::off(), style, &mut out).expect("render");
    String::from_utf8(out).expect("UTF-8")
}

const PLAIN: TextStyle = TextStyle {
    width: 100,
    color: false,
};

/// The text with ANSI SGR sequences removed.
fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\u{1b}' && it.peek() == Some(&'[') {
            for d in it.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn opens_with_the_causes_and_fits_on_a_screen() {
    let t = text(30, 57, PLAIN);
    let glance = t
        .find("BLOCKED SIGN-INS AT A GLANCE")
        .expect("glance block");
    let findings = t.find("\nFINDINGS").expect("findings");
    assert!(glance < findings);
    assert!(
        t.contains("(8 of 57 causes: each policy's largest first, then most sign-ins)"),
        "{t}"
    );
    assert!(t.contains("    The other 49 causes: -f markdown, -f html -o report.html or -f json."));
    let before: Vec<&str> = t[..findings].lines().collect();
    assert!(
        before.len() <= 50,
        "{} lines before the findings",
        before.len()
    );
    // The cause, its change, and the policy and rules in the row.
    assert!(t.contains("Cause:  PAT from 198.51.100.23"));
    assert!(
        t.contains("Change: Add 198.51.100.23/32 to 'Corporate egress'"),
        "{t}"
    );
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(
        "2. svc-01@example.com (service principal) · Azure DevOps · Block DevOps outside corporate network · 999 sign-ins · IP001, CA001"
    ));
    // The first finding comes with its fix; cut lists say how many more.
    assert!(t.contains("Fix:    Add 203.0.113.6/31"));
    assert!(t.contains("and 147 more"), "{t}");
    assert!(t.contains("1 duplicate)"), "{t}");
}

#[test]
fn all_causes_shown_means_no_count() {
    let t = text(2, 2, PLAIN);
    assert!(t.contains("BLOCKED SIGN-INS AT A GLANCE\n"), "{t}");
    let none = text(0, 0, PLAIN);
    assert!(
        none.contains("No blocked sign-in could be traced"),
        "{none}"
    );
}

#[test]
fn lines_fit_the_width() {
    for width in [40, 72, 100, 160] {
        let t = text(
            12,
            12,
            TextStyle {
                width,
                color: false,
            },
        );
        for l in t.lines() {
            assert!(l.chars().count() <= width, "{width}: {l:?}");
        }
    }
}

#[test]
fn no_markup_and_no_raw_control_characters() {
    let t = text(3, 3, PLAIN);
    for bad in [
        "**", "##", "<br>", "&lt;", "&gt;", "\\|", "`", "\u{1b}", "\u{202e}", "\u{200b}",
    ] {
        assert!(!t.contains(bad), "{bad:?} in the text view");
    }
    // The hostile value is there, made visible.
    assert!(
        t.contains("evil\\u{1b}[2J\\u{202e}gnp.exe\\u{200b}|<b>&amp;</b>"),
        "{t}"
    );
    assert!(!t.contains(HOSTILE));
}

#[test]
fn colour_only_when_allowed_and_never_from_a_log() {
    let plain = text(3, 3, PLAIN);
    let colour = text(
        3,
        3,
        TextStyle {
            width: 100,
            color: true,
        },
    );
    assert!(colour.contains("\u{1b}[1;31mHIGH"), "severity coloured");
    assert!(colour.contains("\u{1b}[1mBLOCKED SIGN-INS AT A GLANCE\u{1b}[0m"));
    // Colour changes nothing but the SGR sequences, and a log's ESC stays escaped.
    assert_eq!(strip(&colour), plain);
    assert!(!strip(&colour).contains('\u{1b}'));
}

#[test]
fn long_changes_are_shown_whole_and_the_block_stays_short() {
    let mut a = analysis(30, 30);
    for c in &mut a.causes {
        c.change = format!(
            "{} END.",
            "Exclude the account from the policy and add the range to the location.".repeat(8)
        );
    }
    let mut out = Vec::new();
    write(&a, &RunMeta::default(), &Redactor::off(), PLAIN, &mut out).expect("render");
    let t = String::from_utf8(out).expect("UTF-8");
    let findings = t.find("\nFINDINGS").expect("findings");
    let glance = &t[..findings];
    assert!(glance.lines().count() <= 50, "{glance}");
    let shown = glance.matches(" END.").count();
    assert!(shown >= 1, "at least one cause, whole");
    assert!(
        glance.contains(&format!("({shown} of 30 causes")),
        "{glance}"
    );
    assert!(!glance.contains('…'), "no cut change");
}
