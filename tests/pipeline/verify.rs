//! What a finished sync must have left in the simulators, computed from their own
//! exports (`GET /_sim/export`) and the HubSpot pipelines, independently of the engine:
//! - every qualifying deal (won stage, closed on or after the cut-over, not archived)
//!   has exactly one invoice (by `Reference`), and no other deal has one;
//! - its amounts are right: one line per HubSpot line item (or one line for the deal
//!   amount), line amounts equal HubSpot's, totals add up by the tax mode;
//! - links are complete: every invoice id is the link of its deal;
//! - no two Xero contacts share an `AccountNumber`; every interaction with a company
//!   has exactly one history note (by the ledgerbridge marker), none twice.

#![allow(dead_code)]

use super::harness::{self, SimProc};
use ledgerbridge::store::Db;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// The invoice of a deal, by its `Reference` (deal-invoice.toml's key).
pub fn reference(deal_id: &str) -> String {
    format!("HS-{deal_id}")
}

/// Ids of HubSpot deal stages that are closed and won (probability 1).
pub async fn won_stages(hubspot: &SimProc) -> HashSet<String> {
    let p = hubspot
        .api(reqwest::Method::GET, "/crm/v3/pipelines/deals", None)
        .await;
    let mut out = HashSet::new();
    for pipe in p["results"].as_array().expect("pipelines") {
        for s in pipe["stages"].as_array().expect("stages") {
            let closed = s["metadata"]["isClosed"].as_str() == Some("true");
            let won = s["metadata"]["probability"]
                .as_str()
                .and_then(|x| Decimal::from_str(x).ok())
                == Some(Decimal::ONE);
            if closed && won {
                out.insert(s["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(!out.is_empty(), "no won stage in the HubSpot pipelines");
    out
}

/// Deals that must have exactly one invoice.
pub fn qualifying<'a>(hs: &'a Value, won: &HashSet<String>) -> Vec<&'a Value> {
    hs["deals"]
        .as_array()
        .expect("export.deals")
        .iter()
        .filter(|d| !d["archived"].as_bool().unwrap_or(false))
        .filter(|d| {
            d["properties"]["dealstage"]
                .as_str()
                .is_some_and(|s| won.contains(s))
        })
        .filter(|d| {
            d["properties"]["closedate"]
                .as_str()
                .is_some_and(|c| c.get(..10).unwrap_or(c) >= harness::START_DATE)
        })
        .collect()
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}")),
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .unwrap_or_else(|e| panic!("{n}: {e}")),
        other => panic!("not a number: {other}"),
    }
}

fn minor_units(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "ISK" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" => 3,
        _ => 2,
    }
}

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Every problem found, empty when the sync is right.
#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub qualifying: usize,
    pub invoices: usize,
    pub notes: usize,
    pub contacts: usize,
}

impl Findings {
    fn add(&mut self, p: String) {
        self.problems.push(p);
    }

