//! [`DbVault`]: the SDK's `TokenVault` on the engine database's `token_vault` table.
//!
//! A row holds only the bytes of `Sealer::seal` (AES-256-GCM, connection name bound as
//! associated data), the key id they were sealed with and two expiry times kept in clear
//! so metrics and `jobs`-style listings can warn about grants that are about to lapse
//! without opening anything. A grep of the database file finds no token.

use std::time::Duration;

use async_trait::async_trait;
use ledgerbridge_sdk::vault::{Sealer, TokenSet, TokenVault, VaultError};

use crate::store::{Db, execute, fetch_optional};

#[derive(sqlx::FromRow)]
struct SealedRow {
    ciphertext: Vec<u8>,
}

/// Expiry facts of a stored grant (no secrets): what metrics look at.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VaultEntry {
    pub connection: String,
    pub key_id: String,
    /// Epoch ms; `None` when the vendor gave no lifetime.
    pub access_expires_at: Option<i64>,
    /// Epoch ms; `None` when refresh tokens do not expire or their lifetime is unknown.
    pub refresh_expires_at: Option<i64>,
    pub updated_at: i64,
}

/// The token vault on the engine database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DbVault {
    db: Db,
    sealer: Sealer,
    refresh_lifetime: Option<Duration>,
}

impl DbVault {
    pub fn new(db: Db, sealer: Sealer) -> Self {
        DbVault {
            db,
            sealer,
            refresh_lifetime: None,
        }
    }

    /// How long a freshly issued refresh token lives (e.g. 60 days), recorded as
    /// `refresh_expires_at` on every store. Every store follows a grant or a rotation, so
    /// "now + lifetime" is the refresh token's own expiry.
    pub fn with_refresh_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.refresh_lifetime = lifetime;
        self
    }

    /// Fingerprint of the master key in use (safe to print).
    pub fn key_id(&self) -> String {
        self.sealer.key_id()
    }

    /// The stored row's expiry facts, without opening it.
    pub async fn entry(&self, connection: &str) -> Result<Option<VaultEntry>, VaultError> {
        entry(&self.db, connection).await
    }

    /// The raw sealed bytes (tests check no token appears in them).
    pub async fn sealed_bytes(&self, connection: &str) -> Result<Option<Vec<u8>>, VaultError> {
        let mut conn = self.db.conn().await.map_err(storage)?;
        let row = fetch_optional!(
            conn.exec(),
            SealedRow,
            "SELECT ciphertext FROM token_vault WHERE connection = $1",
            connection
        )
        .map_err(storage)?;
        Ok(row.map(|r| r.ciphertext))
    }
}

/// A connection's row facts, for callers that hold no key (status, metrics).
pub async fn entry(db: &Db, connection: &str) -> Result<Option<VaultEntry>, VaultError> {
    let mut conn = db.conn().await.map_err(storage)?;
    fetch_optional!(
        conn.exec(),
        VaultEntry,
        "SELECT connection, key_id, access_expires_at, refresh_expires_at, updated_at \
         FROM token_vault WHERE connection = $1",
        connection
    )
    .map_err(storage)
}

fn storage(e: impl std::fmt::Display) -> VaultError {
    VaultError::Storage(e.to_string())
}

#[async_trait]
impl TokenVault for DbVault {
    async fn load(&self, connection: &str) -> Result<Option<TokenSet>, VaultError> {
        let mut conn = self.db.conn().await.map_err(storage)?;
        let row = fetch_optional!(
            conn.exec(),
            SealedRow,
            "SELECT ciphertext FROM token_vault WHERE connection = $1",
            connection
        )
        .map_err(storage)?;
        // The key id column is informational: the Sealer checks the one inside the sealed
        // header, which is authenticated.
        row.map(|r| self.sealer.open(connection, &r.ciphertext))
            .transpose()
    }

    /// One upsert statement: it is its own transaction, committed when it returns, which
    /// is the durability the token source relies on before using a rotated token.
    async fn store(&self, connection: &str, tokens: &TokenSet) -> Result<(), VaultError> {
        let sealed = self.sealer.seal(connection, tokens)?;
        let now = crate::time::now_ms();
        let access_expires_at = tokens.expires_at.map(|t| t.timestamp_millis());
        let refresh_expires_at = self
            .refresh_lifetime
            .filter(|_| tokens.refresh_token.is_some())
            .map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)));
        let mut conn = self.db.conn().await.map_err(storage)?;
        execute!(
            conn.exec(),
            "INSERT INTO token_vault \
               (connection, key_id, ciphertext, access_expires_at, refresh_expires_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (connection) DO UPDATE SET key_id = excluded.key_id, \
               ciphertext = excluded.ciphertext, access_expires_at = excluded.access_expires_at, \
               refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at",
            connection,
            self.sealer.key_id(),
            &sealed,
            access_expires_at,
            refresh_expires_at,
            now
        )
        .map_err(storage)?;
        Ok(())
    }
}
