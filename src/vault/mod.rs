//! Credentials of connections: the engine side of the SDK's OAuth and token vault.
//!
//! - [`DbVault`]: the SDK `TokenVault` on the `token_vault` table (sealed bytes only).
//! - [`key`]: where the master key comes from (`LEDGERBRIDGE_MASTER_KEY`, `[vault] key_file`,
//!   or a 0600 key file next to the SQLite database).
//! - [`token_source`]: what the pipeline hands a connector client — a static token or a
//!   single-flight refreshing OAuth source over the vault.
//! - [`oauth_flow`] / [`post_connect_hook`]: the pieces `ledgerbridge connect` assembles.
//! - [`vendor_oauth`]: the connector's endpoints and scopes, with the connection's `scopes`.

mod db;
mod gate;
pub mod key;
mod vendor;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use ledgerbridge_sdk::auth::prompt;
use ledgerbridge_sdk::auth::{
    OAuthConfig, OAuthFlow, OAuthTokenSource, PostConnect, StaticToken, TokenSource,
};
use ledgerbridge_sdk::vault::{TokenSet, TokenVault};

use crate::config::{AuthMode, Config, ConnectionConfig};
use crate::store::Db;

pub use db::{DbVault, VaultEntry, entry};
pub use key::{KeyMode, KeySource};
pub use vendor::{DEFAULT_REDIRECT_PORT, VendorOAuth, vendor_oauth};

/// The `[connections.<name>]` table, or an error listing the known names.
pub fn connection<'a>(
    config: &'a Config,
    name: &str,
) -> Result<&'a ConnectionConfig, crate::Error> {
    config.connections.get(name).ok_or_else(|| {
        let known: Vec<&str> = config.connections.keys().map(String::as_str).collect();
        format!(
            "no connection named `{name}` in the config (known: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
        .into()
    })
}

/// The OAuth client of an `auth = "oauth"` connection: vendor endpoints (overridable),
/// scopes (`scopes`, else the vendor's), client credentials, loopback redirect on
/// `redirect_port` (default [`DEFAULT_REDIRECT_PORT`]), token lifetimes scaled by
/// `rate_scale`. Every error is a configuration problem naming the key to fix.
pub fn oauth_flow(config: &Config, name: &str) -> Result<OAuthFlow, crate::Error> {
    let conn = connection(config, name)?;
    if conn.auth != AuthMode::Oauth {
        return Err(format!(
            "connection `{name}` uses auth = \"static\" (a fixed access_token); set \
             auth = \"oauth\" with client_id and client_secret to use OAuth"
        )
        .into());
    }
    let client_id = conn
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("connection `{name}` (auth = \"oauth\") needs `client_id`"))?;
    let client_secret = match &conn.client_secret {
        Some(s) => Some(
            s.get()
                .map_err(|m| format!("connection `{name}`: `client_secret`: {m}"))?
                .clone(),
        ),
        None => None,
    };
    let vendor = vendor_oauth(name, conn)?;
    let mut oc = OAuthConfig::new(
        client_id,
        client_secret,
        &vendor.auth_url,
        &vendor.token_url,
        conn.redirect_port.unwrap_or(DEFAULT_REDIRECT_PORT),
    )
    .map_err(|e| format!("connection `{name}`: {e}"))?;
    oc.scopes = vendor.scopes;
    oc.client_auth = vendor.client_auth;
    oc.rate_scale = conn.rate_scale;
    Ok(OAuthFlow::new(oc).map_err(|e| format!("connection `{name}`: {e}"))?)
}

