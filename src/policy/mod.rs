//! Conditional Access policies, the third input (DESIGN.md §7, POLICIES.md): the normalized
//! policy model (`model`), reading every export shape into it (`load`), the pure per-condition
//! evaluation of one sign-in against one policy and the verdict across policies (`eval`, with
//! the device-filter rule language in `device_filter`), the policy-only lint rules (`lint`)
//! and the structured fixes that the join hands to findings (`fix`).
//! Must not know input formats of sign-ins, use threads or print: `evaluate/` and `report/`
//! ask the questions and render the answers.

pub mod apps;
pub mod device_filter;
pub mod eval;
pub mod fix;
pub mod lint;
pub mod load;
pub mod model;
pub mod subject;

pub use eval::{LogEvidence, evaluate, verdict};
pub use model::*;
pub use subject::*;
