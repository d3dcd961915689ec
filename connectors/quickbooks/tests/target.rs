//! The connector against the simulator in-process: customers (AcctNum, a name taken
//! by a customer without a reference is linked, one taken by a vendor is refused),
//! invoices (items found by SKU or name and created once, tax codes, classes and
//! departments, a second currency's customer, references longer than `DocNumber`
//! holds, sparse updates), payments, voids, notes, budgets, listings by query and by
//! change data capture, and the company's own refusals as dead-letter errors.

mod common;

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use futures::TryStreamExt;
use ledgerbridge_quickbooks::{QuickBooksConfig, QuickBooksTarget};
use ledgerbridge_sdk::auth::StaticToken;
use ledgerbridge_sdk::model::{
    Currency, Customer, CustomerRef, FinanceObject, HistoryNote, Invoice, InvoiceLine,
    InvoiceStatus, NoteSubject, Payment, TaxMode, TrackingRef,
};
use ledgerbridge_sdk::sim::SimOptions;
use ledgerbridge_sdk::{CustomerMatch, ErrorKind, FinanceTarget, StatusChange, WriteItem};
use rust_decimal_macros::dec;
use serde_json::{Value, json};

async fn target(env: &common::Env, cfg: impl FnOnce(&mut QuickBooksConfig)) -> QuickBooksTarget {
    let mut c = QuickBooksConfig::simulator(&env.sim.base_url);
    c.rate_limits = false;
    cfg(&mut c);
    QuickBooksTarget::connect("books", c, Arc::new(StaticToken::new(common::TOKEN)), None)
        .await
        .unwrap()
}

fn customer(r: &str, name: &str) -> Customer {
    Customer {
        external_ref: r.into(),
        name: name.into(),
        email: Some(format!("billing@{}.example", r.to_lowercase())),
        ..Customer::default()
    }
}

fn this_year(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(Utc::now().year(), month, day).unwrap()
}

fn line(item: &str, account: &str, qty: &str, price: &str) -> InvoiceLine {
    InvoiceLine {
        description: format!("{item} work"),
        quantity: qty.parse().unwrap(),
        unit_amount: price.parse().unwrap(),
        discount_rate: None,
        account_code: account.into(),
        tax_type: Some("TAX".into()),
        item_code: Some(item.into()),
        tracking: vec![],
    }
}

fn invoice(reference: &str, customer_id: &str, currency: &str, lines: Vec<InvoiceLine>) -> Invoice {
    Invoice {
        reference: reference.into(),
        customer: CustomerRef::TargetId(customer_id.into()),
        date: this_year(3, 1),
        due_date: this_year(3, 31),
        currency: Currency::new(currency).unwrap(),
        status: InvoiceStatus::Authorised,
        tax_mode: TaxMode::Exclusive,
        lines,
    }
}

