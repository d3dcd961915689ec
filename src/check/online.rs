//! `check --online`: each connection's credentials tried with its connector's probe,
//! one cheap authenticated read that never writes to the vendor.

use crate::config::{AuthMode, Config};

/// What trying one connection found.
#[derive(Debug, Clone)]
pub struct Probed {
    pub connection: String,
    pub kind: &'static str,
    /// What the probe saw, or the vendor's (or our) reason it failed.
    pub outcome: Result<String, String>,
}

/// Tries every connection of `config`, in name order. The database is opened only when
/// an OAuth connection needs its tokens from the vault.
pub async fn probe_all(config: &Config) -> Vec<Probed> {
    let needs_vault = config
        .connections
        .values()
        .any(|c| c.auth == AuthMode::Oauth);
    let db = if needs_vault {
        match crate::store::open(config).await {
            Ok(db) => Some(db),
            Err(e) => {
                let why = format!("cannot open the database for the token vault: {e}");
                return config
                    .connections
                    .iter()
                    .map(|(name, c)| Probed {
                        connection: name.clone(),
                        kind: c.kind.as_str(),
                        outcome: Err(why.clone()),
                    })
                    .collect();
            }
        }
    } else {
        None
    };
    let mut out = Vec::new();
    for (name, conn) in &config.connections {
        let outcome = probe_one(config, db.as_ref(), name).await;
        out.push(Probed {
            connection: name.clone(),
            kind: conn.kind.as_str(),
            outcome,
        });
    }
    if let Some(db) = db {
        db.close().await;
    }
    out
}

async fn probe_one(
    config: &Config,
    db: Option<&crate::store::Db>,
    name: &str,
) -> Result<String, String> {
    let conn = crate::vault::connection(config, name).map_err(|e| e.to_string())?;
    let (tokens, granted) = match (conn.auth, db) {
        (AuthMode::Oauth, Some(db)) => {
            let tokens = crate::vault::token_source(config, name, db)
                .await
                .map_err(|e| e.to_string())?;
            let granted = crate::vault::stored_extra(config, name, db)
                .await
                .map_err(|e| e.to_string())?;
            (tokens, granted)
        }
        _ => {
            let secret = conn
                .access_token
                .as_ref()
                .ok_or("auth = \"static\" needs `access_token`")?
                .get()
                .map_err(|m| format!("`access_token`: {m}"))?;
            let token: std::sync::Arc<dyn ledgerbridge_sdk::auth::TokenSource> =
                std::sync::Arc::new(ledgerbridge_sdk::auth::StaticToken::from(secret.clone()));
            (token, Default::default())
        }
    };
    conn.connector()
        .probe(&conn.spec(name, &granted), tokens)
        .await
        .map_err(|e| e.to_string())
}
