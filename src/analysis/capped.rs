//! Bounded collections for the accumulators (DESIGN.md §9: memory and report size bounded
//! whatever the input): a map or set that keeps its `CAP` smallest keys and still counts
//! every distinct key, through 128-bit fingerprints once it is over the cap.
//!
//! Keeping the smallest keys (not the first seen) is what makes the cap exact under merging:
//! a key among the `CAP` smallest of the whole input has fewer than `CAP` smaller keys in any
//! part of it, so no chunk and no merge ever evicts or refuses it, and its value is complete.
//! The kept set and the count are therefore the same at any thread count, chunk size or split
//! into parts, and a set of at most `CAP` keys behaves exactly like a `BTreeMap` (iteration
//! in key order). Below the cap the entries sit in a hash map, sorted when iterated.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use super::u128set::U128Set;

/// A 128-bit fingerprint of the bytes `Hash` writes, eight bytes a step: the same in every
/// process (parts written by one run are merged by another), where a 64-bit one would have
/// collisions among a few billion distinct values. Each step folds a word into the state,
/// multiplies by an odd constant and folds the high half into the low one: a bijection of
/// the state for each word, so values whose writes differ in one word never collide (an IPv4
/// address, an integer, a name of up to seven bytes). Like FNV-1a a byte at a time (its first
/// form, a 128-bit multiply per byte of every name the merge counted; part format 1), it is
/// not collision-resistant: a crafted pair of names can share a fingerprint, and is then
/// counted as one.
struct Fp128(u128);

const FP_SEED: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FP_MUL: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;

impl Fp128 {
    fn word(&mut self, w: u64) {
        let x = (self.0 ^ u128::from(w)).wrapping_mul(FP_MUL);
        self.0 = x ^ (x >> 64);
    }
}

impl Hasher for Fp128 {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.word(u64::from_le_bytes(b));
        }
        // The last word holds the remaining 0 to 7 bytes and, in its top byte, how many:
        // "ab" and "ab\0" differ.
        let rest = words.remainder();
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        b[7] = rest.len() as u8 + 1;
        self.word(u64::from_le_bytes(b));
    }

    fn finish(&self) -> u64 {
        self.0 as u64
    }
}

/// The fingerprint of a value: equal values (and a key and its borrowed form, by the
/// contract of `Borrow`) give equal fingerprints.
pub fn fingerprint<Q: Hash + ?Sized>(v: &Q) -> u128 {
    let mut h = Fp128(FP_SEED);
    v.hash(&mut h);
    // One more round: the last word mixed through the state like the ones before it.
    h.word(0);
    h.0
}

/// The hasher of the kept entries below the cap: foldhash, seeded per process (the keys come
/// from files; an unseeded hash would let a crafted export put them all in one bucket).
type FastHash = foldhash::fast::RandomState;

/// Where the kept entries are: a hash map while there are fewer than `CAP` (a lookup is one
/// hash, where a B-tree compares a dozen strings), a B-tree from the moment there are `CAP`
/// (the largest kept key must then be at hand, to evict it or refuse a larger one).
#[derive(Debug, Clone)]
enum Store<K, V> {
    Hash(HashMap<K, V, FastHash>),
    Tree(BTreeMap<K, V>),
}

/// A map that keeps its `CAP` smallest keys, with the exact number of distinct keys seen.
/// Iteration is in key order whichever way the entries are held.
#[derive(Debug, Clone)]
pub struct CappedMap<K, V, const CAP: usize> {
    map: Store<K, V>,
    /// Fingerprints of every distinct key seen, from the moment there were more than `CAP`.
    seen: Option<U128Set>,
}

impl<K, V, const CAP: usize> Default for CappedMap<K, V, CAP> {
    fn default() -> Self {
        CappedMap {
            map: Store::Hash(HashMap::with_hasher(FastHash::default())),
            seen: None,
        }
    }
}

impl<K: Ord + Hash + PartialEq, V: PartialEq, const CAP: usize> PartialEq for CappedMap<K, V, CAP> {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter()) && self.seen == o.seen
    }
}

