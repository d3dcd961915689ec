//! The simulator answers like HubSpot: status codes, error JSON, limits,
//! paging, search caps, rate-limit headers, OAuth and signed webhooks.
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use ledgerbridge_hubspot::sim::{self, SimHandle};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use serde_json::{Value, json};

const TOKEN: &str = "test-token";

async fn start(opts: SimOptions) -> (RunningSim, SimHandle) {
    sim::spawn(
        "127.0.0.1:0",
        SimOptions {
            token: Some(TOKEN.into()),
            ..opts
        },
    )
    .await
    .unwrap()
}

fn opts(deals: usize) -> SimOptions {
    SimOptions {
        deals,
        rate_limits: false,
        ..SimOptions::default()
    }
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(s: &RunningSim) -> Api {
        Api {
            base: s.base_url.clone(),
            http: reqwest::Client::new(),
        }
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
}

fn assert_hubspot_error(body: &Value, category: &str) {
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["category"], category, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let cid = body["correlationId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(cid).is_ok());
}

#[tokio::test]
async fn objects_by_name_and_type_id_with_string_properties() {
    let (s, _h) = start(opts(40)).await;
    let api = Api::new(&s);
    let (st, by_name) = api.get("/crm/v3/objects/deals").await;
    assert_eq!(st, 200);
    let (_, by_id) = api.get("/crm/v3/objects/0-3").await;
    assert_eq!(by_name["results"], by_id["results"]);
    let results = by_name["results"].as_array().unwrap();
    assert_eq!(results.len(), 10, "default limit is 10");
    let first = &results[0];
    for p in [
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "hs_object_id",
    ] {
        assert!(first["properties"].get(p).is_some(), "default property {p}");
    }
    for v in first["properties"].as_object().unwrap().values() {
        assert!(
            v.is_string() || v.is_null(),
            "property values are strings: {v}"
        );
    }
    assert!(first["id"].is_string() && first["archived"] == false);
    for (name, id) in [
        ("contacts", "0-1"),
        ("companies", "0-2"),
        ("products", "0-7"),
        ("line_items", "0-8"),
        ("notes", "0-46"),
        ("meetings", "0-47"),
        ("calls", "0-48"),
        ("emails", "0-49"),
    ] {
        let (a, x) = api.get(&format!("/crm/v3/objects/{name}?limit=3")).await;
        let (b, y) = api.get(&format!("/crm/v3/objects/{id}?limit=3")).await;
        assert_eq!((a, b), (200, 200));
        assert_eq!(x, y, "{name}");
        assert_eq!(x["results"].as_array().unwrap().len(), 3, "{name}");
    }
    // repeated and comma-joined properties
    let (_, p) = api.get("/crm/v3/objects/deals?limit=1&properties=dealname,deal_currency_code&properties=amount").await;
    let props = p["results"][0]["properties"].as_object().unwrap();
    for k in ["dealname", "deal_currency_code", "amount"] {
        assert!(props.contains_key(k));
    }
    assert!(!props.contains_key("dealstage"));
}

#[tokio::test]
async fn limit_bounds_paging_and_associations() {
    let (s, _h) = start(opts(300)).await;
    let api = Api::new(&s);
    for bad in ["0", "101", "-1", "x"] {
        let (st, body) = api.get(&format!("/crm/v3/objects/deals?limit={bad}")).await;
        assert_eq!(st, 400, "limit={bad}");
        assert_hubspot_error(&body, "VALIDATION_ERROR");
    }
    let mut after: Option<String> = None;
    let mut seen = 0;
    loop {
        let q = after
            .as_ref()
            .map(|a| format!("&after={a}"))
            .unwrap_or_default();
        let (st, page) = api
            .get(&format!(
                "/crm/v3/objects/deals?limit=100&associations=companies,line_items{q}"
            ))
            .await;
        assert_eq!(st, 200);
        seen += page["results"].as_array().unwrap().len();
        match page.pointer("/paging/next/after").and_then(Value::as_str) {
            Some(a) => after = Some(a.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 300);
    let (_, page) = api
        .get("/crm/v3/objects/deals?limit=100&associations=companies&associations=line_items")
        .await;
    let with = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d.pointer("/associations/companies/results/0/id").is_some())
        .count();
    assert!(with > 50);
    assert!(
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.pointer("/associations/line items/results/0/type")
                == Some(&json!("deal_to_line_item")))
    );
}

#[tokio::test]
async fn create_update_delete_and_validation_errors() {
    let (s, h) = start(opts(10)).await;
    let api = Api::new(&s);
    let (st, created) = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "New", "amount": 12.5, "deal_currency_code": "EUR"}}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    assert_eq!(created["properties"]["amount"], "12.5");
    let id = created["id"].as_str().unwrap().to_string();
    let (st, bad) = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"deal_currency_code": "XYZ"}}),
        )
        .await;
    assert_eq!(st, 400);
    assert_hubspot_error(&bad, "VALIDATION_ERROR");
    assert!(bad["message"].as_str().unwrap().contains("INVALID_OPTION"));
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("deal_currency_code")
    );
    let (st, bad) = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"ledgerbridge_nope": "1"}}),
        )
        .await;
    assert_eq!(st, 400);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("PROPERTY_DOESNT_EXIST")
    );
    // defining it makes it writable
    let (st, _) = api.post("/crm/v3/properties/deals", json!({"name": "ledgerbridge_nope", "label": "x", "type": "string", "fieldType": "text", "groupName": "dealinformation"})).await;
    assert_eq!(st, 201);
    let (st, again) = api
        .post(
            "/crm/v3/properties/deals",
            json!({"name": "ledgerbridge_nope", "type": "string"}),
        )
        .await;
    assert_eq!(st, 409);
    assert_hubspot_error(&again, "OBJECT_ALREADY_EXISTS");
    let (st, upd) = api.send(reqwest::Method::PATCH, &format!("/crm/v3/objects/deals/{id}"), json!({"properties": {"ledgerbridge_nope": "yes", "ledgerbridge_invoice_status": "PAID"}})).await;
    assert_eq!(st, 200, "{upd}");
    assert!(upd["updatedAt"].as_str() >= created["updatedAt"].as_str());
    let (st, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/crm/v3/objects/deals/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(st, 204);
    let (st, nf) = api.get(&format!("/crm/v3/objects/deals/{id}")).await;
    assert_eq!(st, 404);
    assert_hubspot_error(&nf, "OBJECT_NOT_FOUND");
    let (st, arch) = api
        .get(&format!("/crm/v3/objects/deals/{id}?archived=true"))
        .await;
    assert_eq!((st, arch["archived"].clone()), (200, json!(true)));
    let export = h.export();
    let exported = export["deals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == json!(id))
        .unwrap();
    assert_eq!(exported["archived"], true);
    for k in [
        "companies",
        "contacts",
        "deals",
        "line_items",
        "products",
        "calls",
        "emails",
        "meetings",
        "notes",
    ] {
        assert!(export[k].is_array(), "export key {k}");
    }
    let stats = h.stats();
    assert_eq!(stats["calls"]["DELETE /crm/v3/objects/deals/{id}"], 1);
    assert!(stats["writes"].as_u64().unwrap() >= 5);
}

#[tokio::test]
async fn batches_refuse_101_inputs_and_report_partial_failures() {
    let (s, h) = start(opts(20)).await;
    let api = Api::new(&s);
    let inputs: Vec<Value> = (0..101).map(|i| json!({"id": i.to_string()})).collect();
    for op in ["read", "create", "update", "upsert", "archive"] {
        let (st, body) = api
            .post(
                &format!("/crm/v3/objects/deals/batch/{op}"),
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(st, 400, "{op}");
        assert_hubspot_error(&body, "VALIDATION_ERROR");
    }
    let ids = h.ids(sim::ObjectType::Deals);
    let (st, body) = api
        .post("/crm/v3/objects/deals/batch/read", json!({"inputs": [{"id": ids[0].to_string()}, {"id": "1"}], "properties": ["dealname"]}))
        .await;
    assert_eq!(st, 207);
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(body["errors"][0]["context"]["ids"][0], "1");
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    // batch update: one timestamp for the whole batch
    let upd: Vec<Value> = ids[..5].iter().map(|id| json!({"id": id.to_string(), "properties": {"ledgerbridge_invoice_status": "AUTHORISED"}})).collect();
    let (st, body) = api
        .post("/crm/v3/objects/deals/batch/update", json!({"inputs": upd}))
        .await;
    assert_eq!(st, 200, "{body}");
    let stamps: std::collections::HashSet<String> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["updatedAt"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stamps.len(), 1);
    // batch create with trace ids answers 207 per input
    let (st, body) = api
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({"inputs": [
            {"properties": {"name": "ok"}, "objectWriteTraceId": "a"},
            {"properties": {"nope": "x"}, "objectWriteTraceId": "b"}]}),
        )
        .await;
    assert_eq!(st, 207, "{body}");
    assert_eq!(body["numErrors"], 1);
    // without trace ids one bad input fails the batch and writes nothing
    let before = h.ids(sim::ObjectType::Companies).len();
    let (st, _) = api
        .post(
            "/crm/v3/objects/companies/batch/create",
            json!({"inputs": [{"properties": {"name": "x"}}, {"properties": {"nope": "x"}}]}),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(h.ids(sim::ObjectType::Companies).len(), before);
    let (st, body) = api
        .post("/crm/v3/objects/contacts/batch/upsert", json!({"inputs": [{"id": "new@example.com", "idProperty": "email", "properties": {"firstname": "N"}}]}))
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["results"][0]["new"], true);
}

#[tokio::test]
async fn search_limits_operators_and_the_10000_cap() {
    let (s, _h) = start(opts(12_000)).await;
    let api = Api::new(&s);
    let f = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|_| json!({"propertyName": "amount", "operator": "HAS_PROPERTY"}))
            .collect()
    };
    let groups = |g: usize, per: usize| -> Value {
        json!(
            (0..g)
                .map(|_| json!({"filters": f(per)}))
                .collect::<Vec<_>>()
        )
    };
    for (g, per) in [(6, 1), (1, 11), (3, 9)] {
        let (st, body) = api
            .post(
                "/crm/v3/objects/deals/search",
                json!({"filterGroups": groups(g, per)}),
            )
            .await;
        assert_eq!(st, 400, "{g} groups of {per}");
        assert_hubspot_error(&body, "VALIDATION_ERROR");
    }
    let (st, _) = api
        .post(
            "/crm/v3/objects/deals/search",
            json!({"filterGroups": groups(5, 5)}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = api
        .post("/crm/v3/objects/deals/search", json!({"limit": 201}))
        .await;
    assert_eq!(st, 400);
    let (st, body) = api
        .post(
            "/crm/v3/objects/deals/search",
            json!({"limit": 200, "after": "9900"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(body["total"], 12_000);
    assert_eq!(
        body["results"].as_array().unwrap().len(),
        100,
        "never past the 10,000th result"
    );
    assert!(body.get("paging").is_none());
    let (st, body) = api
        .post("/crm/v3/objects/deals/search", json!({"after": "10000"}))
        .await;
    assert_eq!(st, 400);
    assert_hubspot_error(&body, "VALIDATION_ERROR");
    // operators
    let q = |filters: Value| json!({"filterGroups": [{"filters": filters}], "limit": 200, "properties": ["amount", "deal_currency_code", "dealstage"]});
    let (_, body) = api.post("/crm/v3/objects/deals/search", q(json!([{"propertyName": "deal_currency_code", "operator": "IN", "values": ["JPY", "BHD"]}]))).await;
    assert!(body["results"].as_array().unwrap().iter().all(|r| {
        ["JPY", "BHD"].contains(&r["properties"]["deal_currency_code"].as_str().unwrap())
    }));
    let (_, body) = api.post("/crm/v3/objects/deals/search", q(json!([{"propertyName": "amount", "operator": "BETWEEN", "value": "1000", "highValue": "2000"}]))).await;
    assert!(body["results"].as_array().unwrap().iter().all(|r| {
        let a: rust_decimal::Decimal = r["properties"]["amount"].as_str().unwrap().parse().unwrap();
        (rust_decimal::Decimal::from(1000)..=rust_decimal::Decimal::from(2000)).contains(&a)
    }));
    let (_, won) = api
        .post(
            "/crm/v3/objects/deals/search",
            q(json!([{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}])),
        )
        .await;
    let (_, not_won) = api
        .post(
            "/crm/v3/objects/deals/search",
            q(json!([{"propertyName": "dealstage", "operator": "NEQ", "value": "closedwon"}])),
        )
        .await;
    assert_eq!(
        won["total"].as_u64().unwrap() + not_won["total"].as_u64().unwrap(),
        12_000
    );
    let (_, paid) = api.post("/crm/v3/objects/deals/search", q(json!([{"propertyName": "ledgerbridge_crm_paid_date", "operator": "NOT_HAS_PROPERTY"}]))).await;
    assert!(paid["total"].as_u64().unwrap() > 0);
    // sorted by lastmodified, ascending and descending
    let (_, asc) = api.post("/crm/v3/objects/deals/search", json!({"sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}], "limit": 50})).await;
    let stamps: Vec<String> = asc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["properties"]["hs_lastmodifieddate"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]));
    let (st, _) = api
        .post(
            "/crm/v3/objects/deals/search",
            json!({"sorts": ["amount", "dealname"]}),
        )
        .await;
    assert_eq!(st, 400, "one sort per request");
}

#[tokio::test]
async fn associations_v4_and_pipelines() {
    let (s, h) = start(opts(50)).await;
    let api = Api::new(&s);
    let deals = h.ids(sim::ObjectType::Deals);
    let inputs: Vec<Value> = deals
        .iter()
        .map(|id| json!({"id": id.to_string()}))
        .collect();
    let (st, body) = api
        .post(
            "/crm/v4/associations/deals/companies/batch/read",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(st, 207, "some deals have no company");
    assert!(body["results"].as_array().unwrap().len() > 30);
    let first = &body["results"][0]["to"][0];
    assert!(first["toObjectId"].is_u64());
    let types: Vec<u64> = first["associationTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["typeId"].as_u64().unwrap())
        .collect();
    assert!(types.contains(&341) && types.contains(&5));
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": i.to_string()})).collect();
    let (st, _) = api
        .post(
            "/crm/v4/associations/deals/companies/batch/read",
            json!({"inputs": too_many}),
        )
        .await;
    assert_eq!(st, 400);
    let companies = h.ids(sim::ObjectType::Companies);
    let (st, _) = api
        .send(
            reqwest::Method::PUT,
            &format!(
                "/crm/v4/objects/deals/{}/associations/default/companies/{}",
                deals[0], companies[0]
            ),
            Value::Null,
        )
        .await;
    assert_eq!(st, 200);
    let (st, list) = api
        .get(&format!(
            "/crm/v4/objects/0-3/{}/associations/0-2",
            deals[0]
        ))
        .await;
    assert_eq!(st, 200);
    assert!(
        list["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["toObjectId"] == json!(companies[0]))
    );
    let (st, p) = api.get("/crm/v3/pipelines/deals").await;
    assert_eq!(st, 200);
    let pipelines = p["results"].as_array().unwrap();
    assert_eq!(pipelines.len(), 2);
    let won = pipelines[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "closedwon")
        .unwrap();
    assert_eq!(won["metadata"]["probability"], "1.0");
    assert_eq!(won["metadata"]["isClosed"], "true");
    assert!(won["displayOrder"].is_u64() && won["label"].is_string());
}

/// Calls in bursts that arrive together, until one is refused with 429 (or `max` calls
/// went by): how many calls a window lets through does not depend on how fast this
/// machine sends them one after another.
async fn burst_until_429(
    http: &reqwest::Client,
    send: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    max: usize,
) -> (Option<Value>, Vec<reqwest::Response>) {
    let mut sent = 0;
    let mut answers = Vec::new();
    while sent < max {
        let burst: Vec<_> = (0..50.min(max - sent)).map(|_| send(http).send()).collect();
        sent += burst.len();
        for r in futures::future::join_all(burst).await {
            let r = r.unwrap();
            if r.status() == 429 {
                return (Some(r.json::<Value>().await.unwrap()), answers);
            }
            answers.push(r);
        }
    }
    (None, answers)
}

#[tokio::test]
async fn auth_rate_limit_headers_and_429_body() {
    // Scale 5: a 2 s window of 190 calls, long enough to fill with bursts on a loaded
    // machine, short enough that the test does not wait for a 10 s window.
    let (s, _h) = start(SimOptions {
        deals: 5,
        rate_scale: 5.0,
        ..SimOptions::default()
    })
    .await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/crm/v3/objects/deals", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_hubspot_error(&r.json().await.unwrap(), "INVALID_AUTHENTICATION");
    let r = http
        .get(format!("{}/crm/v3/objects/deals", s.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert_eq!(h["x-hubspot-ratelimit-max"], "190");
    assert_eq!(
        h["x-hubspot-ratelimit-interval-milliseconds"], "2000",
        "10 s / 5"
    );
    assert_eq!(h["x-hubspot-ratelimit-remaining"], "189");
    assert!(h.contains_key("x-hubspot-ratelimit-daily-remaining"));
    let deals = format!("{}/crm/v3/objects/deals?limit=1", s.base_url);
    let (limited, _) = burst_until_429(&http, |c| c.get(&deals).bearer_auth(TOKEN), 2000).await;
    let body = limited.expect("190 calls per scaled window are enforced");
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    // search: 4 per second per token, no rate-limit headers
    let search = format!("{}/crm/v3/objects/deals/search", s.base_url);
    let (limited, answered) = burst_until_429(
        &http,
        |c| c.post(&search).bearer_auth(TOKEN).json(&json!({})),
        200,
    )
    .await;
    assert!(limited.is_some(), "the search limit is enforced");
    for r in &answered {
        assert!(!r.headers().contains_key("x-hubspot-ratelimit-remaining"));
    }
}

#[tokio::test]
async fn oauth_authorize_token_refresh_and_expiry() {
    let (s, _h) = start(SimOptions {
        deals: 3,
        rate_limits: false,
        rate_scale: 600.0,
        ..SimOptions::default()
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = "dBjftJeZ4CVP-mJ0kzQjGGUMKDgNqGY8rW1HqbSeg3I";
    let r = http
        .get(format!(
            "{}/oauth/authorize?client_id=app&redirect_uri=http://127.0.0.1:1/callback&scope=crm.objects.deals.read&state=xyz&code_challenge=qWeQquSpbb6a9v7muO4y4nnCascPeCQa9NVEADQLTcQ&code_challenge_method=S256",
            s.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code1 = q["code"].clone();
    let form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", "app"),
        ("client_secret", "s"),
        ("redirect_uri", "http://127.0.0.1:1/callback"),
        ("code", code1.as_str()),
        ("code_verifier", "nope"),
    ];
    let bad = http
        .post(format!("{}/oauth/v1/token", s.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // the failed attempt consumed the code, as a real server does: authorize again
    let r = http
        .get(format!("{}/oauth/authorize?client_id=app&redirect_uri=http://127.0.0.1:1/callback&code_challenge={}&code_challenge_method=S256", s.base_url, "qWeQquSpbb6a9v7muO4y4nnCascPeCQa9NVEADQLTcQ"))
        .send()
        .await
        .unwrap();
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let tok: Value = http
        .post(format!("{}/oauth/v1/token", s.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "app"),
            ("client_secret", "s"),
            ("redirect_uri", "http://127.0.0.1:1/callback"),
            ("code", &code),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tok["expires_in"], 3, "1800 s / 600");
    let access = tok["access_token"].as_str().unwrap();
    let r = http
        .get(format!("{}/crm/v3/objects/deals", s.base_url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = http
        .get(format!("{}/crm/v3/objects/deals", s.base_url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_hubspot_error(&r.json().await.unwrap(), "EXPIRED_AUTHENTICATION");
    let refreshed: Value = http
        .post(format!("{}/oauth/v1/token", s.base_url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "app"),
            ("client_secret", "s"),
            ("refresh_token", tok["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(
        refreshed["refresh_token"], tok["refresh_token"],
        "refresh tokens rotate"
    );
    let r = http
        .get(format!("{}/crm/v3/objects/deals", s.base_url))
        .bearer_auth(refreshed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        !r.headers().contains_key("x-hubspot-ratelimit-daily"),
        "no daily headers for OAuth calls"
    );
}

/// A receiver that records deliveries and fails the first one with 503.
async fn receiver() -> (RunningSim, Arc<Mutex<Vec<(HeaderMap, Bytes)>>>) {
    let got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>> = Arc::default();
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let g = g.clone();
            async move {
                let mut v = g.lock().unwrap();
                v.push((headers, body));
                if v.len() == 1 {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let l = ledgerbridge_sdk::sim::bind("127.0.0.1:0").await.unwrap();
    (ledgerbridge_sdk::sim::spawn(l, app), got)
}

#[tokio::test]
async fn webhooks_are_signed_batched_and_retried() {
    let (rx, got) = receiver().await;
    let url = format!("{}/hooks", rx.base_url);
    let (s, h) = start(SimOptions {
        deals: 5,
        rate_limits: false,
        rate_scale: 100.0,
        webhook_url: Some(url.clone()),
        webhook_secret: Some("shh".into()),
        ..SimOptions::default()
    })
    .await;
    let api = Api::new(&s);
    let id = h.ids(sim::ObjectType::Deals)[0];
    let (st, _) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/crm/v3/objects/deals/{id}"),
            json!({"properties": {"dealstage": "closedwon", "amount": "99"}}),
        )
        .await;
    assert_eq!(st, 200);
    for _ in 0..100 {
        if h.webhooks_delivered() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = got.lock().unwrap();
    assert!(
        got.len() >= 2,
        "first delivery failed with 503 and was retried"
    );
    let (headers, body) = got.last().unwrap();
    let ts = headers["x-hubspot-request-timestamp"].to_str().unwrap();
    let sig = headers["x-hubspot-signature-v3"].to_str().unwrap();
    assert_eq!(sig, sim::sign_v3("shh", "POST", &url, body, ts));
    let events: Vec<Value> = serde_json::from_slice(body).unwrap();
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e["subscriptionType"] == "deal.propertyChange" && e["objectId"] == json!(id))
    );
    assert!(
        events
            .iter()
            .all(|e| e["changeSource"] == "INTEGRATION" && e["attemptNumber"] == 1)
    );
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["propertyName"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"dealstage") && names.contains(&"amount"));
}

/// Every standard object type answers like HubSpot (properties, listing, search,
/// by name and by objectTypeId), as a schema-discovering client walks them; only an
/// unknown type is "Unable to infer object type".
#[tokio::test]
async fn every_standard_object_type_answers() {
    let (s, _h) = start(opts(40)).await;
    let api = Api::new(&s);
    for (name, id, property) in [
        ("tasks", "0-27", "hs_task_subject"),
        ("tickets", "0-5", "subject"),
        ("communications", "0-18", "hs_communication_channel_type"),
        ("quotes", "0-14", "hs_title"),
        ("leads", "0-136", "hs_lead_name"),
        ("postal_mail", "0-116", "hs_postal_mail_body"),
        ("goal_targets", "0-74", "hs_goal_name"),
        ("feedback_submissions", "0-19", "hs_survey_name"),
    ] {
        for t in [name, id] {
            let (code, props) = api.get(&format!("/crm/v3/properties/{t}")).await;
            assert_eq!(code, 200, "{t}: {props}");
            let names: Vec<&str> = props["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect();
            for p in [property, "hs_object_id", "hs_lastmodifieddate"] {
                assert!(names.contains(&p), "{t} lacks {p}: {names:?}");
            }
            let (code, list) = api.get(&format!("/crm/v3/objects/{t}?limit=5")).await;
            assert_eq!(code, 200, "{t}: {list}");
            assert!(list["results"].is_array(), "{t}: {list}");
            let (code, found) = api
                .post(
                    &format!("/crm/v3/objects/{t}/search"),
                    json!({"limit": 5, "properties": [property]}),
                )
                .await;
            assert_eq!(code, 200, "{t} search: {found}");
            assert!(found["total"].is_number(), "{t}: {found}");
        }
    }
    // tasks are seeded like the other engagements: a quarter of the deals' count
    let (_, tasks) = api
        .get("/crm/v3/objects/tasks?limit=100&properties=hs_task_subject,hs_task_status&associations=deals")
        .await;
    let tasks = tasks["results"].as_array().unwrap();
    assert_eq!(tasks.len(), 10);
    for t in tasks {
        assert!(t["properties"]["hs_task_subject"].is_string(), "{t}");
        assert!(t["properties"]["hs_task_status"].is_string(), "{t}");
        assert!(
            t["associations"]["deals"]["results"][0]["id"].is_string(),
            "{t}"
        );
    }
    let (_, found) = api
        .post(
            "/crm/v3/objects/tasks/search",
            json!({"filterGroups": [{"filters": [
                {"propertyName": "hs_task_status", "operator": "EQ", "value": "COMPLETED"}
            ]}], "properties": ["hs_task_status"], "limit": 100}),
        )
        .await;
    let done = found["results"].as_array().unwrap();
    assert!(!done.is_empty() && done.len() < 10, "{found}");
    assert!(
        done.iter()
            .all(|t| t["properties"]["hs_task_status"] == "COMPLETED")
    );
    let (code, err) = api.get("/crm/v3/objects/widgets").await;
    assert_eq!(code, 400);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("Unable to infer object type"),
        "{err}"
    );
}

/// `/crm/v3/owners`: everyone a record is assigned to, in HubSpot's shape, paged.
#[tokio::test]
async fn owners_are_the_records_hubspot_owner_ids() {
    let (s, _h) = start(opts(60)).await;
    let api = Api::new(&s);
    let (code, page) = api.get("/crm/v3/owners").await;
    assert_eq!(code, 200, "{page}");
    let owners = page["results"].as_array().unwrap();
    assert!(page.get("paging").is_none(), "one page: {page}");
    for o in owners {
        for k in [
            "id",
            "email",
            "firstName",
            "lastName",
            "createdAt",
            "updatedAt",
        ] {
            assert!(o[k].is_string(), "{k}: {o}");
        }
        assert!(o["userId"].is_u64() && o["archived"] == false, "{o}");
        assert!(o["teams"].is_array(), "{o}");
    }
    let ids: Vec<&str> = owners.iter().filter_map(|o| o["id"].as_str()).collect();
    let (_, deals) = api
        .get("/crm/v3/objects/deals?limit=100&properties=hubspot_owner_id")
        .await;
    for d in deals["results"].as_array().unwrap() {
        let owner = d["properties"]["hubspot_owner_id"].as_str().unwrap();
        assert!(ids.contains(&owner), "deal owner {owner} is not in /owners");
    }
    // paging, one owner by id and by user id, by e-mail
    let (_, first) = api.get("/crm/v3/owners?limit=3").await;
    assert_eq!(first["results"].as_array().unwrap().len(), 3);
    let after = first["paging"]["next"]["after"].as_str().unwrap();
    let (_, rest) = api
        .get(&format!("/crm/v3/owners?limit=100&after={after}"))
        .await;
    assert_eq!(
        first["results"].as_array().unwrap().len() + rest["results"].as_array().unwrap().len(),
        owners.len()
    );
    let one = &owners[1];
    let (code, by_id) = api
        .get(&format!("/crm/v3/owners/{}", one["id"].as_str().unwrap()))
        .await;
    assert_eq!((code, &by_id), (200, one));
    let (code, by_user) = api
        .get(&format!(
            "/crm/v3/owners/{}?idProperty=userId",
            one["userId"]
        ))
        .await;
    assert_eq!((code, &by_user), (200, one));
    let email = one["email"].as_str().unwrap();
    let (_, by_email) = api.get(&format!("/crm/v3/owners?email={email}")).await;
    assert_eq!(by_email["results"].as_array().unwrap(), &vec![one.clone()]);
    let (code, _) = api.get("/crm/v3/owners/1").await;
    assert_eq!(code, 404);
}
