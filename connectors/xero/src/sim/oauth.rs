//! Xero's identity endpoints, on the simulator's own port:
//! - `GET /identity/connect/authorize` (login.xero.com): redirects at once to
//!   `redirect_uri?code=…&state=…` — headless tests need no browser;
//! - `POST /connect/token` (identity.xero.com): `authorization_code` and
//!   `refresh_token` grants; access tokens live 30 minutes (scaled), each
//!   refresh rotates the refresh token (the old one is spent: `invalid_grant`).
//!
//! The static `--token` is always valid and never expires; OAuth-issued
//! tokens expire with their lifetime or, with `--faults expire=N`, every N calls.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ledgerbridge_sdk::sim::SimOptions;
use rand::Rng;
use serde_json::json;

use super::state::SimState;

pub struct AuthState {
    static_token: Option<String>,
    lifetime: Duration,
    inner: Mutex<Tokens>,
}

#[derive(Default)]
struct Tokens {
    codes: HashMap<String, String>,
    access: HashMap<String, Instant>,
    refresh: HashMap<String, String>,
}

fn random_token() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl AuthState {
    pub fn new(opts: &SimOptions) -> Self {
        AuthState {
            static_token: opts.token.clone(),
            lifetime: opts.scaled(Duration::from_secs(1800)),
            inner: Mutex::new(Tokens::default()),
        }
    }

    /// Is `Authorization: Bearer <token>` acceptable?
    pub fn valid(&self, token: &str) -> bool {
        if self.static_token.as_deref() == Some(token) {
            return true;
        }
        let t = self.inner.lock().unwrap();
        t.access.get(token).is_some_and(|exp| Instant::now() < *exp)
    }

    /// `expire=N`: every OAuth-issued access token stops working now.
    pub fn expire_all(&self) {
        self.inner.lock().unwrap().access.clear();
    }

    fn issue(&self, t: &mut Tokens, scope: &str) -> serde_json::Value {
        let access = random_token();
        let refresh = random_token();
        t.access
            .insert(access.clone(), Instant::now() + self.lifetime);
        t.refresh.insert(refresh.clone(), scope.to_string());
        json!({
            "id_token": random_token(),
            "access_token": access,
            "expires_in": self.lifetime.as_secs().max(1),
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": scope,
        })
    }
}

#[derive(serde::Deserialize)]
pub struct AuthorizeQuery {
    redirect_uri: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    response_type: Option<String>,
}

pub async fn authorize(
    State(st): State<Arc<SimState>>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    if q.response_type.as_deref().unwrap_or("code") != "code" {
        return (StatusCode::BAD_REQUEST, "unsupported_response_type").into_response();
    }
    let Ok(mut url) = url::Url::parse(&q.redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    let code = random_token();
    st.auth.inner.lock().unwrap().codes.insert(
        code.clone(),
        q.scope
            .unwrap_or_else(|| "offline_access accounting.transactions".into()),
    );
    {
        let mut qp = url.query_pairs_mut();
        qp.append_pair("code", &code);
        if let Some(s) = &q.state {
            qp.append_pair("state", s);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn token_error(error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": error })),
    )
        .into_response()
}

pub async fn token(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    // Xero takes the client credentials as HTTP Basic (or, for PKCE apps, client_id in the form)
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    if !basic && !form.contains_key("client_id") {
        return token_error("invalid_client");
    }
    let mut t = st.auth.inner.lock().unwrap();
    let body = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some(scope) = form.get("code").and_then(|c| t.codes.remove(c)) else {
                return token_error("invalid_grant");
            };
            st.auth.issue(&mut t, &scope)
        }
        Some("refresh_token") => {
            let Some(scope) = form.get("refresh_token").and_then(|r| t.refresh.remove(r)) else {
                return token_error("invalid_grant");
            };
            st.auth.issue(&mut t, &scope)
        }
        _ => return token_error("unsupported_grant_type"),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}
