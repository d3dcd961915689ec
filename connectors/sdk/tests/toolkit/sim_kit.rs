//! The simulator kit end to end: a toy vendor on the gate and the OAuth
//! handlers, and webhook delivery against a local receiver.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ledgerbridge_sdk::sim::*;
use serde_json::{Value, json};

struct Toy {
    gate: Gate,
}

impl GateWire for Toy {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    fn unauthorized(&self, failure: AuthFailure) -> Response {
        let why = match failure {
            AuthFailure::Missing => "missing",
            AuthFailure::Unknown => "unknown",
            AuthFailure::Expired(_) => "expired",
        };
        (StatusCode::UNAUTHORIZED, why).into_response()
    }

    fn refusal(&self, req: &Request, _caller: &Caller) -> Option<Response> {
        match req.headers().get("x-tenant") {
            Some(_) => None,
            None => Some((StatusCode::FORBIDDEN, "tenant").into_response()),
        }
    }

    fn charges(&self, req: &Request, _caller: &Caller) -> Vec<Charge> {
        let tenant = req.headers()["x-tenant"].to_str().unwrap().to_string();
        let cost = if req.uri().path() == "/heavy" { 2 } else { 1 };
        vec![Charge::cost("minute", tenant, cost)]
    }

    fn too_many(&self, limited: &Limited, _caller: &Caller) -> Response {
        let which = limited.limit.unwrap_or("burst");
        (StatusCode::TOO_MANY_REQUESTS, which.to_string()).into_response()
    }

    fn server_error(&self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
    }

    fn rate_headers(&self, headers: &mut HeaderMap, usage: &Usage, _caller: &Caller) {
        if let Some(r) = usage.remaining("minute") {
            headers.insert("x-remaining", HeaderValue::from(r));
        }
    }
}

impl OAuthWire for Toy {
    fn tokens(&self) -> &TokenStore {
        &self.gate.tokens
    }

    fn token_body(&self, issued: &Issued) -> Value {
        let mut b = standard_token_body(issued);
        b["instance"] = json!("toy");
        b
    }
}

async fn hits(State(count): State<Arc<AtomicU32>>) -> &'static str {
    count.fetch_add(1, Ordering::SeqCst);
    "ok"
}

async fn start(opts: SimOptions) -> (RunningSim, Arc<Toy>, Arc<AtomicU32>) {
    let limits = RateLimits::new(&opts).window("minute", 4, Duration::from_secs(60));
    let rules = TokenRules {
        access_lifetime: Duration::from_secs(1800),
        rotation: Rotation::EveryRefresh,
        ..TokenRules::default()
    };
    let toy = Arc::new(Toy {
        gate: Gate::new(&opts, limits, rules),
    });
    let count = Arc::new(AtomicU32::new(0));
    let api = Router::new()
        .route("/things", get(hits))
        .route("/heavy", get(hits))
        .with_state(count.clone())
        .route_layer(axum::middleware::from_fn_with_state(
            toy.clone(),
            gate::<Toy>,
        ));
    let open = Router::new()
        .route("/authorize", get(authorize::<Toy>))
        .route("/token", post(token::<Toy>))
        .with_state(toy.clone());
    let listener = bind("127.0.0.1:0").await.unwrap();
    (spawn(listener, api.merge(open)), toy, count)
}

async fn call(
    base: &str,
    path: &str,
    token: Option<&str>,
    tenant: bool,
) -> (u16, String, Option<String>) {
    let mut r = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if tenant {
        r = r.header("x-tenant", "t1");
    }
    let r = r.send().await.unwrap();
    let remaining = r
        .headers()
        .get("x-remaining")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), r.text().await.unwrap(), remaining)
}

#[tokio::test]
async fn gate_counts_then_authenticates_then_admits_then_limits_then_faults() {
    let (sim, toy, handled) = start(SimOptions {
        token: Some("static".into()),
        // every 3rd call the fault injector sees answers 429 (3, 4, 5; 6, …)
        faults: "burst429=3".parse().unwrap(),
        ..SimOptions::default()
    })
    .await;
    let base = sim.base_url.as_str();
    // refused before auth: counted, but neither charged nor seen by faults
    assert_eq!(call(base, "/things", None, true).await.0, 401);
    assert_eq!(call(base, "/things", Some("nope"), true).await.1, "unknown");
    assert_eq!(call(base, "/things", Some("static"), false).await.0, 403);
    // faults see calls 1 and 2: through, with the vendor's header
    let (s, _, rem) = call(base, "/things", Some("static"), true).await;
    assert_eq!((s, rem.as_deref()), (200, Some("3")));
    let (s, _, rem) = call(base, "/heavy", Some("static"), true).await;
    assert_eq!((s, rem.as_deref()), (200, Some("1")), "a call can cost 2");
    // the limit refuses before the fault injector counts the call
    let (s, body, _) = call(base, "/heavy", Some("static"), true).await;
    assert_eq!((s, body.as_str()), (429, "minute"));
    // call 3 for the injector: an injected burst, and the limit was charged
    let (s, body, _) = call(base, "/things", Some("static"), true).await;
    assert_eq!((s, body.as_str()), (429, "burst"));
    assert_eq!(handled.load(Ordering::SeqCst), 2);
    let stats = toy.gate.stats.to_json();
    assert_eq!(stats["calls"]["GET /things"], 5, "{stats}");
    assert_eq!(stats["calls"]["GET /heavy"], 2, "{stats}");
    assert_eq!(stats["rate_limited"], 2, "{stats}");
    assert_eq!(stats["faults"], 1, "{stats}");
}

