//! Record lifecycle policies of the sync pipeline, end to end on the
//! in-process HubSpot and Xero simulators: cut-over adoption, deletions and voids,
//! conflicts, lock dates.

#[path = "policies/world.rs"]
mod world;

#[path = "policies/adopt.rs"]
mod adopt;
#[path = "policies/conflicts.rs"]
mod conflicts;
#[path = "policies/lock_date.rs"]
mod lock_date;
#[path = "policies/spec.rs"]
mod spec;
#[path = "policies/voids.rs"]
mod voids;
