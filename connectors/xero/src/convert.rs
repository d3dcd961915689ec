//! Canonical model ↔ Xero wire shapes.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, Invoice as CanonInvoice, InvoiceStatus,
    Payment as CanonPayment, TargetCustomer, TargetInvoice, TargetInvoiceLine, TargetPayment,
    TaxMode, TrackingRef,
};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::msdate;
use crate::wire::{
    Account, Address, Contact, ContactPerson, Invoice, LineItem, LineItemTracking, Payment, Phone,
};

pub fn tax_mode_str(m: TaxMode) -> &'static str {
    match m {
        TaxMode::Exclusive => "Exclusive",
        TaxMode::Inclusive => "Inclusive",
        TaxMode::NoTax => "NoTax",
    }
}

pub fn tax_mode(s: Option<&str>) -> TaxMode {
    match s {
        Some("Inclusive") => TaxMode::Inclusive,
        Some("NoTax") => TaxMode::NoTax,
        _ => TaxMode::Exclusive,
    }
}

pub fn contact_from(c: &Customer, id: Option<Uuid>) -> Contact {
    Contact {
        contact_id: id,
        account_number: Some(c.external_ref.clone()),
        name: Some(c.name.clone()),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email_address: c.email.clone(),
        tax_number: c.tax_number.clone(),
        default_currency: c.default_currency.as_ref().map(|c| c.code().to_string()),
        contact_persons: (!c.contact_persons.is_empty()).then(|| {
            c.contact_persons
                .iter()
                .map(|p| ContactPerson {
                    first_name: p.first_name.clone(),
                    last_name: p.last_name.clone(),
                    email_address: p.email.clone(),
                    include_in_emails: Some(false),
                })
                .collect()
        }),
        addresses: (!c.addresses.is_empty()).then(|| {
            c.addresses
                .iter()
                .map(|a| Address {
                    address_type: Some("STREET".into()),
                    address_line1: a.line1.clone(),
                    address_line2: a.line2.clone(),
                    city: a.city.clone(),
                    region: a.region.clone(),
                    postal_code: a.postal_code.clone(),
                    country: a.country.clone(),
                    attention_to: None,
                })
                .collect()
        }),
        phones: c.phone.as_ref().map(|p| {
            vec![Phone {
                phone_type: Some("DEFAULT".into()),
                phone_number: Some(p.clone()),
                ..Default::default()
            }]
        }),
        ..Default::default()
    }
}

