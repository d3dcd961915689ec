//! Everything one running simulator holds.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use ledgerbridge_sdk::sim::{Gate, SimOptions};
use serde::Serialize;

use super::store::{PURGE_AFTER, Store};
use super::webhooks::{Change, Deliveries};
use crate::spec::PipedriveSpec;

/// The simulated company and its one user (every record's owner).
pub const COMPANY_ID: i64 = 7_301_234;
pub const USER_ID: i64 = 12_345_678;

/// A body that did not validate against Pipedrive's OpenAPI (strict mode).
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub method: String,
    pub path: String,
    /// `request`, `response` or `webhook`.
    pub direction: &'static str,
    pub status: u16,
    pub errors: Vec<String>,
}

pub struct SimState {
    pub opts: SimOptions,
    store: Mutex<Store>,
    /// Stats, faults, rate limits and issued tokens: the SDK's gate.
    pub gate: Gate,
    pub deliveries: Deliveries,
    /// Strict mode: every request and response body is checked against the spec.
    pub strict: RwLock<Option<Arc<PipedriveSpec>>>,
    pub violations: Mutex<Vec<Violation>>,
    last_secs: AtomicI64,
    /// Where the simulator listens (`http://127.0.0.1:9105`), for webhook `meta.host`.
    pub base_url: RwLock<String>,
}

impl SimState {
    pub fn new(opts: SimOptions, store: Store) -> SimState {
        SimState {
            gate: Gate::new(
                &opts,
                super::limits::limits(&opts),
                super::oauth::token_rules(),
            ),
            deliveries: Deliveries::new(&opts),
            store: Mutex::new(store),
            strict: RwLock::new(None),
            violations: Mutex::new(Vec::new()),
            last_secs: AtomicI64::new(0),
            base_url: RwLock::new("https://api.pipedrive.com".into()),
            opts,
        }
    }

    /// The store, after purging what was deleted more than 30 (scaled) days ago.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        let mut s = self.store.lock().unwrap();
        s.purge(self.opts.scaled(PURGE_AFTER), Instant::now());
        s
    }

    /// Now, in whole seconds as Pipedrive stamps records, never before an
    /// earlier `now()`.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now().timestamp();
        let prev = self.last_secs.fetch_max(wall, Ordering::SeqCst);
        Utc.timestamp_opt(prev.max(wall), 0)
            .single()
            .expect("valid time")
    }

    /// Queues the webhooks of changes (never blocks the API call).
    pub fn emit(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let hooks: Vec<_> = self
            .store
            .lock()
            .unwrap()
            .webhooks
            .values()
            .cloned()
            .collect();
        let host = self.base_url.read().unwrap().clone();
        self.deliveries.send(&hooks, changes, &host, self);
    }

    pub fn record_violation(&self, v: Violation) {
        tracing::warn!(method = %v.method, path = %v.path, direction = v.direction, errors = ?v.errors, "Pipedrive schema violation");
        self.violations.lock().unwrap().push(v);
    }

    /// Tokens left in today's company budget.
    pub fn budget_left(&self) -> u64 {
        self.gate
            .limits
            .remaining(super::limits::BUDGET, super::limits::COMPANY)
    }

    pub fn spec(&self) -> Option<Arc<PipedriveSpec>> {
        self.strict.read().unwrap().clone()
    }
}
