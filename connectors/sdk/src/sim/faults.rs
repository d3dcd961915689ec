use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `--faults 5xx=0.05,reset=0.02,latency=20ms,latency_p=0.1,burst429=200,expire=100`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Probability that a call answers with the vendor's 5xx error.
    pub p_5xx: f64,
    /// Probability that the connection is cut mid-response.
    pub p_reset: f64,
    /// Extra latency added to a call...
    pub latency: Duration,
    /// ...with this probability (1.0 when only `latency` is given).
    pub latency_p: f64,
    /// A burst of 429s every N calls.
    pub burst429: Option<u64>,
    /// OAuth-issued access tokens expire every N calls.
    pub expire: Option<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid --faults entry {entry:?}: {reason}")]
pub struct FaultSpecError {
    pub entry: String,
    pub reason: String,
}

impl FaultSpec {
    pub fn is_empty(&self) -> bool {
        *self == FaultSpec::default()
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        let mut latency_p = None;
        for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let err = |reason: &str| FaultSpecError {
                entry: entry.to_string(),
                reason: reason.to_string(),
            };
            let (k, v) = entry
                .split_once('=')
                .ok_or_else(|| err("expected key=value"))?;
            let prob = |v: &str| -> Result<f64, FaultSpecError> {
                let p: f64 = v
                    .parse()
                    .map_err(|_| err("expected a probability like 0.05"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(err("probability must be between 0 and 1"));
                }
                Ok(p)
            };
            let count = |v: &str| -> Result<u64, FaultSpecError> {
                match v.parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(err("expected a positive whole number of calls")),
                }
            };
            match k {
                "5xx" => spec.p_5xx = prob(v)?,
                "reset" => spec.p_reset = prob(v)?,
                "latency" => {
                    spec.latency = parse_duration(v)
                        .ok_or_else(|| err("expected a duration like 20ms or 1s"))?
                }
                "latency_p" => latency_p = Some(prob(v)?),
                "burst429" => spec.burst429 = Some(count(v)?),
                "expire" => spec.expire = Some(count(v)?),
                _ => {
                    return Err(err(
                        "unknown fault; known: 5xx, reset, latency, latency_p, burst429, expire",
                    ));
                }
            }
        }
        spec.latency_p = match (latency_p, spec.latency.is_zero()) {
            (Some(p), _) => p,
            (None, false) => 1.0,
            (None, true) => 0.0,
        };
        Ok(spec)
    }
}

fn parse_duration(v: &str) -> Option<Duration> {
    if let Some(ms) = v.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    if let Some(s) = v.strip_suffix('s') {
        return s
            .parse::<f64>()
            .ok()
            .filter(|s| *s >= 0.0)
            .map(Duration::from_secs_f64);
    }
    v.parse().ok().map(Duration::from_millis)
}

/// What the injector decided for one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answer with the vendor's 5xx error body.
    ServerError,
    /// Cut the connection after the headers.
    Reset,
    /// Answer 429 as part of a burst.
    TooManyRequests,
}

/// Decides per call which fault (if any) to inject. Deterministic for a seed.
pub struct FaultInjector {
    spec: FaultSpec,
    rng: Mutex<StdRng>,
    calls: AtomicU64,
    /// Length of each 429 burst.
    burst_len: u64,
}

impl FaultInjector {
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        FaultInjector {
            spec,
            rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0xfa17)),
            calls: AtomicU64::new(0),
            burst_len: 3,
        }
    }

    pub fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    /// Latency to add before answering, if any.
    pub fn latency(&self) -> Option<Duration> {
        if self.spec.latency.is_zero() {
            return None;
        }
        let hit = self.rng.lock().unwrap().random_bool(self.spec.latency_p);
        hit.then_some(self.spec.latency)
    }

    /// Call once per API call (not for `/_sim/*`): returns the fault to inject.
    pub fn next(&self) -> Option<Fault> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(every) = self.spec.burst429 {
            // calls every..every+burst_len of each cycle answer 429
            if n >= every && (n % every) < self.burst_len {
                return Some(Fault::TooManyRequests);
            }
        }
        let mut rng = self.rng.lock().unwrap();
        if self.spec.p_5xx > 0.0 && rng.random_bool(self.spec.p_5xx) {
            return Some(Fault::ServerError);
        }
        if self.spec.p_reset > 0.0 && rng.random_bool(self.spec.p_reset) {
            return Some(Fault::Reset);
        }
        None
    }

    /// With `expire=N`: true when OAuth-issued tokens must be expired now.
    pub fn should_expire_tokens(&self) -> bool {
        match self.spec.expire {
            Some(every) => self.calls.load(Ordering::Relaxed).is_multiple_of(every),
            None => false,
        }
    }
}

/// A response body that fails after the headers went out: the client sees a
/// connection reset mid-response, which is what `reset=` simulates.
pub fn reset_body() -> axum::body::Body {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    axum::body::Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_example() {
        let s: FaultSpec = "5xx=0.05,reset=0.02,latency=20ms,latency_p=0.1,burst429=200,expire=100"
            .parse()
            .unwrap();
        assert_eq!(s.p_5xx, 0.05);
        assert_eq!(s.p_reset, 0.02);
        assert_eq!(s.latency, Duration::from_millis(20));
        assert_eq!(s.latency_p, 0.1);
        assert_eq!(s.burst429, Some(200));
        assert_eq!(s.expire, Some(100));
    }

    #[test]
    fn latency_alone_always_applies() {
        let s: FaultSpec = "latency=1s".parse().unwrap();
        assert_eq!(s.latency_p, 1.0);
    }

    #[test]
    fn rejects_bad_entries_naming_them() {
        let e = "5xx=2".parse::<FaultSpec>().unwrap_err();
        assert_eq!(e.entry, "5xx=2");
        assert!(e.to_string().contains("between 0 and 1"));
        let e = "boom=1".parse::<FaultSpec>().unwrap_err();
        assert!(e.to_string().contains("unknown fault"));
        assert!("burst429=0".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn burst_of_429_every_n_calls() {
        let inj = FaultInjector::new("burst429=10".parse().unwrap(), 1);
        let hits: Vec<u64> = (1..=30u64)
            .filter(|_| inj.next() == Some(Fault::TooManyRequests))
            .collect();
        assert_eq!(hits, vec![10, 11, 12, 20, 21, 22, 30]);
    }
}
