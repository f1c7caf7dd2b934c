//! The `casift` binary: parse the arguments, run, print an error once, exit with its code.
//! A message that could not be written to stderr (`2> /dev/full`, a reader that went away)
//! makes the exit code 2 (DESIGN.md §9): a lost warning must not pass for a clean run.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use casift::report::TerminalSafe;

/// Stderr, remembering whether any write to it failed. Every message goes through it and
/// ignores the error where it is written (a warning must not stop a run), so the failure is
/// kept here and turned into the exit code at the end.
struct Recorded<W: Write> {
    inner: W,
    failed: bool,
}

impl<W: Write> Write for Recorded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|_| self.failed = true)
    }
}

fn main() -> ExitCode {
    let mut stderr = TerminalSafe(Recorded {
        inner: io::stderr(),
        failed: false,
    });
    let code = match casift::cli::Cli::try_parse() {
        Ok(cli) => run(cli, &mut stderr),
        Err(e) => clap_exit(&e, &mut stderr),
    };
    let _ = stderr.flush();
    if stderr.0.failed {
        return ExitCode::from(2);
    }
    ExitCode::from(code)
}

fn run(cli: casift::cli::Cli, stderr: &mut TerminalSafe<Recorded<io::Stderr>>) -> u8 {
    let result =
        casift::config::Settings::from_cli(cli).and_then(|s| casift::run::run(s, &mut *stderr));
    match result {
        Ok(code) => u8::try_from(code).unwrap_or(2),
        Err(casift::error::Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            // Never a panic on a closed stderr; the message is made terminal-safe.
            let _ = writeln!(stderr, "casift: error: {e}");
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
    }
}

/// What clap would print and exit with, written by us: help and version to stdout (exit 0,
/// or 2 when stdout fails), usage errors to stderr through the terminal-safe writer, since
/// they quote the arguments (file names) as given.
fn clap_exit(e: &clap::Error, stderr: &mut TerminalSafe<Recorded<io::Stderr>>) -> u8 {
    // The command's styles are plain (cli.rs), so the text has no escape sequence of clap's;
    // `ansi()` keeps the argument's own characters, which the stderr writer shows escaped
    // (`Display` would drop them without a trace).
    let text = e.render().ansi().to_string();
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if e.use_stderr() {
        let _ = stderr.write_all(text.as_bytes());
        return code;
    }
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => code,
        Err(err) => {
            let _ = writeln!(
                stderr,
                "casift: error: cannot write to standard output: {err}"
            );
            2
        }
    }
}

// Decoding allocates many small strings per record; mimalloc handles that pattern far
// better than the system allocator (measured in BENCHMARKS.md). Built with `no_thp`: with
// transparent huge pages, every page mimalloc gives back and takes again came back as 2 MiB
// for the kernel to clear (2.5 GB admin JSON: peak RSS 193-203 -> 182-190 MB, system time
// 0.8-1.0 -> 0.5-0.6 s).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
