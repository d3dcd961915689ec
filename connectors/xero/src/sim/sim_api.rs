//! The simulator's own endpoints under `/_sim/` (no auth, not rate limited,
//! not counted): stats, export, schema violations, the webhook
//! intent-to-receive check, the fixed currency-rate table, and lock dates
//! ("set by hand in Xero's settings", which the API cannot do).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::respond;
use super::seed;
use super::settings_api::organisation_now;
use super::state::SimState;
use crate::msdate;
use crate::wire::{
    Account, Budget, Contact, Currency, HistoryRecord, Invoice, Organisation, Payment, TaxRate,
    TrackingCategory,
};

/// `GET /_sim/stats`: the contract's counters plus `schema_violations` and webhook deliveries.
pub async fn stats(State(st): State<Arc<SimState>>) -> Response {
    let mut v = st.gate.stats.to_json();
    v["schema_violations"] = json!(st.violations.lock().unwrap().len());
    v["strict"] = json!(st.strict.read().unwrap().is_some());
    let (sent, failed) = st.webhooks.sent_and_failed();
    v["webhooks_sent"] = json!(sent);
    v["webhooks_failed"] = json!(failed);
    respond::json(StatusCode::OK, &v)
}

/// `GET /_sim/violations`: every body that did not match Xero's OpenAPI (strict mode).
pub async fn violations(State(st): State<Arc<SimState>>) -> Response {
    let v = st.violations.lock().unwrap().clone();
    respond::json(
        StatusCode::OK,
        &json!({"strict": st.strict.read().unwrap().is_some(), "count": v.len(), "violations": v}),
    )
}

#[derive(Serialize)]
struct Export<'a> {
    #[serde(rename = "Contacts")]
    contacts: &'a [Contact],
    #[serde(rename = "Invoices")]
    invoices: &'a [Invoice],
    #[serde(rename = "Payments")]
    payments: &'a [Payment],
    /// History & Notes by the id of the contact or invoice they belong to.
    #[serde(rename = "HistoryRecords")]
    history: HashMap<Uuid, &'a [HistoryRecord]>,
    #[serde(rename = "Accounts")]
    accounts: &'a [Account],
    #[serde(rename = "TaxRates")]
    tax_rates: &'a [TaxRate],
    #[serde(rename = "Currencies")]
    currencies: &'a [Currency],
    #[serde(rename = "TrackingCategories")]
    tracking: &'a [TrackingCategory],
    #[serde(rename = "Budgets")]
    budgets: &'a [Budget],
    #[serde(rename = "Organisations")]
    organisations: [Organisation; 1],
}

/// `GET /_sim/export`: every stored object in Xero's wire shape, voided and
/// deleted ones included with their status.
pub async fn export(State(st): State<Arc<SimState>>) -> Response {
    respond::json_bytes(StatusCode::OK, export_bytes(&st))
}

pub fn export_bytes(st: &SimState) -> Vec<u8> {
    let org = organisation_now(st);
    let books = st.books.lock().unwrap();
    let body = Export {
        contacts: &books.contacts,
        invoices: &books.invoices,
        payments: &books.payments,
        history: books
            .history
            .iter()
            .map(|(k, v)| (*k, v.as_slice()))
            .collect(),
        accounts: &st.settings.accounts,
        tax_rates: &st.settings.tax_rates,
        currencies: &st.settings.currencies,
        tracking: &st.settings.tracking,
        budgets: &st.settings.budgets,
        organisations: [org],
    };
    serde_json::to_vec(&body).expect("export serializes")
}

/// `POST /_sim/webhooks/intent`: Xero's intent-to-receive handshake.
pub async fn intent(State(st): State<Arc<SimState>>) -> Response {
    respond::json(StatusCode::OK, &st.webhooks.intent().await)
}

/// `GET /_sim/currency-rates`: the fixed table invoices get their
/// `CurrencyRate` from (units per one USD). Xero's API has no rates endpoint;
/// see `seed::RATES`.
pub async fn currency_rates() -> Response {
    let rates: serde_json::Map<String, Value> = seed::RATES
        .iter()
        .map(|(c, r)| (c.to_string(), Value::String(r.to_string())))
        .collect();
    respond::json(
        StatusCode::OK,
        &json!({"BaseCurrency": seed::BASE_CURRENCY, "Rates": rates}),
    )
}

#[derive(Deserialize)]
pub struct LockDatesIn {
    #[serde(rename = "PeriodLockDate", default)]
    period: Option<Option<String>>,
    #[serde(rename = "EndOfYearLockDate", default)]
    end_of_year: Option<Option<String>>,
}

/// `POST /_sim/organisation {"PeriodLockDate":"2025-03-31","EndOfYearLockDate":null}`:
/// changes lock dates as an adviser would in Xero's settings.
pub async fn set_lock_dates(
    State(st): State<Arc<SimState>>,
    Json(body): Json<LockDatesIn>,
) -> Response {
    let parse = |v: Option<String>| -> Result<Option<chrono::NaiveDate>, String> {
        v.map(|s| msdate::parse_date(&s).ok_or(format!("not a date: {s}")))
            .transpose()
    };
    let mut locks = st.locks.write().unwrap();
    if let Some(p) = body.period {
        match parse(p) {
            Ok(d) => locks.period = d,
            Err(e) => return respond::json(StatusCode::BAD_REQUEST, &json!({"error": e})),
        }
    }
    if let Some(e) = body.end_of_year {
        match parse(e) {
            Ok(d) => locks.end_of_year = d,
            Err(e) => return respond::json(StatusCode::BAD_REQUEST, &json!({"error": e})),
        }
    }
    drop(locks);
    respond::json(StatusCode::OK, &organisation_now(&st))
}
