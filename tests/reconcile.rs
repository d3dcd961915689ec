//! Reconciliation reports: the scenario on the HubSpot and Xero
//! simulators, `--fix`, the CLI's formats and exit codes, and the HTML report
//! rendered in headless Chromium (skipped with a notice when it is not installed).

#[path = "reconcile/world.rs"]
mod world;

#[path = "reconcile/cli.rs"]
mod cli;
#[path = "reconcile/html.rs"]
mod html;
#[path = "reconcile/job.rs"]
mod job;
#[path = "reconcile/scenario.rs"]
mod scenario;
