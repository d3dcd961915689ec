//! Pipedrive's limits: each call costs its endpoint's `x-token-cost` (from the
//! spec) against the company's daily budget; the 2-second burst per token with
//! `x-ratelimit-*` headers; the POST/PUT fair-use counter for API-token calls;
//! 429 on excess. Windows are scaled; counts are real.

mod common;

use common::{TOKEN, start};
use ledgerbridge_pipedrive::sim::costs::token_cost;
use ledgerbridge_pipedrive::sim::limits::{
    BURST_API_TOKEN, BURST_OAUTH, DAILY_TOKEN_BUDGET, FAIR_USE_POST_PUT,
};
use ledgerbridge_pipedrive::spec::PipedriveSpec;
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::Method;
use serde_json::{Value, json};

fn header(r: &reqwest::Response, name: &str) -> Option<u64> {
    r.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[test]
fn every_route_costs_what_the_spec_says() {
    let Some(spec) = PipedriveSpec::shared() else {
        eprintln!("notice: skipped, no spec");
        return;
    };
    for (method, template, cost) in ledgerbridge_pipedrive::sim::costs::TOKEN_COSTS {
        assert!(
            spec.has_operation(method, template),
            "{method} {template} is not in the spec"
        );
        assert_eq!(
            spec.token_cost(method, template),
            Some(*cost),
            "{method} {template}"
        );
    }
}

#[tokio::test]
async fn calls_are_charged_their_token_cost_against_the_daily_budget() {
    // a day of 86.4 s, 2-second windows of 2 ms: the budget, not the burst, runs out
    let env = start(SimOptions {
        deals: 20,
        rate_scale: 1000.0,
        ..SimOptions::default()
    })
    .await;
    let left = || env.handle.token_budget_left();
    assert_eq!(left(), DAILY_TOKEN_BUDGET);
    env.get("/api/v2/deals").send().await.unwrap();
    assert_eq!(left(), DAILY_TOKEN_BUDGET - 10);
    env.get("/api/v2/deals/1").send().await.unwrap();
    assert_eq!(left(), DAILY_TOKEN_BUDGET - 11);
    env.get("/v1/notes").send().await.unwrap();
    assert_eq!(left(), DAILY_TOKEN_BUDGET - 31);
    assert_eq!(token_cost("GET", "/api/v2/deals/archived"), Some(20));

    // spend the rest with the 20-token archived list until the budget refuses
    let mut refused = None;
    for _ in 0..DAILY_TOKEN_BUDGET / 20 + 10 {
        let r = env
            .get("/api/v2/deals/archived?limit=1")
            .send()
            .await
            .unwrap();
        assert!([200, 429].contains(&r.status().as_u16()), "{}", r.status());
        if r.status() == 429 {
            let budget = left() < 20;
            refused = Some(r);
            if budget {
                break;
            }
            // a 2 ms burst window that filled: the next window is already there
        }
    }
    let r = refused.expect("the budget ran out");
    assert!(left() < 20, "{} left", left());
    assert!(header(&r, "retry-after").is_some());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("daily token budget"),
        "{body}"
    );
    // a call cheaper than what is left still passes
    let cheap = env.get("/api/v2/deals/1").send().await.unwrap();
    assert_eq!(cheap.status(), if left() >= 1 { 200 } else { 429 });
    env.assert_no_violations();
}

#[tokio::test]
async fn burst_per_token_with_ratelimit_headers_then_429() {
    // real 2-second windows: the loop below runs well inside one
    let env = start(SimOptions {
        deals: 5,
        ..SimOptions::default()
    })
    .await;
    let first = env.get("/api/v2/deals/1").send().await.unwrap();
    assert_eq!(header(&first, "x-ratelimit-limit"), Some(BURST_API_TOKEN));
    let mut last_remaining = header(&first, "x-ratelimit-remaining").unwrap();
    assert!(last_remaining < BURST_API_TOKEN);
    let reset = header(&first, "x-ratelimit-reset").unwrap();
    assert!((1..=2).contains(&reset), "{reset}");
    let limited = loop {
        let r = env.get("/api/v2/deals/1").send().await.unwrap();
        if r.status() == 429 {
            break r;
        }
        let rem = header(&r, "x-ratelimit-remaining").unwrap();
        assert!(
            rem < last_remaining || rem == BURST_API_TOKEN - 1,
            "the window only counts down"
        );
        last_remaining = rem;
    };
    assert_eq!(header(&limited, "x-ratelimit-remaining"), Some(0));
    assert!(header(&limited, "retry-after").is_some());
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["success"], false);
    let stats = env.handle.stats();
    assert!(stats["rate_limited"].as_u64().unwrap() >= 1);
    // an OAuth bearer token has its own, larger window
    let b = env
        .http
        .get(env.url("/api/v2/deals/1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(b.status(), 200);
    assert_eq!(header(&b, "x-ratelimit-limit"), Some(BURST_OAUTH));
    assert_eq!(
        header(&b, "x-daily-requests-left"),
        None,
        "fair use counts API-token calls only"
    );
    env.assert_no_violations();
}

#[tokio::test]
async fn post_and_put_count_against_the_daily_fair_use_limit() {
    let env = start(SimOptions {
        deals: 5,
        rate_limits: true,
        rate_scale: 1000.0,
        ..SimOptions::default()
    })
    .await;
    let r = env.get("/api/v2/deals/1").send().await.unwrap();
    assert_eq!(
        header(&r, "x-daily-requests-left"),
        Some(FAIR_USE_POST_PUT),
        "a GET takes none"
    );
    let r = env
        .send(
            Method::POST,
            "/v1/notes",
            &json!({"content": "a", "deal_id": 1}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "x-daily-requests-left"),
        Some(FAIR_USE_POST_PUT - 1)
    );
    let r = env
        .send(Method::PUT, "/v1/notes/1", &json!({"content": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "x-daily-requests-left"),
        Some(FAIR_USE_POST_PUT - 2)
    );
    let r = env
        .send(Method::PATCH, "/api/v2/deals/1", &json!({"title": "c"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&r, "x-daily-requests-left"),
        Some(FAIR_USE_POST_PUT - 2),
        "PATCH is not POST/PUT"
    );
    env.assert_no_violations();
}
