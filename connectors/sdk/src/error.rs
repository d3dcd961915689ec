//! Typed connector errors. The engine decides retry, dead letter or re-auth
//! from the kind alone, so every vendor's failure must land in one of these.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What went wrong, as far as the engine needs to know to react.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorKind {
    /// Transient: 5xx, timeouts, resets. Retry with backoff.
    Retryable,
    /// Over the vendor's limit. Retry after the given wait (from `Retry-After`).
    RateLimited {
        #[serde(with = "duration_ms")]
        retry_after: Option<Duration>,
    },
    /// Credentials refused or expired beyond refresh. Needs an admin.
    Auth,
    /// The vendor refused the content. Retrying the same payload cannot help:
    /// dead-letter it with the vendor's message.
    Validation,
    /// The record does not exist (any more).
    NotFound,
    /// A conflicting change (stale version, duplicate name).
    Conflict,
    /// The response could not be understood (truncated JSON, an HTML error
    /// page, a 200 carrying an error body). Usually transient.
    Malformed,
    /// Our own mistake (bad configuration, a request we cannot build).
    Config,
    /// The target does not have this optional ability: retrying cannot help, and the
    /// record that needs it is a dead letter saying so.
    NotSupported { ability: crate::ability::Ability },
}

impl ErrorKind {
    /// Whether trying again later (same payload) can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ErrorKind::Retryable | ErrorKind::RateLimited { .. } | ErrorKind::Malformed
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            ErrorKind::Retryable => "retryable",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::Auth => "auth",
            ErrorKind::Validation => "validation",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Config => "config",
            ErrorKind::NotSupported { .. } => "not_supported",
        }
    }
}

/// A failure talking to a vendor, keeping the vendor's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorError {
    pub kind: ErrorKind,
    /// Our summary (`POST /Invoices: 400 Bad Request`).
    pub message: String,
    /// The vendor's message, verbatim (never contains our secrets).
    pub vendor_message: Option<String>,
    /// The vendor's correlation / request id, for support tickets.
    pub correlation_id: Option<String>,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            message: message.into(),
            vendor_message: None,
            correlation_id: None,
            status: None,
        }
    }

    pub fn retryable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retryable, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed, message)
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// `target` (a connection or kind, for people) has no `ability`.
    pub fn not_supported(ability: crate::ability::Ability, target: &str) -> Self {
        Self::new(
            ErrorKind::NotSupported { ability },
            format!(
                "{target} does not support {} (ability `{ability}`)",
                ability.describe()
            ),
        )
    }

    pub fn with_vendor_message(mut self, m: impl Into<String>) -> Self {
        self.vendor_message = Some(m.into());
        self
    }

    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(v) = &self.vendor_message {
            write!(f, ": {v}")?;
        }
        if let Some(c) = &self.correlation_id {
            write!(f, " (correlation id {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConnectorError {}

/// Result alias used across connectors.
pub type ConnectorResult<T> = Result<T, ConnectorError>;

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_keeps_vendor_words_and_correlation_id() {
        let e = ConnectorError::validation("PUT /Invoices: 400")
            .with_vendor_message("Account code '999' is not a valid code")
            .with_correlation_id("abc-123");
        assert_eq!(
            e.to_string(),
            "PUT /Invoices: 400: Account code '999' is not a valid code (correlation id abc-123)"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn kinds_round_trip_through_json() {
        let k = ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        };
        let j = serde_json::to_string(&k).unwrap();
        assert_eq!(j, r#"{"kind":"rate_limited","retry_after":3000}"#);
        assert_eq!(serde_json::from_str::<ErrorKind>(&j).unwrap(), k);
    }
}
