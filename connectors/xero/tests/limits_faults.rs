//! Rate limits at Xero's real numbers with time scaled, and every fault kind.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use ledgerbridge_sdk::sim::SimOptions;
use ledgerbridge_sdk::{FinanceTarget, WriteItem};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_unplanned_429_at_real_limits_with_time_scaled() {
    // 60/min becomes 60 per 2 s; the day (5,000) becomes 167 calls per 48 min
    let opts = SimOptions {
        rate_limits: true,
        rate_scale: 30.0,
        ..Default::default()
    };
    let env = start(opts, true).await;
    let c = env
        .target
        .upsert_customers(&[WriteItem::create("c", customer(1))])
        .await
        .unwrap();
    let cid = c[0].result.as_ref().unwrap().target_id.clone();
    // 8 concurrent tasks, 120 calls in all: more than the minute allows and
    // more than 5 at once, so only the client's pacing keeps them under
    let mut tasks = Vec::new();
    let target = std::sync::Arc::new(env.target);
    for t in 0..8 {
        let target = target.clone();
        let cid = cid.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                if i % 3 == 0 {
                    let item = WriteItem::create(
                        format!("t{t}-{i}"),
                        invoice(&format!("RL-{t}-{i}"), &cid, "USD", "200"),
                    );
                    target.upsert_invoices(&[item]).await.unwrap()[0]
                        .result
                        .clone()
                        .unwrap();
                } else {
                    target.accounts().await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stats = env.handle.stats();
    assert_eq!(stats["rate_limited"], 0, "unplanned 429s: {stats}");
    assert!(stats["reads"].as_u64().unwrap() + stats["writes"].as_u64().unwrap() >= 122);
    let http = target.client().http().stats();
    assert_eq!(http.rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_5xx_resets_latency_and_429_bursts_without_duplicates() {
    let faults = "5xx=0.1,reset=0.08,latency=5ms,latency_p=0.2,burst429=15"
        .parse()
        .unwrap();
    let opts = SimOptions {
        rate_limits: false,
        faults,
        seed: 7,
        ..Default::default()
    };
    let env = start(opts, false).await;
    let mut cid = None;
    while cid.is_none() {
        if let Ok(out) = env
            .target
            .upsert_customers(&[WriteItem::create("c", customer(1))])
            .await
        {
            cid = Some(out[0].result.as_ref().unwrap().target_id.clone());
        }
    }
    let cid = cid.unwrap();
    // what the engine does: on a failed call, look the records up by
    // reference, then resend only the missing ones with the same keys
    let all: Vec<_> = (0..200)
        .map(|i| {
            WriteItem::create(
                format!("k{i}"),
                invoice(&format!("F-{i}"), &cid, "USD", "200"),
            )
        })
        .collect();
    let mut attempts = 0;
    for chunk in all.chunks(20) {
        loop {
            attempts += 1;
            assert!(attempts < 400, "never converged");
            let refs: Vec<String> = chunk.iter().map(|i| i.record.reference.clone()).collect();
            let Ok(found) = env.target.find_invoices(&refs).await else {
                continue;
            };
            let have: HashSet<_> = found.iter().filter_map(|f| f.reference.clone()).collect();
            let missing: Vec<_> = chunk
                .iter()
                .filter(|i| !have.contains(&i.record.reference))
                .cloned()
                .collect();
            if missing.is_empty() {
                break;
            }
            let _ = env.target.upsert_invoices(&missing).await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let export = env.export();
    let refs: Vec<&str> = export["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Reference"].as_str().unwrap())
        .collect();
    let unique: HashSet<_> = refs.iter().collect();
    assert_eq!(refs.len(), 200, "no duplicates");
    assert_eq!(unique.len(), 200, "none missing");
    let stats = env.handle.stats();
    assert!(
        stats["faults"].as_u64().unwrap() > 10,
        "faults were injected: {stats}"
    );
    env.assert_no_violations();
}
