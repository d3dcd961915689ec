//! QuickBooks Online as the engine sees it: the [`Connector`] descriptor.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ledgerbridge_sdk::auth::{ClientAuth, PostConnect, TokenSource};
use ledgerbridge_sdk::connector::{
    Built, ConnectionSpec, KeyProblem, OAuthEndpoints, PairDefaults, Roles, Secret, VendorKeyDoc,
    read_keys,
};
use ledgerbridge_sdk::http::Pacer;
use ledgerbridge_sdk::model::InvoiceStatus;
use ledgerbridge_sdk::{
    Capabilities, Connector, ConnectorError, ConnectorResult, FinanceTarget, WebhookVerifier,
};
use serde::Deserialize;

use crate::config::{self, Environment, QuickBooksConfig};
use crate::connect::{REALM_ID, RealmHook};
use crate::{QuickBooksTarget, QuickBooksWebhookVerifier};

/// The QuickBooks Online connector (`kind = "quickbooks"`).
pub struct QuickBooks;

/// The descriptor the engine's registry lists.
pub static CONNECTOR: QuickBooks = QuickBooks;

/// Intuit's refresh tokens lapse 100 days after their last use.
const REFRESH_LIFETIME: Duration = Duration::from_secs(100 * 24 * 3600);

/// The keys of a QuickBooks connection beyond the shared ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickBooksKeys {
    /// `production` (default) or `sandbox`: the API host, unless `base_url` is set.
    pub environment: Option<String>,
    /// The company to write to; overrides the one granted at `connect`.
    pub realm_id: Option<String>,
    /// The app's webhook verifier token (`intuit-signature`).
    pub webhook_verifier_token: Option<Secret>,
    /// Create a missing item (default true).
    pub create_items: Option<bool>,
}

const KEYS: &[VendorKeyDoc] = &[
    VendorKeyDoc {
        name: "environment",
        help: "production or sandbox: the API host unless base_url is set [default: production]",
        secret: false,
    },
    VendorKeyDoc {
        name: "realm_id",
        help: "company to write to; default: the one granted at `connect` (its realmId)",
        secret: false,
    },
    VendorKeyDoc {
        name: "webhook_verifier_token",
        help: "the app's webhook verifier token (intuit-signature)",
        secret: true,
    },
    VendorKeyDoc {
        name: "create_items",
        help: "create a line's missing item as a Service item on its income account [default: true]",
        secret: false,
    },
];