/// Kept entries in key order: a B-tree's own order, or a hash map's entries sorted.
pub enum Iter<'a, K, V> {
    Tree(std::collections::btree_map::Iter<'a, K, V>),
    Sorted(std::vec::IntoIter<(&'a K, &'a V)>),
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Tree(i) => i.next(),
            Iter::Sorted(i) => i.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Tree(i) => i.size_hint(),
            Iter::Sorted(i) => i.size_hint(),
        }
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Tree(i) => i.next_back(),
            Iter::Sorted(i) => i.next_back(),
        }
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<K: Ord + Hash, V, const CAP: usize> CappedMap<K, V, CAP> {
    /// A map of these entries (at most `CAP`, distinct keys).
    fn of_entries(entries: impl IntoIterator<Item = (K, V)>, seen: Option<U128Set>) -> Self {
        let mut m = CappedMap {
            seen,
            ..CappedMap::default()
        };
        for (k, v) in entries {
            m.put(k, v);
        }
        m
    }

    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + Hash + Eq + ?Sized,
    {
        match &self.map {
            Store::Hash(h) => h.get(k),
            Store::Tree(t) => t.get(k),
        }
    }

    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + Hash + Eq + ?Sized,
    {
        match &mut self.map {
            Store::Hash(h) => h.get_mut(k),
            Store::Tree(t) => t.get_mut(k),
        }
    }

    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + Hash + Eq + ?Sized,
    {
        match &self.map {
            Store::Hash(h) => h.contains_key(k),
            Store::Tree(t) => t.contains_key(k),
        }
    }

    /// The entries as a B-tree (a hash map is turned into one).
    fn tree(&mut self) -> &mut BTreeMap<K, V> {
        if let Store::Hash(h) = &mut self.map {
            self.map = Store::Tree(std::mem::take(h).into_iter().collect());
        }
        match &mut self.map {
            Store::Tree(t) => t,
            Store::Hash(_) => unreachable!("turned into a tree above"),
        }
    }

    /// The B-tree, once the map holds `CAP` entries.
    fn full_tree(&mut self) -> Option<&mut BTreeMap<K, V>> {
        (self.len() >= CAP).then(|| self.tree())
    }

    /// Inserts an entry whose key is not there, without counting or capping; the map is a
    /// B-tree from its `CAP`-th entry on.
    fn put(&mut self, k: K, v: V) -> &mut V {
        if self.len() + 1 >= CAP {
            return self.tree().entry(k).or_insert(v);
        }
        match &mut self.map {
            Store::Hash(h) => h.entry(k).or_insert(v),
            Store::Tree(t) => t.entry(k).or_insert(v),
        }
    }

    /// The value of `k`, inserted with `make` when new; `None` when the key is beyond the
    /// `CAP` smallest (it is counted, not kept). `make` builds the owned key and value only
    /// for a key that is kept.
    pub fn entry_with<Q>(&mut self, k: &Q, make: impl FnOnce() -> (K, V)) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + Hash + Eq + ?Sized,
    {
        if self.contains_key(k) {
            return self.get_mut(k);
        }
        if self.beyond_full(k) {
            self.count(k);
            return None;
        }
        let (key, value) = make();
        self.admit(key, value)
    }

    /// The value of an owned key that may be new, inserted with `make` when new and kept.
    pub fn entry(&mut self, k: K, make: impl FnOnce() -> V) -> Option<&mut V> {
        if self.contains_key(&k) {
            return self.get_mut(&k);
        }
        self.admit(k, make())
    }

    /// Adds a key that is not in the map: kept if it is among the `CAP` smallest (evicting
    /// the largest kept one), counted either way.
    fn admit(&mut self, k: K, v: V) -> Option<&mut V> {
        if self.len() >= CAP {
            self.count(&k);
            let t = self.full_tree()?;
            if t.last_key_value().is_some_and(|(last, _)| &k > last) {
                return None;
            }
            // Its fingerprint is already counted.
            t.pop_last();
        } else if let Some(s) = &mut self.seen {
            s.insert(fingerprint(&k));
        }
        Some(self.put(k, v))
    }

    /// Whether `k` is past the largest kept key of a full map: not there, and not kept.
    fn beyond_full<Q>(&mut self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.full_tree().is_some_and(|t| {
            t.last_key_value()
                .is_some_and(|(last, _)| k > last.borrow())
        })
    }

    /// Counts a key of a full map (kept or not: its fingerprint joins the distinct ones).
    fn count<Q: Hash + ?Sized>(&mut self, k: &Q) {
        self.start_counting();
        if let Some(s) = &mut self.seen {
            s.insert(fingerprint(k));
        }
    }

    /// From the moment the map is full, every distinct key is fingerprinted: the kept ones
    /// now, each new one after.
    fn start_counting(&mut self) {
        if self.seen.is_none() {
            let mut s = U128Set::with_capacity(CAP * 2);
            match &self.map {
                Store::Hash(h) => h.keys().for_each(|k| {
                    s.insert(fingerprint(k));
                }),
                Store::Tree(t) => t.keys().for_each(|k| {
                    s.insert(fingerprint(k));
                }),
            }
            self.seen = Some(s);
        }
    }

    /// Merges a later part: values of keys in both are combined with `combine` (this one's
    /// first), other keys are kept (cloned) or counted as `entry` would. Which keys are kept
    /// does not depend on the order they come in: always the `CAP` smallest. The part is
    /// only read, so its owner frees it (a worker's strings freed by the thread that made
    /// them, not by the merging one).
    pub fn merge(&mut self, o: &CappedMap<K, V, CAP>, mut combine: impl FnMut(&mut V, &V))
    where
        K: Clone,
        V: Clone,
    {
        let mut each = |k: &K, v: &V| {
            // Only counted (what `admit` would do, without searching the tree first).
            if self.beyond_full(k) {
                self.count(k);
                return;
            }
            match self.get_mut(k) {
                Some(x) => combine(x, v),
                None => {
                    self.admit(k.clone(), v.clone());
                }
            }
        };
        match &o.map {
            Store::Hash(h) => h.iter().for_each(|(k, v)| each(k, v)),
            Store::Tree(t) => t.iter().for_each(|(k, v)| each(k, v)),
        }
        if let Some(os) = &o.seen {
            self.start_counting();
            if let Some(s) = &mut self.seen {
                s.extend(os);
            }
        }
    }

    /// Sets the value of a key (kept or counted as `entry` would).
    pub fn insert(&mut self, k: K, v: V) {
        match self.get_mut(&k) {
            Some(x) => *x = v,
            None => {
                self.admit(k, v);
            }
        }
    }

    /// How many distinct keys were seen, kept or not.
    pub fn total(&self) -> u64 {
        self.seen
            .as_ref()
            .map_or(self.len() as u64, |s| s.len() as u64)
    }

    /// `(distinct keys seen, keys kept)` when more were seen than are kept.
    pub fn cut(&self) -> Option<(u64, usize)> {
        self.is_capped().then(|| (self.total(), self.len()))
    }

    /// More distinct keys were seen than are kept.
    pub fn is_capped(&self) -> bool {
        self.total() > self.len() as u64
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        match &self.map {
            Store::Hash(h) => h.iter().min_by(|a, b| a.0.cmp(b.0)),
            Store::Tree(t) => t.first_key_value(),
        }
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        match &self.map {
            Store::Hash(h) => h.iter().max_by(|a, b| a.0.cmp(b.0)),
            Store::Tree(t) => t.last_key_value(),
        }
    }

    /// Kept entries in no set order, without the sort `iter` does below the cap: for a
    /// caller that orders them itself, totally.
    pub fn iter_unordered(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_> {
        match &self.map {
            Store::Hash(h) => Box::new(h.iter()),
            Store::Tree(t) => Box::new(t.iter()),
        }
    }

    /// Kept entries, in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        match &self.map {
            Store::Hash(h) => {
                let mut v: Vec<(&K, &V)> = h.iter().collect();
                v.sort_unstable_by(|a, b| a.0.cmp(b.0));
                Iter::Sorted(v.into_iter())
            }
            Store::Tree(t) => Iter::Tree(t.iter()),
        }
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + '_ {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// Kept entries.
    pub fn len(&self) -> usize {
        match &self.map {
            Store::Hash(h) => h.len(),
            Store::Tree(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a, K: Ord + Hash, V, const CAP: usize> IntoIterator for &'a CappedMap<K, V, CAP> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A set that keeps its `CAP` smallest values, with the exact number of distinct values.
#[derive(Debug, Clone)]
pub struct CappedSet<T, const CAP: usize>(CappedMap<T, (), CAP>);

impl<T: Ord + Hash, const CAP: usize> PartialEq for CappedSet<T, CAP> {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}

impl<T, const CAP: usize> Default for CappedSet<T, CAP> {
    fn default() -> Self {
        CappedSet(CappedMap::default())
    }
}

impl<T: Ord + Hash, const CAP: usize> CappedSet<T, CAP> {
    /// Adds a value (`make` builds it only when it is new and kept).
    pub fn insert_with<Q>(&mut self, v: &Q, make: impl FnOnce() -> T)
    where
        T: Borrow<Q>,
        Q: Ord + Hash + ?Sized,
    {
        self.0.entry_with(v, || (make(), ()));
    }

    pub fn insert(&mut self, v: T) {
        self.0.entry(v, || ());
    }

    pub fn contains<Q>(&self, v: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + Hash + Eq + ?Sized,
    {
        self.0.contains_key(v)
    }

    pub fn merge(&mut self, o: &CappedSet<T, CAP>)
    where
        T: Clone,
    {
        self.0.merge(&o.0, |_, ()| {});
    }

    /// Kept values, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.0.keys()
    }

    pub fn total(&self) -> u64 {
        self.0.total()
    }

    pub fn is_capped(&self) -> bool {
        self.0.is_capped()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Ord + Hash, const CAP: usize> FromIterator<T> for CappedSet<T, CAP> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        let mut s = CappedSet::default();
        for v in it {
            s.insert(v);
        }
        s
    }
}

// Part files (`casift analyze --partial`) store the accumulators: a capped map as its kept
// entries in key order and, once it was over its cap, the fingerprints counted (sorted).

impl<K: serde::Serialize + Ord + Hash, V: serde::Serialize, const CAP: usize> serde::Serialize
    for CappedMap<K, V, CAP>
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Entries<'a, K, V, const CAP: usize>(&'a CappedMap<K, V, CAP>);
        impl<K: serde::Serialize + Ord + Hash, V: serde::Serialize, const CAP: usize>
            serde::Serialize for Entries<'_, K, V, CAP>
        {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter())
            }
        }
        let mut st = s.serialize_struct("CappedMap", 2)?;
        st.serialize_field("map", &Entries(self))?;
        st.serialize_field("seen", &self.seen)?;
        st.end()
    }
}

