//! Xero as the engine sees it: the [`Connector`] descriptor.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ledgerbridge_sdk::auth::{ClientAuth, PostConnect, TokenSource};
use ledgerbridge_sdk::connector::{
    Built, ConnectionSpec, KeyProblem, OAuthEndpoints, PairDefaults, Roles, Secret, VendorKeyDoc,
    check_url, read_keys,
};
use ledgerbridge_sdk::http::Pacer;
use ledgerbridge_sdk::model::InvoiceStatus;
use ledgerbridge_sdk::{
    Capabilities, Connector, ConnectorError, ConnectorResult, FinanceTarget, WebhookVerifier,
};
use serde::Deserialize;

use crate::config::{self, XeroConfig};
use crate::connect::{TENANT_ID, TENANT_NAME, XeroTenantHook};
use crate::{XeroTarget, XeroWebhookVerifier};

/// The Xero connector (`kind = "xero"`).
pub struct Xero;

/// The descriptor the engine's registry lists.
pub static CONNECTOR: Xero = Xero;

/// Xero refresh tokens lapse 60 days after issue when unused.
const REFRESH_LIFETIME: Duration = Duration::from_secs(60 * 24 * 3600);

/// The keys of a Xero connection beyond the shared ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XeroKeys {
    /// Authorize endpoint: a host (`https://login.xero.com`) or the full endpoint.
    pub login_url: Option<String>,
    /// Token endpoint host (`https://identity.xero.com`) or the full endpoint.
    pub identity_url: Option<String>,
    /// The organisation to write to; overrides the one chosen at `connect`.
    pub tenant_id: Option<String>,
    /// The webhook signing key (`x-xero-signature`).
    pub webhook_key: Option<Secret>,
}

const KEYS: &[VendorKeyDoc] = &[
    VendorKeyDoc {
        name: "login_url",
        help: "authorize endpoint (host or full URL)",
        secret: false,
    },
    VendorKeyDoc {
        name: "identity_url",
        help: "token endpoint host (or full URL)",
        secret: false,
    },
    VendorKeyDoc {
        name: "tenant_id",
        help: "organisation to write to; default: the one chosen at `connect`",
        secret: false,
    },
    VendorKeyDoc {
        name: "webhook_key",
        help: "webhook signing key (x-xero-signature)",
        secret: true,
    },
];

impl Xero {
    fn keys(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<XeroKeys> {
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

    /// The client settings of a connection: `base_url` for the API (it always wins), the
    /// simulator's base for identity and login unless set, and the organisation:
    /// `tenant_id` from the config, else the one chosen at `connect`, else (a static
    /// token) the first `/connections` lists.
    pub fn client_config(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<XeroConfig> {
        let keys = self.keys(conn)?;
        let defaults = XeroConfig::default();
        let base = conn.base().map(str::to_string);
        let simulator = self.is_simulator(conn);
        let on_simulator = |explicit: Option<String>, default: String| {
            explicit
                .or_else(|| simulator.then(|| base.clone()).flatten())
                .unwrap_or(default)
        };
        let tenant_id = keys
            .tenant_id
            .filter(|t| !t.is_empty())
            .or_else(|| conn.granted.get(TENANT_ID).cloned())
            .filter(|t| !t.is_empty());
        Ok(XeroConfig {
            api_url: base.clone().unwrap_or(defaults.api_url.clone()),
            identity_url: on_simulator(keys.identity_url, defaults.identity_url.clone()),
            login_url: on_simulator(keys.login_url, defaults.login_url.clone()),
            tenant_id,
            rate_scale: conn.rate_scale,
            simulator_rates: simulator,
            ..defaults
        })
    }
}

/// A Xero endpoint from an explicit setting (a host, or a full URL taken as is) or the
/// default host, built by the client's own `authorize_url()`/`token_url()` so the paths
/// live in one place.
fn endpoint(
    explicit: Option<&str>,
    default_host: &str,
    build: fn(&XeroConfig) -> String,
) -> String {
    let has_path = |u: &str| url::Url::parse(u).is_ok_and(|u| !matches!(u.path(), "" | "/"));
    let host = match explicit.map(|u| u.trim_end_matches('/')) {
        Some(u) if has_path(u) => return u.to_string(),
        Some(u) => u,
        None => default_host,
    };
    build(&XeroConfig {
        login_url: host.to_string(),
        identity_url: host.to_string(),
        ..XeroConfig::default()
    })
}

#[async_trait]
impl Connector for Xero {
    fn kind(&self) -> &'static str {
        "xero"
    }
    fn label(&self) -> &'static str {
        "Xero"
    }
    fn roles(&self) -> Roles {
        Roles::TARGET
    }
    fn vendor_keys(&self) -> &'static [VendorKeyDoc] {
        KEYS
    }

