//! Xero's step after the code exchange: pick the organisation (tenant) the connection
//! writes to, and keep it with the tokens.
//!
//! One Xero login may grant several organisations; every API call must name one in
//! `xero-tenant-id`. Choosing once at connect time, with the admin watching, beats the
//! connector silently taking "the first" on every start.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{XeroClient, XeroConfig};
use async_trait::async_trait;
use ledgerbridge_sdk::auth::{ConnectContext, PostConnect, StaticToken, prompt};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};

/// Keys of the values kept with the tokens (`TokenSet::extra`), read back by every
/// sync: the organisation chosen here is the one written to.
pub const TENANT_ID: &str = "tenant_id";
pub const TENANT_NAME: &str = "tenant_name";

/// An organisation `/connections` listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

/// The Xero [`PostConnect`]: `GET /connections` with the new token, then the configured
/// tenant, the only one, or the admin's choice.
#[derive(Debug, Clone)]
pub struct XeroTenantHook {
    /// API root of `/connections` (`api_url`), rate scale.
    pub xero: XeroConfig,
    /// `tenant_id` from the config: must be among the granted ones.
    pub configured: Option<String>,
    /// Ask on the terminal when several are granted (else: the first, with a notice).
    pub interactive: bool,
}

#[async_trait]
impl PostConnect for XeroTenantHook {
    async fn after_connect(
        &self,
        ctx: &ConnectContext<'_>,
    ) -> ConnectorResult<BTreeMap<String, String>> {
        let mut cfg = self.xero.clone();
        // A tenant is set so that `connect` skips its own discovery; `/connections` is
        // not a tenant call and sends no `xero-tenant-id`, so the placeholder never leaves.
        cfg.tenant_id = Some("(choosing)".into());
        let token = Arc::new(StaticToken::from(ctx.access_token.clone()));
        let client = XeroClient::connect(ctx.connection, cfg, token).await?;
        let tenants: Vec<Tenant> = client
            .connections()
            .await?
            .into_iter()
            .filter(|c| c.tenant_type.as_deref().is_none_or(|t| t == "ORGANISATION"))
            .filter_map(|c| {
                Some(Tenant {
                    id: c.tenant_id?.to_string(),
                    name: c.tenant_name.unwrap_or_default(),
                })
            })
            .collect();
        let chosen = choose_tenant(
            ctx.connection,
            &tenants,
            self.configured.as_deref(),
            self.interactive,
        )
        .await?;
        Ok(BTreeMap::from([
            (TENANT_ID.to_string(), chosen.id),
            (TENANT_NAME.to_string(), chosen.name),
        ]))
    }
}

/// Configured → must be granted; one → it; several → ask (terminal) or the first.
pub async fn choose_tenant(
    connection: &str,
    tenants: &[Tenant],
    configured: Option<&str>,
    interactive: bool,
) -> ConnectorResult<Tenant> {
    let listing = || {
        tenants
            .iter()
            .map(|t| format!("{} ({})", t.id, t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(want) = configured.filter(|t| !t.is_empty()) {
        return tenants
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(want))
            .cloned()
            .ok_or_else(|| {
                ConnectorError::config(format!(
                    "connection `{connection}`: tenant_id {want} is not among the \
                     organisations this login granted: {}. Approve that organisation in \
                     Xero's consent screen, or change `tenant_id`",
                    if tenants.is_empty() {
                        "none".into()
                    } else {
                        listing()
                    }
                ))
            });
    }
    match tenants {
        [] => Err(ConnectorError::config(format!(
            "connection `{connection}`: this Xero login granted no organisation \
             (GET /connections is empty); connect again and tick an organisation"
        ))),
        [only] => Ok(only.clone()),
        many if interactive => ask(connection, many).await,
        [first, ..] => {
            eprintln!(
                "notice: this login granted {} organisations: {}. Using the first, {} ({}); \
                 set `tenant_id` in [connections.{connection}] to choose another.",
                tenants.len(),
                listing(),
                first.name,
                first.id
            );
            Ok(first.clone())
        }
    }
}

async fn ask(connection: &str, tenants: &[Tenant]) -> ConnectorResult<Tenant> {
    eprintln!(
        "This Xero login granted several organisations. Which one should `{connection}` use?"
    );
    for (i, t) in tenants.iter().enumerate() {
        eprintln!("  {}) {} ({})", i + 1, t.name, t.id);
    }
    loop {
        eprint!("number [1]: ");
        let line = prompt::read_line().await?;
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(tenants[0].clone());
        }
        match answer.parse::<usize>() {
            Ok(n) if (1..=tenants.len()).contains(&n) => return Ok(tenants[n - 1].clone()),
            _ => eprintln!("please type a number from 1 to {}", tenants.len()),
        }
    }
}
