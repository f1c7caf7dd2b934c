//! Getting the bytes of each policy file: paths (files, directories walked recursively in
//! sorted order, unreadable entries listed as ignored), zip archives (every member, sorted by
//! name, nesting and sizes capped) and gzip, detected by magic bytes; then text decoding
//! (UTF-8 with or without BOM, UTF-16LE/BE with BOM, shared with the locations loader).

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use super::Acc;
use super::detect::{self, Outcome};
use crate::error::{Error, Result};

/// A file or member larger than this is not a policy export (a tenant holds at most 195
/// policies and 195 named locations, each capped in size by Entra).
pub(super) const MAX_FILE: u64 = 64 << 20;
/// Zip inside zip (inside zip) at most.
const MAX_ZIP_DEPTH: usize = 3;
/// Members read across all archives of one input, and their total decompressed bytes.
const MAX_MEMBERS: usize = 10_000;
const MAX_TOTAL: u64 = 256 << 20;
/// Directory nesting beyond this is treated as a loop.
const MAX_DIR_DEPTH: usize = 32;

/// Running totals for the archive caps of one input path.
#[derive(Default)]
pub(super) struct Budget {
    members: usize,
    bytes: u64,
}

fn policies_err(path: &str, reason: impl Into<String>) -> Error {
    Error::Policies {
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// Reads one command-line path into `acc`.
pub(super) fn read_path(path: &Path, acc: &mut Acc) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let shown = path.display().to_string();
    let mut budget = Budget::default();
    if meta.is_dir() {
        let before = acc.recognised;
        let mut visited = BTreeSet::new();
        walk(path, 0, &mut visited, acc, &mut budget)?;
        if acc.recognised == before {
            return Err(policies_err(
                &shown,
                "directory holds no Conditional Access policy or named-location file",
            ));
        }
        return Ok(());
    }
    let bytes = read_capped(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    bytes_in(&shown, &bytes, false, 0, acc, &mut budget)
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE + 1)
        .read_to_end(&mut v)?;
    if v.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB: not a Conditional Access policy export",
            MAX_FILE >> 20
        )));
    }
    Ok(v)
}

fn walk(
    dir: &Path,
    depth: usize,
    visited: &mut BTreeSet<PathBuf>,
    acc: &mut Acc,
    budget: &mut Budget,
) -> Result<()> {
    let shown = dir.display().to_string();
    if depth > MAX_DIR_DEPTH {
        acc.ignored(
            &shown,
            format!("directories nested deeper than {MAX_DIR_DEPTH}"),
        );
        return Ok(());
    }
    // A symlink back up the tree would otherwise be walked until the depth cap.
    match std::fs::canonicalize(dir) {
        Ok(real) => {
            if !visited.insert(real) {
                acc.ignored(&shown, "directory already read (a symlink loop?)");
                return Ok(());
            }
        }
        Err(e) => {
            acc.ignored(&shown, format!("cannot read: {e}"));
            return Ok(());
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            acc.ignored(&shown, format!("cannot read: {e}"));
            return Ok(());
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => acc.ignored(&shown, format!("cannot list an entry: {e}")),
        }
    }
    paths.sort();
    for p in paths {
        let label = p.display().to_string();
        match std::fs::metadata(&p) {
            Err(e) => acc.ignored(&label, format!("cannot read: {e}")),
            Ok(m) if m.is_dir() => walk(&p, depth + 1, visited, acc, budget)?,
            // FIFOs, sockets and devices would block or never end.
            Ok(m) if !m.is_file() => acc.ignored(&label, "not a regular file"),
            Ok(_) => match read_capped(&p) {
                Ok(bytes) => bytes_in(&label, &bytes, true, 0, acc, budget)?,
                Err(e) => acc.ignored(&label, format!("cannot read: {e}")),
            },
        }
    }
    Ok(())
}

/// One file's (or member's) bytes: containers by magic bytes, else decoded text.
pub(super) fn bytes_in(
    label: &str,
    bytes: &[u8],
    walked: bool,
    zip_depth: usize,
    acc: &mut Acc,
    budget: &mut Budget,
) -> Result<()> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip(label, bytes, walked, zip_depth, acc, budget);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        if zip_depth >= MAX_ZIP_DEPTH {
            return Err(policies_err(label, "containers nested too deep"));
        }
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .take(MAX_FILE + 1)
            .read_to_end(&mut out)
            .map_err(|e| policies_err(label, format!("invalid gzip: {e}")))?;
        if out.len() as u64 > MAX_FILE {
            return Err(policies_err(
                label,
                format!("decompresses to more than {} MiB", MAX_FILE >> 20),
            ));
        }
        return bytes_in(label, &out, walked, zip_depth + 1, acc, budget);
    }
    let text = match crate::locations::decode(bytes) {
        Ok(t) => t,
        Err(e) if walked => {
            acc.ignored(label, format!("not text: {e}"));
            return Ok(());
        }
        Err(e) => return Err(policies_err(label, e)),
    };
    match detect::text(label, &text, walked).map_err(|e| policies_err(label, e))? {
        Outcome::Ignored(why) => acc.ignored(label, why),
        Outcome::Found(found) => acc.found(label, found),
    }
    Ok(())
}

fn zip(
    label: &str,
    bytes: &[u8],
    walked: bool,
    zip_depth: usize,
    acc: &mut Acc,
    budget: &mut Budget,
) -> Result<()> {
    if zip_depth >= MAX_ZIP_DEPTH {
        return Err(policies_err(
            label,
            format!("zip archives nested more than {MAX_ZIP_DEPTH} deep"),
        ));
    }
    let bad = |e: zip::result::ZipError| policies_err(label, format!("invalid zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let mut members: Vec<(String, usize)> = Vec::new();
    for i in 0..archive.len() {
        let m = archive.by_index_raw(i).map_err(bad)?;
        if !m.is_dir() {
            let name = m
                .name()
                .map_or_else(|_| format!("member {}", i + 1), |n| n.to_string());
            members.push((name, i));
        }
    }
    members.sort();
    let before = acc.recognised;
    for (name, i) in members {
        let mlabel = format!("{label}!{name}");
        budget.members += 1;
        if budget.members > MAX_MEMBERS {
            return Err(policies_err(
                &mlabel,
                format!("more than {MAX_MEMBERS} zip members"),
            ));
        }
        let mut data = Vec::new();
        {
            let member = archive
                .by_index(i)
                .map_err(|e| policies_err(&mlabel, format!("cannot read zip member: {e}")))?;
            member
                .take(MAX_FILE + 1)
                .read_to_end(&mut data)
                .map_err(|e| policies_err(&mlabel, format!("cannot read zip member: {e}")))?;
        }
        if data.len() as u64 > MAX_FILE {
            return Err(policies_err(
                &mlabel,
                format!("decompresses to more than {} MiB", MAX_FILE >> 20),
            ));
        }
        budget.bytes += data.len() as u64;
        if budget.bytes > MAX_TOTAL {
            return Err(policies_err(
                &mlabel,
                format!("zip members add up to more than {} MiB", MAX_TOTAL >> 20),
            ));
        }
        bytes_in(&mlabel, &data, true, zip_depth + 1, acc, budget)?;
    }
    if acc.recognised == before && !walked && zip_depth == 0 {
        return Err(policies_err(
            label,
            "zip archive holds no Conditional Access policy or named-location file",
        ));
    }
    Ok(())
}
