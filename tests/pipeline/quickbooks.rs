//! HubSpot → QuickBooks Online end to end: a full sync through the CLI leaves exactly
//! one invoice per qualifying deal (by `DocNumber`), each on the customer of its
//! company in the deal's currency, with HubSpot's line amounts on items found or
//! created by SKU; a second sync writes nothing; and the checks the crash test runs
//! against QuickBooks' own export (`GET /_sim/export`).

use super::harness::{self, Options, Setup, SimProc};
use super::verify::{self, Findings};
use ledgerbridge::store::Db;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}")),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .unwrap_or_else(|e| panic!("{n}: {e}")),
        Value::Null => Decimal::ZERO,
        other => panic!("not a number: {other}"),
    }
}

/// QuickBooks keeps amounts to cents (and yen whole).
fn qbo_round(d: Decimal, currency: &str) -> Decimal {
    let dp = if currency == "JPY" { 0 } else { 2 };
    d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Checks both exports and the links of pair `main`: the QuickBooks counterpart of
/// `verify::check`. `excused` deals may lack an invoice.
pub async fn check(
    hubspot: &SimProc,
    qbo: &SimProc,
    db: &Db,
    excused: &HashSet<String>,
) -> Findings {
    let won = verify::won_stages(hubspot).await;
    let hs = hubspot.export().await;
    let qb = qbo.export().await;
    let links = harness::links(db).await;
    check_exports(&hs, &won, &qb, &links, excused)
}

fn check_exports(
    hs: &Value,
    won: &HashSet<String>,
    qb: &Value,
    links: &[(String, String, Option<String>)],
    excused: &HashSet<String>,
) -> Findings {
    let mut f = Findings::default();
    let empty = Vec::new();
    let list = |k: &str| qb[k].as_array().unwrap_or(&empty);
    let line_items: HashMap<&str, &Value> = hs["line_items"]
        .as_array()
        .expect("export.line_items")
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l))
        .collect();
    let customers: HashMap<&str, &Value> = list("Customer")
        .iter()
        .map(|c| (c["Id"].as_str().unwrap(), c))
        .collect();
    let live: Vec<&Value> = list("Invoice")
        .iter()
        .filter(|i| i["status"].as_str() != Some("Deleted"))
        .filter(|i| {
            !(dec(&i["TotalAmt"]).is_zero()
                && i["PrivateNote"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("Voided")))
        })
        .collect();
    f.invoices = live.len();
    let mut by_ref: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for inv in &live {
        let r = inv["DocNumber"].as_str().unwrap_or("").to_string();
        by_ref.entry(r).or_default().push(inv);
    }
    let deal_links: HashMap<&str, Option<&str>> = links
        .iter()
        .filter(|(m, _, _)| m == "deal-invoice")
        .map(|(_, k, t)| (k.as_str(), t.as_deref()))
        .collect();
    let qualifying = verify::qualifying(hs, won);
    f.qualifying = qualifying.len();
    let mut expected = HashSet::new();
    for d in &qualifying {
        let id = d["id"].as_str().unwrap();
        let r = verify::reference(id);
        expected.insert(r.clone());
        let found = by_ref.get(&r).map(Vec::as_slice).unwrap_or(&[]);
        let Some(inv) = found.first() else {
            if !excused.contains(id) {
                f.problems.push(format!("deal {id}: no invoice {r}"));
            }
            continue;
        };
        if found.len() > 1 {
            f.problems.push(format!(
                "deal {id}: {} invoices with DocNumber {r}",
                found.len()
            ));
        }
        let currency = d["properties"]["deal_currency_code"]
            .as_str()
            .unwrap_or("USD");
        if inv["CurrencyRef"]["value"].as_str() != Some(currency) {
            f.problems.push(format!(
                "deal {id}: invoice currency {} is not the deal's {currency}",
                inv["CurrencyRef"]
            ));
        }
        let customer = inv["CustomerRef"]["value"].as_str().unwrap_or("");
        match customers.get(customer) {
            Some(c) if c["CurrencyRef"]["value"].as_str() == Some(currency) => {}
            other => f.problems.push(format!(
                "deal {id}: invoice customer {customer} is in {:?}, the invoice in {currency}",
                other.map(|c| &c["CurrencyRef"]["value"])
            )),
        }
        let mut ids: Vec<&str> = d["associations"]["line items"]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str())
            .collect();
        ids.dedup();
        let mut want: Vec<Decimal> = if ids.is_empty() {
            vec![qbo_round(dec(&d["properties"]["amount"]), currency)]
        } else {
            ids.iter()
                .map(|i| qbo_round(dec(&line_items[i]["properties"]["amount"]), currency))
                .collect()
        };
        let mut got: Vec<Decimal> = inv["Line"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["DetailType"] == "SalesItemLineDetail")
            .map(|l| dec(&l["Amount"]).normalize())
            .collect();
        want.sort();
        got.sort();
        if want != got {
            f.problems.push(format!(
                "deal {id} ({currency}): line amounts {got:?}, HubSpot says {want:?}"
            ));
        }
        let sum: Decimal = got.iter().sum();
        let tax = dec(&inv["TxnTaxDetail"]["TotalTax"]);
        if sum + tax != dec(&inv["TotalAmt"]) {
            f.problems.push(format!(
                "deal {id}: lines {sum} + tax {tax} != TotalAmt {}",
                inv["TotalAmt"]
            ));
        }
        let inv_id = inv["Id"].as_str().unwrap_or("");
        match deal_links.get(format!("deal:{id}").as_str()) {
            Some(Some(t)) if *t == inv_id => {}
            Some(other) => f.problems.push(format!(
                "deal {id}: link points at {other:?}, the invoice is {inv_id}"
            )),
            None => f
                .problems
                .push(format!("deal {id}: invoice {inv_id} has no link")),
        }
    }
    for (r, invs) in &by_ref {
        if !expected.contains(r) && r.starts_with("HS-") {
            f.problems.push(format!(
                "{} invoice(s) with DocNumber {r:?}, which no qualifying deal has",
                invs.len()
            ));
        }
    }
    // customers: no AcctNum twice (display names QuickBooks keeps unique itself)
    f.contacts = customers.len();
    let mut accts: HashMap<&str, usize> = HashMap::new();
    for c in customers.values() {
        if let Some(a) = c["AcctNum"].as_str().filter(|a| !a.is_empty()) {
            *accts.entry(a).or_default() += 1;
        }
    }
    for (a, n) in accts {
        if n > 1 {
            f.problems
                .push(format!("{n} QuickBooks customers with AcctNum {a}"));
        }
    }
    // items: no SKU twice
    let mut skus: HashMap<&str, usize> = HashMap::new();
    for i in list("Item") {
        if let Some(s) = i["Sku"].as_str() {
            *skus.entry(s).or_default() += 1;
        }
    }
    for (s, n) in skus {
        if n > 1 {
            f.problems
                .push(format!("{n} QuickBooks items with SKU {s}"));
        }
    }
    // notes: one attachable per interaction with a company, by marker
    let mut markers: HashMap<String, usize> = HashMap::new();
    for a in list("Attachable") {
        let note = a["Note"].as_str().unwrap_or("");
        if let Some(start) = note.find("[ledgerbridge ") {
            let rest = &note[start..];
            let end = rest.find(']').map_or(rest.len(), |e| e + 1);
            *markers.entry(rest[..end].to_string()).or_default() += 1;
        }
    }
    f.notes = markers.len();
    for (m, n) in &markers {
        if *n > 1 {
            f.problems.push(format!("note {m} written {n} times"));
        }
    }
    for (kind, coll) in [
        ("call", "calls"),
        ("email", "emails"),
        ("meeting", "meetings"),
        ("note", "notes"),
    ] {
        for i in hs[coll].as_array().into_iter().flatten() {
            let has_company = i["associations"]["companies"]["results"]
                .as_array()
                .is_some_and(|r| !r.is_empty());
            if i["archived"].as_bool().unwrap_or(false) || !has_company {
                continue;
            }
            let m = format!("[ledgerbridge HS-{kind}-{}]", i["id"].as_str().unwrap());
            if !markers.contains_key(&m) {
                f.problems.push(format!("no note {m}"));
            }
        }
    }
    f
}