    /// Panics listing the first problems.
    pub fn assert_clean(&self, what: &str) {
        if !self.problems.is_empty() {
            let first: Vec<&String> = self.problems.iter().take(25).collect();
            panic!(
                "{what}: {} problem(s) ({} qualifying deals, {} invoices); first ones:\n{}",
                self.problems.len(),
                self.qualifying,
                self.invoices,
                first
                    .iter()
                    .map(|s| format!("  - {s}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// Checks both exports and the links of pair `main`. `excused` deals (ids) may lack an
/// invoice (their dead letter says why); everything else must hold.
pub async fn check(
    hubspot: &SimProc,
    xero: &SimProc,
    db: &Db,
    excused: &HashSet<String>,
) -> Findings {
    let won = won_stages(hubspot).await;
    let hs = hubspot.export().await;
    let xe = xero.export().await;
    let links = harness::links(db).await;
    check_exports(&hs, &won, &xe, &links, excused)
}

pub fn check_exports(
    hs: &Value,
    won: &HashSet<String>,
    xe: &Value,
    links: &[(String, String, Option<String>)],
    excused: &HashSet<String>,
) -> Findings {
    let mut f = Findings::default();
    let line_items: HashMap<&str, &Value> = hs["line_items"]
        .as_array()
        .expect("export.line_items")
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l))
        .collect();
    let invoices = xe["Invoices"].as_array().expect("export.Invoices");
    f.invoices = invoices.len();
    let mut by_ref: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for inv in invoices {
        let r = inv["Reference"].as_str().unwrap_or("").to_string();
        by_ref.entry(r).or_default().push(inv);
    }
    let deal_links: HashMap<&str, Option<&str>> = links
        .iter()
        .filter(|(m, _, _)| m == "deal-invoice")
        .map(|(_, k, t)| (k.as_str(), t.as_deref()))
        .collect();

    let qualifying = qualifying(hs, won);
    f.qualifying = qualifying.len();
    let mut expected_refs = HashSet::new();
    for d in &qualifying {
        let id = d["id"].as_str().unwrap();
        let r = reference(id);
        expected_refs.insert(r.clone());
        let found = by_ref.get(&r).map(Vec::as_slice).unwrap_or(&[]);
        if found.is_empty() {
            if !excused.contains(id) {
                f.add(format!("deal {id}: no invoice {r}"));
            }
            continue;
        }
        if found.len() > 1 {
            f.add(format!(
                "deal {id}: {} invoices with Reference {r}",
                found.len()
            ));
        }
        let inv = found[0];
        check_amounts(&mut f, d, inv, &line_items);
        let inv_id = inv["InvoiceID"].as_str().unwrap_or("");
        match deal_links.get(format!("deal:{id}").as_str()) {
            Some(Some(t)) if *t == inv_id => {}
            Some(other) => f.add(format!(
                "deal {id}: link points at {other:?}, the invoice is {inv_id}"
            )),
            None => f.add(format!("deal {id}: invoice {inv_id} has no link")),
        }
    }
    for (r, invs) in &by_ref {
        if !expected_refs.contains(r) {
            f.add(format!(
                "{} invoice(s) with Reference {r:?}, which no qualifying deal has",
                invs.len()
            ));
        }
    }
    let linked: HashSet<&str> = links.iter().filter_map(|(_, _, t)| t.as_deref()).collect();
    for inv in invoices {
        let id = inv["InvoiceID"].as_str().unwrap_or("");
        if !linked.contains(id) {
            f.add(format!("invoice {id} ({}) is in no link", inv["Reference"]));
        }
    }

    // customers: no duplicate AccountNumber
    let contacts = xe["Contacts"].as_array().expect("export.Contacts");
    f.contacts = contacts.len();
    let mut accounts: HashMap<&str, usize> = HashMap::new();
    for c in contacts {
        if let Some(a) = c["AccountNumber"].as_str().filter(|a| !a.is_empty()) {
            *accounts.entry(a).or_default() += 1;
        }
    }
    for (a, n) in accounts {
        if n > 1 {
            f.add(format!("{n} Xero contacts with AccountNumber {a}"));
        }
    }

    // history notes: one per interaction with a company, by marker
    let mut markers: HashMap<String, usize> = HashMap::new();
    if let Some(all) = xe["HistoryRecords"].as_object() {
        for records in all.values() {
            for n in records.as_array().into_iter().flatten() {
                let d = n["Details"].as_str().unwrap_or("");
                if let Some(start) = d.find("[ledgerbridge ") {
                    let rest = &d[start..];
                    let end = rest.find(']').map_or(rest.len(), |e| e + 1);
                    *markers.entry(rest[..end].to_string()).or_default() += 1;
                }
            }
        }
    }
    f.notes = markers.len();
    for (m, n) in &markers {
        if *n > 1 {
            f.add(format!("history note {m} written {n} times"));
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
                f.add(format!("no history note {m}"));
            }
        }
    }
    f
}

/// Line count, line amounts (HubSpot's `amount` per line item, or the deal amount),
/// currency, and totals by the invoice's tax mode.
fn check_amounts(f: &mut Findings, deal: &Value, inv: &Value, items: &HashMap<&str, &Value>) {
    let id = deal["id"].as_str().unwrap();
    let currency = deal["properties"]["deal_currency_code"]
        .as_str()
        .unwrap_or("USD");
    let dp = minor_units(currency);
    if inv["CurrencyCode"].as_str() != Some(currency) {
        f.add(format!(
            "deal {id}: invoice currency {} is not the deal's {currency}",
            inv["CurrencyCode"]
        ));
    }
    let mut ids: Vec<&str> = deal["associations"]["line items"]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    ids.dedup();
    let mut want: Vec<Decimal> = if ids.is_empty() {
        vec![round(dec(&deal["properties"]["amount"]), dp)]
    } else {
        ids.iter()
            .map(|i| match items.get(i) {
                Some(li) => round(dec(&li["properties"]["amount"]), dp),
                None => panic!("deal {id}: line item {i} is not in the export"),
            })
            .collect()
    };
    let lines = inv["LineItems"].as_array().cloned().unwrap_or_default();
    let mut got: Vec<Decimal> = lines
        .iter()
        .map(|l| dec(&l["LineAmount"]).normalize())
        .collect();
    want.sort();
    got.sort();
    if want != got {
        f.add(format!(
            "deal {id} ({currency}): line amounts {got:?}, HubSpot says {want:?}"
        ));
    }
    let sum: Decimal = got.iter().sum();
    let (sub, tax, total) = (
        dec(&inv["SubTotal"]),
        dec(&inv["TotalTax"]),
        dec(&inv["Total"]),
    );
    let by_mode = match inv["LineAmountTypes"].as_str() {
        Some("Inclusive") => total == sum,
        _ => sub == sum,
    };
    if !by_mode || sub + tax != total {
        f.add(format!(
            "deal {id}: totals do not add up ({} lines sum {sum}, SubTotal {sub}, TotalTax {tax}, Total {total})",
            inv["LineAmountTypes"]
        ));
    }
}
