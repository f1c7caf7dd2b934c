//! The filter predicate (DESIGN.md §1): repeats of one filter are OR, different filters
//! AND. Pure and `Sync`; matching allocates nothing per record.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::evaluate::Facts;
use crate::input::peek::Peek;
use crate::locations::canonical;
use crate::model::{CaStatus, SignIn, Status};

/// A case-insensitive pattern where `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// Lower-cased characters; `None` is a `*`.
    parts: Vec<Option<char>>,
    /// `parts` as bytes when every one is ASCII: an ASCII value is then matched byte by
    /// byte, lower-cased as it is read (ASCII lower-cases to ASCII alone, so this is the
    /// same test as the one on characters).
    ascii: Option<Vec<Option<u8>>>,
}

impl Pattern {
    pub fn new(text: &str) -> Pattern {
        let parts = text
            .trim()
            .chars()
            .flat_map(|c| -> Vec<Option<char>> {
                if c == '*' {
                    vec![None]
                } else {
                    c.to_lowercase().map(Some).collect()
                }
            })
            .collect::<Vec<_>>();
        let ascii = parts
            .iter()
            .map(|p| match p {
                None => Some(None),
                Some(c) => u8::try_from(*c).ok().filter(u8::is_ascii).map(Some),
            })
            .collect();
        Pattern {
            text: text.trim().to_string(),
            parts,
            ascii,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, hay: &str) -> bool {
        if hay.is_empty() {
            return self.parts.iter().all(Option::is_none) && !self.parts.is_empty();
        }
        if let Some(parts) = &self.ascii
            && hay.is_ascii()
        {
            let h = hay.as_bytes();
            return glob(parts, h.len(), |i| h[i].to_ascii_lowercase());
        }
        let mut hi = hay.chars().flat_map(char::to_lowercase);
        let hay_chars: smallvec_like::Buf = smallvec_like::Buf::new(&mut hi);
        let h = hay_chars.as_slice();
        glob(&self.parts, h.len(), |i| h[i])
    }
}

/// A stack buffer for the lower-cased haystack, spilling to the heap only for long values.
mod smallvec_like {
    pub struct Buf {
        stack: [char; 128],
        len: usize,
        heap: Vec<char>,
    }

    impl Buf {
        pub fn new(it: &mut dyn Iterator<Item = char>) -> Buf {
            let mut b = Buf {
                stack: ['\0'; 128],
                len: 0,
                heap: Vec::new(),
            };
            for c in it {
                if b.len < 128 {
                    b.stack[b.len] = c;
                    b.len += 1;
                } else {
                    if b.heap.is_empty() {
                        b.heap.extend_from_slice(&b.stack);
                    }
                    b.heap.push(c);
                }
            }
            b
        }

