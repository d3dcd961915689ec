//! The simulators' OAuth authorization server state: authorization codes
//! (with PKCE), access tokens with a lifetime scaled by `rate_scale`, refresh
//! tokens with the vendor's rotation rule, the `expire=N` fault and revocation.
//! The HTTP side (form parsing, redirects, vendor bodies) is in `oauth.rs`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::SimOptions;

/// What happens to a refresh token when it is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rotation {
    /// The same refresh token is returned every time and stays valid until
    /// revoked (Salesforce).
    Never,
    /// A new refresh token on every refresh; the used one is spent at once
    /// (`invalid_grant` if it comes again).
    EveryRefresh,
    /// A new refresh token on every refresh; the used one stays valid until
    /// its successor (or an access token issued with it) is used, so a client
    /// that lost the refresh response is not locked out. Using the old one
    /// again drops the unseen successor.
    UntilSuccessorUsed,
    /// A new refresh token on every refresh; the used one keeps working for
    /// this long (real time, scaled by `rate_scale`).
    WithGrace(Duration),
}

/// The vendor's token rules.
#[derive(Debug, Clone)]
pub struct TokenRules {
    /// Access token lifetime before scaling.
    pub access_lifetime: Duration,
    /// Refresh token lifetime before scaling (`None`: until revoked).
    pub refresh_lifetime: Option<Duration>,
    pub rotation: Rotation,
    /// Prefixes that make the vendor's tokens recognisable in logs.
    pub access_prefix: &'static str,
    pub refresh_prefix: &'static str,
}

impl Default for TokenRules {
    fn default() -> Self {
        TokenRules {
            access_lifetime: Duration::from_secs(3600),
            refresh_lifetime: None,
            rotation: Rotation::EveryRefresh,
            access_prefix: "",
            refresh_prefix: "",
        }
    }
}

/// A PKCE challenge from the authorize request.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub challenge: String,
    /// `S256` or `plain`.
    pub method: String,
}

impl Challenge {
    /// Does the token request's `code_verifier` answer the challenge?
    pub fn verifies(&self, verifier: Option<&str>) -> bool {
        let Some(v) = verifier else { return false };
        match self.method.as_str() {
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == self.challenge,
            _ => v == self.challenge,
        }
    }
}

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub challenge: Option<Challenge>,
}

/// Who presented an access token, once it was found valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub client_id: String,
    pub scope: String,
}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TokenRefusal {
    Unknown,
    /// Expired this long ago.
    Expired(Duration),
}

/// A token pair just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    /// Access token lifetime, scaled.
    pub expires_in: Duration,
    pub client_id: String,
    pub scope: String,
    /// False when the refresh token is the one the client sent (no rotation).
    pub refresh_rotated: bool,
}

struct Access {
    expires: Instant,
    grant: Grant,
    /// The refresh token this access token was issued with.
    refresh: String,
}

struct Refresh {
    grant: Grant,
    expires: Option<Instant>,
    /// `UntilSuccessorUsed`: the refresh token that replaced this one.
    successor: Option<String>,
    /// `WithGrace`: spent, but usable until then.
    spent_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
}

/// Codes and tokens of one simulator.
pub struct TokenStore {
    rules: TokenRules,
    access_lifetime: Duration,
    refresh_lifetime: Option<Duration>,
    grace: Duration,
    state: Mutex<State>,
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

impl TokenStore {
    pub fn new(opts: &SimOptions, rules: TokenRules) -> TokenStore {
        let grace = match rules.rotation {
            Rotation::WithGrace(g) => opts.scaled(g),
            _ => Duration::ZERO,
        };
        TokenStore {
            access_lifetime: opts.scaled(rules.access_lifetime),
            refresh_lifetime: rules.refresh_lifetime.map(|l| opts.scaled(l)),
            grace,
            rules,
            state: Mutex::new(State::default()),
        }
    }

    pub fn rules(&self) -> &TokenRules {
        &self.rules
    }

    /// The access token lifetime clients are told (`expires_in`), scaled.
    pub fn access_lifetime(&self) -> Duration {
        self.access_lifetime
    }

    /// Stores a code for the token endpoint; returns it.
    pub fn new_code(&self, code: Code) -> String {
        let value = random_token("");
        self.state.lock().unwrap().codes.insert(value.clone(), code);
        value
    }

    /// Takes a code out (a code is single use, even when the exchange fails).
    pub fn take_code(&self, code: &str) -> Option<Code> {
        self.state.lock().unwrap().codes.remove(code)
    }

