//! The SDK's finance-target contract, end to end on the real server.

use futures::StreamExt;
use ledgerbridge_sdk::model::{
    Address, Currency, Customer, CustomerRef, FinanceObject, HistoryNote, Invoice, InvoiceLine,
    InvoiceStatus, NoteSubject, Payment, TaxMode,
};
use ledgerbridge_sdk::{CustomerMatch, ErrorKind, FinanceTarget, StatusChange, WriteItem};
use ledgerbridge_tryton::TrytonTarget;
use rust_decimal_macros::dec;

use crate::server;

fn deal(reference: &str, customer: &str, account: &str, status: InvoiceStatus) -> Invoice {
    Invoice {
        reference: reference.to_string(),
        customer: CustomerRef::TargetId(customer.to_string()),
        date: server::today(),
        due_date: server::today() + chrono::Duration::days(14),
        currency: Currency::new("USD").unwrap(),
        status,
        tax_mode: TaxMode::Exclusive,
        lines: vec![InvoiceLine {
            description: "Annual plan".into(),
            quantity: dec!(3),
            unit_amount: dec!(120.50),
            discount_rate: None,
            account_code: account.to_string(),
            tax_type: Some("VAT 20%".into()),
            item_code: None,
            tracking: Vec::new(),
        }],
    }
}

