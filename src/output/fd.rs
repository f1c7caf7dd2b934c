//! Whether a `-o` target names one of this process's own descriptors (`/dev/stdout`,
//! `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, `/proc/<our pid>/fd/N`, or a symlink to
//! one). Such a path must be written through the descriptor the shell handed over: following
//! the link to the file behind it and replacing that file would drop the shell's `O_APPEND`
//! (`-o /dev/stdout >> log` would lose the log) and give the file a new inode.

use std::path::{Component, Path, PathBuf};

/// Links followed before giving up (the kernel's own limit is 40).
const MAX_LINKS: usize = 40;

/// The descriptor `target` stands for, when it is one of ours.
pub(super) fn own_fd(target: &Path) -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        let mut p = target.to_path_buf();
        for _ in 0..MAX_LINKS {
            let name = p.file_name()?.to_str()?.to_string();
            let parent = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            // The directory's links resolved (`/dev/fd` is `/proc/self/fd`, `/proc/self` is
            // `/proc/<pid>`), but not the last component: that is the magic link itself.
            let dir = std::fs::canonicalize(&parent).ok()?;
            if is_own_fd_dir(&dir) {
                return name.parse::<i32>().ok().filter(|n| *n >= 0);
            }
            let next = std::fs::read_link(&p).ok()?;
            p = if next.is_absolute() {
                next
            } else {
                dir.join(next)
            };
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Elsewhere only the spellings themselves are known.
        match target.to_str()? {
            "/dev/stdout" => Some(1),
            "/dev/stderr" => Some(2),
            s => s.strip_prefix("/dev/fd/")?.parse().ok(),
        }
    }
}

/// `/proc/<our pid>/fd` or `/proc/<our pid>/task/<tid>/fd`.
#[cfg(target_os = "linux")]
fn is_own_fd_dir(dir: &Path) -> bool {
    let parts: Vec<&str> = dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let pid = std::process::id().to_string();
    match parts.as_slice() {
        ["proc", p, "fd"] => *p == pid,
        ["proc", p, "task", _, "fd"] => *p == pid,
        _ => false,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn own_descriptors_are_recognised_through_every_spelling() {
        assert_eq!(own_fd(Path::new("/dev/stdout")), Some(1));
        assert_eq!(own_fd(Path::new("/dev/stderr")), Some(2));
        assert_eq!(own_fd(Path::new("/dev/fd/1")), Some(1));
        assert_eq!(own_fd(Path::new("/proc/self/fd/2")), Some(2));
        let mine = format!("/proc/{}/fd/1", std::process::id());
        assert_eq!(own_fd(Path::new(&mine)), Some(1));
        assert_eq!(own_fd(Path::new("/dev/null")), None);
        assert_eq!(own_fd(Path::new("report.json")), None);
        // Another process's descriptors are just paths.
        assert_eq!(own_fd(Path::new("/proc/1/fd/1")), None);
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("out");
        std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
        assert_eq!(own_fd(&link), Some(1));
    }
}
