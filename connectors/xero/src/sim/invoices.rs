//! Invoices: `GET/PUT/POST /Invoices`, `GET/POST /Invoices/{InvoiceID}`.
//!
//! Status rules: DRAFT → SUBMITTED → AUTHORISED → PAID (PAID only by
//! payments); DELETED only from DRAFT or SUBMITTED; VOIDED only from
//! AUTHORISED with nothing paid; PAID, VOIDED and DELETED invoices cannot be
//! edited, nor can the lines of a part-paid one. Totals are computed here
//! (see `totals`) and what a client sends for them is ignored.

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
use super::contacts;
use super::query::ListQuery;
use super::respond;
use super::seed;
use super::state::SimState;
use super::totals;
use super::webhooks::Event;
use crate::msdate;
use crate::wire::{HistoryRecord, Invoice, LineItem, LineItemTracking, ValidationError};

impl Writable for Invoice {
    const COLLECTION: &'static str = "Invoices";
    fn mark_failed(&mut self, errors: &[String]) {
        self.has_errors = Some(true);
        self.status_attribute_string = Some("ERROR".into());
        self.validation_errors = Some(errors.iter().map(ValidationError::new).collect());
    }
    fn mark_ok(&mut self) {
        self.status_attribute_string = Some("OK".into());
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
    let ids: Vec<String> = q.ids.iter().map(|s| s.to_lowercase()).collect();
    let contact_ids: Vec<String> = q
        .list("ContactIDs")
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let numbers = q.list("InvoiceNumbers");
    let statuses = q.list("Statuses");
    let books = st.books.lock().unwrap();
    let mut hits = Vec::new();
    for inv in &books.invoices {
        if !ids.is_empty()
            && !inv
                .invoice_id
                .is_some_and(|id| ids.contains(&id.to_string()))
        {
            continue;
        }
        if !numbers.is_empty()
            && !inv
                .invoice_number
                .as_ref()
                .is_some_and(|n| numbers.contains(n))
        {
            continue;
        }
        if !statuses.is_empty() && !inv.status.as_ref().is_some_and(|s| statuses.contains(s)) {
            continue;
        }
        let cid = inv
            .contact
            .as_ref()
            .and_then(|c| c.contact_id)
            .map(|c| c.to_string());
        if !contact_ids.is_empty() && !cid.is_some_and(|c| contact_ids.contains(&c)) {
            continue;
        }
        if let Some(term) = &q.search {
            let fields = [&inv.invoice_number, &inv.reference];
            if !fields.iter().any(|f| {
                f.as_deref()
                    .is_some_and(|v| v.to_lowercase().contains(term))
            }) {
                continue;
            }
        }
        let v = serde_json::to_value(inv).expect("json");
        if q.modified(&v) && q.matches(&v) {
            hits.push((v, inv.clone()));
        }
    }
    drop(books);
    let (mut page, pagination) = q.paginate(hits);
    // Xero leaves line items out of unpaged lists and of summaryOnly answers
    if q.page.is_none() || q.summary_only {
        for inv in &mut page {
            inv.line_items = None;
        }
    }
    respond::envelope(&st, "Invoices", &page, pagination)
}

pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let books = st.books.lock().unwrap();
    let found = match Uuid::parse_str(&id) {
        Ok(uuid) => books.invoice(uuid).cloned(),
        Err(_) => books
            .invoices
            .iter()
            .find(|i| i.invoice_number.as_deref() == Some(&id))
            .cloned(),
    };
    drop(books);
    match found {
        Some(inv) => respond::envelope(&st, "Invoices", &[inv], None),
        None => respond::not_found(),
    }
}

fn unit_dp(p: &HashMap<String, String>) -> u32 {
    if p.get("unitdp").map(String::as_str) == Some("4") {
        4
    } else {
        2
    }
}

pub async fn put(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let dp = unit_dp(&p);
    batch::write(&st, &p, &body, Mode::Create, &mut |st, b, i, m, e| {
        apply(st, b, i, m, dp, e)
    })
}

pub async fn post(
    State(st): State<Arc<SimState>>,
    Query(p): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let dp = unit_dp(&p);
    batch::write(&st, &p, &body, Mode::Upsert, &mut |st, b, i, m, e| {
        apply(st, b, i, m, dp, e)
    })
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
    if st.books.lock().unwrap().invoice(id).is_none() {
        return respond::not_found();
    }
    let dp = unit_dp(&p);
    batch::write(&st, &p, &body, Mode::Update(id), &mut |st, b, i, m, e| {
        apply(st, b, i, m, dp, e)
    })
}

