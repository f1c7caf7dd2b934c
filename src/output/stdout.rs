//! Whether standard output is closed (`casift … >&-`). The Rust runtime reopens a closed
//! stdout on `/dev/null` before `main` runs, so every write would "succeed" and the report
//! would be lost with exit 0; the runtime's stand-in is told apart from a shell's `> /dev/null`
//! by being open for reading too (a shell opens it write-only).

/// The reason given when [`closed`] is true.
pub(super) const CLOSED: &str = "standard output is closed (or is /dev/null opened for reading and writing, which is how a closed stdout reaches the program); use -o FILE, or > /dev/null to discard the report";

/// True when stdout is closed, or is the runtime's read-write `/dev/null` stand-in.
pub(super) fn closed() -> bool {
    #[cfg(unix)]
    {
        use std::io::Read as _;
        use std::os::fd::AsFd as _;
        use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
        let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
            return true; // EBADF: closed for real
        };
        let f = std::fs::File::from(fd);
        let (Ok(m), Ok(null)) = (f.metadata(), std::fs::metadata("/dev/null")) else {
            return false;
        };
        if !m.file_type().is_char_device() || m.rdev() != null.rdev() {
            return false;
        }
        // A zero-length read fails with EBADF on a descriptor not open for reading.
        (&f).read(&mut []).is_ok()
    }
    #[cfg(not(unix))]
    {
        false
    }
}
