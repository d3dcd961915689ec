//! Between the canonical model and QuickBooks' entities, for what needs no lookup:
//! customers both ways, invoices and payments as read back.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_sdk::model::{
    Currency, Customer, InvoiceStatus, TargetCustomer, TargetInvoice, TargetInvoiceLine,
    TargetPayment, TaxMode, TrackingRef,
};
use rust_decimal::Decimal;

use crate::wire::objects::{self as wire, Ref};
use crate::wire::time::parse_time;

/// The `PrivateNote` marker carrying our whole reference (the `DocNumber` may hold
/// its short form).
pub const NOTE_MARKER: &str = "ledgerbridge:";

/// QuickBooks' limits on a customer's names.
const DISPLAY_NAME_MAX: usize = 500;
const PERSON_NAME_MAX: usize = 100;

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The customer body for a create (`id` `None`) or a sparse update.
pub fn customer_from(c: &Customer, current: Option<(&str, &str)>) -> wire::Customer {
    let addr = c.addresses.first().map(|a| wire::Address {
        line1: some(&a.line1),
        line2: some(&a.line2),
        city: some(&a.city),
        region: some(&a.region),
        postal_code: some(&a.postal_code),
        country: some(&a.country),
    });
    wire::Customer {
        id: current.map(|(id, _)| id.to_string()),
        sync_token: current.map(|(_, t)| t.to_string()),
        sparse: current.map(|_| true),
        display_name: Some(cut(c.name.trim(), DISPLAY_NAME_MAX)),
        company_name: Some(cut(c.name.trim(), DISPLAY_NAME_MAX)),
        given_name: some(&c.first_name).map(|s| cut(&s, PERSON_NAME_MAX)),
        family_name: some(&c.last_name).map(|s| cut(&s, PERSON_NAME_MAX)),
        email: some(&c.email).map(|a| wire::Email { address: Some(a) }),
        phone: some(&c.phone).map(|p| wire::Phone {
            free_form_number: Some(p),
        }),
        bill_addr: addr,
        acct_num: Some(c.external_ref.clone()),
        resale_num: some(&c.tax_number),
        // a customer's currency is fixed at creation: only a create names it
        currency: match current {
            None => c.default_currency.as_ref().map(|cur| Ref::to(cur.code())),
            Some(_) => None,
        },
        ..wire::Customer::default()
    }
}

pub fn updated_at(m: &Option<wire::MetaData>) -> Option<DateTime<Utc>> {
    m.as_ref()?
        .last_updated_time
        .as_deref()
        .and_then(parse_time)
}

pub fn target_customer(c: &wire::Customer) -> TargetCustomer {
    let email = c.email.as_ref().and_then(|e| e.address.clone());
    let domain = email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_lowercase());
    TargetCustomer {
        id: c.id.clone().unwrap_or_default(),
        external_ref: c.acct_num.clone().filter(|a| !a.is_empty()),
        name: c.display_name.clone().unwrap_or_default(),
        email,
        domain,
        archived: c.active == Some(false),
        updated_at: updated_at(&c.meta),
    }
}

fn date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
}

/// Our reference as the invoice or payment carries it: the whole one from the
/// private note's marker, else what the number field holds.
pub fn our_reference(private_note: &Option<String>, number: &Option<String>) -> Option<String> {
    private_note
        .as_deref()
        .and_then(|n| n.split(NOTE_MARKER).nth(1))
        .map(|r| r.split_whitespace().next().unwrap_or_default().to_string())
        .filter(|r| !r.is_empty())
        .or_else(|| number.clone())
}

/// QuickBooks keeps a voided transaction with every amount at zero and "Voided"
/// in its private note.
pub fn is_voided(total: Option<Decimal>, private_note: &Option<String>) -> bool {
    total.unwrap_or_default().is_zero()
        && private_note
            .as_deref()
            .is_some_and(|n| n.starts_with("Voided"))
}

