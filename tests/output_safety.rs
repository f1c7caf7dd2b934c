//! The output contract of DESIGN.md §9 through the real binary (issue 13): `-o` never replaces
//! an input (scanned files, `--locations`/`--policies` trees, redirected stdin), special files
//! are written in place, temporary files are exclusive, random, permission-keeping and removed
//! on errors and signals, nothing is created before the first byte, a closed or full stdout
//! is exit 2, and directory scans list what they cannot read instead of stopping.
#![cfg(unix)]

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_casift");
const EXPORT: &str = "fixtures/signins/portal.json";
const LOCATIONS: &str = "fixtures/locations/named_locations.json";
const POLICIES: &str = "fixtures/policies/graph_list.json";

fn casift() -> Command {
    let mut c = Command::new(BIN);
    c.env_clear().env("TZ", "UTC").stdin(Stdio::null());
    c
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A running casift, killed if the test fails before it ends (no stray process left behind).
struct Running(Option<Child>);

impl Running {
    fn spawn(c: &mut Command) -> Running {
        Running(Some(
            c.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn casift"),
        ))
    }

    fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, Child::id)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits for the run, killing it (and failing) after a minute: nothing here may hang.
fn finish(mut run: Running) -> Output {
    let start = Instant::now();
    loop {
        let child = run.0.as_mut().expect("running");
        if child.try_wait().expect("wait").is_some() {
            return run
                .0
                .take()
                .expect("running")
                .wait_with_output()
                .expect("output");
        }
        if start.elapsed() > Duration::from_secs(60) {
            panic!("casift did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(c: &mut Command) -> Output {
    finish(Running::spawn(c))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", p.display());
}

fn assert_refused(o: &Output, input: &str, target: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to write the output over the input")
            && err.contains(input)
            && err.contains(target),
        "{err}"
    );
}

/// A file a directory scan reads, a hard link to it, and stdin redirected from it are all
/// inputs: `-o` onto any of them is refused and the export keeps its bytes.
#[test]
fn no_input_is_ever_replaced() {
    let d = tmp();
    let export = d.path().join("export.json");
    fs::copy(EXPORT, &export).unwrap();
    let before = fs::read(&export).unwrap();
    let dir = d.path().to_str().unwrap();
    let o = run(casift().args(["analyze", dir, "-o"]).arg(&export));
    assert_refused(&o, "export.json", "export.json");
    assert_eq!(fs::read(&export).unwrap(), before);

    let other = tmp();
    let link = other.path().join("same.json");
    fs::hard_link(&export, &link).unwrap();
    let o = run(casift().arg("analyze").arg(&export).arg("-o").arg(&link));
    assert_refused(&o, "export.json", "same.json");
    assert_eq!(fs::read(&export).unwrap(), before);

    let o = run(casift()
        .args(["analyze", "-", "-o"])
        .arg(&export)
        .stdin(fs::File::open(&export).unwrap()));
    assert_refused(&o, "<stdin>", "export.json");
    assert_eq!(fs::read(&export).unwrap(), before);
}

/// Every file under a `--locations` or `--policies` directory is an input too, also when a
/// symlink inside the directory points at the target elsewhere.
#[test]
fn locations_and_policies_directories_are_inputs() {
    let d = tmp();
    let locs = d.path().join("locs");
    fs::create_dir(&locs).unwrap();
    let named = locs.join("named.json");
    fs::copy(LOCATIONS, &named).unwrap();
    let before = fs::read(&named).unwrap();
    let o = run(casift()
        .args(["analyze", EXPORT, "--locations"])
        .arg(&locs)
        .arg("-o")
        .arg(&named));
    assert_refused(&o, "named.json", "--locations");
    assert_eq!(fs::read(&named).unwrap(), before);

    // The target outside, reached through a link the scan follows.
    let outside = d.path().join("outside.json");
    fs::copy(LOCATIONS, &outside).unwrap();
    fs::remove_file(&named).unwrap();
    symlink(&outside, locs.join("link.json")).unwrap();
    let o = run(casift()
        .args(["analyze", EXPORT, "--locations"])
        .arg(&locs)
        .arg("-o")
        .arg(&outside));
    assert_refused(&o, "link.json", "outside.json");
    assert_eq!(fs::read(&outside).unwrap(), before);

    let pols = d.path().join("pols");
    fs::create_dir(&pols).unwrap();
    fs::copy(POLICIES, pols.join("policies.json")).unwrap();
    let notes = pols.join("notes.json");
    fs::write(&notes, b"{\"not\": \"a policy\"}").unwrap();
    for cmd in [&["analyze", EXPORT][..], &["lint"][..]] {
        let o = run(casift()
            .args(cmd)
            .arg("--policies")
            .arg(&pols)
            .arg("-o")
            .arg(&notes));
        assert_refused(&o, "notes.json", "--policies");
        assert_eq!(fs::read(&notes).unwrap(), b"{\"not\": \"a policy\"}");
    }
}

/// A FIFO target is opened and written, not replaced by a regular file.
#[test]
fn a_fifo_target_gets_the_report_and_stays_a_fifo() {
    let d = tmp();
    let fifo = d.path().join("report.fifo");
    mkfifo(&fifo);
    // A second name for the same FIFO, to unblock the reader should casift never open it.
    let keep = d.path().join("keep.fifo");
    fs::hard_link(&fifo, &keep).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut f = fs::File::open(&reader_path).expect("open FIFO");
        let _ = tx.send(());
        let mut s = String::new();
        f.read_to_string(&mut s).expect("read FIFO");
        s
    });
    let o = run(casift()
        .args(["analyze", "-q", "-f", "json", EXPORT, "-o"])
        .arg(&fifo));
    if rx.recv_timeout(Duration::from_secs(5)).is_err() {
        drop(fs::OpenOptions::new().write(true).open(&keep));
    }
    let got = reader.join().expect("reader");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&got).expect("the report came through the FIFO");
    assert_eq!(v["schema_version"], 2);
    let meta = fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(names(d.path()), ["keep.fifo", "report.fifo"]);
}

