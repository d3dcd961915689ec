//! Pipedrive's limits, at the Professional plan's numbers (the simulator's
//! choice of plan), declared on the SDK's rate limits:
//! - a daily token budget per company: every call costs its endpoint's
//!   `x-token-cost`; 30,000 tokens × the plan's multiplier (3 for
//!   Professional) × seats (one seated user here) = 90,000 a day;
//! - a burst limit per token in 2-second windows: 80 requests for an API
//!   token, 320 for an OAuth access token; reported on every response in
//!   `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`;
//! - the daily fair-use limit of 10,000 POST/PUT requests per user, for
//!   API-token calls only, reported in `x-daily-requests-left`.
//!
//! Every window is shortened by `--rate-scale`; the counts stay real.

use std::time::Duration;

use ledgerbridge_sdk::sim::{Charge, RateLimits, SimOptions};

pub const DAILY_TOKEN_BUDGET: u64 = 30_000 * 3;
pub const BURST_API_TOKEN: u64 = 80;
pub const BURST_OAUTH: u64 = 320;
pub const FAIR_USE_POST_PUT: u64 = 10_000;

pub const BURST_API: &str = "burst_api_token";
pub const BURST_ACCESS: &str = "burst_access_token";
pub const BUDGET: &str = "daily_token_budget";
pub const FAIR_USE: &str = "daily_post_put";
/// The one company's key in the budget.
pub const COMPANY: &str = "company";
/// The one user's key in the fair-use counter.
pub const USER: &str = "user";

pub fn limits(opts: &SimOptions) -> RateLimits {
    let burst = Duration::from_secs(2);
    RateLimits::new(opts)
        .window(BURST_API, BURST_API_TOKEN, burst)
        .window(BURST_ACCESS, BURST_OAUTH, burst)
        .daily(BUDGET, DAILY_TOKEN_BUDGET)
        .daily(FAIR_USE, FAIR_USE_POST_PUT)
}

/// What a call is charged: its token's burst window, its token cost against
/// the company budget and, for API-token calls, the fair-use counter (taken
/// by POST and PUT, reported for the others).
pub fn charges(api_token: bool, token: &str, cost: u64, post_put: bool) -> Vec<Charge> {
    let burst = if api_token { BURST_API } else { BURST_ACCESS };
    let mut v = vec![
        Charge::one(burst, token),
        Charge::cost(BUDGET, COMPANY, cost),
    ];
    if api_token {
        v.push(if post_put {
            Charge::one(FAIR_USE, USER)
        } else {
            Charge::peek(FAIR_USE, USER)
        });
    }
    v
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
        let l = limits(&SimOptions::default());
        for i in 0..BURST_API_TOKEN {
            let u = l.acquire(&charges(true, "t", 1, false)).unwrap();
            assert_eq!(u.remaining(BURST_API), Some(BURST_API_TOKEN - i - 1));
            assert_eq!(u.remaining(FAIR_USE), Some(FAIR_USE_POST_PUT));
        }
        let refused = l.acquire(&charges(true, "t", 1, false)).unwrap_err();
        assert_eq!(refused.limit, Some(BURST_API));
        // another token has its own burst window but the same company budget
        let big = DAILY_TOKEN_BUDGET - BURST_API_TOKEN - 5;
        let u = l.acquire(&charges(false, "o", big, false)).unwrap();
        assert_eq!(
            (u.remaining(BUDGET), u.remaining(FAIR_USE)),
            (Some(5), None)
        );
        let refused = l.acquire(&charges(false, "o", 10, false)).unwrap_err();
        assert_eq!(refused.limit, Some(BUDGET));
        let u = l.acquire(&charges(true, "t2", 1, true)).unwrap();
        assert_eq!(u.remaining(FAIR_USE), Some(FAIR_USE_POST_PUT - 1));
    }
}
