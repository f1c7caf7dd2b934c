//! The reader's buffers are sized to each input where its size is known (issue 13): a small
//! file or zip member gets a buffer in proportion to its size, not a whole chunk, and the
//! records come out the same as with any chunk size.

use std::io::Write;

use super::{ReadOptions, read_paths};
use crate::input::source::InputPath;
use crate::input::{Msg, Payload};

fn rec(n: usize) -> String {
    format!(
        r#"{{"id":"r{n}","createdDateTime":"2026-10-01T08:00:00Z","userPrincipalName":"u{n}@example.com"}}"#
    )
}

/// (records, largest chunk buffer capacity, chunks) read from `path`.
fn read(path: &std::path::Path, chunk_bytes: usize) -> (usize, usize, usize) {
    let opts = ReadOptions {
        chunk_bytes,
        ..ReadOptions::default()
    };
    let (mut records, mut largest, mut chunks) = (0, 0, 0);
    let mut sink = |m: crate::error::Result<Msg>| {
        if let Ok(Msg::Chunk(c)) = m {
            records += c.len();
            chunks += 1;
            if let Payload::Json { buf, .. } = &c.payload {
                largest = largest.max(buf.capacity());
            }
        }
        true
    };
    read_paths(&[InputPath::File(path.to_path_buf())], opts, &mut sink);
    (records, largest, chunks)
}

#[test]
fn a_small_file_gets_a_buffer_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.json");
    let text = format!("[{},{}]", rec(1), rec(2));
    std::fs::write(&path, &text).unwrap();
    let (records, largest, _) = read(&path, 4 << 20);
    assert_eq!(records, 2);
    assert!(
        largest <= text.len() + 1,
        "a {}-byte file took a {largest}-byte buffer",
        text.len()
    );
}

#[test]
fn tiny_zip_members_each_get_a_buffer_of_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.zip");
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut bytes);
        let opts = zip::write::SimpleFileOptions::default();
        for i in 0..300 {
            z.start_file(format!("m{i}.json"), opts).unwrap();
            z.write_all(format!("[{}]", rec(i)).as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    std::fs::write(&path, bytes.get_ref()).unwrap();
    let (records, largest, chunks) = read(&path, 4 << 20);
    assert_eq!((records, chunks), (300, 300));
    assert!(largest < 1024, "a tiny member took a {largest}-byte buffer");
}

#[test]
fn a_file_larger_than_a_chunk_reads_the_same_at_every_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let all: Vec<String> = (0..500).map(rec).collect();
    std::fs::write(&path, format!("[{}]", all.join(","))).unwrap();
    for chunk in [64, 1000, 4096, 1 << 20, 4 << 20] {
        let (records, largest, _) = read(&path, chunk);
        assert_eq!(records, 500, "chunk size {chunk}");
        // Never more than a chunk and one read step, whatever the file's size.
        assert!(
            largest <= chunk.max(200) + (256 << 10) + 64 * 1024,
            "chunk {chunk}: {largest}"
        );
    }
}
