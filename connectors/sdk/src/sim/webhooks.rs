//! Webhook delivery for simulators: API handlers queue events (never
//! waiting), a background task gathers them into batches of the vendor's
//! size, the vendor builds each POST's body and its signature or credential
//! headers, and every POST is retried with exponential backoff until the
//! receiver acknowledges it or the attempts run out. Counters let tests wait
//! for deliveries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::{Semaphore, mpsc};

/// One POST's worth of events, as the vendor turns it into a body.
pub struct Batch<'a, E> {
    pub events: &'a [E],
    /// The number of this batch's first event among all events ever queued
    /// (1-based), stable across retries (Xero's `firstEventSequence`).
    pub first_sequence: u64,
    /// 0 for the first attempt, 1 for the first retry, …
    pub attempt: u32,
}

/// What a vendor's simulator supplies to the delivery.
pub trait WebhookWire: Send + Sync + 'static {
    type Event: Send + Sync + 'static;

    /// The POST body for a batch (called again for each retry).
    fn body(&self, batch: &Batch<'_, Self::Event>) -> Vec<u8>;

    /// The headers of a POST: content type, signature or credentials.
    fn headers(&self, url: &str, body: &[u8]) -> Vec<(String, String)>;

    /// Did the receiver take the batch? By default any 2xx; a vendor whose
    /// receivers answer with an acknowledgement body checks it here.
    fn acknowledged(&self, status: StatusCode, _body: &[u8]) -> bool {
        status.is_success()
    }

    /// Is a refused POST worth retrying? By default always.
    fn retry_after_refusal(&self, _status: StatusCode) -> bool {
        true
    }
}

/// How a vendor delivers.
#[derive(Debug, Clone)]
pub struct DeliveryPlan {
    pub url: String,
    /// Events per POST (1: one POST per change).
    pub max_events: usize,
    /// How long to wait for more events to join a batch (zero: only what is
    /// queued already).
    pub gather: Duration,
    /// POSTs in flight at once.
    pub concurrency: usize,
    /// Attempts per POST, the first included.
    pub max_attempts: u32,
    /// The wait before the first retry (doubling after each), already scaled.
    pub first_retry: Duration,
    /// Never wait less than this between attempts.
    pub min_retry: Duration,
    /// Per-POST timeout.
    pub timeout: Duration,
}

impl DeliveryPlan {
    /// Defaults: 100 events per POST, no gathering, 8 POSTs at once, 6
    /// attempts, retries after 1 s, 2 s, 4 s…, 5 s timeout.
    pub fn new(url: impl Into<String>) -> DeliveryPlan {
        DeliveryPlan {
            url: url.into(),
            max_events: 100,
            gather: Duration::ZERO,
            concurrency: 8,
            max_attempts: 6,
            first_retry: Duration::from_secs(1),
            min_retry: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        (self.first_retry * 2u32.saturating_pow(attempt)).max(self.min_retry)
    }
}

/// Delivery counters, for `/_sim/stats` and tests.
#[derive(Debug, Default)]
pub struct WebhookCounters {
    /// Events in acknowledged POSTs.
    pub events_acknowledged: AtomicU64,
    /// POSTs acknowledged.
    pub posts_acknowledged: AtomicU64,
    /// POSTs given up (attempts exhausted, or refused for good).
    pub posts_given_up: AtomicU64,
    /// Every POST attempt made.
    pub attempts: AtomicU64,
}

impl WebhookCounters {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// The queue behind a simulator's webhooks. The delivery task starts with
/// the first event, so the queue can be built outside a tokio runtime.
pub struct WebhookQueue<W: WebhookWire> {
    wire: Arc<W>,
    plan: DeliveryPlan,
    tx: OnceLock<mpsc::UnboundedSender<W::Event>>,
    counters: Arc<WebhookCounters>,
}

impl<W: WebhookWire> WebhookQueue<W> {
    pub fn new(wire: W, plan: DeliveryPlan) -> Self {
        WebhookQueue {
            wire: Arc::new(wire),
            plan,
            tx: OnceLock::new(),
            counters: Arc::new(WebhookCounters::default()),
        }
    }

