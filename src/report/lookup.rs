//! `casift locations` output: which named locations hold each IP, as text or JSON.
//! Must not read files or parse arguments; names come from files, so text output escapes
//! control and bidirectional-override characters.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::locations::NamedLocations;

/// One queried IP and the IP locations holding it, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpLookup {
    /// As given (an IPv4-mapped IPv6 address stays as typed, but matches IPv4 ranges).
    pub ip: IpAddr,
    pub locations: Vec<LocationMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationMatch {
    pub id: String,
    pub name: String,
    pub trusted: bool,
    /// The most specific range of the location that holds the IP, as a CIDR.
    pub matched: String,
}

pub fn lookup(locs: &NamedLocations, ips: &[IpAddr]) -> Vec<IpLookup> {
    ips.iter()
        .map(|&ip| IpLookup {
            ip,
            locations: locs
                .containing(ip)
                .into_iter()
                .map(|i| {
                    let l = &locs.locations[i];
                    LocationMatch {
                        id: l.id.clone(),
                        name: l.name.clone(),
                        trusted: l.trusted,
                        matched: l
                            .matching_range(ip)
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// One block per IP: the IP, then `  <name> (<id>) trusted|untrusted [<cidr>]` per location
/// (no `(<id>)` for CSV locations, which have none), or `  no named location`.
/// Ends with a newline unless empty.
pub fn render_text(results: &[IpLookup]) -> String {
    let mut out = String::new();
    for r in results {
        let _ = writeln!(out, "{}", r.ip);
        if r.locations.is_empty() {
            out.push_str("  no named location\n");
        }
        for m in &r.locations {
            out.push_str("  ");
            out.push_str(&escape(&m.name));
            if !m.id.is_empty() {
                let _ = write!(out, " ({})", escape(&m.id));
            }
            let trust = if m.trusted { "trusted" } else { "untrusted" };
            let _ = writeln!(out, " {trust} [{}]", m.matched);
        }
    }
    out
}

/// `[{"ip": "...", "locations": [{"id": "...", "name": "...", "trusted": true, "matched": "..."}]}]`,
/// pretty-printed, with a final newline.
pub fn render_json(results: &[IpLookup]) -> String {
    let mut s = serde_json::to_string_pretty(results).expect("lookup results serialize");
    s.push('\n');
    s
}

/// Control characters and bidi overrides become `\u{..}` so a hostile name cannot move the
/// cursor, rewrite the terminal or reorder the line.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locations::NamedLocation;

    fn locs() -> NamedLocations {
        let loc = |id: &str, name: &str, trusted, ranges: &[&str]| NamedLocation {
            id: id.into(),
            name: name.into(),
            trusted,
            ranges: ranges.iter().map(|r| r.parse().unwrap()).collect(),
            ..Default::default()
        };
        NamedLocations::new(vec![
            loc("id-1", "Branch office", false, &["203.0.113.0/25"]),
            loc(
                "id-2",
                "VPN egress",
                true,
                &["203.0.113.0/24", "203.0.113.64/26"],
            ),
            loc("", "Evil\x1b[2J\u{202e}name", true, &["192.0.2.0/24"]),
        ])
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn text_blocks() {
        let r = lookup(
            &locs(),
            &ips(&["::ffff:203.0.113.70", "198.51.100.1", "192.0.2.1"]),
        );
        assert_eq!(
            render_text(&r),
            "::ffff:203.0.113.70\n\
             \x20 Branch office (id-1) untrusted [203.0.113.0/25]\n\
             \x20 VPN egress (id-2) trusted [203.0.113.64/26]\n\
             198.51.100.1\n\
             \x20 no named location\n\
             192.0.2.1\n\
             \x20 Evil\\u{1b}[2J\\u{202e}name trusted [192.0.2.0/24]\n"
        );
        assert_eq!(render_text(&[]), "");
    }

    #[test]
    fn json_shape() {
        let r = lookup(&locs(), &ips(&["203.0.113.1", "2001:db8::1"]));
        let v: serde_json::Value = serde_json::from_str(&render_json(&r)).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"ip": "203.0.113.1", "locations": [
                    {"id": "id-1", "name": "Branch office", "trusted": false, "matched": "203.0.113.0/25"},
                    {"id": "id-2", "name": "VPN egress", "trusted": true, "matched": "203.0.113.0/24"}
                ]},
                {"ip": "2001:db8::1", "locations": []}
            ])
        );
        let text = render_json(&r);
        let order = [
            "\"ip\"",
            "\"locations\"",
            "\"id\"",
            "\"name\"",
            "\"trusted\"",
            "\"matched\"",
        ];
        let pos: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "key order: {text}");
        assert!(text.ends_with("]\n"));
    }
}
