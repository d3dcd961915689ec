//! The [`Connector`] trait and the plain types its methods take and return.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use super::keys::{KeyProblem, VendorKeys};
use crate::auth::{ClientAuth, NoPostConnect, PostConnect, TokenSource};
use crate::http::{HttpStats, Pacer};
use crate::model::CrmObject;
use crate::{Capabilities, ConnectorError, ConnectorResult, CrmSource, FinanceTarget};
use crate::{WebhookVerifier, model::InvoiceStatus};

/// Whether a connector can be a pair's source (a CRM), its target (an accounting system),
/// or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Roles {
    pub source: bool,
    pub target: bool,
}

impl Roles {
    pub const SOURCE: Roles = Roles {
        source: true,
        target: false,
    };
    pub const TARGET: Roles = Roles {
        source: false,
        target: true,
    };

    /// `source`, `target` or `source, target`, for listings.
    pub fn describe(&self) -> &'static str {
        match (self.source, self.target) {
            (true, true) => "source, target",
            (true, false) => "source",
            (false, true) => "target",
            (false, false) => "none",
        }
    }
}

/// How a connection authenticates (the connection table's `auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// A fixed token (`access_token`): private apps, API keys, simulators.
    Static,
    /// OAuth 2 authorization code, tokens in the vault (`ledgerbridge connect`).
    Oauth,
}

/// A vendor-specific key the connector reads, for listings and help.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct VendorKeyDoc {
    pub name: &'static str,
    pub help: &'static str,
    /// Holds a secret (`env:NAME` recommended; never printed).
    pub secret: bool,
}

/// One connection as the engine hands it to its connector: the shared keys already read,
/// the vendor keys as written, and what the post-connect step stored with the tokens.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSpec<'a> {
    /// The connection's name (`[connections.<name>]`); also its rate-limit tenant.
    pub name: &'a str,
    /// `base_url`: when set it always wins over the connector's own choice of host.
    pub base_url: Option<&'a str>,
    /// Time scale of the vendor (a simulator runs this many times faster; 1 for real).
    pub rate_scale: f64,
    /// Fraction of the vendor's daily budget left to the organisation's other integrations.
    pub reserve: f64,
    /// `scopes` from the config (empty: the connector's defaults).
    pub scopes: &'a [String],
    /// The connection authenticates with OAuth (tokens in the vault).
    pub oauth: bool,
    /// Every key of the table the engine does not read itself.
    pub keys: &'a VendorKeys,
    /// What the connector's post-connect step stored with the tokens (the organisation
    /// chosen at `connect`, a realm id, an instance URL); empty for static tokens.
    pub granted: &'a BTreeMap<String, String>,
}

impl ConnectionSpec<'_> {
    /// `base_url` without a trailing slash, if set and not empty.
    pub fn base(&self) -> Option<&str> {
        self.base_url
            .map(|b| b.trim_end_matches('/'))
            .filter(|b| !b.is_empty())
    }
}

/// A connector's OAuth facts for one connection (its overrides applied). The engine adds
/// client credentials, the redirect port and the connection's `scopes` when set.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthEndpoints {
    pub auth_url: String,
    pub token_url: String,
    /// Scopes asked for when the connection lists none.
    pub default_scopes: Vec<String>,
    pub client_auth: ClientAuth,
    /// How long an unused refresh token lives (`None`: it does not lapse, or unknown).
    pub refresh_lifetime: Option<Duration>,
}

/// What a pair asks of its source beyond the records themselves.
#[derive(Debug, Clone, Default)]
pub struct SourceNeeds {
    /// Properties to read with every pull, per object: the write-back properties, so
    /// reconciliation sees what finance status the CRM shows.
    pub extra_properties: Vec<(CrmObject, String)>,
}

/// A built source or target and the counters of the HTTP client(s) under it.
pub struct Built<T: ?Sized> {
    pub value: Arc<T>,
    pub stats: Arc<dyn Fn() -> HttpStats + Send + Sync>,
}

/// Defaults of pair settings that are the vendor's own words.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PairDefaults {
    /// The account payments are recorded against (Xero's account code `090`); `None`
    /// when the target has no such notion or needs it configured.
    pub deposit_account: Option<&'static str>,
    /// The vendor's words for the invoice states a pair may create invoices in, first
    /// one the default (`AUTHORISED`, `DRAFT`).
    pub invoice_status_words: &'static [(&'static str, InvoiceStatus)],
}

/// A connector whose demo or tests need a real server rather than a simulator.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DemoServer {
    /// What is needed, e.g. "a Tryton 7 server with the account module".
    pub needs: &'static str,
    /// The environment variable that names it (a URL); the demo leaves the connector out
    /// when it is unset.
    pub url_env: &'static str,
}

