//! `CrmSource` for HubSpot, one idea a file:
//!
//! - [`catalogue`]: the HubSpot types and properties read, association type ids, and the
//!   connector's capabilities;
//! - [`listing`]: one `list_changed` stream and its cursor, a full pull per type first
//!   and an incremental walk after;
//! - [`full`]: the pipelined full pull (list pages with line-item batch reads in flight);
//! - [`walk`]: the incremental search walk on `hs_lastmodifieddate`;
//! - [`convert`]: fetched objects (and their associations and line items) to canonical
//!   records;
//! - [`write_back`]: batch updates of the properties the engine writes back.

mod catalogue;
mod convert;
mod full;
mod listing;
mod walk;
mod write_back;

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use ledgerbridge_sdk::model::{CrmObject, CrmRecord, Pipeline, PropertyUpdate};
use ledgerbridge_sdk::{Capabilities, ConnectorResult, Cursor, ItemOutcome, PageStream};
use tokio::sync::OnceCell;

pub use catalogue::capabilities;
use catalogue::{hs_types, properties_of};
use listing::{ListState, decode};
pub use walk::SEARCH_CAP;

use crate::client::HubSpotClient;

/// The HubSpot source.
pub struct HubSpotSource {
    client: Arc<HubSpotClient>,
    caps: Capabilities,
    pipelines: OnceCell<Vec<Pipeline>>,
}

impl HubSpotSource {
    pub fn new(client: Arc<HubSpotClient>) -> HubSpotSource {
        let caps = capabilities(client.config());
        HubSpotSource {
            client,
            caps,
            pipelines: OnceCell::new(),
        }
    }

    pub fn client(&self) -> &HubSpotClient {
        &self.client
    }

    fn props(&self, t: &str) -> Vec<String> {
        let mut v: Vec<String> = properties_of(t).iter().map(|s| s.to_string()).collect();
        v.push("hs_lastmodifieddate".into());
        for (ty, p) in &self.client.config().extra_properties {
            if ty == t {
                v.push(p.clone());
            }
        }
        v
    }
}

#[async_trait]
impl ledgerbridge_sdk::CrmSource for HubSpotSource {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn list_changed<'a>(
        &'a self,
        object: CrmObject,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, CrmRecord> {
        let map = match since.map(decode).transpose() {
            Ok(m) => m.unwrap_or_default(),
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let state = ListState {
            src: self,
            types: hs_types(object).to_vec(),
            map,
            current: None,
            emitted: false,
        };
        futures::stream::unfold(Some(state), |st| async move {
            let mut st = st?;
            match st.next().await {
                Ok(Some(page)) => Some((Ok(page), Some(st))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }

    async fn read_by_ids(
        &self,
        object: CrmObject,
        ids: &[String],
    ) -> ConnectorResult<Vec<CrmRecord>> {
        let mut out = Vec::new();
        for t in hs_types(object) {
            let objs = self.client.batch_read(t, ids, &self.props(t)).await?;
            out.extend(self.convert(t, objs, None).await?);
        }
        Ok(out)
    }

    async fn pipelines(&self) -> ConnectorResult<Vec<Pipeline>> {
        self.pipelines_cached().await
    }

    async fn write_back(&self, updates: &[PropertyUpdate]) -> ConnectorResult<Vec<ItemOutcome>> {
        self.write_back_all(updates).await
    }
}
