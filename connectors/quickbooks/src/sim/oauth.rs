//! Intuit's OAuth 2.0 server on the kit's: the OpenID discovery document
//! Intuit's clients fetch first, authorize (redirects at once with `code`,
//! `state` and `realmId`), token (authorization code with optional PKCE,
//! refresh) and revoke, which Intuit takes as JSON `{"token": ...}`. Access
//! tokens live 3,600 s, scaled by `--rate-scale`; every refresh returns a new
//! refresh token and the replaced one keeps working for a grace period (a
//! client that crashed before storing the new one can retry), then is refused
//! with `invalid_grant`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{
    ClientCredentials, Code, Issued, OAuthWire, Rotation, TokenRules, TokenStore, bearer,
    standard_token_body,
};
use serde_json::{Value, json};

use super::respond;
use super::state::SimState;

pub const ACCESS_TOKEN_SECS: u64 = 3600;
/// Intuit's refresh tokens last 100 days from their last use.
pub const REFRESH_TOKEN_SECS: u64 = 8_726_400;
/// How long a replaced refresh token still works.
pub const ROTATION_GRACE_SECS: u64 = 120;
pub const SCOPE: &str = "com.intuit.quickbooks.accounting";

pub fn token_rules() -> TokenRules {
    TokenRules {
        access_lifetime: Duration::from_secs(ACCESS_TOKEN_SECS),
        refresh_lifetime: Some(Duration::from_secs(REFRESH_TOKEN_SECS)),
        rotation: Rotation::WithGrace(Duration::from_secs(ROTATION_GRACE_SECS)),
        access_prefix: "eyJsim.",
        refresh_prefix: "RT1-",
    }
}

impl OAuthWire for SimState {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    fn redirect_extras(&self, _code: &Code) -> Vec<(String, String)> {
        vec![("realmId".into(), self.realm.clone())]
    }

    /// Intuit's token body: lower-case `bearer` and the refresh token's lifetime.
    fn token_body(&self, issued: &Issued) -> Value {
        let mut body = standard_token_body(issued);
        body["token_type"] = json!("bearer");
        body["x_refresh_token_expires_in"] = json!(REFRESH_TOKEN_SECS);
        if let Some(o) = body.as_object_mut() {
            o.remove("scope");
        }
        body
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

/// The revoke endpoint: Intuit's clients send `{"token": ...}` as JSON (a form works too).
pub async fn revoke(State(st): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_json::from_slice(&body)
        .unwrap_or_else(|_| url::form_urlencoded::parse(&body).into_owned().collect());
    let client = ClientCredentials::from_request(&st.client_rules(), &headers, &form);
    if client.client_id.is_none() || client.client_secret.as_deref().is_none_or(str::is_empty) {
        return respond::json_value(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client"}),
        );
    }
    let Some(token) = form.get("token") else {
        return respond::json_value(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_request"}),
        );
    };
    st.gate.tokens.revoke(token);
    StatusCode::OK.into_response()
}

/// OpenID user info for a valid access token.
pub async fn userinfo(State(st): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    if st.gate.authenticate(bearer(&headers).as_deref()).is_err() {
        return respond::json_value(StatusCode::UNAUTHORIZED, &json!({"error": "invalid_token"}));
    }
    respond::json_value(
        StatusCode::OK,
        &json!({"sub": "ledgerbridge-sim-user", "email": "noreply@example.com", "emailVerified": true,
            "givenName": "Sim", "familyName": "User"}),
    )
}
