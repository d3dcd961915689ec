//! Tryton's errors as types, with Tryton's own words.
//!
//! A JSON-RPC call answers HTTP 200 whether it worked or not; a failure is an
//! `"error"` array whose first item names the exception:
//! - `["UserError", [message, description, domain]]`: a business rule refused
//!   the call (a missing account, a date before the last posted invoice);
//! - `["UserWarning", [name, message, description]]`: the call needs a user to
//!   confirm something (an invoice dated in the future). The connector never
//!   confirms one itself: the warning comes back as [`TrytonError::Warning`]
//!   for an administrator to read;
//! - `["ConcurrencyException", message]`, `["LoginException", …]`;
//! - anything else is an unexpected Python exception, `[str(exc), ""]`.
//!
//! Whatever the error, Tryton rolled the call's transaction back: nothing of
//! a failed call was written.

use ledgerbridge_sdk::{ConnectorError, ErrorKind};
use serde_json::Value;

/// The English text Tryton uses when an invoice would be numbered before an
/// already posted one (calls carry `language: en`, so the text is stable).
const NUMBERING_CHRONOLOGY: &str = "you must set an invoice date after";

/// The text of the session-check race (see [`TrytonError::SessionCheckRace`]).
const SESSION_RACE: &str = "of \"Session\" that don't exist";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrytonError {
    /// A business rule refused the call.
    #[error("Tryton refused: {message}")]
    User {
        message: String,
        description: String,
    },
    /// Tryton numbers customer invoices in date order: an invoice dated before
    /// an already posted one cannot be posted.
    #[error("Tryton refused to post out of date order: {message}")]
    NumberingChronology { message: String },
    /// A warning that a user must confirm; never confirmed by the connector.
    #[error("Tryton asks a user to confirm a warning ({name}): {message}")]
    Warning {
        name: String,
        message: String,
        description: String,
    },
    /// Tryton's session check failed because another request of the same
    /// user deleted one of that user's sessions meanwhile (it reads them all).
    /// Raised before the call runs, so sending it again is safe.
    #[error("Tryton's session check raced with another session's removal: {0}")]
    SessionCheckRace(String),
    /// Someone changed the record since it was read.
    #[error("Tryton reports a concurrent change: {0}")]
    Concurrency(String),
    /// The login was refused.
    #[error("Tryton login failed: {0}")]
    Login(String),
    /// An unexpected server-side exception (an unknown field or model, a
    /// crash in a module): Tryton gives only its text.
    #[error("Tryton server error: {0}")]
    Server(String),
    /// The call did not get an answer (network, HTTP status, bad body).
    #[error(transparent)]
    Transport(ConnectorError),
}

pub type TrytonResult<T> = Result<T, TrytonError>;

