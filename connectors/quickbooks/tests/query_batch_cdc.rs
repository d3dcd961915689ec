//! The query language (both spellings), batch, requestid replay and change data capture.

mod common;

use common::{Env, customer, fault_code, invoice, start};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn a_customer(env: &Env, name: &str) -> String {
    env.create("Customer", customer(name)).await["Id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn get_query(env: &Env, q: &str) -> (StatusCode, Value) {
    let url = format!(
        "{}?minorversion=75&query={}",
        env.url("query"),
        url_escape(q)
    );
    let resp = env
        .http
        .get(url)
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    common::Schema::get().assert_valid("IntuitResponse", &v);
    (status, v)
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn queries_answer_by_post_text_and_by_get_with_lowercase_names() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Query Inc").await;
    for doc in ["Q-1", "Q-2", "Q-3"] {
        env.create("Invoice", invoice(&c, doc)).await;
    }
    let (s, v) = env
        .query("SELECT * FROM Invoice WHERE DocNumber = 'Q-2'")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["QueryResponse"]["Invoice"].as_array().unwrap().len(), 1);
    assert_eq!(v["QueryResponse"]["Invoice"][0]["DocNumber"], "Q-2");
    assert_eq!(v["QueryResponse"]["startPosition"], 1);

    let (s, v) = get_query(&env, "select * from invoice where DocNumber in ('Q-1', 'Q-3') orderby DocNumber desc startposition 1 maxresults 1000").await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    let docs: Vec<&str> = v["QueryResponse"]["Invoice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["DocNumber"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["Q-3", "Q-1"]);

    let (_, v) = env
        .query(&format!(
            "select count(*) from Invoice where CustomerRef = '{c}'"
        ))
        .await;
    assert_eq!(v["QueryResponse"]["totalCount"], 3);
    let (_, v) = env
        .query("select * from Invoice startposition 2 maxresults 1")
        .await;
    assert_eq!(v["QueryResponse"]["Invoice"][0]["DocNumber"], "Q-2");
    assert_eq!(v["QueryResponse"]["maxResults"], 1);
    let (_, v) = env
        .query("select * from Invoice where DocNumber = 'none'")
        .await;
    assert_eq!(
        v["QueryResponse"],
        json!({}),
        "no match is an empty QueryResponse"
    );
    let (_, v) = env
        .query("select * from Customer where DisplayName like 'Query%'")
        .await;
    assert_eq!(v["QueryResponse"]["Customer"][0]["Id"], c);
    let since = "2000-01-01T00:00:00-08:00";
    let (_, v) = env.query(&format!("select * from Invoice where MetaData.LastUpdatedTime >= '{since}' orderby MetaData.LastUpdatedTime")).await;
    assert_eq!(v["QueryResponse"]["Invoice"].as_array().unwrap().len(), 3);

    let (s, v) = env.query("select * from Invoice maxresults 1001").await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "4001"));
    let (s, v) = get_query(&env, "select * form Invoice").await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "4000"));
}

fn item(bid: &str, entity: &str, body: Value) -> Value {
    json!({"bId": bid, "operation": "create", entity: body})
}

#[tokio::test]
async fn a_batch_answers_each_item_with_its_object_or_its_fault_in_one_200() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Batch Inc").await;
    let body = json!({"BatchItemRequest": [
        item("1", "Invoice", invoice(&c, "B-1")),
        item("2", "Invoice", invoice(&c, "B-1")),
        item("3", "Customer", customer("Batch Inc")),
        {"bId": "4", "Query": "select * from Invoice where DocNumber = 'B-1'"},
        item("5", "Customer", customer("Batch New")),
    ]});
    let (s, v) = env.batch("", &body).await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    let items = v["BatchItemResponse"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["bId"], "1");
    assert_eq!(items[0]["Invoice"]["DocNumber"], "B-1");
    assert_eq!(
        fault_code(&items[1]),
        "6140",
        "items run in order: the second B-1 is a duplicate"
    );
    assert_eq!(fault_code(&items[2]), "6240");
    assert_eq!(
        items[3]["QueryResponse"],
        json!({}),
        "a query does not see the batch's own writes"
    );
    assert_eq!(items[4]["Customer"]["DisplayName"], "Batch New");

    let thirty: Vec<Value> = (0..30)
        .map(|i| json!({"bId": i.to_string(), "Query": "select * from Item"}))
        .collect();
    let (s, _) = env.batch("", &json!({"BatchItemRequest": thirty})).await;
    assert_eq!(s, StatusCode::OK);
    let over: Vec<Value> = (0..31)
        .map(|i| json!({"bId": i.to_string(), "Query": "select * from Item"}))
        .collect();
    let (s, v) = env.batch("", &json!({"BatchItemRequest": over})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["Fault"].is_object());
    env.assert_export_valid();
}

