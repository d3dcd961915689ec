//! Webhooks v2: registration through `POST /v1/webhooks`, one change → one
//! POST with the registered Basic credentials and `meta`/`data`/`previous`,
//! retries on non-2xx arriving as duplicates, and the webhook
//! `--webhook-url`/`--webhook-secret` registers at start.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Receiver, eventually, opts, start};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

#[tokio::test]
async fn registered_webhooks_get_one_post_per_change_with_basic_credentials() {
    let (rx, url) = Receiver::start(vec![]).await;
    let env = start(opts(10)).await;
    let (status, hook) = env
        .send_json(
            Method::POST,
            "/v1/webhooks",
            &json!({"subscription_url": url, "event_action": "*", "event_object": "deal", "name": "sync",
                    "http_auth_user": "pd", "http_auth_password": "s3cret", "version": "2.0"}),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let hook_id = hook["data"]["id"].as_i64().unwrap();
    assert_eq!(hook["data"]["is_active"], 1);

    let (_, created) = env
        .send_json(
            Method::POST,
            "/api/v2/deals",
            &json!({"title": "Hooked", "value": 10}),
        )
        .await;
    let id = created["data"]["id"].as_i64().unwrap();
    env.send_json(
        Method::PATCH,
        &format!("/api/v2/deals/{id}"),
        &json!({"title": "Hooked again"}),
    )
    .await;
    // a person change does not reach a deal-only webhook
    env.send_json(
        Method::PATCH,
        "/api/v2/persons/1",
        &json!({"name": "Someone Else"}),
    )
    .await;
    env.send_json(Method::DELETE, &format!("/api/v2/deals/{id}"), &json!(null))
        .await;

    // events are queued before each call answers: exactly one per deal change
    assert_eq!(env.handle.webhook_events(), 3, "one change, one webhook");
    eventually(Duration::from_secs(10), "three deliveries", || {
        rx.received().len() >= 3
    })
    .await;
    let mut got = rx.received();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got.iter()
            .all(|r| r.authorization.as_deref() == Some(basic("pd", "s3cret").as_str()))
    );
    // deliveries run side by side, as Pipedrive's do: order them by action
    let rank = |r: &common::Received| {
        ["create", "change", "delete"]
            .iter()
            .position(|a| r.body["meta"]["action"] == *a)
    };
    got.sort_by_key(|r| rank(r));
    assert!(got.iter().all(|r| rank(r).is_some()));
    for r in &got {
        let meta = &r.body["meta"];
        assert_eq!(meta["entity"], "deal");
        assert_eq!(meta["entity_id"], id.to_string());
        assert_eq!(meta["webhook_id"], hook_id.to_string());
        assert_eq!(meta["attempt"], 1);
        assert_eq!(meta["version"], "2.0");
    }
    assert_eq!(got[0].body["data"]["title"], "Hooked");
    assert!(got[0].body["previous"].is_null());
    assert_eq!(got[1].body["data"]["title"], "Hooked again");
    assert_eq!(
        got[1].body["previous"],
        json!({"title": "Hooked"}),
        "only the changed field"
    );
    assert!(got[2].body["data"].is_null());
    assert_eq!(got[2].body["previous"]["title"], "Hooked again");

    // listed with its last delivery, deleted with DELETE
    let (_, list) = env.get_json("/v1/webhooks").await;
    assert_eq!(list["data"][0]["last_http_status"], 200);
    let (status, _) = env
        .send_json(
            Method::DELETE,
            &format!("/v1/webhooks/{hook_id}"),
            &json!(null),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = env
        .send_json(
            Method::DELETE,
            &format!("/v1/webhooks/{hook_id}"),
            &json!(null),
        )
        .await;
    assert_eq!((status, body["success"].clone()), (404, json!(false)));
    env.assert_no_violations();
}

#[tokio::test]
async fn non_2xx_answers_are_retried_as_duplicates() {
    let (rx, url) = Receiver::start(vec![500, 503]).await;
    // retries after 3 s and 30 s, shortened 1000 times
    let env = start(SimOptions {
        rate_scale: 1000.0,
        webhook_url: Some(url),
        webhook_secret: Some("user:pass".into()),
        ..opts(5)
    })
    .await;
    env.send_json(
        Method::PATCH,
        "/api/v2/organizations/1",
        &json!({"name": "Renamed Ltd"}),
    )
    .await;
    eventually(Duration::from_secs(10), "the third attempt", || {
        rx.received().len() >= 3
    })
    .await;
    let got = rx.received();
    let first: &Value = &got[0].body;
    for (i, r) in got.iter().enumerate() {
        assert_eq!(
            r.body["meta"]["id"], first["meta"]["id"],
            "the same event every time"
        );
        assert_eq!(r.body["meta"]["attempt"], i as u64 + 1);
        assert_eq!(r.body["data"], first["data"]);
        assert_eq!(
            r.authorization.as_deref(),
            Some(basic("user", "pass").as_str())
        );
    }
    assert_eq!(first["meta"]["entity"], "organization");
    assert_eq!(first["data"]["name"], "Renamed Ltd");
    assert!(first["previous"]["name"].is_string());
    assert_eq!(env.handle.webhook_attempts(), 3);
    env.assert_no_violations();
}

#[tokio::test]
async fn the_startup_webhook_is_registered_for_everything() {
    let (rx, url) = Receiver::start(vec![]).await;
    let env = start(SimOptions {
        webhook_url: Some(url.clone()),
        webhook_secret: Some("ledger:bridge".into()),
        ..opts(5)
    })
    .await;
    let (_, list) = env.get_json("/v1/webhooks").await;
    let hooks = list["data"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        (
            hooks[0]["event_action"].clone(),
            hooks[0]["event_object"].clone()
        ),
        (json!("*"), json!("*"))
    );
    assert_eq!(hooks[0]["subscription_url"], url.as_str());
    assert_eq!(hooks[0]["http_auth_user"], "ledger");
    let export = env.export();
    assert_eq!(export["webhooks"].as_array().unwrap().len(), 1);

    env.send_json(
        Method::POST,
        "/v1/notes",
        &json!({"content": "<p>hi</p>", "person_id": 1}),
    )
    .await;
    env.send_json(
        Method::POST,
        "/api/v2/activities",
        &json!({"subject": "Call", "type": "call", "deal_id": 1}),
    )
    .await;
    eventually(Duration::from_secs(10), "two deliveries", || {
        rx.received().len() >= 2
    })
    .await;
    let mut entities: Vec<String> = rx
        .received()
        .iter()
        .map(|r| r.body["meta"]["entity"].as_str().unwrap().to_string())
        .collect();
    entities.sort();
    assert_eq!(entities, ["activity", "note"]);
    env.assert_no_violations();
}

#[tokio::test]
async fn registration_is_checked() {
    let env = start(opts(1)).await;
    let (status, body) = env
        .send_json(
            Method::POST,
            "/v1/webhooks",
            &json!({"subscription_url": "not a url", "event_action": "*", "event_object": "*", "name": "x"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["success"], false);
    assert!(body["errors"]["subscription_url"].is_array());
    env.assert_no_violations();
}
