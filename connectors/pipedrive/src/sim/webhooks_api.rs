//! `/v1/webhooks`: register (`subscription_url`, `event_action`,
//! `event_object`, `name`, Basic credentials, `version`), list, delete. At
//! most 40 webhooks per user, as Pipedrive allows.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use super::respond::{self, ApiError};
use super::state::{COMPANY_ID, SimState, USER_ID};
use super::store::{Kind, Store};
use crate::wire::{NewWebhook, Webhook};

pub const MAX_WEBHOOKS_PER_USER: usize = 40;
const ACTIONS: &[&str] = &["create", "change", "delete", "*"];
const OBJECTS: &[&str] = &[
    "activity",
    "deal",
    "lead",
    "note",
    "organization",
    "person",
    "pipeline",
    "product",
    "stage",
    "user",
    "*",
];

/// The `{"status", "success", "data"}` envelope of the webhooks API.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    status: &'static str,
    success: bool,
    data: &'a T,
}

/// Webhooks' own 400/404 shape: `{"status": "error", "success": false, "errors": {field: [..]}}`.
fn field_error(status: StatusCode, field: &str, message: &str) -> Response {
    respond::json(
        status,
        &serde_json::json!({
            "status": "error",
            "success": false,
            "errors": { field: [message] },
        }),
    )
}

/// Registers a webhook (the API call, and `--webhook-url` at start).
pub fn register(store: &mut Store, new: NewWebhook) -> Result<Webhook, (String, String)> {
    let err = |f: &str, m: &str| (f.to_string(), m.to_string());
    let url = url::Url::parse(&new.subscription_url)
        .map_err(|_| err("subscription_url", "invalid or non-reachable URL"))?;
    if !["http", "https"].contains(&url.scheme()) {
        return Err(err("subscription_url", "invalid or non-reachable URL"));
    }
    if !ACTIONS.contains(&new.event_action.as_str()) {
        return Err(err(
            "event_action",
            "must be one of create, change, delete, *",
        ));
    }
    if !OBJECTS.contains(&new.event_object.as_str()) {
        return Err(err(
            "event_object",
            "must be one of activity, deal, lead, note, organization, person, pipeline, product, stage, user, *",
        ));
    }
    if new.name.trim().is_empty() || new.name.len() > 255 {
        return Err(err("name", "is required and at most 255 characters"));
    }
    let version = new.version.clone().unwrap_or_else(|| "2.0".into());
    if !["1.0", "2.0"].contains(&version.as_str()) {
        return Err(err("version", "must be 1.0 or 2.0"));
    }
    let user_id = new.user_id.unwrap_or(USER_ID);
    if user_id != USER_ID {
        return Err(err("user_id", "user not found"));
    }
    if store
        .webhooks
        .values()
        .filter(|w| w.user_id == user_id)
        .count()
        >= MAX_WEBHOOKS_PER_USER
    {
        return Err(err(
            "subscription_url",
            "the limit of 40 webhooks per user is reached",
        ));
    }
    let hook = Webhook {
        id: store.next_id(Kind::Webhook),
        company_id: COMPANY_ID,
        owner_id: USER_ID,
        user_id,
        event_action: new.event_action,
        event_object: new.event_object,
        subscription_url: new.subscription_url,
        version,
        is_active: 1,
        add_time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        remove_time: None,
        kind: "general".into(),
        http_auth_user: new.http_auth_user,
        http_auth_password: new.http_auth_password,
        remove_reason: None,
        last_delivery_time: None,
        last_http_status: None,
        admin_id: USER_ID,
        name: new.name,
    };
    store.webhooks.insert(hook.id, hook.clone());
    Ok(hook)
}

/// A webhook with its last delivery filled in.
pub fn with_delivery(st: &SimState, mut w: Webhook) -> Webhook {
    let last = st.deliveries.last(w.id);
    w.last_delivery_time = last.time;
    w.last_http_status = last.status;
    w
}

pub async fn list(State(st): State<Arc<SimState>>) -> Response {
    let hooks: Vec<Webhook> = st.store().webhooks.values().cloned().collect();
    let hooks: Vec<Webhook> = hooks.into_iter().map(|w| with_delivery(&st, w)).collect();
    respond::json(
        StatusCode::OK,
        &Envelope {
            status: "ok",
            success: true,
            data: &hooks,
        },
    )
}

pub async fn create(State(st): State<Arc<SimState>>, body: Bytes) -> Response {
    let new: NewWebhook = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return ApiError::bad_request(format!("Invalid request body: {e}")).into_response();
        }
    };
    let mut store = st.store();
    match register(&mut store, new) {
        Ok(hook) => respond::json(
            StatusCode::CREATED,
            &Envelope {
                status: "ok",
                success: true,
                data: &hook,
            },
        ),
        Err((field, message)) => field_error(StatusCode::BAD_REQUEST, &field, &message),
    }
}

pub async fn delete(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let mut store = st.store();
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.webhooks.remove(&id))
    {
        Some(_) => respond::json(
            StatusCode::OK,
            &serde_json::json!({"status": "ok", "success": true}),
        ),
        None => field_error(StatusCode::NOT_FOUND, "id", "not found"),
    }
}
