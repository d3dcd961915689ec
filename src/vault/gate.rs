//! One refresh at a time per connection across the whole process.
//!
//! `OAuthTokenSource` is single-flight within itself, but the pipeline may build several
//! sources for one connection (a client per job). Two of them refreshing at once would
//! both spend the same refresh token; with vendors that retire it on use the
//! second refresh fails and the connection looks revoked. Funnelling every source of a
//! connection through one async lock makes the second caller find the first one's new
//! tokens in the vault (the source re-reads the vault before it refreshes) instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use async_trait::async_trait;
use ledgerbridge_sdk::ConnectorResult;
use ledgerbridge_sdk::auth::{OAuthTokenSource, TokenSource};
use secrecy::SecretString;

type Gate = tokio::sync::Mutex<()>;

/// Gates by `(database, connection)`; weak, so gates of dropped sources go away.
fn gate_for(key: String) -> Arc<Gate> {
    static GATES: OnceLock<Mutex<HashMap<String, Weak<Gate>>>> = OnceLock::new();
    let mut gates = GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(g) = gates.get(&key).and_then(Weak::upgrade) {
        return g;
    }
    gates.retain(|_, g| g.strong_count() > 0);
    let g = Arc::new(Gate::new(()));
    gates.insert(key, Arc::downgrade(&g));
    g
}

/// An `OAuthTokenSource` that shares its connection's process-wide gate.
pub struct GatedSource {
    inner: OAuthTokenSource,
    gate: Arc<Gate>,
}

impl GatedSource {
    /// `database` identifies the vault's database (two test databases may both have a
    /// connection called `crm`).
    pub fn new(inner: OAuthTokenSource, database: &str) -> Self {
        let gate = gate_for(format!("{database}\u{0}{}", inner.connection()));
        GatedSource { inner, gate }
    }
}

#[async_trait]
impl TokenSource for GatedSource {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        let _turn = self.gate.lock().await;
        self.inner.access_token().await
    }

    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool> {
        let _turn = self.gate.lock().await;
        self.inner.refresh_after_unauthorized(stale).await
    }
}
