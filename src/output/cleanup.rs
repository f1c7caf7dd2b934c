//! The temporary file a report is written to before it replaces the target: created with
//! `O_CREAT|O_EXCL` under a random name (so a planted file or symlink is never opened), listed
//! while it exists so that SIGINT, SIGTERM or SIGHUP remove it before the process exits with
//! 128 + the signal, and removed on drop when it was not renamed over the target. SIGXFSZ is
//! caught as well, so a write past `ulimit -f` fails with EFBIG and takes the ordinary error
//! path (which removes the file) instead of killing the process.

use std::collections::BTreeSet;
use std::fs::Permissions;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tempfile::NamedTempFile;

/// Temporary files that exist now. Creating, renaming and the signal thread's removal each
/// hold the lock, so a signal never misses a file that is being created.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn live() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the file that replaces an existing target keeps of it: its permission bits and, where
/// the process may give them (as root), its owner and group, so that replacing a report
/// owned by another account does not make it ours.
pub(super) struct Keep {
    mode: Permissions,
    #[cfg(unix)]
    owner: (u32, u32),
}

impl Keep {
    pub(super) fn of(m: &std::fs::Metadata) -> Keep {
        Keep {
            mode: m.permissions(),
            #[cfg(unix)]
            owner: {
                use std::os::unix::fs::MetadataExt;
                (m.uid(), m.gid())
            },
        }
    }
}

/// Longest part of the target's name kept in the temporary name (names are at most 255 bytes).
const NAME_KEEP: usize = 96;

pub(super) struct Temp {
    file: Option<BufWriter<NamedTempFile>>,
    path: PathBuf,
    dest: PathBuf,
}

impl Temp {
    /// A new temporary file beside `dest`, with what it `keep`s of the existing target or,
    /// for a new target, the permissions `File::create` would give (0666 less the umask).
    pub(super) fn create(dest: &Path, keep: Option<Keep>) -> io::Result<Temp> {
        start_handler();
        let dir = dest
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut name = dest.file_name().map_or_else(
            || "report".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if name.len() > NAME_KEEP {
            let mut cut = NAME_KEEP;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            name.truncate(cut);
        }
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".casift.tmp").rand_bytes(12);
        #[cfg(unix)]
        if keep.is_none() {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(Permissions::from_mode(0o666));
        }
        let mut list = live();
        let file = b.tempfile_in(dir)?;
        let path = file.path().to_path_buf();
        list.insert(path.clone());
        drop(list);
        let t = Temp {
            file: Some(BufWriter::with_capacity(64 << 10, file)),
            path,
            dest: dest.to_path_buf(),
        };
        if let (Some(k), Some(w)) = (keep, &t.file) {
            let f = w.get_ref().as_file();
            // The owner first: a change of owner may clear mode bits.
            keep_owner(f, &k)?;
            keep_mode(f, k.mode)?;
        }
        Ok(t)
    }

    pub(super) fn writer(&mut self) -> io::Result<&mut dyn Write> {
        match &mut self.file {
            Some(w) => Ok(w),
            None => Err(io::Error::other("the output is already closed")),
        }
    }

    /// Flush, sync, rename over the target.
    pub(super) fn persist(mut self) -> io::Result<()> {
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let tmp = match w.into_inner() {
            Ok(t) => t,
            Err(e) => {
                let (err, w) = e.into_parts();
                drop(w.into_parts().0);
                return Err(err);
            }
        };
        tmp.as_file().sync_all()?;
        let mut list = live();
        let done = tmp.persist(&self.dest).map(drop).map_err(|e| e.error);
        list.remove(&self.path);
        done
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(w) = self.file.take() {
            // Not renamed: the partial report goes (dropping a NamedTempFile removes it),
            // without flushing what is still buffered into it first.
            drop(w.into_parts().0);
            live().remove(&self.path);
        }
    }
}

/// Gives `f` the old target's owner and group when they differ from ours. Only root may give
/// a file away (and a user only to a group they are in), so a refusal (EPERM) leaves the file
/// ours, as any editor's save would.
fn keep_owner(f: &std::fs::File, k: &Keep) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = f.metadata()?;
        let (uid, gid) = k.owner;
        if (now.uid(), now.gid()) == (uid, gid) {
            return Ok(());
        }
        match std::os::unix::fs::fchown(f, Some(uid), Some(gid)) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(()),
            r => r,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, k);
        Ok(())
    }
}

/// Setuid, setgid and sticky bits are not carried over: a report is not a program.
fn keep_mode(f: &std::fs::File, m: Permissions) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(Permissions::from_mode(m.mode() & 0o777))
    }
    #[cfg(not(unix))]
    {
        let _ = (f, m);
        Ok(())
    }
}

/// Starts, once, the thread that removes the live temporary files on a signal.
fn start_handler() {
    #[cfg(unix)]
    {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};
            let Ok(mut signals) =
                signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGXFSZ])
            else {
                return;
            };
            let _ = std::thread::Builder::new()
                .name("casift-signals".to_string())
                .spawn(move || {
                    for sig in signals.forever() {
                        if sig == SIGXFSZ {
                            // The write that crossed the limit fails with EFBIG instead.
                            continue;
                        }
                        let mut list = live();
                        for p in list.iter() {
                            let _ = std::fs::remove_file(p);
                        }
                        list.clear();
                        std::process::exit(128 + sig);
                    }
                });
        });
    }
}