#[tokio::test]
async fn a_repeated_requestid_replays_the_first_response() {
    let env = start(SimOptions::default()).await;
    let c = a_customer(&env, "Replay Inc").await;
    let (s1, v1) = env
        .post("Invoice", "requestid=inv-7f3a", &invoice(&c, "R-1"))
        .await;
    assert_eq!(s1, StatusCode::OK);
    let (s2, v2) = env
        .post("Invoice", "requestid=inv-7f3a", &invoice(&c, "R-1"))
        .await;
    assert_eq!(
        (s2, &v2),
        (s1, &v1),
        "the same answer, not a 6140 and not a second invoice"
    );
    let (_, count) = env
        .query("select count(*) from Invoice where DocNumber = 'R-1'")
        .await;
    assert_eq!(count["QueryResponse"]["totalCount"], 1);

    let fifty = "x".repeat(50);
    let (s, _) = env
        .post(
            "Invoice",
            &format!("requestid={fifty}"),
            &invoice(&c, "R-2"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = env
        .post(
            "Invoice",
            &format!("requestid={fifty}y"),
            &invoice(&c, "R-3"),
        )
        .await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2050"));

    let batch = json!({"BatchItemRequest": [item("1", "Invoice", invoice(&c, "R-4"))]});
    let (_, b1) = env
        .batch(&format!("requestid={}", "b".repeat(36)), &batch)
        .await;
    let (_, b2) = env
        .batch(&format!("requestid={}", "b".repeat(36)), &batch)
        .await;
    assert_eq!(b1, b2);
    assert_eq!(b1["BatchItemResponse"][0]["Invoice"]["DocNumber"], "R-4");
    let (s, v) = env
        .batch(&format!("requestid={}", "b".repeat(37)), &batch)
        .await;
    assert_eq!(
        (s, fault_code(&v)),
        (StatusCode::BAD_REQUEST, "2050"),
        "at most 36 on a batch"
    );
}

#[tokio::test]
async fn change_data_capture_reports_changes_and_deletions_within_30_days() {
    let env = start(SimOptions::default()).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let c = a_customer(&env, "Changes Inc").await;
    let a = env.create("Invoice", invoice(&c, "CDC-1")).await;
    let b = env.create("Invoice", invoice(&c, "CDC-2")).await;
    env.post(
        "Invoice",
        "operation=delete",
        &json!({"Id": b["Id"], "SyncToken": "0"}),
    )
    .await;
    let since = before
        .with_timezone(&chrono::FixedOffset::east_opt(0).unwrap())
        .to_rfc3339();
    let (s, v) = env
        .get(&format!(
            "cdc?entities=Invoice,customer&changedSince={}",
            url_escape(&since)
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v:#}");
    let responses = v["CDCResponse"][0]["QueryResponse"].as_array().unwrap();
    let invoices = responses[0]["Invoice"].as_array().unwrap();
    assert_eq!(invoices.len(), 2);
    assert_eq!(invoices[0]["Id"], a["Id"]);
    assert_eq!(
        invoices[1],
        json!({"Id": b["Id"], "status": "Deleted", "domain": "QBO",
        "MetaData": invoices[1]["MetaData"]})
    );
    assert!(
        responses[1]["Customer"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["Id"] == c)
    );

    // a `+` of the offset that a client left unescaped arrives as a space
    let plus = format!("{}", before.format("%Y-%m-%dT%H:%M:%S+00:00"));
    let raw = format!("{}?entities=Invoice&changedSince={}", env.url("cdc"), plus);
    let v: Value = env
        .http
        .get(raw)
        .bearer_auth(&env.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let old = (chrono::Utc::now() - chrono::Duration::days(31))
        .format("%Y-%m-%d")
        .to_string();
    let (s, v) = env
        .get(&format!("cdc?entities=Invoice&changedSince={old}"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["Fault"]["Error"][0]["element"], "changedSince");
    let (s, v) = env.get("cdc?entities=Invoice").await;
    assert_eq!((s, fault_code(&v)), (StatusCode::BAD_REQUEST, "2020"));
}
