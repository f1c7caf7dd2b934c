//! Timestamp parsing for every date format the exports use (placeholder: RFC 3339 only;
//! replaced by the full parser).

use chrono::{DateTime, NaiveDateTime, Utc};

pub fn parse_datetime(s: &str, _day_first: bool) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}
