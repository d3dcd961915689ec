//! The admin token (`[server] admin_token`) in front of /metrics and admin routes.
//!
//! `Authorization: Bearer <token>`. The comparison is over sha256 digests, in constant
//! time, so neither the token's bytes nor its length leak through timing.

use super::AppState;
use crate::config::Config;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub(crate) enum AdminGate {
    /// No token configured: admin routes are open (bind to loopback, or set one).
    Open,
    Token(SecretString),
    /// A token is configured as `env:NAME` but NAME is unset: refuse everything rather
    /// than silently serve metrics to anyone.
    Locked,
}

impl AdminGate {
    pub fn from_config(c: &Config) -> AdminGate {
        match &c.server.admin_token {
            None => AdminGate::Open,
            Some(t) => match t.get() {
                Ok(s) if !s.expose_secret().is_empty() => AdminGate::Token(s.clone()),
                _ => {
                    tracing::warn!(
                        variable = t.env_name().unwrap_or(""),
                        "[server] admin_token has no value: admin routes refuse every request"
                    );
                    AdminGate::Locked
                }
            },
        }
    }

    fn allows(&self, presented: Option<&str>) -> bool {
        match self {
            AdminGate::Open => true,
            AdminGate::Locked => false,
            AdminGate::Token(t) => {
                presented.is_some_and(|p| constant_time_eq(&digest(p), &digest(t.expose_secret())))
            }
        }
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub(crate) async fn require_admin(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    if state.admin.allows(bearer(&req)) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "admin token required\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_passes() {
        let gate = AdminGate::Token(SecretString::from("t0ken".to_string()));
        assert!(gate.allows(Some("t0ken")));
        assert!(!gate.allows(Some("t0ke")));
        assert!(!gate.allows(Some("")));
        assert!(!gate.allows(None));
        assert!(AdminGate::Open.allows(None));
        assert!(!AdminGate::Locked.allows(Some("")));
    }
}
