//! What surrounds the API: 401s, throttles with 429s, injected faults, OAuth
//! with rotation and grace, signed webhooks in both formats, `/_sim/stats`.

mod common;

use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::{Env, TOKEN, customer, start, start_raw};
use ledgerbridge_quickbooks::sim::sign_webhook;
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

#[tokio::test]
async fn a_bad_token_or_another_company_is_refused() {
    let env = start(SimOptions::default()).await;
    let resp = env
        .http
        .get(env.url("customer/1"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("intuit_tid"));
    let v: Value = resp.json().await.unwrap();
    common::Schema::get().assert_valid("IntuitResponse", &v);
    assert_eq!(v["Fault"]["type"], "AuthenticationFault");
    assert_eq!(common::fault_code(&v), "3200");
    let resp = env.http.get(env.url("customer/1")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let other = format!("{}/v3/company/123/customer/1", env.sim.base_url);
    let resp = env.http.get(other).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn over_10_requests_a_second_per_app_is_429() {
    // at a hundredth of real speed the one-second window lasts 100 s: the test cannot outrun it
    let env = start_raw(SimOptions {
        token: Some(TOKEN.into()),
        rate_scale: 0.01,
        ..SimOptions::default()
    })
    .await;
    for i in 0..10 {
        let (s, _) = env.get("customer/1").await;
        assert_eq!(s, StatusCode::OK, "call {i}");
    }
    let (s, v) = env.get("customer/1").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["Fault"]["type"], "ThrottleFault");
    assert_eq!(common::fault_code(&v), "3001");
    // the limit is per app: another app's token still gets through
    let other = oauth_tokens(&env, "another-app").await;
    let resp = env
        .http
        .get(env.url("customer/1"))
        .bearer_auth(other["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(stats(&env).await["rate_limited"], 1);
}

#[tokio::test]
async fn injected_faults_answer_in_intuits_shape() {
    let env = start(SimOptions {
        faults: "5xx=1".parse().unwrap(),
        ..SimOptions::default()
    })
    .await;
    let (s, v) = env.get("customer/1").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["Fault"]["type"], "SystemFault");
    let env = start(SimOptions {
        faults: "burst429=2".parse().unwrap(),
        ..SimOptions::default()
    })
    .await;
    let (first, _) = env.get("customer/1").await;
    let (second, _) = env.get("customer/1").await;
    assert_eq!(
        (first, second),
        (StatusCode::OK, StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(stats(&env).await["faults"], 1);
}

async fn stats(env: &Env) -> Value {
    env.http
        .get(format!("{}/_sim/stats", env.sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn stats_count_calls_by_template_and_export_uses_entity_names() {
    let env = start(SimOptions::default()).await;
    env.create("Customer", customer("Stats Inc")).await;
    env.get("customer/1").await;
    env.query("select * from Item").await;
    let s = stats(&env).await;
    assert_eq!(s["calls"]["POST /v3/company/{realm}/customer"], 1);
    assert_eq!(s["calls"]["GET /v3/company/{realm}/customer/{id}"], 1);
    assert_eq!(s["calls"]["POST /v3/company/{realm}/query"], 1);
    assert_eq!(
        (s["reads"].as_u64(), s["writes"].as_u64()),
        (Some(2), Some(1))
    );
    let export: Value = env
        .http
        .get(format!("{}/_sim/export", env.sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "Customer",
        "Item",
        "Account",
        "CompanyInfo",
        "Preferences",
        "TaxCode",
    ] {
        assert!(export[key].is_array(), "{key}");
    }
}

/// Authorize (consent implied) and exchange the code, as an app called `client_id`.
async fn oauth_tokens(env: &Env, client_id: &str) -> Value {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &env.sim.base_url;
    let verifier = "a-verifier-of-enough-length-for-pkce-0123456789";
    let challenge = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()))
    };
    let resp = http
        .get(format!("{base}/connect/oauth2"))
        .query(&[
            ("client_id", client_id),
            ("response_type", "code"),
            ("scope", "com.intuit.quickbooks.accounting"),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
            ("state", "s1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s1");
    assert_eq!(q["realmId"], env.realm, "realmId rides on the redirect");
    let token = |code: &str, verifier: &str| {
        http.post(format!("{base}/oauth2/v1/tokens/bearer"))
            .basic_auth(client_id, Some("secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", "http://127.0.0.1:1/cb"),
                ("code_verifier", verifier),
            ])
            .send()
    };
    let resp = token(&q["code"], verifier).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    let again = token(&q["code"], verifier).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "a code works once");
    tokens
}

async fn refresh(env: &Env, refresh_token: &str) -> reqwest::Response {
    env.http
        .post(format!("{}/oauth2/v1/tokens/bearer", env.sim.base_url))
        .basic_auth("app", Some("secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap()
}

/// Polls `probe` until it holds (the simulator's clock runs scaled), at most ~10 s.
async fn eventually<F, Fut>(mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1000 {
        if probe().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the condition never held");
}

#[tokio::test]
async fn oauth_rotates_refresh_tokens_with_a_grace_period_and_expires_access_tokens() {
    // 1200x: access tokens live 3 s, a replaced refresh token works 0.1 s more
    let env = start_raw(SimOptions {
        rate_limits: false,
        rate_scale: 1200.0,
        ..SimOptions::default()
    })
    .await;
    let discovery: Value = env
        .http
        .get(format!(
            "{}/.well-known/openid_configuration",
            env.sim.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["token_endpoint"],
        format!("{}/oauth2/v1/tokens/bearer", env.sim.base_url)
    );
    assert_eq!(
        discovery["revocation_endpoint"],
        format!("{}/oauth2/v1/tokens/revoke", env.sim.base_url)
    );

    let tokens = oauth_tokens(&env, "app").await;
    assert_eq!(tokens["expires_in"], 3);
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let api = |token: String| {
        let (http, url) = (env.http.clone(), env.url("customer/1"));
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(access.clone()).await, StatusCode::OK);

    let old = tokens["refresh_token"].as_str().unwrap().to_string();
    let resp = refresh(&env, &old).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let rotated: Value = resp.json().await.unwrap();
    assert_ne!(
        rotated["refresh_token"], tokens["refresh_token"],
        "every refresh rotates"
    );
    // the replaced token is refused once its grace is over
    eventually(|| async { refresh(&env, &old).await.status() == StatusCode::BAD_REQUEST }).await;
    let resp = refresh(&env, &old).await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    // the access token expires on the scaled clock
    eventually(|| {
        let t = access.clone();
        async { api(t).await == StatusCode::UNAUTHORIZED }
    })
    .await;

    // a revoked refresh token is gone
    let current = rotated["refresh_token"].as_str().unwrap();
    let resp = env
        .http
        .post(format!("{}/oauth2/v1/tokens/revoke", env.sim.base_url))
        .basic_auth("app", Some("secret"))
        .json(&json!({"token": current}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        refresh(&env, current).await.status(),
        StatusCode::BAD_REQUEST
    );
}

async fn receiver() -> (String, mpsc::UnboundedReceiver<(HeaderMap, Bytes)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn webhook_for(format: Option<&str>) -> (Env, Value, String) {
    let (url, mut rx) = receiver().await;
    let env = start(SimOptions {
        webhook_url: Some(url),
        webhook_secret: Some("verifier-token".into()),
        webhook_format: format.map(str::to_string),
        ..SimOptions::default()
    })
    .await;
    let c = env.create("Customer", customer("Hooked Inc")).await;
    let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let signature = headers["intuit-signature"].to_str().unwrap();
    assert_eq!(
        signature,
        sign_webhook("verifier-token", &body),
        "intuit-signature = base64 HMAC-SHA256 of the body"
    );
    assert_ne!(signature, sign_webhook("another-token", &body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    (env, v, c["Id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn webhooks_are_signed_cloudevents_by_default() {
    let (env, v, id) = webhook_for(None).await;
    let e = &v[0];
    assert_eq!(e["intuitentityid"], id);
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["type"], "qbo.customer.created.v1");
    assert_eq!(e["intuitaccountid"], env.realm);
    assert_eq!(e["datacontenttype"], "application/json");
    assert!(e["id"].as_str().is_some_and(|id| id.len() == 36));
}

#[tokio::test]
async fn webhooks_are_signed_legacy_event_notifications_on_request() {
    let (env, v, id) = webhook_for(Some("legacy")).await;
    let n = &v["eventNotifications"][0];
    assert_eq!(n["realmId"], env.realm);
    let e = &n["dataChangeEvent"]["entities"][0];
    assert_eq!(e["id"], id);
    assert_eq!(
        (e["name"].as_str(), e["operation"].as_str()),
        (Some("Customer"), Some("Create"))
    );
    assert!(e["lastUpdated"].as_str().is_some());
}
