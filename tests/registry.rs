//! The connector registry seen from outside: `ledgerbridge connectors`, `check --online`
//! against the simulators, and the organisation chosen at `connect` being the one every
//! sync writes to.

#[path = "registry/common.rs"]
mod common;
#[path = "registry/listing.rs"]
mod listing;
#[path = "registry/online.rs"]
mod online;
#[path = "registry/organisation.rs"]
mod organisation;
