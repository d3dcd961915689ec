//! HubSpot's side of the OAuth server: 30-minute access tokens (scaled by
//! `rate_scale`); refresh tokens that rotate, the old one usable until its
//! successor is used; client credentials in the form body only; 303 redirects
//! from the authorize page; HubSpot's token and error bodies.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{
    ClientRules, Issued, OAuthError, OAuthWire, Rotation, TokenRules, TokenStore,
};
use serde_json::{Value, json};

use super::errors::correlation_id;
use super::{PORTAL_ID, Sim};

/// Access token lifetime before scaling.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

pub fn token_rules() -> TokenRules {
    TokenRules {
        access_lifetime: ACCESS_TOKEN_LIFETIME,
        refresh_lifetime: None,
        rotation: Rotation::UntilSuccessorUsed,
        access_prefix: "CJSim",
        refresh_prefix: "na1-",
    }
}

/// HubSpot's `status` word for a refused token request.
fn status_word(e: OAuthError) -> &'static str {
    match e {
        OAuthError::InvalidClient => "BAD_CLIENT_ID",
        OAuthError::RedirectMismatch => "BAD_REDIRECT_URI",
        OAuthError::UnknownRefreshToken => "BAD_REFRESH_TOKEN",
        OAuthError::UnsupportedGrantType => "BAD_GRANT_TYPE",
        OAuthError::UnknownCode | OAuthError::PkceMismatch => "BAD_AUTH_CODE",
        OAuthError::InvalidRequest(_) | OAuthError::UnsupportedResponseType => "BAD_REQUEST",
    }
}

impl OAuthWire for Sim {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    fn client_rules(&self) -> ClientRules {
        ClientRules {
            basic: false,
            body: true,
            secret_for_code: true,
            client_must_match: true,
            redirect_uri_required: true,
            default_scope: "",
        }
    }

    fn authorize_status(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn token_body(&self, issued: &Issued) -> Value {
        json!({
            "token_type": "bearer",
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
            "expires_in": issued.expires_in.as_secs().max(1),
            "hub_id": PORTAL_ID,
            "scopes": issued.scope.split_whitespace().collect::<Vec<_>>(),
        })
    }

    fn token_error(&self, e: OAuthError) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "status": status_word(e),
                "message": e.description(),
                "correlationId": correlation_id(),
            })),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_use_hubspot_status_words() {
        assert_eq!(status_word(OAuthError::PkceMismatch), "BAD_AUTH_CODE");
        assert_eq!(status_word(OAuthError::InvalidClient), "BAD_CLIENT_ID");
        assert_eq!(
            status_word(OAuthError::UnknownRefreshToken),
            "BAD_REFRESH_TOKEN"
        );
    }
}