    /// Issues a fresh pair for a grant (an exchanged code).
    pub fn issue(&self, grant: Grant) -> Issued {
        let mut st = self.state.lock().unwrap();
        let refresh = random_token(self.rules.refresh_prefix);
        st.refresh.insert(
            refresh.clone(),
            Refresh {
                grant: grant.clone(),
                expires: self.refresh_lifetime.map(|l| Instant::now() + l),
                successor: None,
                spent_at: None,
            },
        );
        self.issue_access(&mut st, grant, refresh, true)
    }

    fn issue_access(&self, st: &mut State, grant: Grant, refresh: String, rotated: bool) -> Issued {
        let access = random_token(self.rules.access_prefix);
        st.access.insert(
            access.clone(),
            Access {
                expires: Instant::now() + self.access_lifetime,
                grant: grant.clone(),
                refresh: refresh.clone(),
            },
        );
        Issued {
            access_token: access,
            refresh_token: refresh,
            expires_in: self.access_lifetime,
            client_id: grant.client_id,
            scope: grant.scope,
            refresh_rotated: rotated,
        }
    }

    /// The grant behind a refresh token, if it can still be used.
    pub fn refresh_grant(&self, token: &str) -> Option<Grant> {
        let st = self.state.lock().unwrap();
        let r = st.refresh.get(token)?;
        self.usable(r, Instant::now()).then(|| r.grant.clone())
    }

    fn usable(&self, r: &Refresh, now: Instant) -> bool {
        r.expires.is_none_or(|e| now < e) && r.spent_at.is_none_or(|s| now < s + self.grace)
    }

    /// Uses a refresh token: a new access token, and a refresh token as the
    /// rotation rule says. `None` if the token is unknown, spent or expired.
    pub fn refresh(&self, token: &str) -> Option<Issued> {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap();
        let r = st.refresh.get(token)?;
        if !self.usable(r, now) {
            return None;
        }
        let grant = r.grant.clone();
        let stale_successor = r.successor.clone();
        if self.rules.rotation == Rotation::Never {
            return Some(self.issue_access(&mut st, grant, token.to_string(), false));
        }
        // the token's own predecessors are retired once it is used
        self.retire_predecessors(&mut st, token);
        let next = random_token(self.rules.refresh_prefix);
        st.refresh.insert(
            next.clone(),
            Refresh {
                grant: grant.clone(),
                expires: r_expiry(&self.refresh_lifetime, now),
                successor: None,
                spent_at: None,
            },
        );
        match self.rules.rotation {
            Rotation::EveryRefresh => {
                st.refresh.remove(token);
            }
            Rotation::UntilSuccessorUsed => {
                // using a replaced token proves its successor was never seen
                if let Some(s) = stale_successor {
                    st.refresh.remove(&s);
                }
                if let Some(r) = st.refresh.get_mut(token) {
                    r.successor = Some(next.clone());
                }
            }
            Rotation::WithGrace(_) => {
                if let Some(r) = st.refresh.get_mut(token) {
                    r.spent_at.get_or_insert(now);
                }
            }
            Rotation::Never => unreachable!("handled above"),
        }
        Some(self.issue_access(&mut st, grant, next, true))
    }

    fn retire_predecessors(&self, st: &mut State, current: &str) {
        if self.rules.rotation == Rotation::UntilSuccessorUsed {
            st.refresh
                .retain(|_, r| r.successor.as_deref() != Some(current));
        }
    }

    /// Checks a bearer token issued here.
    pub fn check(&self, token: &str) -> Result<Grant, TokenRefusal> {
        let mut st = self.state.lock().unwrap();
        let Some(a) = st.access.get(token) else {
            return Err(TokenRefusal::Unknown);
        };
        let now = Instant::now();
        if now >= a.expires {
            return Err(TokenRefusal::Expired(now - a.expires));
        }
        let (grant, refresh) = (a.grant.clone(), a.refresh.clone());
        self.retire_predecessors(&mut st, &refresh);
        Ok(grant)
    }

    /// `expire=N`: every issued access token stops working now (and is
    /// reported as expired, not unknown).
    pub fn expire_all(&self) {
        let now = Instant::now();
        for a in self.state.lock().unwrap().access.values_mut() {
            a.expires = a.expires.min(now);
        }
    }

