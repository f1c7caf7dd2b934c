//! Opening inputs: paths and directories (walked recursively in sorted order, listing what
//! cannot be read instead of stopping: see [`InputPath::Ignored`]), stdin,
//! gzip and zip containers (detected by magic bytes, never by name), with caps against
//! decompression bombs, and text encodings (UTF-8 BOM, UTF-16 with or without BOM).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Found by walking a directory but never opened (DESIGN.md §9): a dangling symlink, a
    /// symlink loop, a FIFO, socket or device (opening a FIFO would block), a directory
    /// already scanned, one that cannot be listed. The reason goes into the report.
    Ignored(PathBuf, String),
}

impl InputPath {
    pub fn label(&self) -> String {
        match self {
            InputPath::Stdin => "<stdin>".to_string(),
            InputPath::File(p) | InputPath::Walked(p) | InputPath::Ignored(p, _) => {
                p.display().to_string()
            }
        }
    }

    /// The file to open; `None` for stdin and for an entry a scan ignored.
    pub fn path(&self) -> Option<&Path> {
        match self {
            InputPath::Stdin | InputPath::Ignored(..) => None,
            InputPath::File(p) | InputPath::Walked(p) => Some(p),
        }
    }
}

/// Expands directories recursively (sorted, so the order never depends on the file system).
/// A path given here that cannot be opened is an error; what a scan below it cannot read is
/// listed as [`InputPath::Ignored`].
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
            let rd = std::fs::read_dir(p).map_err(|source| Error::Open {
                path: p.clone(),
                source,
            })?;
            let mut visited = BTreeSet::new();
            visited.insert(dir_id(&meta, p));
            walk(p, rd, 0, &mut visited, &mut out);
        } else {
            out.push(InputPath::File(p.clone()));
        }
    }
    Ok(out)
}

/// Directory nesting beyond this is a loop the identity check could not see.
const MAX_DEPTH: usize = 64;

/// A directory's identity, so a symlink back up the tree (or to a sibling) is read once.
#[cfg(unix)]
fn dir_id(meta: &std::fs::Metadata, _: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    Some(PathBuf::from(format!("{}:{}", meta.dev(), meta.ino())))
}

#[cfg(not(unix))]
fn dir_id(_: &std::fs::Metadata, p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok()
}

fn walk(
    dir: &Path,
    rd: std::fs::ReadDir,
    depth: usize,
    visited: &mut BTreeSet<Option<PathBuf>>,
    out: &mut Vec<InputPath>,
) {
    let mut entries: Vec<PathBuf> = Vec::new();
    for e in rd {
        match e {
            Ok(e) => entries.push(e.path()),
            Err(e) => ignore(
                out,
                dir,
                format!("cannot list an entry of the directory: {e}"),
            ),
        }
    }
    entries.sort();
    for p in entries {
        // Hidden files are not read (editor and sync-tool leftovers), so not reported either.
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => {
                if depth >= MAX_DEPTH {
                    ignore(
                        out,
                        &p,
                        format!("directories nested deeper than {MAX_DEPTH}"),
                    );
                } else if !visited.insert(dir_id(&m, &p)) {
                    ignore(
                        out,
                        &p,
                        "a directory already scanned (a symbolic link loop?)".to_string(),
                    );
                } else {
                    match std::fs::read_dir(&p) {
                        Ok(rd) => walk(&p, rd, depth + 1, visited, out),
                        Err(e) => ignore(out, &p, format!("cannot read the directory: {e}")),
                    }
                }
            }
            _ if hidden => {}
            Ok(m) if m.is_file() => out.push(InputPath::Walked(p)),
            Ok(m) => ignore(
                out,
                &p,
                format!("{}: never opened by a directory scan", special(&m)),
            ),
            Err(e) => {
                let why = match std::fs::symlink_metadata(&p) {
                    Ok(l) if l.file_type().is_symlink() && e.kind() == io::ErrorKind::NotFound => {
                        "a dangling symbolic link (its target does not exist)".to_string()
                    }
                    Ok(l) if l.file_type().is_symlink() => {
                        format!("cannot follow the symbolic link: {e}")
                    }
                    _ => format!("cannot read: {e}"),
                };
                ignore(out, &p, why);
            }
        }
    }
}

fn ignore(out: &mut Vec<InputPath>, p: &Path, why: impl Into<String>) {
    out.push(InputPath::Ignored(p.to_path_buf(), why.into()));
}

