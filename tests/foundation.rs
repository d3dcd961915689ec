//! Foundation integration tests, in one binary to save link time.
//! Tests that need PostgreSQL read LEDGERBRIDGE_TEST_DATABASE_URL and are skipped with a
//! printed notice when it is unset; each creates its own database.

#[path = "foundation/common.rs"]
mod common;

#[path = "foundation/cli_smoke.rs"]
mod cli_smoke;
#[path = "foundation/config_check.rs"]
mod config_check;
#[path = "foundation/pg_restart.rs"]
mod pg_restart;
#[path = "foundation/process.rs"]
mod process;
#[path = "foundation/queue.rs"]
mod queue;
#[path = "foundation/store.rs"]
mod store;
