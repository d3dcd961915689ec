//! OAuth as Salesforce runs it: the web-server flow with PKCE, refresh
//! without rotation, the JWT bearer flow, sessions that expire after the
//! scaled timeout, revocation; and Outbound Messages retried until `Ack`.
#![cfg(feature = "sim")]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use common::*;
use ledgerbridge_salesforce::sim::ORG_ID;
use ledgerbridge_salesforce::sim::oauth::{JWT_BEARER, JWT_TEST_PRIVATE_KEY};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://localhost:8080/callback";

async fn token(api: &Api, form: &[(&str, &str)]) -> (u16, Value) {
    let r = api
        .http
        .post(api.url("/services/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Runs the authorize step headless; returns the code.
async fn authorize(api: &Api, challenge: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(api.url("/services/oauth2/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "ledgerbridge-app"),
            ("redirect_uri", REDIRECT),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("state", "s-42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(loc.as_str().starts_with(REDIRECT));
    let q: HashMap<String, String> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s-42");
    q["code"].clone()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn assert_salesforce_token(api: &Api, body: &Value) {
    for k in [
        "access_token",
        "instance_url",
        "id",
        "issued_at",
        "signature",
        "token_type",
    ] {
        assert!(body[k].is_string(), "{k} in {body}");
    }
    assert!(
        body.get("expires_in").is_none(),
        "Salesforce sends no expires_in: {body}"
    );
    assert_eq!(body["instance_url"], api.sim.base_url.as_str());
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .contains(&format!("/id/{ORG_ID}/005"))
    );
    assert!(body["issued_at"].as_str().unwrap().parse::<i64>().is_ok());
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("00DDn0000000001!")
    );
}

async fn rest_status(api: &Api, token: &str) -> u16 {
    api.call_as(Method::GET, &format!("{V}/limits"), None, Some(token), &[])
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn web_server_flow_with_pkce_and_refresh_without_rotation() {
    let api = start(opts(2)).await;
    let verifier = "a-verifier-long-enough-for-pkce-0123456789abcdef";
    let code = authorize(&api, &s256(verifier)).await;
    let (status, body) = token(
        &api,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "ledgerbridge-app"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_salesforce_token(&api, &body);
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(rest_status(&api, &access).await, 200);
    // the identity URL answers for the session
    let id = api
        .http
        .get(body["id"].as_str().unwrap())
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(id.status(), 200);
    let id: Value = id.json().await.unwrap();
    assert_eq!(id["organization_id"], ORG_ID);

    // a code is single use
    let (status, body) = token(
        &api,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "ledgerbridge-app"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // refresh twice with the same token: Salesforce does not rotate, and a
    // refresh answers without a refresh token
    for _ in 0..2 {
        let (status, body) = token(
            &api,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "ledgerbridge-app"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_salesforce_token(&api, &body);
        assert!(body.get("refresh_token").is_none(), "{body}");
        assert_ne!(body["access_token"], access.as_str());
        assert_eq!(
            rest_status(&api, body["access_token"].as_str().unwrap()).await,
            200
        );
    }
}

#[tokio::test]
async fn pkce_and_grants_are_checked() {
    let api = start(opts(0)).await;
    let code = authorize(&api, &s256("the-right-verifier-0123456789-0123456789")).await;
    let (status, body) = token(
        &api,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "ledgerbridge-app"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "a-wrong-verifier-0123456789-0123456789"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].is_string());
    let (status, body) = token(
        &api,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
            ("client_id", "x"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], "expired access/refresh token");
    let (status, body) = token(&api, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

fn assertion(key: &jsonwebtoken::EncodingKey, sub: &str, exp_in: i64) -> String {
    let claims = json!({
        "iss": "ledgerbridge-app",
        "sub": sub,
        "aud": "https://login.salesforce.com",
        "exp": chrono::Utc::now().timestamp() + exp_in,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        key,
    )
    .unwrap()
}

#[tokio::test]
async fn jwt_bearer_flow_with_the_test_key() {
    let api = start(opts(0)).await;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(JWT_TEST_PRIVATE_KEY.as_bytes()).unwrap();
    let user = "integration.user@ledgerbridge-sim.example";
    let (status, body) = token(
        &api,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(&key, user, 120)),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_salesforce_token(&api, &body);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(
        rest_status(&api, body["access_token"].as_str().unwrap()).await,
        200
    );

    for (a, why) in [
        (assertion(&key, "stranger@example.com", 120), "unknown user"),
        (assertion(&key, user, -600), "expired"),
        (assertion(&key, user, 3600), "too far ahead"),
        (
            jsonwebtoken::encode(
                &jsonwebtoken::Header::default(),
                &json!({"iss": "x", "sub": user, "aud": "https://login.salesforce.com", "exp": chrono::Utc::now().timestamp() + 60}),
                &jsonwebtoken::EncodingKey::from_secret(b"not the key"),
            )
            .unwrap(),
            "not signed with the certificate's key",
        ),
    ] {
        let (status, body) = token(&api, &[("grant_type", JWT_BEARER), ("assertion", &a)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{why}: {body}");
    }
}

#[tokio::test]
async fn sessions_expire_after_the_scaled_timeout_and_revoke() {
    // two hours scaled to 100 ms
    let api = start(SimOptions {
        rate_scale: 72_000.0,
        ..opts(0)
    })
    .await;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(JWT_TEST_PRIVATE_KEY.as_bytes()).unwrap();
    let user = "integration.user@ledgerbridge-sim.example";
    let (_, body) = token(
        &api,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(&key, user, 120)),
        ],
    )
    .await;
    let access = body["access_token"].as_str().unwrap().to_string();
    let mut expired = None;
    for _ in 0..100_000 {
        let a = api
            .call_as(
                Method::GET,
                &format!("{V}/limits"),
                None,
                Some(&access),
                &[],
            )
            .await;
        if a.status == 401 {
            expired = Some(a);
            break;
        }
    }
    error_code(
        &expired.expect("the session expires"),
        401,
        "INVALID_SESSION_ID",
    );

    // revocation ends a session at once
    let api = start(opts(0)).await;
    let (_, body) = token(
        &api,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(&key, user, 120)),
        ],
    )
    .await;
    let access = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(rest_status(&api, &access).await, 200);
    let r = api
        .http
        .post(api.url("/services/oauth2/revoke"))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(rest_status(&api, &access).await, 401);
    let r = api
        .http
        .post(api.url("/services/oauth2/revoke"))
        .form(&[("token", "unknown")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// A listener that refuses the first deliveries, then acknowledges.
async fn listener(refusals: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/outbound",
        axum::routing::post(move |body: String| {
            let seen = seen.clone();
            async move {
                let n = {
                    let mut g = seen.lock().unwrap();
                    g.push(body);
                    g.len()
                };
                if n <= refusals / 2 {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "busy".to_string())
                } else if n <= refusals {
                    (axum::http::StatusCode::OK, "<Ack>false</Ack>".to_string())
                } else {
                    (
                        axum::http::StatusCode::OK,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>".to_string(),
                    )
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}/outbound"), got)
}

#[tokio::test]
async fn outbound_messages_are_resent_until_acknowledged() {
    let (url, got) = listener(3).await;
    // retries after 15 s scaled to 1.5 ms
    let api = start(SimOptions {
        webhook_url: Some(url),
        rate_scale: 10_000.0,
        ..opts(4)
    })
    .await;
    let id = api.handle.ids("Opportunity")[0].clone();
    let a = api
        .call(
            Method::PATCH,
            &format!("{V}/sobjects/Opportunity/{id}"),
            Some(json!({"Description": "changed"})),
        )
        .await;
    assert_eq!(a.status, 204);
    for _ in 0..2_000_000 {
        if api.handle.outbound_acknowledged() >= 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(api.handle.outbound_acknowledged(), 1);
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 4, "a 500, two Ack false, then the Ack");
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "a resend is the same message"
    );
    let b = &bodies[0];
    assert!(
        b.contains(&format!("<OrganizationId>{ORG_ID}</OrganizationId>")),
        "{b}"
    );
    assert!(b.contains(&format!("<sf:Id>{id}</sf:Id>")), "{b}");
    assert!(b.contains("<notifications xmlns=\"http://soap.sforce.com/2005/09/outbound\">"));
    assert_eq!(api.handle.stats()["outbound_acknowledged"], 1);
}
