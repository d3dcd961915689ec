//! A write the finance system refuses because of its lock date becomes a dead
//! letter saying so.

use crate::world::world;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_before_the_lock_date_become_dead_letters_naming_it() {
    let w = world(40, "").await;
    let deals = w.qualifying_deals().await;
    let earliest = deals
        .iter()
        .map(|d| d["properties"]["closedate"].as_str().unwrap()[..10].to_string())
        .min()
        .unwrap();
    // lock the books through the earliest qualifying close date
    let r = w
        .http
        .post(format!("{}/_sim/organisation", w.xero_url))
        .json(&json!({"PeriodLockDate": earliest, "EndOfYearLockDate": null}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let s = w.sync(true).await;
    assert!(s.counters.dead_lettered >= 1, "{s:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ledgerbridge"))
        .args(["jobs", "dead", "--json", "--config"])
        .arg(&w.config_path)
        .output()
        .unwrap();
    let dead: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: Vec<String> = dead
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reason"].as_str().unwrap_or("").to_lowercase())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("lock")),
        "a dead letter names the lock date: {reasons:?}"
    );
}
