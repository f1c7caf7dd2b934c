//! The container limits of DESIGN.md §9, with limits small enough for a unit test: what one
//! input expands to across all its layers (also on a stream of unknown size, as stdin), and
//! how many zip members it holds at all levels together.

use crate::input::testzip::zip_of;
use std::io::Write;

use super::{ReadOptions, read_one};
use crate::input::Msg;

fn record(n: u32) -> String {
    format!(
        "{{\"id\":\"00000000-0000-4000-8000-{n:012}\",\"createdDateTime\":\"2026-10-01T00:00:00Z\"}}\n"
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Reads `data` as a stream of unknown size; returns the records read and the error.
fn read(data: Vec<u8>, opts: ReadOptions) -> (usize, Option<String>) {
    let (mut records, mut error) = (0, None);
    let mut sink = |m: crate::error::Result<Msg>| {
        match m {
            Ok(Msg::Chunk(c)) => records += c.len(),
            Ok(_) => {}
            Err(e) => error = Some(e.to_string()),
        }
        true
    };
    read_one(
        "in",
        "in",
        Box::new(std::io::Cursor::new(data)),
        opts,
        &mut sink,
    );
    (records, error)
}

fn small(min_expansion: u64, max_members: u64) -> ReadOptions {
    ReadOptions {
        min_expansion,
        max_members,
        ..ReadOptions::default()
    }
}

#[test]
fn gzip_of_unknown_size_is_held_to_its_ratio_and_floor() {
    // 400 KB of records (the same few hundred bytes over and over) gzip to a few KB: more
    // than 200 times, and more than the 100 KB floor of this test.
    let text: String = (0..4000).map(|_| record(1)).collect();
    let gz = gzip(text.as_bytes());
    assert!(gz.len() * 200 < text.len(), "the test needs a high ratio");
    let (_, err) = read(gz.clone(), small(100_000, 10));
    let err = err.expect("refused");
    assert!(
        err.contains("refusing a possible decompression bomb"),
        "{err}"
    );
    // With a floor above its size it is read whole.
    let (records, err) = read(gz, small(1 << 20, 10));
    assert_eq!((records, err), (4000, None));
}

#[test]
fn members_are_counted_across_nesting() {
    let r = record(1);
    let inner = zip_of(&[("a.json", r.as_bytes()), ("b.json", r.as_bytes())]);
    let outer = zip_of(&[("x.zip", &inner), ("y.zip", &inner)]);
    // 2 outer + 4 inner members.
    let (_, err) = read(outer.clone(), small(1 << 30, 5));
    let err = err.expect("refused");
    assert!(err.contains("more than 5 zip members"), "{err}");
    let (records, err) = read(outer, small(1 << 30, 6));
    assert_eq!(err, None);
    assert_eq!(records, 4);
}

#[test]
fn nested_expansion_counts_every_layer_together() {
    // Each member alone is within its own 200x cap, but together they exceed the input's.
    let text: String = (0..2000).map(|_| record(2)).collect();
    let gz = gzip(text.as_bytes());
    let members: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| (format!("m{i:02}.json.gz"), gz.clone()))
        .collect();
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    let z = zip_of(&refs);
    let (records, err) = read(z, small(1_000_000, 100));
    let err = err.expect("refused");
    assert!(
        err.contains("refusing a possible decompression bomb"),
        "{err}"
    );
    assert!(records < 20 * 2000, "stopped early");
}
