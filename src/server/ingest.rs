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
//! so one batch's round trips overlap another's. Each writer keeps its connection while
//! deliveries keep coming (see `writer`), and a batch is a handful of statements
//! whatever its size (see `inbox::store_deliveries`). If a batch fails (a lock timeout, a
//! deadlock between two PostgreSQL writers on the same replayed events), each of its
//! deliveries is retried alone so one bad delivery cannot fail its neighbours; what still
//! fails is answered 503 and the vendor retries.

use super::inbox::{self, Delivery, Stored};
use crate::store::{Backend, Db, DbConn};
use crate::time::now_ms;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
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

/// How long a writer keeps its connection without work before handing it back.
const IDLE_RELEASE: Duration = Duration::from_secs(1);

async fn writer(db: Db, rx: Arc<Mutex<mpsc::Receiver<Pending>>>, max_events: usize, _alive: Alive) {
    // The writer keeps one connection for its transactions while deliveries keep coming.
    // Taking one from the pool per batch costs a test round trip, and the pool takes it
    // back in a background task (another round trip), so the next batch often found no
    // idle connection and opened a new one: ~100 ms of TCP and TLS setup in the middle of
    // a burst on PostgreSQL. Idle, it hands the connection back, so a quiet server holds
    // none and `Db::close` (which waits for checked-out connections) is not kept waiting.
    // It takes one before it first waits for work, so at startup the writers that must
    // open a connection do it while another serves the first deliveries, not while
    // holding a batch. (If the database is down, `store` tries again per batch.)
    let mut conn: Option<DbConn> = db.conn().await.ok();
    loop {
        let batch = loop {
            if conn.is_none() {
                match gather(&rx, max_events).await {
                    Some(b) => break b,
                    None => return,
                }
            }
            // `gather` loses nothing when cut short: it only waits for the lock and in
            // `recv`, and takes the rest of a batch without waiting
            match tokio::time::timeout(IDLE_RELEASE, gather(&rx, max_events)).await {
                Ok(Some(b)) => break b,
                Ok(None) => return,
                Err(_) => conn = None,
            }
        };
        commit(&db, &mut conn, batch).await;
    }
}

/// Wait for a delivery, then take every one waiting, up to `max_events` events; `None`
/// once every `Ingest` handle is gone. The receiver is held only while gathering, so
/// another writer can gather the next batch while this one commits.
async fn gather(rx: &Mutex<mpsc::Receiver<Pending>>, max_events: usize) -> Option<Vec<Pending>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
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
    Some(batch)
}

async fn commit(db: &Db, conn: &mut Option<DbConn>, batch: Vec<Pending>) {
    let now = now_ms();
    let deliveries: Vec<&Delivery> = batch.iter().map(|p| &p.delivery).collect();
    match store(db, conn, &deliveries, now).await {
        Ok(results) => {
            for (p, r) in batch.into_iter().zip(results) {
                // a requester that went away is fine: the vendor's retry is a duplicate
                let _ = p.reply.send(Ok(r));
            }
        }
        Err(e) if batch.len() > 1 => {
            tracing::warn!(deliveries = batch.len(), error = %e, "inbox batch failed; storing its deliveries one by one");
            for p in batch {
                let r = store(db, conn, &[&p.delivery], now)
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

/// Store `deliveries` in one transaction on the writer's connection (taken from the pool
/// if it has none); returns after the commit.
async fn store(
    db: &Db,
    conn: &mut Option<DbConn>,
    deliveries: &[&Delivery],
    now: i64,
) -> Result<Vec<Stored>, crate::queue::QueueError> {
    let started = std::time::Instant::now();
    let c = match conn {
        Some(c) => c,
        None => conn.insert(db.conn().await?),
    };
    let result = async {
        let mut tx = c.begin().await?;
        let out = inbox::store_deliveries(&mut tx, deliveries, now).await?;
        let stored = started.elapsed();
        tx.commit().await?;
        Ok((out, stored))
    }
    .await;
    let (out, stored) = match result {
        Ok(r) => r,
        Err(e) => {
            // The connection may be broken (a database restart, a network cut): hand it
            // back — the pool tests it before anyone reuses it, and rolls back what the
            // failed transaction left — and take a fresh one for the next batch.
            *conn = None;
            return Err(e);
        }
    };
    // on PostgreSQL the commit's WAL fsync dominates: a slow disk shows up here first
    tracing::trace!(
        deliveries = deliveries.len(),
        store_ms = stored.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "inbox batch committed"
    );
    Ok(out)
}
