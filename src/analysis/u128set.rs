//! A compact set of 128-bit keys (GUIDs) for the duplicate check, which holds one key per
//! distinct sign-in of the whole input: Robin Hood open addressing over a plain `Vec<u128>`
//! (16 bytes a slot, no control bytes), filled to 90% and grown by a third, so it holds
//! between 17.8 and 23.7 bytes per key at any size. `std`'s `HashSet<u128>` doubles at 7/8
//! load and holds 19.4 to 38.9 (17 bytes a slot).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// 128 random bits from the standard library's per-process hash keys.
fn random_seed() -> u128 {
    let r = RandomState::new();
    (u128::from(r.hash_one(1u8)) << 64) | u128::from(r.hash_one(2u8))
}

/// Fill at which the table grows (per mille), and its growth (new capacity = len × 4/3
/// at the limit), so the load stays between 67.5% and 90%.
const MAX_LOAD_PERMILLE: usize = 900;

#[derive(Debug, Clone)]
pub struct U128Set {
    /// 0 marks an empty slot; the key 0 itself is `has_zero`.
    slots: Vec<u128>,
    has_zero: bool,
    len: usize,
    /// A random key for the hash: the keys come from files, and an unkeyed hash would let a
    /// crafted export put every key in one cluster.
    seed: u128,
}

impl Default for U128Set {
    fn default() -> Self {
        U128Set {
            slots: Vec::new(),
            has_zero: false,
            len: 0,
            seed: random_seed(),
        }
    }
}

impl PartialEq for U128Set {
    fn eq(&self, o: &Self) -> bool {
        self.len == o.len && self.iter().all(|k| o.contains(k))
    }
}

impl U128Set {
    pub fn with_capacity(n: usize) -> U128Set {
        let mut s = U128Set::default();
        if n > 0 {
            s.slots = vec![0; slots_for(n)];
        }
        s
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Bytes held for the keys (the slot vector).
    pub fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u128>()
    }

    /// The slot a key would sit in with no collision (Lemire's multiply-shift range map,
    /// so the capacity need not be a power of two).
    fn home(&self, k: u128) -> usize {
        // Multiply-xorshift over the keyed value: a few cycles, which matters because the
        // Robin Hood probe recomputes the home of every key it passes. SipHash here made a
        // probe several times slower.
        let x = (k ^ self.seed).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        let mut h = (x >> 64) as u64 ^ x as u64;
        h ^= h >> 32;
        h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
        h ^= h >> 32;
        ((u128::from(h) * self.slots.len() as u128) >> 64) as usize
    }

    /// How far slot `i` is from the home of the key it holds.
    fn distance(&self, i: usize, k: u128) -> usize {
        let home = self.home(k);
        if i >= home {
            i - home
        } else {
            i + self.slots.len() - home
        }
    }

    pub fn contains(&self, k: u128) -> bool {
        if k == 0 {
            return self.has_zero;
        }
        if self.slots.is_empty() {
            return false;
        }
        let n = self.slots.len();
        let mut i = self.home(k);
        let mut dist = 0;
        loop {
            let s = self.slots[i];
            if s == k {
                return true;
            }
            // Robin Hood order: a key sits no nearer its home than any key it passed, so a
            // key that is nearer its own home than we are to ours ends the search.
            if s == 0 || self.distance(i, s) < dist {
                return false;
            }
            i += 1;
            if i == n {
                i = 0;
            }
            dist += 1;
        }
    }

    /// Adds a key; false when it was already there. One probe finds it or the slot where
    /// it belongs.
    pub fn insert(&mut self, k: u128) -> bool {
        if k == 0 {
            let new = !std::mem::replace(&mut self.has_zero, true);
            self.len += usize::from(new);
            return new;
        }
        // `len` counts the zero key too, which takes no slot: the limit is a little early.
        if (self.len + 1) * 1000 > self.slots.len() * MAX_LOAD_PERMILLE {
            self.grow();
        }
        let n = self.slots.len();
        let mut i = self.home(k);
        let mut dist = 0;
        loop {
            let s = self.slots[i];
            if s == k {
                return false;
            }
            if s == 0 {
                self.slots[i] = k;
                break;
            }
            let sd = self.distance(i, s);
            if sd < dist {
                // Absent (see `contains`): it takes this slot, and the key it displaces
                // moves on.
                self.slots[i] = k;
                self.place(s, (i + 1) % n, sd + 1);
                break;
            }
            i = if i + 1 == n { 0 } else { i + 1 };
            dist += 1;
        }
        self.len += 1;
        true
    }

