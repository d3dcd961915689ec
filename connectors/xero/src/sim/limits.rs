//! Xero's rate limits, per tenant per app: 5 concurrent calls, 60 per minute,
//! 5,000 per day; and 10,000 per minute across all tenants of the app. Every
//! window (and the daily cap) is scaled by `--rate-scale`. The limits' names
//! are the words Xero puts in `X-Rate-Limit-Problem`.

use std::time::Duration;

use ledgerbridge_sdk::sim::{Charge, RateLimits, SimOptions};

pub const PER_MINUTE: u64 = 60;
pub const PER_DAY: u64 = 5_000;
pub const CONCURRENT: u64 = 5;
pub const APP_PER_MINUTE: u64 = 10_000;

pub const MINUTE: &str = "minute";
pub const DAY: &str = "day";
pub const APP_MINUTE: &str = "appminute";
pub const CONCURRENT_CALLS: &str = "concurrent";

pub fn limits(opts: &SimOptions) -> RateLimits {
    let minute = Duration::from_secs(60);
    RateLimits::new(opts)
        .concurrent(CONCURRENT_CALLS, CONCURRENT)
        .window(MINUTE, PER_MINUTE, minute)
        .daily(DAY, PER_DAY)
        .window(APP_MINUTE, APP_PER_MINUTE, minute)
}

/// What a call is charged, in Xero's order. A call not made on a tenant
/// (`/connections`) counts against the app only, and reports the tenant's
/// allowances without taking from them.
pub fn charges(on_tenant: bool, tenant: &str) -> Vec<Charge> {
    if on_tenant {
        vec![
            Charge::one(CONCURRENT_CALLS, tenant),
            Charge::one(APP_MINUTE, ""),
            Charge::one(DAY, tenant),
            Charge::one(MINUTE, tenant),
        ]
    } else {
        vec![
            Charge::one(APP_MINUTE, ""),
            Charge::peek(MINUTE, tenant),
            Charge::peek(DAY, tenant),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_then_concurrent_limits() {
        let opts = SimOptions {
            rate_scale: 60.0,
            ..Default::default()
        };
        let l = limits(&opts);
        let on = charges(true, "t");
        let mut held = Vec::new();
        for i in 0..5 {
            let u = l.acquire(&on).unwrap();
            assert_eq!(u.remaining(MINUTE), Some(59 - i));
            held.push(u);
        }
        assert_eq!(l.acquire(&on).err().unwrap().limit, Some(CONCURRENT_CALLS));
        held.clear();
        for _ in 5..60 {
            drop(l.acquire(&on).unwrap());
        }
        let refused = l.acquire(&on).err().unwrap();
        assert_eq!(refused.limit, Some(MINUTE));
        assert!(refused.retry_after <= Duration::from_secs(1));
        // the app's own calls still go through, reporting the tenant's 0
        let app = l.acquire(&charges(false, "t")).unwrap();
        assert_eq!(app.remaining(MINUTE), Some(0));
        assert_eq!(app.remaining(DAY), Some(PER_DAY - 60));
        std::thread::sleep(refused.retry_after + Duration::from_millis(10));
        assert!(l.acquire(&on).is_ok());
    }
}