/// The company's closing date (`Preferences.AccountingInfoPrefs.BookCloseDate`).
async fn close_date(qbo: &SimProc) -> String {
    let prefs = &qbo.export().await["Preferences"][0];
    prefs["AccountingInfoPrefs"]["BookCloseDate"]
        .as_str()
        .expect("the sample company has a closing date")
        .to_string()
}

/// Moves the closing date before the pair's cut-over, so every qualifying deal can be
/// invoiced (the crash test counts on it).
pub async fn open_books(qbo: &SimProc) {
    let realm = qbo.get("/_sim/company").await["realmId"]
        .as_str()
        .unwrap()
        .to_string();
    let prefs = qbo
        .api(
            reqwest::Method::GET,
            &format!("/v3/company/{realm}/preferences"),
            None,
        )
        .await;
    let token = prefs["Preferences"]["SyncToken"].clone();
    qbo.api(
        reqwest::Method::POST,
        &format!("/v3/company/{realm}/preferences"),
        Some(
            serde_json::json!({"Id": "1", "SyncToken": token, "sparse": true,
            "AccountingInfoPrefs": {"BookCloseDate": "2024-12-31"}}),
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sync_writes_one_invoice_per_deal_and_a_second_writes_nothing() {
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", "300"], &logs.path().join("h.log")).await;
    let qbo = SimProc::start("quickbooks", &[], &logs.path().join("q.log")).await;
    let setup = Setup::new(
        &hubspot,
        &qbo,
        &Options {
            target: "quickbooks",
            ..Options::default()
        },
    );
    // the company's books are closed until the end of last year: deals closed before
    // that are dead letters carrying QuickBooks' refusal (6200), every other one syncs
    let close = close_date(&qbo).await;
    let out = setup.run(&["sync", "--json"]).await;
    let first = out.summary();
    assert!(first["created"].as_u64().unwrap() > 100, "{first}");
    let won = verify::won_stages(&hubspot).await;
    let hs = hubspot.export().await;
    let before_close: HashSet<String> = verify::qualifying(&hs, &won)
        .into_iter()
        .filter(|d| {
            d["properties"]["closedate"]
                .as_str()
                .is_some_and(|c| c.get(..10).unwrap_or(c) <= close.as_str())
        })
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let letters = setup.dead_letters().await;
    assert_eq!(letters.len(), before_close.len(), "{letters:#?}");
    assert_eq!(out.code, Some(if letters.is_empty() { 0 } else { 1 }));
    for l in &letters {
        let deal = l["record_key"]
            .as_str()
            .unwrap()
            .trim_start_matches("deal:");
        assert!(before_close.contains(deal), "{l}");
        let reason = l["reason"].as_str().unwrap();
        assert!(reason.contains("code 6200"), "{reason}");
    }
    let db = setup.db().await;
    let found = check(&hubspot, &qbo, &db, &before_close).await;
    found.assert_clean("HubSpot -> QuickBooks full sync");
    assert!(
        found.qualifying > 30,
        "only {} qualifying deals",
        found.qualifying
    );
    assert!(found.notes > 0, "no notes were written");

    // a second company currency makes a second customer, named by the rule
    let qb = qbo.export().await;
    let foreign: Vec<&Value> = qb["Customer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["AcctNum"].as_str().is_some_and(|a| a.contains('/')))
        .collect();
    for c in &foreign {
        let cur = c["CurrencyRef"]["value"].as_str().unwrap();
        let name = c["DisplayName"].as_str().unwrap();
        assert!(name.ends_with(&format!(" ({cur})")), "{name} in {cur}");
    }

    // API calls against the fewest that could do it: one batch per 30 customers,
    // invoices and notes, one create per item and per second-currency customer
    let stats = qbo.stats().await;
    let calls: u64 = stats["calls"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let batches = stats["calls"]["POST /v3/company/{realm}/batch"]
        .as_u64()
        .unwrap_or(0);
    let n = |k: &str| qb[k].as_array().map_or(0, Vec::len) as u64;
    let created_items = qb["Item"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["Sku"].is_string())
        .count() as u64;
    let ours = |k: &str| {
        qb[k]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["AcctNum"].is_string())
            .count() as u64
    };
    let minimum = ours("Customer")
        .saturating_sub(foreign.len() as u64)
        .div_ceil(30)
        + n("Invoice").div_ceil(30)
        + n("Attachable").div_ceil(30)
        + created_items
        + foreign.len() as u64;
    eprintln!(
        "HubSpot -> QuickBooks, 300 deals: {calls} QuickBooks calls ({batches} batches) for a \
         minimum of {minimum} writes: {:.3} calls / minimum, {:.3} batches / minimum",
        calls as f64 / minimum as f64,
        batches as f64 / minimum as f64
    );

    // a second sync writes nothing new; only the refused deals are tried again
    let invoices = qbo.export().await["Invoice"].as_array().unwrap().len();
    let out = setup.run(&["sync", "--json"]).await;
    let second = out.summary();
    assert_eq!(second["created"], 0, "{second}");
    assert_eq!(second["updated"], 0, "{second}");
    assert_eq!(second["failed"], before_close.len() as u64, "{second}");
    assert_eq!(
        qbo.export().await["Invoice"].as_array().unwrap().len(),
        invoices,
        "a sync with nothing changed added invoices"
    );
    db.close().await;
}