    /// Revokes a refresh token (with every access token issued from it) or
    /// an access token. False if the token was not known.
    pub fn revoke(&self, token: &str) -> bool {
        let mut st = self.state.lock().unwrap();
        if st.refresh.remove(token).is_some() {
            st.access.retain(|_, a| a.refresh != token);
            return true;
        }
        st.access.remove(token).is_some()
    }
}

fn r_expiry(lifetime: &Option<Duration>, now: Instant) -> Option<Instant> {
    lifetime.map(|l| now + l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(rotation: Rotation, scale: f64) -> TokenStore {
        let opts = SimOptions {
            rate_scale: scale,
            ..SimOptions::default()
        };
        TokenStore::new(
            &opts,
            TokenRules {
                access_lifetime: Duration::from_secs(1800),
                rotation,
                ..TokenRules::default()
            },
        )
    }

    fn grant() -> Grant {
        Grant {
            client_id: "app".into(),
            scope: "read".into(),
        }
    }

    #[test]
    fn s256_pkce_is_base64url_sha256_of_the_verifier() {
        let ch = Challenge {
            challenge: "qWeQquSpbb6a9v7muO4y4nnCascPeCQa9NVEADQLTcQ".into(),
            method: "S256".into(),
        };
        assert!(ch.verifies(Some("dBjftJeZ4CVP-mJ0kzQjGGUMKDgNqGY8rW1HqbSeg3I")));
        assert!(!ch.verifies(Some("wrong")));
        assert!(!ch.verifies(None));
    }

    #[test]
    fn access_lifetime_is_scaled_and_expiry_is_reported_as_such() {
        let s = store(Rotation::EveryRefresh, 600.0);
        let t = s.issue(grant());
        assert_eq!(t.expires_in, Duration::from_secs(3));
        assert_eq!(s.check(&t.access_token), Ok(grant()));
        s.expire_all();
        assert!(matches!(
            s.check(&t.access_token),
            Err(TokenRefusal::Expired(_))
        ));
        assert_eq!(s.check("nope"), Err(TokenRefusal::Unknown));
    }

    #[test]
    fn every_refresh_spends_the_old_token() {
        let s = store(Rotation::EveryRefresh, 1.0);
        let t = s.issue(grant());
        let r = s.refresh(&t.refresh_token).unwrap();
        assert_ne!(r.refresh_token, t.refresh_token);
        assert!(s.refresh(&t.refresh_token).is_none());
        assert!(s.refresh(&r.refresh_token).is_some());
    }

    #[test]
    fn never_rotating_returns_the_same_refresh_token() {
        let s = store(Rotation::Never, 1.0);
        let t = s.issue(grant());
        for _ in 0..3 {
            let r = s.refresh(&t.refresh_token).unwrap();
            assert_eq!(r.refresh_token, t.refresh_token);
            assert!(!r.refresh_rotated);
        }
    }

    #[test]
    fn grace_keeps_the_previous_token_for_a_scaled_while() {
        // 60 s of grace at scale 600 is 100 ms
        let s = store(Rotation::WithGrace(Duration::from_secs(60)), 600.0);
        let t = s.issue(grant());
        let r1 = s.refresh(&t.refresh_token).unwrap();
        let r2 = s.refresh(&t.refresh_token).expect("still within grace");
        assert_ne!(r1.refresh_token, r2.refresh_token);
        let deadline = Instant::now() + Duration::from_secs(5);
        while s.refresh_grant(&t.refresh_token).is_some() {
            assert!(Instant::now() < deadline, "grace never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(s.refresh(&t.refresh_token).is_none(), "grace is over");
        assert!(s.refresh(&r1.refresh_token).is_some());
    }

    #[test]
    fn until_successor_used_retires_the_old_token_on_first_use_of_the_new() {
        let s = store(Rotation::UntilSuccessorUsed, 1.0);
        let t = s.issue(grant());
        let r = s.refresh(&t.refresh_token).unwrap();
        assert!(
            s.refresh_grant(&t.refresh_token).is_some(),
            "old still usable"
        );
        // the client lost that answer and refreshes with the old token again
        let again = s.refresh(&t.refresh_token).unwrap();
        assert!(
            s.refresh_grant(&r.refresh_token).is_none(),
            "unseen successor dropped"
        );
        s.check(&again.access_token).unwrap();
        assert!(
            s.refresh_grant(&t.refresh_token).is_none(),
            "retired by use"
        );
        assert!(s.refresh_grant(&again.refresh_token).is_some());
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_access_tokens() {
        let s = store(Rotation::Never, 1.0);
        let t = s.issue(grant());
        assert!(s.revoke(&t.refresh_token));
        assert_eq!(s.check(&t.access_token), Err(TokenRefusal::Unknown));
        assert!(s.refresh(&t.refresh_token).is_none());
        assert!(!s.revoke("unknown"));
    }
}
