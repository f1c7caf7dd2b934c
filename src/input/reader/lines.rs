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
                        if self.fill(&mut buf, &mut reader, label)? {
                            eof = true;
                            buf.clear();
                            break;
                        }
                    }
                    cur.line_at_start += 1;
                    cur.pending_bytes = 0;
                    if !self.emit_json(&mut cur, Vec::new(), Vec::new()) {
                        return Ok(false);
                    }
                    cur.pending_bytes = buf.len() as u64;
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