/// Everything the engine needs to know about one vendor, implemented once by its crate.
///
/// Every method but the first few has a default, so a connector only says what differs.
/// Methods that take a [`ConnectionSpec`] read the vendor keys themselves, with the
/// connector's own config type ([`read_keys`](super::read_keys)).
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// The config's `kind` (`"hubspot"`): lower case, also the webhook path's kind.
    fn kind(&self) -> &'static str;
    /// The vendor's name for people ("HubSpot").
    fn label(&self) -> &'static str;
    fn roles(&self) -> Roles;
    fn auth_kinds(&self) -> &'static [AuthKind] {
        &[AuthKind::Static, AuthKind::Oauth]
    }
    /// The vendor-specific keys the connector reads.
    fn vendor_keys(&self) -> &'static [VendorKeyDoc] {
        &[]
    }
    /// Every problem with the connection's vendor keys (unknown, missing, invalid), each
    /// naming its key; no network.
    fn check_keys(&self, conn: &ConnectionSpec<'_>) -> Vec<KeyProblem>;
    /// What the connector declares with its default settings (no network).
    fn capabilities(&self) -> Capabilities;

    /// OAuth endpoints, default scopes and client conventions for this connection.
    fn oauth(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<OAuthEndpoints>;
    /// The step after the code exchange whose values are kept with the tokens and come
    /// back as [`ConnectionSpec::granted`]. `interactive`: a person can answer on this
    /// terminal.
    fn post_connect(
        &self,
        _conn: &ConnectionSpec<'_>,
        _interactive: bool,
    ) -> ConnectorResult<Box<dyn PostConnect>> {
        Ok(Box::new(NoPostConnect))
    }
    /// What `connect` prints about the granted values ("organisation Demo (id)").
    fn describe_grant(&self, _granted: &BTreeMap<String, String>) -> Option<String> {
        None
    }

    /// The vendor key holding the webhook signing secret, if the vendor sends webhooks.
    fn webhook_key(&self) -> Option<&'static str> {
        None
    }
    /// The connection's webhook verifier; `Ok(None)` when no secret is configured,
    /// `Err` (naming the key, never the value) when it is configured but unusable.
    fn webhook_verifier(
        &self,
        _conn: &ConnectionSpec<'_>,
    ) -> Result<Option<Box<dyn WebhookVerifier>>, String> {
        Ok(None)
    }
    /// The canonical object a webhook's object name stands for; `None` for objects the
    /// pipeline does not sync (their events are stored and ignored).
    fn webhook_object(&self, object: &str) -> Option<CrmObject> {
        CrmObject::parse(object)
    }

    /// The pair's source over this connection.
    async fn source(
        &self,
        conn: &ConnectionSpec<'_>,
        _tokens: Arc<dyn TokenSource>,
        _pacer: Option<Arc<dyn Pacer>>,
        _needs: &SourceNeeds,
    ) -> ConnectorResult<Built<dyn CrmSource>> {
        let _ = conn;
        Err(ConnectorError::config(format!(
            "a {} connection cannot be a pair's source",
            self.kind()
        )))
    }
    /// The pair's target over this connection (may call the vendor, e.g. to settle the
    /// organisation); `pacer` is the fleet-wide lease every call asks first.
    async fn target(
        &self,
        conn: &ConnectionSpec<'_>,
        _tokens: Arc<dyn TokenSource>,
        _pacer: Option<Arc<dyn Pacer>>,
    ) -> ConnectorResult<Built<dyn FinanceTarget>> {
        let _ = conn;
        Err(ConnectorError::config(format!(
            "a {} connection cannot be a pair's target",
            self.kind()
        )))
    }
    /// `check --online`: one cheap authenticated read, never a write. Returns what it
    /// saw for the report ("portal 123", "organisation Demo Company").
    async fn probe(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<String>;
    /// Revokes the connection's grant at the vendor; `Ok(false)` when the vendor has no
    /// revocation endpoint (the default).
    async fn revoke(
        &self,
        _conn: &ConnectionSpec<'_>,
        _tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<bool> {
        Ok(false)
    }

    /// Defaults of pair settings in the vendor's words (as a target).
    fn pair_defaults(&self) -> PairDefaults {
        PairDefaults::default()
    }
    /// The property a write-back stem (`invoice_status`, `amount_paid`, `outstanding`, …)
    /// is written to on this source, following the vendor's naming rule.
    fn writeback_property(&self, stem: &str) -> String {
        format!("ledgerbridge_{stem}")
    }
    /// Longest external reference the target stores (the engine shortens keys to fit).
    fn max_reference_len(&self) -> Option<usize> {
        None
    }
    /// The target refuses an invoice dated before one already posted: the engine then
    /// posts one invoice at a time per company, in date order.
    fn numbers_invoices_chronologically(&self) -> bool {
        false
    }
    /// The connection points at this connector's simulator (which then serves its OAuth
    /// endpoints and extras on the same base). Default: `base_url` on loopback.
    fn is_simulator(&self, conn: &ConnectionSpec<'_>) -> bool {
        conn.base().is_some_and(is_loopback)
    }
    /// The commented body of a `[connections.<name>]` table for this connector, as
    /// `ledgerbridge init` writes it (the lines after the table header): active keys that
    /// point at the simulator's default address with its static token, so the written
    /// config passes `check` as is, and production settings commented. The default is
    /// built from the kind, the simulator and the vendor keys.
    fn config_block(&self) -> String {
        super::generic_config_block(self)
    }
    /// Set when the demo needs a real server rather than a simulator.
    fn demo_server(&self) -> Option<DemoServer> {
        None
    }
    /// The simulator `ledgerbridge sim <kind>` runs.
    #[cfg(feature = "sim")]
    fn simulator(&self) -> Option<super::Simulator> {
        None
    }
}

/// `url`'s host is this machine.
pub fn is_loopback(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]" || h == "::1")
}
