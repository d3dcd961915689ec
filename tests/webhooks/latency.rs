//! A deal moved to closed-won in HubSpot has its invoice in Xero within 2 s (p95 over
//! 50 deals), driven by webhooks alone: no sync runs after the initial one.

use crate::live::{ALL_HOOKS, close_date_now, invoice_in, live, open_deals};
use serde_json::json;
use std::time::{Duration, Instant};

const EVENTS: usize = 50;
/// Deals moved together: the simulator's webhooks batch what changed at once.
const BURST: usize = 5;
const P95_LIMIT: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_won_deals_are_invoiced_within_two_seconds() {
    let l = live(160, "", ALL_HOOKS).await;
    let deals = open_deals(&l);
    assert!(
        deals.len() >= EVENTS,
        "only {} open deals seeded; need {EVENTS}",
        deals.len()
    );
    let pulls_before = l
        .scalar("SELECT COUNT(*) FROM job_log WHERE kind = 'pull'")
        .await;
    let mut latencies: Vec<Duration> = Vec::with_capacity(EVENTS);
    for burst in deals[..EVENTS].chunks(BURST) {
        // PATCH each deal; its clock starts when HubSpot has answered
        let mut started = Vec::new();
        for (id, won) in burst {
            assert!(l.invoice_of(id).is_none(), "deal {id} invoiced while open");
            l.w.hubspot_patch_deal(id, json!({"dealstage": won, "closedate": close_date_now()}))
                .await;
            started.push((id.clone(), Instant::now()));
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while !started.is_empty() {
            let export = l.w.xero_sim.export_json();
            let seen = Instant::now();
            started.retain(|(id, t0)| {
                if invoice_in(&export, id).is_some() {
                    latencies.push(seen - *t0);
                    false
                } else {
                    true
                }
            });
            assert!(
                Instant::now() < deadline,
                "no invoice after 15 s for deals {:?}",
                started.iter().map(|(id, _)| id).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).max(1) - 1];
    let (p50, p95, max) = (pct(0.50), pct(0.95), *latencies.last().unwrap());
    println!(
        "webhook latency, closed-won → invoice in Xero, {} deals in bursts of {BURST}: \
         p50 {p50:?}, p95 {p95:?}, max {max:?}",
        latencies.len()
    );
    assert_eq!(latencies.len(), EVENTS);
    assert!(p95 < P95_LIMIT, "p95 {p95:?} ≥ {P95_LIMIT:?}");
    // the webhooks did it: no pull ran after the initial sync
    assert_eq!(
        l.scalar("SELECT COUNT(*) FROM job_log WHERE kind = 'pull'")
            .await,
        pulls_before
    );
    l.stop().await;
}
