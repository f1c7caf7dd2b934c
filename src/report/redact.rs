//! `--redact`: stable pseudonyms numbered in first-seen input order (`user-0001@redacted`,
//! `ip4-0007`, `ip6-0002`, `device-0003`), an IP keeping the named locations it falls in, so
//! a report can leave the organisation and stays byte-identical across runs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use crate::analysis::Acc;
use crate::locations::NamedLocations;

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    enabled: bool,
    map: HashMap<String, String>,
    /// Originals, longest first, for replacing inside free text.
    originals: Vec<String>,
}

impl Redactor {
    /// A redactor that changes nothing.
    pub fn off() -> Redactor {
        Redactor::default()
    }

    pub fn new(acc: &Acc, locations: Option<&NamedLocations>) -> Redactor {
        let mut map = HashMap::new();
        for (i, group) in acc.people.iter().enumerate() {
            let p = format!("user-{:04}@redacted", i + 1);
            for name in group {
                map.entry(name.clone()).or_insert_with(|| p.clone());
            }
        }
        let (mut v4, mut v6) = (0usize, 0usize);
        for ip in &acc.ip_order {
            let pseudo = match ip.parse::<IpAddr>() {
                Ok(addr) => {
                    let base = if crate::locations::canonical(addr).is_ipv4() {
                        v4 += 1;
                        format!("ip4-{v4:04}")
                    } else {
                        v6 += 1;
                        format!("ip6-{v6:04}")
                    };
                    match locations {
                        Some(l) => {
                            let names: Vec<&str> = l
                                .containing(addr)
                                .into_iter()
                                .map(|i| l.locations[i].name.as_str())
                                .collect();
                            if names.is_empty() {
                                format!("{base} [no named location]")
                            } else {
                                format!("{base} [{}]", names.join(", "))
                            }
                        }
                        None => base,
                    }
                }
                Err(_) => {
                    v4 += 1;
                    format!("ip-{v4:04}")
                }
            };
            map.entry(ip.clone()).or_insert(pseudo);
        }
        for (i, d) in acc.device_order.iter().enumerate() {
            map.entry(d.clone())
                .or_insert_with(|| format!("device-{:04}", i + 1));
        }
        let mut originals: Vec<String> = map.keys().filter(|k| k.len() >= 3).cloned().collect();
        originals.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Redactor {
            enabled: true,
            map,
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

    /// Free text (failure reasons, evidence, remediation): every known original replaced.
    pub fn text<'a>(&self, t: &'a str) -> Cow<'a, str> {
        if !self.enabled || t.is_empty() {
            return Cow::Borrowed(t);
        }
        let mut out: Cow<'a, str> = Cow::Borrowed(t);
        for o in &self.originals {
            if out.contains(o.as_str()) {
                let p = &self.map[o];
                out = Cow::Owned(out.replace(o.as_str(), p));
            }
        }
        out
    }

    /// A structured fix with every value and every string of its Graph request body
    /// redacted; the JSON types stay as they are (a list of strings stays one).
    pub fn fix(&self, f: &crate::policy::fix::Fix) -> crate::policy::fix::Fix {
        let mut out = f.clone();
        if !self.enabled {
            return out;
        }
        for v in &mut out.values {
            *v = self.text(v).into_owned();
        }
        if let Some(g) = &mut out.graph_request {
            redact_json(self, &mut g.body);
        }
        out
    }
}

fn redact_json(r: &Redactor, v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = r.text(s).into_owned(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_json(r, x)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|x| redact_json(r, x)),
        _ => {}
    }
}
