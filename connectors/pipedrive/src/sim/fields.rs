//! `/api/v2/dealFields`, `/personFields`, `/organizationFields`: the
//! built-in fields and the company's custom fields (40-character hash keys),
//! cursor-paged by position.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::listing::{self, DEFAULT_LIMIT, MAX_LIMIT};
use super::respond::{self, ApiError};
use super::state::SimState;
use super::store::FieldSets;
use crate::wire::Field;

fn page(fields: &[Field], q: &listing::Query) -> Result<Response, ApiError> {
    let limit = match listing::int_param(q, "limit")? {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::bad_request(format!(
                "\"limit\" must be between 1 and {MAX_LIMIT}, got {n}."
            )));
        }
    };
    let start = match q.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or_else(|| ApiError::bad_request("Invalid cursor."))?,
    };
    let end = (start + limit).min(fields.len());
    let next = (end < fields.len()).then(|| URL_SAFE_NO_PAD.encode(format!("offset:{end}")));
    Ok(respond::cursor_page(&fields[start.min(end)..end], next))
}

fn serve(st: &SimState, q: &listing::Query, pick: fn(&FieldSets) -> &Vec<Field>) -> Response {
    let store = st.store();
    page(pick(&store.fields), q).unwrap_or_else(IntoResponse::into_response)
}

pub async fn deal_fields(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    serve(&st, &q, |f| &f.deal)
}

pub async fn person_fields(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    serve(&st, &q, |f| &f.person)
}

pub async fn organization_fields(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    serve(&st, &q, |f| &f.organization)
}
