//! QuickBooks' throttles, on the kit's rate limits and scaled by
//! `--rate-scale`: 500 requests a minute per company, 10 a second per company
//! and app, 40 batch requests a minute per company and app. Over any of them
//! the call gets a 429 and a `ThrottleFault`.

use std::time::Duration;

use ledgerbridge_sdk::sim::{Charge, RateLimits, SimOptions};

pub const PER_MINUTE: u64 = 500;
pub const PER_SECOND_PER_APP: u64 = 10;
pub const BATCH_PER_MINUTE_PER_APP: u64 = 40;

const REALM_MINUTE: &str = "realm-minute";
const APP_SECOND: &str = "app-second";
const APP_BATCH_MINUTE: &str = "app-batch-minute";

pub fn limits(opts: &SimOptions) -> RateLimits {
    RateLimits::new(opts)
        .window(REALM_MINUTE, PER_MINUTE, Duration::from_secs(60))
        .window(APP_SECOND, PER_SECOND_PER_APP, Duration::from_secs(1))
        .window(
            APP_BATCH_MINUTE,
            BATCH_PER_MINUTE_PER_APP,
            Duration::from_secs(60),
        )
}

/// What one call of `app` on `realm` is charged.
pub fn charges(realm: &str, app: &str, batch: bool) -> Vec<Charge> {
    let per_app = format!("{realm}:{app}");
    let mut c = vec![
        Charge::one(REALM_MINUTE, realm),
        Charge::one(APP_SECOND, per_app.clone()),
    ];
    if batch {
        c.push(Charge::one(APP_BATCH_MINUTE, per_app));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_batches_a_minute_per_app() {
        let l = limits(&SimOptions::default());
        let batch = |app: &str| l.acquire(&[Charge::one(APP_BATCH_MINUTE, format!("r:{app}"))]);
        for _ in 0..BATCH_PER_MINUTE_PER_APP {
            assert!(batch("a").is_ok());
        }
        assert!(batch("a").is_err());
        assert!(batch("b").is_ok(), "another app has its own batches");
    }

    #[test]
    fn five_hundred_a_minute_per_company_across_apps() {
        let l = limits(&SimOptions::default());
        for _ in 0..PER_MINUTE {
            assert!(l.acquire(&[Charge::one(REALM_MINUTE, "r")]).is_ok());
        }
        let refused = l.acquire(&[Charge::one(REALM_MINUTE, "r")]).unwrap_err();
        assert!(refused.retry_after > Duration::ZERO);
        assert!(
            l.acquire(&[Charge::one(REALM_MINUTE, "another-realm")])
                .is_ok()
        );
    }

    #[test]
    fn a_batch_is_charged_the_batch_limit_too() {
        let names = |b| {
            charges("r", "a", b)
                .iter()
                .map(|c| c.limit)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(false), [REALM_MINUTE, APP_SECOND]);
        assert_eq!(names(true), [REALM_MINUTE, APP_SECOND, APP_BATCH_MINUTE]);
    }
}
