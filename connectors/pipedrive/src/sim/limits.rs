//! Pipedrive's limits, at the Professional plan's numbers (the simulator's
//! choice of plan):
//! - a daily token budget per company: every call costs its endpoint's
//!   `x-token-cost`; 30,000 tokens × the plan's multiplier (3 for
//!   Professional) × seats (one seated user here) = 90,000 a day;
//! - a burst limit per token in 2-second windows: 80 requests for an API
//!   token, 320 for an OAuth access token; reported on every response in
//!   `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
//!   (seconds until the window resets);
//! - the daily fair-use limit of 10,000 POST/PUT requests per user, for
//!   API-token calls only, reported in `x-daily-requests-left`.
//!
//! Every window is shortened by `--rate-scale`; the counts stay real.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ledgerbridge_sdk::sim::SimOptions;

use super::auth::Credential;

pub const DAILY_TOKEN_BUDGET: u64 = 30_000 * 3;
pub const BURST_API_TOKEN: u64 = 80;
pub const BURST_OAUTH: u64 = 320;
pub const FAIR_USE_POST_PUT: u64 = 10_000;
const BURST_WINDOW: Duration = Duration::from_secs(2);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// A fixed window that knows when it resets.
struct Window {
    started: Instant,
    used: u64,
}

impl Window {
    fn new(now: Instant) -> Window {
        Window {
            started: now,
            used: 0,
        }
    }

    fn roll(&mut self, now: Instant, len: Duration) {
        if now.duration_since(self.started) >= len {
            *self = Window::new(now);
        }
    }

    fn reset_in(&self, now: Instant, len: Duration) -> Duration {
        len.saturating_sub(now.duration_since(self.started))
    }
}

/// The rate-limit headers of an allowed call.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    pub limit: u64,
    pub remaining: u64,
    pub reset: Duration,
    /// POST/PUT requests the user has left today (API-token calls only).
    pub daily_requests_left: Option<u64>,
}

/// Why a call was refused with 429.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    Burst { limit: u64, reset: Duration },
    DailyBudget { reset: Duration },
    FairUse { reset: Duration },
}

pub struct Limits {
    on: bool,
    burst_len: Duration,
    day_len: Duration,
    burst: Mutex<HashMap<Credential, Window>>,
    budget: Mutex<Window>,
    fair_use: Mutex<Window>,
}

impl Limits {
    pub fn new(opts: &SimOptions) -> Limits {
        let now = Instant::now();
        Limits {
            on: opts.rate_limits,
            burst_len: opts.scaled(BURST_WINDOW),
            day_len: opts.scaled(DAY),
            burst: Mutex::new(HashMap::new()),
            budget: Mutex::new(Window::new(now)),
            fair_use: Mutex::new(Window::new(now)),
        }
    }

    /// Takes one call costing `cost` tokens from every limit that applies,
    /// or says which limit refuses it (taking nothing).
    pub fn acquire(
        &self,
        cred: &Credential,
        cost: u64,
        post_put: bool,
    ) -> Result<Allowed, Refusal> {
        let now = Instant::now();
        let limit = if cred.is_api_token() {
            BURST_API_TOKEN
        } else {
            BURST_OAUTH
        };
        if !self.on {
            return Ok(Allowed {
                limit,
                remaining: limit,
                reset: self.burst_len,
                daily_requests_left: cred.is_api_token().then_some(FAIR_USE_POST_PUT),
            });
        }
        let mut burst = self.burst.lock().unwrap();
        let w = burst
            .entry(cred.clone())
            .or_insert_with(|| Window::new(now));
        w.roll(now, self.burst_len);
        if w.used >= limit {
            return Err(Refusal::Burst {
                limit,
                reset: w.reset_in(now, self.burst_len),
            });
        }
        let mut budget = self.budget.lock().unwrap();
        budget.roll(now, self.day_len);
        if budget.used + cost > DAILY_TOKEN_BUDGET {
            return Err(Refusal::DailyBudget {
                reset: budget.reset_in(now, self.day_len),
            });
        }
        let mut fair = self.fair_use.lock().unwrap();
        fair.roll(now, self.day_len);
        let counts = cred.is_api_token() && post_put;
        if counts && fair.used >= FAIR_USE_POST_PUT {
            return Err(Refusal::FairUse {
                reset: fair.reset_in(now, self.day_len),
            });
        }
        w.used += 1;
        budget.used += cost;
        if counts {
            fair.used += 1;
        }
        Ok(Allowed {
            limit,
            remaining: limit - w.used,
            reset: w.reset_in(now, self.burst_len),
            daily_requests_left: cred.is_api_token().then(|| FAIR_USE_POST_PUT - fair.used),
        })
    }

    /// Tokens left in today's company budget.
    pub fn budget_left(&self) -> u64 {
        let now = Instant::now();
        let mut b = self.budget.lock().unwrap();
        b.roll(now, self.day_len);
        DAILY_TOKEN_BUDGET.saturating_sub(b.used)
    }
}

/// Whole seconds, rounded up so a client that waits them is never early.
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_budget_then_fair_use() {
        let l = Limits::new(&SimOptions::default());
        let api = Credential::ApiToken("t".into());
        for i in 0..BURST_API_TOKEN {
            let a = l.acquire(&api, 1, false).unwrap();
            assert_eq!(a.remaining, BURST_API_TOKEN - i - 1);
        }
        assert!(matches!(
            l.acquire(&api, 1, false),
            Err(Refusal::Burst { limit: 80, .. })
        ));
        // another token has its own burst window but the same company budget
        let oauth = Credential::Bearer("o".into());
        let a = l
            .acquire(&oauth, DAILY_TOKEN_BUDGET - BURST_API_TOKEN - 5, false)
            .unwrap();
        assert_eq!((a.limit, a.daily_requests_left), (BURST_OAUTH, None));
        assert!(matches!(
            l.acquire(&oauth, 10, false),
            Err(Refusal::DailyBudget { .. })
        ));
        assert_eq!(l.budget_left(), 5);
    }
}
