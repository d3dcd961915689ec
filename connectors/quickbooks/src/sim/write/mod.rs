//! Create, update (full or sparse), delete and void, as `POST /{entity}` and
//! batch items do them: the body is tidied the way QuickBooks tolerates
//! clients, checked by the entity's rules, and stored with a new `SyncToken`.

mod names;
mod payment;
mod sales;
mod settings;
mod tidy;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use super::refusals;
use super::state::SimState;
use super::store::{Store, id_of, sync_token};
use crate::wire::Fault;

pub use tidy::tidy;

/// What a request asks for (`?operation=`, or a batch item's `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    Void,
}

impl Op {
    pub fn parse(s: Option<&str>) -> Result<Op, Fault> {
        match s.map(str::to_ascii_lowercase).as_deref() {
            None | Some("create") => Ok(Op::Create),
            Some("update") => Ok(Op::Update),
            Some("delete") => Ok(Op::Delete),
            Some("void") => Ok(Op::Void),
            Some(other) => Err(refusals::unsupported(other, "this entity")),
        }
    }
}

/// One change, for webhooks (operation names as QuickBooks' notifications spell them).
#[derive(Debug, Clone)]
pub struct Change {
    pub entity: &'static str,
    pub id: String,
    pub operation: &'static str,
    pub at: DateTime<Utc>,
}

/// Request options that change a write (`?include=allowduplicatedocnum`).
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOpts {
    pub allow_duplicate_doc_number: bool,
}

/// The state one write works on.
pub struct Ctx<'a> {
    pub st: &'a SimState,
    pub books: &'a mut Store,
    pub now: DateTime<Utc>,
    pub opts: WriteOpts,
    pub changes: Vec<Change>,
}

impl Ctx<'_> {
    /// The company's preferences object.
    pub fn prefs(&self) -> Value {
        self.books
            .get("Preferences", 1)
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub fn home_currency(&self) -> String {
        self.prefs()["CurrencyPrefs"]["HomeCurrency"]["value"]
            .as_str()
            .unwrap_or("USD")
            .to_string()
    }

    pub fn multicurrency(&self) -> bool {
        self.prefs()["CurrencyPrefs"]["MultiCurrencyEnabled"]
            .as_bool()
            .unwrap_or(false)
    }

    /// Refuses a transaction dated on or before the closing date.
    pub fn check_open_period(&self, txn_date: NaiveDate) -> Result<(), Fault> {
        let close = self.prefs()["AccountingInfoPrefs"]["BookCloseDate"]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        match close {
            Some(c) if txn_date <= c => Err(refusals::period_closed()),
            _ => Ok(()),
        }
    }

    fn record(&mut self, entity: &'static str, id: &Value, operation: &'static str) {
        self.changes.push(Change {
            entity,
            id: id.as_str().unwrap_or_default().to_string(),
            operation,
            at: self.now,
        });
    }
}

/// Runs one write; returns the object as QuickBooks answers with it.
pub fn apply(ctx: &mut Ctx, entity: &'static str, op: Op, body: Value) -> Result<Value, Fault> {
    let body = tidy(body);
    if !body.is_object() {
        return Err(refusals::bad_request(format!(
            "the request body must be a {entity} object"
        )));
    }
    if let Some((class, field)) = super::known_fields::unknown(entity, &body) {
        return Err(refusals::unrecognized_field(&class, &field));
    }
    let has_id = !body["Id"].is_null();
    match op {
        Op::Create if !has_id => create(ctx, entity, body),
        Op::Create | Op::Update => update(ctx, entity, body),
        Op::Delete => delete(ctx, entity, body),
        Op::Void => void(ctx, entity, body),
    }
}

fn create(ctx: &mut Ctx, entity: &'static str, body: Value) -> Result<Value, Fault> {
    let obj = prepare(ctx, entity, body, None)?;
    let stored = ctx.books.insert_new(entity, obj, ctx.now);
    after_write(ctx, entity, &stored, None);
    ctx.record(entity, &stored["Id"], "Create");
    Ok(stored)
}

/// The stored object a body names by `Id`, after the `SyncToken` check.
fn current(ctx: &Ctx, entity: &'static str, body: &Value) -> Result<(u64, Value), Fault> {
    let id = id_of(&body["Id"]).ok_or_else(|| refusals::missing("Id"))?;
    let stored = ctx
        .books
        .get(entity, id)
        .cloned()
        .ok_or_else(|| refusals::not_found(entity, &id.to_string()))?;
    let sent = sync_token(body).ok_or_else(|| refusals::missing("SyncToken"))?;
    if Some(sent) != sync_token(&stored) {
        return Err(refusals::stale(entity));
    }
    Ok((id, stored))
}

