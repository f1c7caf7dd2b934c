//! The reader thread's work: open each input, unwrap containers, sniff the encoding and
//! format, and cut the bytes into record-aligned chunks that go to the workers in order.
//! Memory is bounded by the chunk size times the chunks in flight, never by the file size.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use super::source::{self, CapReader, Encoding, InputPath, Utf16Reader, read_full};
use super::split::{Span, Splitter};
use super::{BufferPool, Chunk, Format, InputInfo, Msg, Payload, Skip, detect};
use crate::error::{Error, Result};

mod lines;
#[cfg(test)]
mod sizing_tests;
mod table;
pub use table::parse_rows;
#[cfg(test)]
mod tests_limits;

#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Target size of one chunk (JSON; CSV chunks end at this or at `csv_rows`).
    pub chunk_bytes: usize,
    /// Rows in one CSV chunk.
    pub csv_rows: usize,
    /// A record larger than this is skipped rather than buffered.
    pub max_record: usize,
    /// How far to read looking for the first record when detecting the format.
    pub sniff_limit: usize,
    /// Pre-pass for the AuthDetails join: read only authentication-details CSVs, detect and
    /// pass over every other input, and carry on past errors (the main pass reports them).
    pub auth_details_only: bool,
    /// What one input may expand to across its containers (`source::Budget`): at least
    /// this many bytes, and at most this many zip members at all levels together.
    pub min_expansion: u64,
    pub max_members: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            // Small enough that a chunk and the buffers in flight stay in the cache from
            // the reader's copy to the worker's decode: against 4 MiB chunks, 10-14% fewer
            // CPU seconds on the JSON forms at 250 MB and 2.5 GB, and 21-45% less peak RSS
            // (BENCHMARKS.md, fifth session). At 256 KiB the hand-offs cost more again.
            chunk_bytes: 512 << 10,
            csv_rows: 2048,
            max_record: 64 << 20,
            sniff_limit: 64 << 20,
            auth_details_only: false,
            min_expansion: source::MIN_CAP,
            max_members: MAX_MEMBERS,
        }
    }
}

/// Zip members at all levels of one input together: an archive of hourly files for a few
/// tenants over years stays far below; a zip bomb of tiny members does not.
pub const MAX_MEMBERS: u64 = 100_000;

pub type Sender = SyncSender<Result<Msg>>;

/// Where the reader delivers messages; returns false when the consumer is gone.
pub type Sink<'s> = dyn FnMut(Result<Msg>) -> bool + 's;

/// Reads every input in order, sending messages; stops at the first fatal error (sent too).
pub fn read_all(inputs: &[InputPath], opts: ReadOptions, tx: &Sender, buffers: BufferPool) {
    let mut send = |m: Result<Msg>| tx.send(m).is_ok();
    read_paths_with(inputs, opts, &mut send, buffers);
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
        lenient: false,
        buffers: BufferPool::default(),
        budget: source::Budget::new(None, opts.min_expansion, opts.max_members),
    };
    if let Err(e) = r.stream(label.to_string(), name.to_string(), reader, None, None, 0) {
        (r.tx)(Err(e));
    }
}

/// Reads paths in order into `tx`.
pub fn read_paths(inputs: &[InputPath], opts: ReadOptions, tx: &mut Sink<'_>) {
    read_paths_with(inputs, opts, tx, BufferPool::default());
}

