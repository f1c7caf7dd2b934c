//! Whether standard output is closed (`casift … >&-`). The Rust runtime reopens a closed
//! stdout on `/dev/null` before `main` runs, so every write would "succeed" and the report
//! would be lost with exit 0; the runtime's stand-in is told apart from a shell's `> /dev/null`
//! by being open for reading too (a shell opens it write-only). The price: a parent that hands
//! over a read-write /dev/null on purpose (Python's `subprocess.DEVNULL`) gets the same error;
//! `-o /dev/null` or a write-only `> /dev/null` discard the report instead.

/// The reason given when [`closed`] is true.
pub(super) const CLOSED: &str = "standard output is closed (or is /dev/null opened for reading and writing, which is how a closed stdout reaches the program); use -o FILE, or > /dev/null to discard the report";

/// True when stdout is closed, or is the runtime's read-write `/dev/null` stand-in.
pub(super) fn closed() -> bool {
    #[cfg(unix)]
    {
        use std::io::Read as _;
        use std::os::fd::AsFd as _;
        use std::os::unix::fs::MetadataExt as _;
        let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
            return true; // EBADF: closed for real
        };
        let f = std::fs::File::from(fd);
        let (Ok(m), Ok(null)) = (f.metadata(), std::fs::metadata("/dev/null")) else {
            return false;
        };
        // The same file as /dev/null (compared as a file, not by device number: a system
        // whose /dev/null was replaced by a regular file still gets it opened here).
        if (m.dev(), m.ino()) != (null.dev(), null.ino()) {
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