    fn check_keys(&self, conn: &ConnectionSpec<'_>) -> Vec<KeyProblem> {
        let k = match read_keys::<XeroKeys>(self.kind(), conn.keys) {
            Err(problems) => return problems,
            Ok(k) => k,
        };
        let mut out: Vec<KeyProblem> = [
            ("login_url", &k.login_url),
            ("identity_url", &k.identity_url),
        ]
        .into_iter()
        .filter_map(|(key, v)| {
            check_url(v.as_deref()?)
                .err()
                .map(|m| KeyProblem::at(key, m))
        })
        .collect();
        if let Some(var) = k.tenant_id.as_deref().and_then(|t| t.strip_prefix("env:")) {
            out.push(KeyProblem::at(
                "tenant_id",
                format!("environment variable {var} is not set"),
            ));
        }
        out
    }

    fn capabilities(&self) -> Capabilities {
        crate::capabilities(&XeroConfig::default())
    }

    fn oauth(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<OAuthEndpoints> {
        let keys = self.keys(conn)?;
        let base = conn.base().filter(|b| *b != config::API_URL);
        let login = base.unwrap_or(config::LOGIN_URL);
        let identity = base.unwrap_or(config::IDENTITY_URL);
        Ok(OAuthEndpoints {
            auth_url: endpoint(keys.login_url.as_deref(), login, XeroConfig::authorize_url),
            token_url: endpoint(
                keys.identity_url.as_deref(),
                identity,
                XeroConfig::token_url,
            ),
            default_scopes: config::DEFAULT_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            client_auth: ClientAuth::BasicAuth,
            refresh_lifetime: Some(REFRESH_LIFETIME),
        })
    }

    fn post_connect(
        &self,
        conn: &ConnectionSpec<'_>,
        interactive: bool,
    ) -> ConnectorResult<Box<dyn PostConnect>> {
        let keys = self.keys(conn)?;
        let mut xero = XeroConfig {
            rate_scale: conn.rate_scale,
            ..Default::default()
        };
        if let Some(b) = conn.base() {
            xero.api_url = b.to_string();
        }
        Ok(Box::new(XeroTenantHook {
            xero,
            configured: keys.tenant_id,
            interactive,
        }))
    }

    fn describe_grant(&self, granted: &BTreeMap<String, String>) -> Option<String> {
        let id = granted.get(TENANT_ID)?;
        let name = granted.get(TENANT_NAME).map(String::as_str).unwrap_or("");
        Some(format!("organisation {name} ({id})"))
    }

    fn webhook_key(&self) -> Option<&'static str> {
        Some("webhook_key")
    }

    fn webhook_verifier(
        &self,
        conn: &ConnectionSpec<'_>,
    ) -> Result<Option<Box<dyn WebhookVerifier>>, String> {
        let keys = self.keys(conn).map_err(|e| e.to_string())?;
        let Some(key) = keys.webhook_key else {
            return Ok(None);
        };
        let key = key.get().map_err(|why| format!("webhook_key: {why}"))?;
        Ok(Some(Box::new(XeroWebhookVerifier::new(key.clone()))))
    }

    async fn target(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn Pacer>>,
    ) -> ConnectorResult<Built<dyn FinanceTarget>> {
        let cfg = self.client_config(conn)?;
        let t = Arc::new(XeroTarget::connect_with_pacer(conn.name, cfg, tokens, pacer).await?);
        let c = t.clone();
        Ok(Built {
            value: t,
            stats: Arc::new(move || c.client().http().stats()),
        })
    }

    async fn probe(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<String> {
        let cfg = self.client_config(conn)?;
        let target = XeroTarget::connect(conn.name, cfg, tokens).await?;
        let tenant = target.client().tenant_id().to_string();
        let granted = target.client().connections().await?;
        if !granted.iter().any(|c| {
            c.tenant_id
                .is_some_and(|t| t.to_string().eq_ignore_ascii_case(&tenant))
        }) {
            return Err(ConnectorError::config(format!(
                "organisation {tenant} is not among the {} this token reaches (GET /connections)",
                granted.len()
            )));
        }
        let org = target.organisation().await?;
        Ok(format!(
            "organisation {} ({tenant}), base currency {}",
            org.name,
            org.base_currency.code()
        ))
    }

    fn pair_defaults(&self) -> PairDefaults {
        PairDefaults {
            // the demo company's bank account code
            deposit_account: Some("090"),
            invoice_status_words: &[
                ("AUTHORISED", InvoiceStatus::Authorised),
                ("DRAFT", InvoiceStatus::Draft),
            ],
        }
    }

    /// The connection block of the shipped example config, kept as a file of its own so
    /// it reads as TOML.
    fn config_block(&self) -> String {
        include_str!("config_block.toml").to_string()
    }
    #[cfg(feature = "sim")]
    fn simulator(&self) -> Option<ledgerbridge_sdk::connector::Simulator> {
        Some(ledgerbridge_sdk::connector::Simulator {
            default_listen: "127.0.0.1:9102",
            seeds_deals: false,
            run: |listen, opts| Box::pin(async move { crate::sim::run(&listen, opts).await }),
            spawn: |listen, opts| {
                Box::pin(async move { crate::sim::spawn(&listen, opts).await.map(|(s, _)| s) })
            },
        })
    }
}
