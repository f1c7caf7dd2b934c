//! The fast path's byte scans: where a string ends or escapes, what an escape stands for,
//! where white space ends; sixteen bytes at a time where the input allows.

use wide::u8x16;

use super::Sure;

/// The escape whose backslash is at `at`: the character, and where the string goes on.
/// Surrogates (pairs or lone ones) and anything unusual are serde's to judge.
pub(super) fn escape(b: &[u8], at: usize) -> Sure<(char, usize)> {
    let c = match *b.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hex = b.get(at + 2..at + 6)?;
            let mut code = 0u32;
            for &h in hex {
                code = code * 16 + char::from(h).to_digit(16)?;
            }
            return Some((char::from_u32(code)?, at + 6));
        }
        _ => return None,
    };
    Some((c, at + 2))
}

/// The first byte at or after `at` that is not JSON white space, sixteen bytes at a time
/// (an indented export puts a line break and a run of spaces before every key).
pub(super) fn after_blanks(b: &[u8], mut at: usize) -> usize {
    let (space, newline) = (u8x16::splat(b' '), u8x16::splat(b'\n'));
    let (tab, ret) = (u8x16::splat(b'\t'), u8x16::splat(b'\r'));
    while let Some(lane) = b.get(at..at + 16) {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(lane);
        let v = u8x16::new(bytes);
        let blank = v.simd_eq(space) | v.simd_eq(newline) | v.simd_eq(tab) | v.simd_eq(ret);
        let other = !blank.to_bitmask() & 0xffff;
        if other != 0 {
            return at + other.trailing_zeros() as usize;
        }
        at += 16;
    }
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(at) {
        at += 1;
    }
    at
}

/// The first `"`, `\` or control character at or after `at`, sixteen bytes at a time.
pub(super) fn find_special(b: &[u8], mut at: usize) -> Sure<usize> {
    let (quote, backslash, space) = (u8x16::splat(b'"'), u8x16::splat(b'\\'), u8x16::splat(0x1f));
    while let Some(lane) = b.get(at..at + 16) {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(lane);
        let v = u8x16::new(bytes);
        let hit = v.simd_eq(quote) | v.simd_eq(backslash) | v.simd_eq(v.min(space));
        let mask = hit.to_bitmask();
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    b.get(at..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte loops the scans stand for.
    fn blanks_by_byte(b: &[u8], mut at: usize) -> usize {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(at) {
            at += 1;
        }
        at
    }

    fn special_by_byte(b: &[u8], at: usize) -> Option<usize> {
        b.get(at..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map(|p| at + p)
    }

    #[test]
    fn blank_runs_end_where_the_byte_loop_ends() {
        let mut text = b"x".to_vec();
        for run in 0..40 {
            text.push(b'\n');
            text.extend(std::iter::repeat_n(b' ', run));
            text.push(if run % 3 == 0 { b'\t' } else { b'\r' });
            text.extend(std::iter::repeat_n(b' ', run / 2));
            text.push(b'"');
        }
        text.extend(std::iter::repeat_n(b' ', 37));
        for at in 0..=text.len() + 1 {
            assert_eq!(after_blanks(&text, at), blanks_by_byte(&text, at), "{at}");
        }
    }

    proptest::proptest! {
        #[test]
        fn blank_heavy_text_is_scanned_as_by_bytes(
            runs in proptest::collection::vec(
                (proptest::sample::select(b" \n\t\r".to_vec()), 0usize..40, proptest::sample::select(b"\"a:,{".to_vec())),
                0..8,
            ),
            at in 0usize..200,
        ) {
            let mut text = Vec::new();
            for (blank, len, stop) in runs {
                text.extend(std::iter::repeat_n(blank, len));
                text.push(if len % 7 == 3 { b'\n' } else { stop });
            }
            proptest::prop_assert_eq!(after_blanks(&text, at), blanks_by_byte(&text, at));
            proptest::prop_assert_eq!(find_special(&text, at), special_by_byte(&text, at));
        }

        #[test]
        fn scans_agree_with_byte_loops(
            text in proptest::collection::vec(
                proptest::sample::select(b" \n\t\r\"\\a{}\x01\x1f\x7f\xc3".to_vec()),
                0..80,
            ),
            at in 0usize..82,
        ) {
            proptest::prop_assert_eq!(after_blanks(&text, at), blanks_by_byte(&text, at));
            proptest::prop_assert_eq!(find_special(&text, at), special_by_byte(&text, at));
        }
    }
}
