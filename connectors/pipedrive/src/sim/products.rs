//! `/api/v2/products` (list, get) and deal products, the line items of a
//! deal: `GET /api/v2/deals/products?deal_ids=…` across deals,
//! `GET`/`POST /api/v2/deals/{id}/products` on one. Adding a product sets the
//! line's sum (price × quantity less the discount, to the cent) and the
//! deal's value to the sum of its lines, as Pipedrive does.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use super::input;
use super::listing::{self, ListParams, SortBy};
use super::respond::{self, ApiError};
use super::state::SimState;
use super::store::Kind;
use super::webhooks::{Change, previous};
use crate::wire::DealProduct;

const SORTS: &[SortBy] = &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime];
/// `GET /deals/products` takes at most this many `deal_ids`.
const MAX_DEAL_IDS: usize = 100;

pub async fn list(State(st): State<Arc<SimState>>, Query(q): Query<listing::Query>) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, &[SortBy::Id, SortBy::UpdateTime, SortBy::AddTime])?;
        let owner = listing::int_param(&q, "owner_id")?;
        let store = st.store();
        let rows = store
            .products
            .values()
            .filter(|x| !x.is_deleted && owner.is_none_or(|o| x.owner_id == o));
        let (page, next) = p.page(rows);
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let store = st.store();
    match id
        .parse::<i64>()
        .ok()
        .and_then(|id| store.products.get(&id))
    {
        Some(p) => respond::one(StatusCode::OK, p),
        None => ApiError::not_found("Product").into_response(),
    }
}

/// `deal_ids=1,2,3` (also as repeated `deal_ids[]`-less parameters joined by commas).
fn deal_ids(q: &listing::Query) -> Result<BTreeSet<i64>, ApiError> {
    let raw = q.get("deal_ids").map(String::as_str).unwrap_or("");
    let mut ids = BTreeSet::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        ids.insert(part.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "\"deal_ids\" must be comma-separated integers, got {part:?}."
            ))
        })?);
    }
    if ids.is_empty() {
        return Err(ApiError::bad_request("\"deal_ids\" is required."));
    }
    if ids.len() > MAX_DEAL_IDS {
        return Err(ApiError::bad_request(format!(
            "\"deal_ids\" takes at most {MAX_DEAL_IDS} ids."
        )));
    }
    Ok(ids)
}