fn export_of<'a>(export: &'a Value, entity: &str) -> Vec<&'a Value> {
    export[entity]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn customers_invoices_items_currencies_and_references() {
    let env = common::start(SimOptions::default()).await;
    let t = target(&env, |_| {}).await;

    // customers: created with AcctNum; "Cool Cars" exists without one and is linked;
    // "Books by Bessie" is a vendor's name and stays refused
    let out = t
        .upsert_customers(&[
            WriteItem::create("k1", customer("HS-CO-1", "Acme Ltd")),
            WriteItem::create("k2", customer("HS-CO-2", "Cool Cars")),
            WriteItem::create("k3", customer("HS-CO-3", "Books by Bessie")),
        ])
        .await
        .unwrap();
    let acme = out[0].result.as_ref().unwrap();
    assert!(acme.created);
    let cool = out[1].result.as_ref().unwrap();
    assert!(!cool.created, "an existing customer of that name is linked");
    assert_eq!(cool.target_id, "3");
    let refused = out[2].result.as_ref().unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Conflict);
    assert!(
        refused
            .vendor_message
            .as_deref()
            .is_some_and(|m| m.contains("6240")),
        "{refused}"
    );
    assert!(
        refused.correlation_id.is_some(),
        "intuit_tid is kept: {refused}"
    );
    let found = t
        .find_customers(&[CustomerMatch::ExternalRef("HS-CO-1".into())])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, acme.target_id);

    // an update is sparse and carries the current SyncToken
    let mut renamed = customer("HS-CO-1", "Acme Limited");
    renamed.phone = Some("+1 555 0100".into());
    let up = t
        .upsert_customers(&[WriteItem::update("k1b", acme.target_id.clone(), renamed)])
        .await
        .unwrap();
    assert!(!up[0].result.as_ref().unwrap().created);

    // invoices: "Design" exists by name; SKU-9 is created once on the Services account
    let mut classed = line("SKU-9", "Services", "2", "150.00");
    classed.tracking = vec![
        TrackingRef {
            category: "Class".into(),
            option: "Consulting".into(),
        },
        TrackingRef {
            category: "Department".into(),
            option: "North".into(),
        },
    ];
    let long_ref = "HS-1234567890123456789012";
    let items = vec![
        WriteItem::create(
            "i1",
            invoice(
                "HS-100",
                &acme.target_id,
                "USD",
                vec![line("Design", "Design income", "1", "75"), classed],
            ),
        ),
        WriteItem::create(
            "i2",
            invoice(
                long_ref,
                &acme.target_id,
                "USD",
                vec![line("sku-9", "Services", "1", "10")],
            ),
        ),
        WriteItem::create(
            "i3",
            invoice(
                "HS-102",
                &acme.target_id,
                "EUR",
                vec![line("Design", "Design income", "1", "75")],
            ),
        ),
        WriteItem::create(
            "i4",
            invoice(
                "HS-103",
                &acme.target_id,
                "EUR",
                vec![line("Design", "Design income", "2", "75")],
            ),
        ),
    ];
    let mut items = items;
    // EUR lines are not taxed with the US sales tax
    for it in &mut items[2..] {
        for l in &mut it.record.lines {
            l.tax_type = Some("NON".into());
        }
    }
    let out = t.upsert_invoices(&items).await.unwrap();
    for o in &out {
        assert!(o.result.is_ok(), "{}: {:?}", o.key, o.result);
    }
    let first = out[0].result.as_ref().unwrap().invoice.as_ref().unwrap();
    // the EUR invoice is read as the company's: its customer is the one linked
    let eur_written = out[2].result.as_ref().unwrap();
    let eur_read = &t
        .get_invoices(std::slice::from_ref(&eur_written.target_id))
        .await
        .unwrap()[0];
    assert_eq!(
        eur_read.customer_id.as_deref(),
        Some(acme.target_id.as_str())
    );
    assert_eq!(eur_read.currency.code(), "EUR");
    assert_eq!(first.reference.as_deref(), Some("HS-100"));
    assert_eq!(first.sub_total, dec!(375));
    assert_eq!(first.lines[1].tracking.len(), 2, "{:?}", first.lines[1]);
    assert_eq!(first.lines[1].account_code.as_deref(), Some("Services"));
    assert!(first.total_tax > dec!(0), "TAX lines are taxed");

    let export = env.handle.export();
    let skus: Vec<&Value> = export_of(&export, "Item")
        .into_iter()
        .filter(|i| i["Sku"] == "SKU-9")
        .collect();
    assert_eq!(
        skus.len(),
        1,
        "the item is created once and found by SKU after"
    );
    let invoices = export_of(&export, "Invoice");
    let long = invoices
        .iter()
        .find(|i| {
            i["PrivateNote"]
                .as_str()
                .is_some_and(|n| n.contains(long_ref))
        })
        .unwrap();
    assert_eq!(long["DocNumber"].as_str().unwrap().chars().count(), 21);
    // both EUR invoices went to one customer in EUR, named by the rule
    let eur: Vec<&&Value> = invoices
        .iter()
        .filter(|i| i["CurrencyRef"]["value"] == "EUR")
        .collect();
    assert_eq!(eur.len(), 2);
    assert_eq!(eur[0]["CustomerRef"], eur[1]["CustomerRef"]);
    let sibling = export_of(&export, "Customer")
        .into_iter()
        .find(|c| c["Id"] == eur[0]["CustomerRef"]["value"])
        .unwrap();
    assert_eq!(sibling["DisplayName"], "Acme Limited (EUR)");
    assert_eq!(sibling["AcctNum"], "HS-CO-1/EUR");
    assert_eq!(sibling["CurrencyRef"]["value"], "EUR");
    env.assert_export_valid();

    // lookups by reference answer with the reference asked for
    let found = t
        .find_invoices(&[long_ref.to_string(), "HS-100".into(), "HS-nothing".into()])
        .await
        .unwrap();
    let mut refs: Vec<String> = found.iter().filter_map(|i| i.reference.clone()).collect();
    refs.sort();
    let mut want = vec![long_ref.to_string(), "HS-100".to_string()];
    want.sort();
    assert_eq!(refs, want);

    // an update replaces the lines sparsely
    let id = first.id.clone();
    let changed = invoice(
        "HS-100",
        &acme.target_id,
        "USD",
        vec![line("Design", "Design income", "3", "75")],
    );
    let out = t
        .upsert_invoices(&[WriteItem::update("i1b", id.clone(), changed)])
        .await
        .unwrap();
    let saved = out[0].result.as_ref().unwrap();
    assert!(!saved.created);
    assert_eq!(saved.invoice.as_ref().unwrap().sub_total, dec!(225));

    // refusals become per-item errors with QuickBooks' words
    let mut draft = invoice(
        "HS-104",
        &acme.target_id,
        "USD",
        vec![line("Design", "Design income", "1", "75")],
    );
    draft.status = InvoiceStatus::Draft;
    let mut closed = invoice(
        "HS-105",
        &acme.target_id,
        "USD",
        vec![line("Design", "Design income", "1", "75")],
    );
    closed.date = NaiveDate::from_ymd_opt(Utc::now().year() - 2, 6, 1).unwrap();
    let mut no_item = invoice(
        "HS-106",
        &acme.target_id,
        "USD",
        vec![line("Design", "Design income", "1", "75")],
    );
    no_item.lines[0].item_code = None;
    let out = t
        .upsert_invoices(&[
            WriteItem::create("d1", draft),
            WriteItem::create("d2", closed),
            WriteItem::create("d3", no_item),
        ])
        .await
        .unwrap();
    let e = |i: usize| out[i].result.as_ref().unwrap_err().clone();
    assert_eq!(e(0).kind, ErrorKind::Validation);
    assert!(e(0).message.contains("no draft"), "{}", e(0).message);
    assert_eq!(e(1).kind, ErrorKind::Validation);
    assert!(
        e(1).vendor_message
            .as_deref()
            .is_some_and(|m| m.contains("6200")),
        "{:?}",
        e(1)
    );
    assert!(e(2).message.contains("line 1"), "{}", e(2).message);
}