/// An invoice as read back. `account_of` names the income account of an item id;
/// `class_name` and `department_name` name tracking options.
pub fn target_invoice(
    i: &wire::Invoice,
    home: &str,
    account_of: &dyn Fn(&str) -> Option<String>,
    tracking_name: &dyn Fn(&str, &str) -> Option<String>,
) -> TargetInvoice {
    let total = i.total.unwrap_or_default();
    let balance = i.balance.unwrap_or_default();
    let status = if is_voided(i.total, &i.private_note) {
        InvoiceStatus::Voided
    } else if balance.is_zero() && !total.is_zero() {
        InvoiceStatus::Paid
    } else {
        InvoiceStatus::Authorised
    };
    let code = i
        .currency
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| home.to_string());
    let currency = Currency::new(&code).unwrap_or_else(|_| Currency::new("USD").expect("USD"));
    let department = i
        .department
        .as_ref()
        .and_then(|d| tracking_name("Department", &d.value).map(|o| (d, o)))
        .map(|(_, option)| TrackingRef {
            category: "Department".into(),
            option,
        });
    let mut sub_total = Decimal::ZERO;
    let lines: Vec<TargetInvoiceLine> = i
        .lines
        .iter()
        .filter(|l| l.detail_type.as_deref() == Some("SalesItemLineDetail"))
        .map(|l| {
            let d = l.sales.clone().unwrap_or_default();
            let amount = l.amount.unwrap_or_default();
            sub_total += amount;
            let qty = d.qty.unwrap_or(Decimal::ONE);
            let mut tracking: Vec<TrackingRef> = d
                .class
                .as_ref()
                .and_then(|c| tracking_name("Class", &c.value))
                .map(|option| TrackingRef {
                    category: "Class".into(),
                    option,
                })
                .into_iter()
                .collect();
            tracking.extend(department.clone());
            TargetInvoiceLine {
                description: l.description.clone(),
                quantity: qty,
                unit_amount: d
                    .unit_price
                    .unwrap_or_else(|| if qty.is_zero() { amount } else { amount / qty }),
                discount_rate: None,
                account_code: d.item.as_ref().and_then(|it| account_of(&it.value)),
                tax_type: d.tax_code.as_ref().map(|t| t.value.clone()),
                line_amount: amount,
                tax_amount: Decimal::ZERO,
                tracking,
            }
        })
        .collect();
    let total_tax = i
        .tax_detail
        .as_ref()
        .and_then(|t| t.total_tax)
        .unwrap_or_default();
    TargetInvoice {
        id: i.id.clone().unwrap_or_default(),
        number: i.doc_number.clone(),
        reference: our_reference(&i.private_note, &i.doc_number),
        customer_id: i.customer.as_ref().map(|c| c.value.clone()),
        status,
        currency,
        // QuickBooks states home units per unit of the invoice's currency
        currency_rate: i
            .exchange_rate
            .filter(|r| !r.is_zero() && code != home)
            .map(|r| (Decimal::ONE / r).round_dp(10)),
        date: date(&i.txn_date),
        due_date: date(&i.due_date),
        // line amounts are written exclusive of tax: that is how they read back
        tax_mode: TaxMode::Exclusive,
        sub_total,
        total_tax,
        total,
        amount_paid: total - balance,
        amount_due: balance,
        fully_paid_on: None,
        lines,
        updated_at: updated_at(&i.meta),
    }
}

pub fn target_payment(p: &wire::Payment) -> TargetPayment {
    let invoice_id = p
        .lines
        .iter()
        .flat_map(|l| l.linked.iter())
        .find(|t| t.kind == "Invoice")
        .map(|t| t.id.clone())
        .unwrap_or_default();
    TargetPayment {
        id: p.id.clone().unwrap_or_default(),
        invoice_id,
        amount: p.total.unwrap_or_default(),
        date: date(&p.txn_date),
        reference: our_reference(&p.private_note, &p.ref_num),
        live: !is_voided(p.total, &p.private_note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn references_come_from_the_marker_first() {
        let note = Some("ledgerbridge:HS-PAY-123456789012-15 deal".to_string());
        assert_eq!(
            our_reference(&note, &Some("HS-PAY-12345~ABCDEFGH".into())).as_deref(),
            Some("HS-PAY-123456789012-15")
        );
        assert_eq!(
            our_reference(&Some("Voided - ledgerbridge:HS-1".into()), &None).as_deref(),
            Some("HS-1")
        );
        assert_eq!(
            our_reference(&None, &Some("1001".into())).as_deref(),
            Some("1001")
        );
        assert!(is_voided(Some(dec!(0)), &Some("Voided - x".into())));
        assert!(!is_voided(Some(dec!(10)), &Some("Voided - x".into())));
    }
}
