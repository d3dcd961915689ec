//! `ledgerbridge reconcile` as an admin or a cron job runs it: exit codes, JSON and
//! CSV output, `--fix --dry-run` enqueuing nothing, `--history`.

use crate::world::{World, deal_id, line_item_ids, world};
use ledgerbridge::reconcile::{Class, Report};
use serde_json::{Value, json};

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn cli(w: &World, args: &[&str]) -> Out {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerbridge"))
        .arg("--config")
        .arg(&w.config_path)
        .arg("reconcile")
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_formats_exit_codes_fix_dry_run_and_history() {
    let w = world(16).await;
    w.sync().await;

    // All matched: exit 0, JSON with every class.
    let o = cli(&w, &["--format", "json"]).await;
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let r: Report = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r.summary.len(), 9);
    assert_eq!(r.count(Class::Matched), r.items.len());
    assert!(r.items.len() >= 3, "{:?}", r.summary);
    let raw: Value = serde_json::from_str(&o.stdout).unwrap();
    let item = &raw["items"][0];
    for k in [
        "class",
        "source_key",
        "target_ids",
        "expected",
        "actual",
        "reason",
    ] {
        assert!(item.get(k).is_some(), "item lacks {k}: {item}");
    }
    assert!(
        item["expected"]["amount"].is_string(),
        "money as decimal strings"
    );

    // A deal's amount changes in HubSpot: exit 1.
    let export = w.hubspot_export().await;
    let deal = r
        .items
        .iter()
        .map(|i| deal_id(&i.source_key))
        .find(|id| {
            export["deals"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["id"] == *id && line_item_ids(d).is_empty())
        })
        .expect("a synced deal without line items")
        .to_string();
    w.patch_deal(&deal, json!({"amount": "99999.99"})).await;
    let o = cli(&w, &["--fix", "--dry-run", "--format", "json"]).await;
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let r: Report = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r.count(Class::AmountMismatch), 1);
    let fix = r.fix.unwrap();
    assert!(fix.dry_run);
    assert_eq!(fix.jobs, 0);
    assert_eq!(fix.pushes.len(), 1);
    assert_eq!(fix.pushes[0].source_key, format!("deal:{deal}"));
    let queued = ledgerbridge::queue::admin::list(
        &w.db,
        Some(ledgerbridge::queue::admin::JobState::Pending),
        10,
    )
    .await
    .unwrap();
    assert!(queued.is_empty(), "--dry-run enqueued {queued:?}");
    assert!(o.stderr.contains("1 amount_mismatch"), "{}", o.stderr);

    // CSV to a file: a header and one row per item.
    let csv = w.dir.path().join("r.csv");
    let o = cli(&w, &["--format", "csv", "--out", csv.to_str().unwrap()]).await;
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("pair,class,source_key,"));
    assert_eq!(text.lines().count(), r.items.len() + 1);
    assert!(text.contains(",amount_mismatch,"));

    // The table names the discrepancy.
    let o = cli(&w, &[]).await;
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stdout.contains("amount_mismatch"), "{}", o.stdout);

    // History: every run, newest first, with its counts.
    let o = cli(&w, &["--history", "--format", "json"]).await;
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let h: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(h.len(), 4);
    assert_eq!(h[0]["status"], "discrepancies");
    assert_eq!(h[3]["status"], "clean");
    assert_eq!(h[0]["summary"]["amount_mismatch"], 1);
    let o = cli(&w, &["--history"]).await;
    assert_eq!(o.code, Some(0));
    assert!(o.stdout.contains("amount_mismatch=1"), "{}", o.stdout);

    // Errors: exit 2.
    assert_eq!(cli(&w, &["--pair", "nope"]).await.code, Some(2));
    assert_eq!(cli(&w, &["--since", "yesterday"]).await.code, Some(2));
}
