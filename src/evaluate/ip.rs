//! IP and named-location rules IP001, IP002, IP003. Must not hold Conditional Access
//! control logic (that is `ca.rs`).

use super::{Context, Facts, Hit};
use crate::model::SignIn;

pub fn evaluate(_s: &SignIn, _facts: Facts, _ctx: Context<'_>, _out: &mut Vec<Hit>) {}