        pub fn as_slice(&self) -> &[char] {
            if self.heap.is_empty() {
                &self.stack[..self.len]
            } else {
                &self.heap
            }
        }
    }
}

/// Whether the `len` items `h(0..len)` match the pattern `p` (`None` is a `*`).
fn glob<T: Copy + PartialEq>(p: &[Option<T>], len: usize, h: impl Fn(usize) -> T) -> bool {
    let (mut pi, mut hi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while hi < len {
        if pi < p.len() && p[pi] == Some(h(hi)) {
            pi += 1;
            hi += 1;
        } else if pi < p.len() && p[pi].is_none() {
            star = Some((pi, hi));
            pi += 1;
        } else if let Some((sp, sh)) = star {
            pi = sp + 1;
            hi = sh + 1;
            star = Some((sp, sh + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi].is_none() {
        pi += 1;
    }
    pi == p.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaStatusFilter {
    Success,
    Failure,
    NotApplied,
}

/// Every filter of the contract, already parsed.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub users: Vec<Pattern>,
    pub apps: Vec<Pattern>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub ips: Vec<IpNet>,
    pub correlation_ids: Vec<Pattern>,
    pub request_ids: Vec<Pattern>,
    /// `explain --id`: the request id or the correlation id.
    pub any_id: Vec<Pattern>,
    pub statuses: Vec<Status>,
    pub ca_statuses: Vec<CaStatusFilter>,
    pub error_codes: Vec<i64>,
    /// `Some(true)`: --interactive, `Some(false)`: --non-interactive.
    pub interactive: Option<bool>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.apps.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.ips.is_empty()
            && self.correlation_ids.is_empty()
            && self.request_ids.is_empty()
            && self.any_id.is_empty()
            && self.statuses.is_empty()
            && self.ca_statuses.is_empty()
            && self.error_codes.is_empty()
            && self.interactive.is_none()
    }

    /// Whether the cheap filters (user, app, time, ids) are set: those can reject a record
    /// from the prefilter's view, before the full decode.
    pub fn has_early(&self) -> bool {
        !(self.users.is_empty()
            && self.apps.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.correlation_ids.is_empty()
            && self.request_ids.is_empty()
            && self.any_id.is_empty())
    }

    /// The cheap filters on the prefilter's view; `keep` applies the same tests.
    pub fn keep_early(&self, p: &Peek<'_>) -> bool {
        self.early(
            p.created,
            [
                &p.user_principal_name,
                &p.user_id,
                &p.user_display_name,
                &p.service_principal_name,
                &p.service_principal_id,
            ],
            [&p.app_display_name, &p.app_id],
            &p.request_id,
            &p.correlation_id,
        )
    }

    fn early(
        &self,
        created: DateTime<Utc>,
        users: [&str; 5],
        apps: [&str; 2],
        request_id: &str,
        correlation_id: &str,
    ) -> bool {
        if self.since.is_some_and(|t| created < t) || self.until.is_some_and(|t| created >= t) {
            return false;
        }
        (self.users.is_empty() || any_matches(&self.users, &users))
            && (self.apps.is_empty() || any_matches(&self.apps, &apps))
            && (self.correlation_ids.is_empty()
                || any_matches(&self.correlation_ids, &[correlation_id]))
            && (self.request_ids.is_empty() || any_matches(&self.request_ids, &[request_id]))
            && (self.any_id.is_empty() || any_matches(&self.any_id, &[request_id, correlation_id]))
    }

    pub fn keep(&self, s: &SignIn, facts: Facts) -> bool {
        let early = self.early(
            s.created,
            [
                &s.user_principal_name,
                &s.user_id,
                &s.user_display_name,
                &s.service_principal_name,
                &s.service_principal_id,
            ],
            [&s.app_display_name, &s.app_id],
            &s.request_id,
            &s.correlation_id,
        );
        if !early {
            return false;
        }
        if !self.ips.is_empty()
            && !self.ip_matches(s.ip_addr)
            && !self.ip_matches(s.resource_ip_addr)
        {
            return false;
        }
        if !self.statuses.is_empty() && !self.statuses.contains(&facts.status) {
            return false;
        }
        if !self.ca_statuses.is_empty() {
            let st = match s.ca_status {
                CaStatus::Success => Some(CaStatusFilter::Success),
                CaStatus::Failure => Some(CaStatusFilter::Failure),
                CaStatus::NotApplied => Some(CaStatusFilter::NotApplied),
                _ => None,
            };
            if !st.is_some_and(|st| self.ca_statuses.contains(&st)) {
                return false;
            }
        }
        if !self.error_codes.is_empty() && !self.error_codes.contains(&s.error_code) {
            return false;
        }
        if let Some(want) = self.interactive
            && s.is_interactive() != Some(want)
        {
            return false;
        }
        true
    }

    fn ip_matches(&self, ip: Option<IpAddr>) -> bool {
        let Some(ip) = ip else { return false };
        let c = canonical(ip);
        self.ips.iter().any(|n| n.contains(&c) || n.contains(&ip))
    }
}

fn any_matches(patterns: &[Pattern], values: &[&str]) -> bool {
    patterns
        .iter()
        .any(|p| values.iter().any(|v| !v.is_empty() && p.matches(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_case_insensitive() {
        let p = Pattern::new("*@Example.COM");
        assert!(p.matches("ada@example.com"));
        assert!(!p.matches("ada@example.org"));
        assert!(Pattern::new("ADA*").matches("ada@example.com"));
        assert!(Pattern::new("a*e*m").matches("ada@example.com"));
        assert!(!Pattern::new("ada").matches("ada@example.com"));
        assert!(Pattern::new("Azure DevOps").matches("azure devops"));
        assert!(Pattern::new("*").matches("x"));
        assert!(Pattern::new("ÄBC").matches("äbc"));
        let long = "x".repeat(300);
        assert!(Pattern::new("x*x").matches(&long));
    }

    /// The test on characters, whatever the pattern and the value hold.
    fn on_chars(p: &Pattern, hay: &str) -> bool {
        if hay.is_empty() {
            return p.matches(hay);
        }
        let h: Vec<char> = hay.chars().flat_map(char::to_lowercase).collect();
        glob(&p.parts, h.len(), |i| h[i])
    }

    #[test]
    fn ascii_values_match_as_characters_do() {
        // The Kelvin sign lower-cases to an ASCII `k`, the dotted capital I to two
        // characters, one of them ASCII.
        for (pat, hay, want) in [
            ("\u{212a}im*", "kim@example.com", true),
            ("KIM*", "\u{212a}im@example.com", true),
            ("\u{130}*", "i\u{307}x", true),
            ("\u{130}*", "ix", false),
            ("*", "x", true),
            ("a*B*c", "AxxbYc", true),
        ] {
            let p = Pattern::new(pat);
            assert_eq!(p.matches(hay), want, "{pat} {hay}");
            assert_eq!(on_chars(&p, hay), want, "{pat} {hay}");
        }
        assert!(Pattern::new("\u{212a}im*").ascii.is_some());
        assert!(Pattern::new("\u{130}*").ascii.is_none());
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_path_is_the_character_path(
            pat in "[aAkK*\u{212a}\u{130}i\u{307}\u{df}S0-]{0,8}",
            hay in "[aAkK*\u{212a}\u{130}i\u{307}\u{df}sS0-]{0,12}",
        ) {
            let p = Pattern::new(&pat);
            proptest::prop_assert_eq!(p.matches(&hay), on_chars(&p, &hay));
        }
    }

    #[test]
    fn kinds_and_repeats() {
        let s = SignIn {
            user_principal_name: "ada@example.com".into(),
            app_display_name: "Azure DevOps".into(),
            ip_addr: Some("::ffff:203.0.113.5".parse().unwrap()),
            ..SignIn::default()
        };
        let facts = Facts {
            status: Status::Success,
            ca_failure: false,
        };
        let mut f = Filter {
            users: vec![
                Pattern::new("bob@example.com"),
                Pattern::new("ADA@example.com"),
            ],
            ..Filter::default()
        };
        assert!(f.keep(&s, facts));
        f.apps = vec![Pattern::new("teams")];
        assert!(!f.keep(&s, facts));
        f.apps.clear();
        f.ips = vec!["203.0.113.0/24".parse().unwrap()];
        assert!(f.keep(&s, facts));
        f.interactive = Some(true);
        assert!(
            !f.keep(&s, facts),
            "unknown interactivity matches neither flag"
        );
    }
}
