//! A compact set of 128-bit keys (GUIDs) for the duplicate check, which holds one key per
//! distinct sign-in of the whole input: Robin Hood open addressing over a plain `Vec<u128>`
//! (16 bytes a slot, no control bytes), filled to 90% and grown by a third, so it holds
//! between 17.8 and 23.7 bytes per key at any size. `std`'s `HashSet<u128>` doubles at 7/8
//! load and holds 19.4 to 38.9 (17 bytes a slot).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// 128 random bits from the standard library's per-process hash keys, one draw per process:
/// every set shares them, so one set's slots go into another as they are (`extend`).
fn random_seed() -> u128 {
    static SEED: OnceLock<u128> = OnceLock::new();
    *SEED.get_or_init(|| {
        let r = RandomState::new();
        (u128::from(r.hash_one(1u8)) << 64) | u128::from(r.hash_one(2u8))
    })
}

/// Odd multipliers of the key mix, and their inverses modulo 2^128.
const MUL1: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
const MUL2: u128 = 0xd6e8_feb8_6659_fd93_a5b3_5705_4f1b_0c55;
const MUL1_INV: u128 = inverse(MUL1);
const MUL2_INV: u128 = inverse(MUL2);

/// The inverse of an odd number modulo 2^128 (Newton's iteration doubles the correct bits:
/// 3, 6, …, 192).
const fn inverse(c: u128) -> u128 {
    let mut x = c;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u128.wrapping_sub(c.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// Fill at which the table grows (per mille), and its growth (new capacity = len × 4/3
/// at the limit), so the load stays between 67.5% and 90%.
const MAX_LOAD_PERMILLE: usize = 900;

/// The slots hold each key mixed (`mix`, a keyed bijection), not the key itself: a slot's
/// home is then read off its top bits with one multiply, where the Robin Hood probe needs
/// the home of every key it passes. `iter` gives the keys back (`unmix`).
#[derive(Debug, Clone)]
pub struct U128Set {
    /// 0 marks an empty slot; the key that mixes to 0 is `has_zero`.
    slots: Vec<u128>,
    has_zero: bool,
    len: usize,
    /// A random key for the mix: the keys come from files, and an unkeyed hash would let a
    /// crafted export put every key in one cluster.
    seed: u128,
    /// Slots stepped over by inserts (tests check the work, not the time).
    #[cfg(test)]
    steps: u64,
}

impl Default for U128Set {
    fn default() -> Self {
        U128Set {
            slots: Vec::new(),
            has_zero: false,
            len: 0,
            seed: random_seed(),
            #[cfg(test)]
            steps: 0,
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

    /// The keyed bijection the slots hold: multiply, fold the high half into the low one,
    /// multiply again (each step invertible), so every input bit reaches the top bits.
    fn mix(&self, k: u128) -> u128 {
        let mut x = (k ^ self.seed).wrapping_mul(MUL1);
        x ^= x >> 64;
        x.wrapping_mul(MUL2)
    }

    fn unmix(&self, m: u128) -> u128 {
        let mut x = m.wrapping_mul(MUL2_INV);
        x ^= x >> 64;
        x.wrapping_mul(MUL1_INV) ^ self.seed
    }

    /// The slot a mixed key would sit in with no collision (Lemire's multiply-shift range
    /// map of its top 64 bits, so the capacity need not be a power of two).
    fn home(&self, m: u128) -> usize {
        (((m >> 64) * self.slots.len() as u128) >> 64) as usize
    }

    /// How far slot `i` is from the home of the mixed key it holds.
    fn distance(&self, i: usize, m: u128) -> usize {
        let home = self.home(m);
        if i >= home {
            i - home
        } else {
            i + self.slots.len() - home
        }
    }

    pub fn contains(&self, k: u128) -> bool {
        let m = self.mix(k);
        if m == 0 {
            return self.has_zero;
        }
        if self.slots.is_empty() {
            return false;
        }
        let n = self.slots.len();
        let mut i = self.home(m);
        let mut dist = 0;
        loop {
            let s = self.slots[i];
            if s == m {
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
        let m = self.mix(k);
        self.insert_mixed(m)
    }

    fn insert_mixed(&mut self, m: u128) -> bool {
        if m == 0 {
            let new = !std::mem::replace(&mut self.has_zero, true);
            self.len += usize::from(new);
            return new;
        }
        // `len` counts the zero key too, which takes no slot: the limit is a little early.
        if self.over_limit(self.len + 1) {
            self.grow();
        }
        let n = self.slots.len();
        let mut i = self.home(m);
        let mut dist = 0;
        loop {
            let s = self.slots[i];
            if s == m {
                return false;
            }
            if s == 0 {
                self.slots[i] = m;
                break;
            }
            let sd = self.distance(i, s);
            if sd < dist {
                // Absent (see `contains`): it takes this slot.
                self.shift_in(i, m);
                break;
            }
            i = if i + 1 == n { 0 } else { i + 1 };
            dist += 1;
            #[cfg(test)]
            {
                self.steps += 1;
            }
        }
        self.len += 1;
        true
    }

    /// Puts `m` into occupied slot `i`, moving every key from `i` up to the next empty slot
    /// one slot on. The keys of a run sit in the (cyclic) order of their homes (Robin Hood),
    /// and `m`'s home comes before that of the key at `i`: moving them all a slot further
    /// from their homes keeps that order (keys of one home may end up in another order than
    /// displacing them one by one gives, which no lookup depends on). One `memmove`, not a
    /// distance computed per slot.
    fn shift_in(&mut self, i: usize, m: u128) {
        let n = self.slots.len();
        let empty = |r: &[u128]| r.iter().position(|&s| s == 0);
        // The fill limit leaves a slot empty, so a run always ends.
        let e = empty(&self.slots[i..])
            .map(|p| i + p)
            .or_else(|| empty(&self.slots[..i]))
            .expect("a table under its fill limit has an empty slot");
        if e > i {
            self.slots.copy_within(i..e, i + 1);
        } else {
            // The run wraps past the last slot.
            self.slots.copy_within(0..e, 1);
            self.slots[0] = self.slots[n - 1];
            self.slots.copy_within(i..n - 1, i + 1);
        }
        self.slots[i] = m;
        #[cfg(test)]
        {
            self.steps += (if e > i { e - i } else { e + n - i }) as u64;
        }
    }

    /// Puts a mixed key known to be absent, probing from slot `i` at distance `dist` from
    /// its home, displacing keys nearer their home (Robin Hood).
    fn place(&mut self, mut m: u128, mut i: usize, mut dist: usize) {
        let n = self.slots.len();
        loop {
            let s = self.slots[i];
            if s == 0 {
                self.slots[i] = m;
                return;
            }
            let sd = self.distance(i, s);
            if sd < dist {
                self.slots[i] = m;
                m = s;
                dist = sd;
            }
            i = if i + 1 == n { 0 } else { i + 1 };
            dist += 1;
            #[cfg(test)]
            {
                self.steps += 1;
            }
        }
    }

    /// Whether `n` keys would take the table past its fill limit.
    fn over_limit(&self, n: usize) -> bool {
        n * 1000 > self.slots.len() * MAX_LOAD_PERMILLE
    }

    /// Rebuilds the table for `n` keys if `n` would take it past its fill limit (the
    /// condition `insert` grows on, so a table with room is left as it is).
    fn reserve(&mut self, n: usize) {
        if self.over_limit(n) {
            self.rebuild(slots_for(n));
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
        self.rebuild(want);
    }

    /// Moves every key into a new table of `want` slots, in the old table's order (the
    /// order of their homes, which a larger table keeps: no key passes another).
    fn rebuild(&mut self, want: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; want]);
        for m in old.into_iter().filter(|&m| m != 0) {
            let home = self.home(m);
            self.place(m, home, 0);
        }
    }

    /// The keys, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        self.has_zero
            .then_some(0)
            .into_iter()
            .chain(self.slots.iter().copied().filter(|&m| m != 0))
            .map(|m| self.unmix(m))
    }

    pub fn extend(&mut self, o: &U128Set) {
        // Room for at least as many keys as the larger set holds (a lower bound of the
        // union, so the 24-bytes-a-key bound holds): `o`'s slots come in order of their
        // home, and a table much smaller than `o`'s would pile the first of them into one
        // run at its start, making every insert walk it (quadratic).
        self.reserve(self.len.max(o.len));
        // The same mix (one seed a process): the slots go in as they are.
        debug_assert_eq!(o.seed, self.seed);
        if o.has_zero {
            self.insert_mixed(0);
        }
        for &m in o.slots.iter().filter(|&&m| m != 0) {
            self.insert_mixed(m);
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

    /// Every key sits at or after its home, no further from it than the key before it is
    /// from its own plus one (Robin Hood order), and every inserted key is found.
    fn check_order(s: &U128Set, mixed: &[u128]) {
        let n = s.slots.len();
        for i in 0..n {
            let (prev, cur) = (s.slots[(i + n - 1) % n], s.slots[i]);
            if cur != 0 && prev != 0 {
                let (dp, dc) = (s.distance((i + n - 1) % n, prev), s.distance(i, cur));
                assert!(dc <= dp + 1, "slot {i}: {dc} after {dp}");
            }
            if cur != 0 && prev == 0 {
                assert_eq!(
                    s.distance(i, cur),
                    0,
                    "slot {i} starts a run away from home"
                );
            }
        }
        for &m in mixed {
            assert!(s.contains(s.unmix(m)), "{m:x}");
        }
    }

    #[test]
    fn inserts_that_wrap_past_the_last_slot_keep_the_order() {
        // Mixed keys whose homes are the last slots: their runs wrap to the start, and the
        // keys an insert moves on cross the end of the table.
        let mut s = U128Set::with_capacity(40);
        let n = s.slots.len() as u128;
        let mut mixed = Vec::new();
        for j in 0..(n * 85 / 100) {
            // Homes in the last three slots, and a few at the start, in no order.
            let top = if j % 5 == 0 {
                j % 3
            } else {
                u64::MAX as u128 - (j * 7 % 3) * (u64::MAX as u128 / n)
            };
            let m = (top << 64) | (j + 1);
            assert!(s.insert_mixed(m));
            assert!(!s.insert_mixed(m));
            mixed.push(m);
            assert_eq!(s.slots.len() as u128, n, "no growth below the fill limit");
            check_order(&s, &mixed);
        }
        for k in 0..1000u128 {
            s.insert(k * 0x9e37_79b9);
        }
        let all: Vec<u128> = s.slots.iter().copied().filter(|&m| m != 0).collect();
        check_order(&s, &all);
    }

    #[test]
    fn the_mix_is_a_bijection() {
        assert_eq!(MUL1.wrapping_mul(MUL1_INV), 1);
        assert_eq!(MUL2.wrapping_mul(MUL2_INV), 1);
        let s = U128Set::default();
        for k in [0u128, 1, u128::MAX, 1 << 64, 0x4000_8000, MUL1, s.unmix(0)] {
            assert_eq!(s.unmix(s.mix(k)), k, "{k:x}");
        }
        // The key that mixes to 0 (the empty-slot marker) is a key like any other.
        let mut z = U128Set::default();
        let k0 = z.unmix(0);
        assert!(z.insert(k0) && !z.insert(k0) && z.contains(k0) && z.len() == 1);
        assert_eq!(z.iter().collect::<Vec<_>>(), [k0]);
        let mut t = U128Set::default();
        t.extend(&z);
        assert_eq!(t, z);
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
    fn extending_a_small_set_with_a_large_one_keeps_probes_short() {
        // A large set's slots come in the order of their homes: poured into a table much
        // smaller than theirs they would pile up in one run (every insert walking it).
        let mut big = U128Set::default();
        for i in 1..=60_000u128 {
            big.insert(i.wrapping_mul(0x2545_f491_4f6c_dd1d_8f1b_bcdc_bf6c_f2b1));
        }
        for start in [0usize, 1, 5_000] {
            let mut small = U128Set::default();
            for i in 0..start as u128 {
                small.insert(u128::MAX - i);
            }
            small.steps = 0;
            small.extend(&big);
            assert_eq!(small.len(), big.len() + start);
            // A few slots stepped a key on average; one run would be ~0.2 × 60,000².
            assert!(
                small.steps < 10 * big.len() as u64,
                "from {start} keys: {} steps for {} keys",
                small.steps,
                big.len()
            );
            assert!(small.bytes() as f64 / small.len() as f64 <= 24.0);
        }
        // The other way round nothing is rebuilt: a full table taking a few keys keeps its
        // slots (rebuilding a run-wide set at every chunk's merge would be quadratic).
        let mut full = U128Set::default();
        let mut i = 1u128;
        while full.len() * 1000 <= full.slots.len() * 850 || full.len() < 10_000 {
            full.insert(i.wrapping_mul(0x2545_f491_4f6c_dd1d_8f1b_bcdc_bf6c_f2b1));
            i += 1;
        }
        let slots = full.slots.len();
        let few: U128Set = {
            let mut f = U128Set::default();
            for k in 1..=10u128 {
                f.insert(u128::MAX - k);
            }
            f
        };
        full.extend(&few);
        assert_eq!(full.slots.len(), slots, "rebuilt for {} keys", few.len());
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
