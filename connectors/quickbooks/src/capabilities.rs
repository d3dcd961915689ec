//! What the QuickBooks connector declares to the engine.

use std::collections::BTreeMap;
use std::time::Duration;

use ledgerbridge_sdk::ability::Ability;
use ledgerbridge_sdk::{
    Capabilities, FieldDecl, FieldKind, RateLimit, RateScope, VendorIdempotency,
};

use crate::config::{MAX_BATCH, QuickBooksConfig};

/// `requestid` on `/batch`: at most 36 characters.
const REQUEST_ID_MAX: usize = 36;

pub fn capabilities(cfg: &QuickBooksConfig) -> Capabilities {
    let mut write_batch = BTreeMap::new();
    for o in ["customer", "invoice", "payment", "note"] {
        write_batch.insert(o.to_string(), cfg.batch_size.min(MAX_BATCH));
    }
    let f = |n: &str, k: FieldKind, req: bool, d: &str| FieldDecl::new(n, k, req, d);
    let mut fields = BTreeMap::new();
    fields.insert(
        "customer".to_string(),
        vec![
            f("external_ref", FieldKind::String, true, "Customer AcctNum"),
            f(
                "name",
                FieldKind::String,
                true,
                "DisplayName, unique across customers, vendors and employees (≤ 500)",
            ),
            f("email", FieldKind::String, false, "PrimaryEmailAddr"),
            f("phone", FieldKind::String, false, "PrimaryPhone"),
            f("tax_number", FieldKind::String, false, "ResaleNum"),
            f(
                "default_currency",
                FieldKind::String,
                false,
                "CurrencyRef, fixed when the customer is created",
            ),
        ],
    );
    fields.insert(
        "invoice".to_string(),
        vec![
            f(
                "reference",
                FieldKind::String,
                true,
                "DocNumber (≤ 21; longer ones get a short form) and PrivateNote",
            ),
            f(
                "date",
                FieldKind::Date,
                true,
                "TxnDate (after the closing date)",
            ),
            f("due_date", FieldKind::Date, true, "DueDate"),
            f(
                "currency",
                FieldKind::String,
                true,
                "CurrencyRef (multicurrency on for a foreign one)",
            ),
            f(
                "status",
                FieldKind::Enum(vec!["AUTHORISED".into()]),
                true,
                "QuickBooks has no draft invoices",
            ),
            f(
                "tax_mode",
                FieldKind::Enum(vec!["Exclusive".into(), "NoTax".into()]),
                false,
                "line amounts exclude tax",
            ),
            f(
                "lines.description",
                FieldKind::String,
                true,
                "Line[].Description",
            ),
            f(
                "lines.quantity",
                FieldKind::Decimal,
                true,
                "SalesItemLineDetail.Qty",
            ),
            f(
                "lines.unit_amount",
                FieldKind::Decimal,
                true,
                "SalesItemLineDetail.UnitPrice",
            ),
            f(
                "lines.item_code",
                FieldKind::String,
                true,
                "SalesItemLineDetail.ItemRef: an item's SKU or name",
            ),
            f(
                "lines.account_code",
                FieldKind::String,
                true,
                "income account (number or name) of an item created for the line",
            ),
            f(
                "lines.tax_type",
                FieldKind::String,
                false,
                "TaxCodeRef: TAX or NON in the US, else a tax code's id or name",
            ),
            f(
                "lines.discount_rate",
                FieldKind::Decimal,
                false,
                "percent, taken off the line's Amount",
            ),
        ],
    );
    fields.insert(
        "payment".to_string(),
        vec![
            f(
                "amount",
                FieldKind::Decimal,
                true,
                "TotalAmt, applied to the invoice",
            ),
            f("date", FieldKind::Date, true, "TxnDate"),
            f(
                "account_code",
                FieldKind::String,
                true,
                "DepositToAccountRef: an account's number or name",
            ),
            f(
                "reference",
                FieldKind::String,
                true,
                "PaymentRefNum (≤ 21; longer ones get a short form) and PrivateNote",
            ),
        ],
    );
    Capabilities {
        vendor: "quickbooks",
        write_batch,
        read_batch: MAX_BATCH,
        page_size: cfg.page_size,
        rate_limits: vec![
            RateLimit {
                name: "second",
                calls: 10,
                per: Duration::from_secs(1),
                scope: RateScope::Tenant,
            },
            RateLimit {
                name: "minute",
                calls: 500,
                per: Duration::from_secs(60),
                scope: RateScope::Tenant,
            },
        ],
        max_concurrency: Some(10),
        idempotency: VendorIdempotency::Query {
            name: "requestid",
            max_len: REQUEST_ID_MAX,
        },
        webhooks: true,
        fields,
        abilities: [
            Ability::Notes,
            Ability::TrackingCategories,
            Ability::Budgets,
            Ability::CurrencyRates,
            Ability::StatusChanges,
        ]
        .into_iter()
        .collect(),
    }
}
