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

/// A directory whose scan warns (a dangling symlink beside an export).
fn warning_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::copy(EXPORT, d.path().join("export.json")).unwrap();
    std::os::unix::fs::symlink("nowhere", d.path().join("dangling")).unwrap();
    d
}

/// A warning that cannot be written (stderr full, or a pipe whose reader is gone) is exit 2;
/// stderr on /dev/null (how scripts silence warnings, write-only or read-write) stays exit 0.
#[test]
fn a_failing_stderr_is_exit_2() {
    let d = warning_dir();
    let dir = d.path().display().to_string();
    let run = |redirect: &str| {
        let script = format!("exec \"$BIN\" analyze '{dir}' -f json >/dev/null {redirect}");
        (sh(&script), script)
    };
    let (o, s) = run("");
    assert_eq!(o.status.code(), Some(0), "{s}");
    assert!(err(&o).contains("warning: ignored"), "{s}: {}", err(&o));
    let (o, s) = run("2>/dev/full");
    assert_eq!(o.status.code(), Some(2), "{s}");
    for quiet in ["2>/dev/null", "2<>/dev/null"] {
        let (o, s) = run(quiet);
        assert_eq!(o.status.code(), Some(0), "{s}");
    }
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(BIN)
        .args(["analyze", &dir, "-f", "json"])
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before casift has written anything: its warning meets EPIPE.
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(2), "stderr pipe closed");
    // Without a warning, a closed stderr pipe loses nothing.
    let mut child = Command::new(BIN)
        .args(["analyze", EXPORT, "-f", "json"])
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0), "nothing to say");
}

/// Help and version are ours to write: a full stdout is exit 2, a working one exit 0.
#[test]
fn help_and_version_on_a_full_stdout_are_exit_2() {
    for args in ["--help", "--version", "analyze --help", "lint -h"] {
        let o = sh(&format!("exec \"$BIN\" {args} >/dev/full"));
        assert_eq!(o.status.code(), Some(2), "{args}: {}", err(&o));
        assert!(err(&o).contains("standard output"), "{args}: {}", err(&o));
        let o = sh(&format!("exec \"$BIN\" {args}"));
        assert_eq!(o.status.code(), Some(0), "{args}");
        assert!(!o.stdout.is_empty(), "{args}");
    }
}

/// clap's own usage errors quote the argument: control, C1, bidi characters in it are
/// shown escaped, newlines of the message kept, exit code 2.
#[test]
fn usage_errors_are_terminal_safe() {
    for (args, shown) in [
        (
            vec!["analyze", "--x\u{9b}\u{202e}y.jsonl"],
            "--x\\u{9b}\\u{202e}y.jsonl",
        ),
        (
            vec!["analyze", "--since", "\u{1b}[31mred", "x.json"],
            "\\u{1b}[31mred",
        ),
        (
            vec!["lint", "--format", "x\u{200b}\u{7f}\u{1b}[2Jy"],
            "x\\u{200b}\\u{7f}\\u{1b}[2Jy",
        ),
        (
            vec!["analyze", "--a\u{1b}[31mb\u{7}c"],
            "--a\\u{1b}[31mb\\u{7}c",
        ),
    ] {
        let o = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(shown), "{args:?}: {e}");
        assert!(
            !e.chars().any(|c| (c.is_control() && c != '\n')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')),
            "{args:?}: {e:?}"
        );
        assert!(e.lines().count() > 1, "the message keeps its lines: {e:?}");
    }
}

/// Replacing a report owned by another account keeps its owner and group (as root, the only
/// one who may give a file away); its permission bits as before.
#[test]
fn a_replaced_file_keeps_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let probe = d.path().join("probe");
    fs::write(&probe, "").unwrap();
    if fs::metadata(&probe).unwrap().uid() != 0 {
        // Only root can make a file someone else's, for this test and for casift alike.
        eprintln!("skipping a_replaced_file_keeps_its_owner: not running as root");
        return;
    }
    let report = d.path().join("report.json");
    fs::write(&report, "old report\n").unwrap();
    std::os::unix::fs::chown(&report, Some(65534), Some(65534)).unwrap();
    fs::set_permissions(&report, fs::Permissions::from_mode(0o640)).unwrap();
    let ino = fs::metadata(&report).unwrap().ino();
    let o = Command::new(BIN)
        .args(["analyze", "-q", EXPORT, "-o"])
        .arg(&report)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let m = fs::metadata(&report).unwrap();
    assert_ne!(m.ino(), ino, "replaced through a temporary file");
    assert_eq!(reports_in(&fs::read_to_string(&report).unwrap()), 1);
    assert_eq!((m.uid(), m.gid()), (65534, 65534), "the owner is kept");
    assert_eq!(m.permissions().mode() & 0o7777, 0o640, "the mode is kept");
}

/// A `--locations` scan lists a FIFO, a socket and a device whatever their names (a note and
/// a warning each), never opening the FIFO (which would block), and reads the rest.
#[test]
fn a_locations_scan_lists_special_files_of_any_name() {
    let d = tempfile::tempdir().unwrap();
    let locs = d.path().join("locs");
    fs::create_dir(&locs).unwrap();
    fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/locations/named_locations.json"
        ),
        locs.join("named.json"),
    )
    .unwrap();
    let fifo = locs.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let _sock = std::os::unix::net::UnixListener::bind(locs.join("sock")).unwrap();
    // A device that never ends (through a symlink: mknod needs root).
    std::os::unix::fs::symlink("/dev/zero", locs.join("zero")).unwrap();
    fs::write(locs.join("README.md"), "not a locations file\n").unwrap();
    let script = format!(
        "exec timeout 60 \"$BIN\" analyze -q -f json \"$EXPORT\" --locations '{}'",
        locs.display()
    );
    let o = sh(&script);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for (name, what) in [
        ("pipe", "a FIFO"),
        ("sock", "a socket"),
        ("zero", "a device"),
    ] {
        let shown = format!("--locations: ignored {}: {what}", locs.join(name).display());
        assert!(
            notes.iter().any(|n| n.starts_with(&shown)),
            "{shown}: {notes:?}"
        );
        assert!(e.contains(&shown), "{shown}: {e}");
    }
    assert!(
        !e.contains("README.md"),
        "a regular file of another kind is passed over: {e}"
    );
}

/// `-j` is bounded: above 1024 is a usage error naming the limit, before any thread starts.
#[test]
fn threads_are_bounded() {
    for (j, ok) in [
        ("1", true),
        ("1024", true),
        ("1025", false),
        ("10000", false),
        ("0", false),
    ] {
        let o = Command::new(BIN)
            .args(["analyze", "-q", "-f", "json", "-j", j, EXPORT])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let e = err(&o);
        if ok {
            assert_eq!(o.status.code(), Some(0), "-j {j}: {e}");
        } else {
            assert_eq!(o.status.code(), Some(2), "-j {j}: {e}");
            assert!(e.contains("1024") && e.contains("--threads"), "-j {j}: {e}");
            assert!(o.stdout.is_empty(), "-j {j}");
        }
    }
}
