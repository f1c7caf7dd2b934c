//! Regressions from the output review, through the real binary: `-o` names of our own
//! descriptors are written through them (never replaced), `-o -` is stdout, a failing stderr
//! is exit 2, clap's own messages are terminal-safe, a replaced file keeps its owner, a
//! `--locations` scan lists special files, and `-j` is bounded.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_casift");
const EXPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/signins/portal.json");

fn sh(script: &str) -> Output {
    sh_in(std::path::Path::new("."), script)
}

/// `script` run by `sh` in `dir`, with `$BIN` and `$EXPORT` (absolute) set.
fn sh_in(dir: &std::path::Path, script: &str) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(script)
        .env("BIN", BIN)
        .env("EXPORT", EXPORT)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("run sh")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn reports_in(text: &str) -> usize {
    text.matches("\"schema_version\"").count()
}

/// `-o /dev/stdout` (and its other names) with stdout appended to a file: the shell's file
/// keeps its inode and earlier content, and gets the report appended; `/dev/stderr` goes to
/// stderr, another descriptor of ours is appended to, and `-o -` is stdout.
#[test]
fn own_descriptors_are_written_through_never_replaced() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("log.txt");
    let log_s = log.display().to_string();
    for (target, redirect) in [
        ("/dev/stdout", ">>"),
        ("/dev/fd/1", ">>"),
        ("/proc/self/fd/1", ">>"),
        ("-", ">>"),
        ("/dev/stderr", "2>>"),
        ("/dev/fd/2", "2>>"),
        ("/dev/fd/5", "5>>"),
        ("/proc/self/fd/5", "5>>"),
    ] {
        fs::write(&log, "earlier line\n").unwrap();
        let ino = fs::metadata(&log).unwrap().ino();
        let script = format!(
            "exec \"$BIN\" analyze -q \"$EXPORT\" -f json -o {target} {redirect} '{log_s}'"
        );
        let o = sh_in(d.path(), &script);
        assert_eq!(o.status.code(), Some(0), "{script}: {}", err(&o));
        let text = fs::read_to_string(&log).unwrap();
        assert!(
            text.starts_with("earlier line\n{"),
            "{script}: the earlier content is kept, the report appended: {:?}",
            &text[..text.len().min(80)]
        );
        assert_eq!(reports_in(&text), 1, "{script}");
        assert_eq!(
            fs::metadata(&log).unwrap().ino(),
            ino,
            "{script}: same inode"
        );
        let names: Vec<_> = fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(
            names.len(),
            1,
            "{script}: no temporary file, no file named -"
        );
    }
    // On a pipe, `-o /dev/stdout` is stdout too.
    let o = sh("exec \"$BIN\" analyze -q \"$EXPORT\" -f json -o /dev/stdout | cat");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(reports_in(&String::from_utf8_lossy(&o.stdout)), 1);
}
