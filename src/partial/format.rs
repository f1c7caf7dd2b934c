//! The part file on disk: a magic and a format version, then frames (`kind`, `u64` length,
//! payload): the records frames of `partial::record` in input order, one metadata frame
//! (gzip-compressed JSON: the casift version, the options every part must share, and the
//! run's merged state) and an end frame (frame and record counts). Reading checks every
//! length against the file, so a truncated, foreign or newer part is an error naming it.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::record::{self, FRAME_RECORDS};
use crate::analysis::{Acc, InputReport, Totals};
use crate::error::{Error, Result};
use crate::input::Skip;
use crate::locations::NamedLocation;
use crate::policy::PolicySet;
use crate::report::FilterValue;

/// The first bytes of every part file.
pub const MAGIC: &[u8; 8] = b"CASIFTPT";
/// The part format this build writes and the only one it reads. Version 2: the counted
/// keys' fingerprints (`analysis::fingerprint`) are no longer FNV-1a, so a version-1 part's
/// would count each key again beside a version-2 part's.
pub const FORMAT_VERSION: u32 = 2;
const FRAME_META: u8 = b'M';
const FRAME_END: u8 = b'E';
/// A metadata frame larger than this is refused before it is read.
const MAX_META: u64 = 1 << 32;

/// What every part of one merge must share: the same filters, locations, policies and
/// modes give the report a single run would give.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartOptions {
    /// The report's `filters` (name, value), as resolved.
    pub filters: Vec<(String, FilterValue)>,
    /// The filters as typed, for the note on an empty result.
    pub filter_flags: Vec<String>,
    /// The command line's notes (how `--error-code` was read).
    pub notes: Vec<String>,
    /// Written with `--redact`: the first-seen order of names, IPs and devices is kept.
    pub redact: bool,
    /// The filters include ones checked before the full decode (which `--redact` turns off,
    /// so a part with the order cannot stand for a run without it).
    pub prefilter: bool,
    /// `--assume-disjoint`: no duplicate keys nor replay records.
    pub disjoint: bool,
    /// The named locations the run used (`--locations` and those among `--policies`).
    pub locations: Option<Vec<NamedLocation>>,
    /// What loading them said (entries a `--locations` directory scan passed over).
    pub location_notes: Vec<String>,
    pub policies: Option<PolicySet>,
}

impl PartOptions {
    /// The options as comparable JSON (the policy types have no `PartialEq` of their own).
    pub fn fingerprint(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// The run's merged state, as `pipeline::State` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateRepr {
    pub acc: Acc,
    pub inputs: Vec<InputReport>,
    pub skipped: Vec<Skip>,
    pub skipped_total: u64,
    pub totals: Totals,
    pub joined: u64,
}

/// The metadata frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// The casift version that wrote the part: a merge takes parts of its own version only.
    pub casift: String,
    pub options: PartOptions,
    pub state: StateRepr,
    /// Request ids (lower case) of the authentication-detail rows among the inputs.
    pub auth_ids: Vec<String>,
}

/// Writes a part: frames as they come, then the metadata and the end.
pub struct PartWriter<W: Write> {
    w: W,
    frames: u64,
    records: u64,
}

impl<W: Write> PartWriter<W> {
    pub fn new(mut w: W) -> std::io::Result<PartWriter<W>> {
        w.write_all(MAGIC)?;
        w.write_all(&FORMAT_VERSION.to_le_bytes())?;
        Ok(PartWriter {
            w,
            frames: 0,
            records: 0,
        })
    }

    /// One records frame, whole (as `record::frame` makes it).
    pub fn frame(&mut self, f: &[u8]) -> std::io::Result<()> {
        // Kind (1), length (8), input (4), count (4).
        if let Some(c) = f.get(13..17) {
            let mut b = [0u8; 4];
            b.copy_from_slice(c);
            self.records += u64::from(u32::from_le_bytes(b));
        }
        self.frames += 1;
        self.w.write_all(f)
    }

    /// The metadata and end frames; returns the inner writer to commit.
    pub fn finish(mut self, meta: &Meta) -> Result<W> {
        let json = serde_json::to_vec(meta)
            .map_err(|e| Error::Usage(format!("cannot encode the part: {e}")))?;
        let gz = record::gzip(&json);
        self.w.write_all(&[FRAME_META])?;
        self.w.write_all(&(gz.len() as u64).to_le_bytes())?;
        self.w.write_all(&gz)?;
        self.w.write_all(&[FRAME_END])?;
        self.w.write_all(&16u64.to_le_bytes())?;
        self.w.write_all(&self.frames.to_le_bytes())?;
        self.w.write_all(&self.records.to_le_bytes())?;
        Ok(self.w)
    }
}