pub async fn of_deals(
    State(st): State<Arc<SimState>>,
    Query(q): Query<listing::Query>,
) -> Response {
    let result = (|| {
        let ids = deal_ids(&q)?;
        let p = ListParams::parse(&q, SORTS)?;
        let store = st.store();
        let rows = store
            .deal_products
            .values()
            .filter(|l| ids.contains(&l.deal_id));
        let (page, next) = p.page(rows);
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

pub async fn of_deal(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Query(q): Query<listing::Query>,
) -> Response {
    let result = (|| {
        let p = ListParams::parse(&q, SORTS)?;
        let store = st.store();
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|id| store.deals.contains_key(id))
            .ok_or_else(|| ApiError::not_found("Deal"))?;
        let rows = store.deal_products.values().filter(|l| l.deal_id == id);
        let (page, next) = p.page(rows);
        Ok::<_, ApiError>(respond::cursor_page(&page, next))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Deserialize)]
struct LineInput {
    product_id: Option<i64>,
    #[serde(default, with = "crate::money::opt")]
    item_price: Option<Decimal>,
    #[serde(default, with = "crate::money::opt")]
    quantity: Option<Decimal>,
    #[serde(default, with = "crate::money::opt")]
    tax: Option<Decimal>,
    comments: Option<String>,
    #[serde(default, with = "crate::money::opt")]
    discount: Option<Decimal>,
    is_enabled: Option<bool>,
    tax_method: Option<String>,
    discount_type: Option<String>,
}

/// price × quantity less the discount, rounded half away from zero to the cent.
pub fn line_sum(price: Decimal, quantity: Decimal, discount: Decimal, percentage: bool) -> Decimal {
    let gross = price * quantity;
    let off = if percentage {
        gross * discount / Decimal::ONE_HUNDRED
    } else {
        discount
    };
    (gross - off).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

pub async fn add_to_deal(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = (|| {
        let input: LineInput = input::parse(&body)?;
        let missing = |n: &str| ApiError::bad_request(format!("\"{n}\" is required."));
        let product_id = input.product_id.ok_or_else(|| missing("product_id"))?;
        let item_price = input.item_price.ok_or_else(|| missing("item_price"))?;
        let quantity = input.quantity.ok_or_else(|| missing("quantity"))?;
        let discount = input.discount.unwrap_or(Decimal::ZERO);
        let discount_type = input.discount_type.unwrap_or_else(|| "percentage".into());
        if !["percentage", "amount"].contains(&discount_type.as_str()) {
            return Err(ApiError::bad_request(
                "\"discount_type\" must be one of [percentage, amount].",
            ));
        }
        let tax_method = input.tax_method.unwrap_or_else(|| "exclusive".into());
        if !["exclusive", "inclusive", "none"].contains(&tax_method.as_str()) {
            return Err(ApiError::bad_request(
                "\"tax_method\" must be one of [exclusive, inclusive, none].",
            ));
        }
        if quantity <= Decimal::ZERO {
            return Err(ApiError::bad_request("\"quantity\" must be positive."));
        }
        let now = st.now();
        let mut store = st.store();
        let deal_id = id
            .parse::<i64>()
            .ok()
            .filter(|id| store.deals.get(id).is_some_and(|d| !d.is_deleted))
            .ok_or_else(|| ApiError::not_found("Deal"))?;
        let product = store
            .products
            .get(&product_id)
            .filter(|p| !p.is_deleted)
            .cloned()
            .ok_or_else(|| {
                ApiError::bad_request(format!("Product with id {product_id} not found."))
            })?;
        let order = store
            .deal_products
            .values()
            .filter(|l| l.deal_id == deal_id)
            .count() as i64
            + 1;
        let line = DealProduct {
            id: store.next_id(Kind::DealProduct),
            sum: line_sum(
                item_price,
                quantity,
                discount,
                discount_type == "percentage",
            ),
            tax: input.tax.unwrap_or(product.tax),
            deal_id,
            name: product.name.clone(),
            product_id,
            product_variation_id: None,
            order_nr: Some(order),
            add_time: now,
            update_time: now,
            comments: input.comments,
            currency: store.deals[&deal_id].currency.clone(),
            discount,
            discount_type,
            quantity,
            item_price,
            tax_method,
            is_enabled: input.is_enabled.unwrap_or(true),
            billing_frequency: "one-time".into(),
        };
        store.deal_products.insert(line.id, line.clone());
        let total: Decimal = store
            .deal_products
            .values()
            .filter(|l| l.deal_id == deal_id && l.is_enabled)
            .map(|l| l.sum)
            .sum();
        let deal = store.deals.get_mut(&deal_id).expect("checked");
        let old = deal.clone();
        deal.value = total;
        deal.update_time = now;
        let deal = deal.clone();
        drop(store);
        if let Some(prev) = previous(&old, &deal) {
            st.emit(vec![Change::new(
                "deal",
                "change",
                deal_id,
                Some(&deal),
                Some(prev),
            )]);
        }
        Ok(respond::one(StatusCode::CREATED, &line))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn line_sums_round_half_away_to_the_cent() {
        assert_eq!(line_sum(dec!(19.99), dec!(3), dec!(0), true), dec!(59.97));
        assert_eq!(line_sum(dec!(0.125), dec!(1), dec!(0), true), dec!(0.13));
        assert_eq!(line_sum(dec!(100), dec!(2), dec!(12.5), true), dec!(175.00));
        assert_eq!(
            line_sum(dec!(100), dec!(2), dec!(12.5), false),
            dec!(187.50)
        );
    }
}
