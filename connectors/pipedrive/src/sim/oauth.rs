//! Pipedrive's OAuth server (oauth.pipedrive.com), on the simulator's own port:
//! - `GET /oauth/authorize?client_id&redirect_uri&state`: redirects at once to
//!   `redirect_uri?code=…&state=…` (headless tests need no browser);
//! - `POST /oauth/token`: the client's credentials in `Authorization: Basic
//!   base64(client_id:client_secret)`, form `grant_type=authorization_code`
//!   (`code`, `redirect_uri`) or `grant_type=refresh_token`
//!   (`refresh_token`); answers `access_token`, `token_type`, `refresh_token`,
//!   `scope`, `expires_in` (3599 s, scaled) and `api_domain` — the company's
//!   API host, here the simulator's own base URL.
//!
//! The static `--token` is always valid and never expires; OAuth-issued
//! tokens expire with their lifetime or, with `--faults expire=N`, every N calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ledgerbridge_sdk::sim::SimOptions;
use rand::Rng;
use serde_json::json;

use super::respond;
use super::state::SimState;

/// Access tokens live an hour less a second, as Pipedrive's `expires_in` says.
const ACCESS_LIFETIME: Duration = Duration::from_secs(3599);
const SCOPE: &str = "base deals:full contacts:full activities:full products:full admin";

#[derive(Default)]
struct Tokens {
    /// code → (client_id, redirect_uri)
    codes: HashMap<String, (String, String)>,
    access: HashMap<String, Instant>,
    /// refresh token → client_id
    refresh: HashMap<String, String>,
}

pub struct OAuth {
    lifetime: Duration,
    tokens: Mutex<Tokens>,
}

fn random_token() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

impl OAuth {
    pub fn new(opts: &SimOptions) -> OAuth {
        OAuth {
            lifetime: opts.scaled(ACCESS_LIFETIME),
            tokens: Mutex::default(),
        }
    }

    /// Is this an OAuth-issued access token that has not expired?
    pub fn valid(&self, token: &str) -> bool {
        let t = self.tokens.lock().unwrap();
        t.access.get(token).is_some_and(|exp| Instant::now() < *exp)
    }

    /// Expires every issued access token (`--faults expire=N`).
    pub fn expire_all(&self) {
        self.tokens.lock().unwrap().access.clear();
    }

    fn issue(&self, client_id: &str, refresh: Option<String>) -> (String, String) {
        let access = random_token();
        let refresh = refresh.unwrap_or_else(random_token);
        let mut t = self.tokens.lock().unwrap();
        t.access
            .insert(access.clone(), Instant::now() + self.lifetime);
        t.refresh.insert(refresh.clone(), client_id.to_string());
        (access, refresh)
    }
}

pub async fn authorize(
    State(st): State<Arc<SimState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (Some(client_id), Some(redirect)) = (q.get("client_id"), q.get("redirect_uri")) else {
        return (
            StatusCode::BAD_REQUEST,
            "client_id and redirect_uri are required",
        )
            .into_response();
    };
    let Ok(mut url) = url::Url::parse(redirect) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response();
    };
    let code = random_token();
    st.oauth
        .tokens
        .lock()
        .unwrap()
        .codes
        .insert(code.clone(), (client_id.clone(), redirect.clone()));
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn client_of(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    (!id.is_empty() && !secret.is_empty()).then(|| id.to_string())
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    respond::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub async fn token(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(client_id) = client_of(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client credentials go in Authorization: Basic base64(client_id:client_secret)",
        );
    };
    let refresh_in = match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = f.get("code").cloned().unwrap_or_default();
            let issued = st.oauth.tokens.lock().unwrap().codes.remove(&code);
            match issued {
                Some((cid, redirect))
                    if cid == client_id && f.get("redirect_uri") == Some(&redirect) =>
                {
                    None
                }
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "the authorization code is invalid",
                    );
                }
            }
        }
        Some("refresh_token") => {
            let rt = f.get("refresh_token").cloned().unwrap_or_default();
            let owner = st.oauth.tokens.lock().unwrap().refresh.get(&rt).cloned();
            if owner.as_deref() != Some(client_id.as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token is invalid",
                );
            }
            Some(rt)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            );
        }
    };
    let (access, refresh) = st.oauth.issue(&client_id, refresh_in);
    respond::json(
        StatusCode::OK,
        &json!({
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": SCOPE,
            "expires_in": st.oauth.lifetime.as_secs().max(1),
            "api_domain": st.base_url.read().unwrap().clone(),
        }),
    )
}
