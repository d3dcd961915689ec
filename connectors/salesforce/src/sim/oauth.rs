//! Salesforce's OAuth endpoints on the SDK's authorization server:
//! `/services/oauth2/authorize` (web-server flow, with PKCE), `/token`
//! (`authorization_code`, `refresh_token`, and the JWT bearer flow checked
//! here against the org's test certificate), `/revoke`, and the identity URL
//! the token response points at.
//!
//! Salesforce's token response has `instance_url`, `id`, `issued_at` (ms),
//! `signature` and no `expires_in`: a session lasts the org's session
//! timeout (two hours, scaled) and a client learns it ended from a 401.
//! Refresh tokens do not rotate and a refresh answers without one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ledgerbridge_sdk::sim::{
    ClientCredentials, ClientRules, Grant, Issued, OAuthError, OAuthWire, Rotation, TokenRules,
    TokenStore, exchange, hmac_sha256,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ORG_ID, Sim};

/// The org's session timeout before scaling.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// The connected app's consumer secret the simulator signs token responses
/// with (`signature` = base64 HMAC-SHA256 of `id` + `issued_at`).
pub const CONSUMER_SECRET: &str = "ledgerbridge-sim-consumer-secret";
/// The JWT bearer grant.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The certificate uploaded to the simulated connected app: assertions of
/// the JWT bearer flow must be signed (RS256) by its private half, which is
/// published for tests as [`JWT_TEST_PRIVATE_KEY`]. A test key, not a secret.
pub const JWT_TEST_PUBLIC_KEY: &str = include_str!("testkey/jwt_test_public.pem");
pub const JWT_TEST_PRIVATE_KEY: &str = include_str!("testkey/jwt_test_private.pem");

pub fn token_rules() -> TokenRules {
    TokenRules {
        access_lifetime: SESSION_TIMEOUT,
        refresh_lifetime: None,
        rotation: Rotation::Never,
        access_prefix: "00DDn0000000001!",
        refresh_prefix: "5Aep861",
    }
}

fn ms_now() -> String {
    chrono::Utc::now().timestamp_millis().to_string()
}

impl Sim {
    /// The identity URL of the integration user.
    pub fn identity_url(&self) -> String {
        format!(
            "{}/id/{ORG_ID}/{}",
            self.base_url(),
            super::store::api_user_id()
        )
    }

    /// The token response for an issued session; `with_refresh` is false for
    /// refreshes and the JWT bearer flow, which answer without one.
    fn salesforce_token_body(&self, issued: &Issued, with_refresh: bool) -> Value {
        let id = self.identity_url();
        let issued_at = ms_now();
        let mac = hmac_sha256(
            CONSUMER_SECRET.as_bytes(),
            &[id.as_bytes(), issued_at.as_bytes()],
        );
        let signature = base64::engine::general_purpose::STANDARD.encode(mac);
        let mut body = json!({
            "access_token": issued.access_token,
            "signature": signature,
            "scope": if issued.scope.is_empty() { "api refresh_token" } else { issued.scope.as_str() },
            "instance_url": self.base_url(),
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
        });
        if with_refresh {
            body["refresh_token"] = json!(issued.refresh_token);
        }
        body
    }
}

impl OAuthWire for Sim {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    fn client_rules(&self) -> ClientRules {
        ClientRules {
            basic: true,
            body: true,
            // the simulated connected app leaves "Require Secret for Web
            // Server Flow" off, so a PKCE public client exchanges its code
            // with its client id and verifier alone
            secret_for_code: false,
            client_must_match: true,
            redirect_uri_required: true,
            default_scope: "api refresh_token",
        }
    }

    fn token_body(&self, issued: &Issued) -> Value {
        self.salesforce_token_body(issued, issued.refresh_rotated)
    }

