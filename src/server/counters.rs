//! In-process webhook counters for /metrics (Prometheus counters: they restart at zero
//! with the process, which Prometheus's `rate()` expects).
//!
//! Two families, because a refused delivery cannot be counted in events (its body is not
//! trusted): deliveries by outcome, and the events of accepted deliveries by outcome.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// What became of one POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DeliveryOutcome {
    /// Verified and stored (possibly all duplicates).
    Accepted,
    /// An intent-to-receive check, or a verified delivery without events.
    Handshake,
    BadSignature,
    Stale,
    Malformed,
    TooLarge,
    /// `/webhooks/{name}` names no connection or kind with a webhook secret.
    UnknownReceiver,
    /// The database refused: answered 503 so the vendor retries.
    StoreError,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Accepted => "accepted",
            DeliveryOutcome::Handshake => "handshake",
            DeliveryOutcome::BadSignature => "bad_signature",
            DeliveryOutcome::Stale => "stale",
            DeliveryOutcome::Malformed => "malformed",
            DeliveryOutcome::TooLarge => "too_large",
            DeliveryOutcome::UnknownReceiver => "unknown_receiver",
            DeliveryOutcome::StoreError => "store_error",
        }
    }
}

/// What became of one event of an accepted delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EventOutcome {
    /// New, stored, and in a job.
    Queued,
    /// Already in the inbox (a replay or a vendor retry): no new job.
    Duplicate,
    /// An event type we do not act on: stored for the record, no job.
    Ignored,
}

impl EventOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Queued => "queued",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Ignored => "ignored",
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    deliveries: Mutex<BTreeMap<(&'static str, DeliveryOutcome), u64>>,
    events: Mutex<BTreeMap<(&'static str, EventOutcome), u64>>,
}

impl Counters {
    pub fn delivery(&self, vendor: &'static str, outcome: DeliveryOutcome) {
        *self
            .deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((vendor, outcome))
            .or_default() += 1;
    }

    pub fn events(&self, vendor: &'static str, outcome: EventOutcome, n: usize) {
        if n == 0 {
            return;
        }
        *self
            .events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((vendor, outcome))
            .or_default() += n as u64;
    }

    /// `(vendor, outcome, count)` of deliveries, sorted.
    pub fn deliveries_snapshot(&self) -> Vec<(&'static str, &'static str, u64)> {
        let m = self.deliveries.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|((v, o), n)| (*v, o.as_str(), *n)).collect()
    }

    /// `(vendor, outcome, count)` of events, sorted.
    pub fn events_snapshot(&self) -> Vec<(&'static str, &'static str, u64)> {
        let m = self.events.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|((v, o), n)| (*v, o.as_str(), *n)).collect()
    }
}
