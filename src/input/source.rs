//! Opening inputs: paths and directories (walked recursively in sorted order), stdin,
//! gzip and zip containers (detected by magic bytes, never by name), with caps against
//! decompression bombs, and text encodings (UTF-8 BOM, UTF-16 with or without BOM).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Decompressed bytes may exceed the compressed size by this factor before we refuse...
pub const MAX_RATIO: u64 = 200;
/// ...but never below this many bytes.
pub const MIN_CAP: u64 = 1 << 30;
/// Nested containers (a zip inside a zip) are read into memory up to this size.
pub const MAX_NESTED: u64 = 512 << 20;

/// One input as named on the command line, after directory expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    Stdin,
    File(PathBuf),
    /// Found by walking a directory: a file that is not a sign-in export is ignored with a
    /// note instead of stopping the run.
    Walked(PathBuf),
}

impl InputPath {
    pub fn label(&self) -> String {
        match self {
            InputPath::Stdin => "<stdin>".to_string(),
            InputPath::File(p) | InputPath::Walked(p) => p.display().to_string(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            InputPath::Stdin => None,
            InputPath::File(p) | InputPath::Walked(p) => Some(p),
        }
    }
}

/// Expands directories recursively (sorted, so the order never depends on the file system).
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<InputPath>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.as_os_str() == "-" {
            out.push(InputPath::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|source| Error::Open {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(InputPath::File(p.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<InputPath>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Open {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = Vec::new();
    for e in rd {
        let e = e.map_err(|source| Error::Open {
            path: dir.to_path_buf(),
            source,
        })?;
        entries.push(e.path());
    }
    entries.sort();
    for p in entries {
        let meta = std::fs::metadata(&p).map_err(|source| Error::Open {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&p, out)?;
        } else if meta.is_file() {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                out.push(InputPath::Walked(p));
            }
        }
    }
    Ok(())
}

/// A byte stream with what we know about where it came from.
pub struct Stream {
    pub label: String,
    /// The file or member name, for hints such as `NonInteractiveSignIns_…` in CSV names.
    pub name: String,
    pub reader: Box<dyn Read + Send>,
    /// Total size when known (for progress).
    pub size: Option<u64>,
}

/// Opens a path (or stdin) as a raw stream; containers are unwrapped by `unwrap_stream`.
pub fn open(input: &InputPath) -> Result<Stream> {
    match input {
        InputPath::Stdin => Ok(Stream {
            label: "<stdin>".to_string(),
            name: String::new(),
            reader: Box::new(io::stdin()),
            size: None,
        }),
        InputPath::File(p) | InputPath::Walked(p) => {
            let f = File::open(p).map_err(|source| Error::Open {
                path: p.clone(),
                source,
            })?;
            let size = f.metadata().ok().map(|m| m.len());
            Ok(Stream {
                label: p.display().to_string(),
                name: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                // Small: the reader's own reads are larger and then bypass this buffer
                // instead of being copied through it.
                reader: Box::new(BufReader::with_capacity(64 << 10, f)),
                size,
            })
        }
    }
}

/// A reader that fails once more than `cap` bytes came out of it.
pub struct CapReader<R> {
    inner: R,
    read: u64,
    cap: u64,
}

impl<R: Read> CapReader<R> {
    pub fn new(inner: R, cap: u64) -> CapReader<R> {
        CapReader {
            inner,
            read: 0,
            cap,
        }
    }
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(io::Error::other(format!(
                "decompressed data exceeds {} bytes: refusing a possible decompression bomb",
                self.cap
            )));
        }
        Ok(n)
    }
}

pub fn cap_for(compressed: Option<u64>) -> u64 {
    compressed.map_or(64 * MIN_CAP, |c| c.saturating_mul(MAX_RATIO).max(MIN_CAP))
}

/// Reads into `buf` until it is full or the stream ends; returns the bytes read.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Converts UTF-16 (either byte order) to UTF-8 on the fly; invalid units become U+FFFD.
pub struct Utf16Reader<R> {
    inner: R,
    little_endian: bool,
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: Read> Utf16Reader<R> {
    pub fn new(inner: R, little_endian: bool, already_read: Vec<u8>) -> Utf16Reader<R> {
        Utf16Reader {
            inner,
            little_endian,
            pending: already_read,
            out: Vec::new(),
            out_pos: 0,
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let n = read_full(&mut self.inner, &mut buf)?;
        if n == 0 {
            self.done = true;
        }
        self.pending.extend_from_slice(&buf[..n]);
        let mut usable = self.pending.len() & !1;
        if !self.done && usable >= 2 {
            // Keep a trailing high surrogate for the next round.
            let last = self.unit(usable - 2);
            if (0xD800..0xDC00).contains(&last) {
                usable -= 2;
            }
        }
        let units: Vec<u16> = (0..usable).step_by(2).map(|i| self.unit(i)).collect();
        self.out.clear();
        self.out_pos = 0;
        let mut tmp = [0u8; 4];
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            self.out
                .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        if self.done && self.pending.len() % 2 == 1 {
            self.out.extend_from_slice("\u{FFFD}".as_bytes());
            usable += 1;
        }
        self.pending.drain(..usable.min(self.pending.len()));
        Ok(())
    }

    fn unit(&self, i: usize) -> u16 {
        let (a, b) = (self.pending[i], self.pending[i + 1]);
        if self.little_endian {
            u16::from_le_bytes([a, b])
        } else {
            u16::from_be_bytes([a, b])
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            if self.done && self.pending.is_empty() {
                return Ok(0);
            }
            self.refill()?;
            if self.done && self.out.is_empty() && self.pending.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The text encoding found at the start of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le { bom: bool },
    Utf16Be { bom: bool },
}

impl Encoding {
    /// The encoding as people name it, for input notes.
    pub fn human(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (with BOM)",
            Encoding::Utf16Le { bom: true } => "UTF-16 LE (with BOM)",
            Encoding::Utf16Le { bom: false } => "UTF-16 LE (without BOM)",
            Encoding::Utf16Be { bom: true } => "UTF-16 BE (with BOM)",
            Encoding::Utf16Be { bom: false } => "UTF-16 BE (without BOM)",
        }
    }
}

/// Decides the encoding from the first bytes: a BOM, or the zero-byte pattern of UTF-16 text.
pub fn sniff_encoding(head: &[u8]) -> Encoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Encoding::Utf8Bom;
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Encoding::Utf16Le { bom: true };
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Encoding::Utf16Be { bom: true };
    }
    let n = head.len().min(64) & !1;
    if n >= 4 {
        let even_zero = (0..n).step_by(2).filter(|&i| head[i] == 0).count();
        let odd_zero = (1..n).step_by(2).filter(|&i| head[i] == 0).count();
        let half = n / 2;
        if odd_zero * 10 >= half * 9 && even_zero == 0 {
            return Encoding::Utf16Le { bom: false };
        }
        if even_zero * 10 >= half * 9 && odd_zero == 0 {
            return Encoding::Utf16Be { bom: false };
        }
    }
    Encoding::Utf8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn utf16_transcodes_across_refills() {
        let text = "[{\"a\":\"é😀\"}]".repeat(10_000);
        let bytes = utf16le(&text);
        let mut r = Utf16Reader::new(&bytes[..], true, Vec::new());
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn encodings_are_sniffed() {
        assert_eq!(
            sniff_encoding(&[0xFF, 0xFE, b'[', 0]),
            Encoding::Utf16Le { bom: true }
        );
        assert_eq!(
            sniff_encoding(&utf16le("[{\"id\":1}]")),
            Encoding::Utf16Le { bom: false }
        );
        assert_eq!(sniff_encoding(b"[{\"id\":1}]"), Encoding::Utf8);
        assert_eq!(sniff_encoding(&[0xEF, 0xBB, 0xBF, b'[']), Encoding::Utf8Bom);
    }

    #[test]
    fn cap_reader_refuses_bombs() {
        let data = vec![0u8; 1000];
        let mut r = CapReader::new(&data[..], 100);
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
    }
}