    fn token_error(&self, e: OAuthError) -> Response {
        let (error, description) = match e {
            OAuthError::InvalidClient => {
                ("invalid_client", "invalid client credentials".to_string())
            }
            OAuthError::UnknownCode => ("invalid_grant", "invalid authorization code".to_string()),
            OAuthError::PkceMismatch => ("invalid_grant", "invalid code verifier".to_string()),
            OAuthError::RedirectMismatch => (
                "redirect_uri_mismatch",
                "redirect_uri must match configuration".to_string(),
            ),
            OAuthError::UnknownRefreshToken => {
                ("invalid_grant", "expired access/refresh token".to_string())
            }
            OAuthError::UnsupportedGrantType => (
                "unsupported_grant_type",
                "grant type not supported".to_string(),
            ),
            other => (other.code(), other.description()),
        };
        oauth_error(StatusCode::BAD_REQUEST, error, &description)
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn form_of(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

#[derive(Debug, Deserialize)]
struct Assertion {
    iss: String,
    sub: String,
    #[allow(dead_code)]
    aud: String,
    exp: i64,
}

/// The audiences Salesforce accepts: production, sandbox, or the org's own
/// My Domain (here: the simulator's base URL).
fn audiences(sim: &Sim) -> Vec<String> {
    vec![
        "https://login.salesforce.com".into(),
        "https://test.salesforce.com".into(),
        sim.base_url(),
    ]
}

/// The JWT bearer flow: an RS256 assertion naming the connected app (`iss`),
/// a user of the org (`sub`), an audience and an expiry at most three
/// minutes ahead.
fn jwt_bearer(sim: &Sim, form: &HashMap<String, String>) -> Response {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
    let invalid = |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", d);
    let Some(assertion) = form.get("assertion") else {
        return invalid("invalid assertion");
    };
    let Ok(key) = DecodingKey::from_rsa_pem(JWT_TEST_PUBLIC_KEY.as_bytes()) else {
        return invalid("invalid assertion");
    };
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&audiences(sim));
    v.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
    let claims = match decode::<Assertion>(assertion, &key, &v) {
        Ok(t) => t.claims,
        Err(e) => {
            return match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    invalid("expired authorization code")
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => invalid("audience is invalid"),
                _ => invalid("invalid assertion"),
            };
        }
    };
    if claims.exp > chrono::Utc::now().timestamp() + 3 * 60 + 30 {
        return invalid("expiration time is too far in the future");
    }
    let user_known = {
        let db = sim.db.read().unwrap();
        db.table("User")
            .live()
            .any(|u| u.text("Username") == Some(claims.sub.as_str()))
    };
    if !user_known {
        return invalid("user hasn't approved this consumer");
    }
    let issued = sim.gate.tokens.issue(Grant {
        client_id: claims.iss,
        scope: "api".into(),
    });
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(sim.salesforce_token_body(&issued, false)),
    )
        .into_response()
}

/// `POST /services/oauth2/token`
pub async fn token(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let form = form_of(&body);
    if form.get("grant_type").map(String::as_str) == Some(JWT_BEARER) {
        return jwt_bearer(&sim, &form);
    }
    let rules = sim.client_rules();
    let client = ClientCredentials::from_request(&rules, &headers, &form);
    match exchange(&sim.gate.tokens, &rules, &client, &form) {
        Ok(issued) => {
            // the code exchange brings a refresh token; a refresh does not
            let with_refresh =
                form.get("grant_type").map(String::as_str) == Some("authorization_code");
            (
                [(header::CACHE_CONTROL, "no-store")],
                Json(sim.salesforce_token_body(&issued, with_refresh)),
            )
                .into_response()
        }
        Err(e) => sim.token_error(e),
    }
}

/// `POST /services/oauth2/revoke` (form `token=`): an access or refresh
/// token, no client credentials needed; an unknown one is a 400.
pub async fn revoke(State(sim): State<Arc<Sim>>, RawForm(body): RawForm) -> Response {
    let form = form_of(&body);
    match form.get("token") {
        Some(t) if sim.gate.tokens.revoke(t) => StatusCode::OK.into_response(),
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
            "this token type is not supported",
        ),
    }
}

/// `GET /id/{org}/{user}`: who the session belongs to.
pub async fn identity(
    State(sim): State<Arc<Sim>>,
    axum::extract::Path((org, user)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = super::guard::session(&headers);
    if sim.gate.authenticate(token.as_deref()).is_err() {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    }
    let db = sim.db.read().unwrap();
    let Some(u) = db.table("User").get(&user).filter(|_| org == ORG_ID) else {
        return (StatusCode::NOT_FOUND, "Bad_Id").into_response();
    };
    let base = sim.base_url();
    Json(json!({
        "id": sim.identity_url(),
        "asserted_user": true,
        "user_id": u.id,
        "organization_id": ORG_ID,
        "username": u.text("Username"),
        "display_name": u.text("Name"),
        "email": u.text("Email"),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": {
            "rest": format!("{base}/services/data/v{{version}}/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
            "query": format!("{base}/services/data/v{{version}}/query/"),
        },
    }))
    .into_response()
}
