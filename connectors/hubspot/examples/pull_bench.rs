//! Measures the full-pull rate against the in-process simulator with rate
//! limits off: `cargo run --release -p ledgerbridge-hubspot --example pull_bench --features sim [deals]`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use ledgerbridge_hubspot::{HubSpotClient, HubSpotConfig, HubSpotSource, StaticBearer};
use ledgerbridge_sdk::CrmSource;
use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::sim::SimOptions;
use secrecy::SecretString;

#[tokio::main]
async fn main() {
    let deals: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let opts = SimOptions {
        deals,
        token: Some("bench".into()),
        rate_limits: false,
        ..SimOptions::default()
    };
    let (sim, _handle) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", opts)
        .await
        .expect("simulator starts");
    println!("seeded {deals} deals in {:.2}s", t.elapsed().as_secs_f64());
    let cfg = HubSpotConfig {
        base_url: sim.base_url.clone(),
        search_settle: Duration::ZERO,
        pace: false,
        ..HubSpotConfig::default()
    };
    let client = HubSpotClient::new(
        cfg,
        Arc::new(StaticBearer(SecretString::from("bench".to_string()))),
    )
    .expect("client");
    let src = HubSpotSource::new(Arc::new(client));
    let t = Instant::now();
    let n = src
        .list_changed(CrmObject::Deal, None)
        .try_fold(0usize, |n, page| async move { Ok(n + page.records.len()) })
        .await
        .expect("pull succeeds");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "pulled {n} deals (with associations and line items) in {secs:.2}s: {:.0} records/s, {} API calls",
        n as f64 / secs,
        src.client().calls()
    );
}
