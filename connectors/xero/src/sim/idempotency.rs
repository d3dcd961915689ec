//! `Idempotency-Key` (≤ 128 characters) on PUT/POST.
//!
//! Xero documents the header but not its replay window or its answer to a
//! reused key, so the simulator decides (and the module docs of `sim` say so):
//! - the first request with a key runs and its response (status and body) is
//!   kept for 24 hours (scaled by `--rate-scale`), per tenant;
//! - the same key with the same method, path, query and body replays that
//!   response byte for byte without running again;
//! - the same key with a different request → 409 Conflict, and a key whose
//!   first request is still running → 409 Conflict as well;
//! - a key longer than 128 characters → 400;
//! - 5xx answers are not kept (the write did not happen; a retry must run).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

pub const MAX_KEY_LEN: usize = 128;

#[derive(Clone)]
pub struct Stored {
    pub status: u16,
    pub body: bytes::Bytes,
}

enum Entry {
    Running {
        fingerprint: [u8; 32],
    },
    Done {
        fingerprint: [u8; 32],
        response: Stored,
        at: Instant,
    },
}

/// What to do with a request carrying a key.
pub enum Claim {
    /// First time: run it, then [`IdempotencyStore::finish`].
    Run,
    /// Seen before with the same request: answer this.
    Replay(Stored),
    /// Seen before with a different request.
    Mismatch,
    /// The first request with this key has not finished.
    InProgress,
}

pub struct IdempotencyStore {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path_and_query.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().into()
}

impl IdempotencyStore {
    pub fn new(ttl: Duration) -> Self {
        IdempotencyStore {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn claim(&self, key: &str, fp: [u8; 32]) -> Claim {
        let mut m = self.entries.lock().unwrap();
        match m.get(key) {
            Some(Entry::Done { at, .. }) if at.elapsed() > self.ttl => {}
            Some(Entry::Done {
                fingerprint,
                response,
                ..
            }) => {
                return if *fingerprint == fp {
                    Claim::Replay(response.clone())
                } else {
                    Claim::Mismatch
                };
            }
            Some(Entry::Running { fingerprint }) => {
                return if *fingerprint == fp {
                    Claim::InProgress
                } else {
                    Claim::Mismatch
                };
            }
            None => {}
        }
        m.insert(key.to_string(), Entry::Running { fingerprint: fp });
        Claim::Run
    }

    /// Keeps the response of a claimed key, or forgets the key (5xx, reset).
    pub fn finish(&self, key: &str, fp: [u8; 32], response: Option<Stored>) {
        let mut m = self.entries.lock().unwrap();
        match response {
            Some(response) => {
                m.insert(
                    key.to_string(),
                    Entry::Done {
                        fingerprint: fp,
                        response,
                        at: Instant::now(),
                    },
                );
            }
            None => {
                m.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_same_request_and_refuses_a_different_one() {
        let s = IdempotencyStore::new(Duration::from_secs(60));
        let a = fingerprint("PUT", "/Invoices", b"{}");
        let b = fingerprint("PUT", "/Invoices", b"{ }");
        assert!(matches!(s.claim("k", a), Claim::Run));
        assert!(matches!(s.claim("k", a), Claim::InProgress));
        s.finish(
            "k",
            a,
            Some(Stored {
                status: 200,
                body: "x".into(),
            }),
        );
        assert!(matches!(s.claim("k", a), Claim::Replay(r) if r.status == 200 && r.body == "x"));
        assert!(matches!(s.claim("k", b), Claim::Mismatch));
        // a failed run frees the key for a real retry
        assert!(matches!(s.claim("k2", a), Claim::Run));
        s.finish("k2", a, None);
        assert!(matches!(s.claim("k2", a), Claim::Run));
    }
}
