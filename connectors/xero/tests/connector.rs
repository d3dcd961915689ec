//! The connector against the simulator: batches, typed per-item errors,
//! idempotency, lookups, reads — with every request and response body checked
//! against Xero's OpenAPI by the simulator in strict mode.

mod common;

use common::*;
use futures::StreamExt;
use ledgerbridge_sdk::ability::{
    Budgets, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories,
};
use ledgerbridge_sdk::model::{FinanceObject, HistoryNote, InvoiceStatus, NoteSubject, Payment};
use ledgerbridge_sdk::sim::SimOptions;
use ledgerbridge_sdk::{ErrorKind, FinanceTarget, StatusChange, WriteItem};

fn no_limits() -> SimOptions {
    SimOptions {
        rate_limits: false,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_1000_invoices_for_200_customers_in_batches_of_50_with_no_schema_violation() {
    let env = start(no_limits(), false).await;
    let customers: Vec<_> = (0..200)
        .map(|i| WriteItem::create(format!("c{i}"), customer(i)))
        .collect();
    let out = env.target.upsert_customers(&customers).await.unwrap();
    assert_eq!(out.len(), 200);
    let ids: Vec<String> = out
        .iter()
        .map(|o| o.result.as_ref().unwrap().target_id.clone())
        .collect();
    let items: Vec<_> = (0..1000)
        .map(|i| {
            WriteItem::create(
                format!("k{i}"),
                invoice(&format!("HS-D{i}"), &ids[i % 200], "USD", "200"),
            )
        })
        .collect();
    let out = env.target.upsert_invoices(&items).await.unwrap();
    assert_eq!(out.len(), 1000);
    assert!(
        out.iter()
            .all(|o| o.result.as_ref().is_ok_and(|w| w.created)),
        "{:?}",
        out.iter().find(|o| o.result.is_err())
    );
    assert_eq!(out[7].key, "k7");
    let stats = env.handle.stats();
    assert_eq!(
        stats["calls"]["PUT /api.xro/2.0/Invoices"], 20,
        "1000 invoices in 20 calls of 50"
    );
    assert_eq!(stats["calls"]["PUT /api.xro/2.0/Contacts"], 4);
    let export = env.export();
    let invs = export["Invoices"].as_array().unwrap();
    assert_eq!(invs.len(), 1000);
    eprintln!("strict schema checks: {}", env.strict);
    // computed server-side, unit amounts kept to 4 places (`unitdp=4`):
    // 3 × 33.333 = 99.999 → 100.00 + 15 % = 15.00; 10 − 10 % = 9.00 without tax
    let found = env.target.find_invoices(&["HS-D7".into()]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].total.to_string(), "124.00");
    assert_eq!(found[0].total_tax.to_string(), "15.00");
    assert_eq!(found[0].lines.len(), 2);
    assert_eq!(found[0].lines[1].tracking.len(), 2);
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_3_invalid_invoices_saves_47_and_types_3_errors() {
    let env = start(no_limits(), false).await;
    let c = env
        .target
        .upsert_customers(&[WriteItem::create("c", customer(1))])
        .await
        .unwrap();
    let cid = c[0].result.as_ref().unwrap().target_id.clone();
    let mut items: Vec<_> = (0..50)
        .map(|i| {
            WriteItem::create(
                format!("k{i}"),
                invoice(&format!("R{i}"), &cid, "EUR", "200"),
            )
        })
        .collect();
    items[3].record.lines[0].account_code = "999".into();
    items[20].record.currency = ledgerbridge_sdk::model::Currency::new("CHF").unwrap();
    items[41].record.date = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let out = env.target.upsert_invoices(&items).await.unwrap();
    assert_eq!(out.iter().filter(|o| o.result.is_ok()).count(), 47);
    let err = |i: usize| out[i].result.clone().unwrap_err();
    for i in [3, 20, 41] {
        assert_eq!(err(i).kind, ErrorKind::Validation, "item {i}");
    }
    assert!(
        err(3)
            .to_string()
            .contains("Account code '999' is not a valid code"),
        "{}",
        err(3)
    );
    assert!(
        err(20)
            .to_string()
            .contains("not subscribed to currency CHF"),
        "{}",
        err(20)
    );
    assert!(err(41).to_string().contains("lock date"), "{}", err(41));
    assert_eq!(env.export()["Invoices"].as_array().unwrap().len(), 47);
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_the_original_and_find_by_reference_finds_it() {
    let env = start(no_limits(), false).await;
    let c = env
        .target
        .upsert_customers(&[WriteItem::create("c", customer(1))])
        .await
        .unwrap();
    let cid = c[0].result.as_ref().unwrap().target_id.clone();
    let item = WriteItem::create("same-key", invoice("HS-REPLAY", &cid, "GBP", "200"));
    let first = env
        .target
        .upsert_invoices(std::slice::from_ref(&item))
        .await
        .unwrap();
    let again = env
        .target
        .upsert_invoices(std::slice::from_ref(&item))
        .await
        .unwrap();
    assert_eq!(first, again, "the replay answers the original invoice");
    let stats = env.handle.stats();
    assert_eq!(stats["calls"]["PUT /api.xro/2.0/Invoices"], 2);
    let found = env
        .target
        .find_invoices(&["HS-REPLAY".into(), "HS-NONE".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one invoice despite two sends");
    assert_eq!(found[0].id, first[0].result.as_ref().unwrap().target_id);
    assert_eq!(found[0].currency_rate.unwrap().to_string(), "0.790000");
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_notes_voids_and_listing() {
    let env = start(no_limits(), false).await;
    let c = env
        .target
        .upsert_customers(&[WriteItem::create("c", customer(1))])
        .await
        .unwrap();
    let cid = c[0].result.as_ref().unwrap().target_id.clone();
    let w = env
        .target
        .upsert_invoices(&[
            WriteItem::create("a", invoice("P1", &cid, "USD", "200")),
            WriteItem::create("b", invoice("P2", &cid, "USD", "200")),
        ])
        .await
        .unwrap();
    let (a, b) = (
        w[0].result.clone().unwrap().target_id,
        w[1].result.clone().unwrap().target_id,
    );
    let pay = |key: &str, amount: &str| {
        WriteItem::create(
            key,
            Payment {
                invoice_id: a.clone(),
                account_code: "090".into(),
                date: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
                amount: d(amount),
                reference: format!("PAY-{key}"),
            },
        )
    };
    let out = env
        .target
        .create_payments(&[pay("p1", "100.00"), pay("p2", "500")])
        .await
        .unwrap();
    assert!(out[0].result.is_ok());
    assert!(
        out[1]
            .result
            .clone()
            .unwrap_err()
            .to_string()
            .contains("exceeds the amount outstanding")
    );
    env.target
        .create_payments(&[pay("p3", "24.00")])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap();
    let inv = &env
        .target
        .get_invoices(std::slice::from_ref(&a))
        .await
        .unwrap()[0];
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert_eq!(inv.amount_due.to_string(), "0.00");
    assert!(inv.fully_paid_on.is_some());
    assert_eq!(
        env.target
            .find_payments(&["PAY-p1".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    // a paid invoice cannot be voided; an unpaid authorised one can
    let void = |id: &str| {
        WriteItem::update(
            format!("void-{id}"),
            id,
            StatusChange {
                invoice_id: id.into(),
                status: InvoiceStatus::Voided,
            },
        )
    };
    assert!(
        env.target
            .set_invoice_status(&void(&a))
            .await
            .unwrap()
            .result
            .is_err()
    );
    assert!(
        env.target
            .set_invoice_status(&void(&b))
            .await
            .unwrap()
            .result
            .is_ok()
    );
    let subject = NoteSubject {
        object: FinanceObject::Invoice,
        id: b.clone(),
    };
    let note = HistoryNote {
        subject: subject.clone(),
        text: "Call with buyer [lb:HS-N1]".into(),
        marker: "[lb:HS-N1]".into(),
    };
    env.target
        .add_notes(&[WriteItem::create("n1", note)])
        .await
        .unwrap()[0]
        .result
        .clone()
        .unwrap();
    let notes = env.target.find_notes(&subject).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].text.contains("[lb:HS-N1]"));
    let pages: Vec<_> = env.target.list_invoices(None).collect().await;
    let all: Vec<_> = pages.into_iter().flat_map(|p| p.unwrap().records).collect();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|i| i.status == InvoiceStatus::Voided));
    let found = env
        .target
        .find_customers(&[
            ledgerbridge_sdk::CustomerMatch::Email("billing1@customer1.example".into()),
            ledgerbridge_sdk::CustomerMatch::Domain("customer1.example".into()),
        ])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_settings_budgets_and_rates() {
    let env = start(no_limits(), false).await;
    let org = env.target.organisation().await.unwrap();
    assert_eq!(org.base_currency.code(), "USD");
    assert_eq!(org.lock_date, chrono::NaiveDate::from_ymd_opt(2024, 12, 31));
    let accounts = env.target.accounts().await.unwrap();
    assert!(accounts.iter().any(|a| a.code == "090" && a.kind == "BANK"));
    let rates = env.target.tax_rates().await.unwrap();
    assert_eq!(
        rates
            .iter()
            .find(|r| r.tax_type == "OUTPUT")
            .unwrap()
            .rate
            .to_string(),
        "15.0000"
    );
    let cats = env.target.tracking_categories().await.unwrap();
    assert_eq!(cats.len(), 2);
    let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
    let budgets = env.target.budgets(from, to).await.unwrap();
    assert!(budgets.len() >= 10);
    let overall = budgets.iter().find(|b| b.tracking.is_empty()).unwrap();
    assert!(
        overall
            .lines
            .iter()
            .all(|l| ("2025-01".."2025-04").contains(&l.period.as_str()))
    );
    assert_eq!(
        overall
            .lines
            .iter()
            .filter(|l| l.account_code == "200")
            .count(),
        3
    );
    let fx = env.target.currency_rates().await.unwrap();
    assert_eq!(
        fx.rates[&ledgerbridge_sdk::model::Currency::new("JPY").unwrap()].to_string(),
        "151.500000"
    );
    env.assert_no_violations();
}

/// History PUTs so far, on contacts and on invoices.
fn history_puts(env: &Env) -> u64 {
    let s = env.handle.stats();
    [
        "PUT /api.xro/2.0/Contacts/{ContactID}/History",
        "PUT /api.xro/2.0/Invoices/{InvoiceID}/History",
    ]
    .iter()
    .map(|k| s["calls"][*k].as_u64().unwrap_or(0))
    .sum()
}

fn note(key: &str, subject: &NoteSubject, text: &str) -> WriteItem<HistoryNote> {
    WriteItem::create(
        key,
        HistoryNote {
            subject: subject.clone(),
            text: text.into(),
            marker: format!("[lb:{key}]"),
        },
    )
}

/// Two contacts and an invoice of the first: three note subjects.
async fn three_subjects(env: &Env) -> [NoteSubject; 3] {
    let c = env
        .target
        .upsert_customers(&[
            WriteItem::create("c1", customer(1)),
            WriteItem::create("c2", customer(2)),
        ])
        .await
        .unwrap();
    let id = |i: usize| c[i].result.as_ref().unwrap().target_id.clone();
    let inv = env
        .target
        .upsert_invoices(&[WriteItem::create(
            "i",
            invoice("HS-N", &id(0), "USD", "200"),
        )])
        .await
        .unwrap();
    let contact = |id: String| NoteSubject {
        object: FinanceObject::Customer,
        id,
    };
    [
        contact(id(0)),
        contact(id(1)),
        NoteSubject {
            object: FinanceObject::Invoice,
            id: inv[0].result.as_ref().unwrap().target_id.clone(),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_notes_on_three_subjects_take_three_history_puts() {
    let env = start(no_limits(), false).await;
    let subjects = three_subjects(&env).await;
    // interleaved, as a push job hands them over: 4, 3 and 3 per subject
    let notes: Vec<_> = (0..10)
        .map(|k| {
            let key = format!("HS-N{k}");
            note(&key, &subjects[k % 3], &format!("Call {k} [lb:{key}]"))
        })
        .collect();
    let before = history_puts(&env);
    let out = env.target.add_notes(&notes).await.unwrap();
    assert_eq!(history_puts(&env) - before, 3, "one PUT per subject");
    let keys: Vec<&str> = out.iter().map(|o| o.key.as_str()).collect();
    let want: Vec<&str> = notes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, want, "one outcome per note, input order");
    for (s, subject) in subjects.iter().enumerate() {
        let found = env.target.find_notes(subject).await.unwrap();
        let mine: Vec<usize> = (0..10).filter(|k| k % 3 == s).collect();
        assert_eq!(found.len(), mine.len(), "subject {s}: exactly its notes");
        for k in mine {
            let n = found
                .iter()
                .find(|f| f.text.contains(&notes[k].record.marker))
                .unwrap_or_else(|| panic!("note {k} on subject {s}"));
            assert_eq!(out[k].result.as_ref().unwrap().target_id, n.id);
        }
    }
    // the same notes again: each PUT carries the same Idempotency-Key and
    // body, so Xero replays it and nothing is written twice
    let again = env.target.add_notes(&notes).await.unwrap();
    assert_eq!(again, out);
    assert_eq!(history_puts(&env) - before, 6);
    for (s, subject) in subjects.iter().enumerate() {
        let n = env.target.find_notes(subject).await.unwrap().len();
        assert_eq!(n, if s == 0 { 4 } else { 3 }, "subject {s}: no duplicates");
    }
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_note_fails_alone_and_its_neighbours_land() {
    let env = start(no_limits(), false).await;
    let [a, b, _] = three_subjects(&env).await;
    let notes = vec![
        note("good-1", &a, "First call [lb:good-1]"),
        note("empty", &a, ""),
        note("good-2", &a, "Second call [lb:good-2]"),
        note("other", &b, "Elsewhere [lb:other]"),
    ];
    let before = history_puts(&env);
    let out = env.target.add_notes(&notes).await.unwrap();
    // subject a: refused (1), its two good notes again (1); subject b (1)
    assert_eq!(history_puts(&env) - before, 3);
    let e = out[1].result.as_ref().unwrap_err();
    assert_eq!(
        (out[1].key.as_str(), &e.kind),
        ("empty", &ErrorKind::Validation)
    );
    assert!(!e.is_retryable());
    assert!(
        e.vendor_message.as_deref().unwrap().contains("Details"),
        "{e}"
    );
    for i in [0, 2, 3] {
        assert!(out[i].result.is_ok(), "{}: {:?}", out[i].key, out[i].result);
    }
    let on_a: Vec<String> = env
        .target
        .find_notes(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert_eq!(on_a.len(), 2, "{on_a:?}");
    assert!(on_a.iter().any(|t| t.contains("[lb:good-1]")));
    assert!(on_a.iter().any(|t| t.contains("[lb:good-2]")));
    assert_eq!(env.target.find_notes(&b).await.unwrap().len(), 1);
    env.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_600_character_note_lands_shortened_with_its_marker_and_once() {
    let env = start(no_limits(), false).await;
    let [a, b, _] = three_subjects(&env).await;
    // the engine's shape: the mapped text, "\n", the marker last
    let marker = "[lb:long]";
    let body = "MEETING 2024-03-15: Kick-off - ".to_string() + &"agenda item ".repeat(60);
    let text = format!("{}\n{marker}", &body[..600 - marker.len() - 1]);
    assert_eq!(text.chars().count(), 600);
    let long = note("long", &a, &text);
    // a marker that alone is over the limit fails its note only
    let huge = format!("[lb:{}]", "h".repeat(250));
    let mut too_long = note("huge", &b, &format!("Call {huge}"));
    too_long.record.marker = huge;
    let notes = vec![long, too_long, note("short", &a, "Short call [lb:short]")];

    let before = history_puts(&env);
    let out = env.target.add_notes(&notes).await.unwrap();
    assert_eq!(
        history_puts(&env) - before,
        1,
        "the long note shares its PUT"
    );
    let written = out[0].result.as_ref().unwrap();
    let e = out[1].result.as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "{e}");
    assert!(!e.is_retryable());
    assert!(out[2].result.is_ok(), "{:?}", out[2].result);

    let found = env.target.find_notes(&a).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let n = found.iter().find(|n| n.text.contains(marker)).unwrap();
    assert!(n.text.chars().count() <= 250, "{}", n.text.chars().count());
    assert!(n.text.ends_with(&format!("…\n{marker}")), "{}", n.text);
    assert!(
        n.text
            .starts_with("MEETING 2024-03-15: Kick-off - agenda item")
    );
    assert_eq!(written.target_id, n.id, "the id of the text Xero holds");
    assert!(env.target.find_notes(&b).await.unwrap().is_empty());

    // the same items again: the same Details and Idempotency-Key, so Xero
    // replays the call; the same ids, nothing written twice
    let again = env.target.add_notes(&notes).await.unwrap();
    assert_eq!(again, out);
    assert_eq!(history_puts(&env) - before, 2);
    assert_eq!(env.target.find_notes(&a).await.unwrap().len(), 2);
    env.assert_no_violations();
}
