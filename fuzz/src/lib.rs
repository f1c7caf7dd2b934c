//! Shared checks for the casift fuzz targets: feed bytes through the real reader
//! (`casift::input::reader::read_one`), decode every record of every chunk (fresh, and into
//! one reused sign-in as the workers do: the two must agree), and assert the accounting
//! invariants rather than only "no panic".

use std::collections::BTreeMap;
use std::io::Cursor;

use casift::input::reader::{ReadOptions, read_one};
use casift::input::split::Splitter;
use casift::input::split::fields::Cells;
use casift::input::{Msg, Payload};

/// What happened to one record number of one input: decoded, or skipped with a reason.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Decoded(String),
    Skipped(String),
}

/// The result of one read: per input, record number → outcome; or the fatal error.
#[derive(Debug, PartialEq)]
struct Summary {
    formats: Vec<String>,
    /// Per input: record number → (line, outcome).
    records: Vec<BTreeMap<u64, (u64, Outcome)>>,
    error: Option<String>,
}

/// Reads `data` with `opts`, checks every structural invariant, returns what was read.
fn read_checked(name: &str, data: &[u8], opts: ReadOptions) -> Summary {
    let mut msgs = Vec::new();
    {
        let mut sink = |m| {
            msgs.push(m);
            true
        };
        read_one(
            "fuzz-input",
            name,
            Box::new(Cursor::new(data.to_vec())),
            opts,
            &mut sink,
        );
    }
    let mut s = Summary {
        formats: Vec::new(),
        records: Vec::new(),
        error: None,
    };
    for (k, m) in msgs.into_iter().enumerate() {
        assert!(s.error.is_none(), "message {k} after a fatal error");
        let m = match m {
            Ok(m) => m,
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("fuzz-input"),
                    "error without the file: {text}"
                );
                s.error = Some(text);
                continue;
            }
        };
        match m {
            Msg::Input(info) => {
                s.formats.push(format!("{:?}", info.format));
                s.records.push(BTreeMap::new());
            }
            Msg::InputNote { input, note } => {
                assert!(input < s.records.len(), "note for unknown input {input}");
                assert!(!note.is_empty());
            }
            Msg::Chunk(chunk) => {
                let recs = s
                    .records
                    .get_mut(chunk.input)
                    .unwrap_or_else(|| panic!("chunk for unknown input {}", chunk.input));
                assert!(chunk.base_line >= 1 || matches!(chunk.payload, Payload::Csv { .. }));
                for sk in &chunk.reader_skips {
                    assert_eq!(sk.input, chunk.input);
                    assert!(!sk.reason.is_empty(), "skip without a reason");
                    assert!(sk.line >= 1, "skip at line 0");
                    let prev =
                        recs.insert(sk.record, (sk.line, Outcome::Skipped(sk.reason.clone())));
                    assert!(prev.is_none(), "record {} delivered twice", sk.record);
                }
                match &chunk.payload {
                    Payload::Json { buf, spans, .. } => {
                        let mut last_end = 0;
                        for sp in spans {
                            assert!(sp.start < sp.end, "empty span {sp:?}");
                            assert!(sp.end <= buf.len(), "span {sp:?} outside {}", buf.len());
                            assert!(sp.start >= last_end, "overlapping spans");
                            last_end = sp.end;
                        }
                    }
                    Payload::Csv {
                        buf,
                        spans,
                        lines,
                        delimiter,
                        ..
                    } => {
                        assert_eq!(spans.len(), lines.len(), "a line for every row");
                        let mut last_end = 0;
                        for sp in spans {
                            assert!(sp.start <= sp.end && sp.end <= buf.len(), "span {sp:?}");
                            assert!(sp.start >= last_end, "overlapping rows");
                            last_end = sp.end;
                        }
                        // The reader's cuts agree with the csv crate's reading, and so do
                        // the cells the workers split them into.
                        let theirs =
                            casift::input::reader::parse_rows(buf, spans, *delimiter, false);
                        let ours = chunk.csv_rows().expect("a CSV chunk has rows");
                        assert_eq!(ours.len(), theirs.len(), "a row for every span");
                        for (k, (row, rec)) in ours.iter().zip(&theirs).enumerate() {
                            let rec = rec.as_ref().expect("a row the csv crate reads differently");
                            assert_eq!(row.cells(), rec.len(), "cells of row {k}");
                            for c in 0..rec.len() {
                                assert_eq!(row.raw(c), rec.get(c), "row {k} cell {c}");
                                assert_eq!(row.trimmed(c), rec.trimmed(c), "row {k} cell {c}");
                            }
                        }
                    }
                }
                let mut mark = casift::input::LineMark::default();
                // As the workers decode: one scratch and one sign-in for the whole chunk.
                let mut scratch = casift::input::json::Scratch::default();
                let mut reused = casift::model::SignIn::default();
                for i in 0..chunk.len() {
                    let fresh = chunk.decode(i);
                    let into = chunk
                        .decode_into(i, &mut scratch, &mut reused)
                        .map(|()| reused.clone());
                    assert_eq!(into, fresh, "record {i} decoded into a reused sign-in");
                    let out = match fresh {
                        Ok(si) => Outcome::Decoded(format!("{si:?}")),
                        Err(reason) => {
                            assert!(!reason.is_empty(), "record skipped without a reason");
                            Outcome::Skipped(reason)
                        }
                    };
                    let line = chunk.line_of(i, &mut mark);
                    assert!(line >= 1, "record at line 0");
                    let rec = chunk.first_record + i as u64;
                    let prev = recs.insert(rec, (line, out));
                    assert!(prev.is_none(), "record {rec} delivered twice");
                }
            }
        }
    }
    // Records are numbered 1..=n with no gap: nothing vanished between reader and workers.
    for (i, recs) in s.records.iter().enumerate() {
        for (want, got) in (1u64..).zip(recs.keys()) {
            assert_eq!(want, *got, "input {i}: record {want} never delivered");
        }
    }
    s
}

