//! Serde helpers for the part format: maps whose keys are not strings written as lists of
//! pairs (JSON objects only take string keys), 128-bit ids as hex text, and `&'static str`
//! labels read back from a part.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "pairs")]`: a `BTreeMap` as `[[key, value], ...]` in key order.
pub mod pairs {
    use super::*;

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        m: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let v: Vec<(K, V)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// A `u128` as 32 hex digits.
pub fn u128_hex(v: u128) -> String {
    format!("{v:032x}")
}

pub fn parse_u128_hex(s: &str) -> Option<u128> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

/// Many `u128`s as one hex string (32 digits each): a JSON number per id would be bigger
/// and slower to read.
pub fn hex_join(ids: impl Iterator<Item = u128>) -> String {
    let mut s = String::new();
    for v in ids {
        s.push_str(&u128_hex(v));
    }
    s
}

pub fn hex_split<E: serde::de::Error>(s: &str) -> Result<Vec<u128>, E> {
    if !s.len().is_multiple_of(32) {
        return Err(E::custom(
            "a hex id list whose length is not a multiple of 32",
        ));
    }
    (0..s.len() / 32)
        .map(|i| {
            s.get(i * 32..i * 32 + 32)
                .and_then(parse_u128_hex)
                .ok_or_else(|| E::custom("an id that is not 32 hex digits"))
        })
        .collect()
}

/// Labels interned for the life of the process: a few shape and filter names, each kept
/// once however many parts name it.
static INTERNED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// The `&'static str` for a label read from a part.
pub fn intern(s: &str) -> &'static str {
    let mut g = INTERNED.lock().unwrap_or_else(|p| p.into_inner());
    let set = g.get_or_insert_with(HashSet::new);
    if let Some(v) = set.get(s) {
        return v;
    }
    let v: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(v);
    v
}

fn label<E: serde::de::Error>(s: &str) -> Result<&'static str, E> {
    if s.len() > 200 {
        return Err(E::custom("a label longer than 200 bytes"));
    }
    Ok(intern(s))
}

// The policy types hold their shape ids as `&'static str`, which serde cannot read
// into: these read the text and intern it.

#[derive(Deserialize)]
struct OriginRepr {
    path: String,
    shape: String,
    index: usize,
}

impl<'de> Deserialize<'de> for crate::policy::Origin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = OriginRepr::deserialize(d)?;
        Ok(crate::policy::Origin {
            path: r.path,
            shape: label::<D::Error>(&r.shape)?,
            index: r.index,
        })
    }
}

#[derive(Deserialize)]
struct PolicyInputRepr {
    path: String,
    shape: String,
    policies: usize,
    locations: usize,
    note: Option<String>,
}

impl<'de> Deserialize<'de> for crate::policy::PolicyInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = PolicyInputRepr::deserialize(d)?;
        Ok(crate::policy::PolicyInput {
            path: r.path,
            shape: label::<D::Error>(&r.shape)?,
            policies: r.policies,
            locations: r.locations,
            note: r.note,
        })
    }
}
