//! Contacts: `GET/PUT/POST /Contacts`, `GET/POST /Contacts/{ContactID}`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use uuid::Uuid;

use super::batch::{self, Mode, Writable};
use super::books::Books;
use super::query::ListQuery;
use super::respond;
use super::state::SimState;
use super::webhooks::Event;
use crate::msdate;
use crate::wire::{Contact, ValidationError};

impl Writable for Contact {
    const COLLECTION: &'static str = "Contacts";
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
    let ids: Vec<String> = q.ids.iter().map(|s| s.to_lowercase()).collect();
    let mut hits = Vec::new();
    for c in &books.contacts {
        if !q.include_archived
            && q.ids.is_empty()
            && c.contact_status.as_deref() == Some("ARCHIVED")
        {
            continue;
        }
        if !ids.is_empty() && !c.contact_id.is_some_and(|id| ids.contains(&id.to_string())) {
            continue;
        }
        if let Some(term) = &q.search {
            let fields = [
                &c.name,
                &c.first_name,
                &c.last_name,
                &c.contact_number,
                &c.email_address,
            ];
            if !fields.iter().any(|f| {
                f.as_deref()
                    .is_some_and(|v| v.to_lowercase().contains(term))
            }) {
                continue;
            }
        }
        let v = serde_json::to_value(c).expect("json");
        if q.modified(&v) && q.matches(&v) {
            hits.push((v, c.clone()));
        }
    }
    drop(books);
    let (page, pagination) = q.paginate(hits);
    respond::envelope(&st, "Contacts", &page, pagination)
}

