//! Where a report goes (DESIGN.md §9): standard output (refused when closed; `-o /dev/stdout`
//! and the other names of descriptor 1 too), the process's own stderr or other descriptor
//! (`/dev/stderr`, `/dev/fd/N`: written through, appending, never replaced), a special file
//! (device, FIFO) written in place, or a regular file replaced atomically through an exclusive,
//! randomly named temporary file beside it that keeps the target's permissions and owner and is removed
//! on error and on SIGINT/SIGTERM/SIGHUP. Nothing touches the file system before the first
//! byte is written, and [`preflight`] refuses a target that is one of the run's inputs.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

mod cleanup;
mod fd;
mod guard;
mod stdout;

pub use guard::{Reads, preflight};

/// The report's destination, opened at the first write (or at [`Output::commit`] when nothing
/// was written, so an empty result still produces the empty target).
pub struct Output {
    target: Option<PathBuf>,
    state: State,
    /// Written first when the output is opened (a CSV header), so that nothing is created
    /// before the run has a record to write or has finished.
    header: Vec<u8>,
    /// The report goes to our own stdout (no `-o`, `-o /dev/stdout`): a reader that went
    /// away is not an error.
    to_stdout: bool,
}

enum State {
    /// Nothing opened yet.
    Pending,
    Stdout(BufWriter<io::Stdout>),
    /// `-o /dev/stderr`: the handle the process was given, as it is.
    Stderr(BufWriter<io::Stderr>),
    /// A device or FIFO: written as it is, never replaced.
    Direct(BufWriter<File>),
    Temp(cleanup::Temp),
    /// Committed, or failed to open.
    Done,
}

/// What the target is, decided when it is opened.
enum Plan {
    Direct,
    /// Write `dir/.name.<random>.casift.tmp`, rename over `dest` (the resolved path).
    Replace {
        dest: PathBuf,
        /// The existing target's permissions and owner, for the file that replaces it.
        keep: Option<cleanup::Keep>,
    },
}

impl Output {
    /// `None` is standard output. No file is created here.
    pub fn new(target: Option<&Path>) -> Output {
        Output {
            target: target.map(Path::to_path_buf),
            state: State::Pending,
            header: Vec::new(),
            to_stdout: is_stdout(target),
        }
    }

    /// The same, with `header` written before the first byte.
    pub fn with_header(target: Option<&Path>, header: Vec<u8>) -> Output {
        Output {
            header,
            ..Output::new(target)
        }
    }

    fn shown(&self) -> String {
        self.target.as_ref().map_or_else(
            || "standard output".to_string(),
            |p| p.display().to_string(),
        )
    }

    fn fail(&self, e: io::Error) -> Error {
        // A reader that went away (`casift … | head`) is not an error of ours: main.rs
        // ends quietly on a broken pipe.
        if self.to_stdout && e.kind() == io::ErrorKind::BrokenPipe {
            return Error::Io(e);
        }
        Error::Output {
            path: self.shown(),
            reason: e.to_string(),
        }
    }

    /// An error of a write through `impl Write`, naming the target (its kind kept, so a
    /// broken pipe is still one).
    fn named(&self, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("cannot write {}: {e}", self.shown()))
    }

    fn open(&mut self) -> io::Result<()> {
        if self.to_stdout {
            if stdout::closed() {
                return Err(io::Error::other(stdout::CLOSED));
            }
            self.state = State::Stdout(BufWriter::with_capacity(64 << 10, io::stdout()));
            return Ok(());
        }
        let Some(target) = self.target.clone() else {
            return Err(io::Error::other("no output"));
        };
        match fd::own_fd(&target) {
            Some(2) => {
                self.state = State::Stderr(BufWriter::with_capacity(64 << 10, io::stderr()));
                return Ok(());
            }
            Some(_) => {
                // Another descriptor of ours: whatever it is (a regular file too), it is
                // written where it ends, never truncated or replaced.
                let f = std::fs::OpenOptions::new().append(true).open(&target)?;
                self.state = State::Direct(BufWriter::with_capacity(64 << 10, f));
                return Ok(());
            }
            None => {}
        }
        self.state = match plan(&target)? {
            Plan::Direct => {
                let f = std::fs::OpenOptions::new().write(true).open(&target)?;
                State::Direct(BufWriter::with_capacity(64 << 10, f))
            }
            Plan::Replace { dest, keep } => State::Temp(cleanup::Temp::create(&dest, keep)?),
        };
        Ok(())
    }

    fn writer(&mut self) -> io::Result<&mut dyn Write> {
        if matches!(self.state, State::Pending) {
            self.state = State::Done;
            self.open()?;
            let header = std::mem::take(&mut self.header);
            self.writer()?.write_all(&header)?;
        }
        match &mut self.state {
            State::Stdout(w) => Ok(w),
            State::Stderr(w) => Ok(w),
            State::Direct(w) => Ok(w),
            State::Temp(t) => t.writer(),
            State::Pending | State::Done => Err(io::Error::other("the output is already closed")),
        }
    }

    /// Flushes, and for a regular file syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> Result<()> {
        if let Err(e) = self.writer() {
            return Err(self.fail(e));
        }
        let done = match std::mem::replace(&mut self.state, State::Done) {
            State::Stdout(mut w) => w.flush(),
            State::Stderr(mut w) => w.flush(),
            // A device or FIFO has nothing to sync (fsync is EINVAL there).
            State::Direct(w) => w
                .into_inner()
                .map(drop)
                .map_err(io::IntoInnerError::into_error),
            State::Temp(t) => t.persist(),
            State::Pending | State::Done => Ok(()),
        };
        done.map_err(|e| self.fail(e))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.writer().and_then(|w| w.write(buf)) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.named(e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if matches!(self.state, State::Pending) {
            return Ok(());
        }
        match self.writer().and_then(|w| w.flush()) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.named(e)),
        }
    }
}

/// Decides how to write `target`: special files in place, regular files (also through a
/// symlink, resolved so the link stays a link) by replacement; a new path is a new file.
fn plan(target: &Path) -> io::Result<Plan> {
    let link = std::fs::symlink_metadata(target);
    match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => Err(io::Error::other("is a directory")),
        Ok(m) if m.is_file() => {
            let dest = if link.is_ok_and(|l| l.file_type().is_symlink()) {
                std::fs::canonicalize(target)?
            } else {
                target.to_path_buf()
            };
            Ok(Plan::Replace {
                dest,
                keep: Some(cleanup::Keep::of(&m)),
            })
        }
        Ok(_) => Ok(Plan::Direct),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if link.is_ok() {
                // A dangling link: following it would create a file somewhere the link
                // names, replacing it would lose the link; neither is what was asked.
                return Err(io::Error::other(
                    "a symbolic link to a file that does not exist",
                ));
            }
            Ok(Plan::Replace {
                dest: target.to_path_buf(),
                keep: None,
            })
        }
        Err(e) => Err(e),
    }
}

/// Whether a report for `target` goes to this process's standard output: no `-o`, or a
/// target that names descriptor 1 (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`).
pub fn is_stdout(target: Option<&Path>) -> bool {
    target.is_none_or(|t| fd::own_fd(t) == Some(1))
}

/// Writes `bytes` to `target` (or standard output) through [`Output`].
pub fn write_all(target: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let mut o = Output::new(target);
    if let Err(e) = o.writer().and_then(|w| w.write_all(bytes)) {
        return Err(o.fail(e));
    }
    o.commit()
}
