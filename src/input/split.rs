//! The JSON record splitter: a resumable, string- and escape-aware scanner that finds the
//! byte spans of sign-in records in any of the JSON container shapes (bare array, Graph
//! pages, arrays of pages, Event Hub `records`, JSON lines, concatenated objects), one block
//! at a time. It never parses values; the workers decode the spans.

mod blocks;
pub mod fields;
pub mod rows;

use blocks::Crossed;

/// A record found in the current buffer: `[start, end)` byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Where an object starts decides whether it is a record candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// An array whose object elements are record candidates (top level or a wrapper's `value`).
    RecordArray,
    /// A candidate object that turned out to be a wrapper (`value` / `records` key).
    Wrapper,
    /// Any other container (inside a record, or an unrelated array).
    Other,
}

/// Resumable scanner state. Feed it consecutive bytes; it reports complete records.
#[derive(Debug, Default)]
pub struct Splitter {
    frames: Vec<Frame>,
    in_string: bool,
    escape: bool,
    /// Inside a record on the fast path: only nesting and strings are tracked.
    fast: bool,
    /// Nesting inside the fast-path record (0 = the record's own level).
    inner: usize,
    /// A record completed at the root level, so root candidates need no key tracking.
    root_records_seen: bool,
    /// Depth (frames length) at which the current candidate record object was opened.
    cand_depth: Option<usize>,
    cand_start: usize,
    /// Key detection inside a candidate: start of the last string at the candidate's top level.
    key_start: usize,
    last_key: KeyState,
    /// A non-object element of a record array (`42`, `"x"`, `[1]`): reported as a record
    /// so the decoder can skip it with a reason. Start offset and frame depth.
    elem: Option<(usize, usize)>,
    elem_last: usize,
    /// Bytes outside any record at the top level that are not JSON structure.
    pub stray_bytes: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    #[default]
    None,
    /// A top-level string inside the candidate just ended.
    StringEnded { is_wrapper_key: bool },
    /// That string was followed by `:`, so it was a key.
    Key { is_wrapper_key: bool },
}

impl Splitter {
    pub fn new() -> Splitter {
        Splitter::default()
    }

    /// True when a record has started but not ended.
    pub fn in_record(&self) -> bool {
        self.cand_depth.is_some()
    }