/// `GET /Contacts/{ContactID}` (a ContactNumber works too, as in Xero).
pub async fn get_one(State(st): State<Arc<SimState>>, Path(id): Path<String>) -> Response {
    let books = st.books.lock().unwrap();
    let found = match Uuid::parse_str(&id) {
        Ok(uuid) => books.contact(uuid).cloned(),
        Err(_) => books
            .contacts
            .iter()
            .find(|c| c.contact_number.as_deref() == Some(&id))
            .cloned(),
    };
    drop(books);
    match found {
        Some(c) => respond::envelope(&st, "Contacts", &[c], None),
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
    if st.books.lock().unwrap().contact(id).is_none() {
        return respond::not_found();
    }
    batch::write(&st, &p, &body, Mode::Update(id), &mut apply)
}

fn active_name_taken(books: &Books, name: &str, except: Option<Uuid>) -> bool {
    books.contacts.iter().any(|c| {
        c.contact_id != except
            && c.contact_status.as_deref() != Some("ARCHIVED")
            && c.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })
}

/// Validates and saves one contact.
pub fn apply(
    st: &SimState,
    books: &mut Books,
    input: Contact,
    mode: Mode,
    events: &mut Vec<Event>,
) -> Result<Contact, Vec<String>> {
    let existing: Option<Contact> = match mode {
        Mode::Update(id) => books.contact(id).cloned(),
        Mode::Upsert => match (input.contact_id, &input.contact_number) {
            (Some(id), _) => Some(
                books
                    .contact(id)
                    .cloned()
                    .ok_or_else(|| vec![format!("Contact with ID {id} could not be found")])?,
            ),
            (None, Some(n)) => books
                .contacts
                .iter()
                .find(|c| c.contact_number.as_ref() == Some(n))
                .cloned(),
            _ => None,
        },
        Mode::Create => {
            if input
                .contact_id
                .is_some_and(|id| books.contact(id).is_some())
            {
                return Err(vec![
                    "A contact with this ContactID already exists; use POST to update it.".into(),
                ]);
            }
            None
        }
    };
    let mut errors = Vec::new();
    let mut c = match &existing {
        Some(old) => merge(old.clone(), input),
        None => input,
    };
    let id = existing
        .as_ref()
        .and_then(|e| e.contact_id)
        .unwrap_or_else(Uuid::new_v4);
    match c.name.as_deref().map(str::trim) {
        None | Some("") => errors.push("The contact name must be specified.".to_string()),
        Some(n) if n.chars().count() > 255 => errors.push("The contact name must be 255 characters or less.".into()),
        Some(n) if c.contact_status.as_deref() != Some("ARCHIVED") && active_name_taken(books, n, Some(id)) => errors.push(format!(
            "The contact name {n} is already assigned to another contact. The contact name must be unique across all active contacts."
        )),
        _ => {}
    }
    if let Some(a) = c.account_number.as_deref().filter(|a| !a.is_empty())
        && books
            .contacts
            .iter()
            .any(|o| o.contact_id != Some(id) && o.account_number.as_deref() == Some(a))
    {
        errors.push(
            "The Account Number already exists. Please enter a different Account Number.".into(),
        );
    }
    if let Some(e) = c.email_address.as_deref().filter(|e| !e.is_empty())
        && (!e.contains('@') || e.contains(' '))
    {
        errors.push("Email address must be valid.".into());
    }
    match c.contact_status.as_deref() {
        None | Some("ACTIVE") | Some("ARCHIVED") | Some("GDPRREQUEST") => {}
        Some(s) => errors.push(format!("Contact status {s} is not valid.")),
    }
    if let Some(cur) = c.default_currency.as_deref()
        && !st.settings.currency_enabled(cur)
    {
        errors.push(format!("Organisation is not subscribed to currency {cur}"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let now = st.now();
    c.contact_id = Some(id);
    c.contact_status.get_or_insert_with(|| "ACTIVE".into());
    c.is_supplier.get_or_insert(false);
    c.is_customer.get_or_insert(false);
    c.addresses.get_or_insert_with(Vec::new);
    c.phones.get_or_insert_with(Vec::new);
    c.contact_groups.get_or_insert_with(Vec::new);
    c.contact_persons.get_or_insert_with(Vec::new);
    c.has_validation_errors = Some(false);
    c.validation_errors = None;
    c.updated_date_utc = Some(msdate::format_datetime(now));
    events.push(Event {
        category: "CONTACT",
        event_type: if existing.is_some() {
            "UPDATE"
        } else {
            "CREATE"
        },
        resource_id: id,
        at: now,
    });
    books.put_contact(c.clone());
    Ok(c)
}

/// An update: fields sent replace the stored ones, fields left out stay.
fn merge(mut old: Contact, new: Contact) -> Contact {
    macro_rules! take {
        ($($f:ident),*) => { $( if new.$f.is_some() { old.$f = new.$f; } )* };
    }
    take!(
        contact_number,
        account_number,
        contact_status,
        name,
        first_name,
        last_name,
        email_address,
        contact_persons,
        tax_number,
        addresses,
        phones,
        default_currency,
        website
    );
    old
}

/// The contact an invoice names: by `ContactID`, else by `Name` (Xero creates
/// a new contact when no active one has that name).
pub fn resolve_for_invoice(
    st: &SimState,
    books: &mut Books,
    wanted: &Contact,
    events: &mut Vec<Event>,
) -> Result<Contact, String> {
    if let Some(id) = wanted.contact_id {
        let c = books
            .contact(id)
            .ok_or_else(|| format!("Contact with ID {id} could not be found"))?;
        if c.contact_status.as_deref() == Some("ARCHIVED") {
            return Err("The contact is archived and cannot be used.".into());
        }
        return Ok(c.clone());
    }
    if let Some(num) = wanted.contact_number.as_deref()
        && let Some(c) = books
            .contacts
            .iter()
            .find(|c| c.contact_number.as_deref() == Some(num))
    {
        return Ok(c.clone());
    }
    let name = wanted
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| "A Contact must be specified for this type of transaction".to_string())?;
    if let Some(c) = books.contacts.iter().find(|c| {
        c.contact_status.as_deref() != Some("ARCHIVED")
            && c.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
    }) {
        return Ok(c.clone());
    }
    let fresh = Contact {
        name: Some(name.to_string()),
        ..wanted.clone()
    };
    apply(st, books, fresh, Mode::Create, events).map_err(|e| e.join("; "))
}

/// The short form of a contact embedded in an invoice.
pub fn summary(c: &Contact) -> Contact {
    Contact {
        contact_id: c.contact_id,
        name: c.name.clone(),
        contact_number: c.contact_number.clone(),
        account_number: c.account_number.clone(),
        email_address: c.email_address.clone(),
        contact_status: c.contact_status.clone(),
        addresses: Some(vec![]),
        phones: Some(vec![]),
        contact_groups: Some(vec![]),
        contact_persons: Some(vec![]),
        has_validation_errors: Some(false),
        ..Default::default()
    }
}
