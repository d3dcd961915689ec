//! `POST /batch`: up to 30 `BatchItemRequest`s, run in order. Each answers in
//! its own `BatchItemResponse` (the object, a `QueryResponse`, or a `Fault`)
//! inside one HTTP 200. Writes apply one after another, so names and document
//! numbers stay unique; a `Query` item sees the books as they were when the
//! batch began, not what earlier items of the batch wrote.

use serde_json::{Value, json};

use super::query;
use super::refusals;
use super::state::SimState;
use super::write::{self, Ctx, Op, WriteOpts};
use crate::wire::time::format_time;
use crate::wire::{Fault, canonical_entity};

pub const MAX_ITEMS: usize = 30;

/// Runs a batch body; `Err` refuses the whole batch.
pub fn run(st: &SimState, body: &Value) -> Result<(Value, Vec<write::Change>), Fault> {
    let items = body["BatchItemRequest"]
        .as_array()
        .ok_or_else(|| refusals::missing("BatchItemRequest"))?;
    if items.is_empty() {
        return Err(refusals::missing("BatchItemRequest"));
    }
    if items.len() > MAX_ITEMS {
        return Err(refusals::bad_request(format!(
            "A batch holds at most {MAX_ITEMS} BatchItemRequest items; this one has {}",
            items.len()
        ))
        .at("BatchItemRequest"));
    }
    let mut books = st.books.lock().unwrap();
    let snapshot = items
        .iter()
        .any(|i| !i["Query"].is_null())
        .then(|| books.clone());
    let now = st.now();
    let mut ctx = Ctx {
        st,
        books: &mut books,
        now,
        opts: WriteOpts::default(),
        changes: Vec::new(),
    };
    let mut out = Vec::new();
    for item in items {
        let bid = item["bId"].clone();
        let answer = match one(&mut ctx, snapshot.as_ref(), item) {
            Ok((key, v)) => json!({"bId": bid, key: v}),
            Err(f) => json!({"bId": bid, "Fault": f.to_json()}),
        };
        out.push(answer);
    }
    let changes = std::mem::take(&mut ctx.changes);
    Ok((
        json!({"BatchItemResponse": out, "time": format_time(now)}),
        changes,
    ))
}

fn one(
    ctx: &mut Ctx,
    snapshot: Option<&super::store::Store>,
    item: &Value,
) -> Result<(String, Value), Fault> {
    if item["bId"].as_str().is_none_or(str::is_empty) {
        return Err(refusals::missing("bId"));
    }
    if let Some(text) = item["Query"].as_str() {
        let q = query::parse(text)?;
        let books = snapshot.unwrap_or(ctx.books);
        return Ok(("QueryResponse".into(), query::run(books, &q)));
    }
    let obj = item
        .as_object()
        .ok_or_else(|| refusals::bad_request("a batch item must be an object"))?;
    let mut found = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "bId" | "operation" | "optionsData"))
        .filter_map(|(k, v)| {
            canonical_entity(k)
                .filter(|c| *c == k)
                .map(|e| (e, v.clone()))
        });
    let (entity, body) = found
        .next()
        .ok_or_else(|| refusals::bad_request("a batch item needs an entity object or a Query"))?;
    if found.next().is_some() {
        return Err(refusals::bad_request(
            "a batch item carries one entity object",
        ));
    }
    let op = Op::parse(item["operation"].as_str())?;
    let answer = write::apply(ctx, entity, op, body)?;
    Ok((entity.to_string(), answer))
}
