//! Skipping a value the record does not need: checked against JSON's grammar exactly as
//! reading it would be (so the fast path still gives up where serde would decide), in one
//! loop over the nesting instead of a call for every value inside it.

use super::{Cursor, MAX_DEPTH, Sure};

impl Cursor<'_> {
    /// Any value, checked against JSON's grammar and dropped.
    pub(super) fn skip_value(&mut self) -> Sure<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_nested(),
            first => self.skip_scalar(first),
        }
    }

    /// A literal or a number, whose first byte (`first`, at the cursor) was peeked.
    fn skip_scalar(&mut self, first: u8) -> Sure<()> {
        match first {
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(drop),
        }
    }

    /// An object or array and everything in it. `open` holds a bit for each container
    /// entered and not yet closed, innermost lowest: 1 for an object, 0 for an array (at
    /// most `MAX_DEPTH` of them, which the assertion below keeps within its 128 bits).
    fn skip_nested(&mut self) -> Sure<()> {
        const _: () = assert!(MAX_DEPTH < 128);
        let mut open: u128 = 0;
        let mut levels = 0u32;
        loop {
            // A value is due here.
            match self.peek()? {
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    self.enter()?;
                    let object = c == b'{';
                    open = open << 1 | u128::from(object);
                    levels += 1;
                    let close = if object { b'}' } else { b']' };
                    if self.peek()? != close {
                        if object {
                            self.member_key()?;
                        }
                        continue;
                    }
                    // Empty: the loop below closes it.
                }
                b'"' => self.skip_string()?,
                first => self.skip_scalar(first)?,
            }
            // A value ended: a comma, or the end of the containers it closes.
            loop {
                if levels == 0 {
                    return Some(());
                }
                let object = open & 1 == 1;
                match (self.peek()?, object) {
                    (b',', _) => {
                        self.i += 1;
                        if object {
                            self.member_key()?;
                        }
                        break;
                    }
                    (b'}', true) | (b']', false) => {
                        self.i += 1;
                        self.depth -= 1;
                        open >>= 1;
                        levels -= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    /// A member's key and its colon (a key with escapes is serde's, as in `object`).
    fn member_key(&mut self) -> Sure<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.key()?;
        self.eat(b':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Cursor<'_> {
        /// The skip as it was written before: a call for every value (strings and scalars
        /// skipped by the same functions as in `skip_value`).
        fn skip_by_calls(&mut self) -> Sure<()> {
            match self.peek()? {
                b'"' => self.skip_string(),
                b'{' => self.object(|c, _| c.skip_by_calls()),
                b'[' => self.array(|c| c.skip_by_calls()),
                first => self.skip_scalar(first),
            }
        }
    }

    /// Where each skip leaves the cursor, or `None`; and the depth it leaves.
    fn both(text: &str, depth: u32) -> [(Option<usize>, u32); 2] {
        let run = |calls: bool| {
            let mut c = Cursor::new(text);
            c.depth = depth;
            let r = if calls {
                c.skip_by_calls()
            } else {
                c.skip_value()
            };
            (r.map(|()| c.i), if r.is_some() { c.depth } else { 0 })
        };
        [run(false), run(true)]
    }

    #[test]
    fn skips_what_the_calls_skipped() {
        for text in [
            r#"{"a":[1,{"b":null},[]],"c":{}} tail"#,
            r#"[ { "k" : "v" } , [ true , false ] ]"#,
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}",
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"k\u0041":1}"#,
            r#"{"k":"\u0041\n"}"#,
            r#"{"k":"\ud800"}"#,
            r#"[01]"#,
            r#"[-1.5e+3, 0, -0]"#,
            r#"[nul]"#,
            r#"{"a":[}"#,
            r#"{"a":{]}"#,
            r#"[[[[]]]"#,
            r#"{}"#,
            r#"[]"#,
            "",
            "   ",
            r#""s""#,
            "7",
        ] {
            let [fast, calls] = both(text, 1);
            assert_eq!(fast, calls, "{text}");
        }
    }

    #[test]
    fn the_nesting_limit_is_the_same() {
        for n in [62, 63, 64, 65, 130] {
            let arrays = format!("{}{}", "[".repeat(n), "]".repeat(n));
            // Objects and arrays in turn: `{"k":[{"k":[ ... ]}]}`.
            let open: String = (0..n)
                .map(|l| if l % 2 == 0 { "{\"k\":" } else { "[" })
                .collect();
            let close: String = (0..n)
                .rev()
                .map(|l| if l % 2 == 0 { "}" } else { "]" })
                .collect();
            let mixed = format!("{open}1{close}");
            for depth in [0, 1, 3] {
                for text in [&arrays, &mixed] {
                    let [fast, calls] = both(text, depth);
                    assert_eq!(fast, calls, "{n} {depth} {text}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_skipped_as_by_calls(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", " ", "\n", "\t", "\r", "\n                  ",
                    "\"k\"", "\"a\\\"b\"", "\"\\u00e9\"", "1", "-2.5", "01", "true", "null",
                    "fals", "\"\u{1}\"", "{\"k\":", "[{\"k\":[", "]}]", "}",
                ]),
                0..48,
            ),
            depth in 0u32..3,
        ) {
            let text = parts.concat();
            let [fast, calls] = both(&text, depth);
            proptest::prop_assert_eq!(fast, calls, "{}", text);
        }
    }
}
