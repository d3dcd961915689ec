//! A Tryton connection's settings (`[connections.<name>]` with `kind = "tryton"`).

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// The company the connection books into: Tryton databases can hold several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum CompanyRef {
    /// `company = 1`: the `company.company` id.
    Id(u64),
    /// `company = "Ledgerbridge Demo Ltd"`: the company party's exact name.
    Name(String),
}

impl fmt::Display for CompanyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompanyRef::Id(id) => write!(f, "company id {id}"),
            CompanyRef::Name(n) => write!(f, "company {n:?}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrytonConfig {
    /// Where trytond listens, without the database (`http://127.0.0.1:8000`).
    pub base_url: String,
    /// The database name: calls go to `POST <base_url>/<database>/rpc/`.
    pub database: String,
    /// The Tryton user the connector logs in as (a dedicated integration user).
    pub login: String,
    /// That user's password (the engine resolves `env:NAME` before this point).
    pub password: SecretString,
    pub company: CompanyRef,
    /// Seconds one call may take. Posting is slow (a fraction of a second per
    /// invoice, all in one transaction), so the default is generous.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Invoices per `create` and per `post` call.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Records per `search_read` page.
    #[serde(default = "default_page_size")]
    pub page_size: usize,
}

fn default_timeout_secs() -> u64 {
    300
}

fn default_batch_size() -> usize {
    50
}

fn default_page_size() -> usize {
    200
}

impl TrytonConfig {
    pub fn new(
        base_url: impl Into<String>,
        database: impl Into<String>,
        login: impl Into<String>,
        password: impl Into<String>,
        company: CompanyRef,
    ) -> Self {
        TrytonConfig {
            base_url: base_url.into(),
            database: database.into(),
            login: login.into(),
            password: SecretString::from(password.into()),
            company,
            timeout_secs: default_timeout_secs(),
            batch_size: default_batch_size(),
            page_size: default_page_size(),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }

    /// Every problem, one per line, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            problems.push(format!(
                "base_url {:?} must start with http:// or https://",
                self.base_url
            ));
        }
        if self.database.is_empty() || self.database.contains('/') {
            problems.push(format!(
                "database {:?} must be a database name (no '/')",
                self.database
            ));
        }
        if self.login.is_empty() {
            problems.push("login must not be empty".to_string());
        }
        if let CompanyRef::Name(n) = &self.company
            && n.trim().is_empty()
        {
            problems.push("company must be an id or a non-empty name".to_string());
        }
        if self.batch_size == 0 || self.page_size == 0 {
            problems.push("batch_size and page_size must be at least 1".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_is_an_id_or_a_name() {
        let toml = |c: &str| {
            format!(
                "{{\"base_url\":\"http://127.0.0.1:8000\",\"database\":\"ledger\",\"login\":\"lb\",\"password\":\"pw\",\"company\":{c}}}"
            )
        };
        let by_id: TrytonConfig = serde_json::from_str(&toml("1")).unwrap();
        assert_eq!(by_id.company, CompanyRef::Id(1));
        assert_eq!(by_id.batch_size, 50);
        let by_name: TrytonConfig = serde_json::from_str(&toml("\"Acme Ltd\"")).unwrap();
        assert_eq!(by_name.company, CompanyRef::Name("Acme Ltd".into()));
        assert!(by_name.validate().is_ok());
    }

    #[test]
    fn validation_names_every_bad_key() {
        let mut c = TrytonConfig::new(
            "127.0.0.1:8000",
            "a/b",
            "",
            "pw",
            CompanyRef::Name(" ".into()),
        );
        c.page_size = 0;
        let e = c.validate().unwrap_err();
        for key in ["base_url", "database", "login", "company", "page_size"] {
            assert!(e.contains(key), "{key} missing in {e}");
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let c = TrytonConfig::new("http://x", "db", "lb", "hunter2", CompanyRef::Id(1));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
