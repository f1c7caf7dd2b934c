//! JSON lines proper (one record per line): records found by a newline search, so the
//! reader need not scan the bytes; workers decode each line.

use std::io::Read;

use super::super::split::{Span, Splitter};
use super::super::{Format, Msg, Skip};
use super::Reader;
use crate::error::Result;

impl Reader<'_, '_> {
    /// JSON lines whose records are single lines: a newline search finds every record, so
    /// the reader does not scan the bytes (a line that is not one JSON object is skipped with
    /// the decoder's reason).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn json_lines<'a>(
        &mut self,
        input: usize,
        shape: crate::input::json::JsonShape,
        notes: Vec<String>,
        mut buf: Vec<u8>,
        mut eof: bool,
        mut reader: Box<dyn Read + Send + 'a>,
        label: &str,
    ) -> Result<bool> {
        let mut next_record = 1u64;
        let mut line_at_start = 1u64;
        let mut pending_bytes = buf.len() as u64;
        loop {
            if buf.len() >= self.opts.chunk_bytes || eof {
                let cut = if eof {
                    buf.len()
                } else {
                    memchr::memrchr(b'\n', &buf).map_or(0, |p| p + 1)
                };
                if cut > 0 || eof {
                    let rest = buf[cut..].to_vec();
                    buf.truncate(cut);
                    let chunk_buf = std::mem::replace(&mut buf, rest);
                    let spans = line_spans(&chunk_buf);
                    let mut no_skips = Vec::new();
                    let mut bytes = std::mem::take(&mut pending_bytes);
                    if !self.emit_json(
                        input,
                        &mut next_record,
                        &mut line_at_start,
                        chunk_buf,
                        spans,
                        shape,
                        &mut no_skips,
                        &mut bytes,
                    ) {
                        return Ok(false);
                    }
                    pending_bytes = buf.len() as u64;
                }
                if buf.len() > self.opts.max_record {
                    // A line longer than any record can be: skip to its end.
                    let skip = Skip {
                        input,
                        record: next_record,
                        line: line_at_start,
                        reason: format!(
                            "record larger than {} bytes: skipped",
                            self.opts.max_record
                        ),
                    };
                    next_record += 1;
                    let mut skips = vec![skip];
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
                    line_at_start += 1;
                    let mut bytes = 0;
                    if !self.emit_json(
                        input,
                        &mut next_record,
                        &mut line_at_start,
                        Vec::new(),
                        Vec::new(),
                        shape,
                        &mut skips,
                        &mut bytes,
                    ) {
                        return Ok(false);
                    }
                    pending_bytes = buf.len() as u64;
                }
            }
            if eof {
                break;
            }
            let before = buf.len();
            eof = self.fill(&mut buf, &mut reader, label)?;
            pending_bytes += (buf.len() - before) as u64;
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
/// which treats it as white space).
fn line_spans(buf: &[u8]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', buf).chain(std::iter::once(buf.len())) {
        if nl < start {
            continue;
        }
        if buf[start..nl].iter().any(|b| !b.is_ascii_whitespace()) {
            spans.push(Span { start, end: nl });
        }
        start = nl + 1;
    }
    spans
}
