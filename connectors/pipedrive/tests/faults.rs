//! Injected faults (`--faults`): 5xx in Pipedrive's error shape, bursts of
//! 429 with the rate-limit headers, and connections cut after the write.

mod common;

use common::{opts, start};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn server_errors_and_429_bursts_in_pipedrives_shape() {
    let env = start(SimOptions {
        faults: "5xx=1".parse().unwrap(),
        ..opts(3)
    })
    .await;
    let r = env.get("/api/v2/deals").send().await.unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["error"].is_string() && body["error_info"].is_string());

    let env = start(SimOptions {
        faults: "burst429=4".parse().unwrap(),
        ..opts(3)
    })
    .await;
    let mut statuses = vec![];
    for _ in 0..8 {
        let r = env.get("/api/v2/deals/1").send().await.unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
            assert!(r.headers().contains_key("retry-after"));
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429, 200, 429]);
    assert_eq!(env.handle.stats()["faults"], 4);
    env.assert_no_violations();
}

#[tokio::test]
async fn a_reset_connection_still_made_the_write() {
    let env = start(SimOptions {
        faults: "reset=1".parse().unwrap(),
        ..opts(3)
    })
    .await;
    let sent = env
        .send(
            Method::PATCH,
            "/api/v2/deals/1",
            &json!({"title": "Written anyway"}),
        )
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "the client never sees the answer");
    let export = env.export();
    assert_eq!(export["deals"][0]["title"], "Written anyway");
}
