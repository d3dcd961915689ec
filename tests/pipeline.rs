//! End-to-end tests of the sync pipeline (and the fleet test): the CLI
//! and `ledgerbridge worker` processes against the HubSpot and Xero (or QuickBooks
//! Online) simulators, each in its own process.
//! PostgreSQL cases read LEDGERBRIDGE_TEST_DATABASE_URL and are skipped with a printed
//! notice when it is unset; each creates its own database.

#[path = "foundation/common.rs"]
mod common;

#[path = "pipeline/harness.rs"]
mod harness;
#[path = "pipeline/verify.rs"]
mod verify;

#[path = "pipeline/crash.rs"]
mod crash;
#[path = "pipeline/dead_letters.rs"]
mod dead_letters;
#[path = "pipeline/faults.rs"]
mod faults;
#[path = "pipeline/fleet.rs"]
mod fleet;
#[path = "pipeline/noop_dry_run.rs"]
mod noop_dry_run;
#[path = "pipeline/quickbooks.rs"]
mod quickbooks;
