//! v2 list paging, as Pipedrive does it: `limit` (default 100, at most 500),
//! an opaque `cursor` that marks where the next page starts, `sort_by`
//! (`id`, `update_time`, `add_time`) and `sort_direction`, and the
//! `updated_since` (inclusive) / `updated_until` (exclusive) window and `ids=`
//! filter most lists share.
//!
//! The cursor is base64url JSON of the last row's sort key and id, in the
//! shape Pipedrive's own cursors decode to
//! (`{"field":"id","fieldValue":7,"sortDirection":"asc","id":7}`); rows with
//! equal keys are ordered by id, so a page boundary never drops or repeats one.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::respond::ApiError;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;
/// At most this many ids in `ids=`.
pub const MAX_IDS: usize = 100;

/// A row a v2 list can page over.
pub trait Row {
    fn id(&self) -> i64;
    fn add_time(&self) -> DateTime<Utc>;
    fn update_time(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    Id,
    UpdateTime,
    AddTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Cursor {
    field: SortBy,
    #[serde(rename = "fieldValue")]
    field_value: i64,
    #[serde(rename = "sortDirection")]
    sort_direction: String,
    id: i64,
}

/// The paging and window parameters of one list call.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub limit: usize,
    pub sort_by: SortBy,
    pub desc: bool,
    after: Option<(i64, i64)>,
    pub updated_since: Option<DateTime<Utc>>,
    pub updated_until: Option<DateTime<Utc>>,
    pub ids: Option<BTreeSet<i64>>,
}

/// The query string of a call, as the handlers read it.
pub type Query = HashMap<String, String>;

/// An integer query parameter, or a 400 naming it.
pub fn int_param(q: &Query, name: &str) -> Result<Option<i64>, ApiError> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            ApiError::bad_request(format!("\"{name}\" must be an integer, got {s:?}."))
        }),
    }
}

/// A boolean query parameter (`true`/`false`, `1`/`0`), or a 400 naming it.
pub fn bool_param(q: &Query, name: &str) -> Result<Option<bool>, ApiError> {
    match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(s) => Err(ApiError::bad_request(format!(
            "\"{name}\" must be a boolean, got {s:?}."
        ))),
    }
}

fn time_param(q: &Query, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::time::parse_v2(s).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "\"{name}\" must be an RFC3339 date-time like 2025-01-01T10:20:00Z, got {s:?}."
            ))
        }),
    }
}