#[tokio::test]
async fn payments_voids_notes_budgets_and_listings() {
    let env = common::start(SimOptions::default()).await;
    let t = target(&env, |_| {}).await;
    let c = t
        .upsert_customers(&[WriteItem::create("c", customer("HS-CO-7", "Paying Co"))])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap()
        .target_id;
    let out = t
        .upsert_invoices(&[
            WriteItem::create(
                "a",
                invoice(
                    "HS-1",
                    &c,
                    "USD",
                    vec![line("Design", "Design income", "2", "50")],
                ),
            ),
            WriteItem::create(
                "b",
                invoice(
                    "HS-2",
                    &c,
                    "USD",
                    vec![line("Design", "Design income", "1", "50")],
                ),
            ),
        ])
        .await
        .unwrap();
    let a = out[0].result.as_ref().unwrap().target_id.clone();
    let b = out[1].result.as_ref().unwrap().target_id.clone();
    let total_a = out[0]
        .result
        .as_ref()
        .unwrap()
        .invoice
        .as_ref()
        .unwrap()
        .total;
    let cursor_time = Utc::now();

    // a partial payment, then the rest; the long reference is found again
    let pay = |r: &str, amount| Payment {
        invoice_id: a.clone(),
        account_code: "Undeposited Funds".into(),
        date: this_year(4, 1),
        amount,
        reference: r.into(),
    };
    let long = "HS-PAY-1234567890-40.00";
    let out = t
        .create_payments(&[WriteItem::create("p1", pay(long, dec!(40)))])
        .await
        .unwrap();
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    let inv = &t.get_invoices(std::slice::from_ref(&a)).await.unwrap()[0];
    assert_eq!(inv.status, InvoiceStatus::Authorised);
    assert_eq!(inv.amount_paid, dec!(40));
    let found = t.find_payments(&[long.to_string()]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reference.as_deref(), Some(long));
    assert_eq!(found[0].invoice_id, a);
    t.create_payments(&[WriteItem::create("p2", pay("HS-PAY-2", total_a - dec!(40)))])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap();
    let inv = &t.get_invoices(std::slice::from_ref(&a)).await.unwrap()[0];
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert_eq!(inv.amount_due, dec!(0));

    // voids: the unpaid one is voided, the paid one refused with QuickBooks' words
    let sc = t.status_changes().unwrap();
    let void = |id: &str| {
        WriteItem::create(
            format!("void-{id}"),
            StatusChange {
                invoice_id: id.to_string(),
                status: InvoiceStatus::Voided,
            },
        )
    };
    assert!(
        sc.set_invoice_status(&void(&b))
            .await
            .unwrap()
            .result
            .is_ok()
    );
    let voided = &t.get_invoices(std::slice::from_ref(&b)).await.unwrap()[0];
    assert_eq!(voided.status, InvoiceStatus::Voided);
    assert_eq!(voided.reference.as_deref(), Some("HS-2"));
    let refused = sc
        .set_invoice_status(&void(&a))
        .await
        .unwrap()
        .result
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Validation);

    // notes: an Attachable linked to the customer, found by its marker
    let notes = t.notes().unwrap();
    let subject = NoteSubject {
        object: FinanceObject::Customer,
        id: c.clone(),
    };
    let note = HistoryNote {
        subject: subject.clone(),
        text: "CALL 2026-03-01: follow-up [ledgerbridge HS-call-9]".into(),
        marker: "[ledgerbridge HS-call-9]".into(),
    };
    let out = notes
        .add_notes(&[WriteItem::create("n1", note)])
        .await
        .unwrap();
    assert!(out[0].result.is_ok(), "{:?}", out[0].result);
    let found = notes.find_notes(&subject).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].text.contains("[ledgerbridge HS-call-9]"));

    // budgets by class; tracking categories; exchange rates
    let year = Utc::now().year();
    let budgets = t
        .budgeting()
        .unwrap()
        .budgets(
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),
        )
        .await
        .unwrap();
    let consulting = budgets
        .iter()
        .find(|b| b.tracking.first().is_some_and(|t| t.option == "Consulting"))
        .unwrap();
    assert_eq!(consulting.lines.len(), 12);
    assert_eq!(consulting.lines[0].account_code, "Services");
    assert_eq!(consulting.lines[0].amount, dec!(5000));
    let cats = t.tracking().unwrap().tracking_categories().await.unwrap();
    assert!(
        cats.iter()
            .any(|c| c.name == "Class" && c.options.contains(&"Retail".to_string()))
    );
    let rates = t.exchange_rates().unwrap().currency_rates().await.unwrap();
    let eur = rates.rates[&Currency::new("EUR").unwrap()];
    assert!(eur > dec!(0.9) && eur < dec!(0.95), "{eur}");

    // listings: all by query; since a cursor by change data capture
    let all: Vec<_> = t.list_invoices(None).try_collect().await.unwrap();
    let n: usize = all.iter().map(|p| p.records.len()).sum();
    assert_eq!(n, 2);
    let since = ledgerbridge_sdk::Cursor::new(cursor_time.to_rfc3339());
    let changed: Vec<_> = t.list_invoices(Some(&since)).try_collect().await.unwrap();
    let ids: Vec<String> = changed
        .iter()
        .flat_map(|p| p.records.iter().map(|i| i.id.clone()))
        .collect();
    // the void changed invoice b after the cursor
    assert!(ids.contains(&b), "{ids:?}");
    let stats = env.handle.stats();
    assert!(
        stats["calls"]["GET /v3/company/{realm}/cdc"].as_u64() >= Some(1),
        "{stats}"
    );
    env.assert_export_valid();
}

