//! `--redact`: stable pseudonyms numbered in first-seen input order, so a report can leave the
//! organisation and stays byte-identical across runs. One person's names get distinct
//! pseudonyms of one number (`user-0001@redacted` for the UPN, `User 0001` for the display
//! name, `uid-0001` for the object id); IPs become `ip4-0007` / `ip6-0002`, keeping the named
//! locations they fall in; devices `device-0003`. Free text is redacted token by token: an IP
//! or CIDR is replaced as a whole by readable words, never by a pseudonym glued to `/31`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::analysis::Acc;
use crate::locations::NamedLocations;

/// How many addresses a redacted range names before "and N more".
const RANGE_NAMES: usize = 5;

#[derive(Debug, Clone)]
struct IpPseudonym {
    addr: IpAddr,
    /// `ip4-0002`.
    base: String,
    /// The named locations holding it: `None` without a locations file.
    locations: Option<Vec<String>>,
}

impl IpPseudonym {
    /// The form in a list or table cell: `ip4-0002 [Branch office]`.
    fn value(&self) -> String {
        match &self.locations {
            None => self.base.clone(),
            Some(l) if l.is_empty() => format!("{} [no named location]", self.base),
            Some(l) => format!("{} [{}]", self.base, l.join(", ")),
        }
    }

    /// The form inside a sentence: `ip4-0002 (in Branch office)`; an address in no named
    /// location is just `ip4-0002` (the sentence around it already says where it is not).
    fn prose(&self) -> String {
        match &self.locations {
            Some(l) if !l.is_empty() => format!("{} (in {})", self.base, l.join(", ")),
            _ => self.base.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    enabled: bool,
    /// Whole values (names, ids, IPs as written, devices) to their pseudonyms.
    map: HashMap<String, String>,
    /// Known addresses in numeric order, for IP and CIDR tokens in free text.
    ips: Vec<IpPseudonym>,
    /// Non-address originals, longest first, for replacing inside free text.
    originals: Vec<String>,
}

/// The pseudonym of one of a person's names, by what the name looks like: an object id is a
/// GUID, a UPN has an `@`, anything else is a display name.
fn person_pseudonym(name: &str, n: usize) -> String {
    if crate::model::parse_guid(name).is_some() {
        format!("uid-{n:04}")
    } else if name.contains('@') {
        format!("user-{n:04}@redacted")
    } else {
        format!("User {n:04}")
    }
}

impl Redactor {
    /// A redactor that changes nothing.
    pub fn off() -> Redactor {
        Redactor::default()
    }

    pub fn new(acc: &Acc, locations: Option<&NamedLocations>) -> Redactor {
        let mut map = HashMap::new();
        for (i, group) in acc.people.iter().enumerate() {
            for name in group {
                map.entry(name.clone())
                    .or_insert_with(|| person_pseudonym(name, i + 1));
            }
        }
        let (mut v4, mut v6, mut other) = (0usize, 0usize, 0usize);
        let mut ips: Vec<IpPseudonym> = Vec::new();
        let mut by_addr: HashMap<IpAddr, usize> = HashMap::new();
        for ip in &acc.ip_order {
            if map.contains_key(ip) {
                continue;
            }
            let Ok(parsed) = ip.trim().parse::<IpAddr>() else {
                other += 1;
                map.insert(ip.clone(), format!("ip-{other:04}"));
                continue;
            };
            let addr = crate::locations::canonical(parsed);
            // Two spellings of one address are one pseudonym.
            if let Some(&k) = by_addr.get(&addr) {
                map.insert(ip.clone(), ips[k].value());
                continue;
            }
            let base = if addr.is_ipv4() {
                v4 += 1;
                format!("ip4-{v4:04}")
            } else {
                v6 += 1;
                format!("ip6-{v6:04}")
            };
            let locations = locations.map(|l| {
                l.containing(addr)
                    .into_iter()
                    .map(|i| l.locations[i].name.clone())
                    .collect()
            });
            let p = IpPseudonym {
                addr,
                base,
                locations,
            };
            map.insert(ip.clone(), p.value());
            by_addr.insert(addr, ips.len());
            ips.push(p);
        }
        for (i, d) in acc.device_order.iter().enumerate() {
            map.entry(d.clone())
                .or_insert_with(|| format!("device-{:04}", i + 1));
        }
        ips.sort_by_key(|p| p.addr);
        let mut originals: Vec<String> = map
            .keys()
            .filter(|k| k.len() >= 3 && k.trim().parse::<IpAddr>().is_err())
            .cloned()
            .collect();
        originals.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Redactor {
            enabled: true,
            map,
            ips,
            originals,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// A whole value (a UPN, display name, user id, IP or device name).
    pub fn value<'a>(&self, v: &'a str) -> Cow<'a, str> {
        if !self.enabled || v.is_empty() {
            return Cow::Borrowed(v);
        }
        match self.map.get(v) {
            Some(p) => Cow::Owned(p.clone()),
            None => Cow::Borrowed(v),
        }
    }

    /// One CIDR of a list (`suggested_cidrs`): still one string, readable, with no address.
    pub fn cidr(&self, c: &str) -> String {
        if !self.enabled {
            return c.to_string();
        }
        match self.token(c.trim(), false) {
            Some(r) => r,
            None => self.text(c).into_owned(),
        }
    }

    /// The replacement of an IP or CIDR token holding known addresses, or `None` to keep it.
    fn token(&self, tok: &str, prose: bool) -> Option<String> {
        let form = |p: &IpPseudonym| if prose { p.prose() } else { p.base.clone() };
        if let Ok(ip) = tok.parse::<IpAddr>() {
            let addr = crate::locations::canonical(ip);
            return self.ips.iter().find(|p| p.addr == addr).map(form);
        }
        let net = tok.parse::<IpNet>().ok()?;
        let mut inside: Vec<&IpPseudonym> = self
            .ips
            .iter()
            .filter(|p| net.contains(&p.addr) || net.contains(&to_mapped(p.addr)))
            .collect();
        // Listed in pseudonym order, the order a reader meets them in.
        inside.sort_by(|a, b| (a.base.len(), &a.base).cmp(&(b.base.len(), &b.base)));
        if inside.is_empty() {
            return None;
        }
        if net.prefix_len() == net.max_prefix_len() {
            return inside.first().map(|p| form(p));
        }
        let mut names: Vec<&str> = inside
            .iter()
            .take(RANGE_NAMES)
            .map(|p| p.base.as_str())
            .collect();
        let more = inside.len().saturating_sub(RANGE_NAMES);
        let more_text = format!("and {more} more");
        if more > 0 {
            names.push(&more_text);
        }
        Some(format!(
            "the /{} range holding {}",
            net.prefix_len(),
            names.join(", ")
        ))
    }

    /// Free text (failure reasons, evidence, remediation): IP and CIDR tokens replaced whole
    /// (see `token`), every other known original replaced where it occurs.
    pub fn text<'a>(&self, t: &'a str) -> Cow<'a, str> {
        if !self.enabled || t.is_empty() {
            return Cow::Borrowed(t);
        }
        let mut out = String::with_capacity(t.len());
        let mut changed = false;
        let mut plain_start = 0;
        let mut i = 0;
        let bytes = t.as_bytes();
        while i < bytes.len() {
            let boundary = i == 0 || !is_word(bytes[i - 1]);
            if boundary && is_addr_byte(bytes[i]) {
                let mut end = i;
                while end < bytes.len() && is_addr_byte(bytes[end]) {
                    end += 1;
                }
                let after_ok = end == bytes.len() || !is_word(bytes[end]);
                if after_ok && let Some((len, rep)) = self.longest_token(&t[i..end]) {
                    changed = true;
                    out.push_str(&self.names(&t[plain_start..i]));
                    out.push_str(&rep);
                    i += len;
                    plain_start = i;
                    continue;
                }
                i = end;
                continue;
            }
            i += 1;
        }
        let rest = self.names(&t[plain_start..]);
        if !changed && matches!(rest, Cow::Borrowed(_)) {
            return Cow::Borrowed(t);
        }
        out.push_str(&rest);
        Cow::Owned(out)
    }

