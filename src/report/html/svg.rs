//! Inline SVG charts for the HTML report, drawn here with no library and no script: the
//! activity timeline (hourly tallies re-bucketed by time span) and horizontal bar charts.
//! Callers pass labels raw; every label and tooltip is escaped here with `escape_html`.
//! Coordinates are printed with fixed precision so the bytes are deterministic.

use std::fmt::Write as _;

use crate::analysis::Tally;
use crate::report::{count, escape_html as esc};

pub const HOUR: i64 = 3600;
pub const SIX_HOURS: i64 = 6 * HOUR;
pub const DAY: i64 = 24 * HOUR;
pub const WEEK: i64 = 7 * DAY;
/// 1970-01-05 was a Monday: weeks start on Monday, 00:00 UTC.
const MONDAY: i64 = 4 * DAY;

/// Bucket size for a time span (first to last hour, inclusive): hours up to three days,
/// six hours up to 18 days, days up to 120 days, weeks beyond (at most ~120 bars until
/// a span of two years).
pub fn bucket_size(first_hour: i64, last_hour: i64) -> i64 {
    let span = last_hour - first_hour + HOUR;
    if span <= 3 * DAY {
        HOUR
    } else if span <= 18 * DAY {
        SIX_HOURS
    } else if span <= 120 * DAY {
        DAY
    } else {
        WEEK
    }
}

fn bucket_start(t: i64, size: i64) -> i64 {
    let base = if size == WEEK { MONDAY } else { 0 };
    (t - base).div_euclid(size) * size + base
}

/// Re-buckets the hourly timeline into consecutive buckets (empty ones included, so the x
/// axis is linear in time).
pub fn rebucket(
    hours: &crate::analysis::CappedMap<i64, Tally, { crate::analysis::MAX_HOURS }>,
) -> (i64, Vec<(i64, Tally)>) {
    let (Some((&first, _)), Some((&last, _))) = (hours.first_key_value(), hours.last_key_value())
    else {
        return (HOUR, Vec::new());
    };
    let size = bucket_size(first, last);
    let start = bucket_start(first, size);
    let n = ((bucket_start(last, size) - start) / size + 1) as usize;
    let mut out: Vec<(i64, Tally)> = (0..n)
        .map(|i| (start + i as i64 * size, Tally::default()))
        .collect();
    for (&h, t) in hours {
        let slot = &mut out[((bucket_start(h, size) - start) / size) as usize].1;
        slot.signins += t.signins;
        slot.failures += t.failures;
        slot.interrupted += t.interrupted;
        slot.ca_failures += t.ca_failures;
    }
    (size, out)
}

pub fn bucket_name(size: i64) -> &'static str {
    match size {
        HOUR => "hour",
        SIX_HOURS => "6 hours",
        DAY => "day",
        _ => "week (from Monday)",
    }
}