fn read_paths_with(
    inputs: &[InputPath],
    opts: ReadOptions,
    tx: &mut Sink<'_>,
    buffers: BufferPool,
) {
    let mut r = Reader {
        tx,
        opts,
        next_input: 0,
        lenient: false,
        buffers,
        budget: source::Budget::new(None, opts.min_expansion, opts.max_members),
    };
    for input in inputs {
        r.lenient = matches!(input, InputPath::Walked(_));
        let res = match (input, source::open(input)) {
            // What a directory scan could not read is listed, not fatal (DESIGN.md §9).
            (InputPath::Ignored(_, why), _) => Ok(r.ignored(input.label(), why)),
            (InputPath::Walked(_), Err(Error::Open { source, .. })) => {
                Ok(r.ignored(input.label(), &format!("cannot open: {source}")))
            }
            (_, opened) => opened.and_then(|st| {
                r.budget = source::Budget::new(st.size, opts.min_expansion, opts.max_members);
                let path = input.path().map(Path::to_path_buf);
                r.stream(st.label, st.name, st.reader, st.size, path, 0)
            }),
        };
        match res {
            Ok(true) => {}
            Ok(false) => return, // the receiver is gone
            Err(_) if opts.auth_details_only => {}
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
    /// Inside a directory scan or a zip: a file that is not a sign-in export is ignored.
    lenient: bool,
    /// Where merged chunks' buffers come back for reuse.
    buffers: BufferPool,
    /// The current input's expansion budget, shared by all its container layers.
    budget: source::Budget,
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
        if depth == 0 && self.budget.needs_counting() {
            // The input's own bytes: what a stream of unknown size may expand to. A file
            // of known size is not wrapped: the wrapper would hide the file's own
            // `read_buf`, and the standard library would zero every buffer before each
            // read (1.6% of a JSON run's cycles, a tenth of the reader thread's).
            reader = Box::new(self.budget.counting(reader));
        }
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
            let capped = CapReader::within(dec, source::cap_for(size), &self.budget);
            let inner = name.strip_suffix(".gz").unwrap_or(&name).to_string();
            return self.stream(label, inner, Box::new(capped), None, None, depth + 1);
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            return self.zip(label, replay, path, depth);
        }
        self.text(label, name, replay, size)
    }

    fn zip<'a>(
        &mut self,
        label: String,
        replay: Box<dyn Read + Send + 'a>,
        path: Option<PathBuf>,
        depth: u32,
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
                CapReader::within(replay, source::MAX_NESTED, &self.budget)
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
            self.budget.member().map_err(|reason| Error::Read {
                path: label.clone(),
                reason,
            })?;
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
            let reader: Box<dyn Read + Send + '_> =
                Box::new(CapReader::within(member, cap, &self.budget));
            // Members are read through `stream`, so a .gz inside a zip also works.
            let was = std::mem::replace(&mut self.lenient, true);
            // A member is one level deeper: zip in zip counts like gzip in gzip, so a nest (or
            // a zip quine) ends at the depth limit instead of overflowing the stack.
            let ok = self.stream_member(mlabel, base, reader, size, depth + 1);
            self.lenient = was;
            if !ok? {
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
        depth: u32,
    ) -> Result<bool> {
        self.stream(label, name, reader, Some(size), None, depth)
    }

    /// Sniffs encoding and format, then splits. `size` is the input's size where known.
    fn text<'a>(
        &mut self,
        label: String,
        name: String,
        mut reader: Box<dyn Read + Send + 'a>,
        size: Option<u64>,
    ) -> Result<bool> {
        // Buffers sized to the input where its size is known, and never zeroed: a small file
        // or zip member costs memory and time in proportion to its size, not a whole chunk
        // (10,000 tiny members took 4.5 s with a zeroed 4 MiB buffer each). A size that
        // lies only changes how the buffer grows.
        let hint = size.map_or(usize::MAX, |s| {
            usize::try_from(s.saturating_add(1)).unwrap_or(usize::MAX)
        });
        let mut first = Vec::with_capacity(hint.min(SNIFF_READ));
        reader
            .by_ref()
            .take(SNIFF_READ as u64)
            .read_to_end(&mut first)
            .map_err(|e| read_err(&label, &e))?;
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
        let want = if self.opts.auth_details_only {
            64 * 1024
        } else {
            self.opts.chunk_bytes.max(1)
        };
        let mut buf = if hint < want {
            self.buffers.take_small(hint)
        } else {
            self.buffers.take(want)
        };
        let n = reader
            .by_ref()
            .take(want as u64)
            .read_to_end(&mut buf)
            .map_err(|e| read_err(&label, &e))?;
        let mut eof = n < want;
        // Decide on the same bytes whatever the read size: the first non-blank byte, and
        // for text that is not JSON the first 4 KiB and the whole header line.
        let limit = self.opts.sniff_limit;
        while !eof && buf.len() < limit && !buf.iter().any(|b| !b.is_ascii_whitespace()) {
            eof = self.fill(&mut buf, &mut reader, &label)?;
        }
        let first_byte = buf.iter().copied().find(|b| !b.is_ascii_whitespace());
        if !matches!(first_byte, Some(b'[' | b'{')) {
            while !eof
                && buf.len() < limit
                && (buf.len() < 4096 || memchr::memchr(b'\n', &buf).is_none())
            {
                eof = self.fill(&mut buf, &mut reader, &label)?;
            }
        }
        let mut notes = Vec::new();
        if !matches!(encoding, Encoding::Utf8 | Encoding::Utf8Bom) {
            notes.push(format!("decoded from {}", encoding.human()));
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
            Some(b'[') | Some(b'{') => {
                let r = self.json(label.clone(), encoding, notes, buf, eof, reader);
                self.ignore_if_lenient(r, label, encoding)
            }
            _ => {
                let r = self.csv(label.clone(), name, encoding, notes, buf, eof, reader);
                self.ignore_if_lenient(r, label, encoding)
            }
        }
    }

    /// An entry of a directory scan that was not read, with the reason.
    fn ignored(&mut self, label: String, why: &str) -> bool {
        self.next_input += 1;
        self.send(Msg::Input(InputInfo {
            label,
            format: Format::Ignored,
            encoding: Encoding::Utf8,
            notes: vec![format!("ignored: {why}")],
        }))
    }

    /// In a directory scan or a zip, a file that is not a sign-in export is listed as
    /// ignored with the reason, instead of ending the run.
    fn ignore_if_lenient(
        &mut self,
        r: Result<bool>,
        label: String,
        encoding: Encoding,
    ) -> Result<bool> {
        match r {
            Err(Error::NotSignIns { reason, .. }) if self.lenient => {
                self.next_input += 1;
                Ok(self.send(Msg::Input(InputInfo {
                    label,
                    format: Format::Ignored,
                    encoding,
                    notes: vec![format!("ignored: not a sign-in export ({reason})")],
                })))
            }
            other => other,
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
        if self.opts.auth_details_only {
            return Ok(true);
        }
        // Read on until the first object record is complete and followed by a newline or by
        // anything but white space (or the sniffing limit): detection and the JSON-lines
        // decision depend on nothing further, so they come out the same whatever the read
        // size, and a one-line array is not read twice.
        let mut sp = Splitter::new();
        let mut spans = Vec::new();
        let mut scanned = 0;
        loop {
            sp.scan(&buf, scanned, &mut spans);
            scanned = buf.len();
            let first_object = spans.iter().find(|s| buf[s.start] == b'{');
            let decided = first_object.is_some_and(|s| {
                buf[s.end..]
                    .iter()
                    .any(|&b| b == b'\n' || !b.is_ascii_whitespace())
            });
            if decided || eof || buf.len() >= self.opts.sniff_limit {
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
        if lines::one_record_per_line(format, &buf) {
            return self.json_lines(
                JsonCursor::new(input, shape),
                notes,
                buf,
                eof,
                reader,
                &label,
            );
        }
        let mut sp = Splitter::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut scanned = 0usize;
        let mut cur = JsonCursor::new(input, shape);
        let mut oversized: Option<u64> = None;
        loop {
            sp.scan(&buf, scanned, &mut spans);
            cur.pending_bytes += (buf.len() - scanned) as u64;
            scanned = buf.len();
            if let Some(line) = oversized
                && !spans.is_empty()
            {
                // The first record completed since the overflow is the oversized one.
                spans.remove(0);
                let reason = format!("record larger than {} bytes: skipped", self.opts.max_record);
                cur.skip(line, reason);
                oversized = None;
            }
            if let Some(start) = sp.open_record_start()
                && buf.len() - start > self.opts.max_record
            {
                if oversized.is_none() {
                    oversized = Some(cur.line_at_start + count_lines(&buf[..start]));
                }
                // Emit what completed before it, then drop the oversized bytes as we go.
                let (cut, s) = if spans.is_empty() {
                    (0, Vec::new())
                } else {
                    (start, std::mem::take(&mut spans))
                };
                if cut > 0 {
                    let chunk_buf = buf[..cut].to_vec();
                    if !self.emit_json(&mut cur, chunk_buf, s) {
                        return Ok(false);
                    }
                }
                cur.line_at_start += count_lines(&buf[cut..]);
                sp.shift(buf.len());
                buf.clear();
                scanned = 0;
            }
            let full = buf.len() >= self.opts.chunk_bytes;
            if full && spans.is_empty() && cur.skips.is_empty() && sp.idle() {
                // Only bytes between records (a long run of whitespace or junk): drop them,
                // so memory stays bounded by the chunk size whatever the input holds.
                cur.line_at_start += count_lines(&buf);
                sp.shift(buf.len());
                buf.clear();
                scanned = 0;
            }
            if (full || eof) && (!spans.is_empty() || !cur.skips.is_empty()) {
                let cut = spans.last().map_or(0, |s| s.end);
                let rest = self.next_buffer(&buf[cut..]);
                buf.truncate(cut);
                let chunk_buf = std::mem::replace(&mut buf, rest);
                sp.shift(cut);
                scanned = buf.len();
                let s = std::mem::take(&mut spans);
                if !self.emit_json(&mut cur, chunk_buf, s) {
                    return Ok(false);
                }
            }
            if eof {
                break;
            }
            eof = self.fill(&mut buf, &mut reader, &label)?;
        }
        if let Some(start) = sp.open_record_start() {
            let line = oversized.unwrap_or_else(|| cur.line_at_start + count_lines(&buf[..start]));
            cur.skip(
                line,
                "truncated: the input ends inside this record".to_string(),
            );
            let ok = self.emit_json(&mut cur, Vec::new(), Vec::new());
            if !ok {
                return Ok(false);
            }
        } else if sp.depth_open() {
            notes.push(
                "the input ends before its closing bracket (truncated download?); every complete record was read".to_string(),
            );
        }
        if sp.stray_bytes > 0 {
            notes.push(match sp.stray_bytes {
                1 => "1 byte outside any record was ignored (not a JSON object)".to_string(),
                n => format!("{n} bytes outside any record were ignored (not JSON objects)"),
            });
        }
        for note in notes {
            if !self.send(Msg::InputNote { input, note }) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Sends the records `spans` of `buf`, with the reader's skips, as the next chunk.
    fn emit_json(&mut self, cur: &mut JsonCursor, buf: Vec<u8>, spans: Vec<Span>) -> bool {
        let newlines = count_lines(&buf);
        self.emit_counted(cur, buf, spans, newlines)
    }

    /// [`Reader::emit_json`] for a buffer whose newlines were counted already.
    fn emit_counted(
        &mut self,
        cur: &mut JsonCursor,
        buf: Vec<u8>,
        spans: Vec<Span>,
        newlines: u64,
    ) -> bool {
        let first_record = cur.next_record;
        cur.next_record += spans.len() as u64;
        let base_line = cur.line_at_start;
        cur.line_at_start += newlines;
        let chunk = Chunk {
            input: cur.input,
            first_record,
            base_line,
            payload: Payload::Json {
                buf,
                spans,
                shape: cur.shape,
            },
            reader_skips: std::mem::take(&mut cur.skips),
            bytes: std::mem::take(&mut cur.pending_bytes),
        };
        self.send(Msg::Chunk(chunk))
    }

    /// A buffer for the next chunk holding `carry` (the start of a record cut by the last
    /// one), with room for a whole chunk so that filling it never reallocates.
    fn next_buffer(&self, carry: &[u8]) -> Vec<u8> {
        let mut buf = self
            .buffers
            .take(self.opts.chunk_bytes.max(carry.len()) + READ_STEP);
        buf.extend_from_slice(carry);
        buf
    }

    /// Appends up to [`READ_STEP`] bytes; returns true at end of input. Reading in steps
    /// this size keeps what was just read in the cache for the splitter's scan.
    fn fill(&self, buf: &mut Vec<u8>, reader: &mut dyn Read, label: &str) -> Result<bool> {
        let want = self.opts.chunk_bytes.clamp(1, READ_STEP);
        buf.reserve(want);
        // `read_to_end` fills the spare capacity without zeroing it first.
        let n = reader
            .take(want as u64)
            .read_to_end(buf)
            .map_err(|e| read_err(label, &e))?;
        Ok(n < want)
    }
}

/// Bytes read per `read` call.
const READ_STEP: usize = 256 << 10;

/// Bytes read to sniff the encoding before anything else.
const SNIFF_READ: usize = 64 * 1024;

/// Where one JSON input stands between chunks.
struct JsonCursor {
    input: usize,
    shape: super::json::JsonShape,
    /// Record number of the next record (1-based, records and reader skips alike).
    next_record: u64,
    /// Line number at the start of the unsent buffer.
    line_at_start: u64,
    /// Records the reader itself skipped (oversized, truncated), sent with the next chunk,
    /// whose records they precede.
    skips: Vec<Skip>,
    /// Input bytes since the last chunk, for the progress bar.
    pending_bytes: u64,
}

impl JsonCursor {
    fn new(input: usize, shape: super::json::JsonShape) -> JsonCursor {
        JsonCursor {
            input,
            shape,
            next_record: 1,
            line_at_start: 1,
            skips: Vec::new(),
            pending_bytes: 0,
        }
    }

    /// The reader skips the next record.
    fn skip(&mut self, line: u64, reason: String) {
        self.skips.push(Skip {
            input: self.input,
            record: self.next_record,
            line,
            reason,
        });
        self.next_record += 1;
    }
}

trait ReadSeek: Read + std::io::Seek + Send {}
impl<T: Read + std::io::Seek + Send> ReadSeek for T {}

fn count_lines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}
