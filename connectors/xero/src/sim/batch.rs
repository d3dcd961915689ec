//! The shape every Xero write shares: a body `{"<Collection>":[…]}` (or one
//! bare object), at most 50 items here, each validated and saved in order.
//! Without `summarizeErrors=false` one invalid item fails the whole request
//! with a 400 `ValidationException` and nothing is saved (the books' journal
//! is rolled back); with it the answer is 200 and each item comes back either
//! saved or carrying `HasErrors`/`ValidationErrors`.
//!
//! Batch size: Xero documents no hard item cap (only a request size limit and
//! advice to send 50 at a time), so the simulator draws the line the
//! connector promises: more than 50 items → 400 `ValidationException` saying so.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::books::Books;
use super::respond;
use super::state::SimState;
use super::webhooks::Event;
use axum::response::Response;

pub const MAX_BATCH: usize = 50;

/// How a write addresses its items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// `PUT /Things`: create only.
    Create,
    /// `POST /Things`: create, or update the item an id or number names.
    Upsert,
    /// `POST /Things/{id}`: update that one.
    Update(Uuid),
}

/// A Xero object that can be written in a batch.
pub trait Writable: Serialize + DeserializeOwned + Default {
    const COLLECTION: &'static str;
    /// Marks an item as refused (`HasErrors`/`HasValidationErrors`, `ValidationErrors`).
    fn mark_failed(&mut self, errors: &[String]);
    /// Marks an item saved in a `summarizeErrors=false` batch.
    fn mark_ok(&mut self) {}
}

#[derive(Serialize)]
#[serde(untagged)]
enum Out<T> {
    Item(T),
    Raw(serde_json::Value),
}

pub type Apply<'a, T> =
    dyn FnMut(&SimState, &mut Books, T, Mode, &mut Vec<Event>) -> Result<T, Vec<String>> + 'a;

pub fn write<T: Writable>(
    st: &SimState,
    params: &HashMap<String, String>,
    body: &[u8],
    mode: Mode,
    apply: &mut Apply<'_, T>,
) -> Response {
    let raw_items = match split_items(body, T::COLLECTION) {
        Ok(items) => items,
        Err(e) => {
            return respond::exception(
                14,
                "PostDataInvalidException",
                &format!("JSON for post data was invalid, {e}"),
            );
        }
    };
    if raw_items.len() > MAX_BATCH {
        return respond::json(
            axum::http::StatusCode::BAD_REQUEST,
            &serde_json::json!({
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": format!("A validation exception occurred: no more than {MAX_BATCH} {} can be sent in one request; split the batch", T::COLLECTION),
            }),
        );
    }
    let summarize = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("summarizeErrors"))
        .is_none_or(|(_, v)| !v.eq_ignore_ascii_case("false"));

    let mut books = st.books.lock().unwrap();
    books.begin();
    let mut events = Vec::new();
    let mut out: Vec<Out<T>> = Vec::with_capacity(raw_items.len());
    let mut failed_elements = Vec::new();
    for raw in raw_items {
        match serde_json::from_str::<T>(raw.get()) {
            Err(e) => {
                let echo: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or_default();
                let errors = vec![format!(
                    "The {} element could not be read: {e}",
                    T::COLLECTION
                )];
                failed_elements.push(respond::element(&echo, &errors));
                let mut v = respond::element(&echo, &errors);
                v["HasErrors"] = serde_json::Value::Bool(true);
                v["StatusAttributeString"] = "ERROR".into();
                out.push(Out::Raw(v));
            }
            Ok(item) => {
                // the echo of a refused item is what the client sent, so keep a copy first
                let echo_src = raw.get().to_string();
                let mut item_events = Vec::new();
                match apply(st, &mut books, item, mode, &mut item_events) {
                    Ok(mut saved) => {
                        if !summarize {
                            saved.mark_ok();
                        }
                        events.extend(item_events);
                        out.push(Out::Item(saved));
                    }
                    Err(errors) => {
                        let mut echo: T =
                            serde_json::from_str(&echo_src).expect("parsed once already");
                        failed_elements.push(respond::element(&echo, &errors));
                        echo.mark_failed(&errors);
                        out.push(Out::Item(echo));
                    }
                }
            }
        }
    }
    if summarize && !failed_elements.is_empty() {
        books.rollback();
        return respond::validation_exception(failed_elements);
    }
    books.commit();
    drop(books);
    st.webhooks.emit(events, st.tenant.id, &st.api_base());
    respond::envelope(st, T::COLLECTION, &out, None)
}

/// `{"Invoices":[…]}` → the items; a bare object is one item.
fn split_items(body: &[u8], collection: &str) -> Result<Vec<Box<RawValue>>, String> {
    let top: HashMap<String, Box<RawValue>> =
        serde_json::from_slice(body).map_err(|e| e.to_string())?;
    match top.iter().find(|(k, _)| k.eq_ignore_ascii_case(collection)) {
        Some((_, list)) => {
            serde_json::from_str::<Vec<Box<RawValue>>>(list.get()).map_err(|e| e.to_string())
        }
        None => {
            let one: Box<RawValue> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
            Ok(vec![one])
        }
    }
}