fn fmt_time(t: i64, with_time: bool) -> String {
    let d = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    if with_time {
        d.format("%Y-%m-%d %H:%M").to_string()
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

/// A round axis step (1, 2 or 5 times a power of ten) giving about four grid lines.
fn nice_step(max: u64) -> u64 {
    let raw = max.div_ceil(4).max(1);
    let mut p = 1u64;
    loop {
        for m in [1, 2, 5] {
            if p * m >= raw {
                return p * m;
            }
        }
        p *= 10;
    }
}

/// The timeline chart: per bucket, sign-ins with failures and CA failures drawn over them
/// (CA failures are failures, failures are sign-ins, so the bars nest).
pub fn timeline(size: i64, buckets: &[(i64, Tally)]) -> String {
    const W: f64 = 1080.0;
    const H: f64 = 260.0;
    const L: f64 = 52.0;
    const R: f64 = 12.0;
    const T: f64 = 14.0;
    const B: f64 = 34.0;
    let (pw, ph) = (W - L - R, H - T - B);
    let max = buckets.iter().map(|(_, t)| t.signins).max().unwrap_or(0);
    let step = nice_step(max);
    let top = max.div_ceil(step).max(1) * step;
    let y = |v: u64| T + ph - ph * v as f64 / top as f64;
    let n = buckets.len().max(1);
    let slot = pw / n as f64;
    let bw = (slot * 0.78).max(1.0);
    let with_time = size < DAY;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="timeline" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="Sign-ins, failures and Conditional Access failures per {}">"#,
        bucket_name(size)
    );
    let mut v = 0;
    while v <= top {
        let yy = y(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{L}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
            W - R,
            L - 6.0,
            yy + 4.0
        );
        v += step;
    }
    for (i, (start, t)) in buckets.iter().enumerate() {
        if t.signins == 0 {
            continue;
        }
        let x = L + slot * i as f64 + (slot - bw) / 2.0;
        let tip = format!(
            "{} UTC, {}: {}, {}, {} blocked by Conditional Access, {} interrupted",
            fmt_time(*start, with_time),
            bucket_name(size),
            count(t.signins, "sign-in", "sign-ins"),
            count(t.failures, "failure", "failures"),
            t.ca_failures,
            t.interrupted
        );
        let _ = write!(s, "<g><title>{}</title>", esc(&tip));
        for (class, v) in [
            ("signins", t.signins),
            ("failures", t.failures),
            ("ca", t.ca_failures),
        ] {
            if v > 0 {
                let yy = y(v);
                let _ = write!(
                    s,
                    r#"<rect class="{class}" x="{x:.1}" y="{yy:.1}" width="{bw:.1}" height="{:.1}"/>"#,
                    T + ph - yy
                );
            }
        }
        s.push_str("</g>");
    }
    let base = T + ph;
    let _ = write!(
        s,
        r#"<line class="axis" x1="{L}" y1="{base:.1}" x2="{:.1}" y2="{base:.1}"/>"#,
        W - R
    );
    // About seven labels, on bucket starts.
    let every = n.div_ceil(7).max(1);
    for (i, (start, _)) in buckets.iter().enumerate().step_by(every) {
        let x = L + slot * i as f64 + slot / 2.0;
        let _ = write!(
            s,
            r#"<line class="axis" x1="{x:.1}" y1="{base:.1}" x2="{x:.1}" y2="{:.1}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            base + 4.0,
            base + 18.0,
            fmt_time(*start, with_time)
        );
    }
    s.push_str("</svg>");
    s
}

/// What a colour means. One colour per meaning across the page (charts, legends, the
/// timeline): the stylesheet has one class per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    SignIns,
    Failures,
    CaFailures,
    Interrupted,
    Success,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::SignIns => "signins",
            Tone::Failures => "failures",
            Tone::CaFailures => "ca",
            Tone::Interrupted => "interrupted",
            Tone::Success => "success",
        }
    }

    /// The words of the legend.
    pub fn meaning(self) -> &'static str {
        match self {
            Tone::SignIns => "Sign-ins",
            Tone::Failures => "Failures",
            Tone::CaFailures => "Blocked by Conditional Access",
            Tone::Interrupted => "Interrupted (MFA or another step)",
            Tone::Success => "Success",
        }
    }
}

/// One bar: `total` drawn in `tone`, the first `part` of it in `part_tone` (a part of the
/// same quantity: CA failures are failures). `value` is the printed number.
pub struct Bar {
    pub label: String,
    pub total: u64,
    pub tone: Tone,
    pub part: u64,
    pub part_tone: Tone,
    pub value: String,
    pub tooltip: String,
}

/// A horizontal bar chart, every bar scaled to the largest `total` of the chart. Each label
/// stands on its own line above its bar, across the whole width, so it is never clipped
/// (a label longer than the line is shortened, the full text stays in the tooltip).
pub fn hbars(aria: &str, bars: &[Bar]) -> String {
    const W: f64 = 520.0;
    const ROW: f64 = 34.0;
    const VALUE: f64 = 72.0;
    const MAX_CHARS: usize = 80;
    let h = ROW * bars.len().max(1) as f64 + 4.0;
    let track = W - VALUE;
    let max = bars
        .iter()
        .map(|b| b.total.max(b.part))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="bars" viewBox="0 0 {W} {h}" width="{W}" height="{h}" role="img" aria-label="{}">"#,
        esc(aria)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 2.0 + ROW * i as f64;
        let label: String = if b.label.chars().count() > MAX_CHARS {
            let mut l: String = b.label.chars().take(MAX_CHARS - 1).collect();
            l.push('…');
            l
        } else {
            b.label.clone()
        };
        let label = label.replace(['\n', '\r', '\t'], " ");
        let wt = track * b.total as f64 / max as f64;
        let wp = track * b.part.min(b.total.max(b.part)) as f64 / max as f64;
        let _ = write!(
            s,
            r#"<g><title>{}</title><text x="0" y="{:.1}">{}</text><rect class="track" x="0" y="{:.1}" width="{track:.1}" height="12" rx="2"/>"#,
            esc(&b.tooltip),
            y + 11.0,
            esc(&label),
            y + 16.0
        );
        if b.total > 0 {
            let _ = write!(
                s,
                r#"<rect class="{}" x="0" y="{:.1}" width="{wt:.1}" height="12" rx="2"/>"#,
                b.tone.class(),
                y + 16.0
            );
        }
        if b.part > 0 {
            let _ = write!(
                s,
                r#"<rect class="{}" x="0" y="{:.1}" width="{wp:.1}" height="12" rx="2"/>"#,
                b.part_tone.class(),
                y + 16.0
            );
        }
        let _ = write!(
            s,
            r#"<text class="val" x="{:.1}" y="{:.1}">{}</text></g>"#,
            track + 8.0,
            y + 26.0,
            esc(&b.value)
        );
    }
    s.push_str("</svg>");
    s
}

