//! Exact identities (DESIGN.md §2 "Identity of things is exact"): request and correlation
//! ids compared as whole values (a GUID as all of its 128 bits, anything else as its text),
//! the duplicate key as (id, event type) with the event type a field of its own, the compact
//! sets that hold them, and IP addresses as ordered, canonical keys.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use super::u128set::U128Set;
use crate::locations::canonical;
use crate::model::{EventType, parse_guid};

/// A request or correlation id as a whole value. GUIDs are parsed (so spelling, braces and
/// case do not matter); any other id keeps its text, so two different ids never meet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKey {
    Guid(u128),
    Text(Box<str>),
}

impl IdKey {
    pub fn of(id: &str) -> IdKey {
        let t = id.trim();
        parse_guid(t).map_or_else(|| IdKey::Text(t.into()), IdKey::Guid)
    }
}

/// The duplicate key of DESIGN §2: (request id, sign-in event type).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupKey {
    pub event: EventType,
    pub id: IdKey,
}

/// Index of an event type among the per-type GUID sets.
fn slot(e: EventType) -> usize {
    match e {
        EventType::Interactive => 0,
        EventType::NonInteractive => 1,
        EventType::ServicePrincipal => 2,
        EventType::ManagedIdentity => 3,
        EventType::Unknown => 4,
    }
}

/// The set of duplicate keys seen. One compact GUID set per event type keeps a key at 16
/// bytes a slot (under 24 a key, see `U128Set`) with the type as an exact field: nothing is
/// folded into the GUID's bits. Non-GUID ids, rare, keep their text.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
    guids: [U128Set; 5],
    texts: HashSet<(EventType, Box<str>)>,
}

impl IdSet {
    pub fn with_capacity(n: usize) -> IdSet {
        let mut s = IdSet::default();
        // Most records of one chunk share an event type; the others grow as needed.
        s.guids[0] = U128Set::with_capacity(n);
        s
    }

    /// Adds a key; false when it was already there.
    pub fn insert(&mut self, k: &DedupKey) -> bool {
        match &k.id {
            IdKey::Guid(g) => self.guids[slot(k.event)].insert(*g),
            IdKey::Text(t) => self.texts.insert((k.event, t.clone())),
        }
    }

    pub fn contains(&self, k: &DedupKey) -> bool {
        match &k.id {
            IdKey::Guid(g) => self.guids[slot(k.event)].contains(*g),
            IdKey::Text(t) => self.texts.contains(&(k.event, t.clone())),
        }
    }

    pub fn len(&self) -> usize {
        self.guids.iter().map(U128Set::len).sum::<usize>() + self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the GUID tables hold for their slots, for the memory figure in the README.
    pub fn table_bytes(&self) -> usize {
        self.guids.iter().map(U128Set::bytes).sum()
    }
}

/// Correlation ids (for `abandoned_flows`), compared as whole values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowSet {
    guids: U128Set,
    texts: HashSet<Box<str>>,
}

/// A part file stores a flow set as its GUIDs in hex (sorted, so the bytes do not depend on
/// the table's layout) and its other ids as text (sorted).
#[derive(serde::Serialize, serde::Deserialize)]
struct FlowSetRepr {
    guids: String,
    texts: Vec<String>,
}

impl serde::Serialize for FlowSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut g: Vec<u128> = self.guids.iter().collect();
        g.sort_unstable();
        let mut texts: Vec<String> = self.texts.iter().map(|t| t.to_string()).collect();
        texts.sort_unstable();
        FlowSetRepr {
            guids: crate::partial::serde_util::hex_join(g.into_iter()),
            texts,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for FlowSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FlowSet, D::Error> {
        let r = FlowSetRepr::deserialize(d)?;
        let mut f = FlowSet::default();
        for g in crate::partial::serde_util::hex_split::<D::Error>(&r.guids)? {
            f.guids.insert(g);
        }
        f.texts
            .extend(r.texts.into_iter().map(String::into_boxed_str));
        Ok(f)
    }
}

impl FlowSet {
    pub fn insert(&mut self, id: &str) {
        match IdKey::of(id) {
            IdKey::Guid(g) => {
                self.guids.insert(g);
            }
            IdKey::Text(t) => {
                self.texts.insert(t);
            }
        }
    }

    pub fn extend(&mut self, o: &FlowSet) {
        self.guids.extend(&o.guids);
        let new = o.texts.iter().filter(|t| !self.texts.contains(*t));
        self.texts.extend(new.cloned().collect::<Vec<_>>());
    }

    pub fn len(&self) -> usize {
        self.guids.len() + self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many of these ids are not in `other`.
    pub fn count_not_in(&self, other: &FlowSet) -> u64 {
        let g = self
            .guids
            .iter()
            .filter(|&k| !other.guids.contains(k))
            .count();
        let t = self
            .texts
            .iter()
            .filter(|k| !other.texts.contains(*k))
            .count();
        (g + t) as u64
    }
}

/// The value of an IP field as an ordered key: a canonical address (IPv4-mapped IPv6 as
/// IPv4), ordered numerically with IPv4 first, or, for a value that is not an address (a
/// GUID in `ipAddress`, seen in real exports), its text, ordered after every address.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum IpKey {
    Addr(IpAddr),
    Text(String),
}