    /// The replacement of a run of address characters, trimming trailing `.` and `:` (the end
    /// of a sentence or a label) until it parses: `(bytes used, replacement)`.
    fn longest_token(&self, run: &str) -> Option<(usize, String)> {
        let mut s = run;
        loop {
            if let Some(r) = self.token(s, true) {
                return Some((s.len(), r));
            }
            let trimmed = s.strip_suffix(['.', ':'])?;
            s = trimmed;
        }
    }

    /// Names, ids and devices replaced inside a stretch of text with no address in it.
    fn names<'a>(&self, t: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(t);
        for o in &self.originals {
            if out.contains(o.as_str())
                && let Some(p) = self.map.get(o)
            {
                out = Cow::Owned(out.replace(o.as_str(), p));
            }
        }
        out
    }

    /// A structured fix with every value and every string of its Graph request body
    /// redacted; the JSON types stay as they are (a list of strings stays one, one string per
    /// CIDR).
    pub fn fix(&self, f: &crate::policy::fix::Fix) -> crate::policy::fix::Fix {
        let mut out = f.clone();
        if !self.enabled {
            return out;
        }
        for v in &mut out.values {
            *v = self.cidr(v);
        }
        if let Some(g) = &mut out.graph_request {
            redact_json(self, &mut g.body);
        }
        out
    }
}

/// An IPv4 address as IPv4-mapped IPv6, so a `::ffff:0:0/96` range holds it too.
fn to_mapped(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
        v6 => v6,
    }
}

/// Characters of an IP or CIDR token (hex digits, dots, colons, the prefix slash).
fn is_addr_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'/')
}

/// Characters that glue a token to its neighbour (`ip4-0002`, `user_1`, `x203.0.113.7`).
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'@' | b'.' | b':' | b'/')
}

fn redact_json(r: &Redactor, v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = r.cidr(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(r, x)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|x| redact_json(r, x)),
        _ => {}
    }
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
