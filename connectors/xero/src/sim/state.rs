//! Everything one running simulator holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ledgerbridge_sdk::sim::{Gate, SimOptions};
use serde::Serialize;
use uuid::Uuid;

use super::books::Books;
use super::idempotency::IdempotencyStore;
use super::seed::{self, Settings};
use super::webhooks::Webhooks;
use super::{limits, oauth};
use crate::spec::XeroSpec;

/// The one organisation (tenant) the simulator serves.
pub struct Tenant {
    pub id: Uuid,
    pub connection_id: Uuid,
    pub name: String,
}

/// Period and end-of-year lock dates: writes dated on or before them are refused.
#[derive(Clone, Copy, Debug)]
pub struct LockDates {
    pub period: Option<NaiveDate>,
    pub end_of_year: Option<NaiveDate>,
}

/// A body that did not validate against Xero's OpenAPI (strict mode).
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub method: String,
    pub path: String,
    /// `request` or `response`.
    pub direction: &'static str,
    pub status: u16,
    pub errors: Vec<String>,
}

pub struct SimState {
    pub tenant: Tenant,
    pub settings: Settings,
    pub locks: RwLock<LockDates>,
    pub books: Mutex<Books>,
    /// Stats, faults, rate limits and OAuth tokens (the SDK's kit).
    pub gate: Gate,
    pub idempotency: IdempotencyStore,
    pub webhooks: Webhooks,
    /// Strict mode: every request and response body is checked against the spec.
    pub strict: RwLock<Option<Arc<XeroSpec>>>,
    pub violations: Mutex<Vec<Violation>>,
    last_ms: AtomicU64,
    /// Where the simulator listens (`http://127.0.0.1:9102`), for webhook `resourceUrl`s.
    pub base_url: RwLock<String>,
}

pub const PROVIDER_NAME: &str = "ledgerbridge Xero simulator";

impl SimState {
    pub fn new(opts: SimOptions) -> SimState {
        let settings = seed::seed(opts.seed);
        let tenant = Tenant {
            id: derive_uuid(opts.seed, 1),
            connection_id: derive_uuid(opts.seed, 2),
            name: settings.organisation.name.clone().unwrap_or_default(),
        };
        let lock = seed::default_lock_date();
        SimState {
            gate: Gate::new(&opts, limits::limits(&opts), oauth::token_rules()),
            idempotency: IdempotencyStore::new(
                opts.scaled(std::time::Duration::from_secs(24 * 3600)),
            ),
            webhooks: Webhooks::new(&opts),
            settings,
            tenant,
            locks: RwLock::new(LockDates {
                period: Some(lock),
                end_of_year: Some(lock),
            }),
            books: Mutex::new(Books::default()),
            strict: RwLock::new(None),
            violations: Mutex::new(Vec::new()),
            last_ms: AtomicU64::new(0),
            base_url: RwLock::new("https://api.xero.com".into()),
        }
    }

    /// Now, strictly later than every earlier `now()` (millisecond steps), so
    /// `UpdatedDateUTC` orders every change and `If-Modified-Since` is exact.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now().timestamp_millis().max(0) as u64;
        let mut prev = self.last_ms.load(Ordering::Relaxed);
        loop {
            let next = wall.max(prev + 1);
            match self
                .last_ms
                .compare_exchange(prev, next, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => {
                    return Utc
                        .timestamp_millis_opt(next as i64)
                        .single()
                        .expect("valid ms");
                }
                Err(p) => prev = p,
            }
        }
    }

    pub fn api_base(&self) -> String {
        self.base_url.read().unwrap().clone()
    }

    pub fn today(&self) -> NaiveDate {
        Utc::now().date_naive()
    }

    pub fn record_violation(&self, v: Violation) {
        tracing::warn!(method = %v.method, path = %v.path, direction = v.direction, errors = ?v.errors, "Xero schema violation");
        self.violations.lock().unwrap().push(v);
    }

    /// The refusal for a document dated `date`, if a lock date covers it.
    pub fn lock_refusal(&self, date: NaiveDate) -> Option<String> {
        let l = *self.locks.read().unwrap();
        let fmt = |d: NaiveDate| d.format("%-d %b %Y").to_string();
        match (l.period, l.end_of_year) {
            (_, Some(eoy)) if date <= eoy && l.period.is_none_or(|p| p <= eoy) => Some(format!(
                "The document date cannot be before the end of year lock date of {}.",
                fmt(eoy)
            )),
            (Some(p), _) if date <= p => Some(format!(
                "The document date cannot be before the period lock date of {}.",
                fmt(p)
            )),
            (_, Some(eoy)) if date <= eoy => Some(format!(
                "The document date cannot be before the end of year lock date of {}.",
                fmt(eoy)
            )),
            _ => None,
        }
    }
}

/// A stable UUID for seeded identities (tenant, connection).
fn derive_uuid(seed: u64, n: u64) -> Uuid {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ (0x7e4a_0000 + n));
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}
