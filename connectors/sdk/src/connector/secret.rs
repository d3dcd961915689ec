//! Secret config values (tokens, client secrets, webhook keys).
//!
//! A value may be written literally or as `env:NAME`. The environment is read when the
//! config is loaded; a missing variable is *not* a load error, because only some commands
//! need a given secret (a missing secret is an error only where a connection needs it) — `check`
//! and the code that uses the secret report it. The value sits in `secrecy::SecretString`
//! so `Debug` and logs never show it.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

#[derive(Clone)]
pub struct Secret {
    value: Option<SecretString>,
    /// The variable named by `env:NAME`, kept for error messages.
    env: Option<String>,
}

impl Secret {
    /// A literal secret (tests, simulators).
    pub fn literal(s: impl Into<String>) -> Self {
        Self {
            value: Some(SecretString::from(s.into())),
            env: None,
        }
    }

    /// Parse `env:NAME` or a literal, reading the environment now.
    pub fn parse(raw: &str) -> Self {
        match raw.strip_prefix("env:") {
            Some(name) => {
                let name = name.trim().to_string();
                let value = std::env::var(&name)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(SecretString::from);
                Self {
                    value,
                    env: Some(name),
                }
            }
            None => Self::literal(raw),
        }
    }

    /// The secret, or why it is missing.
    pub fn get(&self) -> Result<&SecretString, String> {
        match (&self.value, &self.env) {
            (Some(v), _) => Ok(v),
            (None, Some(name)) => Err(format!("environment variable {name} is not set")),
            (None, None) => Err("empty secret".into()),
        }
    }

    pub fn expose(&self) -> Option<&str> {
        self.value.as_ref().map(|v| v.expose_secret())
    }

    pub fn is_available(&self) -> bool {
        self.value.is_some()
    }

    /// The environment variable this secret comes from, if written `env:NAME`.
    pub fn env_name(&self) -> Option<&str> {
        self.env.as_deref()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.env {
            Some(name) => write!(f, "Secret(env:{name}, [REDACTED])"),
            None => f.write_str("Secret([REDACTED])"),
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(Secret::parse(&raw))
    }
}