#[tokio::test]
async fn oauth_tokens_pass_the_gate_until_expire_fault() {
    let (sim, _toy, _) = start(SimOptions {
        rate_limits: false,
        rate_scale: 600.0,
        faults: "expire=2".parse().unwrap(),
        ..SimOptions::default()
    })
    .await;
    let base = sim.base_url.as_str();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser
        .get(format!(
            "{base}/authorize?client_id=app&redirect_uri=http://127.0.0.1:1/cb&state=s1&scope=a%20b"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s1");
    let t: Value = reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth("app", Some("secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", "http://127.0.0.1:1/cb"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(t["expires_in"], 3, "1800 s / 600");
    assert_eq!(t["scope"], "a b");
    assert_eq!(t["instance"], "toy", "the vendor's own field");
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(call(base, "/things", Some(access), true).await.0, 200);
    assert_eq!(call(base, "/things", Some(access), true).await.0, 200);
    let (s, why, _) = call(base, "/things", Some(access), true).await;
    assert_eq!(
        (s, why.as_str()),
        (401, "expired"),
        "expire=2 after 2 calls"
    );
}

/// A receiver that acknowledges with a body, as SOAP receivers do: the first
/// answers are 200 without the acknowledgement.
struct AckWire;

impl WebhookWire for AckWire {
    type Event = u32;

    fn body(&self, batch: &Batch<'_, u32>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "events": batch.events, "first": batch.first_sequence, "attempt": batch.attempt,
        }))
        .unwrap()
    }

    fn headers(&self, _url: &str, body: &[u8]) -> Vec<(String, String)> {
        vec![
            ("content-type".into(), "application/json".into()),
            ("x-signature".into(), hmac_sha256_hex(b"key", &[body])),
        ]
    }

    fn acknowledged(&self, status: StatusCode, body: &[u8]) -> bool {
        status.is_success() && body == b"ack"
    }
}

#[tokio::test]
async fn delivery_retries_until_the_receiver_acknowledges() {
    let received: Arc<Mutex<Vec<(Value, String)>>> = Arc::default();
    let seen = received.clone();
    let receiver = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap();
                let sig = headers["x-signature"].to_str().unwrap().to_string();
                assert_eq!(sig, hmac_sha256_hex(b"key", &[&body]), "signed body");
                let attempt = v["attempt"].as_u64().unwrap();
                seen.lock().unwrap().push((v, sig));
                if attempt < 2 { "not yet" } else { "ack" }
            }
        }),
    );
    let listener = bind("127.0.0.1:0").await.unwrap();
    let running = spawn(listener, receiver);
    let mut plan = DeliveryPlan::new(format!("{}/hook", running.base_url));
    plan.max_events = 2;
    plan.concurrency = 1;
    plan.first_retry = Duration::from_millis(5);
    let queue = WebhookQueue::new(AckWire, plan);
    queue.send([1, 2, 3]);
    let c = queue.counters();
    let deadline = Instant::now() + Duration::from_secs(20);
    while WebhookCounters::get(&c.posts_acknowledged) < 2 {
        assert!(Instant::now() < deadline, "never acknowledged: {c:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(WebhookCounters::get(&c.events_acknowledged), 3);
    assert_eq!(WebhookCounters::get(&c.attempts), 6, "3 attempts per POST");
    assert_eq!(WebhookCounters::get(&c.posts_given_up), 0);
    let got = received.lock().unwrap();
    let firsts: Vec<(u64, u64)> = got
        .iter()
        .map(|(v, _)| (v["first"].as_u64().unwrap(), v["attempt"].as_u64().unwrap()))
        .collect();
    assert!(
        firsts.contains(&(1, 2)) && firsts.contains(&(3, 2)),
        "{firsts:?}"
    );
    let batches: Vec<&Value> = got.iter().map(|(v, _)| &v["events"]).collect();
    assert!(batches.contains(&&json!([1, 2])) && batches.contains(&&json!([3])));
}

#[tokio::test]
async fn delivery_gives_up_after_its_attempts() {
    let receiver = Router::new().route("/hook", post(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let running = spawn(bind("127.0.0.1:0").await.unwrap(), receiver);
    let mut plan = DeliveryPlan::new(format!("{}/hook", running.base_url));
    plan.max_attempts = 3;
    plan.first_retry = Duration::from_millis(1);
    let queue = WebhookQueue::new(AckWire, plan);
    queue.send([7]);
    let c = queue.counters();
    let deadline = Instant::now() + Duration::from_secs(20);
    while WebhookCounters::get(&c.posts_given_up) < 1 {
        assert!(Instant::now() < deadline, "never gave up: {c:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(WebhookCounters::get(&c.attempts), 3);
    assert_eq!(WebhookCounters::get(&c.posts_acknowledged), 0);
}
