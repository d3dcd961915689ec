use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fixed-window counter: at most `limit` calls per `window`.
///
/// Vendors publish their limits as "N per window" and report the remaining
/// count in headers; a fixed window reproduces exactly those headers and the
/// Retry-After a client sees when it overruns.
pub struct RateWindow {
    limit: u64,
    window: Duration,
    state: Mutex<(Instant, u64)>,
}

/// The outcome of asking a window for one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateDecision {
    /// Allowed; this many calls remain in the current window.
    Allowed { remaining: u64 },
    /// Refused; the window resets after this long.
    Limited { retry_after: Duration },
}

impl RateWindow {
    pub fn new(limit: u64, window: Duration) -> Self {
        RateWindow {
            limit,
            window,
            state: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Takes one call from the window, or says how long until it resets.
    pub fn acquire(&self) -> RateDecision {
        self.acquire_cost(1)
    }

    /// Takes `cost` calls at once (a vendor that charges some requests more
    /// than one unit), or says how long until the window resets. A cost of 0
    /// always succeeds and only reports what remains.
    pub fn acquire_cost(&self, cost: u64) -> RateDecision {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap();
        if now.duration_since(st.0) >= self.window {
            *st = (now, 0);
        }
        if st.1 + cost > self.limit {
            let retry_after = self.window.saturating_sub(now.duration_since(st.0));
            return RateDecision::Limited { retry_after };
        }
        st.1 += cost;
        RateDecision::Allowed {
            remaining: self.limit - st.1,
        }
    }

    /// How long until the current window resets.
    pub fn resets_in(&self) -> Duration {
        let now = Instant::now();
        let st = self.state.lock().unwrap();
        self.window.saturating_sub(now.duration_since(st.0))
    }

    /// Calls left in the current window without taking one.
    pub fn remaining(&self) -> u64 {
        let now = Instant::now();
        let st = self.state.lock().unwrap();
        if now.duration_since(st.0) >= self.window {
            self.limit
        } else {
            self.limit.saturating_sub(st.1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_then_resets() {
        let w = RateWindow::new(2, Duration::from_millis(50));
        assert_eq!(w.acquire(), RateDecision::Allowed { remaining: 1 });
        assert_eq!(w.acquire(), RateDecision::Allowed { remaining: 0 });
        assert!(matches!(w.acquire(), RateDecision::Limited { .. }));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(w.acquire(), RateDecision::Allowed { remaining: 1 });
    }
}