    /// True when some container is still open (a missing closing bracket at the end).
    pub fn depth_open(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Start offset of the open record, if any: an object, or a non-object element of a
    /// record array (which becomes a record too, so it is capped and reported the same way).
    pub fn open_record_start(&self) -> Option<usize> {
        self.cand_depth
            .map(|_| self.cand_start)
            .or(self.elem.map(|(s, _)| s))
    }

    /// True when no record, element or string is open: every byte scanned so far can be
    /// dropped without losing anything (whitespace or stray bytes between records).
    pub fn idle(&self) -> bool {
        self.cand_depth.is_none() && self.elem.is_none() && !self.in_string
    }

    /// Shifts the remembered offsets after the caller dropped `n` bytes from the front.
    pub fn shift(&mut self, n: usize) {
        self.cand_start = self.cand_start.saturating_sub(n);
        self.key_start = self.key_start.saturating_sub(n);
        if let Some((s, _)) = self.elem.as_mut() {
            *s = s.saturating_sub(n);
        }
        self.elem_last = self.elem_last.saturating_sub(n);
    }

    /// Whether an object opening at the current position is a record candidate.
    fn object_is_candidate(&self) -> bool {
        matches!(self.frames.last(), None | Some(Frame::RecordArray))
    }

    /// Scans `buf[from..]`, appending complete record spans to `out`.
    pub fn scan(&mut self, buf: &[u8], from: usize, out: &mut Vec<Span>) {
        let mut i = from;
        let n = buf.len();
        while i < n {
            if self.fast {
                i = self.skip_record(buf, i, out);
                continue;
            }
            if self.in_string {
                // Jump to the next quote or backslash: string bodies are most of the bytes.
                if self.escape {
                    self.escape = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                    None => {
                        i = n;
                    }
                    Some(off) => {
                        let j = i + off;
                        if buf[j] == b'\\' {
                            self.escape = true;
                            i = j + 1;
                        } else {
                            self.in_string = false;
                            self.string_ended(buf, j);
                            self.elem_last = j;
                            i = j + 1;
                        }
                    }
                }
                continue;
            }
            let b = buf[i];
            if self.cand_depth.is_none() {
                self.track_element(b, i, out);
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.key_start = i + 1;
                }
                b'{' => {
                    if self.cand_depth.is_none() && self.object_is_candidate() {
                        self.cand_depth = Some(self.frames.len());
                        self.cand_start = i;
                        self.last_key = KeyState::None;
                        self.fast = self.records_certain();
                        self.inner = 0;
                    }
                    self.frames.push(Frame::Other);
                }
                b'[' => {
                    let frame = if self.cand_depth.is_none() && self.frames.is_empty() {
                        Frame::RecordArray
                    } else if let (
                        Some(Frame::Wrapper),
                        KeyState::Key {
                            is_wrapper_key: true,
                        },
                    ) = (self.frames.last(), self.last_key)
                    {
                        Frame::RecordArray
                    } else if self.is_candidate_top() {
                        if let KeyState::Key {
                            is_wrapper_key: true,
                        } = self.last_key
                        {
                            // The candidate holds `value: [` or `records: [`: it is a wrapper.
                            let d = self.cand_depth.take().unwrap_or(0);
                            if let Some(f) = self.frames.get_mut(d) {
                                *f = Frame::Wrapper;
                            }
                            Frame::RecordArray
                        } else {
                            Frame::Other
                        }
                    } else {
                        Frame::Other
                    };
                    self.last_key = KeyState::None;
                    self.frames.push(frame);
                }
                b'}' | b']' => {
                    if self.frames.pop().is_some() {
                        if let Some(d) = self.cand_depth
                            && self.frames.len() == d
                            && b == b'}'
                        {
                            out.push(Span {
                                start: self.cand_start,
                                end: i + 1,
                            });
                            if d == 0 || (d == 1 && self.frames[0] == Frame::RecordArray) {
                                self.root_records_seen = true;
                            }
                            self.cand_depth = None;
                        }
                    } else {
                        self.stray();
                    }
                    self.last_key = KeyState::None;
                }
                b':' => {
                    if let KeyState::StringEnded { is_wrapper_key } = self.last_key {
                        self.last_key = KeyState::Key { is_wrapper_key };
                    }
                }
                b',' => {
                    self.last_key = KeyState::None;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    if self.cand_depth.is_none()
                        && !matches!(
                            self.frames.last(),
                            Some(Frame::Wrapper) | Some(Frame::Other)
                        )
                    {
                        self.stray();
                    }
                }
            }
            i += 1;
        }
    }

    /// Non-object elements directly inside a record array become spans of their own.
    fn track_element(&mut self, b: u8, i: usize, out: &mut Vec<Span>) {
        let in_record_array = matches!(self.frames.last(), Some(Frame::RecordArray));
        match self.elem {
            None => {
                if in_record_array
                    && !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}' | b'{')
                {
                    self.elem = Some((i, self.frames.len()));
                    self.elem_last = i;
                }
            }
            Some((start, depth)) => {
                // An object right after a junk element (`[1 {…}]`, a missing comma) ends the
                // element: the object is a record of its own, never counted twice. So does a
                // mismatched `}` closing the array, or the element would outlive its array.
                if self.frames.len() == depth && matches!(b, b',' | b']' | b'}' | b'{') {
                    out.push(Span {
                        start,
                        end: self.elem_last + 1,
                    });
                    self.elem = None;
                } else if !b.is_ascii_whitespace() {
                    self.elem_last = i;
                }
            }
        }
    }

