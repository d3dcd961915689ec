//! `sync` against a target without notes, tracking or status changes: every record
//! that needs one is a dead letter saying which ability is missing; the rest syncs.

use crate::plain::RequiredOnly;
use crate::world::{World, world};
use ledgerbridge::queue::Handlers;
use ledgerbridge::store::dead_letters::{self, DeadLetterRow};
use ledgerbridge::sync::run::{self, RunSummary};
use ledgerbridge::sync::runtime::{self, Runtimes};
use std::sync::Arc;

/// A sync of pair `main` whose target is the Xero simulator behind [`RequiredOnly`].
pub async fn plain_sync(w: &World, full: bool) -> RunSummary {
    let mut rt = runtime::build(&w.config, &w.db, "main").await.unwrap();
    rt.target = RequiredOnly::wrap(rt.target.clone());
    let runtimes = Arc::new(Runtimes::default());
    runtimes.insert(Arc::new(rt)).await;
    let runs = run::enqueue_runs(&w.config, &w.db, &["main".to_string()], full, "test")
        .await
        .unwrap();
    let mut s = run::run_to_completion_with(
        w.config.clone(),
        &w.db,
        &runs,
        false,
        Handlers::builtin_with(runtimes),
    )
    .await
    .unwrap();
    s.remove(0)
}

async fn letters(w: &World) -> Vec<DeadLetterRow> {
    let mut c = w.db.conn().await.unwrap();
    dead_letters::list(c.exec(), false).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_and_tracked_invoices_become_dead_letters_naming_the_ability() {
    let w = world(20, "").await;
    let s = plain_sync(&w, true).await;
    assert!(s.counters.dead_lettered > 0, "{s:?}");
    assert_eq!(s.dead_jobs, 0, "records fail, jobs do not: {s:?}");
    let all = letters(&w).await;
    let of = |m: &str| -> Vec<&DeadLetterRow> {
        all.iter()
            .filter(|d| d.mapping.as_deref() == Some(m))
            .collect()
    };
    let notes = of("interaction-note");
    assert!(!notes.is_empty(), "{all:?}");
    for d in &notes {
        assert!(
            d.reason
                .contains("does not support history notes (ability `notes`)"),
            "{}",
            d.reason
        );
    }
    // The shipped invoice mapping tracks lines by pipeline: a tracked invoice cannot
    // be written whole, so it is a dead letter, never written without its tracking.
    let invoices = of("deal-invoice");
    assert!(
        !invoices.is_empty(),
        "some seeded deals are tracked: {all:?}"
    );
    for d in &invoices {
        assert!(
            d.reason
                .contains("does not support tracking categories (ability `tracking_categories`)"),
            "{}",
            d.reason
        );
    }
    // customers are required abilities: they synced
    assert!(s.counters.created > 0, "{s:?}");
    let export = w.xero_export().await;
    let notes_written = export["HistoryRecords"]
        .as_object()
        .map(|by_subject| {
            by_subject
                .values()
                .flat_map(|h| h.as_array().cloned().unwrap_or_default())
                .filter(|h| h["Changes"] == "Note")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(notes_written, 0, "no note reached the target");
    let tracked = export["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["LineItems"].as_array().cloned().unwrap_or_default())
        .filter(|l| {
            l["Tracking"].as_array().is_some_and(|t| {
                t.iter()
                    .any(|t| t["Option"].as_str().is_some_and(|o| !o.is_empty()))
            })
        })
        .count();
    assert_eq!(
        tracked, 0,
        "no invoice was written with its tracking dropped or kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_on_a_target_without_status_changes_is_a_dead_letter() {
    let w = world(40, "on_delete = \"void\"").await;
    let s = w.sync(true).await;
    assert!(s.clean(), "{s:?}");
    let deal = w.qualifying_deals().await.remove(0);
    let id = deal["id"].as_str().unwrap();
    w.hubspot_delete_deal(id).await;
    let s = plain_sync(&w, true).await;
    assert_eq!(s.counters.voided, 0, "{s:?}");
    let key = format!("deal:{id}");
    let all = letters(&w).await;
    let d = all
        .iter()
        .find(|d| d.record_key.as_deref() == Some(key.as_str()))
        .unwrap_or_else(|| panic!("no dead letter for {key}: {all:?}"));
    assert!(
        d.reason.contains("ability `status_changes`") && d.reason.contains("on_delete"),
        "{}",
        d.reason
    );
    let invs = w.invoices_with(&format!("HS-{id}")).await;
    assert!(
        invs.iter().all(|i| i["Status"] != "VOIDED"),
        "nothing voided: {invs:?}"
    );
}
