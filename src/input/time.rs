//! Timestamp parsing for every export path: RFC 3339 / ISO 8601 (the hot path, parsed by hand
//! without allocation), and the locale forms written by the portal CSV, Excel re-saves, Log
//! Analytics CSV (`4/28/2021, 2:08:45.221 PM`) and odd diagnostic-settings records.
//!
//! Owns only string → `DateTime<Utc>`; which order (month or day first) a file uses is decided
//! by the caller (`proves_day_first` over sample values). Never panics on any input.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a timestamp. Values without a zone are UTC (the portal writes UTC). `day_first`
/// only affects `A/B/YYYY` dates; `D.M.YYYY` is always day first and `YYYY/M/D` never.
pub fn parse_datetime(s: &str, day_first: bool) -> Option<DateTime<Utc>> {
    let b = trim(s.as_bytes());
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return parse_iso(b);
    }
    parse_locale(b, day_first)
}

/// True when `s` is a slash date whose first field cannot be a month (13–31), which proves
/// the file writes the day first.
pub fn proves_day_first(s: &str) -> bool {
    let mut c = Cursor::new(trim(s.as_bytes()));
    match c.number(1, 2) {
        Some((v, _)) => (13..=31).contains(&v) && c.eat(b'/'),
        None => false,
    }
}

fn trim(mut b: &[u8]) -> &[u8] {
    // Also strips a UTF-8 BOM and the no-break spaces Excel and ICU write.
    loop {
        let before = b.len();
        b = b.trim_ascii();
        for pat in [&b"\xef\xbb\xbf"[..], b"\xc2\xa0", b"\xe2\x80\xaf"] {
            if let Some(rest) = b.strip_prefix(pat) {
                b = rest;
            }
            if let Some(rest) = b.strip_suffix(pat) {
                b = rest;
            }
        }
        if b.len() == before {
            return b;
        }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cursor { b, i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn done(&self) -> bool {
        self.i >= self.b.len()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Skips ASCII blanks and the two no-break spaces; returns whether any was skipped.
    fn blanks(&mut self) -> bool {
        let start = self.i;
        loop {
            let rest = &self.b[self.i..];
            if rest.first().is_some_and(|c| *c == b' ' || *c == b'\t') {
                self.i += 1;
            } else if rest.starts_with(b"\xc2\xa0") {
                self.i += 2;
            } else if rest.starts_with(b"\xe2\x80\xaf") {
                self.i += 3;
            } else {
                return self.i > start;
            }
        }
    }

    /// Reads `min..=max` ASCII digits; returns the value and the digit count.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(c - b'0');
                    n += 1;
                    self.i += 1;
                }
                _ => break,
            }
        }
        (n >= min).then_some((v, n))
    }

    /// `.fff…` (or `,fff…`): nanoseconds; digits beyond the ninth are ignored.
    fn fraction(&mut self) -> Option<u32> {
        if !(self.eat(b'.') || self.peek() == Some(b',') && self.next_is_digit() && self.eat(b','))
        {
            return Some(0);
        }
        let mut nanos: u32 = 0;
        let mut n = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            if n < 9 {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
            n += 1;
            self.i += 1;
        }
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
        Some(nanos)
    }

    fn next_is_digit(&self) -> bool {
        self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit)
    }

    /// `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM`, `+HH` (optionally after blanks), or nothing.
    /// Returns the offset in seconds east of UTC; `None` if unparseable text remains.
    fn zone(&mut self) -> Option<i32> {
        self.blanks();
        if self.done() {
            return Some(0);
        }
        let rest = &self.b[self.i..];
        for name in [&b"Z"[..], b"UTC", b"GMT"] {
            if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name) {
                self.i += name.len();
                if self.done() {
                    return Some(0);
                }
                // `UTC+01:00` style: fall through to read the signed offset.
                if name == b"Z" {
                    return None;
                }
                break;
            }
        }
        let sign = match self.peek()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.i += 1;
        let (h, _) = self.number(2, 2)?;
        let m = if self.eat(b':') {
            self.number(2, 2)?.0
        } else {
            self.number(2, 2).map_or(0, |(m, _)| m)
        };
        self.blanks();
        if !self.done() || h > 23 || m > 59 {
            return None;
        }
        Some(sign * (h as i32 * 3600 + m as i32 * 60))
    }
}

