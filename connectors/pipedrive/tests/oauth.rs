//! OAuth as Pipedrive runs it: authorization code, client credentials in
//! Basic auth on the token call, refresh, `api_domain` in the token response,
//! scaled expiry and `expire=N` faults.

mod common;

use std::time::Duration;

use common::{Env, opts, start};
use ledgerbridge_sdk::sim::SimOptions;
use serde_json::Value;

async fn code(env: &Env) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(env.url("/oauth/authorize?client_id=app&redirect_uri=http://127.0.0.1:1/cb&state=xyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    q["code"].clone()
}

async fn token(env: &Env, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = env.http.post(env.url("/oauth/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn get_with(env: &Env, access: &str) -> u16 {
    let r = env
        .http
        .get(env.url("/api/v2/deals/1"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

#[tokio::test]
async fn code_refresh_and_api_domain() {
    let env = start(opts(3)).await;
    let code = code(&env).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:1/cb"),
    ];
    let (status, body) = token(&env, &form, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "Basic credentials are required"
    );
    let (status, body) = token(&env, &form, Some(("app", "secret"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["api_domain"], env.sim.base_url.as_str());
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(get_with(&env, &access).await, 200);
    // a code works once
    let (status, _) = token(&env, &form, Some(("app", "secret"))).await;
    assert_eq!(status, 400);

    let (status, again) = token(
        &env,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(("app", "secret")),
    )
    .await;
    assert_eq!(status, 200);
    let fresh = again["access_token"].as_str().unwrap();
    assert_ne!(fresh, access);
    assert_eq!(get_with(&env, fresh).await, 200);
    let (status, _) = token(
        &env,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(("other", "app")),
    )
    .await;
    assert_eq!(
        status, 401,
        "a refresh token belongs to its client: invalid_client"
    );
    assert_eq!(get_with(&env, "made-up").await, 401);
    env.assert_no_violations();
}

#[tokio::test]
async fn issued_tokens_expire_scaled_and_with_expire_faults() {
    // an hour shortened to about 100 ms
    let env = start(SimOptions {
        rate_scale: 36_000.0,
        ..opts(3)
    })
    .await;
    let code = code(&env).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:1/cb"),
    ];
    let (_, body) = token(&env, &form, Some(("app", "secret"))).await;
    let access = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_with(&env, &access).await, 200);
    let http = env.http.clone();
    let url = env.url("/api/v2/deals/1");
    let mut expired = false;
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while !expired {
        assert!(std::time::Instant::now() < until, "the token never expired");
        expired = http
            .get(&url)
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status()
            == 401;
    }
    // the static token never expires
    assert_eq!(
        env.get("/api/v2/deals/1").send().await.unwrap().status(),
        200
    );

    let env = start(SimOptions {
        faults: "expire=3".parse().unwrap(),
        ..opts(3)
    })
    .await;
    let code2 = self::code(&env).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code2.as_str()),
        ("redirect_uri", "http://127.0.0.1:1/cb"),
    ];
    let (_, body) = token(&env, &form, Some(("app", "secret"))).await;
    let access = body["access_token"].as_str().unwrap().to_string();
    let statuses: Vec<u16> = {
        let mut v = vec![];
        for _ in 0..4 {
            v.push(get_with(&env, &access).await);
        }
        v
    };
    assert_eq!(statuses, [200, 200, 200, 401], "expired at the third call");
    env.assert_no_violations();
}
