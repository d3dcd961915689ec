//! History & Notes: `GET/PUT /Invoices/{InvoiceID}/History` and
//! `GET/PUT /Contacts/{ContactID}/History`. A note written through the API
//! comes back in the history with `Changes: "Note"`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::respond;
use super::state::{PROVIDER_NAME, SimState};
use crate::msdate;
use crate::wire::HistoryRecord;

#[derive(Deserialize)]
struct HistoryIn {
    #[serde(rename = "HistoryRecords", default)]
    records: Vec<HistoryRecord>,
}

/// Most characters in a record's `Details`: "Details … Max Length 250
/// characters" (developer.xero.com/documentation/api/history-and-notes).
/// Counted in characters, never bytes, as for a contact's name.
pub const MAX_DETAILS: usize = 250;

/// Why Xero refuses a record with these `Details`, if it does. Xero's wording
/// for the length is not documented: it follows the simulator's other length
/// errors ("The contact name must be 255 characters or less.").
fn details_error(details: Option<&str>) -> Option<String> {
    match details {
        None => Some("The Details of a history record must be specified.".into()),
        Some(d) if d.trim().is_empty() => {
            Some("The Details of a history record must be specified.".into())
        }
        Some(d) if d.chars().count() > MAX_DETAILS => Some(format!(
            "The Details of a history record must be {MAX_DETAILS} characters or less."
        )),
        Some(_) => None,
    }
}

fn exists(st: &SimState, id: Uuid) -> bool {
    let b = st.books.lock().unwrap();
    b.invoice(id).is_some() || b.contact(id).is_some()
}

pub async fn get(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let Some(id) = Uuid::parse_str(&id).ok().filter(|id| exists(&st, *id)) else {
        return respond::not_found();
    };
    let records = st
        .books
        .lock()
        .unwrap()
        .history
        .get(&id)
        .cloned()
        .unwrap_or_default();
    respond::envelope(&st, "HistoryRecords", &records, None)
}

pub async fn put(State(st): State<Arc<SimState>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(id) = Uuid::parse_str(&id).ok().filter(|id| exists(&st, *id)) else {
        return respond::not_found();
    };
    let input: HistoryIn = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return respond::exception(
                14,
                "PostDataInvalidException",
                &format!("JSON for post data was invalid, {e}"),
            );
        }
    };
    let failed: Vec<_> = input
        .records
        .iter()
        .filter_map(|r| details_error(r.details.as_deref()).map(|e| respond::element(r, &[e])))
        .collect();
    if input.records.is_empty() || !failed.is_empty() {
        return respond::validation_exception(failed);
    }
    let mut out = Vec::new();
    let mut books = st.books.lock().unwrap();
    for r in input.records {
        let now = st.now();
        let date_utc = msdate::format_datetime(now);
        let date_string = now.format("%Y-%m-%dT%H:%M:%S").to_string();
        books.add_history(
            id,
            HistoryRecord {
                changes: Some("Note".into()),
                details: r.details.clone(),
                user: Some(PROVIDER_NAME.into()),
                date_utc: Some(date_utc.clone()),
                date_utc_string: Some(date_string.clone()),
                validation_errors: None,
            },
        );
        out.push(HistoryRecord {
            details: r.details,
            date_utc: Some(date_utc),
            date_utc_string: Some(date_string),
            validation_errors: Some(vec![]),
            ..Default::default()
        });
    }
    drop(books);
    respond::envelope(&st, "HistoryRecords", &out, None)
}
