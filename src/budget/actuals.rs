//! Actuals into the grid: the lines of posted invoices.
//!
//! Posted means AUTHORISED or PAID (drafts, submitted, voided and deleted invoices
//! are not in the books). Each line counts under its account code, its option of the
//! report's category and the month of the invoice date, **net of tax** (what the
//! account shows in the ledger: a tax-inclusive line counts its amount less its tax),
//! converted to the base currency with the invoice's own `CurrencyRate`
//! (`base = amount / rate`, see [`super::convert`]); an invoice in a foreign
//! currency without a rate falls back to the finance system's rate table, and is left
//! out with a warning when neither has one.

use super::convert::{invoice_rate, to_base};
use super::grid::Grid;
use super::period::Month;
use super::tracking::option_of;
use ledgerbridge_sdk::model::{Currency, CurrencyRates, InvoiceStatus, TargetInvoice, TaxMode};
use rust_decimal::Decimal;

/// Adds the posted invoices dated in the grid's period.
pub fn place(
    invoices: &[TargetInvoice],
    base: &Currency,
    rates: &CurrencyRates,
    category: Option<&str>,
    grid: &mut Grid,
    warnings: &mut Vec<String>,
) {
    let period = grid.period();
    for inv in invoices {
        if !matches!(inv.status, InvoiceStatus::Authorised | InvoiceStatus::Paid) {
            continue;
        }
        let Some(date) = inv.date.filter(|d| period.contains_date(*d)) else {
            continue;
        };
        let Some(rate) = invoice_rate(&inv.currency, inv.currency_rate, base, rates) else {
            warnings.push(format!(
                "invoice {} ({}) left out: no rate from {} to {}",
                inv.number.as_deref().unwrap_or(&inv.id),
                inv.reference.as_deref().unwrap_or("no reference"),
                inv.currency,
                base
            ));
            continue;
        };
        for l in &inv.lines {
            let net = net_amount(l.line_amount, l.tax_amount, inv.tax_mode);
            let Some(amount) = to_base(net, Some(rate)) else {
                continue;
            };
            let account = l.account_code.as_deref().unwrap_or("");
            let option = option_of(&l.tracking, category);
            if let Some(c) = grid.cell(account, &option, Month::of(date)) {
                c.actual += amount;
            }
        }
    }
}

/// A line's amount without tax.
pub fn net_amount(line_amount: Decimal, tax_amount: Decimal, mode: TaxMode) -> Decimal {
    match mode {
        TaxMode::Inclusive => line_amount - tax_amount,
        TaxMode::Exclusive | TaxMode::NoTax => line_amount,
    }
}
