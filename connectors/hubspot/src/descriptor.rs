//! HubSpot as the engine sees it: the [`Connector`] descriptor.

use std::sync::Arc;

use async_trait::async_trait;
use ledgerbridge_sdk::auth::{ClientAuth, TokenSource};
use ledgerbridge_sdk::connector::{
    Built, ConnectionSpec, KeyProblem, OAuthEndpoints, Roles, Secret, SourceNeeds, VendorKeyDoc,
    read_keys,
};
use ledgerbridge_sdk::http::Pacer;
use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::{
    Capabilities, Connector, ConnectorError, ConnectorResult, CrmSource, WebhookVerifier,
};
use serde::Deserialize;

use crate::config::{self, HubSpotConfig};
use crate::{HubSpotClient, HubSpotSource, HubSpotWebhookVerifier};

/// The HubSpot connector (`kind = "hubspot"`).
pub struct HubSpot;

/// The descriptor the engine's registry lists.
pub static CONNECTOR: HubSpot = HubSpot;

/// The keys of a HubSpot connection beyond the shared ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotKeys {
    /// Authorize endpoint override.
    pub auth_url: Option<String>,
    /// Token endpoint override.
    pub token_url: Option<String>,
    /// The app's client secret, which HubSpot signs webhooks with.
    pub webhook_secret: Option<Secret>,
}

const KEYS: &[VendorKeyDoc] = &[
    VendorKeyDoc {
        name: "auth_url",
        help: "authorize endpoint override",
        secret: false,
    },
    VendorKeyDoc {
        name: "token_url",
        help: "token endpoint override",
        secret: false,
    },
    VendorKeyDoc {
        name: "webhook_secret",
        help: "the app's client secret, which webhook signatures (v3) are made with",
        secret: true,
    },
];

impl HubSpot {
    fn keys(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<HubSpotKeys> {
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

    /// `base_url` when it is not HubSpot's production API (a simulator, which serves
    /// its OAuth endpoints at that same base).
    fn simulator_base<'a>(conn: &'a ConnectionSpec<'_>) -> Option<&'a str> {
        conn.base().filter(|b| *b != config::API_BASE)
    }

    fn config(conn: &ConnectionSpec<'_>) -> HubSpotConfig {
        HubSpotConfig {
            connection: conn.name.to_string(),
            base_url: conn.base().unwrap_or(config::API_BASE).to_string(),
            rate_scale: conn.rate_scale,
            ..Default::default()
        }
    }
}

/// HubSpot's object type of a canonical object whose properties a pair reads.
fn object_type(object: CrmObject) -> &'static str {
    match object {
        CrmObject::Company => "companies",
        CrmObject::Contact => "contacts",
        CrmObject::Deal => "deals",
        // interactions are HubSpot's engagement types, several object types under one
        CrmObject::Interaction => "notes",
    }
}

#[async_trait]
impl Connector for HubSpot {
    fn kind(&self) -> &'static str {
        "hubspot"
    }
    fn label(&self) -> &'static str {
        "HubSpot"
    }
    fn roles(&self) -> Roles {
        Roles::SOURCE
    }
    fn vendor_keys(&self) -> &'static [VendorKeyDoc] {
        KEYS
    }

    fn check_keys(&self, conn: &ConnectionSpec<'_>) -> Vec<KeyProblem> {
        match read_keys::<HubSpotKeys>(self.kind(), conn.keys) {
            Err(problems) => problems,
            Ok(k) => [("auth_url", &k.auth_url), ("token_url", &k.token_url)]
                .into_iter()
                .filter_map(|(key, v)| {
                    ledgerbridge_sdk::connector::check_url(v.as_deref()?)
                        .err()
                        .map(|m| KeyProblem::at(key, m))
                })
                .collect(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        crate::source::capabilities(&HubSpotConfig::default())
    }

    fn oauth(&self, conn: &ConnectionSpec<'_>) -> ConnectorResult<OAuthEndpoints> {
        let keys = self.keys(conn)?;
        let base = Self::simulator_base(conn);
        let api = base.unwrap_or(config::API_BASE);
        Ok(OAuthEndpoints {
            auth_url: keys.auth_url.unwrap_or_else(|| match base {
                Some(b) => format!("{b}/oauth/authorize"),
                None => config::AUTH_URL.to_string(),
            }),
            // the token endpoint lives on the API host, in production too
            token_url: keys
                .token_url
                .unwrap_or_else(|| format!("{api}/oauth/v1/token")),
            default_scopes: config::SCOPES.iter().map(|s| s.to_string()).collect(),
            // HubSpot takes client_id/client_secret in the form body
            client_auth: ClientAuth::RequestBody,
            // HubSpot refresh tokens do not lapse
            refresh_lifetime: None,
        })
    }

    fn webhook_key(&self) -> Option<&'static str> {
        Some("webhook_secret")
    }

    fn webhook_verifier(
        &self,
        conn: &ConnectionSpec<'_>,
    ) -> Result<Option<Box<dyn WebhookVerifier>>, String> {
        let keys = self.keys(conn).map_err(|e| e.to_string())?;
        let Some(secret) = keys.webhook_secret else {
            return Ok(None);
        };
        let secret = secret
            .get()
            .map_err(|why| format!("webhook_secret: {why}"))?;
        Ok(Some(Box::new(HubSpotWebhookVerifier::new(secret.clone()))))
    }

    fn webhook_object(&self, object: &str) -> Option<CrmObject> {
        // Engagements arrive under their own names; line items and products belong to
        // deals and are not synced on their own.
        CrmObject::parse(object).or(match object {
            "call" | "email" | "meeting" | "note" | "task" => Some(CrmObject::Interaction),
            _ => None,
        })
    }

    async fn source(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
        _pacer: Option<Arc<dyn Pacer>>,
        needs: &SourceNeeds,
    ) -> ConnectorResult<Built<dyn CrmSource>> {
        self.keys(conn)?;
        let cfg = HubSpotConfig {
            extra_properties: needs
                .extra_properties
                .iter()
                .map(|(o, p)| (object_type(*o).to_string(), p.clone()))
                .collect(),
            ..Self::config(conn)
        };
        let client = Arc::new(HubSpotClient::new(cfg, tokens)?);
        let c = client.clone();
        Ok(Built {
            value: Arc::new(HubSpotSource::new(client)),
            stats: Arc::new(move || c.stats()),
        })
    }

    async fn probe(
        &self,
        conn: &ConnectionSpec<'_>,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<String> {
        self.keys(conn)?;
        let cfg = HubSpotConfig {
            page_size: 1,
            max_attempts: 2,
            ..Self::config(conn)
        };
        let client = HubSpotClient::new(cfg, tokens)?;
        let page = client.list("deals", None, &[], &[]).await?;
        Ok(format!(
            "listed deals ({} on the first page)",
            page.results.len()
        ))
    }

    /// The connection block of the shipped example config, kept as a file of its own so
    /// it reads as TOML.
    fn config_block(&self) -> String {
        include_str!("config_block.toml").to_string()
    }
    #[cfg(feature = "sim")]
    fn simulator(&self) -> Option<ledgerbridge_sdk::connector::Simulator> {
        Some(ledgerbridge_sdk::connector::Simulator {
            default_listen: "127.0.0.1:9101",
            seeds_deals: true,
            run: |listen, opts| Box::pin(async move { crate::sim::run(&listen, opts).await }),
            spawn: |listen, opts| {
                Box::pin(async move { crate::sim::spawn(&listen, opts).await.map(|(s, _)| s) })
            },
        })
    }
}
