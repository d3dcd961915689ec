//! Paging through changes.

use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::ConnectorResult;

/// Where to resume listing changes: opaque to the engine, meaningful to the
/// connector that made it (a timestamp plus an id tiebreak, a Salesforce
/// `SystemModstamp`, a QuickBooks CDC time, a Pipedrive `update_time`).
///
/// The engine stores the cursor of a page only after that page's records
/// are committed to the mirror, so a crash replays at most one page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

impl Cursor {
    pub fn new(s: impl Into<String>) -> Self {
        Cursor(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub records: Vec<T>,
    /// Resume here after this page is committed. Connectors use an
    /// overlapping window, so records at the boundary may appear again on
    /// the next run; the engine's content hashes make that a no-op.
    pub cursor: Cursor,
}

/// A listing as a stream of pages, so nothing holds the whole set in memory.
pub type PageStream<'a, T> = BoxStream<'a, ConnectorResult<Page<T>>>;