fn build(
    y: u32,
    mo: u32,
    d: u32,
    (h, mi, sec, nanos): (u32, u32, u32, u32),
    offset: i32,
) -> Option<DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?;
    let time = NaiveTime::from_hms_nano_opt(h, mi, sec, nanos)?;
    let local = NaiveDateTime::new(date, time);
    let utc = local.checked_sub_signed(Duration::seconds(i64::from(offset)))?;
    Some(Utc.from_utc_datetime(&utc))
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][zone]`.
fn parse_iso(b: &[u8]) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(b);
    let (y, _) = c.number(4, 4)?;
    c.eat(b'-');
    let (mo, _) = c.number(2, 2)?;
    c.eat(b'-');
    let (d, _) = c.number(2, 2)?;
    if c.done() {
        return build(y, mo, d, (0, 0, 0, 0), 0);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.blanks()) {
        return None;
    }
    let (h, _) = c.number(2, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (mi, _) = c.number(2, 2)?;
    let (sec, nanos) = if c.eat(b':') {
        (c.number(2, 2)?.0, c.fraction()?)
    } else {
        (0, 0)
    };
    let offset = c.zone()?;
    build(y, mo, d, (h, mi, sec, nanos), offset)
}

/// `A/B/YYYY[,] H:MM[:SS[.f…]] [AM|PM] [zone]`, `YYYY/M/D …` and `D.M.YYYY …`.
fn parse_locale(b: &[u8], day_first: bool) -> Option<DateTime<Utc>> {
    let mut c = Cursor::new(b);
    let (a, an) = c.number(1, 4)?;
    let sep = c.peek()?;
    if sep != b'/' && sep != b'.' && sep != b'-' {
        return None;
    }
    c.i += 1;
    let (bv, _) = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (y, mo, d) = if an == 4 {
        let (d, _) = c.number(1, 2)?;
        (a, bv, d)
    } else {
        if an > 2 {
            return None;
        }
        let (y, _) = c.number(4, 4)?;
        if sep == b'.' || day_first {
            (y, bv, a)
        } else {
            (y, a, bv)
        }
    };
    let comma = c.eat(b',');
    let had_blank = c.blanks();
    if c.done() && !comma {
        return build(y, mo, d, (0, 0, 0, 0), 0);
    }
    if !had_blank && !c.eat(b'T') {
        return None;
    }
    let (mut h, _) = c.number(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (mi, _) = c.number(2, 2)?;
    let (sec, nanos) = if c.eat(b':') {
        (c.number(2, 2)?.0, c.fraction()?)
    } else {
        (0, 0)
    };
    c.blanks();
    let rest = &c.b[c.i..];
    let meridiem = [
        (&b"AM"[..], false),
        (b"PM", true),
        (b"A.M.", false),
        (b"P.M.", true),
    ]
    .into_iter()
    .find(|(m, _)| rest.len() >= m.len() && rest[..m.len()].eq_ignore_ascii_case(m));
    if let Some((m, pm)) = meridiem {
        c.i += m.len();
        if h == 0 || h > 12 {
            return None;
        }
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    let offset = c.zone()?;
    build(y, mo, d, (h, mi, sec, nanos), offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<String> {
        parse_datetime(s, false).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())
    }

    fn pd(s: &str) -> Option<String> {
        parse_datetime(s, true).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())
    }

    #[test]
    fn rfc3339_and_iso() {
        assert_eq!(p("2026-06-02T23:02:03Z").unwrap(), "2026-06-02T23:02:03Z");
        assert_eq!(
            p("2019-10-18T04:45:48.0729893-05:00").unwrap(),
            "2019-10-18T09:45:48.072989300Z"
        );
        assert_eq!(
            p("2022-01-24T05:10:08.6816663+00:00").unwrap(),
            "2022-01-24T05:10:08.681666300Z"
        );
        assert_eq!(p("2007-01-09T09:41:00").unwrap(), "2007-01-09T09:41:00Z");
        assert_eq!(p("2021-06-30 16:34:32").unwrap(), "2021-06-30T16:34:32Z");
        assert_eq!(
            p("2021-08-02T13:29:25.983Z").unwrap(),
            "2021-08-02T13:29:25.983Z"
        );
        assert_eq!(p("2021-08-02T13:29:25Z ").unwrap(), "2021-08-02T13:29:25Z");
        assert_eq!(
            p("2021-08-02T13:29:25.1234567891234Z").unwrap(),
            "2021-08-02T13:29:25.123456789Z"
        );
        assert_eq!(p("2021-08-02T13:29+0200").unwrap(), "2021-08-02T11:29:00Z");
        assert_eq!(p("2026-10-20").unwrap(), "2026-10-20T00:00:00Z");
        assert_eq!(p("2021-08-02t13:29:25z").unwrap(), "2021-08-02T13:29:25Z");
        for bad in [
            "2021-13-02T13:29:25Z",
            "2021-02-30T13:29:25Z",
            "2021-08-02T25:29:25Z",
            "2021-08-02T13:29:25.Z",
            "2021-08-02T13:29:25Zjunk",
            "2021-08-02T13:29:25+25:00",
            "2021-08-02X13:29:25Z",
            "2021-08-02T13",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn locale_forms() {
        assert_eq!(
            p("4/28/2021, 2:08:45.221 PM").unwrap(),
            "2021-04-28T14:08:45.221Z"
        );
        assert_eq!(p("10/1/2026 7:22:01 AM").unwrap(), "2026-10-01T07:22:01Z");
        assert_eq!(p("3/12/2025 12:22:01 AM").unwrap(), "2025-03-12T00:22:01Z");
        assert_eq!(p("3/12/2025 12:22:01 PM").unwrap(), "2025-03-12T12:22:01Z");
        assert_eq!(p("01/09/2007 09:41:00").unwrap(), "2007-01-09T09:41:00Z");
        assert_eq!(pd("01/09/2007 09:41:00").unwrap(), "2007-09-01T09:41:00Z");
        assert_eq!(pd("13/12/2025 7:22").unwrap(), "2025-12-13T07:22:00Z");
        assert_eq!(p("13/12/2025 7:22"), None);
        assert_eq!(
            p("1/9/2007 10:41:00 AM +01:00").unwrap(),
            "2007-01-09T09:41:00Z"
        );
        assert_eq!(p("11/14/2025 1:48:53 AM").unwrap(), "2025-11-14T01:48:53Z");
        assert_eq!(p("01.10.2026 09:41:00").unwrap(), "2026-10-01T09:41:00Z");
        assert_eq!(p("2026/10/01 09:41:00").unwrap(), "2026-10-01T09:41:00Z");
        assert_eq!(p("4/28/2021").unwrap(), "2021-04-28T00:00:00Z");
        // ICU / .NET write a narrow no-break space before AM/PM.
        assert_eq!(
            p("4/28/2021, 2:08:45\u{202f}PM").unwrap(),
            "2021-04-28T14:08:45Z"
        );
        assert_eq!(p("4/28/2021 2:08:45 pm").unwrap(), "2021-04-28T14:08:45Z");
        for bad in [
            "13/13/2025 99:00",
            "4/28/2021 13:08:45 PM",
            "4/28/2021 0:08:45 AM",
            "4/28/21 2:08 PM",
            "4/28/2021 2:08:45 XM",
            "",
            "   ",
            "garbage",
            "4/28/2021,",
            "123/1/2021 1:00",
        ] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn day_first_proof() {
        assert!(proves_day_first("13/01/2026 10:00:00"));
        assert!(proves_day_first(" 31/12/2026"));
        assert!(!proves_day_first("12/01/2026 10:00:00"));
        assert!(!proves_day_first("32/01/2026"));
        assert!(!proves_day_first("2026-01-13T00:00:00Z"));
        assert!(!proves_day_first("13.01.2026"));
        assert!(!proves_day_first(""));
    }

    /// Every `time` value in elastic's corner-case fixture must parse.
    #[test]
    fn elastic_corner_cases_sample() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../shared/samples/diagnostic_settings/diag_jsonl_elastic_time_formats_corner_cases_no_trailing_newline.jsonl",
        );
        let Ok(text) = std::fs::read_to_string(&path) else {
            assert!(
                std::env::var_os("CI").is_none_or(|v| v != "true"),
                "samples missing under CI: {}",
                path.display()
            );
            return;
        };
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = v["time"].as_str().unwrap();
            let got = parse_datetime(t, false);
            assert!(got.is_some(), "unparsed sample time {t:?}");
            // All the sample values denote 2007-01-09 (the +01:00/+02:00 ones shift the hour).
            assert_eq!(
                got.unwrap().date_naive(),
                NaiveDate::from_ymd_opt(2007, 1, 9).unwrap()
            );
            n += 1;
        }
        assert_eq!(n, 11);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,64}", day_first: bool) {
            let _ = parse_datetime(&s, day_first);
            let _ = proves_day_first(&s);
        }

        #[test]
        fn never_panics_on_date_like(s in "[0-9/:.,+\\-TZ APM]{0,40}", day_first: bool) {
            let _ = parse_datetime(&s, day_first);
        }

        #[test]
        fn rfc3339_round_trips(secs in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000) {
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            let s = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            proptest::prop_assert_eq!(parse_datetime(&s, false), Some(t));
        }
    }
}
