//! End to end on the in-process simulators (rate limits off): a full sync of the
//! seeded deals, then the report for 2026 — its structure, totals equal to the sum
//! of the lines, actuals equal to the posted invoices — and the budget status written
//! to the HubSpot simulator's deals. The connections' `rate_scale` runs the clients'
//! own pacing (Xero's 60 calls a minute) 1000 times faster: the simulators' limits are
//! off.

use ledgerbridge::budget::{self, GatherOptions, Period, status};
use ledgerbridge_sdk::model::InvoiceStatus;
use ledgerbridge_sdk::sim::SimOptions;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const TOKEN: &str = "budget-test-token";
const PROPERTY: &str = "ledgerbridge_budget_status";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_on_the_simulators_after_a_sync() {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: false,
        deals: 120,
        ..Default::default()
    };
    let (hubspot, _h) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", opts.clone())
        .await
        .unwrap();
    let (xero, _x) = ledgerbridge_xero::sim::spawn("127.0.0.1:0", opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mappings = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/hubspot-xero");
    let path = dir.path().join("ledgerbridge.toml");
    std::fs::write(
        &path,
        format!(
            r#"[database]
url = "sqlite://budget.db"

[connections.crm]
kind = "hubspot"
base_url = "{}"
access_token = "{TOKEN}"
rate_scale = 1000.0

[connections.books]
kind = "xero"
base_url = "{}"
access_token = "{TOKEN}"
rate_scale = 1000.0

[[pairs]]
name = "main"
source = "crm"
target = "books"
mappings = "{mappings}"
start_date = "2025-01-01"
budget_status_property = "{PROPERTY}"

[worker]
concurrency = 4
heartbeat_secs = 1
poll_interval_ms = 50
"#,
            hubspot.base_url, xero.base_url
        ),
    )
    .unwrap();
    let config = ledgerbridge::config::load(Some(&path)).unwrap();
    let db = ledgerbridge::store::open(&config).await.unwrap();
    let summaries =
        ledgerbridge::sync::run::sync(Arc::new(config.clone()), &db, &["main".into()], true)
            .await
            .unwrap();
    assert!(!summaries.is_empty());

    let rt = ledgerbridge::sync::runtime::build(&config, &db, "main")
        .await
        .unwrap();
    let period = Period::parse("2026-01..2026-12").unwrap();
    let opts = GatherOptions {
        period,
        tracking_category: None,
        refresh: true,
    };
    let (report, inputs) = budget::report(&rt, &db, &opts).await.unwrap();

    // structure
    assert_eq!(report.currency, "USD");
    assert_eq!(report.period, "2026-01..2026-12");
    assert_eq!(report.tracking_category.as_deref(), Some("Pipeline"));
    let months: Vec<String> = period.months().iter().map(|m| m.to_string()).collect();
    let mut by_key: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for l in &report.lines {
        by_key
            .entry((&l.account, &l.tracking))
            .or_default()
            .push(&l.month);
        let f = &l.figures;
        assert_eq!(f.variance, f.actual - f.budget);
        assert_eq!(f.projected, f.actual + f.forecast);
        assert_eq!(f.variance_pct.is_none(), f.budget.is_zero());
        for d in [f.budget, f.actual, f.crm_won, f.forecast] {
            assert_eq!(d.scale(), 2, "{d} rounded to cents");
        }
    }
    for (key, ms) in &by_key {
        assert_eq!(ms, &months, "{key:?}: every month, in order");
    }
    let accounts: BTreeSet<&str> = by_key.keys().map(|k| k.0).collect();
    for a in ["200", "260", "400", "477"] {
        assert!(accounts.contains(a), "account {a} in {accounts:?}");
    }
    // the Pipeline budgets split 200 and 260 by option; other accounts are overall
    assert!(by_key.contains_key(&("200", "Renewals")));
    assert!(by_key.contains_key(&("400", "")));

    // totals are the sum of the lines
    let t = &report.totals;
    let sum = |f: fn(&budget::Figures) -> Decimal| -> Decimal {
        report.lines.iter().map(|l| f(&l.figures)).sum()
    };
    assert_eq!(t.budget, sum(|f| f.budget));
    assert_eq!(t.actual, sum(|f| f.actual));
    assert_eq!(t.variance, sum(|f| f.variance));
    assert_eq!(t.crm_won, sum(|f| f.crm_won));
    assert_eq!(t.forecast, sum(|f| f.forecast));
    assert_eq!(t.projected, sum(|f| f.projected));
    for (name, d) in [
        ("budget", t.budget),
        ("actual", t.actual),
        ("crm_won", t.crm_won),
        ("forecast", t.forecast),
    ] {
        assert!(d > Decimal::ZERO, "{name} total {d} > 0");
    }

    // actuals = the posted 2026 invoices' net totals, each converted with its own rate
    // (within the rounding of one cent per line)
    let mut expected = Decimal::ZERO;
    let mut posted = 0;
    for inv in &inputs.invoices {
        assert!(matches!(
            inv.status,
            InvoiceStatus::Authorised | InvoiceStatus::Paid
        ));
        let rate = if inv.currency.code() == "USD" {
            Decimal::ONE
        } else {
            inv.currency_rate
                .expect("posted foreign invoices carry their rate")
        };
        expected += inv.sub_total / rate;
        posted += 1;
    }
    assert!(posted > 0);
    let slack = Decimal::new(report.lines.len() as i64, 2);
    assert!(
        (t.actual - expected).abs() <= slack,
        "actual {} vs invoices {expected}",
        t.actual
    );

    // the budget status lands on the open deals in HubSpot
    define_property(&hubspot.base_url).await;
    let updates = status::updates(&report, &inputs.deals, PROPERTY);
    assert!(!updates.is_empty(), "open deals closing in 2026");
    let done = status::write(&rt, &db, &updates).await.unwrap();
    assert_eq!((done.written, done.failed), (updates.len(), 0), "{done:?}");
    let first = &updates[0];
    let value = deal_property(&hubspot.base_url, &first.id).await;
    assert_eq!(
        Some(value.as_str()),
        first.properties.get(PROPERTY).map(String::as_str)
    );
    assert!(["on track", "at risk", "over"].contains(&value.as_str()));
    db.close().await;
}

async fn define_property(base: &str) {
    let r = reqwest::Client::new()
        .post(format!("{base}/crm/v3/properties/deals"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({
            "name": PROPERTY,
            "label": "Budget status",
            "type": "string",
            "fieldType": "text",
            "groupName": "dealinformation"
        }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "define property: {}", r.status());
}

async fn deal_property(base: &str, id: &str) -> String {
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/crm/v3/objects/deals/{id}"))
        .query(&[("properties", PROPERTY)])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["properties"][PROPERTY]
        .as_str()
        .unwrap_or_else(|| panic!("deal {id} has no {PROPERTY}: {v}"))
        .to_string()
}
