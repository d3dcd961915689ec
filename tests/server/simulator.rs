//! End to end: the HubSpot simulator's own signed webhooks land in the inbox.

use crate::support::*;
use ledgerbridge_sdk::sim::SimOptions;
use std::time::Duration;

#[tokio::test]
async fn a_delivery_from_the_hubspot_simulator_is_stored_with_its_job() {
    let s = TestServer::sqlite(None).await;
    let opts = SimOptions {
        token: Some("sim-token".into()),
        rate_limits: false,
        webhook_url: Some(s.url("/webhooks/hubspot")),
        webhook_secret: Some(HUBSPOT_SECRET.into()),
        deals: 4,
        ..SimOptions::default()
    };
    let (sim, handle) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", opts)
        .await
        .unwrap();
    let deal = handle.ids(ledgerbridge_hubspot::sim::ObjectType::Deals)[0];
    let r = s
        .http
        .patch(format!("{}/crm/v3/objects/deals/{deal}", sim.base_url))
        .bearer_auth("sim-token")
        .header("X-Sim-Change-Source", "CRM_UI")
        .json(&serde_json::json!({"properties": {"dealstage": "closedwon", "amount": "1234.50"}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // the simulator counts events once we answered 200; by then they are committed
    crate::common::wait_for(
        Duration::from_secs(10),
        "the simulator's webhooks",
        || async {
            let delivered = handle.webhooks_delivered() as i64;
            (delivered > 0 && s.inbox_rows().await == delivered).then_some(())
        },
    )
    .await;
    let rows = s.count("SELECT COUNT(*) FROM webhook_inbox WHERE connection = 'crm' AND event_type = 'deal.updated' AND job_id IS NOT NULL").await;
    assert_eq!(
        rows,
        s.inbox_rows().await,
        "property changes stored with their job"
    );
    let jobs = s.webhook_job_payloads().await;
    assert!(!jobs.is_empty());
    for j in &jobs {
        assert_eq!(j["object"], "deal");
        assert_eq!(j["record_ids"], serde_json::json!([deal.to_string()]));
    }
    s.stop().await;
}