/// A character device target is written in place: a full one is exit 2, and stays a device.
#[test]
fn a_device_target_is_written_in_place() {
    let d = tmp();
    let dev = d.path().join("full");
    let made = Command::new("mknod")
        .arg(&dev)
        .args(["c", "1", "7"])
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mknod needs root (a device node of our own, never /dev's)");
        return;
    }
    let o = run(casift().args(["analyze", "-q", EXPORT, "-o"]).arg(&dev));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
    let meta = fs::symlink_metadata(&dev).unwrap();
    assert!(meta.file_type().is_char_device(), "the device was replaced");
    assert_eq!(names(d.path()), ["full"]);
}

/// A symlink to a regular file stays a link; the file it names gets the report and keeps its
/// permissions. An existing target's mode is kept; a new one gets what `File::create` gives.
#[test]
fn links_stay_links_and_permissions_are_kept() {
    let d = tmp();
    let real_dir = d.path().join("real");
    fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("report.md");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    let link = d.path().join("latest.md");
    symlink(&real, &link).unwrap();
    let o = run(casift().args(["analyze", "-q", EXPORT, "-o"]).arg(&link));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = fs::read_to_string(&real).unwrap();
    assert!(text.starts_with("# casift report"), "{text}");
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(names(&real_dir), ["report.md"]);

    let private = d.path().join("private.json");
    fs::write(&private, "{}").unwrap();
    fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(casift().args(["analyze", "-q", EXPORT, "-o"]).arg(&private));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::read_to_string(&private)
            .unwrap()
            .contains("schema_version")
    );
    assert_eq!(
        fs::metadata(&private).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let fresh = d.path().join("fresh.json");
    let probe = d.path().join("probe");
    fs::File::create(&probe).unwrap();
    let o = run(casift().args(["analyze", "-q", EXPORT, "-o"]).arg(&fresh));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        fs::metadata(&probe).unwrap().permissions().mode() & 0o777
    );
}

