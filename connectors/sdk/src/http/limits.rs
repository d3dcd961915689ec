//! Client-side pacing: governor limiters per declared rate limit, a
//! concurrency cap, pauses from the vendor's quota headers, and the hook for
//! the engine's fleet-wide lease.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ::http::{HeaderMap, Method};
use async_trait::async_trait;
use governor::{DefaultKeyedRateLimiter, Quota as GovernorQuota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{ConnectorResult, RateLimit, RateScope};

/// What a vendor's headers say about one of its windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// The window's name; when it matches a declared [`RateLimit::name`]
    /// (`minute`, `daily`, `ten_seconds`) that limit's window is the
    /// fallback pause when the vendor does not say when it resets.
    pub window: String,
    /// Calls left in the window.
    pub remaining: u64,
    /// Time until the window resets, when the vendor says
    /// (Pipedrive `x-ratelimit-reset`). In the vendor's time: simulators
    /// already scale what they report.
    pub resets_in: Option<Duration>,
}

/// Reads the vendor's remaining-quota headers from any response.
///
/// When a window is reported exhausted (`remaining == 0`), the client pauses
/// that tenant until the window resets instead of spending the next call on
/// a 429. Vendors: Xero `X-MinLimit-Remaining`/`X-DayLimit-Remaining`,
/// HubSpot `X-HubSpot-RateLimit-Remaining`, Pipedrive
/// `x-ratelimit-remaining` + `x-ratelimit-reset`, Salesforce
/// `Sforce-Limit-Info: api-usage=n/m`.
pub type QuotaReader = Arc<dyn Fn(&HeaderMap) -> Vec<Quota> + Send + Sync>;

/// A [`QuotaReader`] for the common shape "one header per window holding the
/// remaining count", e.g. Xero:
/// `remaining_headers(&[("minute", "x-minlimit-remaining"), ("daily", "x-daylimit-remaining")])`.
/// Values that are not whole numbers are ignored.
pub fn remaining_headers(windows: &[(&str, &str)]) -> QuotaReader {
    let windows: Vec<(String, String)> = windows
        .iter()
        .map(|(w, h)| (w.to_string(), h.to_string()))
        .collect();
    Arc::new(move |headers: &HeaderMap| {
        windows
            .iter()
            .filter_map(|(w, h)| {
                let remaining = headers
                    .get(h.as_str())?
                    .to_str()
                    .ok()?
                    .trim()
                    .parse()
                    .ok()?;
                Some(Quota {
                    window: w.clone(),
                    remaining,
                    resets_in: None,
                })
            })
            .collect()
    })
}

/// One call about to be made, as the [`Pacer`] sees it.
#[derive(Debug, Clone)]
pub struct CallInfo<'a> {
    /// The connector's vendor (`hubspot`).
    pub vendor: &'static str,
    /// The connection the client belongs to.
    pub connection: &'a str,
    /// The tenant the call counts against.
    pub tenant: &'a str,
    /// HTTP method.
    pub method: &'a Method,
    /// Path template (`/crm/v3/objects/deals/{id}`), never concrete ids.
    pub template: &'a str,
    /// 1-based attempt number.
    pub attempt: u32,
}

