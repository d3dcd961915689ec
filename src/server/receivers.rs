//! Which connection a delivery is for.
//!
//! `/webhooks/{name}`: a connection name selects that connection; a connector kind
//! selects every connection of that kind, and the one whose secret verifies the
//! signature wins — several apps or organisations of one vendor can share one URL. A name
//! that is both is taken as the connection (it is the narrower choice).

use crate::config::{Config, ConnectorKind};
use ledgerbridge_sdk::{WebhookBatch, WebhookError, WebhookRequest, WebhookVerifier};

/// One connection that can receive webhooks.
pub(crate) struct Receiver {
    pub connection: String,
    pub kind: ConnectorKind,
    verifier: Box<dyn WebhookVerifier>,
}

impl Receiver {
    /// A receiver from a connection's webhook secret (the key its connector names);
    /// `None` when none is configured or it cannot be used (logged, never its value).
    fn from_connection(name: &str, c: &crate::config::ConnectionConfig) -> Option<Receiver> {
        let granted = Default::default();
        let verifier = match c.connector().webhook_verifier(&c.spec(name, &granted)) {
            Ok(v) => v?,
            Err(why) => {
                tracing::warn!(connection = name, "{why}; its webhooks are refused");
                return None;
            }
        };
        Some(Receiver {
            connection: name.to_string(),
            kind: c.kind,
            verifier,
        })
    }

    pub fn vendor(&self) -> &'static str {
        self.kind.as_str()
    }
}

pub struct Receivers {
    list: Vec<Receiver>,
}

/// The outcome of trying a delivery against the candidate connections.
pub(crate) enum Verified<'a> {
    Ok(&'a Receiver, WebhookBatch),
    /// Every candidate refused the signature, or (for the named connection) the
    /// signature matched but the delivery is stale or malformed.
    Refused(WebhookError),
}

impl Receivers {
    pub fn from_config(c: &Config) -> Receivers {
        let list = c
            .connections
            .iter()
            .filter_map(|(name, conn)| Receiver::from_connection(name, conn))
            .collect();
        Receivers { list }
    }

    pub fn names(&self) -> Vec<String> {
        self.list.iter().map(|r| r.connection.clone()).collect()
    }

    /// The receivers `/webhooks/{name}` addresses, and the vendor label for metrics
    /// (`None` when the name is neither a connection nor a kind with receivers).
    pub(crate) fn candidates(&self, name: &str) -> Option<(&'static str, Vec<&Receiver>)> {
        if let Some(r) = self.list.iter().find(|r| r.connection == name) {
            return Some((r.vendor(), vec![r]));
        }
        let of_kind: Vec<&Receiver> = self
            .list
            .iter()
            .filter(|r| r.kind.as_str() == name)
            .collect();
        let vendor = of_kind.first()?.vendor();
        Some((vendor, of_kind))
    }

    /// Try each candidate in turn: the first whose secret verifies the signature decides
    /// (a stale timestamp or a malformed body is *its* refusal, not a reason to try the
    /// next connection).
    pub(crate) fn verify<'a>(
        candidates: &[&'a Receiver],
        req: &WebhookRequest<'_>,
    ) -> Verified<'a> {
        for r in candidates {
            match r.verifier.verify(req) {
                Ok(batch) => return Verified::Ok(r, batch),
                Err(WebhookError::BadSignature) => continue,
                Err(e) => return Verified::Refused(e),
            }
        }
        Verified::Refused(WebhookError::BadSignature)
    }
}
