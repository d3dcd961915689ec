//! Loading: file (TOML) + environment overrides, via the `config` crate.
//!
//! Precedence: environment `LEDGERBRIDGE__SECTION__KEY` over the file over built-in
//! defaults. When the default file `./ledgerbridge.toml` is missing, defaults plus
//! environment apply (so `LEDGERBRIDGE__DATABASE__URL=… ledgerbridge worker` works with
//! no file at all); a file named with `--config` must exist.

use super::Config;
use std::path::{Path, PathBuf};

/// The file used when `--config` is not given.
pub fn default_path() -> PathBuf {
    PathBuf::from("ledgerbridge.toml")
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: config file not found")]
    NotFound(PathBuf),
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Syntax, unknown key, wrong type… `ledgerbridge check` locates it to a line.
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Load the config from `path` (or the default file) plus the environment.
pub fn load(path: Option<&Path>) -> Result<Config, LoadError> {
    let (file, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (default_path(), false),
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if explicit {
                return Err(LoadError::NotFound(file));
            }
            None
        }
        Err(e) => {
            return Err(LoadError::Read {
                path: file,
                source: e,
            });
        }
    };
    let file = text.as_ref().map(|_| file);
    load_from_str(text.as_deref(), file.as_deref())
}

/// Load from TOML text (`None` = no file) plus the environment. `check` uses this on text
/// in which it has blanked out keys already reported, to find the remaining problems.
pub fn load_from_str(text: Option<&str>, file: Option<&Path>) -> Result<Config, LoadError> {
    let origin = file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "(defaults and environment)".into());
    let mut builder = ::config::Config::builder();
    if let Some(text) = text {
        builder = builder.add_source(::config::File::from_str(text, ::config::FileFormat::Toml));
    }
    // No `try_parsing`: it would turn `090` into 90 and numeric tokens into integers; the
    // config crate parses numbers out of strings where a number is expected anyway.
    builder = builder.add_source(
        ::config::Environment::with_prefix("LEDGERBRIDGE")
            .prefix_separator("__")
            .separator("__"),
    );
    let built = builder.build().map_err(|e| LoadError::Invalid {
        path: origin.clone(),
        message: e.to_string(),
    })?;
    let mut config: Config = built.try_deserialize().map_err(|e| LoadError::Invalid {
        path: origin.clone(),
        message: e.to_string(),
    })?;
    config.file = file.map(Path::to_path_buf);
    config.base_dir = file
        .and_then(|f| f.parent())
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or_else(|| PathBuf::from("."));
    expand_env(&mut config);
    config.apply_connector_defaults();
    Ok(config)
}

/// Replace `env:NAME` in plain (non-secret) string values by the variable's value. An
/// unset variable leaves the text in place; validation reports it at that key.
fn expand_env(c: &mut Config) {
    fn one(s: &mut String) {
        if let Some(name) = s.strip_prefix("env:")
            && let Ok(v) = std::env::var(name.trim())
            && !v.is_empty()
        {
            *s = v;
        }
    }
    fn opt(s: &mut Option<String>) {
        if let Some(s) = s {
            one(s)
        }
    }
    one(&mut c.database.url);
    one(&mut c.server.listen);
    opt(&mut c.server.public_url);
    opt(&mut c.vault.key_file);
    opt(&mut c.alerts.email_from);
    c.alerts.email_to.iter_mut().for_each(one);
    for conn in c.connections.values_mut() {
        opt(&mut conn.base_url);
        opt(&mut conn.client_id);
        // vendor keys: plain strings expand here, secrets when their connector reads them
        let secrets: Vec<&str> = conn
            .connector()
            .vendor_keys()
            .iter()
            .filter(|k| k.secret)
            .map(|k| k.name)
            .collect();
        for (key, v) in conn.vendor.iter_mut() {
            if let serde_json::Value::String(s) = v
                && !secrets.contains(&key.as_str())
            {
                one(s)
            }
        }
    }
    for p in &mut c.pairs {
        opt(&mut p.fallback_customer);
    }
}
