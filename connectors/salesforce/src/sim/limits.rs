//! The org's API request allocation: a rolling 24-hour window (scaled like
//! every other window), reported on every response as
//! `Sforce-Limit-Info: api-usage=n/m` and by `GET /limits`; a call past it
//! is refused with 403 `REQUEST_LIMIT_EXCEEDED`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

use super::Sim;

/// Enterprise Edition: 100,000 a day plus 1,000 per Salesforce licence.
pub const BASE_ALLOCATION: u64 = 100_000;
pub const PER_LICENCE: u64 = 1_000;
/// Licences of the simulated org.
pub const LICENCES: u64 = 20;

pub fn default_allocation() -> u64 {
    BASE_ALLOCATION + PER_LICENCE * LICENCES
}

/// Calls in the last (scaled) 24 hours.
pub struct ApiUsage {
    max: u64,
    window: Duration,
    calls: Mutex<VecDeque<Instant>>,
}

impl ApiUsage {
    pub fn new(max: u64, window: Duration) -> ApiUsage {
        ApiUsage {
            max,
            window,
            calls: Mutex::new(VecDeque::new()),
        }
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    fn prune(&self, calls: &mut VecDeque<Instant>, now: Instant) {
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            calls.pop_front();
        }
    }

    /// Counts one call; `Err(used)` when the allocation is spent (a refused
    /// call is not counted).
    pub fn take(&self) -> Result<u64, u64> {
        let now = Instant::now();
        let mut calls = self.calls.lock().unwrap();
        self.prune(&mut calls, now);
        let used = calls.len() as u64;
        if used >= self.max {
            return Err(used);
        }
        calls.push_back(now);
        Ok(used + 1)
    }

    pub fn used(&self) -> u64 {
        let mut calls = self.calls.lock().unwrap();
        self.prune(&mut calls, Instant::now());
        calls.len() as u64
    }
}

/// `GET /limits`: the daily allocation as it stands, and the org's other
/// published limits (not enforced here, reported with their usual maxima).
pub async fn limits(State(sim): State<Arc<Sim>>) -> Response {
    let max = sim.usage.max();
    let used = sim.usage.used();
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    let body: Value = json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "ConcurrentSyncReportRuns": pair(20, 20),
        "DailyApiRequests": pair(max, max.saturating_sub(used)),
        "DailyAsyncApexExecutions": pair(250_000, 250_000),
        "DailyBulkApiBatches": pair(15_000, 15_000),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DailyBulkV2QueryJobs": pair(10_000, 10_000),
        "DailyStreamingApiEvents": pair(1_000_000, 1_000_000),
        "DailyWorkflowEmails": pair(2_000_000, 2_000_000),
        "DataStorageMB": pair(5_120, 5_100),
        "FileStorageMB": pair(20_480, 20_470),
        "HourlyODataCallout": pair(20_000, 20_000),
        "HourlyTimeBasedWorkflow": pair(1_000, 1_000),
        "MassEmail": pair(5_000, 5_000),
        "SingleEmail": pair(5_000, 5_000),
        "StreamingApiConcurrentClients": pair(2_000, 2_000),
    });
    Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_runs_out_and_rolls() {
        let u = ApiUsage::new(2, Duration::from_millis(40));
        assert_eq!(u.take(), Ok(1));
        assert_eq!(u.take(), Ok(2));
        assert_eq!(u.take(), Err(2));
        assert_eq!(u.used(), 2);
        // synchronise on the condition, not a fixed sleep
        while u.used() > 0 {
            std::thread::yield_now();
        }
        assert_eq!(u.take(), Ok(1));
    }
}

#[derive(serde::Deserialize)]
pub struct CountParams {
    #[serde(rename = "sObjects")]
    objects: Option<String>,
}

/// `GET /limits/recordCount?sObjects=A,B`: live records per object (every
/// object when none is named).
pub async fn record_count(
    State(sim): State<Arc<Sim>>,
    axum::extract::Query(p): axum::extract::Query<CountParams>,
) -> Response {
    let db = sim.db.read().unwrap();
    let wanted: Vec<String> = p
        .objects
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let counts: Vec<Value> = super::schema::objects()
        .iter()
        .filter(|o| wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(o.name)))
        .map(|o| json!({"count": db.table(o.name).live().count(), "name": o.name}))
        .collect();
    Json(json!({"sObjects": counts})).into_response()
}
