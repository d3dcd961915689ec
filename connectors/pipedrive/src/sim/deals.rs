//! `/api/v2/deals`: list (cursor paging, filters, archived deals left out),
//! the archived list, get, create, patch (archive, win, lose…), delete
//! (marked deleted, purged after 30 days).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::custom;
use super::input::{self, nullable};
use super::listing::{self, ListParams, SortBy};
use super::respond::{self, ApiError};
use super::state::{SimState, USER_ID};
use super::store::{Kind, Store};
use super::webhooks::{Change, previous};
use crate::wire::{CustomFields, Deal, DealStatus};

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];

/// The body of `POST` and `PATCH /api/v2/deals`.
#[derive(Debug, Default, Deserialize)]
pub struct DealInput {
    title: Option<String>,
    owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    person_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    org_id: Option<Option<i64>>,
    pipeline_id: Option<i64>,
    stage_id: Option<i64>,
    #[serde(default, with = "crate::money::opt")]
    value: Option<Decimal>,
    currency: Option<String>,
    is_deleted: Option<bool>,
    is_archived: Option<bool>,
    status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    probability: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    lost_reason: Option<Option<String>>,
    visible_to: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    expected_close_date: Option<Option<NaiveDate>>,
    label_ids: Option<Vec<i64>>,
    #[serde(default)]
    custom_fields: CustomFields,
}