/// The pipeline writes whole frames through this (one `write_all` per frame).
impl<W: Write> Write for PartWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.frame(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// A part opened for merging: its metadata, and where its records frames are.
pub struct PartFile {
    pub path: String,
    file: BufReader<File>,
    /// (offset of the payload, length) of each records frame.
    frames: Vec<(u64, u64)>,
    pub meta: Meta,
}

impl PartFile {
    pub fn open(path: &Path) -> Result<PartFile> {
        let shown = path.display().to_string();
        let fail = |reason: String| Error::Part {
            path: shown.clone(),
            reason,
        };
        let f = File::open(path).map_err(|e| Error::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        let size = f.metadata().map_err(|e| fail(e.to_string()))?.len();
        let mut r = BufReader::new(f);
        let mut head = [0u8; 12];
        if size < 12 || r.read_exact(&mut head).is_err() || &head[..8] != MAGIC {
            return Err(fail(
                "not a casift part file (write one with `casift analyze INPUT... --partial -o PART`)"
                    .to_string(),
            ));
        }
        let mut v = [0u8; 4];
        v.copy_from_slice(&head[8..12]);
        let version = u32::from_le_bytes(v);
        if version != FORMAT_VERSION {
            return Err(fail(format!(
                "part format version {version}, and this casift reads version {FORMAT_VERSION} only: {}",
                if version > FORMAT_VERSION {
                    "it was written by a newer casift; merge with that build"
                } else {
                    "write the part again with this build"
                }
            )));
        }
        let truncated = || "truncated (the file ends inside a frame or before its end frame)";
        let mut pos = 12u64;
        let mut frames = Vec::new();
        let mut claimed = 0u64;
        let mut meta_bytes: Option<Vec<u8>> = None;
        let mut end: Option<(u64, u64)> = None;
        while pos < size {
            if end.is_some() {
                return Err(fail("bytes after the end frame".to_string()));
            }
            let mut h = [0u8; 9];
            r.read_exact(&mut h).map_err(|_| fail(truncated().into()))?;
            let mut lb = [0u8; 8];
            lb.copy_from_slice(&h[1..9]);
            let len = u64::from_le_bytes(lb);
            let start = pos + 9;
            if len > size.saturating_sub(start) {
                return Err(fail(truncated().into()));
            }
            match h[0] {
                FRAME_RECORDS => {
                    let mut c = [0u8; 8];
                    if len < 16 {
                        return Err(fail("a records frame is cut short".into()));
                    }
                    r.read_exact(&mut c).map_err(|_| fail(truncated().into()))?;
                    let mut cb = [0u8; 4];
                    cb.copy_from_slice(&c[4..8]);
                    claimed += u64::from(u32::from_le_bytes(cb));
                    frames.push((start, len));
                    r.seek(SeekFrom::Start(start + len))
                        .map_err(|e| fail(e.to_string()))?;
                }
                FRAME_META => {
                    if meta_bytes.is_some() || len > MAX_META {
                        return Err(fail("a damaged metadata frame".into()));
                    }
                    let mut b = vec![0u8; len as usize];
                    r.read_exact(&mut b).map_err(|_| fail(truncated().into()))?;
                    meta_bytes = Some(b);
                }
                FRAME_END => {
                    let mut b = [0u8; 16];
                    if len != 16 {
                        return Err(fail("a damaged end frame".into()));
                    }
                    r.read_exact(&mut b).map_err(|_| fail(truncated().into()))?;
                    let mut x = [0u8; 8];
                    x.copy_from_slice(&b[..8]);
                    let n_frames = u64::from_le_bytes(x);
                    x.copy_from_slice(&b[8..]);
                    end = Some((n_frames, u64::from_le_bytes(x)));
                }
                k => {
                    return Err(fail(format!(
                        "an unknown frame kind {k:#04x} (damaged, or not a part)"
                    )));
                }
            }
            pos = start + len;
        }
        let Some((n_frames, n_records)) = end else {
            return Err(fail(truncated().into()));
        };
        let Some(mb) = meta_bytes else {
            return Err(fail("no metadata frame".into()));
        };
        if n_frames != frames.len() as u64 || n_records != claimed {
            return Err(fail(
                "its end frame does not match its records (damaged)".into(),
            ));
        }
        let json = record::gunzip(&mb).map_err(|e| fail(format!("metadata: {e}")))?;
        let mut meta: Meta = serde_json::from_slice(&json)
            .map_err(|e| fail(format!("metadata that this build cannot read ({e})")))?;
        if meta.casift != crate::run::VERSION {
            return Err(fail(format!(
                "written by casift {}, and this is casift {}: write every part and merge them with one build, so the report is the one a single run gives",
                meta.casift,
                crate::run::VERSION
            )));
        }
        meta.state.acc.reindex();
        let n_inputs = meta.state.inputs.len();
        if meta.state.skipped.iter().any(|s| s.input >= n_inputs) {
            return Err(fail(
                "a skipped record of an input it does not list (damaged)".into(),
            ));
        }
        Ok(PartFile {
            path: shown,
            file: r,
            frames,
            meta,
        })
    }

    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// The payload of records frame `i`.
    pub fn frame(&mut self, i: usize) -> Result<Vec<u8>> {
        let Some(&(off, len)) = self.frames.get(i) else {
            return Ok(Vec::new());
        };
        let shown = self.path.clone();
        let fail = |e: std::io::Error| Error::Part {
            path: shown.clone(),
            reason: e.to_string(),
        };
        self.file.seek(SeekFrom::Start(off)).map_err(fail)?;
        let mut b = vec![0u8; usize::try_from(len).unwrap_or(0)];
        self.file.read_exact(&mut b).map_err(fail)?;
        Ok(b)
    }

    /// An error about this part.
    pub fn error(&self, reason: impl Into<String>) -> Error {
        Error::Part {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }
}
