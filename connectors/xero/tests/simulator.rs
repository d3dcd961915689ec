//! The simulator's wire behaviour seen with a plain HTTP client.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use ledgerbridge_sdk::sim::SimOptions;
use ledgerbridge_xero::sim;
use serde_json::{Value, json};

async fn start(
    opts: SimOptions,
) -> (
    ledgerbridge_sdk::sim::RunningSim,
    sim::SimHandle,
    reqwest::Client,
) {
    let opts = SimOptions {
        token: Some("t".into()),
        rate_limits: false,
        ..opts
    };
    let (s, h) = sim::spawn("127.0.0.1:0", opts).await.unwrap();
    h.set_strict(true);
    (
        s,
        h,
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    )
}

fn api(
    base: &str,
    tenant: &str,
    c: &reqwest::Client,
    m: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    c.request(m, format!("{base}/api.xro/2.0{path}"))
        .bearer_auth("t")
        .header("xero-tenant-id", tenant)
}

#[tokio::test]
async fn auth_tenant_envelope_and_errors() {
    let (s, h, c) = start(SimOptions::default()).await;
    let tenant = h.tenant_id().to_string();
    let r = c
        .get(format!("{}/api.xro/2.0/Accounts", s.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(format!("{}/api.xro/2.0/Accounts", s.base_url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let conns: Value = c
        .get(format!("{}/connections", s.base_url))
        .bearer_auth("t")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conns[0]["tenantId"], tenant);
    let body: Value = api(
        &s.base_url,
        &tenant,
        &c,
        reqwest::Method::GET,
        "/Organisation",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(body["Status"], "OK");
    assert!(body["DateTimeUTC"].as_str().unwrap().starts_with("/Date("));
    assert_eq!(body["Organisations"][0]["BaseCurrency"], "USD");

    // without summarizeErrors=false one bad item fails the batch and nothing is saved
    let inv = |acct: &str| {
        json!({"Type": "ACCREC", "Contact": {"Name": "Acme"}, "Date": "2025-05-01", "Status": "AUTHORISED",
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10.005, "AccountCode": acct}]})
    };
    let r = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Invoices")
        .json(&json!({"Invoices": [inv("200"), inv("999")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["ErrorNumber"].as_i64(), e["Type"].as_str()),
        (Some(10), Some("ValidationException"))
    );
    assert!(
        e["Elements"][0]["ValidationErrors"][0]["Message"]
            .as_str()
            .unwrap()
            .contains("'999'")
    );
    let body = String::from_utf8(h.export_json()).unwrap();
    assert!(body.contains("\"Invoices\":[]"), "rolled back");
    // the money text is exact: 10.005 rounds to 10.01 (unitdp 2), tax 15 % = 1.50
    let r = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Invoices")
        .json(&json!({"Invoices": [inv("200")]}))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("\"Total\":11.51"), "{text}");
    assert!(text.contains("\"InvoiceNumber\":\"INV-0001\""));
    // 51 items are refused
    let many: Vec<Value> = (0..51).map(|_| inv("200")).collect();
    let r = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Invoices")
        .json(&json!({"Invoices": many}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // budgets are read-only
    let r = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Budgets")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // payments on a draft are refused
    let mut draft = inv("200");
    draft["Status"] = json!("DRAFT");
    let r: Value = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Invoices")
        .json(&json!({"Invoices": [draft]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = r["Invoices"][0]["InvoiceID"].as_str().unwrap().to_string();
    let r: Value = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Payments?summarizeErrors=false")
        .json(&json!({"Payments": [{"Invoice": {"InvoiceID": id}, "Account": {"Code": "090"}, "Amount": 1}]}))
        .send().await.unwrap().json().await.unwrap();
    assert_eq!(
        r["Payments"][0]["ValidationErrors"][0]["Message"],
        "Payments can only be made against Authorised documents"
    );
    // a draft can be deleted, not voided
    let r: Value = api(
        &s.base_url,
        &tenant,
        &c,
        reqwest::Method::POST,
        &format!("/Invoices/{id}?summarizeErrors=false"),
    )
    .json(&json!({"Invoices": [{"InvoiceID": id, "Status": "VOIDED"}]}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["Invoices"][0]["HasErrors"], true);
    let r: Value = api(
        &s.base_url,
        &tenant,
        &c,
        reqwest::Method::POST,
        &format!("/Invoices/{id}"),
    )
    .json(&json!({"Invoices": [{"InvoiceID": id, "Status": "DELETED"}]}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["Invoices"][0]["Status"], "DELETED");
    let v = h.violations();
    assert!(v.is_empty(), "{v:?}");
}

#[tokio::test]
async fn oauth_code_refresh_rotation_and_expire_fault() {
    let opts = SimOptions {
        faults: "expire=5".parse().unwrap(),
        ..Default::default()
    };
    let (s, h, c) = start(opts).await;
    let r = c
        .get(format!("{}/identity/connect/authorize?response_type=code&client_id=x&redirect_uri=http://127.0.0.1:1/cb&state=S1&scope=offline_access", s.base_url))
        .send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "S1");
    let tok = |form: Vec<(&str, String)>| {
        c.post(format!("{}/connect/token", s.base_url))
            .basic_auth("id", Some("secret"))
            .form(&form)
            .send()
    };
    let t: Value = tok(vec![
        ("grant_type", "authorization_code".into()),
        ("code", q["code"].clone()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(t["expires_in"], 1800);
    let access = t["access_token"].as_str().unwrap().to_string();
    let tenant = h.tenant_id().to_string();
    let call = |tok: String| {
        c.get(format!("{}/api.xro/2.0/Currencies", s.base_url))
            .bearer_auth(tok)
            .header("xero-tenant-id", tenant.clone())
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(call(access.clone()).await.unwrap().status().as_u16());
    }
    assert!(
        statuses.contains(&401),
        "expire=5 expires issued tokens: {statuses:?}"
    );
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let t2: Value = tok(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
    ])
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_ne!(t2["refresh_token"], t["refresh_token"], "rotated");
    assert_eq!(
        call(t2["access_token"].as_str().unwrap().into())
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let again = tok(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
    ])
    .await
    .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn signed_webhooks_and_intent_to_receive() {
    let got: Arc<Mutex<Vec<(String, Bytes)>>> = Arc::default();
    let sink = got.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let sig = headers
                    .get("x-xero-signature")
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default();
                if sig != sim::sign_webhook(&body, "whsec") {
                    return StatusCode::UNAUTHORIZED;
                }
                sink.lock().unwrap().push((sig, body));
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, receiver).await.unwrap() });
    let opts = SimOptions {
        webhook_url: Some(url),
        webhook_secret: Some("whsec".into()),
        ..Default::default()
    };
    let (s, h, c) = start(opts).await;
    let report: Value = c
        .post(format!("{}/_sim/webhooks/intent", s.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["passed"], true, "{report}");
    got.lock().unwrap().clear();
    let tenant = h.tenant_id().to_string();
    let r: Value = api(&s.base_url, &tenant, &c, reqwest::Method::PUT, "/Contacts")
        .json(&json!({"Contacts": [{"Name": "Hooked Ltd"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = r["Contacts"][0]["ContactID"].as_str().unwrap().to_string();
    for _ in 0..100 {
        if !got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (_, body) = got.lock().unwrap()[0].clone();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["events"][0]["resourceId"], id);
    assert_eq!(v["events"][0]["eventCategory"], "CONTACT");
    assert_eq!(v["events"][0]["eventType"], "CREATE");
    assert_eq!(v["events"][0]["tenantId"], tenant);
    assert_eq!(v["firstEventSequence"], 1);
}

#[tokio::test]
async fn a_history_put_of_several_notes_is_one_call_answering_every_record() {
    // Xero's real limits on: the minute window counts requests, not records
    let (s, h) = sim::spawn(
        "127.0.0.1:0",
        SimOptions {
            token: Some("t".into()),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    h.set_strict(true);
    let c = reqwest::Client::new();
    let tenant = h.tenant_id().to_string();
    let put = |path: String, body: Value| {
        api(&s.base_url, &tenant, &c, reqwest::Method::PUT, &path)
            .json(&body)
            .send()
    };
    let r: Value = put("/Contacts".into(), json!({"Contacts": [{"Name": "Acme"}]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let history = format!(
        "/Contacts/{}/History",
        r["Contacts"][0]["ContactID"].as_str().unwrap()
    );
    let remaining = |r: &reqwest::Response| -> u64 {
        r.headers()["x-minlimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };

    let r = put(
        history.clone(),
        json!({"HistoryRecords": [{"Details": "one"}, {"Details": "two"}, {"Details": "three"}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after_three = remaining(&r);
    let body: Value = r.json().await.unwrap();
    let saved = body["HistoryRecords"].as_array().unwrap();
    let details: Vec<&str> = saved
        .iter()
        .map(|x| x["Details"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        ["one", "two", "three"],
        "every created record, in order"
    );
    assert!(saved.iter().all(|x| x["ValidationErrors"] == json!([])));

    // one empty note refuses the whole request and echoes only that record
    let r = put(
        history.clone(),
        json!({"HistoryRecords": [{"Details": "four"}, {"Details": ""}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(remaining(&r), after_three - 1, "one call per PUT");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["Type"], "ValidationException");
    let elements = e["Elements"].as_array().unwrap();
    assert_eq!(elements.len(), 1);
    assert_eq!(elements[0]["Details"], "");
    assert!(
        elements[0]["ValidationErrors"][0]["Message"]
            .as_str()
            .unwrap()
            .contains("Details")
    );
    let got: Value = api(&s.base_url, &tenant, &c, reqwest::Method::GET, &history)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        got["HistoryRecords"].as_array().unwrap().len(),
        3,
        "nothing of the refused PUT saved"
    );
    assert!(h.violations().is_empty(), "{:?}", h.violations().first());
}

#[tokio::test]
async fn history_details_over_250_characters_are_refused() {
    let (s, h) = sim::spawn(
        "127.0.0.1:0",
        SimOptions {
            token: Some("t".into()),
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    h.set_strict(true);
    let c = reqwest::Client::new();
    let tenant = h.tenant_id().to_string();
    let put = |path: String, body: Value| {
        api(&s.base_url, &tenant, &c, reqwest::Method::PUT, &path)
            .json(&body)
            .send()
    };
    let r: Value = put("/Contacts".into(), json!({"Contacts": [{"Name": "Acme"}]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let history = format!(
        "/Contacts/{}/History",
        r["Contacts"][0]["ContactID"].as_str().unwrap()
    );

    // 250 characters of two bytes each (500 bytes): the limit counts characters
    let at_limit = "é".repeat(250);
    let r = put(
        history.clone(),
        json!({"HistoryRecords": [{"Details": at_limit}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let over = "x".repeat(251);
    let r = put(
        history.clone(),
        json!({"HistoryRecords": [{"Details": "fine"}, {"Details": over}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["ErrorNumber"], 10);
    assert_eq!(e["Type"], "ValidationException");
    assert_eq!(e["Message"], "A validation exception occurred");
    let elements = e["Elements"].as_array().unwrap();
    assert_eq!(elements.len(), 1, "only the refused record is echoed");
    assert_eq!(elements[0]["Details"], over);
    let msg = elements[0]["ValidationErrors"][0]["Message"]
        .as_str()
        .unwrap();
    assert!(msg.contains("Details") && msg.contains("250"), "{msg}");

    let got: Value = api(&s.base_url, &tenant, &c, reqwest::Method::GET, &history)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let held: Vec<&str> = got["HistoryRecords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Details"].as_str().unwrap())
        .collect();
    assert_eq!(
        held,
        [at_limit.as_str()],
        "nothing of the refused PUT saved"
    );
    assert!(h.violations().is_empty(), "{:?}", h.violations().first());
}