    /// Whether a candidate opening now is certainly a record, not a page wrapper: the
    /// elements of a wrapper's array always are, and root-level objects are once one of
    /// them turned out to be a record. Only then may the fast path skip key tracking.
    fn records_certain(&self) -> bool {
        let n = self.frames.len();
        let root = n == 0 || (n == 1 && self.frames[0] == Frame::RecordArray);
        if root {
            self.root_records_seen
        } else {
            n >= 2 && self.frames[n - 2] == Frame::Wrapper
        }
    }

    /// The fast path through one record: nesting and strings only. Returns where to go on;
    /// at the record's closing brace it emits the span and leaves the fast path.
    fn skip_record(&mut self, buf: &[u8], mut i: usize, out: &mut Vec<Span>) -> usize {
        let n = buf.len();
        while i < n {
            if !self.escape {
                match blocks::cross(buf, i, &mut self.in_string, &mut self.inner) {
                    Crossed::End(close) => return self.record_closed(close, out),
                    Crossed::Stopped(at) => i = at,
                }
            }
            // A block holding a backslash (or an escape pending), or the last bytes.
            let stop = (i + blocks::BLOCK).min(n);
            match self.skip_bytes(buf, i, stop) {
                Some(close) => return self.record_closed(close, out),
                None => i = stop,
            }
        }
        n
    }

