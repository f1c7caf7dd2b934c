//! Crossing a record 64 bytes at a time: quotes and brackets as bit masks, strings as a
//! prefix XOR of the quote mask (the first stage of simdjson, in safe Rust through `wide`).
//! Blocks holding a backslash are left to the byte loop, so the result is byte-for-byte
//! what that loop decides, on valid and invalid JSON alike.

use wide::u8x16;

/// Bytes per block.
pub const BLOCK: usize = 64;

/// What [`cross`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossed {
    /// The record's own closing bracket is at this offset.
    End(usize),
    /// Stopped before this offset: a block holding a backslash, or fewer than 64 bytes left.
    /// The byte loop goes on from here.
    Stopped(usize),
}

/// Scans whole 64-byte blocks from `i` while they hold no backslash, tracking whether a
/// string is open and the nesting below the record's own level, until the bracket that
/// closes the record (nesting below zero outside strings). Never called with an escape
/// pending.
pub fn cross(buf: &[u8], mut i: usize, in_string: &mut bool, inner: &mut usize) -> Crossed {
    while let Some(block) = buf.get(i..i + BLOCK) {
        let Some(m) = Masks::of(block) else {
            return Crossed::Stopped(i);
        };
        // Bytes inside a string: from an opening quote up to, not including, its closing quote.
        let carry = if *in_string { u64::MAX } else { 0 };
        let strings = prefix_xor(m.quote) ^ carry;
        *in_string = strings >> 63 == 1;
        // About one bracket per block in sign-in records: visiting each, and reading its
        // byte to tell an opening one, is cheaper than a mask for each kind.
        let mut brackets = m.bracket & !strings;
        while brackets != 0 {
            let bit = brackets.trailing_zeros() as usize;
            brackets &= brackets - 1;
            if block[bit] | 0x20 == b'{' {
                *inner += 1;
            } else if *inner == 0 {
                *in_string = false;
                return Crossed::End(i + bit);
            } else {
                *inner -= 1;
            }
        }
        i += BLOCK;
    }
    Crossed::Stopped(i)
}

/// One bit per byte of a block, bit `k` for byte `k`.
struct Masks {
    quote: u64,
    /// `{`, `[`, `}` or `]`.
    bracket: u64,
}

impl Masks {
    /// The masks of a block without a backslash; `None` (before the other masks are made)
    /// for a block with one.
    fn of(block: &[u8]) -> Option<Masks> {
        let lanes: [u8x16; 4] = std::array::from_fn(|k| {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&block[16 * k..16 * k + 16]);
            u8x16::new(bytes)
        });
        let backslash = u8x16::splat(b'\\');
        let any = lanes
            .iter()
            .fold(u8x16::splat(0), |m, &v| m | v.simd_eq(backslash));
        if any.to_bitmask() != 0 {
            return None;
        }
        let bits = |lane: fn(u8x16) -> u8x16| {
            lanes.iter().enumerate().fold(0u64, |m, (k, &v)| {
                m | u64::from(lane(v).to_bitmask()) << (16 * k)
            })
        };
        // `[` and `]` are `{` and `}` without the 0x20 bit; no other byte maps onto them.
        Some(Masks {
            quote: bits(|v| v.simd_eq(u8x16::splat(b'"'))),
            bracket: bits(|v| {
                let folded = v | u8x16::splat(0x20);
                folded.simd_eq(u8x16::splat(b'{')) | folded.simd_eq(u8x16::splat(b'}'))
            }),
        })
    }
}

/// Bit `k` of the result is the XOR of bits `0..=k` of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_xor_marks_string_bodies() {
        // Quotes at bits 2 and 5: bits 2, 3, 4 are inside.
        assert_eq!(prefix_xor(0b100100), 0b011100);
        assert_eq!(prefix_xor(1 << 63), 1 << 63);
        assert_eq!(prefix_xor(1), u64::MAX);
    }

    #[test]
    fn masks_find_every_class() {
        let mut block = [b'a'; 64];
        block[0] = b'"';
        block[17] = b'\\';
        block[33] = b'[';
        block[34] = b'{';
        block[62] = b']';
        block[63] = b'}';
        block[40] = b'{' ^ 0x80; // not a bracket
        assert!(Masks::of(&block).is_none());
        block[17] = b'a';
        let m = Masks::of(&block).unwrap();
        assert_eq!(m.quote, 1);
        assert_eq!(m.bracket, (1 << 33) | (1 << 34) | (1 << 62) | (1 << 63));
    }

    #[test]
    fn finds_the_closing_bracket_past_strings_and_nesting() {
        let mut text = String::from(r#""k":{"a":"}]{["},"b":[1,{"c":2}]"#);
        while text.len() < 2 * BLOCK {
            text.push(' ');
        }
        text.push_str("} tail");
        while text.len() < 3 * BLOCK {
            text.push(' ');
        }
        let text = text.as_bytes();
        let (mut in_string, mut inner) = (false, 0);
        let end = text.iter().rposition(|&c| c == b'}').unwrap();
        assert_eq!(
            cross(text, 0, &mut in_string, &mut inner),
            Crossed::End(end)
        );
        assert!(!in_string);
    }

    #[test]
    fn stops_at_a_backslash_block_and_at_the_tail() {
        let mut text = vec![b' '; BLOCK];
        text.extend_from_slice(br#""a\"b""#);
        text.resize(3 * BLOCK, b' ');
        let (mut in_string, mut inner) = (false, 0);
        assert_eq!(
            cross(&text, 0, &mut in_string, &mut inner),
            Crossed::Stopped(BLOCK)
        );
        let (mut in_string, mut inner) = (false, 0);
        assert_eq!(
            cross(&text[..BLOCK + 10], 0, &mut in_string, &mut inner),
            Crossed::Stopped(BLOCK)
        );
    }
}