#[tokio::test]
async fn the_finance_target_contract_holds_against_tryton() {
    let Some(cfg) = server::config() else { return };
    let t = TrytonTarget::connect("tryton-test", cfg).await.unwrap();
    let tag = server::run_tag();

    let customers = t
        .upsert_customers(&[WriteItem::create(
            format!("k-c-{tag}"),
            Customer {
                external_ref: format!("hs-company-{tag}"),
                name: format!("Initech {tag}"),
                email: Some(format!("ap-{tag}@initech.test").to_lowercase()),
                addresses: vec![Address {
                    line1: Some("4120 Freidrich Lane".into()),
                    city: Some("Austin".into()),
                    postal_code: Some("78744".into()),
                    ..Address::default()
                }],
                ..Customer::default()
            },
        )])
        .await
        .unwrap();
    let party = customers[0].result.clone().unwrap().target_id;
    let found = t
        .find_customers(&[CustomerMatch::ExternalRef(format!("hs-company-{tag}"))])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].id.as_str(), found[0].external_ref.as_deref()),
        (party.as_str(), Some(format!("hs-company-{tag}").as_str()))
    );
    assert_eq!(found[0].domain.as_deref(), Some("initech.test"));

    // a batch with one bad line: the good ones post, the bad one is a dead letter
    let (good, bad, draft) = (
        format!("D-{tag}-1"),
        format!("D-{tag}-2"),
        format!("D-{tag}-3"),
    );
    let out = t
        .upsert_invoices(&[
            WriteItem::create(
                "k1",
                deal(&good, &party, "4.1.2", InvoiceStatus::Authorised),
            ),
            WriteItem::create("k2", deal(&bad, &party, "9.9.9", InvoiceStatus::Authorised)),
            WriteItem::create("k3", deal(&draft, &party, "4.1.2", InvoiceStatus::Draft)),
        ])
        .await
        .unwrap();
    assert_eq!(
        out.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["k1", "k2", "k3"]
    );
    let posted = out[0].result.clone().unwrap();
    let inv = posted.invoice.clone().unwrap();
    assert_eq!(
        (inv.status, inv.sub_total, inv.total_tax, inv.total),
        (
            InvoiceStatus::Authorised,
            dec!(361.50),
            dec!(72.30),
            dec!(433.80)
        )
    );
    assert_eq!(
        inv.due_date,
        Some(server::today() + chrono::Duration::days(14))
    );
    assert_eq!(inv.lines[0].account_code.as_deref(), Some("4.1.2"));
    assert_eq!(inv.lines[0].tax_type.as_deref(), Some("VAT 20%"));
    let refused = out[1].result.clone().unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Validation);
    assert!(refused.to_string().contains("9.9.9"), "{refused}");
    assert_eq!(
        out[2].result.clone().unwrap().invoice.unwrap().status,
        InvoiceStatus::Draft
    );

    // recovery lookup by reference sees the posted and the draft one, not the refused one
    let by_ref = t
        .find_invoices(&[good.clone(), bad.clone(), draft.clone()])
        .await
        .unwrap();
    let mut refs: Vec<_> = by_ref.iter().filter_map(|i| i.reference.clone()).collect();
    refs.sort();
    assert_eq!(refs, vec![good.clone(), draft.clone()]);

    // a payment recorded from the CRM, found again by its reference
    let paid = t
        .create_payments(&[WriteItem::create(
            "kp",
            Payment {
                invoice_id: posted.target_id.clone(),
                account_code: "1.1.1".into(),
                date: server::today(),
                amount: dec!(433.80),
                reference: format!("PAY-{tag}"),
            },
        )])
        .await
        .unwrap();
    paid[0].result.clone().unwrap();
    let p = t.find_payments(&[format!("PAY-{tag}")]).await.unwrap();
    assert_eq!(
        (p.len(), p[0].amount, p[0].invoice_id.as_str()),
        (1, dec!(433.80), posted.target_id.as_str())
    );
    let now = t
        .get_invoices(std::slice::from_ref(&posted.target_id))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (now.status, now.amount_due, now.amount_paid),
        (InvoiceStatus::Paid, dec!(0), dec!(433.80))
    );
    assert_eq!(now.fully_paid_on, Some(server::today()));

    // a paid invoice is never voided; a draft is deleted
    let void = t
        .set_invoice_status(&WriteItem::create(
            "kv",
            StatusChange {
                invoice_id: posted.target_id.clone(),
                status: InvoiceStatus::Voided,
            },
        ))
        .await
        .unwrap();
    assert!(void.result.unwrap_err().to_string().contains("paid"));
    let draft_id = out[2].result.clone().unwrap().target_id;
    t.set_invoice_status(&WriteItem::create(
        "kd",
        StatusChange {
            invoice_id: draft_id,
            status: InvoiceStatus::Deleted,
        },
    ))
    .await
    .unwrap()
    .result
    .unwrap();
    assert_eq!(
        t.find_invoices(std::slice::from_ref(&draft))
            .await
            .unwrap()
            .len(),
        0
    );

    // notes on the customer, found by their marker
    let subject = NoteSubject {
        object: FinanceObject::Customer,
        id: party.clone(),
    };
    let marker = format!("[lb:{tag}]");
    t.add_notes(&[WriteItem::create(
        "kn",
        HistoryNote {
            subject: subject.clone(),
            text: format!("Demo call {marker}"),
            marker: marker.clone(),
        },
    )])
    .await
    .unwrap()[0]
        .result
        .clone()
        .unwrap();
    assert!(
        t.find_notes(&subject)
            .await
            .unwrap()
            .iter()
            .any(|n| n.text.contains(&marker))
    );

    // listings: the posted invoice and its payment are in the changes
    let mut stream = t.list_invoices(None);
    let mut seen = false;
    while let Some(page) = stream.next().await {
        let page = page.unwrap();
        seen |= page
            .records
            .iter()
            .any(|i| i.reference.as_deref() == Some(good.as_str()));
        assert!(!page.cursor.as_str().is_empty());
    }
    assert!(seen);
    let mut payments = t.list_payments(None);
    let mut seen = false;
    while let Some(page) = payments.next().await {
        seen |= page
            .unwrap()
            .records
            .iter()
            .any(|p| p.reference.as_deref() == Some(format!("PAY-{tag}").as_str()));
    }
    assert!(seen);

    let mut customers = t.list_customers(None);
    let mut seen = false;
    while let Some(page) = customers.next().await {
        seen |= page.unwrap().records.iter().any(|c| c.id == party);
    }
    assert!(seen, "the new customer is in the listing");

    let org = t.organisation().await.unwrap();
    assert_eq!(org.base_currency.code(), "USD");
    let rates = t.currency_rates().await.unwrap();
    assert_eq!(rates.rates[&Currency::new("JPY").unwrap()], dec!(150));
    let taxes = t.tax_rates().await.unwrap();
    assert!(
        taxes
            .iter()
            .any(|x| x.tax_type == "VAT 20%" && x.rate == dec!(20))
    );
    assert!(
        t.accounts()
            .await
            .unwrap()
            .iter()
            .any(|a| a.code == "1.2.1" && a.kind == "RECEIVABLE")
    );
}
