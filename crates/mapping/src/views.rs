//! Zero-copy views of canonical records for CEL: `deal.name` borrows the
//! deal's string instead of copying the record into a CEL map (the binding
//! cel.md measured fastest). Missing optional values read as `null`.
//!
//! The field names served here are the ones `schema.rs` declares; the two
//! lists are kept in step by the `every_canonical_field_is_served` test.

use std::collections::BTreeMap;

use cel::ExecutionError;
use cel::common::traits::Indexer;
use cel::common::types::{CelBool, CelInt, CelNull, CelString, Type};
use cel::common::value::{CowVal, Val};
use ledgerbridge_sdk::model::{
    Company, Contact, Deal, DealStatus, Interaction, InteractionKind, LineItem,
};
use rust_decimal::Decimal;

use crate::PairSettings;
use crate::dates;

static RECORD: Type = Type::new_unspecified_type("ledgerbridge.record");

/// A record (or its property bag, or the pair settings) seen from CEL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum View<'a> {
    Deal(&'a Deal),
    Item(&'a LineItem),
    Company(&'a Company),
    Contact(&'a Contact),
    Interaction(&'a Interaction),
    Props(&'a BTreeMap<String, String>),
    Settings(&'a PairSettings),
}

fn st<'b, 'v>(s: &'v str) -> CowVal<'b, 'v> {
    CowVal::owned(CelString::from(s))
}

fn opt<'b, 'v>(s: &'v Option<String>) -> CowVal<'b, 'v> {
    match s {
        Some(s) => st(s),
        None => CowVal::owned(CelNull),
    }
}

fn owned<'b, 'v>(s: String) -> CowVal<'b, 'v> {
    CowVal::owned(CelString::from(s))
}

fn dec<'b, 'v>(d: Decimal) -> CowVal<'b, 'v> {
    owned(d.to_string())
}

fn opt_dec<'b, 'v>(d: Option<Decimal>) -> CowVal<'b, 'v> {
    d.map_or(CowVal::owned(CelNull), dec)
}

fn null<'b, 'v>() -> CowVal<'b, 'v> {
    CowVal::owned(CelNull)
}

fn first<'b, 'v>(ids: &'v [String]) -> CowVal<'b, 'v> {
    ids.first().map_or(null(), |s| st(s))
}

pub(crate) fn status_str(s: DealStatus) -> &'static str {
    match s {
        DealStatus::Open => "open",
        DealStatus::Won => "won",
        DealStatus::Lost => "lost",
    }
}

pub(crate) fn kind_str(k: InteractionKind) -> &'static str {
    match k {
        InteractionKind::Call => "call",
        InteractionKind::Email => "email",
        InteractionKind::Meeting => "meeting",
        InteractionKind::Note => "note",
        InteractionKind::Task => "task",
    }
}

impl<'a> View<'a> {
    /// The value of `field`, or `None` when the record has no such field.
    fn field<'b, 'v>(&self, field: &str) -> Option<CowVal<'b, 'v>>
    where
        'a: 'v,
    {
        let v = match *self {
            View::Props(p) => p.get(field).map_or(null(), |s| st(s)),
            View::Deal(d) => match field {
                "id" => st(&d.meta.id),
                "name" => st(&d.name),
                "amount" => opt_dec(d.amount),
                "currency" => opt(&d.currency),
                "pipeline" => opt(&d.pipeline),
                "stage" => opt(&d.stage),
                "status" => st(status_str(d.status)),
                "owner_id" => opt(&d.owner_id),
                "close_date" => d.close_date.map_or(null(), |c| owned(dates::text(c))),
                "company_id" => opt(&d.company_id),
                "contact_id" => first(&d.contact_ids),
                "line_item_count" => CowVal::owned(CelInt::from(d.line_items.len() as i64)),
                "archived" => CowVal::owned(CelBool::from(d.meta.archived)),
                "properties" => CowVal::owned(View::Props(&d.properties)),
                _ => return None,
            },
            View::Item(i) => match field {
                "id" => st(&i.id),
                "name" => st(&i.name),
                "product_id" => opt(&i.product_id),
                "sku" => opt(&i.sku),
                "quantity" => dec(i.quantity),
                "unit_price" => dec(i.unit_price),
                "discount_percent" => opt_dec(i.discount_percent),
                "discount_amount" => opt_dec(i.discount_amount),
                "properties" => CowVal::owned(View::Props(&i.properties)),
                _ => return None,
            },
            View::Company(c) => match field {
                "id" => st(&c.meta.id),
                "name" => st(&c.name),
                "domain" => opt(&c.domain),
                "email" => opt(&c.email),
                "phone" => opt(&c.phone),
                "tax_number" => opt(&c.tax_number),
                "address_line1" => opt(&c.address.line1),
                "address_line2" => opt(&c.address.line2),
                "city" => opt(&c.address.city),
                "region" => opt(&c.address.region),
                "postal_code" => opt(&c.address.postal_code),
                "country" => opt(&c.address.country),
                "archived" => CowVal::owned(CelBool::from(c.meta.archived)),
                "properties" => CowVal::owned(View::Props(&c.properties)),
                _ => return None,
            },
            View::Contact(c) => match field {
                "id" => st(&c.meta.id),
                "first_name" => opt(&c.first_name),
                "last_name" => opt(&c.last_name),
                "email" => opt(&c.email),
                "phone" => opt(&c.phone),
                "company_id" => opt(&c.company_id),
                "archived" => CowVal::owned(CelBool::from(c.meta.archived)),
                "properties" => CowVal::owned(View::Props(&c.properties)),
                _ => return None,
            },
            View::Interaction(x) => match field {
                "id" => st(&x.meta.id),
                "kind" => st(kind_str(x.kind)),
                "timestamp" => owned(x.timestamp.to_rfc3339()),
                "date" => owned(dates::text(x.timestamp.date_naive())),
                "subject" => opt(&x.subject),
                "body" => opt(&x.body),
                "duration_ms" => x
                    .duration_ms
                    .map_or(null(), |d| CowVal::owned(CelInt::from(d))),
                "company_id" => first(&x.company_ids),
                "contact_id" => first(&x.contact_ids),
                "deal_id" => first(&x.deal_ids),
                "properties" => CowVal::owned(View::Props(&x.properties)),
                _ => return None,
            },
            View::Settings(s) => match field {
                "start_date" => s.start_date.map_or(null(), |d| owned(dates::text(d))),
                "invoice_status" => st(s.invoice_status.as_str()),
                "default_currency" => st(s.default_currency.code()),
                "bank_account" => st(&s.bank_account),
                "payments_source" => st(s.payments_source.as_str()),
                "fallback_customer" => opt(&s.fallback_customer),
                _ => return None,
            },
        };
        Some(v)
    }
}

impl<'a> Indexer for View<'a> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let Some(name) = idx.downcast_ref::<CelString>() else {
            return Err(ExecutionError::no_such_key("non-string key"));
        };
        self.field(name.inner())
            .ok_or_else(|| ExecutionError::no_such_key(name.inner()))
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl<'a> Val for View<'a> {
    fn get_type(&self) -> &Type {
        &RECORD
    }

    fn cel_type() -> &'static Type {
        &RECORD
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(*self)
    }
}

/// A view, or `null` for an absent optional record (a deal without company).
pub(crate) fn view_or_null<'a>(v: Option<View<'a>>) -> Box<dyn Val + 'a> {
    match v {
        Some(v) => Box::new(v),
        None => Box::new(CelNull),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Samples, SourceSchema, canonical};

    #[test]
    fn every_canonical_field_is_served() {
        let s = Samples::new(&SourceSchema::default());
        let settings = PairSettings::new("hubspot", "xero");
        let views = [
            ("deal", View::Deal(&s.deal)),
            ("line_item", View::Item(&s.deal.line_items[0])),
            ("company", View::Company(&s.company)),
            ("contact", View::Contact(&s.contact)),
            ("interaction", View::Interaction(&s.interaction)),
            ("settings", View::Settings(&settings)),
        ];
        for (obj, v) in views {
            for (name, _) in canonical(obj) {
                assert!(
                    v.field(name).is_some(),
                    "{obj}.{name} is declared but not served"
                );
            }
            assert!(v.field("no_such_field").is_none());
        }
    }
}
