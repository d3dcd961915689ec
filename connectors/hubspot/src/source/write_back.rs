//! Write-back: properties (invoice status, amounts paid) updated with HubSpot's batch
//! update, 100 records a call, a failing batch retried record by record.

use std::collections::HashMap;

use ledgerbridge_sdk::model::{CrmObject, PropertyUpdate};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ItemOutcome, Written};

use super::HubSpotSource;
use super::catalogue::hs_types;
use crate::client::{HsObject, UpdateInput};

impl HubSpotSource {
    pub(super) async fn write_back_all(
        &self,
        updates: &[PropertyUpdate],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; updates.len()];
        for object in CrmObject::ALL {
            let Some(t) = hs_types(object)
                .first()
                .filter(|_| object != CrmObject::Interaction)
            else {
                continue;
            };
            let idx: Vec<usize> = (0..updates.len())
                .filter(|i| updates[*i].object == object)
                .collect();
            for chunk in idx.chunks(100) {
                for (i, r) in chunk.iter().zip(
                    self.update_chunk(t, chunk.iter().map(|i| &updates[*i]).collect())
                        .await?,
                ) {
                    outcomes[*i] = Some(ItemOutcome {
                        key: format!("{}:{}", object.as_str(), updates[*i].id),
                        result: r,
                    });
                }
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every update has an outcome"))
            .collect())
    }

    /// One batch update; a 400 fails the whole batch in HubSpot, so it is
    /// retried item by item to pin the error on the right record.
    async fn update_chunk(
        &self,
        t: &str,
        items: Vec<&PropertyUpdate>,
    ) -> ConnectorResult<Vec<Result<Written, ConnectorError>>> {
        let inputs: Vec<UpdateInput<'_>> = items
            .iter()
            .map(|u| UpdateInput {
                id: &u.id,
                properties: &u.properties,
            })
            .collect();
        match self.client.batch_update(t, &inputs).await {
            Ok(results) => {
                let by_id: HashMap<&str, &HsObject> =
                    results.iter().map(|r| (r.id.as_str(), r)).collect();
                Ok(items
                    .iter()
                    .map(|u| match by_id.get(u.id.as_str()) {
                        Some(r) => Ok(Written {
                            target_id: u.id.clone(),
                            version: Some(r.updated_at.clone()).filter(|v| !v.is_empty()),
                            created: false,
                            invoice: None,
                        }),
                        None => Err(ConnectorError::new(
                            ledgerbridge_sdk::ErrorKind::NotFound,
                            format!("{t} {} not found", u.id),
                        )),
                    })
                    .collect())
            }
            Err(e) if e.kind == ledgerbridge_sdk::ErrorKind::Validation && items.len() > 1 => {
                let mut out = Vec::new();
                for u in items {
                    out.push(Box::pin(self.update_chunk(t, vec![u])).await?.remove(0));
                }
                Ok(out)
            }
            Err(e) if !e.is_retryable() && items.len() == 1 => Ok(vec![Err(e)]),
            Err(e) => Err(e),
        }
    }
}
