//! `/api/v2/organizations`: list (cursor paging, `owner_id`), get, create,
//! patch, delete (purged after 30 days).

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
use crate::wire::{Address, CustomFields, Organization};

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];

#[derive(Debug, Default, Deserialize)]
pub struct OrganizationInput {
    name: Option<String>,
    owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    address: Option<Option<Address>>,
    #[serde(default, deserialize_with = "nullable")]
    website: Option<Option<String>>,
    visible_to: Option<i64>,
    label_ids: Option<Vec<i64>>,
    #[serde(default)]
    custom_fields: CustomFields,
}

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let selected = custom::selection(&q)?;
        let owner = listing::int_param(&q, "owner_id")?;
        let store = st.store();
        let rows = store
            .organizations
            .values()
            .filter(|x| !x.is_deleted && owner.is_none_or(|o| x.owner_id == o));
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
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.organizations.get(&id))
    {
        Some(o) => {
            let mut o = o.clone();
            custom::select(&mut o.custom_fields, &selected);
            respond::one(StatusCode::OK, &o)
        }
        None => ApiError::not_found("Organization").into_response(),
    }
}

fn apply(store: &Store, o: &mut Organization, input: OrganizationInput) -> Result<(), ApiError> {
    if let Some(n) = &input.name {
        o.name = input::required(Some(n), "name")?;
    }
    if let Some(owner) = input.owner_id {
        if owner != USER_ID {
            return Err(ApiError::bad_request(format!("User {owner} not found.")));
        }
        o.owner_id = owner;
    }
    if let Some(a) = input.address {
        o.address = a;
    }
    if let Some(w) = input.website {
        o.website = w;
    }
    if let Some(v) = input.visible_to {
        o.visible_to = v;
    }
    if let Some(l) = input.label_ids {
        o.label_ids = l;
    }
    custom::merge(
        &store.fields.organization,
        &mut o.custom_fields,
        &input.custom_fields,
    )
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let result = (|| {
        let input: OrganizationInput = input::parse(&body)?;
        input::required(input.name.as_ref(), "name")?;
        let now = st.now();
        let mut store = st.store();
        let mut o = Organization {
            id: 0,
            name: String::new(),
            owner_id: USER_ID,
            add_time: now,
            update_time: now,
            is_deleted: false,
            visible_to: 3,
            address: None,
            label_ids: vec![],
            website: None,
            custom_fields: CustomFields::new(),
        };
        apply(&store, &mut o, input)?;
        o.id = store.next_id(Kind::Organization);
        store.organizations.insert(o.id, o.clone());
        drop(store);
        st.emit(vec![Change::new(
            "organization",
            "create",
            o.id,
            Some(&o),
            None,
        )]);
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &o))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn patch(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: OrganizationInput = input::parse(&body)?;
        let now = st.now();
        let mut store = st.store();
        let id = id
            .parse::<i64>()
            .map_err(|_| ApiError::not_found("Organization"))?;
        let old = store
            .organizations
            .get(&id)
            .filter(|o| !o.is_deleted)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Organization"))?;
        let mut o = old.clone();
        apply(&store, &mut o, input)?;
        o.update_time = now;
        store.organizations.insert(id, o.clone());
        drop(store);
        if let Some(prev) = previous(&old, &o) {
            st.emit(vec![Change::new(
                "organization",
                "change",
                id,
                Some(&o),
                Some(prev),
            )]);
        }
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &o))
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
        .filter(|id| store.organizations.get(id).is_some_and(|o| !o.is_deleted))
    else {
        return ApiError::not_found("Organization").into_response();
    };
    let o = store.organizations.get_mut(&id).expect("checked");
    let old = o.clone();
    o.is_deleted = true;
    o.update_time = now;
    store.mark_deleted(Kind::Organization, id, std::time::Instant::now());
    drop(store);
    st.emit(vec![Change {
        previous: Some(to_raw(&old)),
        ..Change::new::<Organization>("organization", "delete", id, None, None)
    }]);
    respond::one(StatusCode::OK, &Deleted { id })
}
