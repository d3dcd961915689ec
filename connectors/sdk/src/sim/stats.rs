use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// Call counters behind `GET /_sim/stats`.
///
/// Paths are recorded as templates (`GET /crm/v3/objects/deals/{id}`) so a
/// test can count calls per endpoint without knowing ids.
#[derive(Default)]
pub struct SimStats {
    calls: Mutex<BTreeMap<String, u64>>,
    reads: AtomicU64,
    writes: AtomicU64,
    rate_limited: AtomicU64,
    faults: AtomicU64,
}

impl SimStats {
    /// Records one call. `write` is false for reads, searches and batch reads.
    pub fn call(&self, method: &str, template: &str, write: bool) {
        *self
            .calls
            .lock()
            .unwrap()
            .entry(format!("{method} {template}"))
            .or_default() += 1;
        if write {
            self.writes.fetch_add(1, Ordering::Relaxed);
        } else {
            self.reads.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub fn fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// The `/_sim/stats` body of the simulator contract.
    pub fn to_json(&self) -> Value {
        let calls: BTreeMap<String, u64> = self.calls.lock().unwrap().clone();
        json!({
            "calls": calls,
            "reads": self.reads.load(Ordering::Relaxed),
            "writes": self.writes.load(Ordering::Relaxed),
            "rate_limited": self.rate_limited.load(Ordering::Relaxed),
            "faults": self.faults.load(Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_template_and_kind() {
        let s = SimStats::default();
        s.call("GET", "/crm/v3/objects/deals/{id}", false);
        s.call("GET", "/crm/v3/objects/deals/{id}", false);
        s.call("POST", "/crm/v3/objects/deals", true);
        s.rate_limited();
        let j = s.to_json();
        assert_eq!(j["calls"]["GET /crm/v3/objects/deals/{id}"], 2);
        assert_eq!(j["reads"], 2);
        assert_eq!(j["writes"], 1);
        assert_eq!(j["rate_limited"], 1);
        assert_eq!(j["faults"], 0);
    }
}