/// The old temporary name was `.NAME.casift-PID.tmp`, opened following links: a link planted
/// there (the run's pid is known while it waits for its input) is left alone, the file it
/// names untouched, and no temporary file remains.
#[test]
fn a_planted_link_at_the_old_temporary_name_is_not_followed() {
    let d = tmp();
    let out_dir = d.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let victim = d.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let input = d.path().join("input.fifo");
    mkfifo(&input);
    let target = out_dir.join("report.json");
    let child = Running::spawn(
        casift()
            .args(["analyze", "-q", "-f", "json"])
            .arg(&input)
            .arg("-o")
            .arg(&target),
    );
    let planted = out_dir.join(format!(".report.json.casift-{}.tmp", child.id()));
    symlink(&victim, &planted).unwrap();
    fs::write(&input, fs::read(EXPORT).unwrap()).unwrap();
    let o = finish(child);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::metadata(&target).unwrap().is_file());
    let planted_name = planted.file_name().unwrap().to_string_lossy().into_owned();
    let mut left = names(&out_dir);
    left.retain(|n| n != "report.json" && *n != planted_name);
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A write past `ulimit -f` is EFBIG, not a SIGXFSZ death: exit 2, the temporary file gone,
/// the previous report kept.
#[test]
fn a_file_size_limit_is_an_error_that_cleans_up() {
    let d = tmp();
    let target = d.path().join("report.json");
    fs::write(&target, "previous").unwrap();
    let script = format!(
        "ulimit -c 0; ulimit -f 1; exec '{BIN}' analyze -q -f json '{}' -o '{}'",
        Path::new(EXPORT).canonicalize().unwrap().display(),
        target.display()
    );
    let o = run(Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(d.path()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("report.json"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&target).unwrap(), "previous");
    assert_eq!(names(d.path()), ["report.json"]);
}

/// `filter` creates nothing before it has a record to write; SIGTERM and SIGINT while the
/// report is being written remove the temporary file and exit 128 + signal.
#[test]
fn signals_remove_the_temporary_file() {
    // JSON lines, more than the reader's format sniff (64 KiB) so records flow before the
    // end of the input: the export's records again and again under new request ids.
    let records: Vec<Value> = serde_json::from_str(&fs::read_to_string(EXPORT).unwrap()).unwrap();
    let mut lines = String::new();
    for n in 0..200u32 {
        let mut r = records[n as usize % records.len()].clone();
        let id = format!("00000000-0000-4000-8000-{n:012}");
        r["id"] = Value::from(id.clone());
        r["originalRequestId"] = Value::from(id);
        lines.push_str(&format!("{r}\n"));
    }
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let d = tmp();
        let out_dir = d.path().join("out");
        fs::create_dir(&out_dir).unwrap();
        let input = d.path().join("input.fifo");
        mkfifo(&input);
        let child = Running::spawn(
            casift()
                .args(["filter", "--chunk-bytes", "4096"])
                .arg(&input)
                .arg("-o")
                .arg(out_dir.join("matches.jsonl")),
        );
        // Opened for writing once casift has it open for reading; never closed before the
        // signal, so the run cannot end on its own.
        let mut w = fs::OpenOptions::new().write(true).open(&input).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            names(&out_dir).is_empty(),
            "{signal}: created before any record: {:?}",
            names(&out_dir)
        );
        w.write_all(lines.as_bytes()).unwrap();
        let start = Instant::now();
        while names(&out_dir).is_empty() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            names(&out_dir).len(),
            1,
            "{signal}: no temporary file appeared"
        );
        let killed = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let o = finish(child);
        drop(w);
        assert_eq!(o.status.code(), Some(code), "{signal}: {}", stderr(&o));
        assert!(
            names(&out_dir).is_empty(),
            "{signal}: left {:?}",
            names(&out_dir)
        );
    }
}

/// `filter -o` creates nothing while it waits for its input, and an empty result still
/// writes the (empty) target: the CSV header alone, an empty JSON-lines file.
#[test]
fn filter_creates_nothing_before_it_writes() {
    let export = fs::read(EXPORT).unwrap();
    for (format, header) in [("csv", true), ("jsonl", false)] {
        let d = tmp();
        let out_dir = d.path().join("out");
        fs::create_dir(&out_dir).unwrap();
        let input = d.path().join("input.fifo");
        mkfifo(&input);
        let target = out_dir.join("none.out");
        let child = Running::spawn(
            casift()
                .args(["filter", "--user", "nobody@example.com", "-f", format])
                .arg(&input)
                .arg("-o")
                .arg(&target),
        );
        let mut w = fs::OpenOptions::new().write(true).open(&input).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            names(&out_dir).is_empty(),
            "{format}: created before reading: {:?}",
            names(&out_dir)
        );
        w.write_all(&export).unwrap();
        drop(w);
        let o = finish(child);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = fs::read_to_string(&target).expect("the target exists");
        if header {
            assert!(
                text.contains("request_id") && text.lines().count() == 1,
                "{text}"
            );
        } else {
            assert!(text.is_empty(), "{text}");
        }
        assert_eq!(names(&out_dir), ["none.out"]);
    }
}

