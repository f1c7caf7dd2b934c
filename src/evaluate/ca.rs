//! Conditional Access rules CA001–CA008 and SD001.

use super::{Facts, Hit};
use crate::model::SignIn;

pub fn evaluate(_s: &SignIn, _facts: Facts, _out: &mut Vec<Hit>) {}
