//! `POST /webhooks/{name}`: verify, store durably with its jobs, then answer.
//!
//! | case                                   | answer | stored |
//! |----------------------------------------|--------|--------|
//! | name is no connection/kind with a secret | 404  | no     |
//! | body over 1 MiB                        | 413    | no     |
//! | missing or wrong signature             | 401    | no     |
//! | stale timestamp (e.g. > 5 min)         | 401    | no     |
//! | signed, but not the vendor's JSON      | 400    | no     |
//! | intent-to-receive / no events          | 200, empty body | no |
//! | events (new, replayed or unknown type) | 200, empty body, after the commit | yes |
//! | database failure                       | 503 (the vendor retries) | no |
//!
//! Answers carry no detail beyond the status: a prober learns nothing, and vendors only
//! read the status. Logs never contain signatures or secrets.

use super::AppState;
use super::counters::{DeliveryOutcome, EventOutcome};
use super::inbox::{self, Delivery};
use super::receivers::{Receivers, Verified};
use super::uri::signed_uri;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use ledgerbridge_sdk::{WebhookError, WebhookRequest};
use std::sync::Arc;

pub(crate) async fn receive(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> StatusCode {
    let Some((vendor, candidates)) = state.receivers.candidates(&name) else {
        state
            .counters
            .delivery("unknown", DeliveryOutcome::UnknownReceiver);
        return StatusCode::NOT_FOUND;
    };
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let outcome = if status == StatusCode::PAYLOAD_TOO_LARGE {
                DeliveryOutcome::TooLarge
            } else {
                DeliveryOutcome::Malformed
            };
            state.counters.delivery(vendor, outcome);
            return status;
        }
    };
    let uri = signed_uri(state.public_url.as_deref(), &headers, &uri);
    let req = WebhookRequest {
        method: method.as_str(),
        uri: &uri,
        headers: &headers,
        body: &body,
        now: chrono::Utc::now(),
    };
    let (receiver, batch) = match Receivers::verify(&candidates, &req) {
        Verified::Ok(r, b) => (r, b),
        Verified::Refused(e) => {
            let (status, outcome) = match e {
                WebhookError::BadSignature => {
                    (StatusCode::UNAUTHORIZED, DeliveryOutcome::BadSignature)
                }
                WebhookError::Stale => (StatusCode::UNAUTHORIZED, DeliveryOutcome::Stale),
                WebhookError::Malformed(_) => (StatusCode::BAD_REQUEST, DeliveryOutcome::Malformed),
            };
            tracing::debug!(receiver = %name, outcome = outcome.as_str(), "webhook refused");
            state.counters.delivery(vendor, outcome);
            return status;
        }
    };
    if batch.events.is_empty() {
        // a vendor's intent-to-receive check (or an empty delivery): answer at once, store nothing
        state.counters.delivery(vendor, DeliveryOutcome::Handshake);
        return StatusCode::OK;
    }
    let delivery = Delivery {
        connection: receiver.connection.clone(),
        events: inbox::plan(&batch),
    };
    match state.ingest.submit(delivery).await {
        Ok(stored) => {
            state.counters.delivery(vendor, DeliveryOutcome::Accepted);
            let c = &state.counters;
            c.events(vendor, EventOutcome::Queued, stored.queued);
            c.events(vendor, EventOutcome::Duplicate, stored.duplicate);
            c.events(vendor, EventOutcome::Ignored, stored.ignored);
            tracing::debug!(
                connection = %receiver.connection,
                queued = stored.queued,
                duplicate = stored.duplicate,
                ignored = stored.ignored,
                jobs = stored.jobs.len(),
                "webhook stored"
            );
            StatusCode::OK
        }
        Err(e) => {
            tracing::error!(connection = %receiver.connection, error = %e, "webhook not stored; answering 503");
            state.counters.delivery(vendor, DeliveryOutcome::StoreError);
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