/// Which statuses a `status=` filter asks for (`open,won`; `deleted` adds deleted deals).
fn status_filter(q: &listing::Query) -> Result<Option<Vec<DealStatus>>, ApiError> {
    let Some(s) = q.get("status").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    s.split(',')
        .map(|p| {
            DealStatus::parse(p.trim()).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "\"status\" must be one of [open, won, lost, deleted], got {p:?}."
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn keep(d: &Deal, statuses: &Option<Vec<DealStatus>>) -> bool {
    match statuses {
        None => !d.is_deleted,
        Some(s) => s.iter().any(|st| match st {
            DealStatus::Deleted => d.is_deleted,
            other => !d.is_deleted && d.status == *other,
        }),
    }
}

fn list_deals(st: &SimState, q: &listing::Query, archived: bool) -> Result<Response, ApiError> {
    let p = ListParams::parse(q, SORTS)?;
    let selected = custom::selection(q)?;
    let statuses = status_filter(q)?;
    let owner = listing::int_param(q, "owner_id")?;
    let person = listing::int_param(q, "person_id")?;
    let org = listing::int_param(q, "org_id")?;
    let pipeline = listing::int_param(q, "pipeline_id")?;
    let stage = listing::int_param(q, "stage_id")?;
    let store = st.store();
    let rows = store.deals.values().filter(|d| {
        d.is_archived == archived
            && keep(d, &statuses)
            && owner.is_none_or(|o| d.owner_id == o)
            && person.is_none_or(|x| d.person_id == Some(x))
            && org.is_none_or(|x| d.org_id == Some(x))
            && pipeline.is_none_or(|x| d.pipeline_id == x)
            && stage.is_none_or(|x| d.stage_id == x)
    });
    let (page, next) = p.page(rows);
    let page: Vec<_> = page
        .into_iter()
        .cloned()
        .map(|mut d| {
            custom::select(&mut d.custom_fields, &selected);
            d
        })
        .collect();
    Ok(respond::cursor_page(&page, next))
}

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    list_deals(&st, &q, false).unwrap_or_else(IntoResponse::into_response)
}

pub async fn archived(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    list_deals(&st, &q, true).unwrap_or_else(IntoResponse::into_response)
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
    match id.parse::<i64>().ok().and_then(|id| store.deals.get(&id)) {
        Some(d) => {
            let mut d = d.clone();
            custom::select(&mut d.custom_fields, &selected);
            respond::one(StatusCode::OK, &d)
        }
        None => ApiError::not_found("Deal").into_response(),
    }
}

fn apply(
    store: &Store,
    deal: &mut Deal,
    input: DealInput,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(t) = &input.title {
        deal.title = input::required(Some(t), "title")?;
    }
    if let Some(o) = input.owner_id {
        if o != USER_ID {
            return Err(ApiError::bad_request(format!("User {o} not found.")));
        }
        deal.owner_id = o;
    }
    if let Some(p) = input.person_id {
        if let Some(id) = p
            && store.persons.get(&id).is_none_or(|p| p.is_deleted)
        {
            return Err(ApiError::bad_request(format!(
                "Person with id {id} not found."
            )));
        }
        deal.person_id = p;
    }
    if let Some(o) = input.org_id {
        if let Some(id) = o
            && store.organizations.get(&id).is_none_or(|o| o.is_deleted)
        {
            return Err(ApiError::bad_request(format!(
                "Organization with id {id} not found."
            )));
        }
        deal.org_id = o;
    }
    if let Some(pid) = input.pipeline_id {
        if !store.pipelines.contains_key(&pid) {
            return Err(ApiError::bad_request(format!(
                "Pipeline with id {pid} not found."
            )));
        }
        if input.stage_id.is_none() && deal.pipeline_id != pid {
            // a deal moved to another pipeline lands in its first stage
            let first = store
                .stages
                .values()
                .filter(|s| s.pipeline_id == pid)
                .min_by_key(|s| s.order_nr);
            deal.stage_id = first.map(|s| s.id).unwrap_or(deal.stage_id);
            deal.stage_change_time = Some(now);
        }
        deal.pipeline_id = pid;
    }
    if let Some(sid) = input.stage_id {
        let stage = store
            .stages
            .get(&sid)
            .ok_or_else(|| ApiError::bad_request(format!("Stage with id {sid} not found.")))?;
        if let Some(pid) = input.pipeline_id
            && pid != stage.pipeline_id
        {
            return Err(ApiError::bad_request(format!(
                "Stage {sid} is not in pipeline {pid}."
            )));
        }
        if deal.stage_id != sid {
            deal.stage_change_time = Some(now);
        }
        deal.stage_id = sid;
        deal.pipeline_id = stage.pipeline_id;
    }
    if let Some(v) = input.value {
        if v.is_sign_negative() {
            return Err(ApiError::bad_request("\"value\" must not be negative."));
        }
        deal.value = v;
    }
    if let Some(c) = &input.currency {
        deal.currency = input::currency(c)?;
    }
    if let Some(s) = &input.status {
        let status = match DealStatus::parse(s) {
            Some(DealStatus::Deleted) | None => {
                return Err(ApiError::bad_request(format!(
                    "\"status\" must be one of [open, won, lost], got {s:?}."
                )));
            }
            Some(s) => s,
        };
        if status != deal.status {
            deal.status = status;
            deal.won_time = (status == DealStatus::Won).then_some(now);
            deal.lost_time = (status == DealStatus::Lost).then_some(now);
            deal.close_time = (status != DealStatus::Open).then_some(now);
        }
    }
    if let Some(p) = input.probability {
        if p.is_some_and(|p| !(0..=100).contains(&p)) {
            return Err(ApiError::bad_request(
                "\"probability\" must be between 0 and 100.",
            ));
        }
        deal.probability = p;
    }
    if let Some(r) = input.lost_reason {
        deal.lost_reason = r;
    }
    if let Some(v) = input.visible_to {
        if ![1, 3, 5, 7].contains(&v) {
            return Err(ApiError::bad_request(
                "\"visible_to\" must be one of 1, 3, 5, 7.",
            ));
        }
        deal.visible_to = v;
    }
    if let Some(d) = input.expected_close_date {
        deal.expected_close_date = d;
    }
    if let Some(l) = input.label_ids {
        deal.label_ids = l;
    }
    if let Some(a) = input.is_archived
        && a != deal.is_archived
    {
        deal.is_archived = a;
        deal.archive_time = a.then_some(now);
    }
    if input.is_deleted == Some(true) {
        return Err(ApiError::bad_request(
            "Deals are deleted with DELETE /api/v2/deals/{id}.",
        ));
    }
    custom::merge(
        &store.fields.deal,
        &mut deal.custom_fields,
        &input.custom_fields,
    )?;
    deal.update_time = now;
    Ok(())
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let result = (|| {
        let input: DealInput = input::parse(&body)?;
        input::required(input.title.as_ref(), "title")?;
        let now = st.now();
        let mut store = st.store();
        let first_stage = store
            .stages
            .values()
            .filter(|s| s.pipeline_id == 1)
            .min_by_key(|s| s.order_nr)
            .map(|s| s.id)
            .unwrap_or(1);
        let mut deal = Deal {
            id: 0,
            title: String::new(),
            creator_user_id: Some(USER_ID),
            owner_id: USER_ID,
            person_id: None,
            org_id: None,
            pipeline_id: 1,
            stage_id: first_stage,
            value: Decimal::ZERO,
            currency: "USD".into(),
            add_time: now,
            update_time: now,
            stage_change_time: None,
            is_deleted: false,
            is_archived: false,
            archive_time: None,
            status: DealStatus::Open,
            probability: None,
            lost_reason: None,
            visible_to: 3,
            close_time: None,
            won_time: None,
            lost_time: None,
            expected_close_date: None,
            label_ids: vec![],
            origin: "API".into(),
            origin_id: None,
            channel: None,
            channel_id: None,
            arr: None,
            mrr: None,
            acv: None,
            custom_fields: CustomFields::new(),
        };
        apply(&store, &mut deal, input, now)?;
        deal.id = store.next_id(Kind::Deal);
        store.deals.insert(deal.id, deal.clone());
        drop(store);
        st.emit(vec![Change::new(
            "deal",
            "create",
            deal.id,
            Some(&deal),
            None,
        )]);
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &deal))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn patch(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: DealInput = input::parse(&body)?;
        let now = st.now();
        let mut store = st.store();
        let id = id.parse::<i64>().map_err(|_| ApiError::not_found("Deal"))?;
        let old = store
            .deals
            .get(&id)
            .filter(|d| !d.is_deleted)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Deal"))?;
        let mut deal = old.clone();
        apply(&store, &mut deal, input, now)?;
        store.deals.insert(id, deal.clone());
        drop(store);
        if let Some(prev) = previous(&old, &deal) {
            st.emit(vec![Change::new(
                "deal",
                "change",
                id,
                Some(&deal),
                Some(prev),
            )]);
        }
        Ok::<_, ApiError>(respond::one(StatusCode::OK, &deal))
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
        .filter(|id| store.deals.get(id).is_some_and(|d| !d.is_deleted))
    else {
        return ApiError::not_found("Deal").into_response();
    };
    let deal = store.deals.get_mut(&id).expect("checked");
    let old = deal.clone();
    deal.is_deleted = true;
    deal.update_time = now;
    store.mark_deleted(Kind::Deal, id, std::time::Instant::now());
    drop(store);
    st.emit(vec![Change {
        previous: Some(super::webhooks::to_raw(&old)),
        ..Change::new::<Deal>("deal", "delete", id, None, None)
    }]);
    respond::one(StatusCode::OK, &Deleted { id })
}
