use std::time::Instant;

use ledgerbridge_tryton::invoice::InvoiceState;
use rust_decimal_macros::dec;

use crate::fixtures::{books, customer, invoice, line};
use crate::server;

#[tokio::test]
async fn the_pay_wizard_takes_a_partial_then_the_full_payment() {
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
            &format!("PAY-{tag}"),
            server::today(),
            vec![
                line(&b, "Consulting day", dec!(2), dec!(450.00), true),
                line(&b, "Setup fee", dec!(1), dec!(99.90), false),
            ],
        )])
        .await
        .unwrap();
    c.post_invoices(&ids).await.unwrap();
    let id = ids[0];

    let over = c
        .pay_invoice(id, dec!(5000), server::today(), b.payment_method, "P-over")
        .await
        .unwrap_err();
    assert!(over.to_string().contains("left to pay"), "{over}");

    let (first, rest) = (format!("P1-{tag}"), format!("P2-{tag}"));
    let t = Instant::now();
    c.pay_invoice(id, dec!(500.00), server::today(), b.payment_method, &first)
        .await
        .unwrap();
    let partial = t.elapsed();
    let r = c.read_invoices(&ids).await.unwrap().remove(0);
    assert_eq!(r.state, InvoiceState::Posted);
    assert_eq!(r.amount_to_pay.0, dec!(679.90));
    assert!(r.reconciled.is_none());

    let t = Instant::now();
    c.pay_invoice(id, dec!(679.90), server::today(), b.payment_method, &rest)
        .await
        .unwrap();
    let full = t.elapsed();
    println!("Tryton pay wizard: partial payment {partial:?}, full payment {full:?}");
    let r = c.read_invoices(&ids).await.unwrap().remove(0);
    assert_eq!(r.state, InvoiceState::Paid);
    assert_eq!(r.amount_to_pay.0, dec!(0));
    assert_eq!(r.reconciled.map(|d| d.0), Some(server::today()));
    assert_eq!(r.payment_lines.len(), 2);

    let mut found = c
        .payments_by_reference(&[first.clone(), rest.clone(), "P-none".into()])
        .await
        .unwrap();
    found.sort_by(|a, b| a.reference.cmp(&b.reference));
    assert_eq!(found.len(), 2);
    assert_eq!(
        (
            found[0].reference.as_str(),
            found[0].amount,
            found[0].invoice_id
        ),
        (first.as_str(), dec!(500.00), Some(id))
    );
    assert_eq!(
        (
            found[1].reference.as_str(),
            found[1].amount,
            found[1].invoice_id
        ),
        (rest.as_str(), dec!(679.90), Some(id))
    );
    assert_eq!(found[0].date, Some(server::today()));

    let again = c
        .pay_invoice(id, dec!(1), server::today(), b.payment_method, "P-late")
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("only a posted invoice"),
        "{again}"
    );
}

#[tokio::test]
async fn a_payment_in_a_foreign_currency_is_found_in_that_currency() {
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
            "EUR",
            &format!("EUR-{tag}"),
            server::today(),
            vec![line(&b, "Travail", dec!(1), dec!(100.00), true)],
        )])
        .await
        .unwrap();
    c.post_invoices(&ids).await.unwrap();
    let reference = format!("PEUR-{tag}");
    c.pay_invoice(
        ids[0],
        dec!(120.00),
        server::today(),
        b.payment_method,
        &reference,
    )
    .await
    .unwrap();
    let r = c.read_invoices(&ids).await.unwrap().remove(0);
    assert_eq!((r.state, r.currency_code()), (InvoiceState::Paid, "EUR"));
    let p = c.payments_by_reference(&[reference]).await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].amount,
        dec!(120.00),
        "in the invoice's currency, not the company's"
    );
}
