use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use ledgerbridge_sdk::{ConnectorError, ErrorKind};
use ledgerbridge_tryton::TrytonError;
use ledgerbridge_tryton::invoice::InvoiceState;
use ledgerbridge_tryton::wire::WireDateTime;
use rust_decimal_macros::dec;

use crate::fixtures::{books, customer, invoice, line};
use crate::server;

/// Invoices per batch in the timing test: enough to see the cost per invoice,
/// few enough for CI.
const BATCH: usize = 20;

#[tokio::test]
async fn invoices_are_created_and_posted_in_batches_with_exact_totals() {
    let Some(c) = server::client().await else {
        return;
    };
    let b = books(&c).await;
    let tag = server::run_tag();
    let cust = customer(&c, &tag).await;
    let refs: Vec<String> = (0..BATCH).map(|i| format!("DEAL-{tag}-{i:03}")).collect();
    let drafts: Vec<_> = refs
        .iter()
        .map(|r| {
            invoice(
                &b,
                cust,
                "USD",
                r,
                server::today(),
                vec![
                    line(&b, "Consulting day", dec!(2), dec!(450.00), true),
                    line(&b, "Setup fee", dec!(1), dec!(99.90), false),
                ],
            )
        })
        .collect();
    let before: Option<WireDateTime> = c
        .invoices_changed(None, 0, 1)
        .await
        .unwrap()
        .first()
        .and_then(|i| i.write_date);

    let t = Instant::now();
    let ids = c.create_invoices(&drafts).await.unwrap();
    let create = t.elapsed();
    let t = Instant::now();
    c.post_invoices(&ids).await.unwrap();
    let post = t.elapsed();
    println!(
        "Tryton: created {BATCH} invoices (2 lines each) in {create:?} ({:?}/invoice), posted them in one call in {post:?} ({:?}/invoice)",
        create / BATCH as u32,
        post / BATCH as u32
    );

    let rows = c.read_invoices(&ids).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids,
        "rows in the order asked"
    );
    for (r, reference) in rows.iter().zip(&refs) {
        assert_eq!(r.state, InvoiceState::Posted);
        assert_eq!(r.kind, "out");
        assert_eq!(r.reference.as_deref(), Some(reference.as_str()));
        assert!(
            r.number.as_deref().is_some_and(|n| n.starts_with("INV/")),
            "{:?}",
            r.number
        );
        assert_eq!(r.untaxed_amount.0, dec!(999.90));
        assert_eq!(r.tax_amount.0, dec!(180.00));
        assert_eq!(r.total_amount.0, dec!(1179.90));
        assert_eq!(r.amount_to_pay.0, dec!(1179.90));
        assert_eq!(r.currency_code(), "USD");
        assert_eq!(r.invoice_date.map(|d| d.0), Some(server::today()));
        assert_eq!(
            r.payment_term_date.map(|d| d.0),
            Some(server::today() + chrono::Duration::days(30))
        );
    }
    let numbers: Vec<_> = rows.iter().map(|r| r.number.clone().unwrap()).collect();
    let mut sorted = numbers.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), BATCH, "every invoice has its own number");

    let lines = c.read_invoice_lines(&rows[0].lines).await.unwrap();
    assert_eq!(lines.len(), 2);
    let consulting = lines
        .iter()
        .find(|l| l.description.as_deref() == Some("Consulting day"))
        .unwrap();
    assert_eq!(consulting.quantity(), dec!(2));
    assert_eq!(consulting.unit_price.unwrap().0, dec!(450.00));
    assert_eq!(consulting.amount.unwrap().0, dec!(900.00));
    assert_eq!(consulting.account_rel.code.as_deref(), Some("4.1.2"));
    assert_eq!(consulting.taxes, vec![b.vat20]);

    // by reference: exactly ours, in any state
    let found = c.invoices_by_reference(&refs[..3]).await.unwrap();
    assert_eq!(
        found.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    assert!(
        c.invoices_by_reference(&[format!("NOPE-{tag}")])
            .await
            .unwrap()
            .is_empty()
    );

    // a write_date window from before the batch sees all of it
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = c.invoices_changed(before, offset, 100).await.unwrap();
        offset += page.len();
        seen.extend(page.iter().map(|r| r.id));
        if page.len() < 100 {
            break;
        }
    }
    assert!(
        ids.iter().all(|id| seen.contains(id)),
        "every new invoice is in the window"
    );
    // and one from after the last write sees none of them
    let last = rows.iter().filter_map(|r| r.write_date).max().unwrap();
    let after = WireDateTime(last.0 + chrono::Duration::seconds(1));
    let later = c.invoices_changed(Some(after), 0, 1000).await.unwrap();
    assert!(later.iter().all(|r| !ids.contains(&r.id)));
}