impl QuickBooks {
    fn keys(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<QuickBooksKeys> {
        read_keys(self.kind(), conn.keys).map_err(|p| {
            ConnectorError::config(format!(
                "connection {}: {}",
                conn.name,
                p.into_iter()
                    .map(|p| p.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })
    }

    /// The client settings of a connection: `base_url` wins over `environment`; the
    /// company is `realm_id`, else the one granted at `connect`, else (a simulator
    /// with a static token) the simulator's own.
    pub fn client_config(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<QuickBooksConfig> {
        let keys = self.keys(conn)?;
        let env = match keys.environment.as_deref() {
            None => Environment::Production,
            Some(e) => Environment::parse(e)
                .map_err(|m| ConnectorError::config(format!("connection {}: {m}", conn.name)))?,
        };
        let realm_id = keys
            .realm_id
            .filter(|r| !r.is_empty())
            .or_else(|| conn.granted.get(REALM_ID).cloned())
            .filter(|r| !r.is_empty());
        Ok(QuickBooksConfig {
            api_url: conn
                .base()
                .map(str::to_string)
                .unwrap_or_else(|| env.api_url().to_string()),
            realm_id,
            rate_scale: conn.rate_scale,
            create_items: keys.create_items.unwrap_or(true),
            simulator: self.is_simulator(conn),
            ..QuickBooksConfig::default()
        })
    }
}

#[async_trait]
impl Connector for QuickBooks {
    fn kind(&self) -> &'static str {
        "quickbooks"
    }
    fn label(&self) -> &'static str {
        "QuickBooks Online"
    }
    fn roles(&self) -> Roles {
        Roles::TARGET
    }
    fn vendor_keys(&self) -> &'static [VendorKeyDoc] {
        KEYS
    }

    fn check_keys(&self, conn: &ConnectionSpec<'_>) -> Vec<KeyProblem> {
        let k = match read_keys::<QuickBooksKeys>(self.kind(), conn.keys) {
            Err(problems) => return problems,
            Ok(k) => k,
        };
        let mut out = Vec::new();
        if let Some(e) = k.environment.as_deref()
            && let Err(m) = Environment::parse(e)
        {
            out.push(KeyProblem::at("environment", m));
        }
        if let Some(r) = k.realm_id.as_deref()
            && !r.is_empty()
            && !r.bytes().all(|b| b.is_ascii_digit())
        {
            out.push(KeyProblem::at(
                "realm_id",
                format!("realm_id {r:?}: a QuickBooks company id is all digits"),
            ));
        }
        out
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities(&QuickBooksConfig::default())
    }

    fn oauth(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<OAuthEndpoints> {
        self.keys(conn)?;
        // a simulator serves Intuit's endpoints on its own base
        let (auth_url, token_url) = match conn.base().filter(|_| self.is_simulator(conn)) {
            Some(b) => (
                format!("{b}/connect/oauth2"),
                format!("{b}/oauth2/v1/tokens/bearer"),
            ),
            None => (config::AUTHORIZE_URL.into(), config::TOKEN_URL.into()),
        };
        Ok(OAuthEndpoints {
            auth_url,
            token_url,
            default_scopes: vec![config::SCOPE.to_string()],
            client_auth: ClientAuth::BasicAuth,
            refresh_lifetime: Some(REFRESH_LIFETIME),
        })
    }

    fn post_connect(
        &self,
        conn: &ConnectionSpec<'_>,
        _interactive: bool,
    ) -> ConnectorResult<Box<dyn PostConnect>> {
        let keys = self.keys(conn)?;
        Ok(Box::new(RealmHook {
            configured: keys.realm_id,
        }))
    }

    fn describe_grant(&self, granted: &BTreeMap<String, String>) -> Option<String> {
        granted.get(REALM_ID).map(|r| format!("company {r}"))
    }

    fn webhook_key(&self) -> Option<&'static str> {
        Some("webhook_verifier_token")
    }

    fn webhook_verifier(
        &self,
        conn: &ConnectionSpec<'_>,
    ) -> Result<Option<Box<dyn WebhookVerifier>>, String> {
        let keys = self.keys(conn).map_err(|e| e.to_string())?;
        let Some(token) = keys.webhook_verifier_token else {
            return Ok(None);
        };
        let token = token
            .get()
            .map_err(|why| format!("webhook_verifier_token: {why}"))?;
        Ok(Some(Box::new(QuickBooksWebhookVerifier::new(
            token.clone(),
        ))))
    }

    async fn target(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn Pacer>>,
    ) -> ConnectorResult<Built<dyn FinanceTarget>> {
        let cfg = self.client_config(conn)?;
        let t = Arc::new(QuickBooksTarget::connect(conn.name, cfg, tokens, pacer).await?);
        let c = t.clone();
        Ok(Built {
            value: t,
            stats: Arc::new(move || c.client().stats()),
        })
    }

    /// Reads the company and its sales-form preferences: our reference lives in
    /// `DocNumber`, which QuickBooks only keeps with custom transaction numbers on.
    async fn probe(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<String> {
        let cfg = self.client_config(conn)?;
        let target = QuickBooksTarget::connect(conn.name, cfg, tokens, None).await?;
        let realm = target.client().realm_id().to_string();
        let c = target.company().await?;
        if !c.custom_txn_numbers {
            return Err(ConnectorError::config(format!(
                "company {} ({realm}) has custom transaction numbers off \
                 (Preferences.SalesFormsPrefs.CustomTxnNumbers): QuickBooks would number our \
                 invoices itself and drop the reference ledgerbridge finds them by. Turn on \
                 Settings > Account and settings > Sales > Custom transaction numbers",
                c.name
            )));
        }
        Ok(format!(
            "company {} ({realm}), home currency {}, multicurrency {}; our references are \
             invoice numbers (DocNumber): with custom transaction numbers on, QuickBooks \
             suggests the number after the last one for a manual invoice, so invoices entered \
             by hand should use a numbering of their own (not HS-…)",
            c.name,
            c.home_currency,
            if c.multicurrency { "on" } else { "off" }
        ))
    }

    fn pair_defaults(&self) -> PairDefaults {
        PairDefaults {
            // every QuickBooks company has it; payments then wait to be deposited
            deposit_account: Some("Undeposited Funds"),
            // QuickBooks has no draft invoices
            invoice_status_words: &[("AUTHORISED", InvoiceStatus::Authorised)],
        }
    }

    fn max_reference_len(&self) -> Option<usize> {
        Some(config::MAX_REFERENCE_LEN)
    }

    fn config_block(&self) -> String {
        include_str!("config_block.toml").to_string()
    }

    #[cfg(feature = "sim")]
    fn simulator(&self) -> Option<ledgerbridge_sdk::connector::Simulator> {
        Some(crate::sim::simulator())
    }
}