/// Reads `data` three ways and checks they agree: default chunking, tiny chunks (every
/// chunk boundary exercised), and a small record cap (the oversized-record path).
pub fn check_reader(name: &str, data: &[u8]) {
    let base = ReadOptions {
        chunk_bytes: 64 << 10,
        ..ReadOptions::default()
    };
    let a = read_checked(name, data, base);
    let tiny = ReadOptions {
        chunk_bytes: 1,
        csv_rows: 1,
        ..base
    };
    let mut b = read_checked(name, data, tiny);
    if a.formats.iter().any(|f| f.contains("Csv")) {
        // Day-first dates are decided from the first chunk's rows, so with one-row chunks
        // the outcomes may differ by design; the records and their lines may not.
        for recs in a.records.iter().zip(b.records.iter_mut()) {
            for ((ka, (la, oa)), (kb, (lb, ob))) in recs.0.iter().zip(recs.1.iter_mut()) {
                assert_eq!((ka, la), (kb, &*lb), "CSV record numbering or line changed");
                *ob = oa.clone();
            }
        }
    }
    assert_eq!(a, b, "chunk size changed what was read");
    let capped = ReadOptions {
        max_record: 256,
        sniff_limit: 256,
        // The container limits too (DESIGN.md §9): tiny, so the refusals are reached.
        min_expansion: 1 << 12,
        max_members: 3,
        ..tiny
    };
    let _ = read_checked(name, data, capped);
    check_splitter(data);
}

/// The splitter is resumable: scanning in two pieces finds the same spans as one pass,
/// and no span lies outside the buffer.
fn check_splitter(data: &[u8]) {
    let mut one = Splitter::new();
    let mut whole = Vec::new();
    one.scan(data, 0, &mut whole);
    for sp in &whole {
        assert!(
            sp.start < sp.end && sp.end <= data.len(),
            "span {sp:?} outside"
        );
    }
    let cut = data.first().map_or(0, |&b| b as usize * 7919) % (data.len() + 1);
    let mut two = Splitter::new();
    let mut split = Vec::new();
    two.scan(&data[..cut], 0, &mut split);
    two.scan(data, cut, &mut split);
    assert_eq!(whole, split, "resuming at {cut} changed the spans");
    assert_eq!(one.in_record(), two.in_record());
    assert_eq!(one.stray_bytes, two.stray_bytes);
}

/// `data` unchanged if it already starts with `opener` (after whitespace), else `lead`
/// followed by `data`: steers the reader to one format while seeds stay usable raw.
pub fn steer(data: &[u8], opener: &[u8], lead: &[u8]) -> Vec<u8> {
    let start = data.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|i| data[i..].starts_with(opener)) {
        data.to_vec()
    } else {
        let mut v = lead.to_vec();
        v.extend_from_slice(data);
        v
    }
}

/// A complete, valid sign-in record for the JSON leads.
pub const RECORD: &str = r#"{"id":"00000000-0000-4000-8000-000000000001","createdDateTime":"2026-10-01T08:00:00Z","userPrincipalName":"ada@example.com","appDisplayName":"Azure DevOps","ipAddress":"198.51.100.10","status":{"errorCode":53003},"conditionalAccessStatus":"failure"}"#;

/// Builds a nest of containers around `data` from its first bytes (how many layers, zip or
/// gzip at each, how many members a zip gets), unless `data` already is a zip or gzip; then
/// reads it with the default and with tiny container limits (DESIGN.md §9) and checks the
/// reader's invariants both times. The limits must end every nest with an error that names
/// the file, never a crash.
pub fn check_containers(data: &[u8]) {
    let raw = data.starts_with(b"PK") || data.starts_with(&[0x1f, 0x8b]);
    let input = if raw { data.to_vec() } else { nest(data) };
    // 64 KiB chunks: the harness keeps every chunk of a read, a pipeline only a few.
    let base = ReadOptions {
        chunk_bytes: 64 << 10,
        ..ReadOptions::default()
    };
    let _ = read_checked("signins.zip", &input, base);
    let tight = ReadOptions {
        chunk_bytes: 64,
        min_expansion: 1 << 12,
        max_members: 4,
        ..ReadOptions::default()
    };
    let _ = read_checked("signins.zip", &input, tight);
}

fn nest(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let (shape, rest) = data.split_at(data.len().min(3));
    let layers = shape.first().map_or(1, |b| b % 6);
    let kinds = shape.get(1).copied().unwrap_or(0);
    let members = 1 + usize::from(shape.get(2).copied().unwrap_or(0) % 5);
    let mut body = format!("{RECORD}\n").into_bytes();
    body.extend_from_slice(rest);
    for layer in 0..layers {
        body = if kinds >> layer & 1 == 1 {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let _ = e.write_all(&body);
            e.finish().unwrap_or_default()
        } else {
            let mut buf = Cursor::new(Vec::new());
            {
                let mut z = zip::ZipWriter::new(&mut buf);
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated);
                for m in 0..members {
                    let _ = z.start_file(format!("m{layer}-{m}.json"), opts);
                    let _ = z.write_all(&body);
                }
                let _ = z.finish();
            }
            buf.into_inner()
        };
    }
    body
}