    /// The byte-at-a-time crossing of `buf[i..stop]`: the closing bracket, if it is there.
    fn skip_bytes(&mut self, buf: &[u8], mut i: usize, stop: usize) -> Option<usize> {
        while i < stop {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                    i += 1;
                    continue;
                }
                match find_quote_or_backslash(&buf[..stop], i) {
                    None => return None,
                    Some(j) if buf[j] == b'\\' => {
                        self.escape = true;
                        i = j + 1;
                    }
                    Some(j) => {
                        self.in_string = false;
                        i = j + 1;
                    }
                }
                continue;
            }
            match buf[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.inner += 1,
                b'}' | b']' => {
                    if self.inner == 0 {
                        return Some(i);
                    }
                    self.inner -= 1;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// The record's own closing bracket is at `close`: report the record, leave the fast path.
    fn record_closed(&mut self, close: usize, out: &mut Vec<Span>) -> usize {
        self.frames.pop();
        out.push(Span {
            start: self.cand_start,
            end: close + 1,
        });
        self.cand_depth = None;
        self.fast = false;
        self.last_key = KeyState::None;
        close + 1
    }

    /// At the top level of a candidate object (or of a wrapper, for a later `value` key).
    fn is_candidate_top(&self) -> bool {
        self.cand_depth.is_some_and(|d| self.frames.len() == d + 1)
    }

    fn string_ended(&mut self, buf: &[u8], quote: usize) {
        let top_of_candidate = self.is_candidate_top();
        let top_of_wrapper = matches!(self.frames.last(), Some(Frame::Wrapper));
        if top_of_candidate || top_of_wrapper {
            let key = &buf[self.key_start.min(quote)..quote];
            let is_wrapper_key = key == b"value" || key == b"records";
            self.last_key = KeyState::StringEnded { is_wrapper_key };
        } else {
            self.last_key = KeyState::None;
        }
    }

    fn stray(&mut self) {
        self.stray_bytes += 1;
    }
}

/// The first `"` or `\\` at or after `i`, eight bytes at a time (string bodies are most of
/// every record).
fn find_quote_or_backslash(buf: &[u8], mut i: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const QUOTE: u64 = LO * b'"' as u64;
    const BACKSLASH: u64 = LO * b'\\' as u64;
    while let Some(word) = buf.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let (a, b) = (w ^ QUOTE, w ^ BACKSLASH);
        // A zero byte in `a` or `b` marks a match; the lowest flagged byte is exact.
        let m = ((a.wrapping_sub(LO) & !a) | (b.wrapping_sub(LO) & !b)) & HI;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    buf[i.min(buf.len())..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| p + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &str) -> Vec<String> {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        s.scan(input.as_bytes(), 0, &mut out);
        out.iter()
            .map(|sp| input[sp.start..sp.end].to_string())
            .collect()
    }

    /// Crossing a record by blocks ends where the byte loop ends, in the same state, on any
    /// bytes (valid JSON or not) and from any starting offset.
    #[test]
    fn block_crossing_agrees_with_the_byte_loop() {
        use proptest::prelude::*;
        // Backslashes are rare, so that most 64-byte blocks take the bit-mask path.
        let alphabet = prop_oneof![
            200 => prop::sample::select(b"\"{}[]a ,:".to_vec()),
            1 => Just(b'\\'),
        ];
        let cases = (
            prop::collection::vec(alphabet, 0..600),
            0usize..3,
            any::<bool>(),
        );
        proptest!(|((bytes, inner, in_string) in cases)| {
            let mut fast = Splitter { fast: true, inner, in_string, ..Splitter::default() };
            let mut slow = Splitter { fast: true, inner, in_string, ..Splitter::default() };
            let (mut out_fast, mut out_slow) = (Vec::new(), Vec::new());
            let at_fast = fast.skip_record(&bytes, 0, &mut out_fast);
            let at_slow = match slow.skip_bytes(&bytes, 0, bytes.len()) {
                Some(close) => slow.record_closed(close, &mut out_slow),
                None => bytes.len(),
            };
            prop_assert_eq!(at_fast, at_slow);
            prop_assert_eq!(out_fast, out_slow);
            prop_assert_eq!(
                (fast.in_string, fast.escape, fast.inner, fast.fast),
                (slow.in_string, slow.escape, slow.inner, slow.fast)
            );
        });
    }

    #[test]
    fn swar_search_finds_the_first_quote_or_backslash() {
        for text in [
            "",
            "abc",
            "abcdefgh\"",
            "ab\\cdefghijk\"",
            "\"",
            "01234567890123456789\\",
        ] {
            let want = text.bytes().position(|c| c == b'"' || c == b'\\');
            assert_eq!(
                find_quote_or_backslash(text.as_bytes(), 0),
                want,
                "{text:?}"
            );
        }
        // Bytes whose subtraction borrows must not hide or invent a match.
        let tricky = [0x21u8, 0x22, 0x01, 0x5c, 0xff, 0x00, 0x23, 0x5b, 0x22];
        assert_eq!(find_quote_or_backslash(&tricky, 0), Some(1));
        assert_eq!(find_quote_or_backslash(&tricky, 2), Some(3));
        assert_eq!(find_quote_or_backslash(&tricky, 4), Some(8));
    }

    #[test]
    fn bare_array() {
        assert_eq!(
            records(r#"[{"id":"a","x":{"y":[1,2]}},{"id":"b}{"}]"#),
            vec![r#"{"id":"a","x":{"y":[1,2]}}"#, r#"{"id":"b}{"}"#]
        );
    }

    #[test]
    fn escapes_inside_strings() {
        assert_eq!(
            records(r#"[{"a":"q\"}\\"},{"b":"\\\\"}]"#),
            vec![r#"{"a":"q\"}\\"}"#, r#"{"b":"\\\\"}"#]
        );
    }

    #[test]
    fn graph_pages_and_event_hub() {
        let page = r#"{"@odata.context":"x","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"y"}
{"@odata.context":"x","value":[{"id":"3"}]}"#;
        assert_eq!(
            records(page),
            vec![r#"{"id":"1"}"#, r#"{"id":"2"}"#, r#"{"id":"3"}"#]
        );
        assert_eq!(
            records(r#"{"records":[{"category":"SignInLogs","properties":{"value":[1]}}]}"#),
            vec![r#"{"category":"SignInLogs","properties":{"value":[1]}}"#]
        );
        assert_eq!(
            records(r#"[{"value":[{"id":"1"}]},{"value":[{"id":"2"}]}]"#),
            vec![r#"{"id":"1"}"#, r#"{"id":"2"}"#]
        );
    }

    #[test]
    fn json_lines_and_nested_value_keys_stay_inside_records() {
        let jl = "{\"id\":\"1\",\"p\":{\"value\":[{\"z\":1}]}}\n{\"id\":\"2\"}\n";
        assert_eq!(
            records(jl),
            vec![r#"{"id":"1","p":{"value":[{"z":1}]}}"#, r#"{"id":"2"}"#]
        );
    }

    #[test]
    fn fast_path_resumes_across_blocks() {
        // Records after the first take the fast path; cut the input everywhere.
        let input =
            r#"[{"id":"a"},{"id":"c\\\"}","n":[{"x":"]"}],"e":"\\"},{"id":"d\\\\"},{"z":{}}]"#;
        let want = [
            r#"{"id":"a"}"#,
            r#"{"id":"c\\\"}","n":[{"x":"]"}],"e":"\\"}"#,
            r#"{"id":"d\\\\"}"#,
            r#"{"z":{}}"#,
        ];
        for cut in 0..input.len() {
            let mut s = Splitter::new();
            let mut out = Vec::new();
            let bytes = input.as_bytes();
            s.scan(&bytes[..cut], 0, &mut out);
            s.scan(bytes, cut, &mut out);
            let got: Vec<&str> = out.iter().map(|sp| &input[sp.start..sp.end]).collect();
            assert_eq!(got, want, "cut at {cut}");
        }
        // Pages after records at the root are still found as wrappers when they come first.
        assert_eq!(
            records(r#"{"value":[{"id":"1"},{"id":"2"}]} {"value":[{"id":"3"}]}"#),
            vec![r#"{"id":"1"}"#, r#"{"id":"2"}"#, r#"{"id":"3"}"#]
        );
    }

    #[test]
    fn resumes_across_blocks() {
        let input = r#"[{"id":"a\"b","n":[{"x":"}"}]},{"id":"c"}]"#;
        for cut in 0..input.len() {
            let mut s = Splitter::new();
            let mut out = Vec::new();
            let bytes = input.as_bytes();
            s.scan(&bytes[..cut], 0, &mut out);
            s.scan(bytes, cut, &mut out);
            assert_eq!(out.len(), 2, "cut at {cut}");
            assert_eq!(&input[out[1].start..out[1].end], r#"{"id":"c"}"#);
        }
    }

    #[test]
    fn truncated_record_stays_open_and_junk_elements_are_records() {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        s.scan(br#"[{"id":"a"},x,{"id":"b""#, 0, &mut out);
        assert_eq!(out.len(), 2);
        assert!(s.in_record());
        assert_eq!(
            records(r#"[42, "s,]", [1,[2]] ,{"id":"a"},null]"#),
            vec!["42", r#""s,]""#, "[1,[2]]", r#"{"id":"a"}"#, "null"]
        );
        // A missing comma after a junk element: two records, not overlapping ones.
        assert_eq!(
            records(r#"[1 {"id":"a"}, "x"{"id":"b"}]"#),
            vec!["1", r#"{"id":"a"}"#, r#""x""#, r#"{"id":"b"}"#]
        );
        // A mismatched `}` closes the array: the element ends there, the object after it is
        // a record of its own.
        assert_eq!(
            records(r#"[1} {"id":"a"} [2,"#),
            vec!["1", r#"{"id":"a"}"#, "2"]
        );
        // A `}` closing the array is never the start of an element.
        assert_eq!(records(r#"[}{"id":"a"}[{}"#), vec![r#"{"id":"a"}"#, "{}"]);
        let mut s = Splitter::new();
        s.scan(b"{\"id\":1}\nxyz\n", 0, &mut out);
        assert_eq!(s.stray_bytes, 3);
    }
}