impl<'de, K, V, const CAP: usize> serde::Deserialize<'de> for CappedMap<K, V, CAP>
where
    K: serde::Deserialize<'de> + Ord + Hash,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(bound(
            deserialize = "K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>"
        ))]
        struct Repr<K, V> {
            map: Vec<(K, V)>,
            seen: Option<U128Set>,
        }
        let r = Repr::<K, V>::deserialize(d)?;
        if r.map.len() > CAP {
            return Err(serde::de::Error::custom("a capped map over its cap"));
        }
        let map: BTreeMap<K, V> = r.map.into_iter().collect();
        if r.seen.as_ref().is_some_and(|s| s.len() < map.len()) {
            return Err(serde::de::Error::custom(
                "a capped map counting fewer keys than it holds",
            ));
        }
        Ok(CappedMap::of_entries(map, r.seen))
    }
}

impl<T: serde::Serialize + Ord + Hash, const CAP: usize> serde::Serialize for CappedSet<T, CAP> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de> + Ord + Hash, const CAP: usize> serde::Deserialize<'de>
    for CappedSet<T, CAP>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(CappedSet(CappedMap::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    type Counts = CappedMap<u16, u64, 8>;

    fn count_all(keys: &[u16]) -> Counts {
        let mut m = Counts::default();
        for &k in keys {
            if let Some(c) = m.entry(k, || 0) {
                *c += 1;
            }
        }
        m
    }

    proptest! {
        /// Any split into parts, merged in order, keeps the 8 smallest keys with their exact
        /// counts and counts every distinct key, as one pass over everything does.
        #[test]
        fn splits_merge_to_the_exact_bottom_k(
            keys in proptest::collection::vec(0u16..64, 0..300),
            cuts in proptest::collection::vec(0usize..300, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(keys.len())).collect();
            cuts.push(0);
            cuts.push(keys.len());
            cuts.sort_unstable();
            let mut merged = Counts::default();
            for w in cuts.windows(2) {
                merged.merge(&count_all(&keys[w[0]..w[1]]), |a, b| *a += *b);
            }
            let mut exact: BTreeMap<u16, u64> = BTreeMap::new();
            for &k in &keys {
                *exact.entry(k).or_default() += 1;
            }
            let want: Vec<(u16, u64)> = exact.iter().take(8).map(|(k, v)| (*k, *v)).collect();
            let got: Vec<(u16, u64)> = merged.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(merged.total(), exact.len() as u64);
            prop_assert_eq!(merged.is_capped(), exact.len() > 8);
            let single = count_all(&keys);
            prop_assert_eq!(single.iter().collect::<Vec<_>>(), merged.iter().collect::<Vec<_>>());
            prop_assert_eq!(single.total(), merged.total());
        }
    }

    #[test]
    fn a_set_over_its_cap_keeps_the_smallest_and_counts_all() {
        let mut s: CappedSet<String, 3> = CappedSet::default();
        for u in ["d", "b", "e", "a", "c", "b", "f"] {
            s.insert_with(u, || u.to_string());
        }
        let kept: Vec<&String> = s.iter().collect();
        assert_eq!(kept, ["a", "b", "c"]);
        assert_eq!(s.total(), 6);
        assert!(s.is_capped());
        assert!(s.contains("a") && !s.contains("f"));
    }

    #[test]
    fn fingerprints_agree_for_a_key_and_its_borrowed_form() {
        assert_eq!(
            fingerprint("ada@example.com"),
            fingerprint(&"ada@example.com".to_string())
        );
        assert_ne!(fingerprint("a"), fingerprint("b"));
        // Fixed across processes: parts written by one run are merged by another.
        assert_eq!(fingerprint(""), fingerprint(""));
        assert_eq!(
            fingerprint("ada@example.com"),
            FIXED_ADA,
            "the fingerprint changed: it must be the same in every process of one casift version"
        );
    }

    /// `fingerprint("ada@example.com")`, as every process computes it.
    const FIXED_ADA: u128 = 0x6f5c_7201_43db_6997_61be_7637_fe5a_f851;

    #[test]
    fn structured_names_have_distinct_fingerprints() {
        // Names that differ in one byte, at every position of an eight-byte word, and in
        // length only (trailing NULs).
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000u32 {
            assert!(seen.insert(fingerprint(&format!("user{i:06}@example.com"))));
            assert!(seen.insert(fingerprint(&format!("{i}"))));
        }
        for n in 0..64 {
            assert!(seen.insert(fingerprint(&"\0".repeat(n))));
            assert!(seen.insert(fingerprint(&"a".repeat(n + 1))));
        }
        let ips: Vec<u128> = (0..70_000u32)
            .map(|i| {
                fingerprint(&std::net::IpAddr::from(std::net::Ipv4Addr::from(
                    0xc000_0200 + i,
                )))
            })
            .collect();
        let distinct: std::collections::HashSet<_> = ips.iter().collect();
        assert_eq!(distinct.len(), ips.len());
        // The fingerprints spread over their range: every 1/256 of it is hit.
        let mut buckets = [0u32; 256];
        for f in &ips {
            buckets[(f >> 120) as usize] += 1;
        }
        assert!(buckets.iter().all(|&b| b > 150), "{buckets:?}");
    }
}
