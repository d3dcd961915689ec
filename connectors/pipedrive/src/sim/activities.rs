//! `/api/v2/activities`: list (cursor paging; `deal_id`, `person_id`,
//! `org_id`, `owner_id`, `done` filters), get, create, patch.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::input::{self, nullable};
use super::listing::{self, ListParams, SortBy};
use super::respond::{self, ApiError};
use super::state::{SimState, USER_ID};
use super::store::{Kind, Store};
use super::webhooks::{Change, previous};
use crate::wire::Activity;

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];
const TYPES: &[&str] = &["call", "meeting", "task", "deadline", "email", "lunch"];

#[derive(Debug, Default, Deserialize)]
pub struct ActivityInput {
    subject: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    deal_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    person_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    org_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    due_date: Option<Option<NaiveDate>>,
    duration: Option<String>,
    busy: Option<bool>,
    done: Option<bool>,
    note: Option<String>,
}

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let owner = listing::int_param(&q, "owner_id")?;
        let deal = listing::int_param(&q, "deal_id")?;
        let person = listing::int_param(&q, "person_id")?;
        let org = listing::int_param(&q, "org_id")?;
        let done = listing::bool_param(&q, "done")?;
        let store = st.store();
        let rows = store.activities.values().filter(|a| {
            !a.is_deleted
                && owner.is_none_or(|o| a.owner_id == o)
                && deal.is_none_or(|d| a.deal_id == Some(d))
                && person.is_none_or(|x| a.person_id == Some(x))
                && org.is_none_or(|x| a.org_id == Some(x))
                && done.is_none_or(|d| a.done == d)
        });
        let (page, next) = p.page(rows);
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let store = st.store();
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.activities.get(&id))
    {
        Some(a) => respond::one(StatusCode::OK, a),
        None => ApiError::not_found("Activity").into_response(),
    }
}

fn apply(store: &Store, a: &mut Activity, input: ActivityInput) -> Result<(), ApiError> {
    if let Some(s) = &input.subject {
        a.subject = input::required(Some(s), "subject")?;
    }
    if let Some(k) = input.kind {
        if !TYPES.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "Activity type {k:?} not found."
            )));
        }
        a.kind = k;
    }
    if let Some(o) = input.owner_id {
        if o != USER_ID {
            return Err(ApiError::bad_request(format!("User {o} not found.")));
        }
        a.owner_id = o;
    }
    if let Some(d) = input.deal_id {
        if let Some(id) = d
            && !store.deals.contains_key(&id)
        {
            return Err(ApiError::bad_request(format!(
                "Deal with id {id} not found."
            )));
        }
        a.deal_id = d;
    }
    if let Some(p) = input.person_id {
        if let Some(id) = p
            && !store.persons.contains_key(&id)
        {
            return Err(ApiError::bad_request(format!(
                "Person with id {id} not found."
            )));
        }
        a.person_id = p;
    }
    if let Some(o) = input.org_id {
        if let Some(id) = o
            && !store.organizations.contains_key(&id)
        {
            return Err(ApiError::bad_request(format!(
                "Organization with id {id} not found."
            )));
        }
        a.org_id = o;
    }
    if let Some(d) = input.due_date {
        a.due_date = d;
    }
    if let Some(d) = input.duration {
        a.duration = Some(d);
    }
    if let Some(b) = input.busy {
        a.busy = b;
    }
    if let Some(d) = input.done {
        a.done = d;
    }
    if let Some(n) = input.note {
        a.note = Some(n);
    }
    Ok(())
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let result = (|| {
        let input: ActivityInput = input::parse(&body)?;
        input::required(input.subject.as_ref(), "subject")?;
        let now = st.now();
        let mut store = st.store();
        let mut a = Activity {
            id: 0,
            subject: String::new(),
            kind: "task".into(),
            owner_id: USER_ID,
            creator_user_id: Some(USER_ID),
            is_deleted: false,
            add_time: now,
            update_time: now,
            deal_id: None,
            person_id: None,
            org_id: None,
            due_date: None,
            duration: None,
            busy: false,
            done: false,
            note: None,
        };
        apply(&store, &mut a, input)?;
        a.id = store.next_id(Kind::Activity);
        store.activities.insert(a.id, a.clone());
        drop(store);
        st.emit(vec![Change::new(
            "activity",
            "create",
            a.id,
            Some(&a),
            None,
        )]);
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &a))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn patch(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: ActivityInput = input::parse(&body)?;
        let now = st.now();
        let mut store = st.store();
        let id = id
            .parse::<i64>()
            .map_err(|_| ApiError::not_found("Activity"))?;
        let old = store
            .activities
            .get(&id)
            .filter(|a| !a.is_deleted)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Activity"))?;
        let mut a = old.clone();
        apply(&store, &mut a, input)?;
        a.update_time = now;
        store.activities.insert(id, a.clone());
        drop(store);
        if let Some(prev) = previous(&old, &a) {
            st.emit(vec![Change::new(
                "activity",
                "change",
                id,
                Some(&a),
                Some(prev),
            )]);
        }
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &a))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}