impl ListParams {
    /// Reads the paging parameters; `sorts` are the `sort_by` values this list allows.
    pub fn parse(q: &Query, sorts: &[SortBy]) -> Result<ListParams, ApiError> {
        let limit = match int_param(q, "limit")? {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Some(n) => {
                return Err(ApiError::bad_request(format!(
                    "\"limit\" must be between 1 and {MAX_LIMIT}, got {n}."
                )));
            }
        };
        let sort_by = match q.get("sort_by").map(String::as_str) {
            None | Some("") | Some("id") => SortBy::Id,
            Some("update_time") => SortBy::UpdateTime,
            Some("add_time") => SortBy::AddTime,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "\"sort_by\" must be one of [id, update_time, add_time], got {other:?}."
                )));
            }
        };
        if !sorts.contains(&sort_by) {
            return Err(ApiError::bad_request(format!(
                "\"sort_by\" {sort_by:?} is not supported by this list."
            )));
        }
        let desc = match q.get("sort_direction").map(String::as_str) {
            None | Some("") | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "\"sort_direction\" must be one of [asc, desc], got {other:?}."
                )));
            }
        };
        let dir = if desc { "desc" } else { "asc" };
        let after = match q.get("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                let cur =
                    decode_cursor(c).ok_or_else(|| ApiError::bad_request("Invalid cursor."))?;
                if cur.field != sort_by || cur.sort_direction != dir {
                    return Err(ApiError::bad_request(
                        "The cursor was made for another sort_by or sort_direction.",
                    ));
                }
                Some((cur.field_value, cur.id))
            }
        };
        let ids = match q.get("ids").map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                let mut set = BTreeSet::new();
                for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let id = part.parse().map_err(|_| {
                        ApiError::bad_request(format!(
                            "\"ids\" must be comma-separated integers, got {part:?}."
                        ))
                    })?;
                    set.insert(id);
                }
                if set.len() > MAX_IDS {
                    return Err(ApiError::bad_request(format!(
                        "\"ids\" takes at most {MAX_IDS} ids."
                    )));
                }
                Some(set)
            }
        };
        Ok(ListParams {
            limit,
            sort_by,
            desc,
            after,
            updated_since: time_param(q, "updated_since")?,
            updated_until: time_param(q, "updated_until")?,
            ids,
        })
    }

    fn key<R: Row>(&self, r: &R) -> (i64, i64) {
        let k = match self.sort_by {
            SortBy::Id => r.id(),
            SortBy::UpdateTime => r.update_time().timestamp(),
            SortBy::AddTime => r.add_time().timestamp(),
        };
        (k, r.id())
    }

    /// Whether a row passes the shared filters (`ids`, the update window).
    fn keeps<R: Row>(&self, r: &R) -> bool {
        self.ids.as_ref().is_none_or(|ids| ids.contains(&r.id()))
            && self.updated_since.is_none_or(|t| r.update_time() >= t)
            && self.updated_until.is_none_or(|t| r.update_time() < t)
    }

    /// One page of `rows` (already filtered by the list's own filters) and
    /// the cursor of the next page, `None` on the last.
    pub fn page<'a, R: Row>(
        &self,
        rows: impl Iterator<Item = &'a R>,
    ) -> (Vec<&'a R>, Option<String>) {
        let mut kept: Vec<(&R, (i64, i64))> = rows
            .filter(|r| self.keeps(*r))
            .map(|r| (r, self.key(r)))
            .filter(|(_, k)| match self.after {
                None => true,
                Some(a) if self.desc => *k < a,
                Some(a) => *k > a,
            })
            .collect();
        if self.desc {
            kept.sort_by_key(|a| std::cmp::Reverse(a.1));
        } else {
            kept.sort_by_key(|a| a.1);
        }
        let more = kept.len() > self.limit;
        kept.truncate(self.limit);
        let next = match (more, kept.last()) {
            (true, Some((_, (value, id)))) => Some(encode_cursor(&Cursor {
                field: self.sort_by,
                field_value: *value,
                sort_direction: if self.desc { "desc" } else { "asc" }.into(),
                id: *id,
            })),
            _ => None,
        };
        (kept.into_iter().map(|(r, _)| r).collect(), next)
    }
}

fn encode_cursor(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).expect("cursor serializes"))
}

fn decode_cursor(s: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    struct R(i64, i64);
    impl Row for R {
        fn id(&self) -> i64 {
            self.0
        }
        fn add_time(&self) -> DateTime<Utc> {
            Utc.timestamp_opt(self.1, 0).unwrap()
        }
        fn update_time(&self) -> DateTime<Utc> {
            Utc.timestamp_opt(self.1, 0).unwrap()
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pages_by_update_time_with_ties_never_drop_or_repeat() {
        // many rows share one update second: the id tiebreak carries the page boundary
        let rows: Vec<R> = (1..=25).map(|i| R(i, 1000 + i / 10)).collect();
        let mut seen = vec![];
        let mut cursor = None::<String>;
        loop {
            let mut query = q(&[("limit", "4"), ("sort_by", "update_time")]);
            if let Some(c) = &cursor {
                query.insert("cursor".into(), c.clone());
            }
            let p = ListParams::parse(&query, &[SortBy::Id, SortBy::UpdateTime]).unwrap();
            let (page, next) = p.page(rows.iter());
            seen.extend(page.iter().map(|r| r.0));
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, (1..=25).collect::<Vec<_>>());
    }

    #[test]
    fn refuses_bad_parameters_naming_them() {
        let e = ListParams::parse(&q(&[("limit", "501")]), &[SortBy::Id]).unwrap_err();
        assert!(e.error.contains("\"limit\""), "{e:?}");
        let e = ListParams::parse(&q(&[("cursor", "garbage!")]), &[SortBy::Id]).unwrap_err();
        assert_eq!(e.error, "Invalid cursor.");
        let e = ListParams::parse(&q(&[("updated_since", "monday")]), &[SortBy::Id]).unwrap_err();
        assert!(e.error.contains("updated_since"));
    }
}
