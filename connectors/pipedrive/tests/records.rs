//! Writes, auth, error bodies, deletion and the purge, the export and the
//! stats; every body checked against the spec.

mod common;

use std::time::Duration;

use common::{Env, TOKEN, eventually, opts, start};
use ledgerbridge_pipedrive::sim::PURGE_AFTER;
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};

async fn deal_field(env: &Env, name: &str) -> String {
    let (_, body) = env.get_json("/api/v2/dealFields?limit=500").await;
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_name"] == name)
        .unwrap()["field_code"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn auth_by_header_query_and_bearer_else_401() {
    let env = start(opts(10)).await;
    let ok = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(ok(env.get("/api/v2/deals/1").send().await.unwrap()), 200);
    let q = env
        .http
        .get(env.url(&format!("/api/v2/deals/1?api_token={TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ok(q), 200);
    let b = env
        .http
        .get(env.url("/api/v2/deals/1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok(b), 200);
    for r in [
        env.http
            .get(env.url("/api/v2/deals/1"))
            .send()
            .await
            .unwrap(),
        env.http
            .get(env.url("/api/v2/deals/1"))
            .header("x-api-token", "wrong")
            .send()
            .await
            .unwrap(),
        env.http
            .get(env.url("/v1/notes?api_token=wrong"))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            (body["success"].clone(), body["error"].clone()),
            (json!(false), json!("unauthorized access"))
        );
    }
    env.assert_no_violations();
}

#[tokio::test]
async fn create_patch_and_money_keep_exact_decimals() {
    let env = start(opts(10)).await;
    let paid = deal_field(&env, "Amount paid").await;
    let (status, created) = env
        .send_json(
            Method::POST,
            "/api/v2/deals",
            &json!({"title": "Exact money", "value": 1234.565, "currency": "EUR", "org_id": 1, "person_id": 2,
                    "custom_fields": {paid.clone(): {"value": 0.1, "currency": "EUR"}}}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["id"].as_i64().unwrap();
    assert_eq!(id, 11, "ids continue after the seeded ones");
    // the raw text keeps every digit (no float on the way)
    let raw = env
        .get(&format!("/api/v2/deals/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains("\"value\":1234.565"), "{raw}");
    assert!(
        raw.contains(&format!(
            "\"{paid}\":{{\"currency\":\"EUR\",\"value\":0.1}}"
        )),
        "{raw}"
    );

    let (status, won) = env
        .send_json(
            Method::PATCH,
            &format!("/api/v2/deals/{id}"),
            &json!({"status": "won", "stage_id": 3}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(won["data"]["status"], "won");
    assert!(won["data"]["won_time"].is_string() && won["data"]["close_time"].is_string());
    assert_eq!(
        won["data"]["title"], "Exact money",
        "patch leaves other fields alone"
    );

    // what the real API refuses
    for (body, needle) in [
        (json!({"title": "x", "currency": "euro"}), "currency"),
        (json!({"title": "x", "stage_id": 999}), "Stage with id 999"),
        (
            json!({"title": "x", "custom_fields": {"0000000000000000000000000000000000000000": 1}}),
            "Unknown custom field",
        ),
        (
            json!({"title": "x", "custom_fields": {paid.clone(): 12}}),
            "monetary",
        ),
    ] {
        let (status, err) = env.send_json(Method::POST, "/api/v2/deals", &body).await;
        assert_eq!(status, 400, "{body}");
        assert!(err["error"].as_str().unwrap().contains(needle), "{err}");
    }
    env.assert_no_violations();
}

#[tokio::test]
async fn a_body_the_spec_refuses_is_recorded_and_refused() {
    let env = start(opts(3)).await;
    if !env.strict {
        return;
    }
    // requests the spec itself forbids: the simulator refuses them too, and
    // strict mode records them (and nothing about its own answers)
    let (status, _) = env
        .send_json(Method::POST, "/api/v2/deals", &json!({"title": 42}))
        .await;
    assert_eq!(status, 400);
    let (status, err) = env
        .send_json(Method::POST, "/api/v2/deals", &json!({"value": 5}))
        .await;
    assert_eq!(
        (status, err["error"].clone()),
        (400, json!("\"title\" is required."))
    );
    let v = env.handle.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v.iter()
            .all(|v| v.direction == "request" && v.path == "/api/v2/deals"),
        "{v:?}"
    );
}

#[tokio::test]
async fn errors_have_pipedrives_shape_and_unknown_records_are_404() {
    let env = start(opts(10)).await;
    for path in [
        "/api/v2/deals/999",
        "/api/v2/deals/abc",
        "/api/v2/persons/999",
        "/api/v2/organizations/999",
        "/api/v2/activities/999",
        "/api/v2/products/999",
        "/api/v2/pipelines/9",
        "/api/v2/stages/99",
        "/v1/notes/999",
        "/api/v2/deals/999/products",
    ] {
        let (status, body) = env.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["additional_data", "data", "error", "error_info", "success"],
            "{path}"
        );
        assert_eq!(body["success"], false);
        assert!(body["data"].is_null() && body["additional_data"].is_null());
        assert!(body["error"].as_str().unwrap().ends_with("not found"));
    }
    let (status, body) = env
        .send_json(Method::PATCH, "/api/v2/deals/999", &json!({"title": "x"}))
        .await;
    assert_eq!((status, body["success"].clone()), (404, json!(false)));
    env.assert_no_violations();
}

#[tokio::test]
async fn deleted_deals_list_as_deleted_then_are_purged_after_30_scaled_days() {
    // 30 days shortened to about 200 ms
    let scale = PURGE_AFTER.as_secs_f64() / 0.2;
    let env = start(SimOptions {
        rate_scale: scale,
        ..opts(10)
    })
    .await;
    let (status, body) = env
        .send_json(Method::DELETE, "/api/v2/deals/4", &json!(null))
        .await;
    assert_eq!((status, body["data"]["id"].clone()), (200, json!(4)));
    let (_, all) = env.get_json("/api/v2/deals?limit=500").await;
    assert!(
        all["data"].as_array().unwrap().iter().all(|d| d["id"] != 4),
        "left out of the default list"
    );
    let (_, deleted) = env.get_json("/api/v2/deals?status=deleted").await;
    let deleted = deleted["data"].as_array().unwrap().clone();
    if !deleted.is_empty() {
        // still inside its 30 days: listed as deleted, readable with is_deleted
        assert_eq!(deleted[0]["id"], 4);
        assert_eq!(deleted[0]["is_deleted"], true);
    }
    let (status, _) = env
        .send_json(Method::DELETE, "/api/v2/deals/999", &json!(null))
        .await;
    assert_eq!(status, 404);
    let handle = env.handle.clone();
    eventually(Duration::from_secs(10), "the purge", || {
        let e: Value = serde_json::from_slice(&handle.export_json()).unwrap();
        e["deals"].as_array().unwrap().iter().all(|d| d["id"] != 4)
    })
    .await;
    let (status, _) = env.get_json("/api/v2/deals/4").await;
    assert_eq!(status, 404, "a purged deal is gone");
    let (_, deleted) = env.get_json("/api/v2/deals?status=deleted").await;
    assert!(deleted["data"].as_array().unwrap().is_empty());
    env.assert_no_violations();
}

#[tokio::test]
async fn a_deleted_deal_is_readable_until_purged() {
    let env = start(opts(10)).await;
    env.send_json(Method::DELETE, "/api/v2/deals/2", &json!(null))
        .await;
    let (status, body) = env.get_json("/api/v2/deals/2").await;
    assert_eq!(
        (status, body["data"]["is_deleted"].clone()),
        (200, json!(true))
    );
    let (_, deleted) = env.get_json("/api/v2/deals?status=deleted").await;
    assert_eq!(deleted["data"][0]["id"], 2);
    let (status, _) = env
        .send_json(Method::PATCH, "/api/v2/deals/2", &json!({"title": "x"}))
        .await;
    assert_eq!(status, 404, "a deleted deal takes no changes");
    env.assert_no_violations();
}

#[tokio::test]
async fn line_items_set_the_deal_value() {
    let env = start(opts(10)).await;
    let (_, created) = env
        .send_json(
            Method::POST,
            "/api/v2/deals",
            &json!({"title": "Lines", "currency": "GBP"}),
        )
        .await;
    let id = created["data"]["id"].as_i64().unwrap();
    for (price, qty, disc) in [
        (json!(19.99), json!(3), json!(0)),
        (json!(100), json!(2), json!(12.5)),
    ] {
        let (status, line) = env
            .send_json(
                Method::POST,
                &format!("/api/v2/deals/{id}/products"),
                &json!({"product_id": 1, "item_price": price, "quantity": qty, "discount": disc}),
            )
            .await;
        assert_eq!(status, 201, "{line}");
        assert_eq!(line["data"]["currency"], "GBP");
    }
    let raw = env
        .get(&format!("/api/v2/deals/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains("\"value\":234.97"), "59.97 + 175.00: {raw}");
    env.assert_no_violations();
}

#[tokio::test]
async fn export_and_stats_follow_the_contract() {
    let env = start(opts(40)).await;
    env.get("/api/v2/deals/1").send().await.unwrap();
    env.get("/api/v2/deals/2").send().await.unwrap();
    env.send(Method::PATCH, "/api/v2/deals/1", &json!({"title": "t"}))
        .send()
        .await
        .unwrap();
    let stats: Value = env
        .http
        .get(env.url("/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["calls"]["GET /api/v2/deals/{id}"], 2);
    assert_eq!(stats["calls"]["PATCH /api/v2/deals/{id}"], 1);
    assert_eq!(
        (stats["reads"].clone(), stats["writes"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(stats["rate_limited"], 0);
    assert_eq!(stats["faults"], 0);

    let export: Value = env
        .http
        .get(env.url("/_sim/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = export
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "activities",
            "deals",
            "notes",
            "organizations",
            "persons",
            "products",
            "webhooks"
        ]
    );
    assert_eq!(export["deals"].as_array().unwrap().len(), 40);
    assert_eq!(export["organizations"].as_array().unwrap().len(), 10);
    assert_eq!(export["persons"].as_array().unwrap().len(), 20);
    assert_eq!(export["deals"][0]["title"], "t");
    // the export is the wire shape: each deal validates as the GET of one deal would
    let (_, one) = env.get_json("/api/v2/deals/3").await;
    assert_eq!(export["deals"][2], one["data"]);
    env.assert_no_violations();
}
