//! `-o` never replaces an input: the target is compared, by file identity (device and inode;
//! the canonical path where there is none), with every file the run reads — the paths given,
//! each file a directory scan found, every file under a `--locations` or `--policies`
//! directory, and standard input when it is redirected from a file. Hard links and symlinks
//! are the same file; two spellings of one path are too.

use std::collections::BTreeSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use super::stdout;
use crate::error::{Error, Result};
use crate::input::source::InputPath;

/// What a run reads, for [`preflight`].
#[derive(Debug, Default)]
pub struct Reads {
    /// Read as they are: command-line files and what a directory scan listed.
    files: Vec<PathBuf>,
    /// Any regular file below these may be read (`--locations`, `--policies`), with the flag.
    trees: Vec<(&'static str, PathBuf)>,
    stdin: bool,
}

impl Reads {
    /// The sign-in inputs after directory expansion.
    pub fn inputs(mut self, inputs: &[InputPath]) -> Reads {
        for i in inputs {
            match i {
                InputPath::Stdin => self.stdin = true,
                _ => self.files.extend(i.path().map(Path::to_path_buf)),
            }
        }
        self
    }

    /// Paths given to `flag` (`--locations`, `--policies`): files, or directories read whole.
    pub fn trees(mut self, flag: &'static str, paths: &[PathBuf]) -> Reads {
        self.trees.extend(paths.iter().map(|p| (flag, p.clone())));
        self
    }
}

#[cfg(unix)]
type Id = (u64, u64);
#[cfg(not(unix))]
type Id = PathBuf;

fn id(meta: &Metadata, path: &Path) -> Option<Id> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        std::fs::canonicalize(path).ok()
    }
}

fn id_of(path: &Path) -> Option<Id> {
    std::fs::metadata(path).ok().and_then(|m| id(&m, path))
}

/// Standard input's file, when it is a regular file (`< in.json`).
fn stdin_id() -> Option<Id> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
        let m = std::fs::File::from(fd).metadata().ok()?;
        if m.is_file() {
            id(&m, Path::new(""))
        } else {
            None
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Refuses, before anything is read or written: a closed stdout when the report goes there,
/// a directory as the target, and a target that is one of the inputs. A target that is not a
/// regular file (device, FIFO) is written in place and replaces nothing, so it passes.
pub fn preflight(target: Option<&Path>, reads: &Reads) -> Result<()> {
    if super::is_stdout(target) && stdout::closed() {
        return Err(Error::Output {
            path: target.map_or_else(
                || "standard output".to_string(),
                |t| t.display().to_string(),
            ),
            reason: stdout::CLOSED.to_string(),
        });
    }
    let Some(t) = target else {
        return Ok(());
    };
    let Ok(meta) = std::fs::metadata(t) else {
        return Ok(()); // a new file (a dangling link is refused when it is opened)
    };
    if meta.is_dir() {
        return Err(Error::Output {
            path: t.display().to_string(),
            reason: "is a directory".to_string(),
        });
    }
    if !meta.is_file() {
        return Ok(());
    }
    let Some(target_id) = id(&meta, t) else {
        return Ok(());
    };
    let refuse = |input: &Path, how: String| {
        Error::Usage(format!(
            "refusing to write the output over the input {}: {how}",
            input.display()
        ))
    };
    if reads.stdin && stdin_id().as_ref() == Some(&target_id) {
        return Err(refuse(
            Path::new("<stdin>"),
            format!("standard input is read from {}, the -o target", t.display()),
        ));
    }
    for f in &reads.files {
        if id_of(f).as_ref() == Some(&target_id) {
            return Err(refuse(f, format!("-o {} is the same file", t.display())));
        }
    }
    for (flag, tree) in &reads.trees {
        let mut visited = BTreeSet::new();
        if let Some(found) = find(tree, &target_id, 0, &mut visited) {
            let how = if &found == tree {
                format!("-o {} is the same file", t.display())
            } else {
                format!(
                    "-o {} is the same file, and {flag} {} reads it",
                    t.display(),
                    tree.display()
                )
            };
            return Err(refuse(&found, how));
        }
    }
    Ok(())
}

/// Directory nesting past this is a loop, not data.
const MAX_DEPTH: usize = 64;

/// The first regular file at or below `path` that is `target` (links followed, each
/// directory once).
fn find(path: &Path, target: &Id, depth: usize, visited: &mut BTreeSet<Id>) -> Option<PathBuf> {
    let m = std::fs::metadata(path).ok()?;
    if m.is_file() {
        return (id(&m, path).as_ref() == Some(target)).then(|| path.to_path_buf());
    }
    if !m.is_dir() || depth > MAX_DEPTH || !visited.insert(id(&m, path)?) {
        return None;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    entries
        .iter()
        .find_map(|p| find(p, target, depth + 1, visited))
}
