//! [`TenantLeases`]: the SDK's [`Pacer`] on top of per-tenant leases.
//!
//! Before each vendor call the HTTP client asks `before_call`; it returns at once while
//! this process holds the tenant's lease (a map lookup, no database), and otherwise polls
//! the lease, with jitter, until it is free — up to `max_wait`, then a retryable error
//! naming the holder, so the job is retried later instead of tying up a worker slot.
//!
//! A background task renews every held lease each third of the TTL, and releases the
//! ones this process stopped using (no call for `idle_after`, none in flight) so another
//! worker can take over. A process that dies stops renewing: its leases expire within the
//! TTL. A graceful stop calls [`TenantLeases::release_all`].
//!
//! Why the fleet-wide limit holds at a hand-over: the new holder starts calling at least
//! `idle_after` (release) or the TTL (death) after the old one's last call, both longer
//! than the pacing interval of any per-minute limit, so its fresh client-side limiter
//! never overlaps the old holder's calls.

use super::store::{self, Take};
use crate::config::WorkerConfig;
use crate::store::Db;
use async_trait::async_trait;
use ledgerbridge_sdk::http::{CallInfo, Pacer};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// A call that started but never reported back (cancelled, token failure) stops counting
/// as in flight after this long, so it cannot pin a lease forever.
const STUCK_CALL: Duration = Duration::from_secs(120);

/// Timings of a [`TenantLeases`].
#[derive(Debug, Clone)]
pub struct LeaseOptions {
    /// Lease lifetime; renewed every third of it while in use.
    pub ttl: Duration,
    /// Longest `before_call` waits for another holder before a retryable error.
    pub max_wait: Duration,
    /// Release a lease after this long without calls.
    pub idle_after: Duration,
}

impl LeaseOptions {
    /// `ttl`, waiting up to 30 s (at least 3 TTLs), released after one idle TTL.
    pub fn new(ttl: Duration) -> Self {
        let ttl = ttl.max(Duration::from_millis(100));
        LeaseOptions {
            ttl,
            max_wait: (ttl * 3).max(Duration::from_secs(30)),
            idle_after: ttl,
        }
    }

    /// From `[worker] lease_ttl_secs`.
    pub fn from_config(w: &WorkerConfig) -> Self {
        Self::new(Duration::from_secs(w.lease_ttl_secs.max(1)))
    }

    /// How often a waiting process asks again (jitter is added).
    fn poll(&self) -> Duration {
        (self.ttl / 4).clamp(Duration::from_millis(20), Duration::from_secs(1))
    }

    /// A held lease is trusted until this much before it runs out, leaving room for
    /// the call admitted last to go out.
    fn margin(&self) -> Duration {
        self.ttl / 5
    }
}

/// Per-tenant leases of one worker process; implements [`Pacer`].
///
/// Make **one per process** (its `holder` name identifies the process to the fleet) and
/// give a clone of the `Arc` to every target client built there:
/// `HttpClient::builder(..).pacer(leases.clone())`.
pub struct TenantLeases {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    holder: String,
    opts: LeaseOptions,
    tenants: Mutex<HashMap<String, Arc<Tenant>>>,
    renewer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// One lease as this process sees it.
#[derive(Default)]
struct Tenant {
    /// Held while taking, renewing or releasing, so those never interleave (a release
    /// racing a re-take would delete the fresh row).
    gate: tokio::sync::Mutex<()>,
    local: Mutex<Local>,
}

#[derive(Default)]
struct Local {
    /// Trusted until then (None: not held).
    valid_until: Option<Instant>,
    last_used: Option<Instant>,
    in_flight: u32,
}

impl Tenant {
    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count a call if the lease is held; false when it must be (re)taken.
    fn try_use(&self) -> bool {
        let now = Instant::now();
        let mut l = self.local();
        match l.valid_until {
            Some(t) if t > now => {
                l.last_used = Some(now);
                l.in_flight += 1;
                true
            }
            _ => false,
        }
    }

    fn done(&self) {
        let mut l = self.local();
        l.in_flight = l.in_flight.saturating_sub(1);
        l.last_used = Some(Instant::now());
    }

    fn held(&self) -> bool {
        self.local().valid_until.is_some()
    }

    fn idle(&self, idle_after: Duration) -> bool {
        let l = self.local();
        let quiet = l.last_used.map_or(Duration::MAX, |t| t.elapsed());
        quiet >= idle_after && (l.in_flight == 0 || quiet >= STUCK_CALL)
    }
}

impl TenantLeases {
    /// Leases held as `holder` (unique per process: see [`holder_name`](super::holder_name)).
    pub fn new(db: Db, holder: impl Into<String>, ttl: Duration) -> Arc<Self> {
        Self::with_options(db, holder, LeaseOptions::new(ttl))
    }

    /// The one instance of a worker process: a fresh [`holder_name`](super::holder_name)
    /// and `[worker] lease_ttl_secs`.
    pub fn for_worker(db: Db, w: &WorkerConfig) -> Arc<Self> {
        Self::with_options(db, super::holder_name(), LeaseOptions::from_config(w))
    }

    pub fn with_options(db: Db, holder: impl Into<String>, opts: LeaseOptions) -> Arc<Self> {
        Arc::new(TenantLeases {
            inner: Arc::new(Inner {
                db,
                holder: holder.into(),
                opts,
                tenants: Mutex::new(HashMap::new()),
                renewer: Mutex::new(None),
            }),
        })
    }

    pub fn holder(&self) -> &str {
        &self.inner.holder
    }

    /// The lease's name for a vendor tenant (`leases.name`).
    pub fn lease_name(vendor: &str, tenant: &str) -> String {
        format!("rate:{vendor}:{tenant}")
    }

