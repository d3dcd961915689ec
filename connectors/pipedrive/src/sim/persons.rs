//! `/api/v2/persons`: list (cursor paging, `org_id`, `owner_id`, `deal_id`
//! filters), get, create, patch, delete (purged after 30 days).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::custom;
use super::input::{self, nullable};
use super::listing::{self, ListParams, SortBy};
use super::respond::{self, ApiError};
use super::state::{SimState, USER_ID};
use super::store::{Kind, Store};
use super::webhooks::{Change, previous, to_raw};
use crate::wire::{CustomFields, Person, PersonContact};

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];

#[derive(Debug, Default, Deserialize)]
pub struct PersonInput {
    name: Option<String>,
    owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    org_id: Option<Option<i64>>,
    emails: Option<Vec<PersonContact>>,
    phones: Option<Vec<PersonContact>>,
    visible_to: Option<i64>,
    label_ids: Option<Vec<i64>>,
    job_title: Option<String>,
    #[serde(default)]
    custom_fields: CustomFields,
}

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let selected = custom::selection(&q)?;
        let owner = listing::int_param(&q, "owner_id")?;
        let org = listing::int_param(&q, "org_id")?;
        let deal = listing::int_param(&q, "deal_id")?;
        let store = st.store();
        let deal_person = deal.map(|d| store.deals.get(&d).and_then(|d| d.person_id));
        let rows = store.persons.values().filter(|x| {
            !x.is_deleted
                && owner.is_none_or(|o| x.owner_id == o)
                && org.is_none_or(|o| x.org_id == Some(o))
                && deal_person.is_none_or(|p| p == Some(x.id))
        });
        let (page, next) = p.page(rows);
        let page: Vec<_> = page
            .into_iter()
            .cloned()
            .map(|mut x| {
                custom::select(&mut x.custom_fields, &selected);
                x
            })
            .collect();
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn get_one(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Query(q): Query<listing::Query>,
) -> Response {
    let selected = match custom::selection(&q) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let store = st.store();
    match id.parse::<i64>().ok().and_then(|id| store.persons.get(&id)) {
        Some(p) => {
            let mut p = p.clone();
            custom::select(&mut p.custom_fields, &selected);
            respond::one(StatusCode::OK, &p)
        }
        None => ApiError::not_found("Person").into_response(),
    }
}

fn apply(store: &Store, p: &mut Person, input: PersonInput) -> Result<(), ApiError> {
    if let Some(n) = &input.name {
        p.name = input::required(Some(n), "name")?;
        let mut parts = p.name.splitn(2, ' ');
        p.first_name = parts.next().map(str::to_string);
        p.last_name = parts.next().map(str::to_string);
    }
    if let Some(o) = input.owner_id {
        if o != USER_ID {
            return Err(ApiError::bad_request(format!("User {o} not found.")));
        }
        p.owner_id = o;
    }
    if let Some(o) = input.org_id {
        if let Some(id) = o
            && store.organizations.get(&id).is_none_or(|o| o.is_deleted)
        {
            return Err(ApiError::bad_request(format!(
                "Organization with id {id} not found."
            )));
        }
        p.org_id = o;
    }
    if let Some(e) = input.emails {
        p.emails = e;
    }
    if let Some(ph) = input.phones {
        p.phones = ph;
    }
    if let Some(v) = input.visible_to {
        p.visible_to = v;
    }
    if let Some(l) = input.label_ids {
        p.label_ids = l;
    }
    if let Some(j) = input.job_title {
        p.job_title = Some(j);
    }
    custom::merge(
        &store.fields.person,
        &mut p.custom_fields,
        &input.custom_fields,
    )
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let result = (|| {
        let input: PersonInput = input::parse(&body)?;
        input::required(input.name.as_ref(), "name")?;
        let now = st.now();
        let mut store = st.store();
        let mut p = Person {
            id: 0,
            name: String::new(),
            first_name: None,
            last_name: None,
            owner_id: USER_ID,
            org_id: None,
            add_time: now,
            update_time: now,
            emails: vec![],
            phones: vec![],
            is_deleted: false,
            visible_to: 3,
            label_ids: vec![],
            job_title: None,
            custom_fields: CustomFields::new(),
        };
        apply(&store, &mut p, input)?;
        p.id = store.next_id(Kind::Person);
        store.persons.insert(p.id, p.clone());
        drop(store);
        st.emit(vec![Change::new("person", "create", p.id, Some(&p), None)]);
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &p))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn patch(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: PersonInput = input::parse(&body)?;
        let now = st.now();
        let mut store = st.store();
        let id = id
            .parse::<i64>()
            .map_err(|_| ApiError::not_found("Person"))?;
        let old = store
            .persons
            .get(&id)
            .filter(|p| !p.is_deleted)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Person"))?;
        let mut p = old.clone();
        apply(&store, &mut p, input)?;
        p.update_time = now;
        store.persons.insert(id, p.clone());
        drop(store);
        if let Some(prev) = previous(&old, &p) {
            st.emit(vec![Change::new(
                "person",
                "change",
                id,
                Some(&p),
                Some(prev),
            )]);
        }
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &p))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn delete(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    #[derive(serde::Serialize)]
    struct Deleted {
        id: i64,
    }
    let now = st.now();
    let mut store = st.store();
    let Some(id) = id
        .parse::<i64>()
        .ok()
        .filter(|id| store.persons.get(id).is_some_and(|p| !p.is_deleted))
    else {
        return ApiError::not_found("Person").into_response();
    };
    let p = store.persons.get_mut(&id).expect("checked");
    let old = p.clone();
    p.is_deleted = true;
    p.update_time = now;
    store.mark_deleted(Kind::Person, id, std::time::Instant::now());
    drop(store);
    st.emit(vec![Change {
        previous: Some(to_raw(&old)),
        ..Change::new::<Person>("person", "delete", id, None, None)
    }]);
    respond::one(StatusCode::OK, &Deleted { id })
}