/// What a file that is neither a regular file nor a directory is.
fn special(m: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    let _ = m;
    "not a regular file"
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
        InputPath::Ignored(p, why) => Err(Error::Read {
            path: p.display().to_string(),
            reason: why.clone(),
        }),
        InputPath::File(p) | InputPath::Walked(p) => {
            let f = File::open(p).map_err(|source| Error::Open {
                path: p.clone(),
                source,
            })?;
            // A FIFO or `/dev/fd/N` has a length of 0, not its size: unknown, so its bytes
            // are counted for the expansion budget as they are read.
            let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
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

/// What one input on the command line may expand to across all its containers (DESIGN.md
/// §9): decompressed bytes at every level together at most `MAX_RATIO` times the input's own
/// size (its bytes read so far when the size is unknown, as on stdin), never less than
/// `min`; and at most `max_members` zip members at every level together. Shared by the
/// readers of one input's layers (they run on the reader thread, one after another).
#[derive(Debug, Clone)]
pub struct Budget {
    known: Option<u64>,
    raw: Arc<AtomicU64>,
    out: Arc<AtomicU64>,
    members: Arc<AtomicU64>,
    min: u64,
    max_members: u64,
}

impl Budget {
    pub fn new(size: Option<u64>, min: u64, max_members: u64) -> Budget {
        Budget {
            known: size,
            raw: Arc::default(),
            out: Arc::default(),
            members: Arc::default(),
            min,
            max_members,
        }
    }

    /// Whether the input's size is unknown, so its bytes must be counted as they are read
    /// (`counting`) for the expansion limit.
    pub fn needs_counting(&self) -> bool {
        self.known.is_none()
    }

    /// The input's own bytes, counted as they are read (for an input of unknown size).
    pub fn counting<R: Read>(&self, inner: R) -> Counting<R> {
        Counting {
            inner,
            raw: Arc::clone(&self.raw),
        }
    }

    fn limit(&self) -> u64 {
        let raw = self
            .known
            .unwrap_or_else(|| self.raw.load(Ordering::Relaxed));
        raw.saturating_mul(MAX_RATIO).max(self.min)
    }

    fn spend(&self, n: usize) -> io::Result<()> {
        let out = self.out.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let limit = self.limit();
        if out > limit {
            return Err(io::Error::other(format!(
                "its containers expand to more than {limit} bytes ({MAX_RATIO}x the input, at least {} bytes): refusing a possible decompression bomb",
                self.min
            )));
        }
        Ok(())
    }

    /// Counts one more zip member; an error past the limit.
    pub fn member(&self) -> std::result::Result<(), String> {
        let n = self.members.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.max_members {
            return Err(format!(
                "more than {} zip members in all its containers: refusing a possible zip bomb",
                self.max_members
            ));
        }
        Ok(())
    }
}

/// Counts the bytes read from an input (see [`Budget::counting`]).
pub struct Counting<R> {
    inner: R,
    raw: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.raw.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A reader that fails once more than `cap` bytes came out of it, or once the input's
/// whole [`Budget`] is spent.
pub struct CapReader<R> {
    inner: R,
    read: u64,
    cap: u64,
    budget: Option<Budget>,
}

impl<R: Read> CapReader<R> {
    pub fn new(inner: R, cap: u64) -> CapReader<R> {
        CapReader {
            inner,
            read: 0,
            cap,
            budget: None,
        }
    }

    /// Also counted against the input's budget.
    pub fn within(inner: R, cap: u64, budget: &Budget) -> CapReader<R> {
        CapReader {
            budget: Some(budget.clone()),
            ..CapReader::new(inner, cap)
        }
    }
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(b) = &self.budget {
            b.spend(n)?;
        }
        if self.read > self.cap {
            return Err(io::Error::other(format!(
                "decompressed data exceeds {} bytes: refusing a possible decompression bomb",
                self.cap
            )));
        }
        Ok(n)
    }
}

/// One layer's own cap: `MAX_RATIO` times its compressed size, at least `MIN_CAP`; a layer of
/// unknown size (gzip on stdin) is held to the input's [`Budget`], which counts what was read.
pub fn cap_for(compressed: Option<u64>) -> u64 {
    compressed.map_or(u64::MAX, |c| c.saturating_mul(MAX_RATIO).max(MIN_CAP))
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

    /// A FIFO named on the command line has no size (its length reads 0): its bytes are
    /// counted against the expansion budget as they come, like stdin's.
    #[cfg(unix)]
    #[test]
    fn a_fifo_has_no_known_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("in.fifo");
        let made = std::process::Command::new("mkfifo").arg(&p).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let writer = {
            let p = p.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
                f.write_all(b"{}\n").unwrap();
            })
        };
        let s = open(&InputPath::File(p)).unwrap();
        assert_eq!(s.size, None);
        let mut got = Vec::new();
        let mut r = s.reader;
        r.read_to_end(&mut got).unwrap();
        writer.join().unwrap();
        assert_eq!(got, b"{}\n");
        let b = Budget::new(s.size, MIN_CAP, 10);
        assert!(b.needs_counting());
    }

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
