//! Everything one running simulator holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ledgerbridge_sdk::sim::{Gate, SimOptions, WebhookQueue};

use super::requestid::RequestIds;
use super::store::Store;
use super::webhooks::Hooks;
use super::{limits, oauth, seed, webhooks};
use crate::wire::time::company_offset;

/// Which tax model the seeded company uses (`--region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// US sales tax: lines say `TAX` or `NON`, the rate comes from `TxnTaxDetail.TxnTaxCodeRef`.
    Us,
    /// Outside the US: every line names a tax code by id, each with its own rates.
    Global,
}

impl Region {
    pub fn parse(s: Option<&str>) -> Result<Region, String> {
        match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("us") => Ok(Region::Us),
            Some("global") => Ok(Region::Global),
            Some(other) => Err(format!("--region {other:?}: expected us or global")),
        }
    }
}

pub struct SimState {
    pub realm: String,
    pub region: Region,
    pub books: Mutex<Store>,
    /// The kit's request gate: stats, faults, rate limits and OAuth tokens.
    pub gate: Gate,
    pub request_ids: RequestIds,
    pub webhooks: Option<WebhookQueue<Hooks>>,
    last_ms: AtomicU64,
    /// Where the simulator listens, for the OpenID discovery document.
    pub base_url: RwLock<String>,
}

impl SimState {
    pub fn new(opts: SimOptions) -> SimState {
        let region = Region::parse(opts.region.as_deref()).unwrap_or(Region::Us);
        let realm = seed::realm_id(opts.seed);
        let mut books = Store::default();
        seed::seed(&mut books, region, &realm, Utc::now());
        SimState {
            gate: Gate::new(&opts, limits::limits(&opts), oauth::token_rules()),
            request_ids: RequestIds::default(),
            webhooks: webhooks::queue(&opts, &realm),
            books: Mutex::new(books),
            last_ms: AtomicU64::new(0),
            base_url: RwLock::new("http://127.0.0.1:9103".into()),
            realm,
            region,
        }
    }

    /// Now, strictly later than every earlier `now()`, so `LastUpdatedTime`
    /// orders every change and change data capture never misses one.
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

    /// Today in the company's time zone (the default `TxnDate`).
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&company_offset()).date_naive()
    }

    /// Queues the webhooks of some changes, when `--webhook-url` is set.
    pub fn notify(&self, changes: Vec<super::write::Change>) {
        if let Some(q) = &self.webhooks {
            q.send(changes);
        }
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().unwrap().clone()
    }
}
