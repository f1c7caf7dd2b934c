//! casift: offline analysis of Microsoft Entra ID sign-in log exports.
//!
//! Data flows one way: `cli` → `config::Settings` → `input` (detection, decompression,
//! record splitting, per-format decoders) → `pipeline` (parallel decode, filter, evaluate,
//! per-thread accumulators) → `pipeline::Analysis` → `report` (one pure writer per format).

pub mod error;
pub mod evaluate;
pub mod knowledge;
pub mod locations;
pub mod model;
// Temporary wiring until the branch owning `src/input/mod.rs` merges.
pub mod input {
    pub mod csv;
    pub mod time;
}
