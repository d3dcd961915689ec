//! A vendor's rate limits as a set of named limits, each counted per key
//! (a tenant, a token, the whole app): fixed windows (per second, per minute,
//! per day) and concurrency caps. Every window is scaled by `rate_scale`.
//!
//! The vendor says per request which limits it charges, under which key and
//! at what cost ([`Charge`]); a cost above one is how a vendor that prices
//! requests in tokens is modelled, a cost of zero only reports what remains.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{RateDecision, RateWindow, SimOptions};

enum Kind {
    Window { limit: u64, window: Duration },
    Concurrent { limit: u64, retry_after: Duration },
}

/// One request's share of one limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub limit: &'static str,
    pub key: String,
    pub cost: u64,
}

impl Charge {
    /// One unit of `limit` for `key`.
    pub fn one(limit: &'static str, key: impl Into<String>) -> Charge {
        Charge::cost(limit, key, 1)
    }

    /// `cost` units of `limit` for `key`.
    pub fn cost(limit: &'static str, key: impl Into<String>, cost: u64) -> Charge {
        Charge {
            limit,
            key: key.into(),
            cost,
        }
    }

    /// Takes nothing; the request only reports what `limit` has left.
    pub fn peek(limit: &'static str, key: impl Into<String>) -> Charge {
        Charge::cost(limit, key, 0)
    }
}

/// What one limit looked like for a request, for the vendor's headers.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitUse {
    pub limit: &'static str,
    pub key: String,
    /// The limit's size (calls per window, or concurrent calls).
    pub max: u64,
    /// The window (scaled); zero for a concurrency cap.
    pub window: Duration,
    /// What remains after this request.
    pub remaining: u64,
}

/// The limits a request was charged, held until its response is built (a
/// concurrency slot is given back when this is dropped).
#[derive(Debug, Default)]
pub struct Usage {
    uses: Vec<LimitUse>,
    slots: Vec<Arc<AtomicU64>>,
}

impl Usage {
    pub fn get(&self, limit: &str) -> Option<&LimitUse> {
        self.uses.iter().find(|u| u.limit == limit)
    }

    pub fn remaining(&self, limit: &str) -> Option<u64> {
        self.get(limit).map(|u| u.remaining)
    }

    pub fn uses(&self) -> &[LimitUse] {
        &self.uses
    }
}

