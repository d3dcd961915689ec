//! Record-lifecycle and scale-out tests: the audit chain and fleet leases.
//! PostgreSQL cases read LEDGERBRIDGE_TEST_DATABASE_URL and are skipped with a printed
//! notice when it is unset; each creates its own database.

#[path = "foundation/common.rs"]
mod common;

#[path = "lifecycle/backends.rs"]
mod backends;

#[path = "lifecycle/audit.rs"]
mod audit;
#[path = "lifecycle/audit_cli.rs"]
mod audit_cli;
#[path = "lifecycle/fleet.rs"]
mod fleet;
#[path = "lifecycle/lease.rs"]
mod lease;
