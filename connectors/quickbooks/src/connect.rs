//! QuickBooks' step after the code exchange: the company (`realmId`) arrives as a
//! parameter of the redirect and is kept with the tokens, so every sync writes to
//! the company the admin chose when connecting. A `realm_id` in the config must
//! agree with it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use ledgerbridge_sdk::auth::{ConnectContext, PostConnect};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};

/// The key of the realm kept with the tokens (`TokenSet::extra`).
pub const REALM_ID: &str = "realm_id";

pub struct RealmHook {
    /// `realm_id` from the config, if set.
    pub configured: Option<String>,
}

#[async_trait]
impl PostConnect for RealmHook {
    async fn after_connect(
        &self,
        ctx: &ConnectContext<'_>,
    ) -> ConnectorResult<BTreeMap<String, String>> {
        let granted = ctx
            .callback_params
            .get("realmId")
            .filter(|r| !r.is_empty())
            .cloned();
        let realm = match (
            granted,
            self.configured.as_deref().filter(|r| !r.is_empty()),
        ) {
            (Some(g), Some(c)) if g != c => {
                return Err(ConnectorError::config(format!(
                    "connection `{}`: QuickBooks granted company {g}, but realm_id says {c}; \
                     choose company {c} in Intuit's consent screen or change realm_id",
                    ctx.connection
                )));
            }
            (Some(g), _) => g,
            (None, Some(c)) => c.to_string(),
            (None, None) => {
                return Err(ConnectorError::config(format!(
                    "connection `{}`: the redirect carried no realmId; connect again and pick a company",
                    ctx.connection
                )));
            }
        };
        Ok(BTreeMap::from([(REALM_ID.to_string(), realm)]))
    }
}