fn update(ctx: &mut Ctx, entity: &'static str, body: Value) -> Result<Value, Fault> {
    let (id, stored) = current(ctx, entity, &body)?;
    let sparse = body["sparse"].as_bool().unwrap_or(false);
    let merged = if sparse || matches!(entity, "Preferences" | "CompanyInfo") {
        merge(stored.clone(), body, matches!(entity, "Preferences"))
    } else {
        body
    };
    if is_transaction(entity) {
        // a closed period can be neither left nor entered
        ctx.check_open_period(txn_date(ctx, &stored))?;
    }
    let obj = prepare(ctx, entity, merged, Some(id))?;
    let saved = ctx.books.replace(entity, id, obj, ctx.now);
    after_write(ctx, entity, &saved, Some(&stored));
    ctx.record(entity, &saved["Id"], "Update");
    Ok(saved)
}

fn delete(ctx: &mut Ctx, entity: &'static str, body: Value) -> Result<Value, Fault> {
    if !matches!(entity, "Invoice" | "Payment" | "CreditMemo" | "Attachable") {
        return Err(refusals::unsupported("Delete", entity));
    }
    let (id, stored) = current(ctx, entity, &body)?;
    if is_transaction(entity) {
        ctx.check_open_period(txn_date(ctx, &stored))?;
    }
    if entity == "Invoice" && payment::applied_to(ctx.books, "Invoice", &stored["Id"]) > 0.into() {
        return Err(refusals::business(
            "This invoice has payments applied to it; delete or change those payments first.",
        ));
    }
    ctx.books.delete(entity, id, ctx.now);
    after_write(ctx, entity, &json!({}), Some(&stored));
    ctx.record(entity, &stored["Id"], "Delete");
    Ok(json!({"Id": stored["Id"], "status": "Deleted", "domain": "QBO"}))
}

fn void(ctx: &mut Ctx, entity: &'static str, body: Value) -> Result<Value, Fault> {
    if !matches!(entity, "Invoice" | "Payment" | "CreditMemo") {
        return Err(refusals::unsupported("Void", entity));
    }
    let (id, stored) = current(ctx, entity, &body)?;
    ctx.check_open_period(txn_date(ctx, &stored))?;
    if entity == "Invoice" && payment::applied_to(ctx.books, "Invoice", &stored["Id"]) > 0.into() {
        return Err(refusals::business(
            "This invoice has payments applied to it; it cannot be voided until they are removed.",
        ));
    }
    let voided = sales::voided(stored.clone());
    let saved = ctx.books.replace(entity, id, voided, ctx.now);
    after_write(ctx, entity, &saved, Some(&stored));
    ctx.record(entity, &saved["Id"], "Void");
    Ok(saved)
}

/// Checks a body against the entity's rules and derives the read-only fields.
fn prepare(
    ctx: &mut Ctx,
    entity: &'static str,
    obj: Value,
    existing: Option<u64>,
) -> Result<Value, Fault> {
    match entity {
        "Customer" | "Vendor" | "Employee" => names::person(ctx, entity, obj, existing),
        "Item" => names::item(ctx, obj, existing),
        "Account" | "Class" | "Department" => names::simple(ctx, entity, obj, existing),
        "Invoice" | "CreditMemo" => sales::prepare(ctx, entity, obj, existing),
        "Payment" => payment::prepare(ctx, obj, existing),
        "Attachable" => settings::attachable(ctx, obj),
        "Preferences" | "CompanyInfo" if existing.is_some() => Ok(obj),
        _ => Err(refusals::unsupported(
            if existing.is_some() {
                "Update"
            } else {
                "Create"
            },
            entity,
        )),
    }
}

/// Keeps balances right after a transaction changed.
fn after_write(ctx: &mut Ctx, entity: &'static str, new: &Value, old: Option<&Value>) {
    match entity {
        "Payment" => {
            for obj in [Some(new), old].into_iter().flatten() {
                payment::refresh_linked(ctx, obj);
            }
        }
        "Invoice" | "CreditMemo" => {
            for obj in [Some(new), old].into_iter().flatten() {
                payment::refresh_customer(ctx, &obj["CustomerRef"]);
            }
        }
        _ => {}
    }
}

pub fn is_transaction(entity: &str) -> bool {
    matches!(entity, "Invoice" | "Payment" | "CreditMemo")
}

fn txn_date(ctx: &Ctx, obj: &Value) -> NaiveDate {
    obj["TxnDate"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| ctx.st.today())
}

/// A sparse update: the sent top-level fields replace the stored ones (a sent
/// `Line` array replaces every line). `deep` merges nested groups too, as
/// `Preferences` updates do.
fn merge(mut stored: Value, body: Value, deep: bool) -> Value {
    if let (Some(s), Value::Object(b)) = (stored.as_object_mut(), body) {
        for (k, v) in b {
            match (deep, s.get_mut(&k)) {
                (true, Some(existing)) if existing.is_object() && v.is_object() => {
                    let merged = merge(existing.take(), v, true);
                    *existing = merged;
                }
                _ => {
                    s.insert(k, v);
                }
            }
        }
    }
    stored
}
