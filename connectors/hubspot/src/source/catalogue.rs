//! What the connector reads from HubSpot and declares to the engine: the HubSpot object
//! types behind each canonical object, the properties read from each type, the
//! association types that mark a primary company, and the [`Capabilities`].

use std::collections::BTreeMap;
use std::time::Duration;

use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::{
    Capabilities, FieldDecl, FieldKind, RateLimit, RateScope, VendorIdempotency,
};

/// HubSpot's association type id of a deal's primary company (`deal_to_company`, the
/// labelled one; unlabelled deal→company links are type 341).
pub(super) const DEAL_TO_PRIMARY_COMPANY: u64 = 5;

/// HubSpot's association type id of a contact's primary company (`contact_to_company`;
/// unlabelled contact→company links are type 279).
pub(super) const CONTACT_TO_PRIMARY_COMPANY: u64 = 1;

/// HubSpot types behind each canonical object.
pub(super) fn hs_types(o: CrmObject) -> &'static [&'static str] {
    match o {
        CrmObject::Company => &["companies"],
        CrmObject::Contact => &["contacts"],
        CrmObject::Deal => &["deals"],
        CrmObject::Interaction => &["calls", "emails", "meetings", "notes", "tasks"],
    }
}

pub(super) fn associated_types(t: &str) -> &'static [&'static str] {
    match t {
        "deals" => &["companies", "contacts", "line_items"],
        "companies" => &["contacts"],
        "contacts" => &["companies"],
        _ => &["companies", "contacts", "deals"],
    }
}

pub(super) fn properties_of(t: &str) -> &'static [&'static str] {
    match t {
        "deals" => &[
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
        ],
        "companies" => &[
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
        ],
        "contacts" => &[
            "firstname",
            "lastname",
            "email",
            "phone",
            "jobtitle",
            "associatedcompanyid",
            "hubspot_owner_id",
        ],
        "line_items" => &[
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
        ],
        "calls" => &[
            "hs_timestamp",
            "hs_call_title",
            "hs_call_body",
            "hs_call_duration",
            "hs_call_direction",
            "hs_call_status",
            "hubspot_owner_id",
        ],
        "emails" => &[
            "hs_timestamp",
            "hs_email_subject",
            "hs_email_text",
            "hs_email_direction",
            "hs_email_status",
            "hubspot_owner_id",
        ],
        "meetings" => &[
            "hs_timestamp",
            "hs_meeting_title",
            "hs_meeting_body",
            "hs_meeting_start_time",
            "hs_meeting_end_time",
            "hs_meeting_outcome",
            "hubspot_owner_id",
            "ledgerbridge_billable",
            "ledgerbridge_hourly_rate",
        ],
        "tasks" => &[
            "hs_timestamp",
            "hs_task_subject",
            "hs_task_body",
            "hs_task_status",
            "hs_task_priority",
            "hs_task_type",
            "hubspot_owner_id",
        ],
        _ => &["hs_timestamp", "hs_note_body", "hubspot_owner_id"],
    }
}

/// What the HubSpot connector declares to the engine.
pub fn capabilities(cfg: &crate::config::HubSpotConfig) -> Capabilities {
    let mut fields = BTreeMap::new();
    for (object, t) in [
        ("company", "companies"),
        ("contact", "contacts"),
        ("deal", "deals"),
        ("line_item", "line_items"),
    ] {
        let decls = properties_of(t)
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
                    | "ledgerbridge_overdue" => FieldKind::Decimal,
                    "closedate" => FieldKind::DateTime,
                    "ledgerbridge_crm_paid_date" | "ledgerbridge_paid_date" => FieldKind::Date,
                    _ => FieldKind::String,
                };
                FieldDecl::new(&format!("properties.{p}"), kind, false, "HubSpot property")
            })
            .collect();
        fields.insert(object.to_string(), decls);
    }
    Capabilities {
        vendor: "hubspot",
        write_batch: [
            ("deal".to_string(), 100),
            ("company".to_string(), 100),
            ("contact".to_string(), 100),
        ]
        .into_iter()
        .collect(),
        read_batch: 100,
        page_size: cfg.page_size.min(100),
        rate_limits: vec![
            RateLimit {
                name: "ten_seconds",
                calls: cfg.per_ten_seconds,
                per: Duration::from_secs(10),
                scope: RateScope::App,
            },
            RateLimit {
                name: "daily",
                calls: cfg.daily,
                per: Duration::from_secs(86_400),
                scope: RateScope::Tenant,
            },
            RateLimit {
                name: "search",
                calls: cfg.search_per_second,
                per: Duration::from_secs(1),
                scope: RateScope::Token,
            },
        ],
        max_concurrency: None,
        idempotency: VendorIdempotency::None,
        webhooks: true,
        fields,
        abilities: ledgerbridge_sdk::ability::Abilities::none(),
    }
}
