//! Reading inputs: detection in one place (`detect`), containers and encodings (`source`),
//! record splitting into record-aligned chunks (`split`, `reader`), and one decoder per
//! format (`json`, `csv`) that the pipeline's workers call. Must not filter, evaluate or print.

pub mod authdetails;
pub mod csv;
pub mod detect;
pub mod flex;
pub mod json;
pub mod peek;
pub mod reader;
pub mod source;
pub mod split;
pub mod time;

use std::net::IpAddr;
use std::sync::Arc;

use crate::model::{EventType, SignIn};

/// `bytes` as text when they are valid UTF-8: the check every record and CSV row goes
/// through once, sixteen or thirty-two bytes at a time (simdutf8; the standard library's
/// check was 8.6% of the cycles of a JSON-lines run).
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// [`ip_field_into`] into a new string.
#[cfg(test)]
pub fn ip_field(raw: &str) -> (String, Option<IpAddr>) {
    let mut text = String::new();
    let addr = ip_field_into(raw, &mut text);
    (text, addr)
}

/// An IP field as decoded: its text (canonical when it is an address: `2001:0db8::0001`
/// becomes `2001:db8::1`, an IPv4-mapped IPv6 address its IPv4 address) and the address
/// as parsed. A value that is not an address keeps its text and no address, so it is
/// shown but never matched against ranges.
/// The text goes into `text`, cleared first, its memory kept.
pub fn ip_field_into(raw: &str, text: &mut String) -> Option<IpAddr> {
    use std::fmt::Write;
    text.clear();
    let t = raw.trim();
    match t.parse::<IpAddr>() {
        // An IPv4 address that parses is already written canonically (the parser takes
        // only four decimal octets without leading zeros), so the text is kept instead of
        // formatting the address again (once or twice per sign-in).
        Ok(a @ IpAddr::V4(_)) => {
            text.push_str(t);
            Some(a)
        }
        Ok(a) => {
            // Writing into a String cannot fail.
            let _ = write!(text, "{}", crate::locations::canonical(a));
            Some(a)
        }
        Err(_) => {
            text.push_str(t);
            None
        }
    }
}

/// Every input format casift reads.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Format {
    PortalJson,
    GraphPages,
    JsonLines,
    Diagnostic,
    EventHub,
    LogAnalyticsJson,
    PortalCsv,
    LogAnalyticsCsv,
    AuthDetailsCsv,
    /// A file with nothing in it.
    Empty,
    /// Not a sign-in export, found in a directory scan or a zip, or a scan entry that cannot
    /// be read (dangling link, FIFO, loop): passed over with a note.
    Ignored,
}

impl Format {
    /// The stable identifier used in the JSON report.
    pub fn id(self) -> &'static str {
        match self {
            Format::PortalJson => "portal_json",
            Format::GraphPages => "graph_api",
            Format::JsonLines => "json_lines",
            Format::Diagnostic => "diagnostic_settings",
            Format::EventHub => "event_hub",
            Format::LogAnalyticsJson => "log_analytics_json",
            Format::PortalCsv => "portal_csv",
            Format::LogAnalyticsCsv => "log_analytics_csv",
            Format::AuthDetailsCsv => "portal_csv_auth_details",
            Format::Empty => "empty",
            Format::Ignored => "ignored",
        }
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Format::PortalJson => "portal JSON download (array)",
            Format::GraphPages => "Graph API pages",
            Format::JsonLines => "JSON lines of sign-ins",
            Format::Diagnostic => "diagnostic-settings records (JSON lines)",
            Format::EventHub => "Event Hub records",
            Format::LogAnalyticsJson => "Log Analytics JSON export",
            Format::PortalCsv => "portal CSV download",
            Format::LogAnalyticsCsv => "Log Analytics CSV export",
            Format::AuthDetailsCsv => "portal CSV authentication details",
            Format::Empty => "empty file",
            // The note says why: not a sign-in export, or a scan entry that cannot be read.
            Format::Ignored => "ignored (not read as sign-ins)",
        }
    }

    pub fn json_shape(self) -> json::JsonShape {
        match self {
            Format::Diagnostic | Format::EventHub => json::JsonShape::Envelope,
            _ => json::JsonShape::SignIn,
        }
    }

    /// Whether records of this format carry per-policy Conditional Access detail.
    pub fn has_policy_detail(self) -> bool {
        !matches!(self, Format::PortalCsv)
    }
}

