//! Unit tests of the policy loader.
