//! A target without the optional abilities, end to end on the in-process simulators:
//! `sync` dead-letters what needs a missing ability, `reconcile` and `budget` name
//! the sections the target cannot give, `check` refuses mapping files that need one.

#[path = "policies/world.rs"]
mod world;

#[path = "abilities/plain.rs"]
mod plain;

#[path = "abilities/check.rs"]
mod check;
#[path = "abilities/reports.rs"]
mod reports;
#[path = "abilities/sync.rs"]
mod sync;
