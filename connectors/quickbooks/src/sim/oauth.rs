//! Intuit's OAuth 2.0 authorization server, as its clients use it: the OpenID
//! discovery document they fetch first, authorize (redirects at once with
//! `code`, `state` and `realmId`), token (authorization code with optional
//! PKCE, refresh), revoke. Access tokens live 3,600 s, scaled by
//! `--rate-scale`. Every refresh returns a new refresh token; the one it
//! replaced keeps working for a grace period (a client that crashed before
//! storing the new one can retry), then is refused with `invalid_grant`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use ledgerbridge_sdk::sim::SimOptions;
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::respond;
use super::state::SimState;

pub const ACCESS_TOKEN_SECS: u64 = 3600;
/// Intuit's refresh tokens last 100 days from their last use.
pub const REFRESH_TOKEN_SECS: u64 = 8_726_400;
/// How long a replaced refresh token still works.
pub const ROTATION_GRACE_SECS: u64 = 120;
pub const SCOPE: &str = "com.intuit.quickbooks.accounting";

struct Access {
    app: String,
    expires: Instant,
}

struct Refresh {
    app: String,
    /// When a refresh replaced this token; it works until then + grace.
    replaced: Option<Instant>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: Option<(String, String)>,
}

pub struct AuthState {
    static_token: Option<String>,
    lifetime: Duration,
    grace: Duration,
    access: Mutex<HashMap<String, Access>>,
    refresh: Mutex<HashMap<String, Refresh>>,
    codes: Mutex<HashMap<String, Code>>,
    realm: String,
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl AuthState {
    pub fn new(opts: &SimOptions, realm: &str) -> AuthState {
        AuthState {
            static_token: opts.token.clone(),
            lifetime: opts.scaled(Duration::from_secs(ACCESS_TOKEN_SECS)),
            grace: opts.scaled(Duration::from_secs(ROTATION_GRACE_SECS)),
            access: Mutex::new(HashMap::new()),
            refresh: Mutex::new(HashMap::new()),
            codes: Mutex::new(HashMap::new()),
            realm: realm.to_string(),
        }
    }

    /// The app a bearer token belongs to, if it is valid now.
    pub fn app_of(&self, token: &str) -> Option<String> {
        if self.static_token.as_deref() == Some(token) {
            return Some("static-token".into());
        }
        let access = self.access.lock().unwrap();
        access
            .get(token)
            .filter(|a| a.expires > Instant::now())
            .map(|a| a.app.clone())
    }

    /// Expires every OAuth-issued access token (`--faults expire=N`).
    pub fn expire_all(&self) {
        let now = Instant::now();
        for a in self.access.lock().unwrap().values_mut() {
            a.expires = now;
        }
    }

    fn issue(&self, app: &str) -> Value {
        let access = random_token("eyJsim.");
        let refresh = random_token("RT1-");
        self.access.lock().unwrap().insert(
            access.clone(),
            Access {
                app: app.to_string(),
                expires: Instant::now() + self.lifetime,
            },
        );
        self.refresh.lock().unwrap().insert(
            refresh.clone(),
            Refresh {
                app: app.to_string(),
                replaced: None,
            },
        );
        json!({
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.lifetime.as_secs().max(1),
            "x_refresh_token_expires_in": REFRESH_TOKEN_SECS,
        })
    }
}

/// The discovery document, with every endpoint on this simulator.
pub async fn discovery(State(st): State<Arc<SimState>>) -> Response {
    let base = st.base_url();
    respond::json_value(
        StatusCode::OK,
        &json!({
            "issuer": "https://oauth.platform.intuit.com/op/v1",
            "authorization_endpoint": format!("{base}/connect/oauth2"),
            "token_endpoint": format!("{base}/oauth2/v1/tokens/bearer"),
            "userinfo_endpoint": format!("{base}/v1/openid_connect/userinfo"),
            "revocation_endpoint": format!("{base}/oauth2/v1/tokens/revoke"),
            "jwks_uri": format!("{base}/oauth2/v1/keys"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone", SCOPE],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }),
    )
}

/// The authorize endpoint: consent is implied; redirects with `code`, `state`, `realmId`.
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
    if q.get("response_type").map(String::as_str) != Some("code") {
        return (StatusCode::BAD_REQUEST, "response_type must be code").into_response();
    }
    let code = random_token("AB1-");
    let challenge = q.get("code_challenge").map(|c| {
        (
            c.clone(),
            q.get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".into()),
        )
    });
    st.auth.codes.lock().unwrap().insert(
        code.clone(),
        Code {
            client_id: client_id.clone(),
            redirect_uri: redirect.clone(),
            challenge,
        },
    );
    let mut url = match url::Url::parse(redirect) {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response(),
    };
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
        pairs.append_pair("realmId", &st.auth.realm);
    }
    Redirect::to(url.as_str()).into_response()
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    respond::json_value(status, &json!({"error": error}))
}

/// The client's id, from HTTP Basic or the form (`client_secret_post`).
fn client_id(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<String> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            (!id.is_empty() && !secret.is_empty()).then(|| id.to_string())
        });
    basic.or_else(|| {
        let id = form.get("client_id")?;
        form.get("client_secret").filter(|s| !s.is_empty())?;
        Some(id.clone())
    })
}

/// The token endpoint: `authorization_code` and `refresh_token` grants.
pub async fn token(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(app) = client_id(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let auth = &st.auth;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some(code) = form
                .get("code")
                .and_then(|c| auth.codes.lock().unwrap().remove(c))
            else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            if code.client_id != app || form.get("redirect_uri") != Some(&code.redirect_uri) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            if let Some((challenge, method)) = &code.challenge {
                let verifier = form.get("code_verifier").cloned().unwrap_or_default();
                let derived = if method == "S256" {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier
                };
                if &derived != challenge {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
                }
            }
            respond::json_value(StatusCode::OK, &auth.issue(&app))
        }
        Some("refresh_token") => {
            let Some(presented) = form.get("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
            };
            {
                let mut refresh = auth.refresh.lock().unwrap();
                let Some(r) = refresh.get_mut(presented) else {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
                };
                if r.app != app {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
                }
                match r.replaced {
                    Some(at) if at.elapsed() > auth.grace => {
                        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
                    }
                    Some(_) => {}
                    None => r.replaced = Some(Instant::now()),
                }
            }
            respond::json_value(StatusCode::OK, &auth.issue(&app))
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
}

/// The revoke endpoint: `{"token": "<refresh or access token>"}` as JSON (or a form).
pub async fn revoke(
    State(st): State<Arc<SimState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = serde_json::from_slice::<HashMap<String, String>>(&body)
        .or_else(|_| serde_urlencoded_form(&body))
        .unwrap_or_default();
    if client_id(&headers, &form).is_none() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let Some(token) = form.get("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    st.auth.refresh.lock().unwrap().remove(token);
    st.auth.access.lock().unwrap().remove(token);
    StatusCode::OK.into_response()
}

fn serde_urlencoded_form(body: &[u8]) -> Result<HashMap<String, String>, ()> {
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// OpenID user info for a valid access token.
pub async fn userinfo(State(st): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if st.auth.app_of(token).is_none() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    }
    respond::json_value(
        StatusCode::OK,
        &json!({"sub": "ledgerbridge-sim-user", "email": "noreply@example.com", "emailVerified": true,
            "givenName": "Sim", "familyName": "User"}),
    )
}
