//! What expressions may read: the canonical fields of each CRM object (served
//! by `views.rs`) and the raw properties the source connector declares
//! (`deal.properties.<name>`). Also builds the typed sample records every
//! expression is evaluated against at load time.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use ledgerbridge_sdk::model::{
    Address, Company, Contact, Deal, DealStatus, Interaction, InteractionKind, LineItem, RecordMeta,
};
use ledgerbridge_sdk::{FieldDecl, FieldKind};
use rust_decimal::Decimal;

/// The value kinds expressions see (all scalars are strings except these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Dec,
    Date,
    DateTime,
    Int,
    Bool,
    /// The raw property bag.
    Props,
}

/// What the source connector declares: fields per object (`deal`,
/// `line_item`, `company`, `contact`, `interaction`), taken from its
/// `Capabilities::fields`. A declared name may be written bare (`dealname`)
/// or as `properties.dealname`; both mean `deal.properties.dealname`.
#[derive(Debug, Clone, Default)]
pub struct SourceSchema {
    pub connector: String,
    pub fields: BTreeMap<String, Vec<FieldDecl>>,
}

impl SourceSchema {
    pub fn new(connector: &str, fields: BTreeMap<String, Vec<FieldDecl>>) -> Self {
        SourceSchema {
            connector: connector.to_string(),
            fields,
        }
    }

    /// The declared property `name` of `object`, if any.
    pub(crate) fn property(&self, object: &str, name: &str) -> Option<&FieldDecl> {
        self.fields
            .get(object)?
            .iter()
            .find(|f| f.name == name || f.name.strip_prefix("properties.") == Some(name))
    }

    fn props(&self, object: &str) -> BTreeMap<String, String> {
        self.fields
            .get(object)
            .into_iter()
            .flatten()
            .map(|f| {
                let name = f.name.strip_prefix("properties.").unwrap_or(&f.name);
                (name.to_string(), sample_value(&f.kind))
            })
            .collect()
    }
}

pub(crate) fn prop_kind(k: &FieldKind) -> Kind {
    match k {
        FieldKind::Decimal => Kind::Dec,
        FieldKind::Date => Kind::Date,
        FieldKind::DateTime => Kind::DateTime,
        // raw properties are strings on every CRM's wire, ints and bools included
        _ => Kind::Str,
    }
}

fn sample_value(k: &FieldKind) -> String {
    match k {
        FieldKind::String => "sample".into(),
        FieldKind::Decimal => "12.50".into(),
        FieldKind::Date => "2024-03-15".into(),
        FieldKind::DateTime => "2024-03-15T10:30:00Z".into(),
        FieldKind::Integer => "3".into(),
        FieldKind::Boolean => "true".into(),
        FieldKind::Enum(opts) => opts.first().cloned().unwrap_or_else(|| "sample".into()),
    }
}

use Kind::*;

/// Canonical fields per object, as `views.rs` serves them.
pub(crate) fn canonical(object: &str) -> &'static [(&'static str, Kind)] {
    match object {
        "deal" => &[
            ("id", Str),
            ("name", Str),
            ("amount", Dec),
            ("currency", Str),
            ("pipeline", Str),
            ("stage", Str),
            ("status", Str),
            ("owner_id", Str),
            ("close_date", Date),
            ("company_id", Str),
            ("contact_id", Str),
            ("line_item_count", Int),
            ("archived", Bool),
            ("properties", Props),
        ],
        "line_item" => &[
            ("id", Str),
            ("name", Str),
            ("product_id", Str),
            ("sku", Str),
            ("quantity", Dec),
            ("unit_price", Dec),
            ("discount_percent", Dec),
            ("discount_amount", Dec),
            ("properties", Props),
        ],
        "company" => &[
            ("id", Str),
            ("name", Str),
            ("domain", Str),
            ("email", Str),
            ("phone", Str),
            ("tax_number", Str),
            ("address_line1", Str),
            ("address_line2", Str),
            ("city", Str),
            ("region", Str),
            ("postal_code", Str),
            ("country", Str),
            ("archived", Bool),
            ("properties", Props),
        ],
        "contact" => &[
            ("id", Str),
            ("first_name", Str),
            ("last_name", Str),
            ("email", Str),
            ("phone", Str),
            ("company_id", Str),
            ("archived", Bool),
            ("properties", Props),
        ],
        "interaction" => &[
            ("id", Str),
            ("kind", Str),
            ("timestamp", DateTime),
            ("date", Date),
            ("subject", Str),
            ("body", Str),
            ("duration_ms", Int),
            ("company_id", Str),
            ("contact_id", Str),
            ("deal_id", Str),
            ("properties", Props),
        ],
        "settings" => &[
            ("start_date", Date),
            ("invoice_status", Str),
            ("default_currency", Str),
            ("bank_account", Str),
            ("payments_source", Str),
            ("fallback_customer", Str),
        ],
        _ => &[],
    }
}

