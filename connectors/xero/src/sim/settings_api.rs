//! Read-only settings: `/connections`, Organisation, Accounts, TaxRates,
//! Currencies, TrackingCategories and Budgets (Xero has no budget writes:
//! PUT/POST/DELETE on `/Budgets` answer 405 Method Not Allowed).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::respond;
use super::state::SimState;
use crate::msdate;
use crate::wire::{Budget, Connection, Organisation};

pub async fn connections(State(st): State<Arc<SimState>>) -> Response {
    let created = Utc
        .with_ymd_and_hms(2024, 1, 2, 9, 0, 0)
        .single()
        .expect("valid");
    // Xero writes seven fractional digits; chrono knows six, the seventh is always 0 here
    let stamp = format!("{}0", created.format("%Y-%m-%dT%H:%M:%S%.6f"));
    let c = Connection {
        id: Some(st.tenant.connection_id),
        tenant_id: Some(st.tenant.id),
        tenant_type: Some("ORGANISATION".into()),
        tenant_name: Some(st.tenant.name.clone()),
        created_date_utc: Some(stamp.clone()),
        updated_date_utc: Some(stamp),
    };
    respond::json(StatusCode::OK, &[c])
}

pub fn organisation_now(st: &SimState) -> Organisation {
    let mut org = st.settings.organisation.clone();
    let locks = *st.locks.read().unwrap();
    org.period_lock_date = locks.period.map(msdate::format_date);
    org.end_of_year_lock_date = locks.end_of_year.map(msdate::format_date);
    org
}

pub async fn organisation(State(st): State<Arc<SimState>>) -> Response {
    let org = organisation_now(&st);
    respond::envelope(&st, "Organisations", &[org], None)
}

pub async fn accounts(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let q = match super::query::ListQuery::parse(&p, &headers) {
        Ok(q) => q,
        Err(e) => return respond::exception(16, "QueryParseException", &e),
    };
    let items: Vec<_> = st
        .settings
        .accounts
        .iter()
        .filter(|a| q.matches(&serde_json::to_value(a).expect("json")))
        .cloned()
        .collect();
    respond::envelope(&st, "Accounts", &items, None)
}

pub async fn account(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    match Uuid::parse_str(&id)
        .ok()
        .and_then(|id| st.settings.account_by_id(id))
    {
        Some(a) => respond::envelope(&st, "Accounts", std::slice::from_ref(a), None),
        None => respond::not_found(),
    }
}

pub async fn tax_rates(State(st): State<Arc<SimState>>) -> Response {
    respond::envelope(&st, "TaxRates", &st.settings.tax_rates, None)
}

pub async fn currencies(State(st): State<Arc<SimState>>) -> Response {
    respond::envelope(&st, "Currencies", &st.settings.currencies, None)
}

pub async fn tracking_categories(State(st): State<Arc<SimState>>) -> Response {
    respond::envelope(&st, "TrackingCategories", &st.settings.tracking, None)
}

pub async fn tracking_category(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
) -> Response {
    let found = Uuid::parse_str(&id).ok().and_then(|id| {
        st.settings
            .tracking
            .iter()
            .find(|c| c.tracking_category_id == Some(id))
    });
    match found {
        Some(c) => respond::envelope(&st, "TrackingCategories", std::slice::from_ref(c), None),
        None => respond::not_found(),
    }
}

/// `YYYY-MM` of a `DateFrom`/`DateTo` parameter.
fn month(p: &HashMap<String, String>, key: &str) -> Option<String> {
    let v = p.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1;
    msdate::parse_date(v).map(|d| d.format("%Y-%m").to_string())
}

fn within(b: &Budget, from: &Option<String>, to: &Option<String>) -> Budget {
    let mut b = b.clone();
    for line in b.budget_lines.iter_mut().flatten() {
        if let Some(bal) = &mut line.budget_balances {
            bal.retain(|x| {
                let p = x.period.as_deref().unwrap_or("");
                from.as_deref().is_none_or(|f| p >= f) && to.as_deref().is_none_or(|t| p <= t)
            });
        }
    }
    b
}

/// `GET /Budgets`: the budgets without their lines, as Xero lists them.
pub async fn budgets(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let ids: Vec<String> = p
        .get("IDs")
        .map(|v| v.split(',').map(|s| s.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let items: Vec<Budget> = st
        .settings
        .budgets
        .iter()
        .filter(|b| ids.is_empty() || b.budget_id.is_some_and(|id| ids.contains(&id.to_string())))
        .map(|b| Budget {
            budget_lines: Some(vec![]),
            ..b.clone()
        })
        .collect();
    respond::envelope(&st, "Budgets", &items, None)
}

/// `GET /Budgets/{BudgetID}`: one budget with its lines, cut to `DateFrom`..`DateTo`.
pub async fn budget(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let found = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| st.settings.budgets.iter().find(|b| b.budget_id == Some(id)));
    match found {
        Some(b) => {
            let b = within(b, &month(&p, "DateFrom"), &month(&p, "DateTo"));
            respond::envelope(&st, "Budgets", &[b], None)
        }
        None => respond::not_found(),
    }
}
