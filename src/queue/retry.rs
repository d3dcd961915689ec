//! Retry policy: exponential backoff with jitter, bounded attempts.
//!
//! The delay is computed here and the retry is a *new* apalis task with `run_after`
//! (carrying the same logical job id). apalis's own DB-level retries re-run at once with
//! no backoff, and its RetryAfter/Deferred errors hot-loop on PostgreSQL and strand the
//! task on SQLite, so we never use them.
//!
//! The connectors' HTTP client has a `RetryPolicy` too, on purpose a separate one: it
//! retries one call within a few seconds and a total time bound, with "full jitter"
//! (anywhere in `[0, d]`). This one schedules a whole job again, possibly minutes
//! later, and counts towards a dead letter; its jitter is "equal jitter" (`[d/2, d]`)
//! so a job never comes back sooner than half its backoff, whatever the draw. Both take
//! the same doubling, capped ceiling ([`backoff_ceiling`]).

use crate::config::WorkerConfig;
use ledgerbridge_sdk::http::backoff_ceiling;
use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the job becomes a dead letter.
    pub max_attempts: u32,
    /// Delay after the first failed attempt (before jitter).
    pub base: Duration,
    /// Upper bound of the backoff (a vendor's Retry-After may ask for more and gets it).
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::from_config(&WorkerConfig::default())
    }
}

impl RetryPolicy {
    pub fn from_config(w: &WorkerConfig) -> Self {
        Self {
            max_attempts: w.max_attempts.max(1),
            base: Duration::from_millis(w.backoff_base_ms),
            max: Duration::from_secs(w.backoff_max_secs),
        }
    }

    /// Backoff before the attempt after `failed_attempt` (1-based): `base * 2^(n-1)`,
    /// capped at `max`, then jittered into `[d/2, d]` so many jobs failing together (a
    /// vendor outage) do not come back together; never shorter than `retry_after`.
    pub fn delay(&self, failed_attempt: u32, retry_after: Option<Duration>) -> Duration {
        let d = backoff_ceiling(self.base, self.max, failed_attempt);
        let half = d / 2;
        let jitter_ms = rand::rng().random_range(0..=half.as_millis() as u64);
        let d = half + Duration::from_millis(jitter_ms);
        d.max(retry_after.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(1000),
            max: Duration::from_secs(10),
        };
        for _ in 0..50 {
            let d1 = p.delay(1, None);
            assert!(d1 >= Duration::from_millis(500) && d1 <= Duration::from_millis(1000));
            let d3 = p.delay(3, None);
            assert!(d3 >= Duration::from_millis(2000) && d3 <= Duration::from_millis(4000));
            let d20 = p.delay(20, None);
            assert!(d20 >= Duration::from_secs(5) && d20 <= Duration::from_secs(10));
        }
        // Retry-After wins when longer, even beyond the cap.
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(60)
        );
    }
}
