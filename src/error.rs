//! Error types. Every variant carries the context a user needs to find the problem:
//! the file, and where known the record number and line. Must not print.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a sign-in export: {reason}")]
    NotSignIns { path: String, reason: String },
    #[error(
        "malformed record {record} in {path} (line {line}): {reason} (without --strict it would be skipped)"
    )]
    Strict {
        path: String,
        record: u64,
        line: u64,
        reason: String,
    },
    #[error("named locations file {path}: {reason}")]
    Locations { path: String, reason: String },
    /// A Conditional Access policy export that cannot be read; `reason` names the policy
    /// (`policy #3 ("Block legacy")`), CSV line or JSON line and column.
    #[error("{path}: {reason}")]
    Policies { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Output { path: String, reason: String },
    /// A part file (`analyze --partial`) that `merge` cannot use: not a part, damaged,
    /// truncated, of another format version or casift build, or made with other options.
    #[error("{path}: {reason}")]
    Part { path: String, reason: String },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The process exit code for this error: every error is 2 (DESIGN.md §1).
    pub fn exit_code(&self) -> i32 {
        2
    }
}