impl Drop for Usage {
    fn drop(&mut self) {
        for s in &self.slots {
            s.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A refused request: which limit (None for an injected `burst429`), for
/// which key, when to retry, and the other charged limits as they stand.
#[derive(Debug)]
pub struct Limited {
    pub limit: Option<&'static str>,
    pub key: String,
    pub retry_after: Duration,
    pub usage: Usage,
}

impl Limited {
    /// An injected 429 (`burst429`): no real limit is exhausted.
    pub fn injected(retry_after: Duration) -> Limited {
        Limited {
            limit: None,
            key: String::new(),
            retry_after,
            usage: Usage::default(),
        }
    }
}

/// A vendor's named limits.
pub struct RateLimits {
    enabled: bool,
    opts: SimOptions,
    kinds: Vec<(&'static str, Kind)>,
    windows: Mutex<HashMap<(&'static str, String), Arc<RateWindow>>>,
    in_flight: Mutex<HashMap<(&'static str, String), Arc<AtomicU64>>>,
    /// Checking every charged limit and then taking from all of them is one
    /// step, or two racing calls could each take a minute slot and then both
    /// be refused by the day window.
    step: Mutex<()>,
}

impl RateLimits {
    /// No limits yet; `--rate-limits off` turns every charge into a no-op.
    pub fn new(opts: &SimOptions) -> RateLimits {
        RateLimits {
            enabled: opts.rate_limits,
            opts: opts.clone(),
            kinds: Vec::new(),
            windows: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            step: Mutex::new(()),
        }
    }

    /// At most `limit` calls per `real_window` (scaled by `rate_scale`).
    pub fn window(mut self, name: &'static str, limit: u64, real_window: Duration) -> Self {
        let window = self.opts.scaled(real_window);
        self.kinds.push((name, Kind::Window { limit, window }));
        self
    }

    /// A daily cap: the day is scaled, the count keeps its real value.
    pub fn daily(self, name: &'static str, cap: u64) -> Self {
        let cap = self.opts.scaled_cap(cap);
        self.window(name, cap, Duration::from_secs(86_400))
    }

    /// At most `limit` calls in flight at once; a refused call is told to
    /// retry after one (scaled) second.
    pub fn concurrent(mut self, name: &'static str, limit: u64) -> Self {
        let retry_after = self.opts.scaled(Duration::from_secs(1));
        self.kinds
            .push((name, Kind::Concurrent { limit, retry_after }));
        self
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn kind(&self, name: &str) -> &Kind {
        &self
            .kinds
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("rate limit {name:?} was never declared"))
            .1
    }

    fn window_of(&self, name: &'static str, key: &str, limit: u64, w: Duration) -> Arc<RateWindow> {
        self.windows
            .lock()
            .unwrap()
            .entry((name, key.to_string()))
            .or_insert_with(|| Arc::new(RateWindow::new(limit, w)))
            .clone()
    }

    fn slot_of(&self, name: &'static str, key: &str) -> Arc<AtomicU64> {
        self.in_flight
            .lock()
            .unwrap()
            .entry((name, key.to_string()))
            .or_default()
            .clone()
    }

    /// Calls left in `limit` for `key` right now.
    pub fn remaining(&self, limit: &'static str, key: &str) -> u64 {
        match *self.kind(limit) {
            Kind::Window { limit: max, window } => {
                self.window_of(limit, key, max, window).remaining()
            }
            Kind::Concurrent { limit: max, .. } => {
                max.saturating_sub(self.slot_of(limit, key).load(Ordering::SeqCst))
            }
        }
    }

    fn peek_use(&self, c: &Charge) -> LimitUse {
        let (max, window) = match *self.kind(c.limit) {
            Kind::Window { limit, window } => (limit, window),
            Kind::Concurrent { limit, .. } => (limit, Duration::ZERO),
        };
        LimitUse {
            limit: c.limit,
            key: c.key.clone(),
            max,
            window,
            remaining: self.remaining(c.limit, &c.key),
        }
    }

    /// Charges a request, in the order given: the first limit without room
    /// refuses it and nothing is taken from any of them.
    pub fn acquire(&self, charges: &[Charge]) -> Result<Usage, Limited> {
        if !self.enabled {
            return Ok(Usage::default());
        }
        let _step = self.step.lock().unwrap();
        for c in charges {
            let refusal = match *self.kind(c.limit) {
                Kind::Window { limit, window } => {
                    let w = self.window_of(c.limit, &c.key, limit, window);
                    (w.remaining() < c.cost).then(|| w.resets_in())
                }
                Kind::Concurrent { limit, retry_after } => {
                    let busy = self.slot_of(c.limit, &c.key).load(Ordering::SeqCst);
                    (c.cost > 0 && busy >= limit).then_some(retry_after)
                }
            };
            if let Some(retry_after) = refusal {
                let mut uses: Vec<LimitUse> = charges.iter().map(|c| self.peek_use(c)).collect();
                for u in uses.iter_mut().filter(|u| u.limit == c.limit) {
                    u.remaining = 0;
                }
                return Err(Limited {
                    limit: Some(c.limit),
                    key: c.key.clone(),
                    retry_after,
                    usage: Usage {
                        uses,
                        slots: Vec::new(),
                    },
                });
            }
        }
        let mut usage = Usage::default();
        for c in charges {
            match *self.kind(c.limit) {
                Kind::Window { limit, window } => {
                    let w = self.window_of(c.limit, &c.key, limit, window);
                    let remaining = match w.acquire_cost(c.cost) {
                        RateDecision::Allowed { remaining } => remaining,
                        RateDecision::Limited { .. } => 0,
                    };
                    usage.uses.push(LimitUse {
                        limit: c.limit,
                        key: c.key.clone(),
                        max: limit,
                        window,
                        remaining,
                    });
                }
                Kind::Concurrent { limit, .. } => {
                    let slot = self.slot_of(c.limit, &c.key);
                    let busy = if c.cost > 0 {
                        usage.slots.push(slot.clone());
                        slot.fetch_add(1, Ordering::SeqCst) + 1
                    } else {
                        slot.load(Ordering::SeqCst)
                    };
                    usage.uses.push(LimitUse {
                        limit: c.limit,
                        key: c.key.clone(),
                        max: limit,
                        window: Duration::ZERO,
                        remaining: limit.saturating_sub(busy),
                    });
                }
            }
        }
        Ok(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(scale: f64) -> SimOptions {
        SimOptions {
            rate_scale: scale,
            ..SimOptions::default()
        }
    }

    #[test]
    fn first_full_limit_refuses_and_nothing_is_taken() {
        let l = RateLimits::new(&opts(1.0))
            .window("minute", 2, Duration::from_secs(60))
            .daily("day", 3);
        let charges = [Charge::one("day", "t1"), Charge::one("minute", "t1")];
        assert_eq!(l.acquire(&charges).unwrap().remaining("minute"), Some(1));
        assert_eq!(l.acquire(&charges).unwrap().remaining("day"), Some(1));
        let refused = l.acquire(&charges).unwrap_err();
        assert_eq!(refused.limit, Some("minute"));
        assert!(refused.retry_after <= Duration::from_secs(60));
        assert_eq!(refused.usage.remaining("minute"), Some(0));
        assert_eq!(refused.usage.remaining("day"), Some(1), "day was not taken");
        // another key has its own windows
        assert!(l.acquire(&[Charge::one("minute", "t2")]).is_ok());
    }

    #[test]
    fn costs_and_peeks() {
        let l = RateLimits::new(&opts(1.0)).window("tokens", 10, Duration::from_secs(2));
        let u = l.acquire(&[Charge::cost("tokens", "k", 7)]).unwrap();
        assert_eq!(u.remaining("tokens"), Some(3));
        assert!(l.acquire(&[Charge::cost("tokens", "k", 4)]).is_err());
        let u = l.acquire(&[Charge::peek("tokens", "k")]).unwrap();
        assert_eq!(u.remaining("tokens"), Some(3));
    }

    #[test]
    fn windows_are_scaled_and_daily_counts_are_not() {
        let l = RateLimits::new(&opts(60.0))
            .window("minute", 60, Duration::from_secs(60))
            .daily("day", 5_000);
        let u = l
            .acquire(&[Charge::one("minute", ""), Charge::one("day", "")])
            .unwrap();
        assert_eq!(u.get("minute").unwrap().window, Duration::from_secs(1));
        assert_eq!(u.get("day").unwrap().max, 5_000);
        assert_eq!(u.get("day").unwrap().window, Duration::from_secs(1_440));
    }

    #[test]
    fn concurrency_slots_come_back_when_usage_is_dropped() {
        let l = RateLimits::new(&opts(1.0)).concurrent("concurrent", 2);
        let c = [Charge::one("concurrent", "t")];
        let a = l.acquire(&c).unwrap();
        let b = l.acquire(&c).unwrap();
        assert_eq!(b.remaining("concurrent"), Some(0));
        assert_eq!(l.acquire(&c).unwrap_err().limit, Some("concurrent"));
        drop(a);
        assert!(l.acquire(&c).is_ok());
        drop(b);
    }

    #[test]
    fn off_charges_nothing() {
        let l = RateLimits::new(&SimOptions {
            rate_limits: false,
            ..SimOptions::default()
        })
        .window("minute", 0, Duration::from_secs(60));
        assert!(
            l.acquire(&[Charge::one("minute", "")])
                .unwrap()
                .uses()
                .is_empty()
        );
    }
}
