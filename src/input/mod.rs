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

use std::sync::Arc;

use crate::model::{EventType, SignIn};

/// Every input format casift reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Not a sign-in export, found in a directory scan or a zip: passed over with a note.
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
            Format::Ignored => "not a sign-in export (ignored)",
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
        rows: Vec<::csv::ByteRecord>,
        /// Line of each row (1-based).
        lines: Vec<u64>,
        layout: Arc<csv::CsvLayout>,
        hint: EventType,
    },
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
            Payload::Csv { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The prefilter's view of record `i` (JSON records only; `None` means "decode fully").
    pub fn peek(&self, i: usize) -> Option<peek::Peek<'_>> {
        match &self.payload {
            Payload::Json { buf, spans, shape } => {
                let sp = spans[i];
                let text = std::str::from_utf8(&buf[sp.start..sp.end]).ok()?;
                peek::peek(text, *shape)
            }
            Payload::Csv { .. } => None,
        }
    }

    /// Whether this chunk holds authentication-detail rows (joined, not sign-ins).
    pub fn is_auth_details(&self) -> bool {
        matches!(&self.payload, Payload::Csv { layout, .. } if layout.kind == csv::CsvKind::AuthDetails)
    }

    /// Decodes record `i` of this chunk.
    pub fn decode(&self, i: usize) -> Result<SignIn, String> {
        match &self.payload {
            Payload::Json { buf, spans, shape } => {
                let sp = spans[i];
                json::decode(&buf[sp.start..sp.end], *shape)
            }
            Payload::Csv {
                rows, layout, hint, ..
            } => csv::decode(layout, &rows[i], *hint),
        }
    }

    /// 1-based line where record `i` starts.
    pub fn line_of(&self, i: usize) -> u64 {
        match &self.payload {
            Payload::Json { buf, spans, .. } => {
                let start = spans[i].start.min(buf.len());
                self.base_line + memchr::memchr_iter(b'\n', &buf[..start]).count() as u64
            }
            Payload::Csv { lines, .. } => lines[i],
        }
    }
}

/// A record that could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
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
