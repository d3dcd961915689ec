//! Tryton connector for ledgerbridge: Tryton is an open-source ERP with real
//! double-entry books, driven here over its HTTP JSON-RPC.
//!
//! - [`client`]: the JSON-RPC client (session login, re-login after a 401, the
//!   context on every call, typed errors);
//! - [`wire`]: Tryton's encodings of `Decimal`, `date`, `datetime`;
//! - [`party`], [`invoice`], [`payment`], [`books`]: typed operations on
//!   customers, customer invoices, payments, and accounts / taxes /
//!   currencies / notes.
//!
//! There is no simulator: the tests run against a real trytond, which
//! `scripts/tryton.sh` installs and starts.

pub mod books;
pub mod budget;
pub mod client;
pub mod config;
mod convert;
pub mod error;
pub mod invoice;
mod lookups;
pub mod party;
pub mod payment;
pub mod rows;
mod session;
pub mod target;
pub mod wire;

use std::collections::BTreeMap;

use ledgerbridge_sdk::{Capabilities, VendorIdempotency};

pub use client::{Company, TrytonClient};
pub use config::{CompanyRef, TrytonConfig};
pub use error::{TrytonError, TrytonResult};
pub use target::TrytonTarget;

/// What the Tryton connector declares to the engine.
///
/// No rate limits: a self-hosted server publishes none. Concurrency is kept
/// low because trytond on SQLite writes one transaction at a time and posting
/// is CPU-bound Python. Tryton has no idempotency key: exactly-once rests on
/// our keys plus a lookup by reference before any resend.
pub fn capabilities(cfg: &TrytonConfig) -> Capabilities {
    let mut write_batch = BTreeMap::new();
    for o in ["customer", "invoice"] {
        write_batch.insert(o.to_string(), cfg.batch_size);
    }
    // the pay wizard takes one invoice at a time; notes go in one create
    write_batch.insert("payment".to_string(), 1);
    write_batch.insert("note".to_string(), cfg.batch_size);
    Capabilities {
        vendor: "tryton",
        write_batch,
        read_batch: cfg.page_size,
        page_size: cfg.page_size,
        rate_limits: Vec::new(),
        max_concurrency: Some(2),
        idempotency: VendorIdempotency::None,
        webhooks: false,
        fields: BTreeMap::new(),
    }
}
