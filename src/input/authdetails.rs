//! The AuthDetails join: the portal's "authentication details" CSV downloads carry the
//! steps of each sign-in keyed by Request ID. A detection-only pre-pass reads just those
//! files, so the workers can attach the steps to the sign-ins of every other input.

use std::collections::HashMap;

use super::reader::{self, ReadOptions};
use super::source::InputPath;
use super::{Msg, Payload, csv};
use crate::model::AuthDetail;

/// Request id (lower case) → its authentication steps, in file order.
pub type AuthDetails = HashMap<String, Vec<AuthDetail>>;

/// Reads the authentication-details CSVs among `inputs` (stdin, a FIFO or a process
/// substitution such as `<(zcat x.gz)` cannot be read twice, so only regular files are).
/// Other inputs are only sniffed; errors are left to the main pass.
pub fn collect(inputs: &[InputPath], base: ReadOptions) -> AuthDetails {
    let files: Vec<InputPath> = inputs
        .iter()
        .filter(|i| {
            i.path()
                .is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        })
        .cloned()
        .collect();
    let opts = ReadOptions {
        auth_details_only: true,
        ..base
    };
    let mut map = AuthDetails::new();
    let mut sink = |m: crate::error::Result<Msg>| {
        if let Ok(Msg::Chunk(chunk)) = m
            && let Payload::Csv { layout, .. } = &chunk.payload
            && layout.kind == csv::CsvKind::AuthDetails
        {
            for row in chunk.csv_rows().into_iter().flat_map(|r| r.iter()) {
                if let Ok((id, detail)) = csv::decode_auth_detail(layout, &row) {
                    map.entry(id.trim().to_ascii_lowercase())
                        .or_default()
                        .push(detail);
                }
            }
        }
        true
    };
    reader::read_paths(&files, opts, &mut sink);
    map
}
