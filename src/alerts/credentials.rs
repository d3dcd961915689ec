//! "Connection needs reconnecting": a [`TokenSource`] around the connection's own
//! that raises the alert when its credentials are refused — the token endpoint
//! refused the refresh (consent revoked, refresh token expired) or the vendor refused
//! a token that cannot be refreshed (a static token revoked). Calls pass through
//! unchanged. The alert is raised (one small transaction, no delivery) before the
//! refused call returns, so the command that made it delivers it before it exits.

use super::{Alert, AlertKind, Alerter, Page};
use async_trait::async_trait;
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ErrorKind};
use secrecy::SecretString;
use std::sync::Arc;

pub struct Watched {
    inner: Arc<dyn TokenSource>,
    connection: String,
    alerter: Alerter,
}

/// `inner`, raising [`AlertKind::NeedsReconnect`] for `connection` when refused.
/// Without a configured channel it returns `inner` itself.
pub fn watch(
    inner: Arc<dyn TokenSource>,
    connection: &str,
    alerter: Alerter,
) -> Arc<dyn TokenSource> {
    if alerter.settings().channels().is_empty() {
        return inner;
    }
    Arc::new(Watched {
        inner,
        connection: connection.to_string(),
        alerter,
    })
}

impl Watched {
    async fn refused(&self, why: &str) {
        let alert = Alert::new(
            AlertKind::NeedsReconnect,
            format!("connection {} needs reconnecting", self.connection),
        )
        .connection(&self.connection)
        .detail(why)
        .detail(format!(
            "run `ledgerbridge connect {}` (or replace its access_token); syncs through it \
             fail until then",
            self.connection
        ));
        self.alerter.raise_quietly(alert, Page::Connections).await;
    }

    async fn check(&self, e: &ConnectorError) {
        if e.kind == ErrorKind::Auth {
            self.refused(&e.message).await;
        }
    }
}

#[async_trait]
impl TokenSource for Watched {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        let r = self.inner.access_token().await;
        if let Err(e) = &r {
            self.check(e).await;
        }
        r
    }

    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool> {
        let r = self.inner.refresh_after_unauthorized(stale).await;
        match &r {
            Ok(false) => {
                self.refused("the vendor refused the connection's token (401)")
                    .await
            }
            Ok(true) => {}
            Err(e) => self.check(e).await,
        }
        r
    }
}