#[tokio::test]
async fn the_companys_settings_decide() {
    // multicurrency off: a foreign deal is a dead letter that says so
    let env = common::start(SimOptions::default()).await;
    let prefs = env.get("preferences").await.1;
    let token = prefs["Preferences"]["SyncToken"].clone();
    let (status, v) = env
        .post(
            "Preferences",
            "",
            &json!({"Id": "1", "SyncToken": token, "sparse": true,
                "CurrencyPrefs": {"MultiCurrencyEnabled": false}}),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let t = target(&env, |c| c.create_items = false).await;
    let c = t
        .upsert_customers(&[WriteItem::create("c", customer("HS-CO-1", "Home Only"))])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap()
        .target_id;
    let out = t
        .upsert_invoices(&[
            WriteItem::create(
                "eur",
                invoice(
                    "HS-1",
                    &c,
                    "EUR",
                    vec![line("Design", "Design income", "1", "5")],
                ),
            ),
            WriteItem::create(
                "new-item",
                invoice(
                    "HS-2",
                    &c,
                    "USD",
                    vec![line("SKU-NEW", "Services", "1", "5")],
                ),
            ),
        ])
        .await
        .unwrap();
    let e0 = out[0].result.as_ref().unwrap_err();
    assert!(
        e0.message.contains("multicurrency is off"),
        "{}",
        e0.message
    );
    let e1 = out[1].result.as_ref().unwrap_err();
    assert!(e1.message.contains("create_items is off"), "{}", e1.message);
    assert!(e1.message.contains("line 1"), "{}", e1.message);

    // a non-US company names tax codes
    let env = common::start(SimOptions {
        region: Some("global".into()),
        ..SimOptions::default()
    })
    .await;
    let t = target(&env, |_| {}).await;
    let c = t
        .upsert_customers(&[WriteItem::create("c", customer("HS-CO-1", "Global Ltd"))])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap()
        .target_id;
    let mut l = line("Design", "Design income", "1", "100");
    l.tax_type = Some("20.0% S".into());
    let out = t
        .upsert_invoices(&[WriteItem::create("g", invoice("HS-1", &c, "GBP", vec![l]))])
        .await
        .unwrap();
    let inv = out[0].result.as_ref().unwrap().invoice.as_ref().unwrap();
    assert_eq!(inv.total_tax, dec!(20));
    assert_eq!(inv.total, dec!(120));
    let rates = t.tax_rates().await.unwrap();
    assert!(
        rates
            .iter()
            .any(|r| r.name == "20.0% S" && r.rate == dec!(20))
    );
}