    /// Puts a key known to be absent, probing from slot `i` at distance `dist` from its
    /// home, displacing keys nearer their home (Robin Hood).
    fn place(&mut self, mut k: u128, mut i: usize, mut dist: usize) {
        let n = self.slots.len();
        loop {
            let s = self.slots[i];
            if s == 0 {
                self.slots[i] = k;
                return;
            }
            let sd = self.distance(i, s);
            if sd < dist {
                self.slots[i] = k;
                k = s;
                dist = sd;
            }
            i = if i + 1 == n { 0 } else { i + 1 };
            dist += 1;
        }
    }

    fn grow(&mut self) {
        // Small tables (every chunk's sets start empty) double: growing a third at a time
        // would rebuild them some thirty times on the way to a chunk's few thousand keys.
        // From `DOUBLE_BELOW` slots on, memory is what counts.
        let want = if self.slots.len() < DOUBLE_BELOW {
            slots_for(self.len + 1).max(self.slots.len() * 2)
        } else {
            slots_for(self.len + 1)
        };
        let old = std::mem::replace(&mut self.slots, vec![0; want]);
        for k in old.into_iter().filter(|&k| k != 0) {
            let home = self.home(k);
            self.place(k, home, 0);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        self.has_zero
            .then_some(0)
            .into_iter()
            .chain(self.slots.iter().copied().filter(|&k| k != 0))
    }

    pub fn extend(&mut self, o: &U128Set) {
        for k in o.iter() {
            self.insert(k);
        }
    }
}

/// Below this many slots (16 KiB, about 900 keys) a table doubles when it grows; from
/// there on it holds at most 24 bytes a key (`stays_under_24_bytes_a_key_at_every_size`).
const DOUBLE_BELOW: usize = 1 << 10;

/// Slots for `n` keys: a third more than the 90% limit needs, so the table is at about
/// 67.5% right after it grows.
fn slots_for(n: usize) -> usize {
    let at_limit = (n * 1000).div_ceil(MAX_LOAD_PERMILLE);
    (at_limit + at_limit / 3).max(8)
}

/// In a part file: the ids in hex, sorted (so the bytes do not depend on the table).
impl serde::Serialize for U128Set {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<u128> = self.iter().collect();
        v.sort_unstable();
        s.serialize_str(&crate::partial::serde_util::hex_join(v.into_iter()))
    }
}

impl<'de> serde::Deserialize<'de> for U128Set {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        let ids = crate::partial::serde_util::hex_split::<D::Error>(&text)?;
        let mut s = U128Set::with_capacity(ids.len());
        for g in ids {
            s.insert(g);
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_set() {
        let mut s = U128Set::default();
        let mut reference = std::collections::HashSet::new();
        // Clustered keys (small integers, one high bit pattern) and zero.
        let keys: Vec<u128> = (0..20_000u128)
            .map(|i| if i % 3 == 0 { i } else { i << 100 | i })
            .chain([0, 0, u128::MAX, 1, 1])
            .collect();
        for &k in &keys {
            assert_eq!(s.insert(k), reference.insert(k), "{k}");
            assert_eq!(s.len(), reference.len());
        }
        for &k in &keys {
            assert!(s.contains(k));
            assert!(!s.contains(k ^ (1 << 64)) || reference.contains(&(k ^ (1 << 64))));
        }
        let mut all: Vec<u128> = s.iter().collect();
        all.sort_unstable();
        let mut want: Vec<u128> = reference.into_iter().collect();
        want.sort_unstable();
        assert_eq!(all, want);
        let mut t = U128Set::with_capacity(3);
        t.extend(&s);
        assert_eq!(t, s);
    }

    #[test]
    fn structured_keys_do_not_cluster() {
        // Ids that differ only in a few high or low bits (sequential, or one GUID field
        // counting) must spread like random ones: the longest probe stays short.
        for shift in [0u32, 48, 96, 120] {
            let mut s = U128Set::default();
            for i in 1..=50_000u128 {
                s.insert(((i & 0xff) << shift) | (i >> 8) << 64 | 0x4000_8000);
            }
            let longest = (0..s.slots.len())
                .filter(|&i| s.slots[i] != 0)
                .map(|i| s.distance(i, s.slots[i]))
                .max()
                .unwrap_or(0);
            assert!(longest < 48, "shift {shift}: probe of {longest}");
        }
    }

    #[test]
    fn stays_under_24_bytes_a_key_at_every_size() {
        let mut s = U128Set::default();
        let mut worst: f64 = 0.0;
        for i in 1..=300_000u128 {
            s.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            if i >= 1000 {
                worst = worst.max(s.bytes() as f64 / s.len() as f64);
            }
        }
        assert!(worst <= 24.0, "{worst} bytes a key");
    }
}
