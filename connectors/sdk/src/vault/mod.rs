//! The token vault: OAuth tokens at rest, always sealed.
//!
//! Three pieces, split so that the engine's database never sees a token in
//! plain text:
//!
//! - [`TokenSet`]: what a connection's OAuth grant consists of. Its secrets
//!   are [`SecretString`]s and it has no `Serialize`: the only way to turn it
//!   into bytes is [`Sealer::seal`], so a token cannot end up in a JSON log
//!   line or an unencrypted column by accident.
//! - [`Sealer`]: AES-256-GCM with a fresh random nonce per seal, keyed by the
//!   master key (`LEDGERBRIDGE_MASTER_KEY` or a key file created with mode 0600).
//! - [`TokenVault`]: where sealed tokens live. The engine implements it on its
//!   database (a `BLOB` column of sealed bytes); [`MemoryVault`] is the
//!   in-process version for tests and it, too, holds only sealed bytes.

mod sealer;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::{ConnectorError, ErrorKind};

pub use sealer::{MASTER_KEY_ENV, Sealer};

/// One connection's OAuth grant.
///
/// Deliberately not `Serialize`/`Deserialize`: persist it only through
/// [`Sealer::seal`] / [`Sealer::open`]. `Debug` prints `[REDACTED]` for the
/// tokens (that is `secrecy`'s `Debug`).
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token sent with every API call.
    pub access_token: SecretString,
    /// The long-lived token used to get a new access token. Vendors that
    /// rotate it (Xero, QuickBooks, HubSpot) hand out a new one on every
    /// refresh and the old one stops working, which is why a refreshed set
    /// is stored before it is used.
    pub refresh_token: Option<SecretString>,
    /// When the access token stops working; `None` when the vendor does not
    /// say (Salesforce): the token is then used until a 401.
    pub expires_at: Option<DateTime<Utc>>,
    /// Scopes granted (may be fewer than asked for).
    pub scopes: Vec<String>,
    /// Values a connector keeps with the grant: the Xero `tenant_id` picked
    /// at connect time, the QuickBooks `realm_id`, the Salesforce
    /// `instance_url`. Not secret, but sealed along with the rest.
    pub extra: BTreeMap<String, String>,
}

impl TokenSet {
    /// A set holding only an access token (no refresh, no expiry).
    pub fn new(access_token: impl Into<String>) -> Self {
        TokenSet {
            access_token: SecretString::from(access_token.into()),
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Whether the access token is expired, or will be within `skew`.
    /// A token without a known expiry never counts as expired.
    pub fn expires_within(&self, now: DateTime<Utc>, skew: std::time::Duration) -> bool {
        match self.expires_at {
            Some(at) => {
                let skew = chrono::Duration::from_std(skew).unwrap_or(chrono::Duration::MAX);
                now.checked_add_signed(skew).is_none_or(|t| t >= at)
            }
            None => false,
        }
    }
}

/// Why the vault could not seal, open, load or store tokens.
///
/// Key problems are configuration errors an operator must fix; the messages
/// say which key source was used and what format was expected, because "bad
/// key" alone is unfixable at 3 a.m.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The master key could not be parsed.
    #[error(
        "master key from {origin}: {reason}; expected 32 bytes written as 64 hex characters \
         or as base64 (44 characters), e.g. the output of `openssl rand -hex 32`"
    )]
    BadKey {
        /// `LEDGERBRIDGE_MASTER_KEY` or the key file's path.
        origin: String,
        /// What was wrong (never the key itself).
        reason: String,
    },
    /// Neither the environment variable nor a key file path was given.
    #[error("no master key: set {MASTER_KEY_ENV} or configure a key file")]
    NoKey,
    /// The key file could not be created or read, or is readable by others.
    #[error("master key file {path}: {reason}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The tokens were sealed with another master key.
    #[error(
        "the tokens of connection {connection:?} were sealed with a different master key \
         (key id {sealed_with}, current key id {current}); use the key they were sealed with \
         or run `ledgerbridge connect {connection}` again"
    )]
    WrongKey {
        /// The connection whose tokens were opened.
        connection: String,
        /// Short fingerprint of the key the bytes were sealed with.
        sealed_with: String,
        /// Short fingerprint of the key in use now.
        current: String,
    },
    /// The sealed bytes are damaged, truncated, belong to another connection
    /// or were tampered with (AES-GCM authentication failed).
    #[error("sealed tokens of connection {connection:?} cannot be opened: {reason}")]
    Corrupt {
        /// The connection whose tokens were opened.
        connection: String,
        /// What failed.
        reason: String,
    },
    /// The storage behind a [`TokenVault`] failed (database down, disk full).
    #[error("token storage: {0}")]
    Storage(String),
}

impl From<VaultError> for ConnectorError {
    /// Storage failures are transient; everything else needs an operator.
    fn from(e: VaultError) -> Self {
        let kind = match e {
            VaultError::Storage(_) => ErrorKind::Retryable,
            _ => ErrorKind::Config,
        };
        ConnectorError::new(kind, e.to_string())
    }
}

/// Where a connection's sealed tokens are kept.
///
/// The engine implements this on its database, storing only the bytes of
/// [`Sealer::seal`] (so `grep` over the database file finds no token). The
/// OAuth token source calls `store` *before* it uses a refreshed token: a
/// rotated refresh token that was never stored would be lost with the
/// process, and with it the connection.
#[async_trait]
pub trait TokenVault: Send + Sync {
    /// The connection's tokens, `None` when it was never connected.
    async fn load(&self, connection: &str) -> Result<Option<TokenSet>, VaultError>;

    /// Replaces the connection's tokens. Must be durable when it returns
    /// (committed), since the caller relies on it surviving a crash.
    async fn store(&self, connection: &str, tokens: &TokenSet) -> Result<(), VaultError>;
}

/// An in-memory [`TokenVault`] for tests and the demo. Like a real one it
/// holds only sealed bytes, which [`MemoryVault::sealed_bytes`] exposes so a
/// test can check that no token appears in them.
#[derive(Debug)]
pub struct MemoryVault {
    sealer: Sealer,
    sealed: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryVault {
    /// An empty vault sealing with `sealer`.
    pub fn new(sealer: Sealer) -> Self {
        MemoryVault {
            sealer,
            sealed: Mutex::new(HashMap::new()),
        }
    }

    /// The stored bytes of a connection (what a database column would hold).
    pub fn sealed_bytes(&self, connection: &str) -> Option<Vec<u8>> {
        self.lock().get(connection).cloned()
    }

    /// Puts sealed bytes in directly (e.g. copied from another vault).
    pub fn insert_sealed(&self, connection: &str, bytes: Vec<u8>) {
        self.lock().insert(connection.to_string(), bytes);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // a panic while holding this lock cannot leave the map half-updated
        self.sealed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl TokenVault for MemoryVault {
    async fn load(&self, connection: &str) -> Result<Option<TokenSet>, VaultError> {
        let bytes = self.lock().get(connection).cloned();
        bytes.map(|b| self.sealer.open(connection, &b)).transpose()
    }

    async fn store(&self, connection: &str, tokens: &TokenSet) -> Result<(), VaultError> {
        let sealed = self.sealer.seal(connection, tokens)?;
        self.lock().insert(connection.to_string(), sealed);
        Ok(())
    }
}
