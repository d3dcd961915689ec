//! Listings of changes: pages by `write_date`, re-read with an overlap.

use std::time::Duration;

use chrono::NaiveDateTime;
use futures::StreamExt;
use futures::stream;
use ledgerbridge_sdk::{ConnectorResult, Cursor, Page, PageStream};

use super::TrytonTarget;
use crate::wire::WireDateTime;

/// How far back a listing re-reads: `write_date` is the start of the writing
/// transaction, which may commit long after (posting a batch takes tens of
/// seconds), so a change can appear behind a cursor that already passed it.
const LIST_OVERLAP: Duration = Duration::from_secs(600);

fn cursor_time(c: Option<&Cursor>) -> Option<WireDateTime> {
    let t = NaiveDateTime::parse_from_str(c?.as_str(), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(WireDateTime(
        t - chrono::Duration::from_std(LIST_OVERLAP).ok()?,
    ))
}

fn cursor_of(t: Option<WireDateTime>, previous: &str) -> String {
    t.map(|t| t.0.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
        .unwrap_or_else(|| previous.to_string())
}

impl TrytonTarget {
    /// Pages of `page(since, offset, size)`, each with the cursor of the
    /// latest `write_date` seen so far.
    pub(super) fn list<'a, T: Send + 'a, F, Fut>(
        &'a self,
        since: Option<&'a Cursor>,
        page: F,
    ) -> PageStream<'a, T>
    where
        F: Fn(Option<WireDateTime>, usize, usize) -> Fut + Send + Sync + 'a,
        Fut: std::future::Future<Output = ConnectorResult<(Vec<T>, Option<WireDateTime>)>>
            + Send
            + 'a,
    {
        let size = self.client.config().page_size;
        let from = cursor_time(since);
        let start = since.map(|c| c.as_str().to_string()).unwrap_or_default();
        stream::unfold((0usize, false, start), move |(offset, done, cursor)| {
            let fut = page(from, offset, size);
            async move {
                if done {
                    return None;
                }
                match fut.await {
                    Err(e) => Some((Err(e), (offset, true, cursor))),
                    Ok((records, last)) => {
                        let n = records.len();
                        let cursor = cursor_of(last, &cursor);
                        Some((
                            Ok(Page {
                                records,
                                cursor: Cursor::new(cursor.clone()),
                            }),
                            (offset + n, n < size, cursor),
                        ))
                    }
                }
            }
        })
        .boxed()
    }
}
