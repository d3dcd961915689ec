//! Where the vault's master key comes from.
//!
//! Order: `LEDGERBRIDGE_MASTER_KEY`, else `[vault] key_file`, else a key file next to the
//! SQLite database (PostgreSQL: in the config folder). Only `connect` may *create* a key
//! file: a worker that found none would otherwise mint a fresh key, fail to open the
//! stored tokens with it, and leave a stray file that hides the real problem (a lost or
//! unmounted key file).

use std::fmt;
use std::path::PathBuf;

use ledgerbridge_sdk::vault::{MASTER_KEY_ENV, Sealer};

use crate::config::Config;
use crate::store::DbTarget;

/// The key in use, for messages (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `LEDGERBRIDGE_MASTER_KEY`.
    Env,
    /// A key file (configured or default).
    File(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env => write!(f, "the {MASTER_KEY_ENV} environment variable"),
            KeySource::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

/// Whether a missing key file may be created (with a new random key, mode 0600).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// `connect`: creating the first key is part of storing the first tokens.
    CreateIfMissing,
    /// Everything else: a missing key is an error.
    MustExist,
}

/// The key file used when the environment variable is unset.
pub fn key_file_path(config: &Config) -> PathBuf {
    if let Some(p) = config.vault.key_file.as_deref().filter(|p| !p.is_empty()) {
        return config.resolve_path(p);
    }
    match DbTarget::parse(&config.database.url, &config.base_dir) {
        Ok(DbTarget::Sqlite(db)) => {
            let stem = db
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "ledgerbridge".into());
            db.with_file_name(format!("{stem}.vault.key"))
        }
        // PostgreSQL (or a URL `check` rejects anyway): the config folder
        _ => config.base_dir.join("ledgerbridge.vault.key"),
    }
}

/// The sealer for `config`, reading `LEDGERBRIDGE_MASTER_KEY` from the process environment.
pub fn sealer(config: &Config, mode: KeyMode) -> Result<(Sealer, KeySource), crate::Error> {
    let env = std::env::var(MASTER_KEY_ENV).ok();
    sealer_with_env(config, env.as_deref(), mode)
}

/// [`sealer`] with the variable's value passed in (tests need not touch the environment).
pub fn sealer_with_env(
    config: &Config,
    env_value: Option<&str>,
    mode: KeyMode,
) -> Result<(Sealer, KeySource), crate::Error> {
    if let Some(v) = env_value.filter(|v| !v.trim().is_empty()) {
        return Ok((Sealer::resolve(Some(v), None)?, KeySource::Env));
    }
    let path = key_file_path(config);
    if mode == KeyMode::MustExist && !path.exists() {
        return Err(format!(
            "no vault master key: {MASTER_KEY_ENV} is not set and the key file {} does not \
             exist. Restore the key file the tokens were sealed with (or set {MASTER_KEY_ENV}, \
             or `[vault] key_file`), or run `ledgerbridge connect <connection>` to create a new \
             key and authorize again",
            path.display()
        )
        .into());
    }
    let sealer = Sealer::from_key_file(&path)?;
    Ok((sealer, KeySource::File(path)))
}
