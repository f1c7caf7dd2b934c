//! JSON lines proper (one record per line): records found by a newline search, so the
//! reader need not scan the bytes; workers decode each line.

use std::io::Read;

use super::super::split::{Span, Splitter};
use super::super::{Format, Msg};
use super::{JsonCursor, Reader};
use crate::error::Result;

impl Reader<'_, '_> {
    /// JSON lines whose records are single lines: a newline search finds every record, so
    /// the reader does not scan the bytes (a line that is not one JSON object is skipped with
    /// the decoder's reason).
    pub(super) fn json_lines<'a>(
        &mut self,
        mut cur: JsonCursor,
        notes: Vec<String>,
        mut buf: Vec<u8>,
        mut eof: bool,
        mut reader: Box<dyn Read + Send + 'a>,
        label: &str,
    ) -> Result<bool> {
        let input = cur.input;
        cur.pending_bytes = buf.len() as u64;
        loop {
            if buf.len() >= self.opts.chunk_bytes || eof {
                let cut = if eof {
                    buf.len()
                } else {
                    memchr::memrchr(b'\n', &buf).map_or(0, |p| p + 1)
                };
                if cut > 0 || eof {
                    let rest = self.next_buffer(&buf[cut..]);
                    buf.truncate(cut);
                    let chunk_buf = std::mem::replace(&mut buf, rest);
                    let (spans, newlines) = line_spans(&chunk_buf);
                    if !self.emit_counted(&mut cur, chunk_buf, spans, newlines) {
                        return Ok(false);
                    }
                    cur.pending_bytes = buf.len() as u64;
                }
                if buf.len() > self.opts.max_record {
                    // A line longer than any record can be: skip to its end.
                    let line = cur.line_at_start;
                    cur.skip(
                        line,
                        format!("record larger than {} bytes: skipped", self.opts.max_record),
                    );
                    loop {
                        if let Some(p) = memchr::memchr(b'\n', &buf) {
                            buf.drain(..=p);
                            break;
                        }
                        buf.clear();
                        if eof {
                            break; // the long line runs to the end of the input
                        }
                        // The read that reaches the end may hold the line's end and more
                        // lines: the check above finds them on the next turn.
                        eof = self.fill(&mut buf, &mut reader, label)?;
                    }
                    cur.line_at_start += 1;
                    cur.pending_bytes = 0;
                    if !self.emit_json(&mut cur, Vec::new(), Vec::new()) {
                        return Ok(false);
                    }
                    cur.pending_bytes = buf.len() as u64;
                    // What follows the long line (possibly all of the rest) is cut above.
                    continue;
                }
            }
            if eof {
                break;
            }
            let before = buf.len();
            eof = self.fill(&mut buf, &mut reader, label)?;
            cur.pending_bytes += (buf.len() - before) as u64;
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Whether the input is JSON lines proper: a line-per-record format whose first record
/// ends on its first line.
pub(super) fn one_record_per_line(format: Format, buf: &[u8]) -> bool {
    if !matches!(
        format,
        Format::JsonLines | Format::Diagnostic | Format::LogAnalyticsJson
    ) {
        return false;
    }
    let line_end = memchr::memchr(b'\n', buf).unwrap_or(buf.len());
    let mut sp = Splitter::new();
    let mut spans = Vec::new();
    sp.scan(&buf[..line_end], 0, &mut spans);
    let Some(first) = spans.first() else {
        return false;
    };
    first.end <= line_end
        && buf[first.end..line_end]
            .iter()
            .all(|b| b.is_ascii_whitespace())
}

/// The non-blank lines of a chunk, as record spans (a trailing CR is left to the decoder,
/// which treats it as white space), and the number of newlines.
fn line_spans(buf: &[u8]) -> (Vec<Span>, u64) {
    let mut spans = Vec::new();
    let mut start = 0;
    let mut newlines = 0;
    for nl in memchr::memchr_iter(b'\n', buf) {
        newlines += 1;
        if buf[start..nl].iter().any(|b| !b.is_ascii_whitespace()) {
            spans.push(Span { start, end: nl });
        }
        start = nl + 1;
    }
    if buf[start..].iter().any(|b| !b.is_ascii_whitespace()) {
        spans.push(Span {
            start,
            end: buf.len(),
        });
    }
    (spans, newlines)
}

#[cfg(test)]
mod tests {
    use super::super::{ReadOptions, read_one};
    use crate::input::Msg;

    /// Records and skips read from JSON lines with tiny chunks and a record cap.
    fn read(text: &str) -> (usize, Vec<(u64, u64)>) {
        let opts = ReadOptions {
            chunk_bytes: 64,
            max_record: 100,
            ..ReadOptions::default()
        };
        let (mut records, mut skips) = (0, Vec::new());
        let mut sink = |m: crate::error::Result<Msg>| {
            if let Ok(Msg::Chunk(c)) = m {
                records += c.len();
                skips.extend(c.reader_skips.iter().map(|s| (s.record, s.line)));
            }
            true
        };
        read_one(
            "t.jsonl",
            "t.jsonl",
            Box::new(text.as_bytes()),
            opts,
            &mut sink,
        );
        (records, skips)
    }

    #[test]
    fn lines_after_an_oversized_line_are_kept() {
        let rec =
            |n: u32| format!("{{\"id\":\"{n}\",\"createdDateTime\":\"2026-10-01T00:00:00Z\"}}");
        let mut skipped = 0;
        for long in 100..400 {
            let text = format!(
                "{}\n{{\"id\":\"{}\"}}\n{}\n",
                rec(1),
                "x".repeat(long),
                rec(3)
            );
            let (records, skips) = read(&text);
            // The long line is read or skipped (with its line); nothing after it is lost,
            // also when the read that reaches the end holds the long line's end.
            assert_eq!(records + skips.len(), 3, "line of {long} bytes: {skips:?}");
            assert!(
                skips.iter().all(|&s| s == (2, 2)),
                "line of {long} bytes: {skips:?}"
            );
            skipped += skips.len();
        }
        assert!(skipped > 200, "only {skipped} long lines were skipped");
    }
}
