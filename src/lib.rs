//! casift: offline analysis of Microsoft Entra ID sign-in log exports.
//!
//! Data flows one way: `cli` → `config::Settings` → `input` (detection, decompression,
//! record splitting, per-format decoders) → `pipeline` (parallel decode, filter, evaluate,
//! per-thread accumulators) → `pipeline::Analysis` → `report` (one pure writer per format).

pub mod analysis;
pub mod cli;
pub mod config;
pub mod error;
pub mod evaluate;
pub mod filter;
pub mod input;
pub mod knowledge;
pub mod locations;
pub mod model;
pub mod output;
pub mod partial;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod run;
