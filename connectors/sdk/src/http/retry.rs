//! Backoff and `Retry-After`.

use std::time::{Duration, SystemTime};

use ::http::HeaderMap;
use rand::Rng;

/// How hard the client tries before giving a failure to the engine.
///
/// Both bounds matter: attempts stop a fast-failing vendor from being
/// hammered, total time stops a job from holding a worker for minutes (the
/// engine's queue has its own, longer, retries).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt.
    pub base_delay: Duration,
    /// Ceiling of any one backoff.
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt; a
    /// `Retry-After` that would end later is returned to the engine as
    /// `RateLimited { retry_after }` instead of being slept through.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 200 ms doubling to at most 10 s, 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (the engine handles every failure).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based): "full jitter", a
    /// uniform draw from `0..=min(max_delay, base_delay·2^(retry-1))`. Full
    /// jitter spreads the retries of many workers that failed together
    /// instead of synchronising them into waves.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = backoff_ceiling(self.base_delay, self.max_delay, retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// Exponential backoff before jitter: `base · 2^(n-1)` for the `n`th retry (1-based),
/// never above `max`. The engine's job queue and this client draw their jitter from
/// it in their own way (see their `RetryPolicy`s).
pub fn backoff_ceiling(base: Duration, max: Duration, n: u32) -> Duration {
    let exp = n.saturating_sub(1).min(30);
    base.saturating_mul(1u32 << exp).min(max)
}

/// The wait a `Retry-After` header asks for: delay-seconds (`120`, also a
/// decimal like `1.5`, which some gateways send) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past means "now".
/// Unparseable values are ignored (`None`), never an error.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers
        .get(::http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let at = SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(at.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(::http::header::RETRY_AFTER, v.parse().unwrap());
        m
    }

    #[test]
    fn retry_after_seconds_dates_and_junk() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
        assert_eq!(
            parse_retry_after(&h("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after(&h("1.5"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(&h("Wed, 21 Oct 2015 07:28:00 GMT"), now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after(&h("Wed, 21 Oct 2015 07:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&h("soon"), now), None);
        assert_eq!(parse_retry_after(&h("-3"), now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_is_jittered_within_a_doubling_capped_ceiling() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_elapsed: Duration::from_secs(5),
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(3) <= Duration::from_millis(350));
            assert!(p.backoff(40) <= Duration::from_millis(350));
        }
        // jitter: 200 draws are not all the same
        let draws: std::collections::HashSet<_> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(draws.len() > 50);
    }
}
