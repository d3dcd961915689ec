//! Between the SDK's canonical records and Tryton's.

use chrono::{DateTime, Utc};
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, Invoice, InvoiceStatus, TargetCustomer, TargetInvoice,
    TargetInvoiceLine, TargetPayment, TaxMode,
};
use rust_decimal::Decimal;

use crate::invoice::{InvoiceLineRow, InvoiceRow, InvoiceState, NewInvoice, NewInvoiceLine};
use crate::lookups::Lookups;
use crate::party::{NewAddress, NewParty, Party};
use crate::payment::PaymentRow;
use crate::wire::WireDateTime;

/// The server writes naive timestamps in its own time zone; the setup runs
/// it in UTC, and so must any server this connector talks to.
pub fn utc(t: Option<WireDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.0.and_utc())
}

pub fn new_party(c: &Customer) -> NewParty {
    let a = c.addresses.first();
    let street = a.map(|a| {
        [a.line1.as_deref(), a.line2.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
    });
    NewParty {
        name: c.name.clone(),
        external_id: c.external_ref.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        address: NewAddress {
            name: None,
            street: street.filter(|s| !s.is_empty()),
            postal_code: a.and_then(|a| a.postal_code.clone()),
            city: a.and_then(|a| a.city.clone()),
        },
    }
}

pub fn party_id(r: &CustomerRef) -> Result<u64, String> {
    match r {
        CustomerRef::TargetId(id) => id
            .parse()
            .map_err(|_| format!("customer id {id:?} is not a Tryton party id")),
        CustomerRef::Name(n) => Err(format!(
            "customer {n:?} is named, not resolved: Tryton invoices need the party's id"
        )),
    }
}

/// A canonical invoice as a Tryton draft, for `party` (read beforehand for
/// its address and receivable account).
pub fn new_invoice(inv: &Invoice, party: &Party, l: &Lookups) -> Result<NewInvoice, String> {
    let currency = *l.currency_by_code.get(inv.currency.code()).ok_or_else(|| {
        format!(
            "currency {} is not defined in Tryton (create it under Currency)",
            inv.currency
        )
    })?;
    if inv.tax_mode == TaxMode::Inclusive {
        return Err(
            "Tryton invoice lines take prices without tax; map tax-inclusive prices to exclusive ones"
                .into(),
        );
    }
    let address = *party
        .row
        .addresses
        .first()
        .ok_or_else(|| format!("Tryton party {} has no address to invoice", party.row.id))?;
    let account = party
        .row
        .account_receivable
        .or(l.default_receivable)
        .ok_or("Tryton has no receivable account for this party or company")?;
    let mut lines = Vec::with_capacity(inv.lines.len());
    for (i, line) in inv.lines.iter().enumerate() {
        let n = i + 1;
        if line.discount_rate.is_some_and(|d| !d.is_zero()) {
            return Err(format!(
                "line {n}: Tryton invoices have no discount rate without the account_invoice_discount module"
            ));
        }
        let account = *l.account_by_code.get(&line.account_code).ok_or_else(|| {
            format!(
                "line {n}: account code {:?} is not in Tryton's chart",
                line.account_code
            )
        })?;
        let taxes = match (&line.tax_type, inv.tax_mode) {
            (_, TaxMode::NoTax) | (None, _) => Vec::new(),
            (Some(t), _) if t.is_empty() => Vec::new(),
            (Some(t), _) => vec![
                *l.tax_by_name
                    .get(t)
                    .ok_or_else(|| format!("line {n}: tax {t:?} is not a Tryton tax name"))?,
            ],
        };
        lines.push(NewInvoiceLine {
            account,
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price: line.unit_amount,
            taxes,
            product: None,
        });
    }
    Ok(NewInvoice {
        party: party.row.id,
        invoice_address: address,
        account,
        journal: l.revenue_journal,
        currency,
        invoice_date: inv.date,
        due_date: Some(inv.due_date),
        reference: inv.reference.clone(),
        description: None,
        lines,
    })
}

pub fn status(s: InvoiceState) -> InvoiceStatus {
    match s {
        InvoiceState::Draft => InvoiceStatus::Draft,
        InvoiceState::Validated => InvoiceStatus::Submitted,
        InvoiceState::Posted => InvoiceStatus::Authorised,
        InvoiceState::Paid => InvoiceStatus::Paid,
        InvoiceState::Cancelled => InvoiceStatus::Voided,
    }
}

pub fn target_invoice(r: &InvoiceRow, lines: &[InvoiceLineRow], l: &Lookups) -> TargetInvoice {
    let currency = Currency::new(r.currency_code())
        .or_else(|_| Currency::new(l.currency_code.get(&r.currency).map_or("", |s| s)))
        .unwrap_or_else(|_| Currency::new("XXX").expect("XXX is a code"));
    let due = if r.state == InvoiceState::Cancelled {
        Decimal::ZERO
    } else {
        r.amount_to_pay.0
    };
    let paid = if r.state == InvoiceState::Cancelled || r.state == InvoiceState::Draft {
        Decimal::ZERO
    } else {
        r.total_amount.0 - due
    };
    TargetInvoice {
        id: r.id.to_string(),
        number: r.number.clone(),
        reference: r.reference.clone(),
        customer_id: Some(r.party.to_string()),
        status: status(r.state),
        currency,
        currency_rate: None,
        date: r.invoice_date.map(|d| d.0),
        due_date: r.payment_term_date.map(|d| d.0),
        tax_mode: TaxMode::Exclusive,
        sub_total: r.untaxed_amount.0,
        total_tax: r.tax_amount.0,
        total: r.total_amount.0,
        amount_paid: paid,
        amount_due: due,
        fully_paid_on: if r.state == InvoiceState::Paid {
            r.reconciled.map(|d| d.0)
        } else {
            None
        },
        lines: lines
            .iter()
            .filter(|x| x.invoice == Some(r.id))
            .map(|x| TargetInvoiceLine {
                description: x.description.clone(),
                quantity: x.quantity(),
                unit_amount: x.unit_price.map(|p| p.0).unwrap_or_default(),
                discount_rate: None,
                account_code: x.account_rel.code.clone(),
                tax_type: x.taxes.first().and_then(|t| l.tax_name.get(t).cloned()),
                line_amount: x.amount.map(|a| a.0).unwrap_or_default(),
                // Tryton totals taxes per invoice, not per line
                tax_amount: Decimal::ZERO,
                tracking: Vec::new(),
            })
            .collect(),
        updated_at: utc(r.write_date),
    }
}

pub fn target_customer(p: &Party) -> TargetCustomer {
    TargetCustomer {
        id: p.row.id.to_string(),
        external_ref: p.external_id.clone(),
        name: p.row.name.clone().unwrap_or_default(),
        email: p.row.email.clone(),
        domain: p
            .row
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .map(|(_, d)| d.to_lowercase()),
        archived: !p.row.active,
        updated_at: utc(p.row.write_date),
    }
}

pub fn target_payment(p: &PaymentRow) -> TargetPayment {
    TargetPayment {
        id: p.line_id.to_string(),
        invoice_id: p.invoice_id.map(|i| i.to_string()).unwrap_or_default(),
        amount: p.amount,
        date: p.date,
        reference: Some(p.reference.clone()),
        live: true,
    }
}