#[tokio::test]
async fn a_posted_unpaid_invoice_is_cancelled() {
    let Some(c) = server::client().await else {
        return;
    };
    let b = books(&c).await;
    let tag = server::run_tag();
    let cust = customer(&c, &tag).await;
    let ids = c
        .create_invoices(&[invoice(
            &b,
            cust,
            "USD",
            &format!("VOID-{tag}"),
            server::today(),
            vec![line(&b, "Licence", dec!(1), dec!(250.00), false)],
        )])
        .await
        .unwrap();
    c.post_invoices(&ids).await.unwrap();
    c.cancel_invoices(&ids).await.unwrap();
    let r = c.read_invoices(&ids).await.unwrap().remove(0);
    assert_eq!(r.state, InvoiceState::Cancelled);
    assert!(
        r.number.is_some(),
        "a cancelled posted invoice keeps its number"
    );
}

#[tokio::test]
async fn posting_before_the_last_posted_date_is_refused_with_a_typed_error() {
    let Some(c) = server::client().await else {
        return;
    };
    let today = server::today();
    if today.ordinal() == 1 {
        eprintln!("NOTICE: on 1 January no earlier date shares this year's sequence; test skipped");
        return;
    }
    let b = books(&c).await;
    let tag = server::run_tag();
    let cust = customer(&c, &tag).await;
    let lines = || vec![line(&b, "Work", dec!(1), dec!(10), false)];
    let today_ids = c
        .create_invoices(&[invoice(
            &b,
            cust,
            "USD",
            &format!("NOW-{tag}"),
            today,
            lines(),
        )])
        .await
        .unwrap();
    c.post_invoices(&today_ids).await.unwrap();
    let earlier = today.pred_opt().unwrap();
    let late = c
        .create_invoices(&[invoice(
            &b,
            cust,
            "USD",
            &format!("LATE-{tag}"),
            earlier,
            lines(),
        )])
        .await
        .unwrap();
    let err = c.post_invoices(&late).await.unwrap_err();
    let TrytonError::NumberingChronology { message } = &err else {
        panic!("expected the chronology refusal, got {err:?}");
    };
    assert!(message.contains("invoice date after"), "{message}");
    let as_connector = ConnectorError::from(err.clone());
    assert_eq!(
        as_connector.kind,
        ErrorKind::Validation,
        "a dead letter, not a retry"
    );
    assert_eq!(
        as_connector.vendor_message.as_deref(),
        Some(message.as_str())
    );
    let r = c.read_invoices(&late).await.unwrap().remove(0);
    assert_eq!(
        r.state,
        InvoiceState::Draft,
        "nothing of the refused post was written"
    );
    c.delete_invoices(&late).await.unwrap();
}