    /// Whether this process holds `name` right now (tests, metrics).
    pub fn holds(&self, name: &str) -> bool {
        let t = self.inner.tenant(name);
        t.local().valid_until.is_some_and(|v| v > Instant::now())
    }

    /// Wait (up to `max_wait`) until this process holds lease `name`. What
    /// `before_call` does, usable for any named lease.
    pub async fn acquire(&self, name: &str) -> ConnectorResult<()> {
        let t = self.inner.tenant(name);
        if t.try_use() {
            t.done();
            return Ok(());
        }
        self.inner.wait_for(name, &t).await?;
        t.done();
        Ok(())
    }

    /// Give every lease up now (graceful stop), so the fleet need not wait for the TTL.
    pub async fn release_all(&self) {
        if let Some(h) = self
            .inner
            .renewer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            h.abort();
        }
        for (name, t) in self.inner.snapshot() {
            let _gate = t.gate.lock().await;
            if t.local().valid_until.take().is_some() {
                self.inner.release(&name).await;
            }
        }
    }
}

impl Inner {
    fn tenant(&self, name: &str) -> Arc<Tenant> {
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    fn snapshot(&self) -> Vec<(String, Arc<Tenant>)> {
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The slow path: take the lease (polling while someone else holds it) and count
    /// one call on it.
    async fn wait_for(self: &Arc<Self>, name: &str, t: &Tenant) -> ConnectorResult<()> {
        let start = Instant::now();
        let _gate = t.gate.lock().await;
        loop {
            // another task of this process may have taken it while we queued
            if t.try_use() {
                return Ok(());
            }
            let t0 = Instant::now();
            let (why, left) = match store::take(&self.db, name, &self.holder, self.opts.ttl).await {
                Ok(Take::Held) => {
                    {
                        let mut l = t.local();
                        l.valid_until = Some(t0 + self.opts.ttl - self.opts.margin());
                        l.last_used = Some(Instant::now());
                        l.in_flight += 1;
                    }
                    tracing::info!(lease = name, holder = %self.holder, "lease taken");
                    self.ensure_renewer();
                    return Ok(());
                }
                Ok(Take::Busy { holder, left }) => (
                    format!("held by worker {holder} (for {} ms more)", left.as_millis()),
                    left,
                ),
                Err(e) => (
                    format!("the lease could not be read: {e}"),
                    self.opts.poll(),
                ),
            };
            let pause = left.min(self.opts.poll()) + jitter(self.opts.poll());
            let waited = start.elapsed();
            if waited + pause > self.opts.max_wait {
                return Err(ConnectorError::retryable(format!(
                    "rate-limit lease {name} is {why}; gave up after waiting {} ms",
                    waited.as_millis()
                )));
            }
            tracing::debug!(lease = name, pause_ms = pause.as_millis() as u64, %why, "waiting for lease");
            tokio::time::sleep(pause).await;
        }
    }

    fn ensure_renewer(self: &Arc<Self>) {
        let mut r = self.renewer.lock().unwrap_or_else(|p| p.into_inner());
        if r.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let weak = Arc::downgrade(self);
        let every = self.opts.ttl / 3;
        *r = Some(tokio::spawn(renew_loop(weak, every)));
    }

    /// One renewal round: renew what is in use, release what is idle.
    async fn renew_round(&self) {
        for (name, t) in self.snapshot() {
            if !t.held() {
                continue;
            }
            let _gate = t.gate.lock().await;
            if !t.held() {
                continue;
            }
            if t.idle(self.opts.idle_after) {
                t.local().valid_until = None;
                self.release(&name).await;
                continue;
            }
            let t0 = Instant::now();
            match store::take(&self.db, &name, &self.holder, self.opts.ttl).await {
                Ok(Take::Held) => {
                    t.local().valid_until = Some(t0 + self.opts.ttl - self.opts.margin());
                }
                Ok(Take::Busy { holder, .. }) => {
                    // we overran our TTL (a stall) and someone took over: stop calling
                    t.local().valid_until = None;
                    tracing::warn!(lease = %name, %holder, "lease lost to another worker");
                }
                // keep the local deadline: it runs out by itself if the database
                // stays away, and the next round tries again
                Err(e) => tracing::warn!(lease = %name, error = %e, "lease renewal failed"),
            }
        }
    }

    async fn release(&self, name: &str) {
        match store::release(&self.db, name, &self.holder).await {
            Ok(_) => tracing::info!(lease = name, holder = %self.holder, "lease released"),
            // it expires by itself within the TTL
            Err(e) => tracing::warn!(lease = name, error = %e, "lease release failed"),
        }
    }
}

/// Renews until the [`TenantLeases`] is dropped. Dropping does not release: that is the
/// crash path, and the leases expire within the TTL.
async fn renew_loop(inner: Weak<Inner>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        inner.renew_round().await;
    }
}

fn jitter(max: Duration) -> Duration {
    let ms = max.as_millis().max(1) as u64;
    Duration::from_millis(rand::random_range(0..ms) / 2)
}

impl Drop for TenantLeases {
    fn drop(&mut self) {
        if let Some(h) = self
            .inner
            .renewer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            h.abort();
        }
    }
}

#[async_trait]
impl Pacer for TenantLeases {
    async fn before_call(&self, call: &CallInfo<'_>) -> ConnectorResult<()> {
        let name = Self::lease_name(call.vendor, call.tenant);
        let t = self.inner.tenant(&name);
        if t.try_use() {
            return Ok(());
        }
        self.inner.wait_for(&name, &t).await
    }

    fn after_call(&self, call: &CallInfo<'_>, _status: Option<u16>) {
        let name = Self::lease_name(call.vendor, call.tenant);
        self.inner.tenant(&name).done();
    }
}
