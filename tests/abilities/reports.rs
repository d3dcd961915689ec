//! `reconcile` and `budget` on a target without optional abilities name what it
//! cannot give, in JSON, in the table and in the HTML; on Xero they name nothing.

use crate::plain::RequiredOnly;
use crate::world::world;
use ledgerbridge::budget::{self, GatherOptions, Period};
use ledgerbridge::reconcile::{self, ReconcileOptions};
use ledgerbridge::sync::runtime;
use ledgerbridge_sdk::ability::Ability;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_names_what_the_pair_needs_and_the_target_lacks() {
    let w = world(20, "on_delete = \"void\"").await;
    assert!(w.sync(true).await.clean());
    let opts = ReconcileOptions::default();

    let rt = runtime::build(&w.config, &w.db, "main").await.unwrap();
    let full = reconcile::reconcile(&rt, &w.db, &opts).await.unwrap();
    assert!(full.not_supported.is_empty(), "{:?}", full.not_supported);
    let json = serde_json::to_value(&full).unwrap();
    assert!(
        json.get("not_supported").is_none(),
        "absent when all is supported"
    );

    let mut rt = rt;
    rt.target = RequiredOnly::wrap(rt.target.clone());
    let r = reconcile::reconcile(&rt, &w.db, &opts).await.unwrap();
    assert_eq!(
        r.not_supported,
        [
            Ability::Notes,
            Ability::TrackingCategories,
            Ability::StatusChanges
        ]
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["not_supported"],
        serde_json::json!(["notes", "tracking_categories", "status_changes"])
    );
    let table = reconcile::render::table::render(&r);
    assert!(
        table.contains("not supported by the finance system: history notes"),
        "{table}"
    );
    let html = reconcile::render::html::render(std::slice::from_ref(&r));
    assert!(
        html.contains("data-ability=\"tracking_categories\""),
        "{html}"
    );
    assert!(html.contains("data-ability=\"status_changes\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_names_the_sections_the_target_cannot_give() {
    let w = world(20, "").await;
    assert!(w.sync(true).await.clean());
    let opts = GatherOptions {
        period: Period::parse("2026-01..2026-12").unwrap(),
        tracking_category: None,
        refresh: false,
    };
    let rt = runtime::build(&w.config, &w.db, "main").await.unwrap();
    let (full, _) = budget::report(&rt, &w.db, &opts).await.unwrap();
    assert!(full.not_supported.is_empty(), "{:?}", full.not_supported);

    let mut rt = rt;
    rt.target = RequiredOnly::wrap(rt.target.clone());
    let (r, _) = budget::report(&rt, &w.db, &opts).await.unwrap();
    assert_eq!(
        r.not_supported,
        [
            Ability::CurrencyRates,
            Ability::Budgets,
            Ability::TrackingCategories
        ]
    );
    assert!(r.totals.budget.is_zero(), "no budgets to read");
    // without rates only the base currency's invoices convert: never more than with them
    assert!(r.totals.actual <= full.totals.actual, "{r:?}");
    let json: serde_json::Value =
        serde_json::from_str(&budget::render::render(&r, budget::render::Format::Json)).unwrap();
    assert_eq!(
        json["not_supported"],
        serde_json::json!(["currency_rates", "budgets", "tracking_categories"])
    );
    let table = budget::render::render(&r, budget::render::Format::Table);
    assert!(
        table.contains("not supported by the finance system: budgets"),
        "{table}"
    );
    let html = budget::render::render(&r, budget::render::Format::Html);
    assert!(html.contains("data-ability=\"budgets\""), "{html}");
}
