//! CSV inputs: the header decides the layout (portal, Log Analytics, authentication
//! details), a sample of rows decides day-first dates, and the bytes go to the workers in
//! record-aligned chunks, cut by `split::rows` without parsing a cell: the workers parse
//! their chunk's rows (so CSV is read in parallel, not at the reader's pace).

use std::io::Read;
use std::sync::Arc;

use super::super::source::Encoding;
use super::super::split::Span;
use super::super::split::rows::{RowScanner, leading_bom};
use super::super::{Chunk, Format, InputInfo, Msg, Payload, Skip, csv};
use super::Reader;
use crate::error::{Error, Result};
use crate::model::EventType;

/// Where one CSV input stands between chunks.
struct CsvCursor {
    input: usize,
    layout: Arc<csv::CsvLayout>,
    hint: EventType,
    delimiter: u8,
    /// Record number of the next record (1-based, rows and reader skips alike).
    next_record: u64,
    /// Line number at the start of the unsent buffer.
    line_at_start: u64,
    /// Records the reader skipped (oversized), sent with the next chunk.
    skips: Vec<Skip>,
    /// Input bytes since the last chunk, for the progress bar.
    pending_bytes: u64,
}

impl Reader<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn csv<'a>(
        &mut self,
        label: String,
        name: String,
        encoding: Encoding,
        notes: Vec<String>,
        mut buf: Vec<u8>,
        mut eof: bool,
        mut reader: Box<dyn Read + Send + 'a>,
    ) -> Result<bool> {
        let not_sign_ins = |reason: String| Error::NotSignIns {
            path: label.clone(),
            reason,
        };
        if buf.iter().take(4096).any(|&b| b == 0) {
            return Err(not_sign_ins(
                "binary data (expected JSON or CSV text)".to_string(),
            ));
        }
        let header_end = memchr::memchr(b'\n', &buf).unwrap_or(buf.len());
        let delimiter = csv::detect_delimiter(&buf[..header_end]);
        let mut sc = RowScanner::new(delimiter);
        let mut spans: Vec<Span> = Vec::new();
        // The header row, then the rows that decide day-first dates: the same sample
        // whatever the chunk size.
        let mut scanned = 0;
        // The join's pre-pass only asks which kind of CSV this is: the header says.
        let want = if self.opts.auth_details_only {
            1
        } else {
            1 + DAY_FIRST_SAMPLE
        };
        while spans.len() < want {
            if scanned == 0 && buf.len() >= 3 {
                scanned = leading_bom(&buf);
            }
            scanned = sc.scan(&buf, scanned, want - spans.len(), &mut spans);
            if spans.len() >= want || scanned < buf.len() {
                break;
            }
            if eof {
                sc.finish(buf.len(), &mut spans);
                break;
            }
            if spans.is_empty() && buf.len() > self.opts.max_record {
                return Err(not_sign_ins(format!(
                    "no header row within the first {} bytes",
                    self.opts.max_record
                )));
            }
            if sc
                .open_record_start()
                .is_some_and(|s| buf.len() - s > self.opts.max_record)
            {
                // A row too long to sample; the chunk loop below skips it.
                break;
            }
            eof = self.fill(&mut buf, &mut reader, &label)?;
        }
        let Some(&head) = spans.first() else {
            return Err(not_sign_ins("no header row".to_string()));
        };
        let mut parsed = parse_rows(&buf, &spans, delimiter, true).into_iter();
        let header = parsed
            .next()
            .flatten()
            .ok_or_else(|| not_sign_ins("unreadable CSV header".to_string()))?;
        let mut layout = csv::layout(&header).map_err(|reason| {
            not_sign_ins(format!(
                "{reason} (expected JSON, or a CSV whose header names sign-in columns such as Date (UTC), Request ID)"
            ))
        })?;
        if self.opts.auth_details_only && layout.kind != csv::CsvKind::AuthDetails {
            return Ok(true);
        }
        let sample: Vec<::csv::ByteRecord> = parsed.flatten().collect();
        csv::detect_day_first(&mut layout, &sample);
        drop(sample);
        let format = match layout.kind {
            csv::CsvKind::Portal => Format::PortalCsv,
            csv::CsvKind::LogAnalytics => Format::LogAnalyticsCsv,
            csv::CsvKind::AuthDetails => Format::AuthDetailsCsv,
        };
        let hint = csv::event_type_from_file_name(&name);
        let input = self.next_input;
        self.next_input += 1;
        let mut notes = notes;
        if format == Format::PortalCsv && hint == EventType::Unknown {
            notes.push("the file name does not say whether its sign-ins are interactive (InteractiveSignIns_… / NonInteractiveSignIns_…): --interactive and --non-interactive match none of its records".to_string());
        }
        if delimiter != b',' {
            let name = match delimiter {
                b';' => "semicolon (;)".to_string(),
                b'\t' => "tab".to_string(),
                b'|' => "vertical bar (|)".to_string(),
                d => format!("{:?}", d as char),
            };
            notes.push(format!("CSV delimiter: {name}"));
        }
        if !self.send(Msg::Input(InputInfo {
            label: label.clone(),
            format,
            encoding,
            notes: Vec::new(),
        })) {
            return Ok(false);
        }
        // The data rows start after the header's terminator.
        let body = head.end + usize::from(head.end < buf.len());
        let mut cur = CsvCursor {
            input,
            layout: Arc::new(layout),
            hint,
            delimiter,
            next_record: 1,
            line_at_start: 1 + super::count_lines(&buf[..body]),
            skips: Vec::new(),
            pending_bytes: buf.len() as u64,
        };
        buf.drain(..body);
        if !self.csv_chunks(&mut cur, buf, eof, &mut reader, &label)? {
            return Ok(false);
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl Reader<'_, '_> {
    /// Cuts the data rows into chunks of at most `csv_rows` records and about
    /// `chunk_bytes` bytes, each cut at a record's end; a record longer than `max_record` is
    /// skipped with the reason (its bytes are scanned, not kept). False when the consumer is
    /// gone.
    fn csv_chunks(
        &mut self,
        cur: &mut CsvCursor,
        mut buf: Vec<u8>,
        mut eof: bool,
        reader: &mut dyn Read,
        label: &str,
    ) -> Result<bool> {
        let rows_max = self.opts.csv_rows.max(1);
        let bytes_max = self.opts.chunk_bytes.max(1);
        let mut sc = RowScanner::new(cur.delimiter);
        let mut spans: Vec<Span> = Vec::new();
        let mut scanned = 0;
        loop {
            scanned = sc.scan(&buf, scanned, rows_max - spans.len(), &mut spans);
            let all_read = eof && scanned == buf.len();
            if all_read {
                sc.finish(buf.len(), &mut spans);
            }
            let full = spans.len() >= rows_max;
            if full || all_read || buf.len() >= bytes_max {
                // Everything before the open record (or before the next record, when the
                // scan stopped at the row limit) belongs to this chunk.
                let cut = if full || all_read {
                    scanned
                } else {
                    sc.open_record_start().unwrap_or(scanned)
                };
                if !spans.is_empty() || all_read {
                    let rest = self.next_buffer(&buf[cut..]);
                    buf.truncate(cut);
                    let chunk_buf = std::mem::replace(&mut buf, rest);
                    sc.shift(cut);
                    scanned -= cut;
                    if !self.emit_csv(cur, chunk_buf, std::mem::take(&mut spans)) {
                        return Ok(false);
                    }
                    cur.pending_bytes = buf.len() as u64;
                }
                if all_read {
                    return Ok(true);
                }
                if full {
                    continue;
                }
                if let Some(start) = sc.open_record_start()
                    && buf.len() - start > self.opts.max_record
                {
                    // Blank lines before the long record are dropped first.
                    cur.line_at_start += super::count_lines(&buf[..start]);
                    buf.drain(..start);
                    sc.shift(start);
                    let from = scanned - start;
                    eof = self.skip_long_row(cur, &mut sc, &mut buf, from, eof, reader, label)?;
                    scanned = 0;
                    continue;
                }
            }
            let before = buf.len();
            eof = self.fill(&mut buf, reader, label)?;
            cur.pending_bytes += (buf.len() - before) as u64;
        }
    }

    /// Skips the open record (at the start of `buf`, longer than `max_record`; the scanner
    /// has seen `buf[..from]`): scans on to its end without keeping its bytes, counting its
    /// lines. Returns whether the input ended.
    #[allow(clippy::too_many_arguments)]
    fn skip_long_row(
        &mut self,
        cur: &mut CsvCursor,
        sc: &mut RowScanner,
        buf: &mut Vec<u8>,
        mut from: usize,
        mut eof: bool,
        reader: &mut dyn Read,
        label: &str,
    ) -> Result<bool> {
        cur.skips.push(Skip {
            input: cur.input,
            record: cur.next_record,
            line: cur.line_at_start,
            reason: format!("record larger than {} bytes: skipped", self.opts.max_record),
        });
        cur.next_record += 1;
        let mut ended = Vec::new();
        loop {
            let stop = sc.scan(buf, from, 1, &mut ended);
            if !ended.is_empty() || (eof && stop == buf.len()) {
                // The row ended at `ended[0].end` (or runs to the end of the input):
                // drop it and its terminators; what follows is the next records.
                let cut = if ended.is_empty() { buf.len() } else { stop };
                if ended.is_empty() {
                    sc.finish(buf.len(), &mut ended);
                }
                cur.line_at_start += super::count_lines(&buf[..cut]);
                buf.drain(..cut);
                sc.shift(cut);
                return Ok(eof);
            }
            cur.line_at_start += super::count_lines(buf);
            sc.shift(buf.len());
            buf.clear();
            from = 0;
            if eof {
                return Ok(true);
            }
            let n = buf.len();
            eof = self.fill(buf, reader, label)?;
            cur.pending_bytes += (buf.len() - n) as u64;
        }
    }

    /// Sends one chunk of rows (with the reader's skips before them).
    fn emit_csv(&mut self, cur: &mut CsvCursor, buf: Vec<u8>, spans: Vec<Span>) -> bool {
        let mut lines = Vec::with_capacity(spans.len());
        let (mut at, mut line) = (0, cur.line_at_start);
        for sp in &spans {
            line += super::count_lines(&buf[at..sp.start]);
            at = sp.start;
            lines.push(line);
        }
        cur.line_at_start = line + super::count_lines(&buf[at..]);
        let first_record = cur.next_record;
        cur.next_record += spans.len() as u64;
        let chunk = Chunk {
            input: cur.input,
            first_record,
            base_line: lines.first().copied().unwrap_or(cur.line_at_start),
            payload: Payload::Csv {
                buf,
                spans,
                lines,
                layout: Arc::clone(&cur.layout),
                hint: cur.hint,
                delimiter: cur.delimiter,
                rows: std::sync::OnceLock::new(),
            },
            reader_skips: std::mem::take(&mut cur.skips),
            bytes: std::mem::take(&mut cur.pending_bytes),
        };
        self.send(Msg::Chunk(chunk))
    }
}

/// Rows read before deciding whether the file's dates are day-first.
const DAY_FIRST_SAMPLE: usize = 1000;

/// Parses the rows at `spans` of `buf` with the `csv` crate, one per span (`None` where a
/// span does not hold exactly one row, which `split::rows` never cuts): the header and the
/// day-first sample; the workers' rows go through `split::fields`, checked against this. Only at the start
/// of the input (`input_start`) does a UTF-8 byte order mark before the first row go, as
/// `csv-core` drops one there: later chunks start after a line end, so a row that begins
/// with U+FEFF keeps it wherever the chunks were cut.
pub fn parse_rows(
    buf: &[u8],
    spans: &[Span],
    delimiter: u8,
    input_start: bool,
) -> Vec<Option<::csv::ByteRecord>> {
    let Some(first) = spans.first() else {
        return Vec::new();
    };
    let end = spans.last().map_or(first.end, |s| s.end);
    // `csv-core` strips a byte order mark from the first bytes it is given; a line end read
    // first (and skipped as a blank line) makes them the line end instead.
    let (lead, from): (&[u8], usize) = if input_start {
        (b"", 0)
    } else {
        (b"\n", first.start)
    };
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity((end - from).clamp(64, 1 << 20))
        .from_reader(lead.chain(&buf[from..end]));
    let mut out = Vec::with_capacity(spans.len());
    let mut size = (1024, 64);
    for _ in spans {
        // Sized like the row before: an empty record grows its buffers several times over
        // a 57-cell portal row.
        let mut rec = ::csv::ByteRecord::with_capacity(size.0, size.1);
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                size = (rec.as_slice().len() + 64, rec.len());
                out.push(Some(rec));
            }
            _ => out.push(None),
        }
    }
    // One row more than the spans would mean a span held two rows: nothing is aligned.
    let mut extra = ::csv::ByteRecord::new();
    if rdr.read_byte_record(&mut extra).unwrap_or(false) {
        out.iter_mut().for_each(|r| *r = None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{ReadOptions, read_one};
    use crate::input::{LineMark, Msg};

    /// Every record of a CSV read with these limits: (record, line, request id or the skip
    /// reason).
    fn read(
        text: &str,
        chunk_bytes: usize,
        csv_rows: usize,
        max_record: usize,
    ) -> Vec<(u64, u64, String)> {
        let opts = ReadOptions {
            chunk_bytes,
            csv_rows,
            max_record,
            ..ReadOptions::default()
        };
        let mut out = Vec::new();
        let mut sink = |m: crate::error::Result<Msg>| {
            if let Ok(Msg::Chunk(c)) = m {
                for s in &c.reader_skips {
                    out.push((s.record, s.line, s.reason.clone()));
                }
                let mut mark = LineMark::default();
                for i in 0..c.len() {
                    let v = c.decode(i).map_or_else(|e| e, |s| s.request_id);
                    out.push((c.first_record + i as u64, c.line_of(i, &mut mark), v));
                }
            }
            true
        };
        let name = "InteractiveSignIns_2026-10-01_2026-10-02.csv";
        read_one(name, name, Box::new(text.as_bytes()), opts, &mut sink);
        out.sort();
        out
    }

    const HEADER: &str = "Date (UTC),Request ID,User,Username,User ID,Application,Application ID,IP address,Status,Sign-in error code,Failure reason,Conditional Access";

    fn row(n: u32, extra: &str) -> String {
        format!(
            "2026-10-01T10:00:00Z,req-{n},Ann,ann@example.com,u1,App,a1,192.0.2.{n},Success,0,\"{extra}\",Not Applied"
        )
    }

    #[test]
    fn rows_are_the_same_whatever_the_chunks_and_lines_are_real() {
        for eol in ["\n", "\r\n"] {
            let text = [
                HEADER.to_string(),
                row(1, ""),
                String::new(),
                row(2, &format!("two{eol}lines")),
                row(3, "a, \"\"quoted\"\" comma"),
                String::new(),
                String::new(),
                row(4, ""),
            ]
            .join(eol);
            let whole = read(&text, 4 << 20, 2048, 64 << 20);
            let ids: Vec<(u64, u64, &str)> =
                whole.iter().map(|(r, l, v)| (*r, *l, v.as_str())).collect();
            assert_eq!(
                ids,
                [
                    (1, 2, "req-1"),
                    (2, 4, "req-2"),
                    (3, 6, "req-3"),
                    (4, 9, "req-4")
                ],
                "{eol:?}"
            );
            for chunk_bytes in [1, 7, 100, 300] {
                for rows in [1, 2, 3] {
                    assert_eq!(
                        read(&text, chunk_bytes, rows, 64 << 20),
                        whole,
                        "{eol:?} {chunk_bytes} {rows}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_longer_than_a_record_can_be_is_skipped_and_nothing_after_it_is_lost() {
        // Longer than the first read (4 KiB, to sniff the format) holds, so the row is still
        // open when the reader sees that it is too long.
        let long = "x".repeat(5000);
        let text = [
            HEADER.to_string(),
            row(1, ""),
            String::new(),
            row(2, &format!("{long}\n{long}")),
            row(3, ""),
        ]
        .join("\n")
            + "\n";
        for chunk_bytes in [1, 64, 4096] {
            let got = read(&text, chunk_bytes, 2, 300);
            assert_eq!(got.len(), 3, "{chunk_bytes}: {got:?}");
            assert_eq!((got[0].0, got[0].1, got[0].2.as_str()), (1, 2, "req-1"));
            assert_eq!((got[1].0, got[1].1), (2, 4), "{chunk_bytes}");
            assert!(got[1].2.contains("larger than 300 bytes"), "{got:?}");
            assert_eq!((got[2].0, got[2].1, got[2].2.as_str()), (3, 6, "req-3"));
        }
        // A long last row without a line end, and a quote left open to the end.
        for tail in [row(2, &long), format!("2026,\"{long}")] {
            let text = format!("{HEADER}\n{}\n{tail}", row(1, ""));
            let got = read(&text, 64, 2, 300);
            assert_eq!(got.len(), 2, "{got:?}");
            assert!(got[1].2.contains("larger than"), "{got:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_in_a_later_row_is_kept_as_data() {
        // Only the input's start loses one (the reader's, then csv-core's): a row that
        // begins with U+FEFF keeps it whichever chunk it starts.
        let text = format!("{HEADER}\n{}\n\u{feff}{}\n", row(1, ""), row(2, ""));
        let whole = read(&text, 4 << 20, 2048, 64 << 20);
        for rows in [1, 2] {
            assert_eq!(read(&text, 1, rows, 64 << 20), whole);
        }
    }
}
