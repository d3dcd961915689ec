//! The contract of a CRM source.

use async_trait::async_trait;

use crate::model::{CrmObject, CrmRecord, Pipeline, PropertyUpdate};
use crate::{Capabilities, ConnectorResult, Cursor, ItemOutcome, PageStream};

/// A CRM the engine pulls from and writes status back to.
///
/// How the vendors fit:
/// - HubSpot: `list_changed` pages `/crm/v3/objects/{type}` on a full pull and
///   the search API on `hs_lastmodifieddate` incrementally; `read_by_ids` is
///   `batch/read` (100); `write_back` is `batch/update`.
/// - Salesforce: SOQL `WHERE SystemModstamp >= :t ORDER BY SystemModstamp, Id`
///   following `nextRecordsUrl`; `read_by_ids` is `/composite/sobjects`
///   (`ids=`, 200) ; `write_back` is a PATCH collection.
/// - Pipedrive: v2 `GET /deals?updated_since=…&sort_by=update_time` with
///   `next_cursor`; `read_by_ids` is the `ids=` filter; `write_back` is PATCH
///   per deal (no batch endpoint: `write_batch` 1).
#[async_trait]
pub trait CrmSource: Send + Sync {
    fn capabilities(&self) -> &Capabilities;

    /// Records of `object` changed since `since` (`None`: everything), page by
    /// page, oldest change first. Archived / deleted records are included with
    /// `meta.archived = true` where the vendor can list them, so deletions
    /// reach the engine. Why a stream: 100,000 deals must never sit in memory
    /// at once, and the engine commits page by page.
    fn list_changed<'a>(
        &'a self,
        object: CrmObject,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, CrmRecord>;

    /// The current state of exactly these records (webhook-triggered pulls,
    /// reconciliation). Batched to `capabilities().read_batch` by the
    /// connector. A record that no longer exists comes back archived or is
    /// missing from the result; both mean "gone".
    async fn read_by_ids(
        &self,
        object: CrmObject,
        ids: &[String],
    ) -> ConnectorResult<Vec<CrmRecord>>;

    /// Deal pipelines with their stages (labels, order, win probability), for
    /// deciding "closed won" and weighting the forecast.
    async fn pipelines(&self) -> ConnectorResult<Vec<Pipeline>>;

    /// Writes properties back (invoice status, amounts paid), one outcome per
    /// update in input order; `ItemOutcome::key` is `"<object>:<id>"`.
    async fn write_back(&self, updates: &[PropertyUpdate]) -> ConnectorResult<Vec<ItemOutcome>>;
}