/// The engine's hook for pacing beyond one process: a fleet-wide lease of
/// the vendor's quota shared by many workers (e.g. a token bucket in the
/// database). Called before every attempt, after the tenant's concurrency
/// slot and before the client's own pauses and limiters;
/// an error fails the call (typically `RateLimited { retry_after }` when
/// the fleet's budget is spent).
#[async_trait]
pub trait Pacer: Send + Sync {
    /// Waits until the fleet allows this call, or refuses it.
    async fn before_call(&self, call: &CallInfo<'_>) -> ConnectorResult<()>;

    /// Told the outcome (HTTP status, `None` when no response arrived), so a
    /// lease can learn from 429s. Default: nothing.
    fn after_call(&self, _call: &CallInfo<'_>, _status: Option<u16>) {}
}

/// The default [`Pacer`]: no fleet-wide pacing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPacer;

#[async_trait]
impl Pacer for NoPacer {
    async fn before_call(&self, _call: &CallInfo<'_>) -> ConnectorResult<()> {
        Ok(())
    }
}

/// Windows up to this long (in real vendor time) are paced smoothly; longer
/// ones are budgets (see [`limiter_quota`]).
const PACED_WINDOW: Duration = Duration::from_secs(60);
#[cfg(test)]
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A declared limit turned into a governor quota, with time scaled.
///
/// Scaling mirrors the simulators (`SimOptions::scaled`/`scaled_cap`): every
/// window is `rate_scale` times shorter and keeps its real count of calls.
///
/// Governor's GCRA is not a fixed window, and vendors count in fixed (or
/// rolling) windows aligned to *their* clock. A bucket of burst `N` refilled
/// at `N/W` admits up to `2N−1` calls within one window after an idle
/// spell, which a vendor counting `N` per window answers with 429s. So:
///
/// - **Short windows (≤ 60 s)** are paced: burst 1, one call every `W/N`.
///   No half-open interval of length `W` then holds more than `N` calls,
///   wherever the vendor's window starts, and the long-run rate is still
///   the full `N/W`.
/// - **Long windows (hour, day)** are budgets: burst `N`, refilled at
///   `N/W`. Pacing a day's 5,000 calls at one per 17 s would be absurd; the
///   short windows do the pacing and the vendor's remaining-quota headers
///   stop the client at the real edge of a daily budget.
pub(crate) fn limiter_quota(limit: &RateLimit, scale: f64) -> Option<GovernorQuota> {
    if limit.calls == 0 {
        return None; // a declared "0 calls" is a mistake, not a ban: ignored
    }
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let window = limit.per.div_f64(scale).max(Duration::from_millis(1));
    let calls = NonZeroU32::new(limit.calls)?;
    let period = window / calls.get();
    let q = GovernorQuota::with_period(period.max(Duration::from_nanos(1)))?;
    Some(if limit.per <= PACED_WINDOW {
        q
    } else {
        q.allow_burst(calls)
    })
}

struct WindowLimiter {
    name: &'static str,
    scope: RateScope,
    window: Duration,
    limiter: DefaultKeyedRateLimiter<String>,
}

/// Per-tenant pacing state of one client.
pub(crate) struct Limits {
    /// Longest window first: budget waits happen before the short-window
    /// pacing, so a call admitted by the short limiter goes out right away.
    limiters: Vec<WindowLimiter>,
    max_concurrency: Option<usize>,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
    paused_until: Mutex<HashMap<String, Instant>>,
    /// Per declared limit name: its scaled window and, for a paced (short) window,
    /// the pacing period `W/N` (fallback pauses, see [`Limits::exhausted_pause`]).
    windows: HashMap<&'static str, (Duration, Option<Duration>, u32)>,
    /// When this client's recent calls per tenant were admitted (as many as the
    /// largest paced window holds): tells our own full-rate use of a window from
    /// someone else spending the same quota.
    recent: Mutex<HashMap<String, std::collections::VecDeque<Instant>>>,
    /// Most calls of any paced window (the length `recent` keeps).
    recent_cap: usize,
}

impl Limits {
    pub(crate) fn new(
        limits: &[RateLimit],
        max_concurrency: Option<usize>,
        scale: f64,
        enforce: bool,
    ) -> Self {
        let scale_ok = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        let windows = limits
            .iter()
            .map(|l| {
                let w = l.per.div_f64(scale_ok).max(Duration::from_millis(1));
                let paced = (enforce && l.per <= PACED_WINDOW && l.calls > 0).then(|| w / l.calls);
                (l.name, (w, paced, l.calls))
            })
            .collect::<HashMap<_, _>>();
        let recent_cap = windows
            .values()
            .filter(|(_, paced, _)| paced.is_some())
            .map(|(_, _, n)| *n as usize)
            .max()
            .unwrap_or(0);
        let mut limiters: Vec<WindowLimiter> = if enforce {
            limits
                .iter()
                .filter_map(|l| {
                    Some(WindowLimiter {
                        name: l.name,
                        scope: l.scope,
                        window: l.per,
                        limiter: RateLimiter::keyed(limiter_quota(l, scale)?),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        limiters.sort_by_key(|l| std::cmp::Reverse(l.window));
        Limits {
            limiters,
            max_concurrency: if enforce {
                max_concurrency.filter(|n| *n > 0)
            } else {
                None
            },
            semaphores: Mutex::new(HashMap::new()),
            paused_until: Mutex::new(HashMap::new()),
            windows,
            recent: Mutex::new(HashMap::new()),
            recent_cap,
        }
    }

    /// A slot of the tenant's concurrency cap (held until the response is read).
    pub(crate) async fn permit(&self, tenant: &str) -> Option<OwnedSemaphorePermit> {
        let n = self.max_concurrency?;
        let sem = self
            .semaphores
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(tenant.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(n)))
            .clone();
        sem.acquire_owned().await.ok()
    }

    /// How long the tenant is still paused (quota exhausted, 429 seen).
    pub(crate) fn pause_left(&self, tenant: &str) -> Option<Duration> {
        let map = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let until = *map.get(tenant)?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Pauses the tenant for `d` (extends, never shortens, a pause).
    pub(crate) fn pause(&self, tenant: &str, d: Duration) {
        let until = Instant::now() + d;
        let mut map = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.entry(tenant.to_string()).or_insert(until);
        if *e < until {
            *e = until;
        }
    }

    /// Waits for every declared limit to admit one call for `tenant`.
    pub(crate) async fn admit(&self, tenant: &str) {
        for l in &self.limiters {
            let key = match l.scope {
                RateScope::Tenant => tenant.to_string(),
                // one client per connection: app- and token-wide limits are
                // shared by all of its tenants (across connections: the Pacer)
                RateScope::App | RateScope::Token => String::new(),
            };
            l.limiter.until_key_ready(&key).await;
            tracing::trace!(limit = l.name, "admitted");
        }
        if self.recent_cap > 0 {
            let mut map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            let q = map.entry(tenant.to_string()).or_default();
            q.push_back(Instant::now());
            while q.len() > self.recent_cap {
                q.pop_front();
            }
        }
    }

    /// This client's calls for `tenant` admitted within the last `window`.
    fn recent_calls(&self, tenant: &str, window: Duration) -> usize {
        let map = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.get(tenant).map_or(0, |q| {
            q.iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < window)
                .count()
        })
    }

    /// The pause for `tenant`'s exhausted window: the vendor's reset time; else,
    /// for a window this client paces and has itself filled, one pacing period;
    /// else the declared window of that name, else the shortest declared window,
    /// else one second.
    ///
    /// A paced window reports 0 left at the N-th call of every window whenever the
    /// client runs at the full rate (pacing keeps any interval of length `W` at N
    /// calls), so pausing a whole window there halved the rate (measured: Xero at
    /// 60/min ran at 57 % of it, bursts of 60 calls and 1-window pauses). The next
    /// paced call is due one period later anyway. When our own calls do not
    /// account for the spent window, someone else shares the quota: a whole window.
    pub(crate) fn exhausted_pause(&self, tenant: &str, q: &Quota) -> Duration {
        q.resets_in
            .or_else(|| {
                self.windows
                    .get(q.window.as_str())
                    .map(|(w, paced, calls)| match paced {
                        Some(p) if self.recent_calls(tenant, *w) + 1 >= *calls as usize => *p,
                        _ => *w,
                    })
            })
            .or_else(|| self.windows.values().map(|(w, _, _)| *w).min())
            .unwrap_or(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rl(calls: u32, per: Duration) -> RateLimit {
        RateLimit {
            name: "w",
            calls,
            per,
            scope: RateScope::Tenant,
        }
    }

    #[test]
    fn short_windows_are_paced_long_ones_are_budgets_and_both_scale() {
        // Xero minute: 60/min → one per second, burst 1; at scale 10 → one per 100 ms
        let q = limiter_quota(&rl(60, Duration::from_secs(60)), 1.0).unwrap();
        assert_eq!(q.replenish_interval(), Duration::from_secs(1));
        assert_eq!(q.burst_size().get(), 1);
        let q = limiter_quota(&rl(60, Duration::from_secs(60)), 10.0).unwrap();
        assert_eq!(q.replenish_interval(), Duration::from_millis(100));
        // Xero day: 5,000/day → a budget of 5,000; at scale 100: 5,000 per 864 s
        let q = limiter_quota(&rl(5000, DAY), 1.0).unwrap();
        assert_eq!(q.burst_size().get(), 5000);
        let q = limiter_quota(&rl(5000, DAY), 100.0).unwrap();
        assert_eq!(q.burst_size().get(), 5000);
        assert_eq!(q.replenish_interval(), Duration::from_secs(864) / 5000);
        assert!(limiter_quota(&rl(0, DAY), 1.0).is_none());
    }

    #[test]
    fn quota_headers_and_pause_fallbacks() {
        let reader = remaining_headers(&[
            ("minute", "x-minlimit-remaining"),
            ("daily", "x-daylimit-remaining"),
        ]);
        let mut h = HeaderMap::new();
        h.insert("X-MinLimit-Remaining", "0".parse().unwrap());
        h.insert("X-DayLimit-Remaining", "junk".parse().unwrap());
        let qs = reader(&h);
        assert_eq!(
            qs,
            vec![Quota {
                window: "minute".into(),
                remaining: 0,
                resets_in: None
            }]
        );

        let limits = Limits::new(
            &[
                RateLimit {
                    name: "minute",
                    calls: 60,
                    per: Duration::from_secs(60),
                    scope: RateScope::Tenant,
                },
                RateLimit {
                    name: "daily",
                    calls: 5000,
                    per: DAY,
                    scope: RateScope::Tenant,
                },
            ],
            Some(5),
            10.0,
            true,
        );
        // nothing of ours in the window: someone else spent it, a whole window
        assert_eq!(limits.exhausted_pause("t", &qs[0]), Duration::from_secs(6));
        let other = Quota {
            window: "burst".into(),
            remaining: 0,
            resets_in: None,
        };
        assert_eq!(limits.exhausted_pause("t", &other), Duration::from_secs(6));
        let told = Quota {
            window: "minute".into(),
            remaining: 0,
            resets_in: Some(Duration::from_millis(5)),
        };
        assert_eq!(limits.exhausted_pause("t", &told), Duration::from_millis(5));

        assert!(limits.pause_left("t").is_none());
        limits.pause("t", Duration::from_secs(5));
        limits.pause("t", Duration::from_millis(1)); // never shortens
        assert!(limits.pause_left("t").unwrap() > Duration::from_secs(4));
        assert!(limits.pause_left("other").is_none());
    }
}
