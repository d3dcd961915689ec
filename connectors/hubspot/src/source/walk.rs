//! The incremental pull: HubSpot's search API on `hs_lastmodifieddate`, with a cursor
//! `(ts, id)` meaning "every change before `ts`, and at `ts` every id up to `id`, is
//! done":
//! 1. ties at `ts` are drained with `lastmodified = ts AND id > id` sorted by id (keyset,
//!    so any number of records may share one millisecond);
//! 2. later changes come from `lastmodified > ts AND ≤ now − settle` sorted by
//!    lastmodified; a page is emitted only up to its last complete timestamp (the
//!    trailing group is held back until the next page shows a later one), so a cursor
//!    never splits a group of equal timestamps;
//! 3. before the 10,000-result search cap the window restarts at the cursor.
//!
//! The boundary millisecond is re-queried every run (the overlap), and the id tiebreak
//! drops what was already seen: no misses, no repeats.

use chrono::DateTime;
use ledgerbridge_sdk::ConnectorResult;
use serde_json::{Value, json};

use super::HubSpotSource;
use crate::client::{HsObject, ObjectPage};

/// Results past this offset are refused by HubSpot's search.
pub const SEARCH_CAP: usize = 10_000;

/// A HubSpot object as fetched, with its lastmodified time.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub(super) id: u64,
    pub(super) ts: i64,
    pub(super) obj: HsObject,
}

pub(super) fn raw(o: HsObject) -> Option<Raw> {
    let id = o.id.parse().ok()?;
    let ts = o
        .prop("hs_lastmodifieddate")
        .or_else(|| o.prop("lastmodifieddate"))
        .or(Some(o.updated_at.as_str()).filter(|s| !s.is_empty()))
        .and_then(parse_ms)?;
    Some(Raw { id, ts, obj: o })
}

pub(super) fn parse_ms(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_millis())
    })
}

/// One HubSpot type's incremental walk (the state machine described above).
pub(super) struct Walk {
    pub(super) t: &'static str,
    /// The cursor: advances with every emitted page.
    pub(super) ts: i64,
    pub(super) id: u64,
    pub(super) hi: i64,
    /// Lower bound of the current search window (`> lo`): fixed while
    /// `offset` pages through it, moved to the cursor when a window restarts.
    pub(super) lo: i64,
    pub(super) ties_done: bool,
    pub(super) offset: usize,
    pub(super) held: Vec<Raw>,
    pub(super) done: bool,
}

impl HubSpotSource {
    fn search_body(&self, t: &str, filters: Vec<Value>, sort: &str, after: Option<usize>) -> Value {
        let mut b = json!({
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.props(t),
            "limit": self.client.config().search_page_size.min(200),
        });
        if let Some(a) = after {
            b["after"] = json!(a.to_string());
        }
        b
    }

    fn results(page: ObjectPage) -> Vec<Raw> {
        page.results.into_iter().filter_map(raw).collect()
    }

    /// The next page of an incremental walk; `None` when it is finished.
    pub(super) async fn step(&self, w: &mut Walk) -> ConnectorResult<Option<Vec<Raw>>> {
        let page = self.client.config().search_page_size.min(200);
        loop {
            if w.done {
                return Ok(None);
            }
            if !w.ties_done {
                let f = vec![
                    json!({"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": w.ts.to_string()}),
                    json!({"propertyName": "hs_object_id", "operator": "GT", "value": w.id.to_string()}),
                ];
                let v = self
                    .client
                    .search(w.t, &self.search_body(w.t, f, "hs_object_id", None))
                    .await?;
                let mut got = Self::results(v);
                got.retain(|r| r.ts == w.ts && r.id > w.id);
                got.sort_by_key(|r| r.id);
                if got.len() < page {
                    // ties drained: the next window starts after this millisecond
                    (w.ties_done, w.lo, w.offset) = (true, w.ts, 0);
                    w.held.clear();
                }
                if let Some(last) = got.last() {
                    w.id = last.id;
                    return Ok(Some(got));
                }
                continue;
            }
            let f = vec![
                json!({"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": w.lo.to_string()}),
                json!({"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": w.hi.to_string()}),
            ];
            let v = self
                .client
                .search(
                    w.t,
                    &self.search_body(w.t, f, "hs_lastmodifieddate", Some(w.offset)),
                )
                .await?;
            let next = v.next_after().and_then(|s| s.parse::<usize>().ok());
            let mut recs = std::mem::take(&mut w.held);
            recs.extend(Self::results(v));
            recs.sort_by_key(|r| (r.ts, r.id));
            recs.dedup_by_key(|r| r.id);
            let Some(last_ts) = recs.last().map(|r| r.ts) else {
                w.done = true;
                return Ok(None);
            };
            let Some(next) = next else {
                // the window is exhausted: every group is complete
                let last = recs.last().expect("non-empty");
                (w.ts, w.id, w.done) = (last.ts, last.id, true);
                return Ok(Some(recs));
            };
            let split = recs.partition_point(|r| r.ts < last_ts);
            let (emit, tail) = recs.split_at(split);
            let (emit, tail) = (emit.to_vec(), tail.to_vec());
            if next + page > SEARCH_CAP {
                // restart below the cap from the last complete group; if the
                // whole window was one timestamp, drain it by id instead
                if let Some(last) = emit.last() {
                    (w.ts, w.id, w.lo) = (last.ts, last.id, last.ts);
                } else {
                    (w.ts, w.id, w.ties_done) = (last_ts, 0, false);
                }
                w.offset = 0;
                w.held.clear();
                if emit.is_empty() {
                    continue;
                }
                return Ok(Some(emit));
            }
            w.offset = next;
            w.held = tail;
            if let Some(last) = emit.last() {
                (w.ts, w.id) = (last.ts, last.id);
                return Ok(Some(emit));
            }
        }
    }
}
