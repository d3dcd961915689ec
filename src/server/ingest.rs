//! Group commit for the inbox: concurrent deliveries share transactions.
//!
//! A commit costs the same for one delivery as for a hundred (an fsync on SQLite, a round
//! trip on PostgreSQL), so request handlers do not open transactions themselves: they
//! hand their verified delivery to a writer task and wait. A writer takes every delivery
//! waiting (up to `max_batch_events` events), stores them all in one transaction, commits,
//! and only then answers each request — so the 200 still means "durably stored, job
//! enqueued". While it commits, the next batch gathers.
//!
//! SQLite allows one writer at a time, so it gets one writer task; PostgreSQL gets a few
//! so one batch's round trips overlap another's. If a batch fails (a lock timeout, a
//! deadlock between two PostgreSQL writers on the same replayed events), each of its
//! deliveries is retried alone so one bad delivery cannot fail its neighbours; what still
//! fails is answered 503 and the vendor retries.

use super::inbox::{self, Delivery, Stored};
use crate::store::{Backend, Db};
use crate::time::now_ms;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, mpsc, oneshot};

#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Writer tasks, i.e. inbox transactions in flight at once.
    pub writers: usize,
    /// Most events one transaction takes.
    pub max_batch_events: usize,
    /// Deliveries that may wait for a writer; beyond that, handlers wait (backpressure).
    pub queue: usize,
}

impl IngestOptions {
    pub fn for_backend(backend: Backend) -> Self {
        IngestOptions {
            writers: match backend {
                Backend::Sqlite => 1,
                Backend::Postgres => 3,
            },
            max_batch_events: 2_000,
            queue: 4_096,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the inbox writer has stopped")]
    Stopped,
    #[error("storing the delivery failed: {0}")]
    Store(String),
}

struct Pending {
    delivery: Delivery,
    reply: oneshot::Sender<Result<Stored, IngestError>>,
}

/// The handle request handlers submit deliveries through. Cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Pending>,
    alive: Arc<AtomicUsize>,
}

impl Ingest {
    /// Start the writer task(s); they end when every `Ingest` handle is dropped, after
    /// storing what was submitted.
    pub fn start(db: Db, opts: IngestOptions) -> Ingest {
        let (tx, rx) = mpsc::channel(opts.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let alive = Arc::new(AtomicUsize::new(0));
        for _ in 0..opts.writers.max(1) {
            alive.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(writer(
                db.clone(),
                rx.clone(),
                opts.max_batch_events.max(1),
                Alive(alive.clone()),
            ));
        }
        Ingest { tx, alive }
    }

    /// Store `d` durably (with its jobs); returns after the commit.
    pub async fn submit(&self, delivery: Delivery) -> Result<Stored, IngestError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Pending { delivery, reply })
            .await
            .map_err(|_| IngestError::Stopped)?;
        rx.await.map_err(|_| IngestError::Stopped)?
    }

    /// Are the writer tasks running? (readiness)
    pub fn is_running(&self) -> bool {
        self.alive.load(Ordering::SeqCst) > 0 && !self.tx.is_closed()
    }
}

/// Counts a writer as alive until it ends, however it ends (a panic included).
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn writer(db: Db, rx: Arc<Mutex<mpsc::Receiver<Pending>>>, max_events: usize, _alive: Alive) {
    loop {
        // Hold the receiver only while gathering, so another writer can gather the next
        // batch while this one commits.
        let batch = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut events = first.delivery.events.len();
            let mut batch = vec![first];
            while events < max_events {
                match rx.try_recv() {
                    Ok(p) => {
                        events += p.delivery.events.len();
                        batch.push(p);
                    }
                    Err(_) => break,
                }
            }
            batch
        };
        commit(&db, batch).await;
    }
}

async fn commit(db: &Db, batch: Vec<Pending>) {
    let now = now_ms();
    let deliveries: Vec<&Delivery> = batch.iter().map(|p| &p.delivery).collect();
    match store(db, &deliveries, now).await {
        Ok(results) => {
            for (p, r) in batch.into_iter().zip(results) {
                // a requester that went away is fine: the vendor's retry is a duplicate
                let _ = p.reply.send(Ok(r));
            }
        }
        Err(e) if batch.len() > 1 => {
            tracing::warn!(deliveries = batch.len(), error = %e, "inbox batch failed; storing its deliveries one by one");
            for p in batch {
                let r = store(db, &[&p.delivery], now)
                    .await
                    .map(|mut v| v.remove(0));
                let _ = p
                    .reply
                    .send(r.map_err(|e| IngestError::Store(e.to_string())));
            }
        }
        Err(e) => {
            tracing::error!(connection = %batch[0].delivery.connection, error = %e, "storing a webhook delivery failed");
            for p in batch {
                let _ = p.reply.send(Err(IngestError::Store(e.to_string())));
            }
        }
    }
}

async fn store(
    db: &Db,
    deliveries: &[&Delivery],
    now: i64,
) -> Result<Vec<Stored>, crate::queue::QueueError> {
    let started = std::time::Instant::now();
    let mut tx = db.begin().await?;
    let out = inbox::store_deliveries(&mut tx, deliveries, now).await?;
    let stored = started.elapsed();
    tx.commit().await?;
    // on PostgreSQL the commit's WAL fsync dominates: a slow disk shows up here first
    tracing::trace!(
        deliveries = deliveries.len(),
        store_ms = stored.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "inbox batch committed"
    );
    Ok(out)
}
