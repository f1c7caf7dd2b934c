//! The reader thread's work: open each input, unwrap containers, sniff the encoding and
//! format, and cut the bytes into record-aligned chunks that go to the workers in order.
//! Memory is bounded by the chunk size times the chunks in flight, never by the file size.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use super::source::{self, CapReader, Encoding, InputPath, Utf16Reader, read_full};
use super::split::{Span, Splitter};
use super::{Chunk, Format, InputInfo, Msg, Payload, Skip, csv, detect};
use crate::error::{Error, Result};
use crate::model::EventType;

#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Target size of one JSON chunk.
    pub chunk_bytes: usize,
    /// Rows in one CSV chunk.
    pub csv_rows: usize,
    /// A record larger than this is skipped rather than buffered.
    pub max_record: usize,
    /// How far to read looking for the first record when detecting the format.
    pub sniff_limit: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            chunk_bytes: 4 << 20,
            csv_rows: 2048,
            max_record: 64 << 20,
            sniff_limit: 64 << 20,
        }
    }
}

pub type Sender = SyncSender<Result<Msg>>;

/// Where the reader delivers messages; returns false when the consumer is gone.
pub type Sink<'s> = dyn FnMut(Result<Msg>) -> bool + 's;

/// Reads every input in order, sending messages; stops at the first fatal error (sent too).
pub fn read_all(inputs: &[InputPath], opts: ReadOptions, tx: &Sender) {
    let mut send = |m: Result<Msg>| tx.send(m).is_ok();
    read_inputs(inputs, opts, &mut send);
}

/// Reads one in-memory or streamed input (fuzzing, tests, embedding) into `sink`.
pub fn read_one(
    label: &str,
    name: &str,
    reader: Box<dyn Read + Send + '_>,
    opts: ReadOptions,
    sink: &mut Sink<'_>,
) {
    let mut r = Reader {
        tx: sink,
        opts,
        next_input: 0,
    };
    if let Err(e) = r.stream(label.to_string(), name.to_string(), reader, None, None, 0) {
        (r.tx)(Err(e));
    }
}

fn read_inputs(inputs: &[InputPath], opts: ReadOptions, tx: &mut Sink<'_>) {
    let mut r = Reader {
        tx,
        opts,
        next_input: 0,
    };
    for input in inputs {
        let res = source::open(input).and_then(|st| {
            let path = match input {
                InputPath::File(p) => Some(p.clone()),
                InputPath::Stdin => None,
            };
            r.stream(st.label, st.name, st.reader, st.size, path, 0)
        });
        match res {
            Ok(true) => {}
            Ok(false) => return, // the receiver is gone
            Err(e) => {
                (r.tx)(Err(e));
                return;
            }
        }
    }
}

struct Reader<'t, 's> {
    tx: &'t mut Sink<'s>,
    opts: ReadOptions,
    next_input: usize,
}

fn read_err(label: &str, e: &std::io::Error) -> Error {
    Error::Read {
        path: label.to_string(),
        reason: e.to_string(),
    }
}

impl Reader<'_, '_> {
    fn send(&mut self, m: Msg) -> bool {
        (self.tx)(Ok(m))
    }