/// Sample records with every canonical field and every declared property set.
pub(crate) struct Samples {
    pub deal: Deal,
    pub company: Company,
    pub contact: Contact,
    pub interaction: Interaction,
}

fn meta(id: &str) -> RecordMeta {
    RecordMeta {
        id: id.to_string(),
        version: "1".into(),
        updated_at: Utc
            .with_ymd_and_hms(2024, 3, 15, 10, 30, 0)
            .single()
            .unwrap_or_default(),
        archived: false,
    }
}

impl Samples {
    pub fn new(schema: &SourceSchema) -> Samples {
        let s = |v: &str| Some(v.to_string());
        let item = LineItem {
            id: "701".into(),
            name: "Sample product".into(),
            product_id: s("801"),
            sku: s("SKU-1"),
            quantity: Decimal::new(2, 0),
            unit_price: Decimal::new(1250, 2),
            discount_percent: Some(Decimal::new(10, 0)),
            discount_amount: Some(Decimal::new(100, 2)),
            properties: schema.props("line_item"),
        };
        let deal = Deal {
            meta: meta("301"),
            name: "Sample deal".into(),
            amount: Some(Decimal::new(2500, 2)),
            currency: s("EUR"),
            pipeline: s("default"),
            stage: s("closedwon"),
            status: DealStatus::Won,
            owner_id: s("901"),
            close_date: NaiveDate::from_ymd_opt(2024, 3, 15),
            company_id: s("101"),
            contact_ids: vec!["201".into()],
            line_items: vec![item],
            properties: schema.props("deal"),
        };
        let company = Company {
            meta: meta("101"),
            name: "Sample Ltd".into(),
            domain: s("sample.example"),
            email: s("billing@sample.example"),
            phone: s("+1 555 0100"),
            address: Address {
                line1: s("1 Sample Street"),
                line2: s("Suite 2"),
                city: s("Springfield"),
                region: s("OR"),
                postal_code: s("97477"),
                country: s("US"),
            },
            tax_number: s("TAX-1"),
            contact_ids: vec!["201".into()],
            properties: schema.props("company"),
        };
        let contact = Contact {
            meta: meta("201"),
            first_name: s("Sam"),
            last_name: s("Sample"),
            email: s("sam@sample.example"),
            phone: s("+1 555 0101"),
            company_id: s("101"),
            properties: schema.props("contact"),
        };
        let interaction = Interaction {
            meta: meta("401"),
            kind: InteractionKind::Meeting,
            timestamp: Utc
                .with_ymd_and_hms(2024, 3, 15, 10, 30, 0)
                .single()
                .unwrap_or_default(),
            subject: s("Kick-off"),
            body: s("Notes"),
            duration_ms: Some(3_600_000),
            company_ids: vec!["101".into()],
            contact_ids: vec!["201".into()],
            deal_ids: vec!["301".into()],
            properties: schema.props("interaction"),
        };
        Samples {
            deal,
            company,
            contact,
            interaction,
        }
    }
}
