//! API calls per connection, recorded by the processes that make them.
//!
//! The SDK's `HttpClient::stats()` counts requests and 429s per client, in memory. The
//! `serve` process makes no vendor calls, so workers add what their clients did to
//! `api_call_stats` and `/metrics` reports the sums (installation-wide, across workers
//! and restarts). A worker keeps one [`StatsTracker`] per client and, after a job (or on
//! a timer), calls [`record`] with the delta since its last report:
//!
//! ```ignore
//! let delta = tracker.delta(client.stats());
//! server::api_stats::record(&db, "crm", delta).await?;
//! ```

use crate::store::{Db, StoreError, execute};
use crate::time::now_ms;
use ledgerbridge_sdk::http::HttpStats;

/// Remembers the last snapshot of one client's cumulative counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct StatsTracker {
    last: HttpStats,
}

impl StatsTracker {
    /// What `now` (cumulative) adds since the previous call.
    pub fn delta(&mut self, now: HttpStats) -> HttpStats {
        let d = HttpStats {
            api_calls: now.api_calls.saturating_sub(self.last.api_calls),
            rate_limited: now.rate_limited.saturating_sub(self.last.rate_limited),
            retries: now.retries.saturating_sub(self.last.retries),
            quota_pauses: now.quota_pauses.saturating_sub(self.last.quota_pauses),
            auth_refreshes: now.auth_refreshes.saturating_sub(self.last.auth_refreshes),
        };
        self.last = now;
        d
    }
}

/// Add `delta` to `connection`'s totals (no-op when it is empty).
pub async fn record(db: &Db, connection: &str, delta: HttpStats) -> Result<(), StoreError> {
    if delta.api_calls == 0 && delta.rate_limited == 0 {
        return Ok(());
    }
    let mut c = db.conn().await?;
    execute!(
        c.exec(),
        "INSERT INTO api_call_stats (connection, api_calls, rate_limited, updated_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (connection) DO UPDATE SET \
           api_calls = api_call_stats.api_calls + excluded.api_calls, \
           rate_limited = api_call_stats.rate_limited + excluded.rate_limited, \
           updated_at = excluded.updated_at",
        connection,
        delta.api_calls as i64,
        delta.rate_limited as i64,
        now_ms()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_differences_of_snapshots() {
        let mut t = StatsTracker::default();
        let s = |calls, limited| HttpStats {
            api_calls: calls,
            rate_limited: limited,
            ..HttpStats::default()
        };
        assert_eq!(t.delta(s(10, 1)), s(10, 1));
        assert_eq!(t.delta(s(15, 1)), s(5, 0));
    }
}