    /// Unwraps gzip and zip by magic bytes, then reads the text inside.
    fn stream<'a>(
        &mut self,
        label: String,
        name: String,
        mut reader: Box<dyn Read + Send + 'a>,
        size: Option<u64>,
        path: Option<PathBuf>,
        depth: u32,
    ) -> Result<bool> {
        let mut head = [0u8; 4];
        let n = read_full(&mut reader, &mut head).map_err(|e| read_err(&label, &e))?;
        let head = head[..n].to_vec();
        let replay: Box<dyn Read + Send + 'a> = Box::new(Cursor::new(head.clone()).chain(reader));
        if depth > 3 && (head.starts_with(&[0x1f, 0x8b]) || head.starts_with(b"PK\x03\x04")) {
            return Err(Error::Read {
                path: label,
                reason: "containers nested more than 3 deep".to_string(),
            });
        }
        if head.starts_with(&[0x1f, 0x8b]) {
            let dec = flate2::read::MultiGzDecoder::new(replay);
            let capped = CapReader::new(dec, source::cap_for(size));
            let inner = name.strip_suffix(".gz").unwrap_or(&name).to_string();
            return self.stream(label, inner, Box::new(capped), None, None, depth + 1);
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            return self.zip(label, replay, path);
        }
        self.text(label, name, replay)
    }

    fn zip<'a>(
        &mut self,
        label: String,
        replay: Box<dyn Read + Send + 'a>,
        path: Option<PathBuf>,
    ) -> Result<bool> {
        let bad = |reason: String| Error::Read {
            path: label.clone(),
            reason,
        };
        // Zip needs seeking: reopen a file, or hold a nested/stdin archive in memory.
        let data: Box<dyn ReadSeek + 'a> = match path {
            Some(p) => Box::new(std::fs::File::open(&p).map_err(|source| Error::Open {
                path: p.clone(),
                source,
            })?),
            None => {
                let mut v = Vec::new();
                CapReader::new(replay, source::MAX_NESTED)
                    .read_to_end(&mut v)
                    .map_err(|e| bad(e.to_string()))?;
                Box::new(Cursor::new(v))
            }
        };
        let mut archive =
            zip::ZipArchive::new(data).map_err(|e| bad(format!("invalid zip archive: {e}")))?;
        for i in 0..archive.len() {
            let member = archive
                .by_index(i)
                .map_err(|e| bad(format!("zip member {}: {e}", i + 1)))?;
            if member.is_dir() {
                continue;
            }
            let mname = member
                .name()
                .map_or_else(|_| format!("member {}", i + 1), |n| n.into_owned());
            let mlabel = format!("{label}:{mname}");
            let cap = source::cap_for(Some(member.compressed_size()));
            if member.size() > cap {
                return Err(Error::Read {
                    path: mlabel,
                    reason: format!(
                        "declared size {} bytes exceeds {cap} bytes ({}x the compressed size): refusing a possible decompression bomb",
                        member.size(),
                        source::MAX_RATIO
                    ),
                });
            }
            let size = member.size();
            let base = mname.rsplit('/').next().unwrap_or(&mname).to_string();
            let reader: Box<dyn Read + Send + '_> = Box::new(CapReader::new(member, cap));
            // Members are read through `stream`, so a .gz inside a zip also works.
            if !self.stream_member(mlabel, base, reader, size)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn stream_member(
        &mut self,
        label: String,
        name: String,
        reader: Box<dyn Read + Send + '_>,
        size: u64,
    ) -> Result<bool> {
        self.stream(label, name, reader, Some(size), None, 1)
    }

    /// Sniffs encoding and format, then splits.
    fn text<'a>(
        &mut self,
        label: String,
        name: String,
        mut reader: Box<dyn Read + Send + 'a>,
    ) -> Result<bool> {
        let mut first = vec![0u8; 64 * 1024];
        let n = read_full(&mut reader, &mut first).map_err(|e| read_err(&label, &e))?;
        first.truncate(n);
        let encoding = source::sniff_encoding(&first);
        let mut reader: Box<dyn Read + Send + 'a> = match encoding {
            Encoding::Utf8 => Box::new(Cursor::new(first).chain(reader)),
            Encoding::Utf8Bom => Box::new(Cursor::new(first[3..].to_vec()).chain(reader)),
            Encoding::Utf16Le { bom } => Box::new(Utf16Reader::new(
                reader,
                true,
                first[if bom { 2 } else { 0 }..].to_vec(),
            )),
            Encoding::Utf16Be { bom } => Box::new(Utf16Reader::new(
                reader,
                false,
                first[if bom { 2 } else { 0 }..].to_vec(),
            )),
        };
        let mut buf = vec![0u8; self.opts.chunk_bytes.max(64 * 1024)];
        let n = read_full(&mut reader, &mut buf).map_err(|e| read_err(&label, &e))?;
        buf.truncate(n);
        let eof = n < self.opts.chunk_bytes.max(64 * 1024);
        let first_byte = buf.iter().copied().find(|b| !b.is_ascii_whitespace());
        let mut notes = Vec::new();
        if !matches!(encoding, Encoding::Utf8 | Encoding::Utf8Bom) {
            notes.push(format!("decoded from {encoding:?}"));
        }
        match first_byte {
            None if eof => {
                let info = InputInfo {
                    label,
                    format: Format::Empty,
                    encoding,
                    notes: vec!["empty file: no records".to_string()],
                };
                self.next_input += 1;
                Ok(self.send(Msg::Input(info)))
            }
            Some(b'[') | Some(b'{') => self.json(label, encoding, notes, buf, eof, reader),
            _ => self.csv(label, name, encoding, notes, buf, reader),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn json<'a>(
        &mut self,
        label: String,
        encoding: Encoding,
        mut notes: Vec<String>,
        mut buf: Vec<u8>,
        mut eof: bool,
        mut reader: Box<dyn Read + Send + 'a>,
    ) -> Result<bool> {
        // Read on until the first record is complete (or the sniffing limit), to classify it.
        loop {
            let mut sp = Splitter::new();
            let mut spans = Vec::new();
            sp.scan(&buf, 0, &mut spans);
            if !spans.is_empty() || eof || buf.len() >= self.opts.sniff_limit {
                break;
            }
            eof = self.fill(&mut buf, &mut reader, &label)?;
        }
        let format = detect::classify_json(&buf, eof).map_err(|reason| Error::NotSignIns {
            path: label.clone(),
            reason,
        })?;
        let input = self.next_input;
        self.next_input += 1;
        if !self.send(Msg::Input(InputInfo {
            label: label.clone(),
            format,
            encoding,
            notes: Vec::new(),
        })) {
            return Ok(false);
        }
        let shape = format.json_shape();
        let mut sp = Splitter::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut scanned = 0usize;
        let mut next_record = 1u64;
        let mut line_at_start = 1u64;
        let mut oversized: Option<u64> = None;
        let mut skips: Vec<Skip> = Vec::new();
        let mut pending_bytes = 0u64;
        loop {
            sp.scan(&buf, scanned, &mut spans);
            pending_bytes += (buf.len() - scanned) as u64;
            scanned = buf.len();
            if let Some(line) = oversized
                && !spans.is_empty()
            {
                // The first record completed since the overflow is the oversized one.
                spans.remove(0);
                skips.push(Skip {
                    input,
                    record: next_record,
                    line,
                    reason: format!("record larger than {} bytes: skipped", self.opts.max_record),
                });
                next_record += 1;
                oversized = None;
            }
            if let Some(start) = sp.open_record_start()
                && buf.len() - start > self.opts.max_record
            {
                if oversized.is_none() {
                    oversized = Some(line_at_start + count_lines(&buf[..start]));
                }
                // Emit what completed before it, then drop the oversized bytes as we go.
                let (cut, s) = if spans.is_empty() {
                    (0, Vec::new())
                } else {
                    (start, std::mem::take(&mut spans))
                };
                if cut > 0 {
                    let chunk_buf = buf[..cut].to_vec();
                    if !self.emit_json(
                        input,
                        &mut next_record,
                        &mut line_at_start,
                        chunk_buf,
                        s,
                        shape,
                        &mut skips,
                        &mut pending_bytes,
                    ) {
                        return Ok(false);
                    }
                }
                line_at_start += count_lines(&buf[cut..]);
                sp.shift(buf.len());
                buf.clear();
                scanned = 0;
            }
            let full = buf.len() >= self.opts.chunk_bytes;
            if full && spans.is_empty() && skips.is_empty() && sp.idle() {
                // Only bytes between records (a long run of whitespace or junk): drop them,
                // so memory stays bounded by the chunk size whatever the input holds.
                line_at_start += count_lines(&buf);
                sp.shift(buf.len());
                buf.clear();
                scanned = 0;
            }
            if (full || eof) && (!spans.is_empty() || !skips.is_empty()) {
                let cut = spans.last().map_or(0, |s| s.end);
                let rest = buf[cut..].to_vec();
                buf.truncate(cut);
                let chunk_buf = std::mem::replace(&mut buf, rest);
                sp.shift(cut);
                scanned = buf.len();
                let s = std::mem::take(&mut spans);
                if !self.emit_json(
                    input,
                    &mut next_record,
                    &mut line_at_start,
                    chunk_buf,
                    s,
                    shape,
                    &mut skips,
                    &mut pending_bytes,
                ) {
                    return Ok(false);
                }
            }
            if eof {
                break;
            }
            eof = self.fill(&mut buf, &mut reader, &label)?;
        }
        if let Some(start) = sp.open_record_start() {
            let line = oversized.unwrap_or_else(|| line_at_start + count_lines(&buf[..start]));
            skips.push(Skip {
                input,
                record: next_record,
                line,
                reason: "truncated: the input ends inside this record".to_string(),
            });
            let ok = self.emit_json(
                input,
                &mut next_record,
                &mut line_at_start,
                Vec::new(),
                Vec::new(),
                shape,
                &mut skips,
                &mut pending_bytes,
            );
            if !ok {
                return Ok(false);
            }
        } else if sp.depth_open() {
            notes.push(
                "the input ends before its closing bracket (truncated download?); every complete record was read".to_string(),
            );
        }
        if sp.stray_bytes > 0 {
            notes.push(format!(
                "{} bytes outside any record were ignored (not JSON objects)",
                sp.stray_bytes
            ));
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_json(
        &mut self,
        input: usize,
        next_record: &mut u64,
        line_at_start: &mut u64,
        buf: Vec<u8>,
        spans: Vec<Span>,
        shape: super::json::JsonShape,
        skips: &mut Vec<Skip>,
        pending_bytes: &mut u64,
    ) -> bool {
        let first_record = *next_record;
        *next_record += spans.len() as u64;
        // Skips the reader found are numbered in stream order: they precede these spans
        // only if they were found first, which the caller guarantees by emitting promptly.
        let base_line = *line_at_start;
        *line_at_start += count_lines(&buf);
        let chunk = Chunk {
            input,
            first_record,
            base_line,
            payload: Payload::Json { buf, spans, shape },
            reader_skips: std::mem::take(skips),
            bytes: std::mem::take(pending_bytes),
        };
        self.send(Msg::Chunk(chunk))
    }

    /// Appends up to one chunk of bytes; returns true at end of input.
    fn fill(&self, buf: &mut Vec<u8>, reader: &mut dyn Read, label: &str) -> Result<bool> {
        let want = self.opts.chunk_bytes.max(64 * 1024);
        let old = buf.len();
        buf.resize(old + want, 0);
        let n = read_full(reader, &mut buf[old..]).map_err(|e| read_err(label, &e))?;
        buf.truncate(old + n);
        Ok(n < want)
    }

    fn csv<'a>(
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
        let mut eof = false;
        while rows.len() < self.opts.csv_rows {
            let mut rec = ::csv::ByteRecord::new();
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    lines.push(rec.position().map_or(0, |p| p.line()));
                    rows.push(rec);
                }
                Ok(false) => {
                    eof = true;
                    break;
                }
                Err(e) => return Err(read_err(&label, &std::io::Error::other(e.to_string()))),
            }
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
            notes.push(format!("CSV delimiter {:?}", delimiter as char));
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
            if !rows.is_empty() {
                let n = rows.len() as u64;
                let bytes: u64 = rows.iter().map(|r| r.as_slice().len() as u64).sum();
                let chunk = Chunk {
                    input,
                    first_record: next_record,
                    base_line: lines.first().copied().unwrap_or(0),
                    payload: Payload::Csv {
                        rows: std::mem::take(&mut rows),
                        lines: std::mem::take(&mut lines),
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
            while rows.len() < self.opts.csv_rows {
                let mut rec = ::csv::ByteRecord::new();
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) => {
                        lines.push(rec.position().map_or(0, |p| p.line()));
                        rows.push(rec);
                    }
                    Ok(false) => {
                        eof = true;
                        break;
                    }
                    Err(e) => {
                        return Err(read_err(&label, &std::io::Error::other(e.to_string())));
                    }
                }
            }
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

trait ReadSeek: Read + std::io::Seek + Send {}
impl<T: Read + std::io::Seek + Send> ReadSeek for T {}

fn count_lines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}
