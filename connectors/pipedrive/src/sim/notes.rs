//! `/v1/notes`: list (`start`/`limit` paging with
//! `additional_data.pagination`; `deal_id`, `person_id`, `org_id`,
//! `updated_since` filters), get, create, update (PUT), delete.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::input;
use super::listing::{self, int_param};
use super::respond::{self, ApiError};
use super::state::{SimState, USER_ID};
use super::store::{Kind, Store};
use super::webhooks::{Change, previous, to_raw};
use crate::wire::{Note, NoteRef, Pagination, StartPageData};

const V1_MAX_LIMIT: i64 = 500;

#[derive(Debug, Default, Deserialize)]
struct NoteInput {
    content: Option<String>,
    deal_id: Option<i64>,
    person_id: Option<i64>,
    org_id: Option<i64>,
    pinned_to_deal_flag: Option<serde_json::Value>,
    pinned_to_person_flag: Option<serde_json::Value>,
    pinned_to_organization_flag: Option<serde_json::Value>,
}

/// v1 flags come as `0`/`1` (or booleans).
fn flag(v: &Option<serde_json::Value>) -> Option<bool> {
    v.as_ref()
        .and_then(|v| v.as_bool().or_else(|| v.as_i64().map(|n| n != 0)))
}

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let start = int_param(&q, "start")?.unwrap_or(0).max(0) as usize;
        let limit = match int_param(&q, "limit")? {
            None => 100,
            Some(n) if (1..=V1_MAX_LIMIT).contains(&n) => n as usize,
            Some(n) => {
                return Err(ApiError::bad_request(format!(
                    "\"limit\" must be between 1 and {V1_MAX_LIMIT}, got {n}."
                )));
            }
        };
        let deal = int_param(&q, "deal_id")?;
        let person = int_param(&q, "person_id")?;
        let org = int_param(&q, "org_id")?;
        let since = match q.get("updated_since").filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                crate::time::parse_v1(s)
                    .or_else(|| crate::time::parse_v2(s))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "\"updated_since\" must be YYYY-MM-DD HH:MM:SS, got {s:?}."
                        ))
                    })?,
            ),
        };
        let store = st.store();
        let rows: Vec<&Note> = store
            .notes
            .values()
            .filter(|n| {
                n.active_flag
                    && deal.is_none_or(|d| n.deal_id == Some(d))
                    && person.is_none_or(|p| n.person_id == Some(p))
                    && org.is_none_or(|o| n.org_id == Some(o))
                    && since.is_none_or(|t| n.update_time >= t)
            })
            .collect();
        let page: Vec<&Note> = rows.iter().skip(start).take(limit).copied().collect();
        let more = start + page.len() < rows.len();
        let pagination = Pagination {
            start: start as u64,
            limit: limit as u64,
            more_items_in_collection: more,
            next_start: more.then(|| (start + page.len()) as u64),
        };
        Ok::<_, ApiError>(respond::page_with(&page, StartPageData { pagination }))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let store = st.store();
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.notes.get(&id))
        .filter(|n| n.active_flag)
    {
        Some(n) => respond::one(StatusCode::OK, n),
        None => ApiError::not_found("Note").into_response(),
    }
}

fn apply(store: &Store, n: &mut Note, input: NoteInput) -> Result<(), ApiError> {
    if let Some(c) = &input.content {
        n.content = input::required(Some(c), "content")?;
    }
    if let Some(id) = input.deal_id {
        let d = store
            .deals
            .get(&id)
            .filter(|d| !d.is_deleted)
            .ok_or_else(|| ApiError::bad_request(format!("Deal with id {id} not found.")))?;
        n.deal_id = Some(id);
        n.deal = Some(NoteRef {
            title: Some(d.title.clone()),
            name: None,
        });
    }
    if let Some(id) = input.person_id {
        let p = store
            .persons
            .get(&id)
            .filter(|p| !p.is_deleted)
            .ok_or_else(|| ApiError::bad_request(format!("Person with id {id} not found.")))?;
        n.person_id = Some(id);
        n.person = Some(NoteRef {
            title: None,
            name: Some(p.name.clone()),
        });
    }
    if let Some(id) = input.org_id {
        let o = store
            .organizations
            .get(&id)
            .filter(|o| !o.is_deleted)
            .ok_or_else(|| {
                ApiError::bad_request(format!("Organization with id {id} not found."))
            })?;
        n.org_id = Some(id);
        n.organization = Some(NoteRef {
            title: None,
            name: Some(o.name.clone()),
        });
    }
    if let Some(f) = flag(&input.pinned_to_deal_flag) {
        n.pinned_to_deal_flag = f;
    }
    if let Some(f) = flag(&input.pinned_to_person_flag) {
        n.pinned_to_person_flag = f;
    }
    if let Some(f) = flag(&input.pinned_to_organization_flag) {
        n.pinned_to_organization_flag = f;
    }
    if n.deal_id.is_none() && n.person_id.is_none() && n.org_id.is_none() {
        return Err(ApiError::bad_request(
            "One of \"deal_id\", \"person_id\", \"org_id\", \"lead_id\", \"project_id\" or \"task_id\" is required.",
        ));
    }
    Ok(())
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let result = (|| {
        let input: NoteInput = input::parse(&body)?;
        input::required(input.content.as_ref(), "content")?;
        let now = st.now();
        let mut store = st.store();
        let mut n = Note {
            id: 0,
            active_flag: true,
            add_time: now,
            content: String::new(),
            deal_id: None,
            person_id: None,
            org_id: None,
            deal: None,
            person: None,
            organization: None,
            last_update_user_id: USER_ID,
            pinned_to_deal_flag: false,
            pinned_to_organization_flag: false,
            pinned_to_person_flag: false,
            update_time: now,
            user_id: USER_ID,
        };
        apply(&store, &mut n, input)?;
        n.id = store.next_id(Kind::Note);
        store.notes.insert(n.id, n.clone());
        drop(store);
        st.emit(vec![Change::new("note", "create", n.id, Some(&n), None)]);
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &n))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn update(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: NoteInput = input::parse(&body)?;
        let now = st.now();
        let mut store = st.store();
        let id = id.parse::<i64>().map_err(|_| ApiError::not_found("Note"))?;
        let old = store
            .notes
            .get(&id)
            .filter(|n| n.active_flag)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Note"))?;
        let mut n = old.clone();
        apply(&store, &mut n, input)?;
        n.update_time = now;
        store.notes.insert(id, n.clone());
        drop(store);
        if let Some(prev) = previous(&old, &n) {
            st.emit(vec![Change::new(
                "note",
                "change",
                id,
                Some(&n),
                Some(prev),
            )]);
        }
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &n))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn delete(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let mut store = st.store();
    let Some(id) = id
        .parse::<i64>()
        .ok()
        .filter(|id| store.notes.get(id).is_some_and(|n| n.active_flag))
    else {
        return ApiError::not_found("Note").into_response();
    };
    let old = store.notes.remove(&id).expect("checked");
    drop(store);
    st.emit(vec![Change {
        previous: Some(to_raw(&old)),
        ..Change::new::<Note>("note", "delete", id, None, None)
    }]);
    // v1 answers a delete with `"data": true`
    respond::one(StatusCode::OK, &true)
}
