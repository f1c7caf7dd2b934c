//! CSV record boundaries, found the way `csv-core` reads (quotes only at a field's start, `""`
//! inside quotes, `\r`, `\n` or `\r\n` ending a record, blank lines skipped) but without
//! copying a byte: the reader cuts chunks at record ends with it, and the workers split the
//! rows of their chunk into cells (`fields.rs`), in parallel.

use super::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Between records: terminators (blank lines) are skipped.
    #[default]
    StartRecord,
    /// Outside quotes in a record; `at_field_start` when the next byte begins a field (the
    /// record's first byte, or the byte after a delimiter), where a quote opens a quoted
    /// field. A quote anywhere else is plain text.
    Unquoted {
        at_field_start: bool,
    },
    InQuoted,
    /// A quote inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

/// Resumable scanner state: feed it consecutive bytes of one input.
#[derive(Debug, Clone)]
pub struct RowScanner {
    state: State,
    delimiter: u8,
    /// Start of the open record (valid unless at `StartRecord`).
    start: usize,
}

/// Bytes `csv-core` drops before an input's first record: a UTF-8 byte order mark (a second
/// one, when the file had two: the reader drops the first before sniffing).
pub fn leading_bom(buf: &[u8]) -> usize {
    if buf.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    }
}

fn is_term(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

impl RowScanner {
    pub fn new(delimiter: u8) -> RowScanner {
        RowScanner {
            state: State::StartRecord,
            delimiter,
            start: 0,
        }
    }

    /// Start offset of the record that has begun but not ended, if any.
    pub fn open_record_start(&self) -> Option<usize> {
        (self.state != State::StartRecord).then_some(self.start)
    }

    /// Shifts the remembered offset after the caller dropped `n` bytes from the front.
    pub fn shift(&mut self, n: usize) {
        self.start = self.start.saturating_sub(n);
    }

    /// Scans `buf[from..]`, appending the span of every record that ends in it (without its
    /// terminator). Stops after `max` records, returning the offset scanning stopped at (the
    /// byte after the last record's terminator), or `buf.len()` when all was scanned.
    pub fn scan(&mut self, buf: &[u8], from: usize, max: usize, out: &mut Vec<Span>) -> usize {
        let d = self.delimiter;
        let n = buf.len();
        let mut i = from;
        let mut found = 0;
        while i < n {
            match self.state {
                State::StartRecord => {
                    if is_term(buf[i]) {
                        i += 1;
                        continue;
                    }
                    if found == max {
                        return i;
                    }
                    self.start = i;
                    self.state = State::Unquoted {
                        at_field_start: true,
                    };
                }
                // Only quotes and line ends matter here: one search runs over all the
                // record's unquoted fields (a delimiter matters only before a quote).
                State::Unquoted { at_field_start } => {
                    match memchr::memchr3(b'"', b'\r', b'\n', &buf[i..]) {
                        None => {
                            self.state = State::Unquoted {
                                at_field_start: buf[n - 1] == d,
                            };
                            i = n;
                        }
                        Some(off) => {
                            let j = i + off;
                            if buf[j] != b'"' {
                                self.end(j, out, &mut found);
                            } else if if off == 0 {
                                at_field_start
                            } else {
                                buf[j - 1] == d
                            } {
                                self.state = State::InQuoted;
                            } else {
                                self.state = State::Unquoted {
                                    at_field_start: false,
                                };
                            }
                            i = j + 1;
                        }
                    }
                }
                State::InQuoted => match memchr::memchr(b'"', &buf[i..]) {
                    None => i = n,
                    Some(off) => {
                        self.state = State::QuoteInQuoted;
                        i += off + 1;
                    }
                },
                State::QuoteInQuoted => {
                    let b = buf[i];
                    if b == b'"' {
                        self.state = State::InQuoted;
                    } else if is_term(b) {
                        self.end(i, out, &mut found);
                    } else {
                        self.state = State::Unquoted {
                            at_field_start: b == d,
                        };
                    }
                    i += 1;
                }
            }
        }
        n
    }

    fn end(&mut self, at: usize, out: &mut Vec<Span>, found: &mut usize) {
        out.push(Span {
            start: self.start,
            end: at,
        });
        *found += 1;
        self.state = State::StartRecord;
    }

    /// At the end of the input: the open record, if any, ends there.
    pub fn finish(&mut self, len: usize, out: &mut Vec<Span>) {
        if self.state != State::StartRecord {
            out.push(Span {
                start: self.start,
                end: len,
            });
            self.state = State::StartRecord;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records as the `csv` crate reads them (flexible, no headers).
    fn csv_crate(bytes: &[u8], d: u8) -> Vec<Vec<Vec<u8>>> {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(bytes);
        let mut out = Vec::new();
        let mut rec = ::csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).unwrap_or(false) {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Records as the scanner cuts them (fed in pieces of `step` bytes), each span then read
    /// alone by the `csv` crate: the same rows must come out.
    fn scanned(bytes: &[u8], d: u8, step: usize) -> Vec<Vec<Vec<u8>>> {
        let mut sc = RowScanner::new(d);
        let mut spans = Vec::new();
        let mut at = leading_bom(bytes);
        while at < bytes.len() {
            let end = (at + step).min(bytes.len());
            at = sc.scan(&bytes[..end], at, usize::MAX, &mut spans);
        }
        sc.finish(bytes.len(), &mut spans);
        spans
            .iter()
            .enumerate()
            .flat_map(|(k, s)| {
                // `csv-core` drops a byte order mark only from the input's first bytes.
                // The first record is read from the input's start, where it may be.
                let mut one = if k == 0 { Vec::new() } else { b"\n".to_vec() };
                one.extend_from_slice(&bytes[if k == 0 { 0 } else { s.start }..s.end]);
                let rows = csv_crate(&one, d);
                assert_eq!(rows.len(), 1, "span {s:?} holds one record");
                rows
            })
            .collect()
    }

    #[test]
    fn known_shapes() {
        for (text, n) in [
            ("a,b\r\nc,d\r\n", 2),
            ("a,b\n\n\nc\n", 2),
            ("\"x\ny\",2\n3", 2),
            ("a\"b,c\nd", 2),
            ("\"a\"\"b\"x,c\rd\r", 2),
            ("\"open\nquote", 1),
            ("", 0),
            ("\r\n\r\n", 0),
            (",\n", 1),
        ] {
            let rows = scanned(text.as_bytes(), b',', usize::MAX);
            assert_eq!(rows, csv_crate(text.as_bytes(), b','), "{text:?}");
            assert_eq!(rows.len(), n, "{text:?}");
        }
    }

    #[test]
    fn stops_after_max_records() {
        let text = b"a\nb\nc\n";
        let mut sc = RowScanner::new(b',');
        let mut spans = Vec::new();
        let stop = sc.scan(text, 0, 2, &mut spans);
        assert_eq!(spans.len(), 2);
        assert_eq!(stop, 4);
        assert_eq!(sc.open_record_start(), None);
        let stop = sc.scan(text, stop, 2, &mut spans);
        assert_eq!((spans.len(), stop), (3, text.len()));
    }

    proptest! {
        #[test]
        fn agrees_with_the_csv_crate(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'"'), Just(b','), Just(b';'), Just(b'\r'), Just(b'\n'),
                    Just(b'a'), Just(b' '), Just(0xef), Just(0xbb), Just(0xbf), any::<u8>(),
                ],
                0..200,
            ),
            semicolon in any::<bool>(),
            step in 1usize..40,
        ) {
            let d = if semicolon { b';' } else { b',' };
            prop_assert_eq!(scanned(&bytes, d, step), csv_crate(&bytes, d));
        }
    }
}
