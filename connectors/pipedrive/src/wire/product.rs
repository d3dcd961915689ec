use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::CustomFields;

/// One price of a product in one currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProductPrice {
    pub product_id: i64,
    #[serde(with = "crate::money::req")]
    pub price: Decimal,
    pub currency: String,
    #[serde(with = "crate::money::req")]
    pub cost: Decimal,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub notes: Option<String>,
}

/// A v2 product (`GET /api/v2/products/{id}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unit: Option<String>,
    #[serde(with = "crate::money::req")]
    pub tax: Decimal,
    pub is_deleted: bool,
    pub is_linkable: bool,
    pub visible_to: i64,
    pub owner_id: i64,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub billing_frequency: String,
    #[serde(default)]
    pub prices: Vec<ProductPrice>,
    #[serde(default)]
    pub custom_fields: CustomFields,
}

/// A product attached to a deal (`GET /api/v2/deals/{id}/products`): a line item.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DealProduct {
    pub id: i64,
    #[serde(with = "crate::money::req")]
    pub sum: Decimal,
    #[serde(with = "crate::money::req")]
    pub tax: Decimal,
    pub deal_id: i64,
    pub name: String,
    pub product_id: i64,
    #[serde(default)]
    pub product_variation_id: Option<i64>,
    #[serde(default)]
    pub order_nr: Option<i64>,
    #[serde(with = "crate::time::v2_serde")]
    pub add_time: DateTime<Utc>,
    #[serde(with = "crate::time::v2_serde")]
    pub update_time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub comments: Option<String>,
    pub currency: String,
    #[serde(with = "crate::money::req")]
    pub discount: Decimal,
    /// `percentage` or `amount`.
    pub discount_type: String,
    #[serde(with = "crate::money::req")]
    pub quantity: Decimal,
    #[serde(with = "crate::money::req")]
    pub item_price: Decimal,
    /// `exclusive`, `inclusive` or `none`.
    pub tax_method: String,
    pub is_enabled: bool,
    pub billing_frequency: String,
}
