//! Xero's rate limits, per tenant per app: 5 concurrent calls, 60 per minute,
//! 5,000 per day; and 10,000 per minute across all tenants of the app. Every
//! window (and the daily cap) is scaled by `--rate-scale`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ledgerbridge_sdk::sim::{RateDecision, RateWindow, SimOptions};

pub const PER_MINUTE: u64 = 60;
pub const PER_DAY: u64 = 5_000;
pub const CONCURRENT: u64 = 5;
pub const APP_PER_MINUTE: u64 = 10_000;

/// Which limit a refused call ran into (`X-Rate-Limit-Problem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Minute,
    Day,
    AppMinute,
    Concurrent,
}

impl Problem {
    pub fn header(self) -> &'static str {
        match self {
            Problem::Minute => "minute",
            Problem::Day => "day",
            Problem::AppMinute => "appminute",
            Problem::Concurrent => "concurrent",
        }
    }
}

/// Remaining allowances after a call, for the response headers.
#[derive(Debug, Clone, Copy)]
pub struct Remaining {
    pub minute: u64,
    pub day: u64,
    pub app_minute: u64,
}

pub struct Limits {
    enabled: bool,
    minute: RateWindow,
    day: RateWindow,
    app_minute: RateWindow,
    in_flight: Arc<AtomicU64>,
    concurrent_retry: Duration,
    /// Taking from three windows must be one step, or two racing calls could
    /// each take a minute slot and then both be refused by the day window.
    step: Mutex<()>,
}

/// Holds one of the 5 concurrent slots until the response is built.
pub struct Permit(Option<Arc<AtomicU64>>);

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Limits {
    pub fn new(opts: &SimOptions) -> Limits {
        let minute = opts.scaled(Duration::from_secs(60));
        Limits {
            enabled: opts.rate_limits,
            minute: RateWindow::new(PER_MINUTE, minute),
            day: RateWindow::new(
                opts.scaled_cap(PER_DAY),
                opts.scaled(Duration::from_secs(86_400)),
            ),
            app_minute: RateWindow::new(APP_PER_MINUTE, minute),
            in_flight: Arc::new(AtomicU64::new(0)),
            concurrent_retry: opts.scaled(Duration::from_secs(1)),
            step: Mutex::new(()),
        }
    }

    /// Takes one call. `tenant` is false for calls not made on a tenant
    /// (`/connections`), which count against the app only.
    pub fn acquire(
        &self,
        tenant: bool,
    ) -> Result<(Permit, Option<Remaining>), (Problem, Duration)> {
        if !self.enabled {
            return Ok((Permit(None), None));
        }
        if tenant {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            if now > CONCURRENT {
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                return Err((Problem::Concurrent, self.concurrent_retry));
            }
        }
        let permit = Permit(tenant.then(|| self.in_flight.clone()));
        let _g = self.step.lock().unwrap();
        if self.app_minute.remaining() == 0 {
            return Err((Problem::AppMinute, self.retry(&self.app_minute)));
        }
        if tenant {
            if self.day.remaining() == 0 {
                return Err((Problem::Day, self.retry(&self.day)));
            }
            if self.minute.remaining() == 0 {
                return Err((Problem::Minute, self.retry(&self.minute)));
            }
        }
        let app = take(&self.app_minute);
        let (minute, day) = if tenant {
            (take(&self.minute), take(&self.day))
        } else {
            (self.minute.remaining(), self.day.remaining())
        };
        Ok((
            permit,
            Some(Remaining {
                minute,
                day,
                app_minute: app,
            }),
        ))
    }

    fn retry(&self, w: &RateWindow) -> Duration {
        match w.acquire() {
            RateDecision::Limited { retry_after } => retry_after,
            // the window rolled over between the check and now
            RateDecision::Allowed { .. } => Duration::ZERO,
        }
    }
}

fn take(w: &RateWindow) -> u64 {
    match w.acquire() {
        RateDecision::Allowed { remaining } => remaining,
        RateDecision::Limited { .. } => 0,
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
        let l = Limits::new(&opts);
        let mut held = Vec::new();
        for i in 0..5 {
            let (p, r) = l.acquire(true).unwrap();
            assert_eq!(r.unwrap().minute, 59 - i);
            held.push(p);
        }
        assert_eq!(l.acquire(true).err().unwrap().0, Problem::Concurrent);
        held.clear();
        for _ in 5..60 {
            drop(l.acquire(true).unwrap());
        }
        let (problem, retry) = l.acquire(true).err().unwrap();
        assert_eq!(problem, Problem::Minute);
        assert!(retry <= Duration::from_secs(1));
        std::thread::sleep(retry + Duration::from_millis(10));
        assert!(l.acquire(true).is_ok());
    }
}
