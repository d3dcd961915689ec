//! Xero's side of the OAuth server, on the simulator's own port:
//! - `GET /identity/connect/authorize` (login.xero.com): redirects at once to
//!   `redirect_uri?code=…&state=…` — headless tests need no browser;
//! - `POST /connect/token` (identity.xero.com): `authorization_code` and
//!   `refresh_token` grants, client credentials as HTTP Basic (or, for PKCE
//!   apps, `client_id` in the form); access tokens live 30 minutes (scaled),
//!   each refresh rotates the refresh token (the old one is spent:
//!   `invalid_grant`), a refresh token unused for 60 days (scaled) expires;
//! - `POST /connect/revocation`: revokes a refresh token and its access tokens.
//!
//! The static `--token` is always valid and never expires; OAuth-issued
//! tokens expire with their lifetime or, with `--faults expire=N`, every N calls.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{
    ClientRules, Issued, OAuthError, OAuthWire, Rotation, TokenRules, TokenStore,
    standard_token_body,
};
use serde_json::{Value, json};

use super::state::SimState;

pub fn token_rules() -> TokenRules {
    TokenRules {
        access_lifetime: Duration::from_secs(1800),
        refresh_lifetime: Some(Duration::from_secs(60 * 86_400)),
        rotation: Rotation::EveryRefresh,
        access_prefix: "",
        refresh_prefix: "",
    }
}

impl OAuthWire for SimState {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    /// The simulator knows no app registrations: any client id passes, and
    /// the code exchange need not repeat `redirect_uri`.
    fn client_rules(&self) -> ClientRules {
        ClientRules {
            basic: true,
            body: true,
            secret_for_code: false,
            client_must_match: false,
            redirect_uri_required: false,
            default_scope: "offline_access accounting.transactions",
        }
    }

    fn token_body(&self, issued: &Issued) -> Value {
        let mut body = standard_token_body(issued);
        body["id_token"] = json!(uuid::Uuid::new_v4().simple().to_string());
        body
    }

    fn token_error(&self, e: OAuthError) -> Response {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": e.code() })),
        )
            .into_response()
    }
}
