//! The `casift` binary: parse the arguments, run, print an error once, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = casift::cli::Cli::parse();
    let mut stderr = casift::report::TerminalSafe(std::io::stderr());
    let result =
        casift::config::Settings::from_cli(cli).and_then(|s| casift::run::run(s, &mut stderr));
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(casift::error::Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Never a panic on a closed stderr; the message is made terminal-safe.
            use std::io::Write as _;
            let _ = writeln!(stderr, "casift: error: {e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

// Decoding allocates many small strings per record; mimalloc handles that pattern far
// better than the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