/// The credential of a connection's API calls, for the connector clients.
///
/// `auth = "static"`: its `access_token`. `auth = "oauth"`: an `OAuthTokenSource` over
/// the vault (single-flight refresh, rotated tokens stored before use), sharing one
/// refresh gate with every other source of the connection in this process. The vault is
/// opened here, not at the first call, so "never connected", a missing key and a wrong
/// key are reported when the pipeline starts, each with its fix.
pub async fn token_source(
    config: &Config,
    connection: &str,
    db: &Db,
) -> Result<Arc<dyn TokenSource>, crate::Error> {
    let conn = self::connection(config, connection)?;
    match conn.auth {
        AuthMode::Static => {
            let secret = conn.access_token.as_ref().ok_or_else(|| {
                format!("connection `{connection}` (auth = \"static\") needs `access_token`")
            })?;
            let token = secret
                .get()
                .map_err(|m| format!("connection `{connection}`: `access_token`: {m}"))?;
            Ok(Arc::new(StaticToken::from(token.clone())))
        }
        AuthMode::Oauth => {
            let flow = Arc::new(oauth_flow(config, connection)?);
            // the row first: "never connected" is the likelier problem than the key
            if entry(db, connection).await?.is_none() {
                return Err(no_tokens(connection));
            }
            let vault = open_vault(config, connection, conn, db, KeyMode::MustExist)?;
            if vault.load(connection).await?.is_none() {
                return Err(no_tokens(connection));
            }
            let source = OAuthTokenSource::new(flow, connection, Arc::new(vault));
            let database = crate::store::DbTarget::parse(&config.database.url, &config.base_dir)
                .map(|t| format!("{t:?}"))
                .unwrap_or_else(|_| config.database.url.clone());
            Ok(Arc::new(gate::GatedSource::new(source, &database)))
        }
    }
}

fn no_tokens(connection: &str) -> crate::Error {
    format!("connection {connection} has no tokens yet: run `ledgerbridge connect {connection}`")
        .into()
}

/// The vault for `conn`'s tokens with the configured key.
pub fn open_vault(
    config: &Config,
    name: &str,
    conn: &ConnectionConfig,
    db: &Db,
    mode: KeyMode,
) -> Result<DbVault, crate::Error> {
    let (sealer, _) = key::sealer(config, mode)?;
    let lifetime = vendor_oauth(name, conn)?.refresh_lifetime;
    Ok(DbVault::new(db.clone(), sealer).with_refresh_lifetime(lifetime))
}

/// Puts `tokens` in the vault as `connect` would (tests, the demo): "tokens seeded in
/// the vault". Creates the key file when none exists.
pub async fn seed_tokens(
    db: &Db,
    config: &Config,
    connection: &str,
    tokens: TokenSet,
) -> Result<(), crate::Error> {
    let conn = self::connection(config, connection)?;
    let vault = open_vault(config, connection, conn, db, KeyMode::CreateIfMissing)?;
    vault.store(connection, &tokens).await?;
    Ok(())
}

/// The non-secret values the connector's post-connect step kept with a connection's
/// grant (an organisation id and name, say); empty for static connections.
pub async fn stored_extra(
    config: &Config,
    connection: &str,
    db: &Db,
) -> Result<BTreeMap<String, String>, crate::Error> {
    let conn = self::connection(config, connection)?;
    if conn.auth != AuthMode::Oauth || entry(db, connection).await?.is_none() {
        return Ok(BTreeMap::new());
    }
    let vault = open_vault(config, connection, conn, db, KeyMode::MustExist)?;
    Ok(vault
        .load(connection)
        .await?
        .map(|t| t.extra)
        .unwrap_or_default())
}

/// The connector's step after the code exchange (choosing an organisation, reading a
/// realm or instance URL); its values are kept with the tokens and handed back to the
/// connector by every sync. `interactive`: a person can answer questions on this terminal.
pub fn post_connect_hook(
    config: &Config,
    connection: &str,
    interactive: bool,
) -> Result<Box<dyn PostConnect>, crate::Error> {
    let conn = self::connection(config, connection)?;
    let granted = BTreeMap::new();
    Ok(conn
        .connector()
        .post_connect(&conn.spec(connection, &granted), interactive)
        .map_err(|e| format!("connection `{connection}`: {e}"))?)
}
