//! Fixtures shared by the test binaries: the HubSpot connector's declared
//! fields (as `connectors/hubspot/src/source.rs` declares them) and records.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerbridge_mapping::{MappingSet, PairSettings, SourceSchema};
use ledgerbridge_sdk::model::{
    Address, Company, Contact, Deal, DealStatus, Interaction, InteractionKind, LineItem, RecordMeta,
};
use ledgerbridge_sdk::{FieldDecl, FieldKind};
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn decls(names: &[&str]) -> Vec<FieldDecl> {
    names
        .iter()
        .map(|p| {
            let kind = match *p {
                "amount"
                | "price"
                | "quantity"
                | "discount"
                | "hs_discount_percentage"
                | "ledgerbridge_crm_amount_paid"
                | "ledgerbridge_amount_paid"
                | "ledgerbridge_amount_outstanding"
                | "ledgerbridge_outstanding"
                | "ledgerbridge_overdue"
                | "ledgerbridge_hourly_rate" => FieldKind::Decimal,
                "closedate" => FieldKind::DateTime,
                "ledgerbridge_crm_paid_date" | "ledgerbridge_paid_date" => FieldKind::Date,
                _ => FieldKind::String,
            };
            FieldDecl::new(&format!("properties.{p}"), kind, false, "HubSpot property")
        })
        .collect()
}

/// What the HubSpot connector declares (no interaction properties).
pub fn hubspot_schema() -> SourceSchema {
    let mut f = BTreeMap::new();
    f.insert(
        "deal".to_string(),
        decls(&[
            "dealname",
            "amount",
            "closedate",
            "pipeline",
            "dealstage",
            "deal_currency_code",
            "dealtype",
            "hubspot_owner_id",
            "description",
            "ledgerbridge_crm_amount_paid",
            "ledgerbridge_crm_paid_date",
            "ledgerbridge_invoice_number",
            "ledgerbridge_invoice_status",
            "ledgerbridge_amount_paid",
            "ledgerbridge_amount_outstanding",
            "ledgerbridge_paid_date",
        ]),
    );
    f.insert(
        "company".to_string(),
        decls(&[
            "name",
            "domain",
            "phone",
            "address",
            "city",
            "state",
            "zip",
            "country",
            "industry",
            "hubspot_owner_id",
            "ledgerbridge_billing_email",
            "ledgerbridge_tax_id",
            "ledgerbridge_outstanding",
            "ledgerbridge_overdue",
        ]),
    );
    f.insert(
        "contact".to_string(),
        decls(&[
            "firstname",
            "lastname",
            "email",
            "phone",
            "jobtitle",
            "associatedcompanyid",
            "hubspot_owner_id",
        ]),
    );
    f.insert(
        "line_item".to_string(),
        decls(&[
            "name",
            "hs_product_id",
            "hs_sku",
            "quantity",
            "price",
            "amount",
            "discount",
            "hs_discount_percentage",
            "hs_line_item_currency_code",
            "description",
        ]),
    );
    SourceSchema::new("hubspot", f)
}

/// The same plus meeting properties, for turning billable meetings on.
pub fn schema_with_meetings() -> SourceSchema {
    let mut s = hubspot_schema();
    s.fields.insert(
        "interaction".to_string(),
        vec![
            FieldDecl::new("ledgerbridge_billable", FieldKind::Boolean, false, ""),
            FieldDecl::new("ledgerbridge_hourly_rate", FieldKind::Decimal, false, ""),
        ],
    );
    s
}

pub fn settings() -> PairSettings {
    PairSettings::new("hubspot", "xero")
}

pub fn defaults_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings/hubspot-xero")
}

pub fn defaults() -> MappingSet {
    MappingSet::load(&defaults_dir(), &hubspot_schema(), &settings()).unwrap_or_else(|probs| {
        panic!(
            "shipped mappings fail to load:\n{}",
            probs
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

pub fn meta(id: &str) -> RecordMeta {
    RecordMeta {
        id: id.into(),
        version: "1".into(),
        updated_at: Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        archived: false,
    }
}

pub fn item(
    id: &str,
    name: &str,
    sku: &str,
    qty: &str,
    price: &str,
    disc: Option<&str>,
) -> LineItem {
    LineItem {
        id: id.into(),
        name: name.into(),
        product_id: Some("40000000001".into()),
        sku: Some(sku.into()),
        quantity: d(qty),
        unit_price: d(price),
        discount_percent: disc.map(d),
        discount_amount: None,
        properties: BTreeMap::new(),
    }
}

pub fn deal(id: &str, currency: Option<&str>, amount: &str, lines: Vec<LineItem>) -> Deal {
    let mut properties = BTreeMap::new();
    properties.insert("dealname".into(), format!("Deal {id}"));
    if let Some(c) = currency {
        properties.insert("deal_currency_code".into(), c.into());
    }
    Deal {
        meta: meta(id),
        name: format!("Deal {id}"),
        amount: Some(d(amount)),
        currency: currency.map(str::to_string),
        pipeline: Some("default".into()),
        stage: Some("closedwon".into()),
        status: DealStatus::Won,
        owner_id: Some("61234501".into()),
        close_date: Some(date("2024-04-15")),
        company_id: Some("20000000001".into()),
        contact_ids: vec!["10000000001".into()],
        line_items: lines,
        properties,
    }
}

pub fn company(id: &str, name: &str, country: &str, email: Option<&str>) -> Company {
    Company {
        meta: meta(id),
        name: name.into(),
        domain: Some(format!(
            "{}.example.com",
            name.to_lowercase().replace(' ', "")
        )),
        email: email.map(str::to_string),
        phone: Some("+1 555 0100".into()),
        address: Address {
            line1: Some("12 Market Street".into()),
            line2: None,
            city: Some("Springfield".into()),
            region: None,
            postal_code: Some("12345".into()),
            country: Some(country.into()),
        },
        tax_number: Some("12-3456789".into()),
        contact_ids: vec!["10000000001".into()],
        properties: BTreeMap::new(),
    }
}

pub fn contact(
    id: &str,
    first: &str,
    last: &str,
    email: &str,
    company_id: Option<&str>,
) -> Contact {
    Contact {
        meta: meta(id),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(email.into()),
        phone: None,
        company_id: company_id.map(str::to_string),
        properties: BTreeMap::new(),
    }
}

pub fn meeting(id: &str, company_id: Option<&str>, billable: bool) -> Interaction {
    let mut properties = BTreeMap::new();
    if billable {
        properties.insert("ledgerbridge_billable".into(), "true".into());
        properties.insert("ledgerbridge_hourly_rate".into(), "150.00".into());
    }
    Interaction {
        meta: meta(id),
        kind: InteractionKind::Meeting,
        timestamp: Utc.with_ymd_and_hms(2024, 4, 2, 14, 0, 0).unwrap(),
        subject: Some("Kick-off".into()),
        body: Some("Agreed scope".into()),
        duration_ms: Some(5_400_000),
        company_ids: company_id.into_iter().map(str::to_string).collect(),
        contact_ids: vec![],
        deal_ids: vec!["30000000001".into()],
        properties,
    }
}
