//! The target fields a mapping fills, per canonical finance object. These are
//! the SDK's canonical types (the Xero connector turns them into Xero JSON),
//! so the same files work for any finance target.

use ledgerbridge_sdk::model::{CrmObject, FinanceObject};

/// What a target field's expression must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TKind {
    Str,
    /// A decimal string (or int); never a float.
    Dec,
    /// A date (`YYYY-MM-DD`, RFC 3339 or epoch ms are accepted and normalised).
    Date,
    /// An ISO 4217 code.
    Currency,
    /// DRAFT / SUBMITTED / AUTHORISED.
    Status,
    /// exclusive / inclusive / none.
    TaxMode,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TField {
    pub name: &'static str,
    pub kind: TKind,
    pub required: bool,
}

const fn f(name: &'static str, kind: TKind, required: bool) -> TField {
    TField {
        name,
        kind,
        required,
    }
}

use TKind::*;

const CUSTOMER: &[TField] = &[
    f("name", Str, true),
    f("email", Str, false),
    f("phone", Str, false),
    f("first_name", Str, false),
    f("last_name", Str, false),
    f("tax_number", Str, false),
    f("default_currency", Currency, false),
    f("address_line1", Str, false),
    f("address_line2", Str, false),
    f("address_city", Str, false),
    f("address_region", Str, false),
    f("address_postal_code", Str, false),
    f("address_country", Str, false),
];

const INVOICE: &[TField] = &[
    f("date", Date, true),
    f("due_date", Date, true),
    f("currency", Currency, true),
    f("status", Status, true),
    f("tax_mode", TaxMode, true),
];

const PAYMENT: &[TField] = &[
    f("invoice_reference", Str, true),
    f("amount_paid", Dec, true),
    f("date", Date, true),
    f("account_code", Str, true),
];

const NOTE: &[TField] = &[f("text", Str, true)];

const INVOICE_LINE: &[TField] = &[
    f("description", Str, true),
    f("quantity", Dec, true),
    f("unit_amount", Dec, true),
    f("discount_rate", Dec, false),
    f("account_code", Str, true),
    f("tax_type", Str, false),
    f("item_code", Str, false),
];

const CONTACT_PERSON: &[TField] = &[
    f("first_name", Str, false),
    f("last_name", Str, false),
    f("email", Str, false),
];

/// Header fields (`[fields]`) of each target object.
pub(crate) fn fields(t: FinanceObject) -> &'static [TField] {
    match t {
        FinanceObject::Customer => CUSTOMER,
        FinanceObject::Invoice => INVOICE,
        FinanceObject::Payment => PAYMENT,
        FinanceObject::Note => NOTE,
    }
}

/// Repeated sections: `[[lines]]` of an invoice, `[[contact_persons]]` of a customer.
pub(crate) fn block(t: FinanceObject) -> Option<(&'static str, &'static [TField])> {
    match t {
        FinanceObject::Invoice => Some(("lines", INVOICE_LINE)),
        FinanceObject::Customer => Some(("contact_persons", CONTACT_PERSON)),
        _ => None,
    }
}

/// The source → target combinations the engine knows how to run.
pub(crate) fn supported(s: CrmObject, t: FinanceObject) -> bool {
    matches!(
        (s, t),
        (
            CrmObject::Company | CrmObject::Contact,
            FinanceObject::Customer
        ) | (
            CrmObject::Deal,
            FinanceObject::Invoice | FinanceObject::Payment
        ) | (CrmObject::Interaction, FinanceObject::Note)
    )
}

/// Collections a block can iterate, per source object: (name, loop variable
/// default, object the loop variable is).
pub(crate) fn collections(s: CrmObject) -> &'static [(&'static str, &'static str, &'static str)] {
    match s {
        CrmObject::Deal => &[
            ("deal.line_items", "item", "line_item"),
            ("meetings", "meeting", "interaction"),
        ],
        CrmObject::Company => &[("contacts", "person", "contact")],
        _ => &[],
    }
}

/// Variables every expression of a mapping on `s` can read, with their object.
pub(crate) fn base_vars(s: CrmObject) -> &'static [(&'static str, &'static str)] {
    match s {
        CrmObject::Deal => &[
            ("deal", "deal"),
            ("company", "company"),
            ("contact", "contact"),
            ("settings", "settings"),
        ],
        CrmObject::Company => &[("company", "company"), ("settings", "settings")],
        CrmObject::Contact => &[
            ("contact", "contact"),
            ("company", "company"),
            ("settings", "settings"),
        ],
        CrmObject::Interaction => &[
            ("interaction", "interaction"),
            ("company", "company"),
            ("contact", "contact"),
            ("settings", "settings"),
        ],
    }
}
