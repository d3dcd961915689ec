//! `/api/v2/pipelines` and `/api/v2/stages` (read only here).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::listing::{self, ListParams, SortBy};
use super::respond::{self, ApiError};
use super::state::SimState;

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];

pub async fn pipelines(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let store = st.store();
        let (page, next) = p.page(store.pipelines.values().filter(|x| !x.is_deleted));
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn pipeline(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let store = st.store();
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.pipelines.get(&id))
    {
        Some(p) => respond::one(StatusCode::OK, p),
        None => ApiError::not_found("Pipeline").into_response(),
    }
}

pub async fn stages(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let pipeline = listing::int_param(&q, "pipeline_id")?;
        let store = st.store();
        let rows = store
            .stages
            .values()
            .filter(|s| !s.is_deleted && pipeline.is_none_or(|p| s.pipeline_id == p));
        let (page, next) = p.page(rows);
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn stage(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let store = st.store();
    match id.parse::<i64>().ok().and_then(|id| store.stages.get(&id)) {
        Some(s) => respond::one(StatusCode::OK, s),
        None => ApiError::not_found("Stage").into_response(),
    }
}