#[tokio::test]
async fn business_errors_and_warnings_surface_with_trytons_words() {
    let Some(c) = server::client().await else {
        return;
    };
    let b = books(&c).await;
    let tag = server::run_tag();
    let cust = customer(&c, &tag).await;
    let lines = || vec![line(&b, "Work", dec!(1), dec!(10), false)];

    // no fiscal year covers 2020: a UserError naming the missing period
    let old = c
        .create_invoices(&[invoice(
            &b,
            cust,
            "USD",
            &format!("OLD-{tag}"),
            NaiveDate::from_ymd_opt(2020, 1, 15).unwrap(),
            lines(),
        )])
        .await
        .unwrap();
    let err = c.post_invoices(&old).await.unwrap_err();
    let TrytonError::User { message, .. } = &err else {
        panic!("expected a UserError, got {err:?}");
    };
    assert!(message.contains("period"), "{message}");
    assert_eq!(
        ConnectorError::from(err.clone()).vendor_message.as_deref(),
        Some(message.as_str())
    );
    c.delete_invoices(&old).await.unwrap();

    // a future date needs a user to confirm a warning: never confirmed for them
    let future = c
        .create_invoices(&[invoice(
            &b,
            cust,
            "USD",
            &format!("FUTURE-{tag}"),
            server::today() + chrono::Duration::days(3),
            lines(),
        )])
        .await
        .unwrap();
    let err = c.post_invoices(&future).await.unwrap_err();
    let TrytonError::Warning { name, message, .. } = &err else {
        panic!("expected a UserWarning, got {err:?}");
    };
    assert!(message.contains("future"), "{message}");
    assert!(!name.is_empty());
    assert_eq!(
        c.read_invoices(&future).await.unwrap()[0].state,
        InvoiceState::Draft
    );
    c.delete_invoices(&future).await.unwrap();

    // a record that does not exist
    let err = c
        .create_invoices(&[invoice(
            &b,
            (cust.0, 9_999_999),
            "USD",
            &format!("BAD-{tag}"),
            server::today(),
            lines(),
        )])
        .await
        .unwrap_err();
    println!("invoice with an unknown address: {err}");
    assert!(err.vendor_message().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn minor_units_follow_the_currency_jpy_and_bhd() {
    let Some(c) = server::client().await else {
        return;
    };
    let b = books(&c).await;
    let tag = server::run_tag();
    let cust = customer(&c, &tag).await;
    let ids = c
        .create_invoices(&[
            invoice(
                &b,
                cust,
                "JPY",
                &format!("JPY-{tag}"),
                server::today(),
                vec![line(&b, "Yen work", dec!(1), dec!(1234), true)],
            ),
            invoice(
                &b,
                cust,
                "BHD",
                &format!("BHD-{tag}"),
                server::today(),
                vec![line(&b, "Dinar work", dec!(3), dec!(12.345), true)],
            ),
            invoice(
                &b,
                cust,
                "USD",
                &format!("FRAC-{tag}"),
                server::today(),
                vec![line(&b, "Hours", dec!(0.1), dec!(33.30), false)],
            ),
        ])
        .await
        .unwrap();
    c.post_invoices(&ids).await.unwrap();
    let rows = c.read_invoices(&ids).await.unwrap();
    // 20 % of 1234 is 246.8, rounded to the yen
    assert_eq!(
        (
            rows[0].untaxed_amount.0,
            rows[0].tax_amount.0,
            rows[0].total_amount.0
        ),
        (dec!(1234), dec!(247), dec!(1481))
    );
    assert_eq!(rows[0].currency_code(), "JPY");
    // 3 × 12.345 = 37.035, 20 % = 7.407: three decimals kept
    assert_eq!(
        (
            rows[1].untaxed_amount.0,
            rows[1].tax_amount.0,
            rows[1].total_amount.0
        ),
        (dec!(37.035), dec!(7.407), dec!(44.442))
    );
    // a fractional quantity goes through Tryton's float field and stays exact
    assert_eq!(rows[2].total_amount.0, dec!(3.33));
    let l = c
        .read_invoice_lines(&rows[2].lines)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(l.quantity(), dec!(0.1));
}
