//! Everything one running simulator holds.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use ledgerbridge_sdk::sim::{FaultInjector, SimOptions, SimStats};
use serde::Serialize;

use super::auth::Credential;
use super::limits::Limits;
use super::oauth::OAuth;
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
    pub stats: SimStats,
    pub faults: FaultInjector,
    pub limits: Limits,
    pub deliveries: Deliveries,
    pub oauth: OAuth,
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
            stats: SimStats::default(),
            faults: FaultInjector::new(opts.faults.clone(), opts.seed),
            limits: Limits::new(&opts),
            deliveries: Deliveries::new(&opts),
            oauth: OAuth::new(&opts),
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

    /// Whether a credential is valid: the static `--token` works as an API
    /// token and as a bearer token; OAuth-issued tokens as bearer tokens.
    pub fn accepts(&self, cred: &Credential) -> bool {
        self.opts.token.as_deref() == Some(cred.token())
            || matches!(cred, Credential::Bearer(t) if self.oauth.valid(t))
    }

    /// Bookkeeping after a call passed the gate (`expire=N` faults).
    pub fn after_call(&self) {
        if self.faults.should_expire_tokens() {
            self.oauth.expire_all();
        }
    }

    pub fn spec(&self) -> Option<Arc<PipedriveSpec>> {
        self.strict.read().unwrap().clone()
    }
}
