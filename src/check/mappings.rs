//! The hook through which the mapping engine (issue 6) adds its checks to `check`.
//!
//! `check` calls the checker once per pair whose mapping folder exists; it returns every
//! problem in that folder's files as `file:line: message` ([`super::CheckProblem`] with
//! [`super::Location::Line`]). Until the engine lands there is none, and `check` says so in
//! its summary instead of pretending the mappings were validated.

use super::CheckProblem;
use crate::config::{Config, PairConfig};
use std::path::Path;

/// Validates the mapping files of one pair (without network access).
pub type MappingChecker = fn(config: &Config, pair: &PairConfig, dir: &Path) -> Vec<CheckProblem>;

/// The mapping checker in this build. Issue 6 replaces `None` with its loader's check.
pub fn mapping_checker() -> Option<MappingChecker> {
    None
}
