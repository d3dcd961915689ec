//! QuickBooks' throttles, scaled by `--rate-scale`: 500 requests a minute per
//! company, 10 a second per company and app, 40 batch requests a minute per
//! company and app. Over any of them the call gets a 429 and a `ThrottleFault`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use ledgerbridge_sdk::sim::{RateDecision, RateWindow, SimOptions};

pub const PER_MINUTE: u64 = 500;
pub const PER_SECOND_PER_APP: u64 = 10;
pub const BATCH_PER_MINUTE_PER_APP: u64 = 40;

pub struct Limits {
    on: bool,
    minute: Duration,
    second: Duration,
    realm_minute: RateWindow,
    per_app: Mutex<HashMap<String, (RateWindow, RateWindow)>>,
}

impl Limits {
    pub fn new(opts: &SimOptions) -> Limits {
        let minute = opts.scaled(Duration::from_secs(60));
        Limits {
            on: opts.rate_limits,
            minute,
            second: opts.scaled(Duration::from_secs(1)),
            realm_minute: RateWindow::new(PER_MINUTE, minute),
            per_app: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call for `app`; `Err` carries how long until the window resets.
    pub fn acquire(&self, app: &str, batch: bool) -> Result<(), Duration> {
        if !self.on {
            return Ok(());
        }
        let mut apps = self.per_app.lock().unwrap();
        let (second, batches) = apps.entry(app.to_string()).or_insert_with(|| {
            (
                RateWindow::new(PER_SECOND_PER_APP, self.second),
                RateWindow::new(BATCH_PER_MINUTE_PER_APP, self.minute),
            )
        });
        for w in [
            Some(&self.realm_minute),
            Some(&*second),
            batch.then_some(&*batches),
        ]
        .into_iter()
        .flatten()
        {
            if let RateDecision::Limited { retry_after } = w.acquire() {
                return Err(retry_after);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(second: Duration, minute: Duration) -> Limits {
        Limits {
            on: true,
            minute,
            second,
            realm_minute: RateWindow::new(PER_MINUTE, minute),
            per_app: Mutex::new(HashMap::new()),
        }
    }

    #[test]
    fn forty_batches_a_minute_per_app() {
        // a per-second window that never fills, a minute that never ends
        let l = limits(Duration::ZERO, Duration::from_secs(3600));
        for _ in 0..BATCH_PER_MINUTE_PER_APP {
            assert!(l.acquire("a", true).is_ok());
        }
        assert!(l.acquire("a", true).is_err());
        assert!(l.acquire("a", false).is_ok(), "other calls still pass");
        assert!(
            l.acquire("b", true).is_ok(),
            "another app has its own batches"
        );
    }

    #[test]
    fn five_hundred_a_minute_per_company_across_apps() {
        let l = limits(Duration::ZERO, Duration::from_secs(3600));
        for i in 0..PER_MINUTE {
            assert!(l.acquire(&format!("app{}", i % 7), false).is_ok());
        }
        let retry = l.acquire("fresh-app", false).unwrap_err();
        assert!(retry > Duration::ZERO);
    }
}