impl From<ConnectorError> for TrytonError {
    fn from(e: ConnectorError) -> Self {
        TrytonError::Transport(e)
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl TrytonError {
    /// Reads the `error` item of a JSON-RPC answer.
    pub fn from_rpc(error: &Value) -> TrytonError {
        let (kind, args) = match error {
            Value::Array(items) => (items.first(), items.get(1)),
            other => (Some(other), None),
        };
        let kind = text(kind);
        let arg = |i: usize| match args {
            Some(Value::Array(a)) => text(a.get(i)),
            Some(v) if i == 0 => text(Some(v)),
            _ => String::new(),
        };
        match kind.as_str() {
            "UserError" => {
                let message = arg(0);
                if message.contains(SESSION_RACE) {
                    TrytonError::SessionCheckRace(message)
                } else if message.contains(NUMBERING_CHRONOLOGY) {
                    TrytonError::NumberingChronology { message }
                } else {
                    TrytonError::User {
                        message,
                        description: arg(1),
                    }
                }
            }
            "UserWarning" => TrytonError::Warning {
                name: arg(0),
                message: arg(1),
                description: arg(2),
            },
            "ConcurrencyException" => TrytonError::Concurrency(arg(0)),
            "LoginException" => TrytonError::Login(arg(0)),
            _ => TrytonError::Server(kind),
        }
    }

    /// Tryton's own message, when Tryton gave one.
    pub fn vendor_message(&self) -> Option<&str> {
        match self {
            TrytonError::User { message, .. }
            | TrytonError::NumberingChronology { message }
            | TrytonError::Warning { message, .. } => Some(message),
            TrytonError::Concurrency(m)
            | TrytonError::Login(m)
            | TrytonError::Server(m)
            | TrytonError::SessionCheckRace(m) => Some(m),
            TrytonError::Transport(e) => e.vendor_message.as_deref(),
        }
    }
}

impl From<TrytonError> for ConnectorError {
    /// Business refusals and warnings are dead letters with Tryton's message
    /// (the same payload cannot succeed until someone acts); a concurrent
    /// change is a conflict; SQLite's "database is locked" is worth a retry
    /// (the failed call wrote nothing).
    fn from(e: TrytonError) -> Self {
        let summary = e.to_string();
        let kind = match &e {
            TrytonError::User { .. }
            | TrytonError::NumberingChronology { .. }
            | TrytonError::Warning { .. } => ErrorKind::Validation,
            TrytonError::Concurrency(_) => ErrorKind::Conflict,
            TrytonError::Login(_) => ErrorKind::Auth,
            TrytonError::Server(m) if m.contains("database is locked") => ErrorKind::Retryable,
            TrytonError::SessionCheckRace(_) => ErrorKind::Retryable,
            TrytonError::Server(_) => ErrorKind::Validation,
            TrytonError::Transport(c) => return c.clone(),
        };
        let mut c = ConnectorError::new(kind, summary);
        c.vendor_message = e.vendor_message().map(str::to_string);
        c
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn user_errors_keep_message_and_description() {
        let e = TrytonError::from_rpc(&json!([
            "UserError",
            [
                "A value is required for field \"Account\".",
                "details",
                null
            ]
        ]));
        assert_eq!(
            e,
            TrytonError::User {
                message: "A value is required for field \"Account\".".into(),
                description: "details".into()
            }
        );
        let c = ConnectorError::from(e);
        assert_eq!(c.kind, ErrorKind::Validation);
        assert_eq!(
            c.vendor_message.as_deref(),
            Some("A value is required for field \"Account\".")
        );
    }

    #[test]
    fn warnings_carry_their_name_and_are_never_success() {
        let e = TrytonError::from_rpc(&json!([
            "UserWarning",
            [
                "0fc7.invoice_date_future",
                "The invoices \"[X]\" have an invoice date in the future.",
                ""
            ]
        ]));
        let TrytonError::Warning { name, message, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(name, "0fc7.invoice_date_future");
        assert!(message.contains("in the future"));
        assert_eq!(ConnectorError::from(e).kind, ErrorKind::Validation);
    }

    #[test]
    fn chronology_refusals_have_their_own_type() {
        let e = TrytonError::from_rpc(&json!([
            "UserError",
            [
                "To number the invoice \"[R2]\", you must set an invoice date after \"12/04/2026\" because …",
                "",
                null
            ]
        ]));
        assert!(
            matches!(e, TrytonError::NumberingChronology { .. }),
            "{e:?}"
        );
        let race = TrytonError::from_rpc(&json!([
            "UserError",
            [
                "You are trying to read records \"39\" of \"Session\" that don't exist.",
                "",
                null
            ]
        ]));
        assert!(matches!(race, TrytonError::SessionCheckRace(_)), "{race:?}");
        assert!(ConnectorError::from(race).is_retryable());
    }

    #[test]
    fn untyped_exceptions_keep_their_text() {
        let e = TrytonError::from_rpc(&json!(["'no_such_field'", ""]));
        assert_eq!(e, TrytonError::Server("'no_such_field'".into()));
        let locked = TrytonError::from_rpc(&json!(["database is locked", ""]));
        assert!(ConnectorError::from(locked).is_retryable());
        assert_eq!(
            TrytonError::from_rpc(&json!(["ConcurrencyException", "Records were modified"])),
            TrytonError::Concurrency("Records were modified".into())
        );
    }
}