/// What a chunk holds: JSON record spans in one buffer, or CSV rows.
pub enum Payload {
    Json {
        buf: Vec<u8>,
        spans: Vec<split::Span>,
        shape: json::JsonShape,
    },
    Csv {
        /// The chunk's bytes: whole records (and the blank lines between them).
        buf: Vec<u8>,
        /// Each record's bytes in `buf`, without its line end.
        spans: Vec<split::Span>,
        /// Line of each row (1-based).
        lines: Vec<u64>,
        layout: Arc<csv::CsvLayout>,
        hint: EventType,
        delimiter: u8,
        /// The rows, parsed by the first worker that asks (`Chunk::csv_rows`).
        rows: std::sync::OnceLock<split::fields::CsvRows>,
    },
}

/// Chunk buffers handed back once merged, for the reader to fill again: reusing them
/// spares the kernel zeroing fresh pages for every chunk.
#[derive(Clone, Default)]
pub struct BufferPool(Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

impl BufferPool {
    /// Buffers kept at most: as many as a run at up to three threads has alive (ten a thread
    /// and two, `pipeline::flow`); with more threads the rest are allocated afresh, which
    /// costs time, not memory.
    const KEEP: usize = 32;

    /// An empty buffer of at least `capacity` bytes (reused ones are not zeroed). A buffer
    /// that grew far beyond that (it carried a huge record) is let go instead, so memory
    /// stays bounded by the chunk size.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        let reused = self.0.lock().ok().and_then(|mut v| v.pop());
        match reused.filter(|b| b.capacity() <= capacity.saturating_mul(2)) {
            Some(mut buf) => {
                buf.clear();
                buf.reserve(capacity);
                buf
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// A buffer for a small input (`capacity` below a chunk): a pooled one only if it is no
    /// more than twice that, else a new one of that size; the pool's chunk-sized buffers stay
    /// for the chunks.
    pub fn take_small(&self, capacity: usize) -> Vec<u8> {
        let reused = self.0.lock().ok().and_then(|mut v| {
            let fits = v.last()?.capacity() <= capacity.saturating_mul(2);
            if fits { v.pop() } else { None }
        });
        match reused {
            Some(mut buf) => {
                buf.clear();
                buf.reserve(capacity);
                buf
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// Returns a chunk's buffer.
    pub fn give(&self, chunk: Chunk) {
        let (Payload::Json { buf, .. } | Payload::Csv { buf, .. }) = chunk.payload;
        if buf.capacity() > 0
            && let Ok(mut v) = self.0.lock()
            && v.len() < Self::KEEP
        {
            v.push(buf);
        }
    }
}

/// A record-aligned piece of one input, decoded by one worker.
pub struct Chunk {
    /// Index into the run's inputs (in the order they were opened).
    pub input: usize,
    /// Record number (1-based, within the input) of the first record.
    pub first_record: u64,
    /// 1-based line at the start of `buf` (JSON).
    pub base_line: u64,
    pub payload: Payload,
    /// Records the reader itself had to skip (truncated, oversized), already positioned.
    pub reader_skips: Vec<Skip>,
    /// Bytes of input this chunk accounts for (progress).
    pub bytes: u64,
}

impl Chunk {
    pub fn len(&self) -> usize {
        match &self.payload {
            Payload::Json { spans, .. } => spans.len(),
            Payload::Csv { spans, .. } => spans.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `f` applied to the prefilter's view of record `i`; `None` means "decode fully".
    pub fn with_peek<T>(&self, i: usize, f: impl FnOnce(&peek::Peek<'_>) -> T) -> Option<T> {
        match &self.payload {
            Payload::Json { buf, spans, shape } => {
                let sp = spans[i];
                let text = utf8(&buf[sp.start..sp.end])?;
                peek::peek(text, *shape).map(|p| f(&p))
            }
            Payload::Csv { layout, hint, .. } => {
                let row = self.csv_row(i).ok()?;
                csv::peek(layout, &row, *hint).map(|p| f(&p))
            }
        }
    }

    /// Whether this chunk holds authentication-detail rows (joined, not sign-ins).
    pub fn is_auth_details(&self) -> bool {
        matches!(&self.payload, Payload::Csv { layout, .. } if layout.kind == csv::CsvKind::AuthDetails)
    }

    /// Decodes record `i` of this chunk.
    pub fn decode(&self, i: usize) -> Result<SignIn, String> {
        let mut out = SignIn::default();
        self.decode_into(i, &mut json::Scratch::default(), &mut out)?;
        Ok(out)
    }

    /// [`Chunk::decode`] into `out`, reusing the memory `out` and `scratch` kept from the
    /// records decoded before (the workers decode a chunk's records one after the other
    /// into one of each). On an error `out` holds no meaningful record.
    pub fn decode_into(
        &self,
        i: usize,
        scratch: &mut json::Scratch,
        out: &mut SignIn,
    ) -> Result<(), String> {
        match &self.payload {
            Payload::Json { buf, spans, shape } => {
                let sp = spans[i];
                json::decode_into(&buf[sp.start..sp.end], *shape, scratch, out)
            }
            Payload::Csv { layout, hint, .. } => {
                csv::decode_into(layout, &self.csv_row(i)?, *hint, out)
            }
        }
    }

    /// The CSV rows of this chunk, split into cells on first use (by the worker that decodes
    /// it, so rows are split in parallel); `None` for JSON.
    pub fn csv_rows(&self) -> Option<split::fields::Rows<'_>> {
        match &self.payload {
            Payload::Json { .. } => None,
            Payload::Csv {
                buf,
                spans,
                delimiter,
                rows,
                ..
            } => Some(
                rows.get_or_init(|| split::fields::CsvRows::split(buf, spans, *delimiter))
                    .view(buf),
            ),
        }
    }

    /// Row `i` of a CSV chunk.
    pub fn csv_row(&self, i: usize) -> Result<split::fields::Row<'_>, String> {
        self.csv_rows()
            .and_then(|rows| rows.row(i))
            .ok_or_else(|| "the CSV row could not be split where the reader found it".to_string())
    }

    /// 1-based line where record `i` starts. `at` remembers how far lines were counted, so
    /// asking for records in order costs one pass over the chunk, not one per record.
    pub fn line_of(&self, i: usize, at: &mut LineMark) -> u64 {
        match &self.payload {
            Payload::Json { buf, spans, .. } => {
                let start = spans[i].start.min(buf.len());
                if start < at.offset {
                    *at = LineMark::default();
                }
                at.newlines += memchr::memchr_iter(b'\n', &buf[at.offset..start]).count() as u64;
                at.offset = start;
                self.base_line + at.newlines
            }
            Payload::Csv { lines, .. } => lines[i],
        }
    }
}

/// How far [`Chunk::line_of`] has counted lines in a chunk.
#[derive(Debug, Default, Clone, Copy)]
pub struct LineMark {
    offset: usize,
    newlines: u64,
}

/// A record that could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skip {
    pub input: usize,
    pub record: u64,
    pub line: u64,
    pub reason: String,
}

/// What one input turned out to be.
#[derive(Debug, Clone)]
pub struct InputInfo {
    pub label: String,
    pub format: Format,
    pub encoding: source::Encoding,
    /// File-level observations (stray bytes, missing closing bracket, empty file...).
    pub notes: Vec<String>,
}

/// Messages from the reader thread, in input order.
pub enum Msg {
    Input(InputInfo),
    Chunk(Chunk),
    /// A note on an input found after its chunks (e.g. at end of file).
    InputNote {
        input: usize,
        note: String,
    },
}

#[cfg(test)]
pub(crate) mod testzip;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The SIMD UTF-8 check accepts exactly what the standard library's does, on bytes
        /// that are mostly text with broken sequences spliced in.
        #[test]
        fn utf8_agrees_with_the_standard_library(
            text in "\\PC{0,80}",
            cut in any::<prop::sample::Index>(),
            junk in prop::collection::vec(any::<u8>(), 0..6),
        ) {
            let mut b = text.into_bytes();
            let at = cut.index(b.len() + 1);
            b.splice(at..at, junk);
            prop_assert_eq!(utf8(&b), std::str::from_utf8(&b).ok());
        }

        /// Long mostly-ASCII records (the SIMD blocks are 32 and 64 bytes) with a broken or
        /// multi-byte sequence at or near a block boundary, or in the tail.
        #[test]
        fn utf8_agrees_across_simd_blocks(
            len in 60usize..5000,
            block in 0usize..80,
            shift in 0usize..4,
            junk in prop::sample::select(vec![
                vec![0xff], vec![0xc3], vec![0xe2, 0x82], vec![0xf0, 0x9f, 0x98],
                vec![0xc3, 0xa9], vec![0xe2, 0x82, 0xac], vec![0xed, 0xa0, 0x80],
                vec![0xf4, 0x90, 0x80, 0x80], vec![0x80],
            ]),
        ) {
            let mut b = vec![b'a'; len];
            let at = (block * 32 + shift).saturating_sub(2).min(len);
            b.splice(at..at, junk);
            prop_assert_eq!(utf8(&b), std::str::from_utf8(&b).ok());
        }
    }

    #[test]
    fn ip_fields_are_canonical_and_non_ips_are_text() {
        assert_eq!(ip_field(" 2001:0db8::0001 ").0, "2001:db8::1");
        let (text, addr) = ip_field("::ffff:192.0.2.7");
        assert_eq!(text, "192.0.2.7");
        // The address keeps its family, so IPv6 ranges that hold it still match.
        assert!(addr.is_some_and(|a| a.is_ipv6()));
        assert_eq!(
            ip_field("00000000-0000-4000-8000-0000000000ff"),
            ("00000000-0000-4000-8000-0000000000ff".to_string(), None)
        );
        assert_eq!(ip_field(""), (String::new(), None));
        // IPv4 text is kept as written only because it is the canonical form: checked
        // against formatting on a spread of addresses, and non-canonical spellings fail to
        // parse at all.
        for n in (0..=u32::MAX)
            .step_by(7_919_993)
            .chain([0, 1, 255, u32::MAX])
        {
            let a = std::net::Ipv4Addr::from(n);
            assert_eq!(ip_field(&a.to_string()).0, a.to_string());
        }
        for odd in ["01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "0x1.2.3.4"] {
            assert_eq!(ip_field(odd), (odd.to_string(), None));
        }
    }

    #[test]
    fn lines_of_records_in_and_out_of_order() {
        let buf = b"[{\"a\":1},\n\n{\"b\":2},\n{\"c\":\n3}]".to_vec();
        let starts = [1, 11, 20];
        let spans = starts
            .iter()
            .map(|&start| split::Span {
                start,
                end: start + 7,
            })
            .collect();
        let chunk = Chunk {
            input: 0,
            first_record: 1,
            base_line: 5,
            payload: Payload::Json {
                buf,
                spans,
                shape: json::JsonShape::SignIn,
            },
            reader_skips: Vec::new(),
            bytes: 0,
        };
        let mut mark = LineMark::default();
        let in_order: Vec<u64> = (0..3).map(|i| chunk.line_of(i, &mut mark)).collect();
        assert_eq!(in_order, [5, 7, 8]);
        assert_eq!(chunk.line_of(1, &mut mark), 7);
        assert_eq!(chunk.line_of(0, &mut LineMark::default()), 5);
    }
}