/// A closed stdout (`>&-`) or a full one (`> /dev/full`) is exit 2 with a message, never a
/// silent exit 0 that lost the report.
#[test]
fn a_closed_or_full_stdout_is_exit_2() {
    for redirect in [">&-", "> /dev/full"] {
        for cmd in ["analyze", "filter"] {
            let script = format!("exec '{BIN}' {cmd} -q '{EXPORT}' {redirect}");
            let o = run(Command::new("sh").arg("-c").arg(&script));
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{script}: {err}");
            assert!(
                err.contains("standard output") && !err.contains("panicked"),
                "{script}: {err}"
            );
        }
    }
}

/// A dangling symlink, a symlink loop, a FIFO, a socket and a symlinked directory loop in a
/// scanned directory are listed as ignored with the reason, on stderr and in the report, and
/// the run goes on; the FIFO is never opened (it would block).
#[test]
fn a_scan_lists_what_it_cannot_read_and_goes_on() {
    let d = tmp();
    let dir = d.path().join("exports");
    fs::create_dir(&dir).unwrap();
    fs::copy(EXPORT, dir.join("a.json")).unwrap();
    symlink(dir.join("missing.json"), dir.join("dangling.json")).unwrap();
    symlink(dir.join("loop-b"), dir.join("loop-a")).unwrap();
    symlink(dir.join("loop-a"), dir.join("loop-b")).unwrap();
    mkfifo(&dir.join("pipe.json"));
    let _sock = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();
    fs::create_dir(dir.join("sub")).unwrap();
    symlink(&dir, dir.join("sub").join("up")).unwrap();
    let o = run(casift().args(["analyze", "-q", "-f", "json"]).arg(&dir));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let inputs = v["inputs"].as_array().unwrap();
    let note = |name: &str| -> String {
        let i = inputs
            .iter()
            .find(|i| i["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .unwrap_or_else(|| panic!("{name} not among the inputs: {inputs:?}"));
        assert_eq!(i["format"], "ignored", "{name}");
        i["notes"][0].as_str().unwrap().to_string()
    };
    assert!(note("dangling.json").contains("dangling"));
    assert!(note("loop-a").contains("symbolic link"));
    assert!(note("pipe.json").contains("FIFO"));
    assert!(note("sock").contains("socket"));
    assert!(note("up").contains("already scanned"));
    assert_eq!(v["totals"]["records_read"], 18);
    for name in ["dangling.json", "pipe.json", "sock", "up"] {
        assert!(
            err.contains(&format!("warning: ignored {}", dir.join(name).display()))
                || err.contains(&format!(
                    "warning: ignored {}",
                    dir.join("sub").join(name).display()
                )),
            "{name}: {err}"
        );
    }
    // Typed on the command line, the same dangling link is still an error.
    let o = run(casift().arg("analyze").arg(dir.join("dangling.json")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// The same in a `--locations` directory: the unreadable entries become report notes.
#[test]
fn a_locations_scan_lists_what_it_cannot_read() {
    let d = tmp();
    let locs = d.path().join("locs");
    fs::create_dir(&locs).unwrap();
    fs::copy(LOCATIONS, locs.join("named.json")).unwrap();
    symlink(locs.join("gone.json"), locs.join("dangling.json")).unwrap();
    mkfifo(&locs.join("pipe.json"));
    let o = run(casift()
        .args(["analyze", "-q", "-f", "json", EXPORT, "--locations"])
        .arg(&locs));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for name in ["dangling.json", "pipe.json"] {
        let shown = format!("--locations: ignored {}", locs.join(name).display());
        assert!(notes.iter().any(|n| n.starts_with(&shown)), "{notes:?}");
        assert!(err.contains(&shown), "{err}");
    }
}

/// A pipe given on the command line (a process substitution) is read once, whole: the
/// authentication-details pre-pass must not eat its first bytes.
#[test]
fn a_pipe_input_is_read_whole() {
    let script = format!("exec '{BIN}' analyze -q -f json <(cat '{EXPORT}')");
    let o = run(Command::new("bash").arg("-c").arg(&script));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["records_read"], 18, "{}", stderr(&o));
}
