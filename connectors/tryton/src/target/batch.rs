//! Writing invoices: one create per batch, then one post, with item-by-item
//! fallbacks when Tryton refuses a batch.

use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ItemOutcome, Written};

use super::{TrytonTarget, fail};

impl TrytonTarget {
    pub(super) async fn written_invoices(&self, ids: &[u64]) -> ConnectorResult<Vec<Written>> {
        let rows = self.client.read_invoices(ids).await?;
        let full = self.invoices_with_lines(rows.clone()).await?;
        Ok(rows
            .iter()
            .zip(full)
            .map(|(r, t)| Written {
                target_id: r.id.to_string(),
                version: t.updated_at.map(|u| u.to_rfc3339()),
                created: true,
                invoice: Some(Box::new(t)),
            })
            .collect())
    }

    /// Creates and (unless `DRAFT`) posts already converted invoices; a
    /// refused batch is retried item by item.
    pub(super) async fn create_and_post(
        &self,
        batch: Vec<(String, crate::invoice::NewInvoice, bool)>,
    ) -> Vec<ItemOutcome> {
        let drafts: Vec<_> = batch.iter().map(|(_, inv, _)| inv.clone()).collect();
        let created = match self.client.create_invoices(&drafts).await {
            Ok(ids) => ids,
            Err(_) if batch.len() > 1 => {
                let mut out = Vec::new();
                for one in batch {
                    out.extend(Box::pin(self.create_and_post(vec![one])).await);
                }
                return out;
            }
            Err(e) => return vec![fail(&batch[0].0, e.into())],
        };
        let to_post: Vec<u64> = created
            .iter()
            .zip(&batch)
            .filter(|(_, (_, _, post))| *post)
            .map(|(id, _)| *id)
            .collect();
        let mut refused: Vec<(u64, ConnectorError)> = Vec::new();
        if let Err(e) = self.client.post_invoices(&to_post).await {
            if to_post.len() == 1 {
                refused.push((to_post[0], e.into()));
            } else {
                for id in &to_post {
                    if let Err(e) = self.client.post_invoices(&[*id]).await {
                        refused.push((*id, e.into()));
                    }
                }
            }
        }
        for (id, _) in &refused {
            if let Err(e) = self.client.delete_invoices(&[*id]).await {
                tracing::warn!(invoice = id, error = %e, "could not delete a draft Tryton refused to post");
            }
        }
        let ok: Vec<u64> = created
            .iter()
            .copied()
            .filter(|id| !refused.iter().any(|(r, _)| r == id))
            .collect();
        let written = match self.written_invoices(&ok).await {
            Ok(w) => w,
            Err(e) => {
                return batch.iter().map(|(k, _, _)| fail(k, e.clone())).collect();
            }
        };
        created
            .iter()
            .zip(batch)
            .map(|(id, (key, _, _))| {
                let result = match refused.iter().find(|(r, _)| r == id) {
                    Some((_, e)) => Err(e.clone()),
                    None => written
                        .iter()
                        .find(|w| w.target_id == id.to_string())
                        .cloned()
                        .ok_or_else(|| {
                            ConnectorError::malformed(format!(
                                "Tryton invoice {id} vanished after posting"
                            ))
                        }),
                };
                ItemOutcome { key, result }
            })
            .collect()
    }
}
