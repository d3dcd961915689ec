//! HubSpot's OAuth endpoints: an authorize page that consents at once (so
//! `ledgerbridge connect` can be tested headless), and a token endpoint that
//! exchanges codes (checking PKCE when a challenge was sent), refreshes with
//! rotation, and issues 30-minute access tokens (scaled by `rate_scale`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::errors::correlation_id;
use super::{PORTAL_ID, Sim};

/// Access token lifetime before scaling.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: Option<(String, String)>,
    scopes: String,
}

struct Access {
    expires: Instant,
}

struct Refresh {
    client_id: String,
    scopes: String,
    /// The refresh token that replaced this one. The old one stays usable
    /// until its successor (or an access token from it) is used, so a client
    /// that lost the refresh response is not locked out.
    successor: Option<String>,
}

#[derive(Default)]
pub struct OAuthState {
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    /// access token → the refresh token it was issued with.
    issued_by: HashMap<String, String>,
}

pub enum TokenCheck {
    Missing,
    Unknown,
    Static,
    OAuth,
    Expired(Duration),
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

impl OAuthState {
    pub fn check(&mut self, token: &str) -> TokenCheck {
        let Some(a) = self.access.get(token) else {
            return TokenCheck::Unknown;
        };
        let now = Instant::now();
        if now >= a.expires {
            return TokenCheck::Expired(now - a.expires);
        }
        if let Some(r) = self.issued_by.get(token).cloned() {
            self.retire_predecessors(&r);
        }
        TokenCheck::OAuth
    }

    /// `expire=N` fault: every issued access token expires now.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for a in self.access.values_mut() {
            a.expires = a.expires.min(now);
        }
    }

    /// Once `current` is used, the tokens it replaced stop working.
    fn retire_predecessors(&mut self, current: &str) {
        self.refresh
            .retain(|_, r| r.successor.as_deref() != Some(current));
    }

    fn issue(&mut self, client_id: &str, scopes: &str, lifetime: Duration) -> (String, String) {
        let access = random_token("CJSim");
        let refresh = random_token("na1-");
        self.access.insert(
            access.clone(),
            Access {
                expires: Instant::now() + lifetime,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                client_id: client_id.to_string(),
                scopes: scopes.to_string(),
                successor: None,
            },
        );
        self.issued_by.insert(access.clone(), refresh.clone());
        (access, refresh)
    }
}

#[derive(Deserialize)]
pub struct AuthorizeParams {
    client_id: String,
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `GET /oauth/authorize`: consents immediately and redirects back.
pub async fn authorize(State(sim): State<Arc<Sim>>, Query(p): Query<AuthorizeParams>) -> Response {
    let Ok(mut target) = url::Url::parse(&p.redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    let code = uuid::Uuid::new_v4().to_string();
    let challenge = p
        .code_challenge
        .map(|c| (c, p.code_challenge_method.unwrap_or_else(|| "plain".into())));
    sim.oauth.lock().unwrap().codes.insert(
        code.clone(),
        Code {
            client_id: p.client_id,
            redirect_uri: p.redirect_uri.clone(),
            challenge,
            scopes: p.scope,
        },
    );
    {
        let mut q = target.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(s) = &p.state {
            q.append_pair("state", s);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

fn oauth_error(status: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"status": status, "message": message, "correlationId": correlation_id()})),
    )
        .into_response()
}

fn pkce_ok(challenge: &(String, String), verifier: Option<&str>) -> bool {
    let Some(v) = verifier else { return false };
    match challenge.1.as_str() {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == challenge.0,
        _ => v == challenge.0,
    }
}

/// `POST /oauth/v1/token` (form-encoded), also served at `/oauth/v3/token`.
pub async fn token(State(sim): State<Arc<Sim>>, RawForm(body): RawForm) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str);
    let lifetime = sim.opts.scaled(ACCESS_TOKEN_LIFETIME);
    let mut st = sim.oauth.lock().unwrap();
    let (client_id, scopes) = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|c| st.codes.remove(c)) else {
                return oauth_error("BAD_AUTH_CODE", "missing or unknown auth code");
            };
            if get("client_id") != Some(code.client_id.as_str()) || get("client_secret").is_none() {
                return oauth_error("BAD_CLIENT_ID", "missing or unknown client id or secret");
            }
            if get("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return oauth_error(
                    "BAD_REDIRECT_URI",
                    "redirect_uri does not match the authorize request",
                );
            }
            if let Some(ch) = &code.challenge
                && !pkce_ok(ch, get("code_verifier"))
            {
                return oauth_error(
                    "BAD_AUTH_CODE",
                    "code_verifier does not match the code_challenge",
                );
            }
            (code.client_id, code.scopes)
        }
        Some("refresh_token") => {
            let old = get("refresh_token").unwrap_or_default().to_string();
            let Some(r) = st.refresh.get(&old) else {
                return oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
            };
            if get("client_id") != Some(r.client_id.as_str()) {
                return oauth_error("BAD_CLIENT_ID", "missing or unknown client id or secret");
            }
            let (client_id, scopes) = (r.client_id.clone(), r.scopes.clone());
            // using a token that has been replaced proves its successor was
            // never seen: the successor is dropped and this one rotates again
            if let Some(succ) = st.refresh.get(&old).and_then(|r| r.successor.clone()) {
                st.refresh.remove(&succ);
            }
            let (access, refresh) = st.issue(&client_id, &scopes, lifetime);
            if let Some(r) = st.refresh.get_mut(&old) {
                r.successor = Some(refresh.clone());
            }
            return token_response(access, refresh, lifetime, &scopes);
        }
        _ => {
            return oauth_error(
                "BAD_GRANT_TYPE",
                "grant_type must be authorization_code or refresh_token",
            );
        }
    };
    let (access, refresh) = st.issue(&client_id, &scopes, lifetime);
    token_response(access, refresh, lifetime, &scopes)
}

fn token_response(access: String, refresh: String, lifetime: Duration, scopes: &str) -> Response {
    let body = json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": lifetime.as_secs().max(1),
        "hub_id": PORTAL_ID,
        "scopes": scopes.split_whitespace().collect::<Vec<_>>(),
    });
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_pkce_is_base64url_sha256_of_the_verifier() {
        let ch = (
            "qWeQquSpbb6a9v7muO4y4nnCascPeCQa9NVEADQLTcQ".to_string(),
            "S256".to_string(),
        );
        assert!(pkce_ok(
            &ch,
            Some("dBjftJeZ4CVP-mJ0kzQjGGUMKDgNqGY8rW1HqbSeg3I")
        ));
        assert!(!pkce_ok(&ch, Some("wrong")));
        assert!(!pkce_ok(&ch, None));
    }

    #[test]
    fn rotated_refresh_token_retires_once_its_successor_is_used() {
        let mut st = OAuthState::default();
        let (_, r1) = st.issue("c", "s", Duration::from_secs(60));
        let (a2, r2) = st.issue("c", "s", Duration::from_secs(60));
        st.refresh.get_mut(&r1).unwrap().successor = Some(r2.clone());
        st.issued_by.insert(a2.clone(), r2);
        assert!(st.refresh.contains_key(&r1));
        assert!(matches!(st.check(&a2), TokenCheck::OAuth));
        assert!(!st.refresh.contains_key(&r1));
        st.expire_all();
        assert!(matches!(st.check(&a2), TokenCheck::Expired(_)));
    }
}