    pub fn wire(&self) -> &W {
        &self.wire
    }

    pub fn plan(&self) -> &DeliveryPlan {
        &self.plan
    }

    pub fn counters(&self) -> &WebhookCounters {
        &self.counters
    }

    /// Queues events; must be called inside a tokio runtime.
    pub fn send(&self, events: impl IntoIterator<Item = W::Event>) {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(deliver_loop(
                self.wire.clone(),
                self.plan.clone(),
                rx,
                self.counters.clone(),
            ));
            tx
        });
        for e in events {
            let _ = tx.send(e);
        }
    }
}

async fn deliver_loop<W: WebhookWire>(
    wire: Arc<W>,
    plan: DeliveryPlan,
    mut rx: mpsc::UnboundedReceiver<W::Event>,
    counters: Arc<WebhookCounters>,
) {
    let client = reqwest::Client::builder()
        .timeout(plan.timeout)
        .build()
        .expect("a default reqwest client builds");
    let in_flight = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let max = plan.max_events.max(1);
    let mut queued: u64 = 0;
    while let Some(first) = rx.recv().await {
        let mut events = vec![first];
        let deadline = tokio::time::Instant::now() + plan.gather;
        while events.len() < max {
            let next = if plan.gather.is_zero() {
                rx.try_recv().ok()
            } else {
                tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .ok()
                    .flatten()
            };
            match next {
                Some(e) => events.push(e),
                None => break,
            }
        }
        let first_sequence = queued + 1;
        queued += events.len() as u64;
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let (wire, plan, client, counters) =
            (wire.clone(), plan.clone(), client.clone(), counters.clone());
        // each POST retries on its own, so a slow receiver does not hold the next events
        tokio::spawn(async move {
            let _permit = permit;
            deliver(&*wire, &plan, &client, &counters, &events, first_sequence).await;
        });
    }
}

async fn deliver<W: WebhookWire>(
    wire: &W,
    plan: &DeliveryPlan,
    client: &reqwest::Client,
    counters: &WebhookCounters,
    events: &[W::Event],
    first_sequence: u64,
) {
    for attempt in 0..plan.max_attempts {
        let body = wire.body(&Batch {
            events,
            first_sequence,
            attempt,
        });
        let mut req = client.post(&plan.url);
        for (k, v) in wire.headers(&plan.url, &body) {
            req = req.header(k, v);
        }
        counters.attempts.fetch_add(1, Ordering::Relaxed);
        let retry = match req.body(body).send().await {
            Ok(r) => {
                let status = StatusCode::from_u16(r.status().as_u16())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let answer = r.bytes().await.unwrap_or_default();
                if wire.acknowledged(status, &answer) {
                    counters
                        .events_acknowledged
                        .fetch_add(events.len() as u64, Ordering::Relaxed);
                    counters.posts_acknowledged.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                wire.retry_after_refusal(status)
            }
            Err(_) => true,
        };
        if !retry {
            tracing::warn!(url = %plan.url, "webhook refused; not retried");
            break;
        }
        if attempt + 1 < plan.max_attempts {
            tokio::time::sleep(plan.backoff(attempt)).await;
        }
    }
    counters.posts_given_up.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(url = %plan.url, events = events.len(), "webhook given up");
}

/// HMAC-SHA256 over the concatenated parts.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// HMAC-SHA256, base64 (HubSpot v3, Xero, QuickBooks' verifier signature).
pub fn hmac_sha256_base64(key: &[u8], parts: &[&[u8]]) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key, parts))
}

/// HMAC-SHA256, lowercase hex.
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    hex::encode(hmac_sha256(key, parts))
}

/// An `Authorization: Basic` value for `user:password` credentials.
pub fn basic_authorization(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes())
    )
}
