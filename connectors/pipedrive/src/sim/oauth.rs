//! Pipedrive's OAuth server (oauth.pipedrive.com) on the SDK's OAuth kit, on
//! the simulator's own port: `GET /oauth/authorize` redirects at once with
//! `code` and `state`; `POST /oauth/token` takes the client's credentials in
//! `Authorization: Basic base64(client_id:client_secret)` (Pipedrive takes
//! them nowhere else), grants `authorization_code` and `refresh_token`, and
//! answers with `api_domain` — the company's API host, here the simulator's
//! own base URL — besides RFC 6749's fields. Access tokens live 3599 s
//! (scaled); the refresh token stays the same across refreshes.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{
    ClientRules, Issued, OAuthError, OAuthWire, Rotation, TokenRules, TokenStore,
    standard_token_body,
};
use serde_json::{Value, json};

use super::respond;
use super::state::SimState;

/// Access tokens live an hour less a second, as Pipedrive's `expires_in` says.
pub const ACCESS_LIFETIME: Duration = Duration::from_secs(3599);
const SCOPE: &str = "base deals:full contacts:full activities:full products:full admin";

pub fn token_rules() -> TokenRules {
    TokenRules {
        access_lifetime: ACCESS_LIFETIME,
        refresh_lifetime: None,
        rotation: Rotation::Never,
        ..TokenRules::default()
    }
}

impl OAuthWire for SimState {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    fn client_rules(&self) -> ClientRules {
        ClientRules {
            basic: true,
            body: false,
            default_scope: SCOPE,
            ..ClientRules::default()
        }
    }

    fn token_body(&self, issued: &Issued) -> Value {
        let mut body = standard_token_body(issued);
        body["api_domain"] = Value::String(self.base_url.read().unwrap().clone());
        body
    }

    fn token_error(&self, e: OAuthError) -> Response {
        let status = if e == OAuthError::InvalidClient {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        respond::json(
            status,
            &json!({"error": e.code(), "error_description": e.description()}),
        )
        .into_response()
    }
}