const NOT_VALID_STATUS: &str = "Invoice not of valid status for modification";

fn history(books: &mut Books, st: &SimState, id: Uuid, changes: &str, details: String) {
    let now = st.now();
    books.add_history(
        id,
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

/// Validates, computes and saves one invoice.
pub fn apply(
    st: &SimState,
    books: &mut Books,
    input: Invoice,
    mode: Mode,
    unit_dp: u32,
    events: &mut Vec<Event>,
) -> Result<Invoice, Vec<String>> {
    let existing: Option<Invoice> = match mode {
        Mode::Update(id) => books.invoice(id).cloned(),
        Mode::Upsert => match (input.invoice_id, &input.invoice_number) {
            (Some(id), _) => Some(
                books
                    .invoice(id)
                    .cloned()
                    .ok_or_else(|| vec![format!("Invoice with ID {id} could not be found")])?,
            ),
            (None, Some(n)) => books
                .invoices
                .iter()
                .find(|i| {
                    i.invoice_number.as_ref() == Some(n)
                        && i.kind == input.kind.clone().or(Some("ACCREC".into()))
                })
                .cloned(),
            _ => None,
        },
        Mode::Create => {
            if input
                .invoice_id
                .is_some_and(|id| books.invoice(id).is_some())
            {
                return Err(vec![
                    "An invoice with this InvoiceID already exists; use POST to update it.".into(),
                ]);
            }
            None
        }
    };
    match existing {
        Some(old) => update(st, books, old, input, unit_dp, events),
        None => create(st, books, input, unit_dp, events),
    }
}

fn create(
    st: &SimState,
    books: &mut Books,
    mut inv: Invoice,
    unit_dp: u32,
    events: &mut Vec<Event>,
) -> Result<Invoice, Vec<String>> {
    let status = inv.status.clone().unwrap_or_else(|| "DRAFT".into());
    if !["DRAFT", "SUBMITTED", "AUTHORISED"].contains(&status.as_str()) {
        return Err(vec![format!(
            "Invoice cannot be created with status {status}"
        )]);
    }
    inv.status = Some(status);
    inv.invoice_id = Some(Uuid::new_v4());
    inv.amount_paid = None;
    inv.payments = None;
    finish(st, books, inv, None, unit_dp, events)
}

fn update(
    st: &SimState,
    books: &mut Books,
    old: Invoice,
    input: Invoice,
    unit_dp: u32,
    events: &mut Vec<Event>,
) -> Result<Invoice, Vec<String>> {
    let old_status = old.status.clone().unwrap_or_default();
    let new_status = input.status.clone().unwrap_or_else(|| old_status.clone());
    let paid = old.amount_paid.unwrap_or_default() > Decimal::ZERO;
    if ["PAID", "VOIDED", "DELETED"].contains(&old_status.as_str()) {
        // resending the same status is a no-op Xero still refuses as an edit
        return Err(vec![NOT_VALID_STATUS.into()]);
    }
    let old_date = old.date.as_deref().and_then(msdate::parse_date);
    match new_status.as_str() {
        "VOIDED" | "DELETED" => {
            let allowed = if new_status == "VOIDED" {
                old_status == "AUTHORISED"
            } else {
                old_status == "DRAFT" || old_status == "SUBMITTED"
            };
            if !allowed {
                return Err(vec![NOT_VALID_STATUS.into()]);
            }
            if paid {
                return Err(vec!["This document cannot be voided as it has a payment or credit note allocated to it.".into()]);
            }
            if let Some(msg) = old_date.and_then(|d| st.lock_refusal(d)) {
                return Err(vec![msg]);
            }
            let mut inv = old;
            inv.status = Some(new_status.clone());
            inv.amount_due = inv.total.map(|t| totals::round(Decimal::ZERO, t.scale()));
            let now = st.now();
            inv.updated_date_utc = Some(msdate::format_datetime(now));
            inv.updated_date_utc_string = Some(msdate::datetime_string(now));
            let id = inv.invoice_id.expect("stored");
            history(
                books,
                st,
                id,
                if new_status == "VOIDED" {
                    "Voided"
                } else {
                    "Deleted"
                },
                format!(
                    "{} {}",
                    inv.invoice_number.clone().unwrap_or_default(),
                    new_status.to_lowercase()
                ),
            );
            events.push(Event {
                category: "INVOICE",
                event_type: "UPDATE",
                resource_id: id,
                at: now,
            });
            books.put_invoice(inv.clone());
            return Ok(inv);
        }
        "PAID" => return Err(vec![NOT_VALID_STATUS.into()]),
        "DRAFT" | "SUBMITTED" if old_status == "AUTHORISED" => {
            return Err(vec![NOT_VALID_STATUS.into()]);
        }
        "DRAFT" | "SUBMITTED" | "AUTHORISED" => {}
        other => return Err(vec![format!("Invoice status {other} is not valid")]),
    }
    let touches_amounts = input.line_items.is_some()
        || input.currency_code.is_some()
        || input.line_amount_types.is_some()
        || input.contact.is_some();
    if paid && touches_amounts {
        return Err(vec![
            "This document cannot be edited as it has a payment or credit note allocated to it."
                .into(),
        ]);
    }
    if let Some(msg) = old_date.and_then(|d| st.lock_refusal(d)) {
        return Err(vec![msg]);
    }
    let mut inv = old.clone();
    macro_rules! take {
        ($($f:ident),*) => { $( if input.$f.is_some() { inv.$f = input.$f.clone(); } )* };
    }
    take!(
        contact,
        line_items,
        date,
        due_date,
        line_amount_types,
        invoice_number,
        reference,
        currency_code,
        currency_rate,
        status,
        sent_to_contact
    );
    if input.date.is_some() {
        inv.date_string = None;
    }
    if input.due_date.is_some() {
        inv.due_date_string = None;
    }
    finish(st, books, inv, Some(&old), unit_dp, events)
}

/// Validation and computation common to create and update.
fn finish(
    st: &SimState,
    books: &mut Books,
    mut inv: Invoice,
    old: Option<&Invoice>,
    unit_dp: u32,
    events: &mut Vec<Event>,
) -> Result<Invoice, Vec<String>> {
    let mut errors = Vec::new();
    let kind = inv.kind.clone().unwrap_or_default();
    if kind != "ACCREC" && kind != "ACCPAY" {
        errors.push(if kind.is_empty() {
            "Invoice Type must be specified (ACCREC or ACCPAY)".to_string()
        } else {
            format!("Invoice Type {kind} is not supported")
        });
    }
    let status = inv.status.clone().unwrap_or_else(|| "DRAFT".into());

    // contact: by id, or by name (which creates it when new)
    let contact = match &inv.contact {
        None => {
            errors.push("A Contact must be specified for this type of transaction".into());
            None
        }
        Some(c) => match contacts::resolve_for_invoice(st, books, c, events) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };

    // dates and the lock date
    let today = st.today();
    let date = match inv.date.as_deref() {
        None => Some(today),
        Some(s) => msdate::parse_date(s).or_else(|| {
            errors.push(format!("The date {s:?} is not a valid date"));
            None
        }),
    };
    let due = match inv.due_date.as_deref() {
        None => None,
        Some(s) => msdate::parse_date(s).or_else(|| {
            errors.push(format!("The due date {s:?} is not a valid date"));
            None
        }),
    };
    if let Some(msg) = date.and_then(|d| st.lock_refusal(d)) {
        errors.push(msg);
    }

    // currency and rate
    let currency = inv
        .currency_code
        .clone()
        .unwrap_or_else(|| seed::BASE_CURRENCY.into());
    if !st.settings.currency_enabled(&currency) {
        errors.push(format!(
            "Organisation is not subscribed to currency {currency}"
        ));
    }
    let rate = match inv.currency_rate {
        Some(r) if r <= Decimal::ZERO => {
            errors.push("The currency rate must be greater than zero".into());
            None
        }
        Some(r) => Some(r),
        None => seed::rate_of(&currency),
    };
    let lat = inv
        .line_amount_types
        .clone()
        .unwrap_or_else(|| "Exclusive".into());
    if !["Exclusive", "Inclusive", "NoTax"].contains(&lat.as_str()) {
        errors.push(format!(
            "LineAmountTypes {lat} is not valid (Exclusive, Inclusive or NoTax)"
        ));
    }

    // lines
    let mut lines = inv.line_items.clone().unwrap_or_default();
    if lines.is_empty() && status != "DRAFT" {
        errors.push("Invoices must have at least one line item to be submitted or approved".into());
    }
    for line in &mut lines {
        errors.extend(check_line(st, line, &kind, &lat, &status));
    }

    // number and reference
    if let Some(n) = inv.invoice_number.as_deref().filter(|n| !n.is_empty()) {
        let id = inv.invoice_id;
        if kind == "ACCREC"
            && books.invoices.iter().any(|i| {
                i.invoice_id != id
                    && i.kind.as_deref() == Some("ACCREC")
                    && i.invoice_number.as_deref() == Some(n)
            })
        {
            errors.push("Invoice # must be unique.".into());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let dp = totals::minor_units(&currency);
    let t = totals::compute(&mut lines, &lat, dp, unit_dp, |tt| {
        st.settings
            .tax_rate(tt)
            .and_then(|r| r.effective_rate)
            .unwrap_or_default()
    });
    if t.total < Decimal::ZERO {
        return Err(vec!["The invoice total cannot be negative.".into()]);
    }
    let paid = totals::round(old.and_then(|o| o.amount_paid).unwrap_or_default(), dp);
    if paid > t.total {
        return Err(vec![
            "The invoice total cannot be less than the amount already paid.".into(),
        ]);
    }
    let contact = contact.expect("no errors means a contact");
    if kind == "ACCREC" && contact.is_customer != Some(true) {
        let mut c = contact.clone();
        c.is_customer = Some(true);
        books.put_contact(c);
    }
    let now = st.now();
    let date = date.expect("no errors means a date");
    let id = inv.invoice_id.expect("set by create or stored");
    let is_new = old.is_none();
    if kind == "ACCREC" && inv.invoice_number.as_deref().is_none_or(str::is_empty) {
        inv.invoice_number = Some(books.next_invoice_number());
    }
    if kind != "ACCREC" {
        inv.reference = None;
    }
    inv.kind = Some(kind);
    inv.contact = Some(contacts::summary(&contact));
    inv.date = Some(msdate::format_date(date));
    inv.date_string = Some(msdate::date_string(date));
    inv.due_date = due.map(msdate::format_date);
    inv.due_date_string = due.map(msdate::date_string);
    inv.line_amount_types = Some(lat);
    inv.currency_code = Some(currency);
    inv.currency_rate = rate.map(|r| totals::round(r, 6));
    inv.status = Some(status.clone());
    inv.is_discounted = Some(!t.total_discount.is_zero());
    inv.has_attachments = Some(false);
    inv.has_errors = Some(false);
    inv.validation_errors = None;
    inv.status_attribute_string = None;
    inv.warnings = None;
    inv.line_items = Some(lines);
    inv.sub_total = Some(t.sub_total);
    inv.total_tax = Some(t.total_tax);
    inv.total = Some(t.total);
    inv.total_discount = (!t.total_discount.is_zero()).then_some(t.total_discount);
    inv.amount_paid = Some(paid);
    inv.amount_credited = Some(totals::round(Decimal::ZERO, dp));
    inv.amount_due = Some(t.total - paid);
    inv.payments.get_or_insert_with(Vec::new);
    inv.credit_notes = Some(vec![]);
    inv.prepayments = Some(vec![]);
    inv.overpayments = Some(vec![]);
    inv.sent_to_contact.get_or_insert(false);
    inv.updated_date_utc = Some(msdate::format_datetime(now));
    inv.updated_date_utc_string = Some(msdate::datetime_string(now));
    let number = inv.invoice_number.clone().unwrap_or_default();
    if is_new {
        let name = contact.name.clone().unwrap_or_default();
        history(
            books,
            st,
            id,
            "Created",
            format!("{number} to {name} for {}.", t.total),
        );
    } else {
        history(books, st, id, "Edited", format!("{number} edited."));
    }
    if status == "AUTHORISED" && old.and_then(|o| o.status.as_deref()) != Some("AUTHORISED") {
        history(books, st, id, "Approved", format!("{number} approved."));
    }
    events.push(Event {
        category: "INVOICE",
        event_type: if is_new { "CREATE" } else { "UPDATE" },
        resource_id: id,
        at: now,
    });
    books.put_invoice(inv.clone());
    Ok(inv)
}

/// Account, tax type and tracking of one line; fills their ids and names.
fn check_line(
    st: &SimState,
    line: &mut LineItem,
    kind: &str,
    lat: &str,
    status: &str,
) -> Vec<String> {
    let mut errors = Vec::new();
    if line
        .description
        .as_deref()
        .is_none_or(|d| d.trim().is_empty())
        && line.item_code.is_none()
    {
        errors.push("The description field is mandatory for each line item.".into());
    }
    if line
        .discount_rate
        .is_some_and(|r| r < Decimal::ZERO || r > Decimal::ONE_HUNDRED)
    {
        errors.push("The discount rate must be between 0 and 100.".into());
    }
    let account = match (&line.account_code, line.account_id) {
        (Some(code), _) => match st.settings.account_by_code(code) {
            Some(a) if a.status.as_deref() == Some("ACTIVE") => Some(a),
            _ => {
                errors.push(format!(
                    "Account code '{code}' is not a valid code for this document."
                ));
                None
            }
        },
        (None, Some(id)) => match st.settings.account_by_id(id) {
            Some(a) if a.status.as_deref() == Some("ACTIVE") => Some(a),
            _ => {
                errors.push(format!(
                    "Account ID '{id}' is not a valid account for this document."
                ));
                None
            }
        },
        (None, None) => {
            if status != "DRAFT" {
                errors.push(
                    "An account code must be specified on each line item of an approved invoice."
                        .into(),
                );
            }
            None
        }
    };
    if let Some(a) = account {
        line.account_code = a.code.clone();
        line.account_id = a.account_id;
    }
    if lat == "NoTax" {
        line.tax_type = Some("NONE".into());
    } else if line.tax_type.is_none() {
        line.tax_type = account
            .and_then(|a| a.tax_type.clone())
            .or(Some("NONE".into()));
    }
    let tt = line.tax_type.clone().unwrap_or_default();
    match st.settings.tax_rate(&tt) {
        Some(r) if r.status.as_deref() == Some("ACTIVE") => {
            let revenue = account.is_some_and(|a| a.class.as_deref() == Some("REVENUE"));
            let fits = if kind == "ACCREC" && revenue {
                r.can_apply_to_revenue == Some(true)
            } else {
                true
            };
            if !fits {
                let code = line.account_code.clone().unwrap_or_default();
                errors.push(format!(
                    "The TaxType code '{tt}' cannot be used with account code '{code}'."
                ));
            }
        }
        _ => errors.push(format!(
            "The TaxType code '{tt}' does not exist or cannot be used for this type of transaction."
        )),
    }
    let tracking = line.tracking.clone().unwrap_or_default();
    if tracking.len() > 2 {
        errors.push("A line item can have no more than two tracking categories.".into());
    } else {
        let mut resolved = Vec::new();
        for t in &tracking {
            match resolve_tracking(st, t) {
                Ok(r) => {
                    if resolved.iter().any(|x: &LineItemTracking| {
                        x.tracking_category_id == r.tracking_category_id
                    }) {
                        errors.push(
                            "A tracking category can be used only once on a line item.".into(),
                        );
                    }
                    resolved.push(r);
                }
                Err(e) => errors.push(e),
            }
        }
        if line.tracking.is_some() {
            line.tracking = Some(resolved);
        }
    }
    if line.line_item_id.is_none() {
        line.line_item_id = Some(Uuid::new_v4());
    }
    errors
}

fn resolve_tracking(st: &SimState, t: &LineItemTracking) -> Result<LineItemTracking, String> {
    let cat = st
        .settings
        .tracking
        .iter()
        .find(|c| match (t.tracking_category_id, &t.name) {
            (Some(id), _) => c.tracking_category_id == Some(id),
            (None, Some(n)) => c.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n)),
            _ => false,
        })
        .ok_or_else(|| {
            format!(
                "Tracking category '{}' does not exist.",
                t.name
                    .clone()
                    .or(t.tracking_category_id.map(|i| i.to_string()))
                    .unwrap_or_default()
            )
        })?;
    let cat_name = cat.name.clone().unwrap_or_default();
    let opt = cat
        .options
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|o| {
            o.status.as_deref() == Some("ACTIVE")
                && match (t.tracking_option_id, &t.option) {
                    (Some(id), _) => o.tracking_option_id == Some(id),
                    (None, Some(n)) => o.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n)),
                    _ => false,
                }
        })
        .ok_or_else(|| {
            format!(
                "The tracking option '{}' does not exist for the tracking category '{cat_name}'.",
                t.option.clone().unwrap_or_default()
            )
        })?;
    Ok(LineItemTracking {
        tracking_category_id: cat.tracking_category_id,
        tracking_option_id: opt.tracking_option_id,
        name: Some(cat_name),
        option: opt.name.clone(),
    })
}
