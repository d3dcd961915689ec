//! The Tryton session: `common.db.login` once, then
//! `Authorization: Session base64(login:user_id:key)` on every call.
//!
//! Tryton answers 401 when a session is unknown, logged out or expired, and
//! also when a call that needs a "fresh" session (posting an invoice, the pay
//! wizard) comes after more than `[session] timeout` seconds of idleness; in
//! that case it deletes the session as well. The 401 comes before the call
//! runs, so the HTTP client asks [`Session`] to log in again and sends the
//! same call once more (the SDK's token-source contract: at most one refresh
//! per call). Logins are single-flight: concurrent calls that hit the same
//! stale session share one new login.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::http::{Call, HttpClient};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::error::TrytonError;

pub struct Session {
    /// A client without credentials, for the login call itself.
    http: HttpClient,
    database: String,
    login: String,
    password: SecretString,
    current: Mutex<Option<SecretString>>,
    logins: AtomicU64,
}

impl Session {
    pub fn new(http: HttpClient, database: &str, login: &str, password: SecretString) -> Self {
        Session {
            http,
            database: database.to_string(),
            login: login.to_string(),
            password,
            current: Mutex::new(None),
            logins: AtomicU64::new(0),
        }
    }

    /// Logins so far (the first one included): a second one means a session
    /// was dropped and renewed.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// Forgets the session locally (after `common.db.logout`).
    pub async fn forget(&self) {
        *self.current.lock().await = None;
    }

    async fn log_in(&self) -> ConnectorResult<SecretString> {
        let body = json!({
            "id": 0,
            "method": "common.db.login",
            "params": [self.login, {"password": self.password.expose_secret()}, "en"],
        });
        let call = Call::post("/{db}/rpc/")
            .param("db", &self.database)
            .json(&body);
        let resp = self.http.send(call).await.map_err(|e| {
            if e.status == Some(401) {
                ConnectorError::new(
                    ErrorKind::Auth,
                    format!(
                        "Tryton refused the login of {:?} on database {:?} (wrong login or password)",
                        self.login, self.database
                    ),
                )
                .with_status(401)
            } else {
                e
            }
        })?;
        let answer: Value = resp.json()?;
        if let Some(err) = answer.get("error") {
            return Err(ConnectorError::from(TrytonError::from_rpc(err)));
        }
        let result = answer.get("result").and_then(Value::as_array);
        let (uid, key) = match result.map(|r| (r.first(), r.get(1))) {
            Some((Some(uid), Some(Value::String(key)))) if uid.is_u64() => (uid.clone(), key),
            _ => {
                return Err(ConnectorError::new(
                    ErrorKind::Auth,
                    format!(
                        "Tryton refused the login of {:?} on database {:?}",
                        self.login, self.database
                    ),
                ));
            }
        };
        self.logins.fetch_add(1, Ordering::Relaxed);
        let token = STANDARD.encode(format!("{}:{uid}:{key}", self.login));
        Ok(SecretString::from(format!("Session {token}")))
    }
}

#[async_trait]
impl TokenSource for Session {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        let mut current = self.current.lock().await;
        if let Some(t) = &*current {
            return Ok(t.clone());
        }
        let t = self.log_in().await?;
        *current = Some(t.clone());
        Ok(t)
    }

    async fn refresh_after_unauthorized(&self, stale: &SecretString) -> ConnectorResult<bool> {
        let mut current = self.current.lock().await;
        let renewed_meanwhile = current
            .as_ref()
            .is_some_and(|c| c.expose_secret() != stale.expose_secret());
        if renewed_meanwhile {
            return Ok(true);
        }
        tracing::info!(
            "Tryton session refused (expired, logged out or not fresh): logging in again"
        );
        let t = self.log_in().await?;
        *current = Some(t);
        Ok(true)
    }
}