impl IpKey {
    /// The key of a field as decoded (`text` and its parsed address); `None` when empty.
    pub fn of(text: &str, addr: Option<IpAddr>) -> Option<IpKey> {
        match addr {
            Some(a) => Some(IpKey::Addr(canonical(a))),
            None if text.trim().is_empty() => None,
            None => Some(IpKey::Text(text.trim().to_string())),
        }
    }
}

impl fmt::Display for IpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpKey::Addr(a) => a.fmt(f),
            IpKey::Text(t) => f.write_str(t),
        }
    }
}

/// An IP field's value as shown (its canonical text), ordered by its [`IpKey`]; derefs to
/// the text, so a set of them reads like a set of strings in numeric order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct IpText {
    key: IpKey,
    text: String,
}

impl IpText {
    pub fn new(key: IpKey) -> IpText {
        IpText {
            text: key.to_string(),
            key,
        }
    }

    pub fn key(&self) -> &IpKey {
        &self.key
    }
}

/// Hashed as its key, so a set of them can be probed with an `IpKey` (the `Borrow` contract).
impl std::hash::Hash for IpText {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.key.hash(h);
    }
}

impl std::ops::Deref for IpText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl std::borrow::Borrow<IpKey> for IpText {
    fn borrow(&self) -> &IpKey {
        &self.key
    }
}

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The one note on values in IP fields that are not IP addresses (DESIGN.md §2 semantics).
pub fn non_ip_note(n: u64) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{} a value in an IP field that is not an IP address (a GUID in ipAddress is seen in real exports): it is shown as text, after the addresses, and never matched against named locations.",
            super::counted(n, "matched sign-in has", "matched sign-ins have")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, event: EventType) -> DedupKey {
        DedupKey {
            event,
            id: IdKey::of(id),
        }
    }

    #[test]
    fn guid_halves_never_fold() {
        // XOR of the halves is 0 for both: they met when keys were folded to 64 bits.
        let mut f = FlowSet::default();
        f.insert("88888888-8888-8888-8888-888888888888");
        f.insert("12345678-9abc-def0-1234-56789abcdef0");
        assert_eq!(f.len(), 2);
        let mut g = FlowSet::default();
        g.insert("12345678-9ABC-DEF0-1234-56789ABCDEF0");
        assert_eq!(f.count_not_in(&g), 1, "case does not make another id");
    }

    #[test]
    fn event_type_is_its_own_field() {
        let mut s = IdSet::default();
        let a = key(
            "00000000-0000-4aaa-8000-000000000001",
            EventType::Interactive,
        );
        let b = key(
            "00000000-0000-7aaa-8000-000000000001",
            EventType::NonInteractive,
        );
        assert!(s.insert(&a));
        assert!(s.insert(&b), "a 4aaa/7aaa pair is two sign-ins");
        assert!(!s.insert(&a));
        // The same GUID under another event type is another sign-in.
        assert!(s.insert(&key(
            "00000000-0000-4aaa-8000-000000000001",
            EventType::NonInteractive
        )));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn non_guid_ids_keep_their_text() {
        let mut s = IdSet::default();
        assert!(s.insert(&key("req-1", EventType::Unknown)));
        assert!(s.insert(&key("req-2", EventType::Unknown)));
        assert!(!s.insert(&key(" req-1 ", EventType::Unknown)));
        assert!(s.contains(&key("req-2", EventType::Unknown)));
        assert!(!s.contains(&key("req-2", EventType::Interactive)));
        // A hex string that is a GUID without dashes is the GUID.
        assert!(!s.is_empty());
        assert_eq!(
            IdKey::of("0000000000000000000000000000000a"),
            IdKey::of("{00000000-0000-0000-0000-00000000000A}")
        );
    }

    #[test]
    fn ip_keys_are_canonical_and_numeric() {
        let k = |s: &str| IpKey::of(s, s.parse().ok()).unwrap();
        assert_eq!(k("2001:0db8::0001"), k("2001:db8::1"));
        assert_eq!(k("2001:0db8::0001").to_string(), "2001:db8::1");
        assert_eq!(k("::ffff:192.0.2.1"), k("192.0.2.1"));
        let mut v = [
            k("2001:db8::1"),
            k("00000000-0000-4000-8000-000000000001"),
            k("192.0.2.10"),
            k("192.0.2.9"),
        ];
        v.sort();
        let shown: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "192.0.2.9",
                "192.0.2.10",
                "2001:db8::1",
                "00000000-0000-4000-8000-000000000001"
            ]
        );
        assert_eq!(IpKey::of("  ", None), None);
    }

    #[test]
    fn table_bytes_per_key() {
        let mut s = IdSet::default();
        for i in 0..100_000u128 {
            s.insert(&DedupKey {
                event: EventType::Interactive,
                id: IdKey::Guid(i * 0x9e37_79b9_7f4a_7c15),
            });
        }
        let per = s.table_bytes() as f64 / s.len() as f64;
        assert!((16.0..=24.0).contains(&per), "{per}");
    }
}
