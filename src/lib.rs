//! ledgerbridge: keeps CRMs and accounting systems in step, exactly once.
//!
//! The engine is a library so integration tests, the demo and the benchmarks drive it
//! in-process; `src/main.rs` only calls [`cli::main`], which parses the command line.
//!
//! Map of the modules (one idea each):
//! - [`alerts`]: alerts to a webhook or by email when the books stop being in step.
//! - [`config`]: the `ledgerbridge.toml` contract, loading with env overrides, `env:` values.
//! - [`connectors`]: the registry of compiled-in connectors — the only file naming a vendor.
//! - [`audit`]: the hash-chained audit log of writes (append, verify, list).
//! - [`budget`]: `ledgerbridge budget` — budget vs actuals vs the CRM pipeline.
//! - [`check`]: `ledgerbridge check` — every problem as `file:line: message`.
//! - [`lease`]: per-tenant leases so a fleet of workers keeps a vendor's rate limit.
//! - [`reconcile`]: reconciliation reports — every record in exactly one class.
//! - [`sync`]: the sync pipeline — pull into the mirror, plan through the mappings, push
//!   through the queue, write finance status back, record lifecycle and schedules.
//! - [`vault`]: OAuth connections — tokens sealed in the database, refreshed on use.
//! - [`time`]: time as stored (epoch milliseconds) and as typed on the command line.
//! - [`store`]: the database (SQLite or PostgreSQL), our migrations, table access.
//! - [`queue`]: logical jobs on top of apalis, retries, dead letters, the worker.
//! - [`server`]: `ledgerbridge serve` — webhooks into the inbox, health, metrics.
//! - [`logging`]: tracing setup (text or JSON, `RUST_LOG`).
//! - [`cli`]: the `ledgerbridge` subcommands, one file each.

pub mod alerts;
pub mod audit;
pub mod budget;
pub mod check;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod lease;
pub mod logging;
pub mod queue;
pub mod reconcile;
pub mod server;
pub mod store;
pub mod sync;
pub mod tabular;
pub mod time;
pub mod vault;

/// The error type of the engine's outer layers (CLI, startup). Inner modules use typed
/// errors where a caller needs to branch on them.
pub type Error = Box<dyn std::error::Error + Send + Sync + 'static>;
pub type Result<T, E = Error> = std::result::Result<T, E>;