/// The legend of the tones a chart uses, in the page's one colour per meaning.
pub fn legend(tones: &[Tone]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for t in tones {
        let _ = write!(
            s,
            "<span><i class=\"{}\"></i>{}</span>",
            t.class(),
            t.meaning()
        );
    }
    s.push_str("</div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_size_follows_span() {
        assert_eq!(bucket_size(0, 71 * HOUR), HOUR);
        assert_eq!(bucket_size(0, 72 * HOUR), SIX_HOURS);
        assert_eq!(bucket_size(0, 17 * DAY), SIX_HOURS);
        assert_eq!(bucket_size(0, 30 * DAY), DAY);
        assert_eq!(bucket_size(0, 400 * DAY), WEEK);
    }

    #[test]
    fn rebucket_sums_and_fills_gaps() {
        let mut hours = crate::analysis::CappedMap::default();
        let t = |n| Tally {
            signins: n,
            failures: 1,
            interrupted: 0,
            ca_failures: 1,
        };
        // 2026-10-01 (a Thursday) and ten days later: six-hour buckets.
        let d0 = 1_790_812_800;
        hours.insert(d0 + HOUR, t(2));
        hours.insert(d0 + 2 * HOUR, t(3));
        hours.insert(d0 + 10 * DAY, t(1));
        let (size, b) = rebucket(&hours);
        assert_eq!(size, SIX_HOURS);
        assert_eq!(b.len(), 41);
        assert_eq!(
            b[0],
            (
                d0,
                Tally {
                    signins: 5,
                    failures: 2,
                    interrupted: 0,
                    ca_failures: 2
                }
            )
        );
        assert_eq!(b[40].1.signins, 1);
        assert_eq!(b.iter().map(|(_, t)| t.signins).sum::<u64>(), 6);
        // Weeks start on Monday.
        assert_eq!(bucket_start(d0, WEEK), d0 - 3 * DAY);
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(3), 1);
        assert_eq!(nice_step(17), 5);
        assert_eq!(nice_step(130), 50);
    }

    #[test]
    fn labels_are_escaped() {
        let s = hbars(
            "a<b",
            &[Bar {
                label: "<script>x</script>".into(),
                total: 1,
                tone: Tone::Failures,
                part: 1,
                part_tone: Tone::CaFailures,
                value: "1".into(),
                tooltip: "<img onerror=x>".into(),
            }],
        );
        assert!(!s.contains("<script") && !s.contains("<img"));
    }

    #[test]
    fn bars_scale_to_the_largest_total_and_labels_fit() {
        let bar = |label: &str, total, part| Bar {
            label: label.into(),
            total,
            tone: Tone::Failures,
            part,
            part_tone: Tone::CaFailures,
            value: total.to_string(),
            tooltip: String::new(),
        };
        let long = "x".repeat(120);
        let s = hbars("t", &[bar("a", 4, 2), bar(&long, 1, 0)]);
        // The largest total fills the track (448 wide), the others in proportion.
        assert!(
            s.contains(r#"<rect class="failures" x="0" y="18.0" width="448.0""#),
            "{s}"
        );
        assert!(
            s.contains(r#"<rect class="ca" x="0" y="18.0" width="224.0""#),
            "{s}"
        );
        assert!(
            s.contains(r#"<rect class="failures" x="0" y="52.0" width="112.0""#),
            "{s}"
        );
        // Labels start at the left edge and are shortened to the line.
        assert!(s.contains(&format!(">{}…</text>", "x".repeat(79))));
        assert!(!s.contains("text-anchor=\"end\""));
    }
}
