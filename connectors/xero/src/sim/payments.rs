//! Payments: `PUT /Payments` (batch), `POST /Payments` (one),
//! `GET /Payments[/{PaymentID}]`, and `POST /Payments/{PaymentID}` with
//! `{"Status":"DELETED"}` to remove one. A payment is refused on an invoice
//! that is not AUTHORISED, above the amount due, or dated in a locked period;
//! it must go to a bank account (or one with payments enabled). Paying the
//! rest of an invoice makes it PAID with `FullyPaidOnDate`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::batch::{self, Mode, Writable};
use super::books::Books;
use super::query::ListQuery;
use super::respond;
use super::state::SimState;
use super::totals;
use super::webhooks::Event;
use crate::msdate;
use crate::wire::{Account, HistoryRecord, Invoice, Payment, ValidationError};

impl Writable for Payment {
    const COLLECTION: &'static str = "Payments";
    fn mark_failed(&mut self, errors: &[String]) {
        self.has_validation_errors = Some(true);
        self.validation_errors = Some(errors.iter().map(ValidationError::new).collect());
    }
}

pub async fn list(
    State(st): State<Arc<SimState>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let q = match ListQuery::parse(&params, &headers) {
        Ok(q) => q,
        Err(e) => return respond::exception(16, "QueryParseException", &e),
    };
    let books = st.books.lock().unwrap();
    let mut hits = Vec::new();
    for p in &books.payments {
        let v = serde_json::to_value(p).expect("json");
        if q.modified(&v) && q.matches(&v) {
            hits.push((v, p.clone()));
        }
    }
    drop(books);
    let (page, pagination) = q.paginate(hits);
    respond::envelope(&st, "Payments", &page, pagination)
}

pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let found = Uuid::parse_str(&id)
        .ok()
        .and_then(|id| st.books.lock().unwrap().payment(id).cloned());
    match found {
        Some(p) => respond::envelope(&st, "Payments", &[p], None),
        None => respond::not_found(),
    }
}

pub async fn put(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    batch::write(&st, &p, &body, Mode::Create, &mut apply)
}

pub async fn post(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    batch::write(&st, &p, &body, Mode::Upsert, &mut apply)
}

pub async fn post_one(
    State(st): State<Arc<SimState>>,
    Path(id): Path<String>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return respond::not_found();
    };
    if st.books.lock().unwrap().payment(id).is_none() {
        return respond::not_found();
    }
    batch::write(&st, &p, &body, Mode::Update(id), &mut apply)
}

fn note(books: &mut Books, st: &SimState, invoice: Uuid, changes: &str, details: String) {
    let now = st.now();
    books.add_history(
        invoice,
        HistoryRecord {
            changes: Some(changes.into()),
            details: Some(details),
            user: Some("System Generated".into()),
            date_utc: Some(msdate::format_datetime(now)),
            date_utc_string: Some(now.format("%Y-%m-%dT%H:%M:%S").to_string()),
            validation_errors: None,
        },
    );
}

