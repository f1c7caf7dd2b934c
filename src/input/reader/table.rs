//! CSV inputs: the header decides the layout (portal, Log Analytics, authentication
//! details), a sample of rows decides day-first dates, and rows go to the workers in chunks.

use std::io::{Cursor, Read};
use std::sync::Arc;

use super::super::source::Encoding;
use super::super::{Chunk, Format, InputInfo, Msg, Payload, csv};
use super::{Reader, read_err};
use crate::error::{Error, Result};
use crate::model::EventType;

impl Reader<'_, '_> {
    pub(super) fn csv<'a>(
        &mut self,
        label: String,
        name: String,
        encoding: Encoding,
        notes: Vec<String>,
        buf: Vec<u8>,
        reader: Box<dyn Read + Send + 'a>,
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
        // The csv crate ends a record at the `\r` of a CRLF and counts the `\n` as the start
        // of the next one, so with the portal's CRLF line ends its line numbers are one low.
        let line_fix = u64::from(header_end > 0 && buf[header_end - 1] == b'\r');
        let mut rdr = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(Cursor::new(buf).chain(reader));
        let mut header = ::csv::ByteRecord::new();
        let got = rdr
            .read_byte_record(&mut header)
            .map_err(|e| not_sign_ins(format!("unreadable CSV header: {e}")))?;
        if !got {
            return Err(not_sign_ins("no header row".to_string()));
        }
        let mut layout = csv::layout(&header).map_err(|reason| {
            not_sign_ins(format!(
                "{reason} (expected JSON, or a CSV whose header names sign-in columns such as Date (UTC), Request ID)"
            ))
        })?;
        // Buffer the first rows: they decide day-first dates and form the first chunk.
        let mut rows: Vec<::csv::ByteRecord> = Vec::new();
        let mut lines: Vec<u64> = Vec::new();
        // Day-first dates are decided on a sample that does not depend on the chunk size.
        let mut eof = read_rows(
            &mut rdr,
            DAY_FIRST_SAMPLE.max(self.opts.csv_rows),
            &mut rows,
            &mut lines,
            line_fix,
            &label,
        )?;
        if self.opts.auth_details_only && layout.kind != csv::CsvKind::AuthDetails {
            return Ok(true);
        }
        csv::detect_day_first(&mut layout, &rows);
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
        let layout = Arc::new(layout);
        let mut next_record = 1u64;
        loop {
            while !rows.is_empty() {
                let take = rows.len().min(self.opts.csv_rows.max(1));
                let piece: Vec<::csv::ByteRecord> = rows.drain(..take).collect();
                let piece_lines: Vec<u64> = lines.drain(..take).collect();
                let n = piece.len() as u64;
                let bytes: u64 = piece.iter().map(|r| r.as_slice().len() as u64).sum();
                let chunk = Chunk {
                    input,
                    first_record: next_record,
                    base_line: piece_lines.first().copied().unwrap_or(0),
                    payload: Payload::Csv {
                        rows: piece,
                        lines: piece_lines,
                        layout: Arc::clone(&layout),
                        hint,
                    },
                    reader_skips: Vec::new(),
                    bytes,
                };
                next_record += n;
                if !self.send(Msg::Chunk(chunk)) {
                    return Ok(false);
                }
            }
            if eof {
                break;
            }
            eof = read_rows(
                &mut rdr,
                self.opts.csv_rows,
                &mut rows,
                &mut lines,
                line_fix,
                &label,
            )?;
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Rows read before deciding whether the file's dates are day-first.
const DAY_FIRST_SAMPLE: usize = 1000;

/// Reads up to `max` rows; returns true at the end of the input.
fn read_rows<R: Read>(
    rdr: &mut ::csv::Reader<R>,
    max: usize,
    rows: &mut Vec<::csv::ByteRecord>,
    lines: &mut Vec<u64>,
    line_fix: u64,
    label: &str,
) -> Result<bool> {
    while rows.len() < max {
        // Sized like the row before: an empty record grows its byte and field buffers
        // several times over a 57-cell portal row.
        let (bytes, fields) = rows
            .last()
            .map_or((1024, 64), |r| (r.as_slice().len() + 64, r.len()));
        let mut rec = ::csv::ByteRecord::with_capacity(bytes, fields);
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                lines.push(rec.position().map_or(0, |p| p.line() + line_fix));
                rows.push(rec);
            }
            Ok(false) => return Ok(true),
            Err(e) => return Err(read_err(label, &std::io::Error::other(e.to_string()))),
        }
    }
    Ok(false)
}
