//! `ledgerbridge serve` integration tests, in one binary to save link time.
//! PostgreSQL variants read LEDGERBRIDGE_TEST_DATABASE_URL and are skipped when unset.

#[path = "foundation/common.rs"]
mod common;
#[path = "../fuzz/harness.rs"]
mod fuzz_harness;
#[path = "server/support.rs"]
mod support;

#[path = "server/bad_input.rs"]
mod bad_input;
#[path = "server/cli.rs"]
mod cli;
#[path = "server/fuzz.rs"]
mod fuzz;
#[path = "server/health_metrics.rs"]
mod health_metrics;
#[path = "server/replay.rs"]
mod replay;
#[path = "server/simulator.rs"]
mod simulator;
#[path = "server/xero.rs"]
mod xero;