pub fn invoice_from(inv: &CanonInvoice, id: Option<Uuid>) -> Invoice {
    let contact = match &inv.customer {
        CustomerRef::TargetId(cid) => Contact {
            contact_id: Uuid::parse_str(cid).ok(),
            ..Default::default()
        },
        CustomerRef::Name(n) => Contact {
            name: Some(n.clone()),
            ..Default::default()
        },
    };
    Invoice {
        kind: Some("ACCREC".into()),
        invoice_id: id,
        reference: Some(inv.reference.clone()),
        contact: Some(contact),
        date: Some(inv.date.format("%Y-%m-%d").to_string()),
        due_date: Some(inv.due_date.format("%Y-%m-%d").to_string()),
        line_amount_types: Some(tax_mode_str(inv.tax_mode).into()),
        currency_code: Some(inv.currency.code().to_string()),
        status: Some(inv.status.as_str().into()),
        line_items: Some(
            inv.lines
                .iter()
                .map(|l| LineItem {
                    description: Some(l.description.clone()),
                    quantity: Some(l.quantity),
                    unit_amount: Some(l.unit_amount),
                    account_code: Some(l.account_code.clone()),
                    tax_type: l.tax_type.clone(),
                    item_code: l.item_code.clone(),
                    discount_rate: l.discount_rate,
                    tracking: (!l.tracking.is_empty()).then(|| {
                        l.tracking
                            .iter()
                            .map(|t| LineItemTracking {
                                name: Some(t.category.clone()),
                                option: Some(t.option.clone()),
                                ..Default::default()
                            })
                            .collect()
                    }),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }
}

pub fn payment_from(p: &CanonPayment) -> Payment {
    Payment {
        invoice: Some(Box::new(Invoice {
            invoice_id: Uuid::parse_str(&p.invoice_id).ok(),
            ..Default::default()
        })),
        account: Some(Account {
            code: Some(p.account_code.clone()),
            ..Default::default()
        }),
        date: Some(p.date.format("%Y-%m-%d").to_string()),
        amount: Some(p.amount),
        reference: Some(p.reference.clone()),
        ..Default::default()
    }
}

fn date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(msdate::parse_date)
}

pub fn instant(s: &Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(msdate::parse)
}

pub fn target_invoice(inv: &Invoice) -> TargetInvoice {
    let z = Decimal::ZERO;
    TargetInvoice {
        id: inv.invoice_id.map(|i| i.to_string()).unwrap_or_default(),
        number: inv.invoice_number.clone(),
        reference: inv.reference.clone(),
        customer_id: inv
            .contact
            .as_ref()
            .and_then(|c| c.contact_id)
            .map(|i| i.to_string()),
        status: inv
            .status
            .as_deref()
            .and_then(InvoiceStatus::parse)
            .unwrap_or(InvoiceStatus::Draft),
        currency: inv
            .currency_code
            .as_deref()
            .and_then(|c| Currency::new(c).ok())
            .unwrap_or_else(|| Currency::new("USD").expect("valid")),
        currency_rate: inv.currency_rate,
        date: date(&inv.date),
        due_date: date(&inv.due_date),
        tax_mode: tax_mode(inv.line_amount_types.as_deref()),
        sub_total: inv.sub_total.unwrap_or(z),
        total_tax: inv.total_tax.unwrap_or(z),
        total: inv.total.unwrap_or(z),
        amount_paid: inv.amount_paid.unwrap_or(z),
        amount_due: inv.amount_due.unwrap_or(z),
        fully_paid_on: date(&inv.fully_paid_on_date),
        lines: inv
            .line_items
            .iter()
            .flatten()
            .map(|l| TargetInvoiceLine {
                description: l.description.clone(),
                quantity: l.quantity.unwrap_or(z),
                unit_amount: l.unit_amount.unwrap_or(z),
                discount_rate: l.discount_rate,
                account_code: l.account_code.clone(),
                tax_type: l.tax_type.clone(),
                line_amount: l.line_amount.unwrap_or(z),
                tax_amount: l.tax_amount.unwrap_or(z),
                tracking: l
                    .tracking
                    .iter()
                    .flatten()
                    .map(|t| TrackingRef {
                        category: t.name.clone().unwrap_or_default(),
                        option: t.option.clone().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        updated_at: instant(&inv.updated_date_utc),
    }
}

pub fn target_customer(c: &Contact) -> TargetCustomer {
    TargetCustomer {
        id: c.contact_id.map(|i| i.to_string()).unwrap_or_default(),
        external_ref: c.account_number.clone().filter(|a| !a.is_empty()),
        name: c.name.clone().unwrap_or_default(),
        email: c.email_address.clone(),
        domain: c.website.clone().or_else(|| {
            c.email_address
                .as_deref()
                .and_then(|e| e.split_once('@'))
                .map(|(_, d)| d.to_string())
        }),
        archived: c.contact_status.as_deref() == Some("ARCHIVED"),
        updated_at: instant(&c.updated_date_utc),
    }
}

pub fn target_payment(p: &Payment) -> TargetPayment {
    TargetPayment {
        id: p.payment_id.map(|i| i.to_string()).unwrap_or_default(),
        invoice_id: p
            .invoice
            .as_ref()
            .and_then(|i| i.invoice_id)
            .map(|i| i.to_string())
            .unwrap_or_default(),
        amount: p.amount.unwrap_or_default(),
        date: date(&p.date),
        reference: p.reference.clone(),
        live: p.status.as_deref() != Some("DELETED"),
    }
}

/// Most characters in a history record's `Details`: "Details … Max Length
/// 250 characters" (developer.xero.com/documentation/api/history-and-notes).
pub const NOTE_MAX_CHARS: usize = 250;

/// At most this many characters are given up to end a shortened note on a
/// word boundary; a longer word (a URL) is cut where the room ends.
const WORD_SLACK: usize = 40;

/// Xero's length of `s`. Xero is .NET, whose strings count UTF-16 units; a
/// character outside the BMP (an emoji) is two of them. Counting units is
/// never less than counting characters, so a note that fits by this count
/// fits whichever way Xero counts.
fn xero_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The `Details` written for a note of `text` carrying `marker`: the text
/// itself when it fits [`NOTE_MAX_CHARS`]; else the text before the marker,
/// cut (on a word boundary when one is near) and ended with "…", then the
/// marker whole, last — the marker is how the engine finds a note again, so
/// it must survive. Deterministic: the same note always gives the same
/// `Details` (its id and a resend's Idempotency-Key depend on it).
///
/// A marker that alone does not fit fails the note (validation: sending it
/// again cannot help). A text without its marker is cut at its end (such a
/// note cannot be found again by its marker, shortened or not).
pub fn note_details<'a>(
    text: &'a str,
    marker: &str,
) -> Result<std::borrow::Cow<'a, str>, ledgerbridge_sdk::ConnectorError> {
    use std::borrow::Cow;
    let m = xero_len(marker);
    if m > NOTE_MAX_CHARS {
        return Err(ledgerbridge_sdk::ConnectorError::validation(format!(
            "the note marker {marker:?} is {m} characters; a Xero history note holds at most {NOTE_MAX_CHARS}"
        )));
    }
    if xero_len(text) <= NOTE_MAX_CHARS {
        return Ok(Cow::Borrowed(text));
    }
    let pos = (!marker.is_empty()).then(|| text.rfind(marker)).flatten();
    let Some(p) = pos else {
        return Ok(Cow::Owned(cut(text, NOTE_MAX_CHARS - 1) + "…"));
    };
    let (before, after) = (&text[..p], &text[p + marker.len()..]);
    // what the marker is written after: the blank before it (the engine's
    // "\n"), else a space
    let sep = before
        .chars()
        .next_back()
        .filter(|c| c.is_whitespace())
        .unwrap_or(' ');
    let body = match (before.trim_end(), after.trim_start()) {
        (b, "") => b.to_string(),
        ("", a) => a.trim_end().to_string(),
        (b, a) => format!("{b} {}", a.trim_end()),
    };
    let room = NOTE_MAX_CHARS - m;
    if body.is_empty() || room == 0 {
        return Ok(Cow::Owned(marker.to_string()));
    }
    if room == 1 {
        return Ok(Cow::Owned(format!("…{marker}")));
    }
    let sep_len = sep.len_utf16();
    if xero_len(&body) + sep_len <= room {
        // the marker moved to the end and blanks around it went: it fits uncut
        return Ok(Cow::Owned(format!("{body}{sep}{marker}")));
    }
    let keep = cut(&body, room - sep_len - 1);
    Ok(Cow::Owned(format!("{keep}…{sep}{marker}")))
}

/// The longest start of `s` of at most `max` UTF-16 units, ending on a word
/// boundary when one lies within [`WORD_SLACK`] units of the cut; trailing
/// blanks dropped.
fn cut(s: &str, max: usize) -> String {
    let mut end = 0;
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units + c.len_utf16() > max {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    let head = &s[..end];
    let mid_word = s[end..].starts_with(|c: char| !c.is_whitespace())
        && head.ends_with(|c: char| !c.is_whitespace());
    if mid_word
        && let Some(ws) = head.rfind(char::is_whitespace)
        && xero_len(&head[ws..]) <= WORD_SLACK
    {
        return head[..ws].trim_end().to_string();
    }
    head.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "[ledgerbridge HS-meeting-42]";

    fn note(body: &str) -> String {
        format!("{body}\n{MARKER}")
    }

    #[test]
    fn a_note_that_fits_is_sent_as_is() {
        let t = note(&"x".repeat(NOTE_MAX_CHARS - MARKER.len() - 1));
        assert_eq!(t.chars().count(), NOTE_MAX_CHARS);
        assert!(matches!(
            note_details(&t, MARKER).unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_long_note_keeps_its_marker_whole_at_the_end() {
        let body = "MEETING 2024-03-15: Kick-off - ".to_string() + &"lorem ipsum ".repeat(60);
        let t = note(&body);
        let d = note_details(&t, MARKER).unwrap();
        assert!(d.chars().count() <= NOTE_MAX_CHARS, "{}", d.chars().count());
        assert!(d.ends_with(&format!("…\n{MARKER}")), "{d}");
        assert!(d.starts_with("MEETING 2024-03-15: Kick-off - lorem"));
        // cut between words, never inside one
        let kept = d.strip_suffix(&format!("…\n{MARKER}")).unwrap();
        assert!(kept.ends_with("lorem") || kept.ends_with("ipsum"), "{kept}");
        // the same note, the same Details
        assert_eq!(note_details(&t, MARKER).unwrap(), d);
    }

    #[test]
    fn cuts_on_char_boundaries_and_counts_characters_not_bytes() {
        // 300 two-byte characters: 600 bytes
        let t = note(&"é".repeat(300));
        let d = note_details(&t, MARKER).unwrap();
        assert_eq!(d.chars().count(), NOTE_MAX_CHARS);
        assert!(d.ends_with(MARKER));
        // no blank near: a long word is cut where the room ends
        assert!(d.starts_with(&"é".repeat(NOTE_MAX_CHARS - MARKER.len() - 2)));
        // an emoji is two UTF-16 units: Xero's strict count still fits
        let t = note(&"🙂".repeat(200));
        let d = note_details(&t, MARKER).unwrap();
        assert!(d.encode_utf16().count() <= NOTE_MAX_CHARS);
        assert!(d.ends_with(&format!("…\n{MARKER}")));
    }

    #[test]
    fn a_marker_elsewhere_in_the_text_moves_to_the_end() {
        let t = format!("{MARKER} {}", "word ".repeat(80));
        let d = note_details(&t, MARKER).unwrap();
        assert!(d.chars().count() <= NOTE_MAX_CHARS);
        assert!(d.starts_with("word word"), "{d}");
        assert!(d.ends_with(&format!("… {MARKER}")), "{d}");
        assert_eq!(d.matches(MARKER).count(), 1);
    }

    #[test]
    fn the_marker_alone_must_fit() {
        let long = format!("[{}]", "m".repeat(NOTE_MAX_CHARS));
        let e = note_details(&format!("Call {long}"), &long).unwrap_err();
        assert_eq!(e.kind, ledgerbridge_sdk::ErrorKind::Validation);
        assert!(!e.is_retryable());
        // a marker of exactly the limit is the whole note
        let exact = "m".repeat(NOTE_MAX_CHARS);
        let t = format!("body\n{exact}");
        assert_eq!(note_details(&t, &exact).unwrap(), exact);
        let almost = "m".repeat(NOTE_MAX_CHARS - 1);
        let t = format!("body\n{almost}");
        assert_eq!(note_details(&t, &almost).unwrap(), format!("…{almost}"));
    }

    #[test]
    fn a_text_without_its_marker_is_cut_at_its_end() {
        let t = "y".repeat(400);
        let d = note_details(&t, MARKER).unwrap();
        assert_eq!(d.chars().count(), NOTE_MAX_CHARS);
        assert!(d.ends_with('…'));
    }
}
