//! Credentials for vendor calls: where the bearer token comes from.
//!
//! The HTTP client asks a [`TokenSource`] for a token on every request and,
//! when the vendor answers 401, asks it once to refresh. Two sources:
//!
//! - [`StaticToken`]: a private-app token, an API key, a simulator's `--token`.
//! - [`OAuthTokenSource`]: an OAuth2 grant kept in the [`TokenVault`](crate::vault::TokenVault),
//!   refreshed single-flight ahead of expiry, rotated refresh tokens stored
//!   before use.
//!
//! [`OAuthFlow`] and the `connect` building blocks ([`PendingAuthorization`],
//! [`RedirectListener`], [`PostConnect`], [`finish_connect`]) are what
//! `ledgerbridge connect <connection>` is made of.

mod connect;
mod oauth;
pub mod prompt;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::ConnectorResult;

pub use connect::{
    Callback, ConnectContext, NoPostConnect, PendingAuthorization, PostConnect, RedirectListener,
    finish_connect,
};
pub use oauth::{ClientAuth, IssuedTokens, OAuthConfig, OAuthFlow, OAuthTokenSource};

/// Supplies the credential for vendor calls.
///
/// Why a trait: connectors must not care whether a connection uses a static
/// token or OAuth, and the engine must be able to wrap sources (e.g. a
/// fleet-wide refresh lease) without touching connectors.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// The token to send now. Cheap when the cached token is still good;
    /// may refresh (once, for all concurrent callers) when it is about to
    /// expire. Errors: `Auth` when the connection must be re-connected,
    /// `Retryable` when the token server is unreachable.
    async fn access_token(&self) -> ConnectorResult<SecretString>;

    /// The vendor refused `stale` with a 401. Returns `Ok(true)` when a
    /// different token is now available (refreshed here, or already by a
    /// concurrent caller), `Ok(false)` when nothing can be done (a static
    /// token): the caller then reports `Auth`. Called at most once per
    /// request, so a vendor that refuses every token cannot cause a loop.
    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool>;
}

/// A token that never changes (private apps, API keys, simulators' `--token`).
#[derive(Debug, Clone)]
pub struct StaticToken(SecretString);

impl StaticToken {
    /// Wraps the token.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(SecretString::from(token.into()))
    }
}

impl From<SecretString> for StaticToken {
    fn from(s: SecretString) -> Self {
        StaticToken(s)
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        Ok(self.0.clone())
    }

    /// A static token cannot be refreshed: a 401 means it was revoked.
    async fn refresh_after_unauthorized(&self, _stale: &SecretString) -> ConnectorResult<bool> {
        Ok(false)
    }
}

/// Constant-time equality for secrets we compare (OAuth `state`, tokens).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