pub fn apply(
    st: &SimState,
    books: &mut Books,
    input: Payment,
    mode: Mode,
    events: &mut Vec<Event>,
) -> Result<Payment, Vec<String>> {
    let target = match mode {
        Mode::Update(id) => Some(id),
        _ => input.payment_id.filter(|id| books.payment(*id).is_some()),
    };
    if let Some(id) = target {
        return delete(st, books, id, &input, events);
    }
    let mut errors = Vec::new();
    let invoice = find_invoice(books, &input);
    let Some(invoice) = invoice else {
        return Err(vec![
            "Invoice could not be found. Specify Invoice.InvoiceID or Invoice.InvoiceNumber."
                .into(),
        ]);
    };
    if invoice.status.as_deref() != Some("AUTHORISED") {
        errors.push("Payments can only be made against Authorised documents".into());
    }
    let currency = invoice.currency_code.clone().unwrap_or_default();
    let dp = totals::minor_units(&currency);
    let amount = match input.amount {
        Some(a) if a > Decimal::ZERO => totals::round(a, dp),
        _ => {
            errors.push("The payment amount must be greater than zero".into());
            Decimal::ZERO
        }
    };
    let due = invoice.amount_due.unwrap_or_default();
    if invoice.status.as_deref() == Some("AUTHORISED") && amount > due {
        errors.push("Payment amount exceeds the amount outstanding on this document".into());
    }
    let account = find_account(st, input.account.as_ref());
    match account {
        None => errors
            .push("Account could not be found. Specify Account.Code or Account.AccountID.".into()),
        Some(a)
            if a.enable_payments_to_account != Some(true)
                || a.status.as_deref() != Some("ACTIVE") =>
        {
            errors.push(format!(
                "Account {} is not valid for payments",
                a.code.clone().unwrap_or_default()
            ))
        }
        _ => {}
    }
    let date = match input.date.as_deref() {
        None => Some(st.today()),
        Some(s) => msdate::parse_date(s).or_else(|| {
            errors.push(format!("The date {s:?} is not a valid date"));
            None
        }),
    };
    if let Some(msg) = date.and_then(|d| st.lock_refusal(d)) {
        errors.push(msg);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let date = date.expect("checked");
    let account = account.expect("checked");
    let now = st.now();
    let inv_id = invoice.invoice_id.expect("stored");
    let payment = Payment {
        payment_id: Some(Uuid::new_v4()),
        invoice: Some(Box::new(invoice_summary(&invoice))),
        account: Some(Account {
            account_id: account.account_id,
            code: account.code.clone(),
            ..Default::default()
        }),
        date: Some(msdate::format_date(date)),
        currency_rate: invoice.currency_rate.or(input.currency_rate),
        amount: Some(amount),
        bank_amount: Some(amount),
        reference: input.reference.clone(),
        is_reconciled: Some(input.is_reconciled.unwrap_or(false)),
        status: Some("AUTHORISED".into()),
        payment_type: Some(
            if invoice.kind.as_deref() == Some("ACCPAY") {
                "ACCPAYPAYMENT"
            } else {
                "ACCRECPAYMENT"
            }
            .into(),
        ),
        updated_date_utc: Some(msdate::format_datetime(now)),
        has_account: Some(true),
        has_validation_errors: Some(false),
        ..Default::default()
    };
    let mut inv = invoice;
    let paid = inv.amount_paid.unwrap_or_default() + amount;
    inv.amount_paid = Some(paid);
    inv.amount_due = Some(due - amount);
    if (due - amount).is_zero() {
        inv.status = Some("PAID".into());
        inv.fully_paid_on_date = Some(msdate::format_date(date));
    }
    inv.payments
        .get_or_insert_with(Vec::new)
        .push(payment_summary(&payment));
    inv.updated_date_utc = Some(msdate::format_datetime(now));
    inv.updated_date_utc_string = Some(msdate::datetime_string(now));
    let number = inv.invoice_number.clone().unwrap_or_default();
    note(
        books,
        st,
        inv_id,
        "Paid",
        format!(
            "Payment received from {} of {amount} on {} for {number}.",
            inv.contact
                .as_ref()
                .and_then(|c| c.name.clone())
                .unwrap_or_default(),
            date
        ),
    );
    books.put_invoice(inv);
    books.put_payment(payment.clone());
    // Xero has no payment webhook: the invoice's UPDATE is the signal
    events.push(Event {
        category: "INVOICE",
        event_type: "UPDATE",
        resource_id: inv_id,
        at: now,
    });
    Ok(payment)
}

fn delete(
    st: &SimState,
    books: &mut Books,
    id: Uuid,
    input: &Payment,
    events: &mut Vec<Event>,
) -> Result<Payment, Vec<String>> {
    if input.status.as_deref() != Some("DELETED") {
        return Err(vec![
            "A payment can only be deleted (Status DELETED); it cannot be edited.".into(),
        ]);
    }
    let mut p = books.payment(id).cloned().expect("checked by caller");
    if p.status.as_deref() == Some("DELETED") {
        return Err(vec!["This payment has already been deleted.".into()]);
    }
    let inv_id = p
        .invoice
        .as_ref()
        .and_then(|i| i.invoice_id)
        .expect("stored payments name their invoice");
    let mut inv = books.invoice(inv_id).cloned().expect("stored");
    if let Some(msg) = p
        .date
        .as_deref()
        .and_then(msdate::parse_date)
        .and_then(|d| st.lock_refusal(d))
    {
        return Err(vec![msg]);
    }
    let amount = p.amount.unwrap_or_default();
    let now = st.now();
    inv.amount_paid = Some(inv.amount_paid.unwrap_or_default() - amount);
    inv.amount_due = Some(inv.amount_due.unwrap_or_default() + amount);
    if inv.status.as_deref() == Some("PAID") {
        inv.status = Some("AUTHORISED".into());
        inv.fully_paid_on_date = None;
    }
    if let Some(ps) = &mut inv.payments {
        ps.retain(|x| x.payment_id != Some(id));
    }
    inv.updated_date_utc = Some(msdate::format_datetime(now));
    inv.updated_date_utc_string = Some(msdate::datetime_string(now));
    p.status = Some("DELETED".into());
    p.updated_date_utc = Some(msdate::format_datetime(now));
    note(
        books,
        st,
        inv_id,
        "Payment Deleted",
        format!("Payment of {amount} deleted."),
    );
    books.put_invoice(inv);
    books.put_payment(p.clone());
    events.push(Event {
        category: "INVOICE",
        event_type: "UPDATE",
        resource_id: inv_id,
        at: now,
    });
    Ok(p)
}

fn find_invoice(books: &Books, p: &Payment) -> Option<Invoice> {
    let by_number = |n: &str| {
        books
            .invoices
            .iter()
            .find(|i| i.invoice_number.as_deref() == Some(n))
            .cloned()
    };
    match &p.invoice {
        Some(i) => match (i.invoice_id, &i.invoice_number) {
            (Some(id), _) => books.invoice(id).cloned(),
            (None, Some(n)) => by_number(n),
            _ => None,
        },
        None => p.invoice_number.as_deref().and_then(by_number),
    }
}

fn find_account<'a>(st: &'a SimState, a: Option<&Account>) -> Option<&'a Account> {
    let a = a?;
    match (&a.code, a.account_id) {
        (Some(code), _) => st.settings.account_by_code(code),
        (None, Some(id)) => st.settings.account_by_id(id),
        _ => None,
    }
}

fn invoice_summary(inv: &Invoice) -> Invoice {
    Invoice {
        kind: inv.kind.clone(),
        invoice_id: inv.invoice_id,
        invoice_number: inv.invoice_number.clone(),
        reference: inv.reference.clone(),
        contact: inv.contact.clone(),
        currency_code: inv.currency_code.clone(),
        ..Default::default()
    }
}

fn payment_summary(p: &Payment) -> Payment {
    Payment {
        payment_id: p.payment_id,
        date: p.date.clone(),
        amount: p.amount,
        currency_rate: p.currency_rate,
        reference: p.reference.clone(),
        has_account: Some(false),
        has_validation_errors: Some(false),
        ..Default::default()
    }
}
