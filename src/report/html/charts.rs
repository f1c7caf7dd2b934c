//! The "Activity" section of the HTML report: the timeline and the bar charts (policies by
//! failures, error codes, users, apps and IPs by failures). Bars of failures are scaled to
//! the failures of the chart, never to its sign-ins or evaluations, so a blocked service
//! account with ten sign-ins is not a sliver next to a busy user; colours follow `Tone`,
//! one per meaning, with a legend on every chart.

use std::fmt::Write as _;

use super::svg::{self, Bar, Tone};
use super::{TOP_BARS, app_label};
use crate::analysis::Analysis;
use crate::report::count;
use crate::report::json::{PolicyRow, Report, TallyOut};

fn policy_failures(p: &PolicyRow) -> u64 {
    p.results
        .get("failure")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

/// The tone of an error code by what it means for the sign-in.
fn code_tone(code: i64, category: &str) -> Tone {
    match category {
        _ if code == 0 => Tone::Success,
        "ca-block" | "risk" | "device" => Tone::CaFailures,
        "ca-interrupt" | "mfa" => Tone::Interrupted,
        _ => Tone::Failures,
    }
}

/// A bar of failures, the part blocked by Conditional Access in its own colour.
fn failure_bar(label: &str, t: &TallyOut) -> Bar {
    Bar {
        label: label.to_string(),
        total: t.failures,
        tone: Tone::Failures,
        part: t.ca_failures.min(t.failures),
        part_tone: Tone::CaFailures,
        value: format!("{} of {}", t.failures, t.signins),
        tooltip: format!(
            "{label}: {}, {}, {} blocked by Conditional Access, {} interrupted",
            count(t.signins, "sign-in", "sign-ins"),
            count(t.failures, "failure", "failures"),
            t.ca_failures,
            t.interrupted
        ),
    }
}

/// Rows with a failure, in the report's ranking (CA failures first), at most `TOP_BARS`.
fn failing<T>(rows: &[T], tally: impl Fn(&T) -> &TallyOut) -> impl Iterator<Item = &T> {
    rows.iter()
        .filter(move |r| tally(r).failures > 0)
        .take(TOP_BARS)
}

pub(super) fn activity(o: &mut String, a: &Analysis, rep: &Report<'_>) {
    o.push_str("<h2 id=\"activity\">Activity</h2>\n");
    let (size, buckets) = svg::rebucket(&a.acc.timeline);
    if buckets.is_empty() {
        o.push_str("<p>No matched sign-ins to chart.</p>\n");
    } else {
        let _ = writeln!(
            o,
            "<div class=\"panel\"><h3>Sign-ins per {} (UTC)</h3>{}{}</div>",
            svg::bucket_name(size),
            svg::timeline(size, &buckets),
            svg::legend(&[Tone::SignIns, Tone::Failures, Tone::CaFailures])
        );
    }
    let s = &rep.summary;
    let mut policies: Vec<&PolicyRow> = s
        .by_policy
        .iter()
        .filter(|p| policy_failures(p) > 0)
        .collect();
    policies.truncate(TOP_BARS);
    let policies: Vec<Bar> = policies
        .into_iter()
        .map(|p| Bar {
            label: app_label(&p.display_name, &p.id).to_string(),
            total: policy_failures(p),
            tone: Tone::CaFailures,
            part: 0,
            part_tone: Tone::CaFailures,
            value: policy_failures(p).to_string(),
            tooltip: format!(
                "{} ({}): {} of {} evaluations",
                p.display_name,
                p.id,
                count(policy_failures(p), "failure", "failures"),
                p.evaluations
            ),
        })
        .collect();
    let codes: Vec<Bar> = s
        .by_error_code
        .iter()
        .take(TOP_BARS)
        .map(|c| Bar {
            label: if c.name.is_empty() {
                c.code.to_string()
            } else {
                format!("{} {}", c.code, c.name)
            },
            total: c.count,
            tone: code_tone(c.code, c.category),
            part: 0,
            part_tone: Tone::SignIns,
            value: c.count.to_string(),
            tooltip: format!(
                "{} {} ({}): {}",
                c.code,
                c.name,
                c.category,
                count(c.count, "sign-in", "sign-ins")
            ),
        })
        .collect();
    let users: Vec<Bar> = failing(&s.by_user, |u| &u.tally)
        .map(|u| failure_bar(&u.user, &u.tally))
        .collect();
    let apps: Vec<Bar> = failing(&s.by_app, |x| &x.tally)
        .map(|x| failure_bar(app_label(&x.display_name, &x.id), &x.tally))
        .collect();
    let ips: Vec<Bar> = failing(&s.by_ip, |x| &x.tally)
        .map(|x| failure_bar(&x.ip, &x.tally))
        .collect();
    let mut code_tones: Vec<Tone> = Vec::new();
    for b in &codes {
        if !code_tones.contains(&b.tone) {
            code_tones.push(b.tone);
        }
    }
    let by_failures = [Tone::Failures, Tone::CaFailures];
    let panels: [(&str, &str, &[Bar], &[Tone]); 5] = [
        (
            "Policies by failures",
            "Failed evaluations per policy",
            &policies,
            &[Tone::CaFailures],
        ),
        (
            "Error codes",
            "Sign-ins per error code",
            &codes,
            &code_tones,
        ),
        (
            "Users by failures",
            "Failures per user; the number is failures of sign-ins",
            &users,
            &by_failures,
        ),
        (
            "Apps by failures",
            "Failures per app; the number is failures of sign-ins",
            &apps,
            &by_failures,
        ),
        (
            "IP addresses by failures",
            "Failures per client IP; the number is failures of sign-ins",
            &ips,
            &by_failures,
        ),
    ];
    o.push_str("<div class=\"grid2\">\n");
    for (title, caption, bars, tones) in panels {
        if bars.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<div class=\"panel\"><h3>{title}</h3>{}{}<p class=\"caption\">{caption} (top {TOP_BARS}, ranked as the tables below).</p></div>",
            svg::hbars(title, bars),
            svg::legend(tones)
        );
    }
    o.push_str("</div>\n");
}
