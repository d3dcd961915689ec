//! The HTTP client against a local axum server.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{any, get};
use ledgerbridge_sdk::auth::{StaticToken, TokenSource};
use ledgerbridge_sdk::http::{Call, Classifier, HttpClient, RetryPolicy, remaining_headers};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ErrorKind, RateLimit, RateScope};
use secrecy::SecretString;
use serde_json::Value;

use crate::common::{caps, quick_retry, serve};

fn json(status: u16, body: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn client(base: &str, retry: RetryPolicy) -> HttpClient {
    HttpClient::builder("conn", base, &caps(vec![], None))
        .retry(retry)
        .build()
        .unwrap()
}

/// Arrival times recorded by a handler.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Arrivals {
    fn hit(&self) -> usize {
        let mut v = self.0.lock().unwrap();
        v.push(Instant::now());
        v.len()
    }
    fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let arr = Arrivals::default();
    let a = arr.clone();
    let base = serve(Router::new().route(
        "/r",
        get(move || {
            let a = a.clone();
            async move {
                if a.hit() == 1 {
                    Response::builder()
                        .status(429)
                        .header("retry-after", "1")
                        .body(Body::from(r#"{"message":"slow down"}"#))
                        .unwrap()
                } else {
                    json(200, r#"{"ok":true}"#)
                }
            }
        }),
    ))
    .await;
    let c = client(&base, quick_retry(3));
    let v: Value = c.send_json(Call::get("/r")).await.unwrap();
    assert_eq!(v["ok"], true);
    let t = arr.times();
    assert_eq!(t.len(), 2);
    let gap = t[1] - t[0];
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert!(gap < Duration::from_secs(3), "waited {gap:?}");
    let s = c.stats();
    assert_eq!((s.api_calls, s.rate_limited, s.retries), (2, 1, 1));
}

#[tokio::test]
async fn retry_after_as_http_date_is_honoured_and_a_long_one_goes_to_the_engine() {
    let arr = Arrivals::default();
    let a = arr.clone();
    let base = serve(
        Router::new()
            .route(
                "/date",
                get(move || {
                    let a = a.clone();
                    async move {
                        if a.hit() == 1 {
                            let at = chrono::Utc::now() + chrono::Duration::seconds(2);
                            Response::builder()
                                .status(503)
                                .header(
                                    "retry-after",
                                    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
                                )
                                .body(Body::from("maintenance"))
                                .unwrap()
                        } else {
                            json(200, "{}")
                        }
                    }
                }),
            )
            .route(
                "/long",
                get(|| async {
                    Response::builder()
                        .status(429)
                        .header("retry-after", "120")
                        .body(Body::empty())
                        .unwrap()
                }),
            ),
    )
    .await;
    let c = client(&base, quick_retry(3));
    c.send(Call::get("/date")).await.unwrap();
    let t = arr.times();
    assert_eq!(t.len(), 2);
    // the date has whole seconds: "now + 2 s" is 1–2 s away
    assert!(
        t[1] - t[0] >= Duration::from_millis(900),
        "waited only {:?}",
        t[1] - t[0]
    );

    // 120 s is beyond the 10 s budget: no sleeping, the engine gets the wait
    let started = Instant::now();
    let e = c.send(Call::get("/long")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        e.kind,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(e.status, Some(429));
}

#[tokio::test]
async fn backoff_is_bounded_by_attempts_and_by_total_time() {
    let arr = Arrivals::default();
    let a = arr.clone();
    let base = serve(Router::new().route(
        "/down",
        any(move || {
            let a = a.clone();
            async move {
                a.hit();
                json(503, r#"{"message":"unavailable"}"#)
            }
        }),
    ))
    .await;
    let started = Instant::now();
    let e = client(&base, quick_retry(4))
        .send(Call::get("/down"))
        .await
        .unwrap_err();
    assert_eq!(arr.count(), 4, "exactly max_attempts calls");
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert_eq!(e.status, Some(503));
    assert_eq!(e.vendor_message.as_deref(), Some("unavailable"));
    assert!(started.elapsed() < Duration::from_secs(2));

    // many attempts allowed, little time: time wins
    arr.0.lock().unwrap().clear();
    let policy = RetryPolicy {
        max_attempts: 1000,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_millis(40),
        max_elapsed: Duration::from_millis(300),
    };
    let started = Instant::now();
    client(&base, policy)
        .send(Call::get("/down"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        arr.count() >= 2 && arr.count() < 1000,
        "{} calls",
        arr.count()
    );
}

#[tokio::test]
async fn writes_are_retried_only_when_idempotent_or_refused_unprocessed() {
    let down = Arrivals::default();
    let limited = Arrivals::default();
    let (d, l) = (down.clone(), limited.clone());
    let base = serve(
        Router::new()
            .route(
                "/down",
                any(move || {
                    let d = d.clone();
                    async move {
                        d.hit();
                        json(503, "{}")
                    }
                }),
            )
            .route(
                "/limited",
                any(move || {
                    let l = l.clone();
                    async move {
                        if l.hit() == 1 {
                            Response::builder()
                                .status(429)
                                .header("retry-after", "0")
                                .body(Body::empty())
                                .unwrap()
                        } else {
                            json(201, r#"{"id":"1"}"#)
                        }
                    }
                }),
            ),
    )
    .await;
    let c = client(&base, quick_retry(3));

    // may have been processed: never repeated, the engine recovers
    let e = c
        .send(Call::post("/down").json(&serde_json::json!({"a":1})))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert_eq!(down.count(), 1);

    // the vendor de-duplicates by key: safe to repeat
    down.0.lock().unwrap().clear();
    let e = c
        .send(
            Call::put("/down")
                .idempotency_key("Idempotency-Key", "k-1")
                .json(&serde_json::json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert_eq!(down.count(), 3);

    // a 429 was refused before processing: even a plain POST is repeated
    let v: Value = c
        .send_json(Call::post("/limited").json(&serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(v["id"], "1");
    assert_eq!(limited.count(), 2);
}

fn reset_response() -> Response {
    use futures::StreamExt;
    // the headers and a first chunk go out, then the connection dies
    let stream = futures::stream::iter(0..2).then(|i| async move {
        if i == 0 {
            Ok(bytes::Bytes::from_static(br#"{"results":[{"id":"1"},"#))
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            ))
        }
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap()
}

#[tokio::test]
async fn every_malformed_response_is_a_typed_error() {
    let resets = Arrivals::default();
    let r = resets.clone();
    let base = serve(
        Router::new()
            .route("/truncated", get(|| async { json(200, r#"{"results":[{"id":"1","properties":{"#) }))
            .route(
                "/proxy502",
                get(|| async {
                    Response::builder()
                        .status(502)
                        .header("content-type", "text/html")
                        .body(Body::from("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"))
                        .unwrap()
                }),
            )
            .route(
                "/html200",
                get(|| async {
                    Response::builder()
                        .status(200)
                        .header("content-type", "text/html; charset=utf-8")
                        .body(Body::from("<!DOCTYPE html><html><head><title>Sign in</title></head></html>"))
                        .unwrap()
                }),
            )
            .route(
                "/fault200",
                get(|| async {
                    Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .header("intuit_tid", "tid-42")
                        .body(Body::from(
                            r#"{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists.","code":"6240"}],"type":"ValidationFault"},"time":"2017-09-29T09:17:31.892-07:00"}"#,
                        ))
                        .unwrap()
                }),
            )
            .route("/empty", get(|| async { Response::builder().status(200).body(Body::empty()).unwrap() }))
            .route(
                "/reset",
                any(move || {
                    let r = r.clone();
                    async move {
                        r.hit();
                        reset_response()
                    }
                }),
            ),
    )
    .await;
    let c = client(&base, RetryPolicy::none());

    let e = c
        .send_json::<Value>(Call::get("/truncated"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("truncated JSON"), "{e}");

    let e = c
        .send_json::<Value>(Call::get("/proxy502"))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Retryable,
        "a 502 is transient, HTML or not"
    );
    assert_eq!(e.status, Some(502));
    assert_eq!(
        e.vendor_message.as_deref(),
        Some("HTML page: 502 Bad Gateway")
    );

    let e = c
        .send_json::<Value>(Call::get("/html200"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("HTML page instead of JSON"), "{e}");
    assert_eq!(e.vendor_message.as_deref(), Some("Sign in"));

    let e = c.send_json::<Value>(Call::get("/empty")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("empty body"), "{e}");

    // a body cut mid-stream: transient, and a GET is retried
    let e = client(&base, quick_retry(2))
        .send_json::<Value>(Call::get("/reset"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert!(e.message.contains("cut off"), "{e}");
    assert_eq!(resets.count(), 2);
    // ...but a POST that got that far reached the vendor: not repeated
    resets.0.lock().unwrap().clear();
    let e = client(&base, quick_retry(3))
        .send(Call::post("/reset"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert_eq!(resets.count(), 1);

    // a 200 carrying an error body: without the vendor's classifier it is an
    // unexpected shape; with it, the vendor's own error
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct QueryResponse {
        #[serde(rename = "QueryResponse")]
        query_response: Value,
    }
    let e = c
        .send_json::<QueryResponse>(Call::get("/fault200"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    let qbo: Classifier = Arc::new(|_status, _headers: &HeaderMap, body: &[u8]| {
        let v: Value = serde_json::from_slice(body).ok()?;
        let err = v.pointer("/Fault/Error/0")?;
        let kind = match v.pointer("/Fault/type").and_then(Value::as_str) {
            Some("ValidationFault") => ErrorKind::Validation,
            Some("AuthenticationFault") => ErrorKind::Auth,
            _ => ErrorKind::Retryable,
        };
        Some(
            ConnectorError::new(kind, "QuickBooks fault").with_vendor_message(format!(
                "{} ({})",
                err["Message"].as_str()?,
                err["code"].as_str()?
            )),
        )
    });
    let qc = HttpClient::builder("conn", &base, &caps(vec![], None))
        .classifier(qbo)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = qc
        .send_json::<QueryResponse>(Call::get("/fault200"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    assert_eq!(
        e.vendor_message.as_deref(),
        Some("Duplicate Name Exists Error (6240)")
    );
    assert_eq!(e.correlation_id.as_deref(), Some("tid-42"));
    assert_eq!(e.status, Some(200));
}

#[tokio::test]
async fn statuses_are_classified_with_vendor_words_and_correlation_ids() {
    let base = serve(
        Router::new()
            .route(
                "/hubspot404",
                get(|| async {
                    Response::builder()
                        .status(404)
                        .header("content-type", "application/json")
                        .header("X-HubSpot-Correlation-Id", "hs-corr-1")
                        .body(Body::from(r#"{"status":"error","message":"Object not found. objectId are usually numeric.","correlationId":"hs-corr-1","category":"OBJECT_NOT_FOUND"}"#))
                        .unwrap()
                }),
            )
            .route(
                "/xero400",
                get(|| async {
                    Response::builder()
                        .status(400)
                        .header("Xero-Correlation-Id", "xc-7")
                        .body(Body::from(r#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred"}"#))
                        .unwrap()
                }),
            )
            .route("/conflict", get(|| async { json(409, r#"{"message":"Contact already exists. Existing ID: 123","correlationId":"c-9"}"#) }))
            .route("/stale", get(|| async { json(412, "{}") }))
            .route("/unprocessable", get(|| async { json(422, r#"[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING"}]"#) }))
            .route("/forbidden", get(|| async { json(403, r#"{"success":false,"error":"Scope missing"}"#) }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    json(200, "{}")
                }),
            ),
    )
    .await;
    let c = client(&base, RetryPolicy::none());
    let e = c.send(Call::get("/hubspot404")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(e.correlation_id.as_deref(), Some("hs-corr-1"));
    assert_eq!(
        e.vendor_message.as_deref(),
        Some("Object not found. objectId are usually numeric.")
    );
    assert_eq!(e.message, "GET /hubspot404: 404 Not Found");

    let e = c.send(Call::get("/xero400")).await.unwrap_err();
    assert_eq!(
        (e.kind, e.correlation_id.as_deref()),
        (ErrorKind::Validation, Some("xc-7"))
    );
    assert_eq!(
        e.vendor_message.as_deref(),
        Some("A validation exception occurred")
    );

    let e = c.send(Call::get("/conflict")).await.unwrap_err();
    assert_eq!(
        (e.kind, e.correlation_id.as_deref()),
        (ErrorKind::Conflict, Some("c-9"))
    );
    assert_eq!(
        c.send(Call::get("/stale")).await.unwrap_err().kind,
        ErrorKind::Conflict
    );
    let e = c.send(Call::get("/unprocessable")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    assert_eq!(
        e.vendor_message.as_deref(),
        Some("Required fields are missing: [Name]")
    );
    assert_eq!(
        c.send(Call::get("/forbidden")).await.unwrap_err().kind,
        ErrorKind::Auth
    );

    // a status the call accepts is returned for the caller to read, even
    // when the connector's classifier would make it an error
    let classified: Classifier = Arc::new(|status, _h: &HeaderMap, _b: &[u8]| {
        (status.as_u16() == 400).then(|| ConnectorError::validation("classified"))
    });
    let cc = HttpClient::builder("conn", &base, &caps(vec![], None))
        .classifier(classified)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = cc.send(Call::get("/xero400")).await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Validation, "classified")
    );
    let r = cc
        .send(Call::get("/xero400").accept_status(axum::http::StatusCode::BAD_REQUEST))
        .await
        .unwrap();
    assert_eq!(r.status.as_u16(), 400);
    assert!(String::from_utf8_lossy(&r.body).contains("ValidationException"));

    let slow = HttpClient::builder("conn", &base, &caps(vec![], None))
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = slow.send(Call::get("/slow")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable);
    assert!(e.message.contains("timed out"), "{e}");

    // and nothing is sent to another origin, even when a vendor's link says so
    let e = c
        .send(Call::get("/next").url("https://evil.example.com/steal"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
}

/// A token source whose first token the server refuses.
struct Rotating {
    current: Mutex<String>,
    refreshes: AtomicU32,
    can_refresh: bool,
}

#[async_trait]
impl TokenSource for Rotating {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        Ok(SecretString::from(self.current.lock().unwrap().clone()))
    }
    async fn refresh_after_unauthorized(&self, _stale: &SecretString) -> ConnectorResult<bool> {
        if !self.can_refresh {
            return Ok(false);
        }
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        *self.current.lock().unwrap() = format!("token-{n}");
        Ok(true)
    }
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    let arr = Arrivals::default();
    let a = arr.clone();
    let base = serve(Router::new().route(
        "/me",
        any(move |headers: HeaderMap| {
            let a = a.clone();
            async move {
                a.hit();
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if auth == "Bearer token-1" {
                    json(200, r#"{"me":"ok"}"#)
                } else {
                    json(401, r#"{"message":"expired"}"#)
                }
            }
        }),
    ))
    .await;
    let source = Arc::new(Rotating {
        current: Mutex::new("token-0".into()),
        refreshes: AtomicU32::new(0),
        can_refresh: true,
    });
    let c = HttpClient::builder("conn", &base, &caps(vec![], None))
        .token_source(source.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // a non-idempotent POST too: a 401 was refused before processing
    let v: Value = c
        .send_json(Call::post("/me").json(&serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(v["me"], "ok");
    assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(arr.count(), 2);
    assert_eq!(c.stats().auth_refreshes, 1);

    // a vendor that refuses every token: one refresh, one retry, then Auth
    arr.0.lock().unwrap().clear();
    *source.current.lock().unwrap() = "token-9".into();
    source.refreshes.store(5, Ordering::SeqCst); // the next refresh yields token-6, also refused
    let e = c.send(Call::get("/me")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth);
    assert_eq!(arr.count(), 2);

    // a static token cannot be refreshed: Auth after one call
    arr.0.lock().unwrap().clear();
    let st = HttpClient::builder("conn", &base, &caps(vec![], None))
        .token_source(Arc::new(StaticToken::new("revoked")))
        .build()
        .unwrap();
    assert_eq!(
        st.send(Call::get("/me")).await.unwrap_err().kind,
        ErrorKind::Auth
    );
    assert_eq!(arr.count(), 1);
}

#[tokio::test]
async fn an_exhausted_quota_header_pauses_that_tenant_instead_of_hitting_a_429() {
    // the server's window: 3 calls per 600 ms, reporting what is left
    #[derive(Default)]
    struct Window {
        start: Option<Instant>,
        used: u32,
        rejected: u32,
        arrivals: Vec<(String, Instant)>,
    }
    let w = Arc::new(Mutex::new(Window::default()));
    let ws = w.clone();
    let base = serve(Router::new().route(
        "/q",
        get(move |headers: HeaderMap| {
            let ws = ws.clone();
            async move {
                let tenant = headers
                    .get("x-tenant")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let mut w = ws.lock().unwrap();
                let now = Instant::now();
                w.arrivals.push((tenant.clone(), now));
                if tenant == "other" {
                    return json(200, "{}");
                }
                if w.start
                    .is_none_or(|s| now - s >= Duration::from_millis(600))
                {
                    w.start = Some(now);
                    w.used = 0;
                }
                if w.used >= 3 {
                    w.rejected += 1;
                    return json(429, "{}");
                }
                w.used += 1;
                Response::builder()
                    .status(200)
                    .header("X-MinLimit-Remaining", (3 - w.used).to_string())
                    .body(Body::from("{}"))
                    .unwrap()
            }
        }),
    ))
    .await;
    // declared: 60 per minute; rate_scale 100 → a 600 ms window
    let limit = RateLimit {
        name: "minute",
        calls: 60,
        per: Duration::from_secs(60),
        scope: RateScope::Tenant,
    };
    let c = HttpClient::builder("conn", &base, &caps(vec![limit], None))
        .rate_scale(100.0)
        .quota_reader(remaining_headers(&[("minute", "x-minlimit-remaining")]))
        .retry(quick_retry(1))
        .build()
        .unwrap();
    for _ in 0..3 {
        c.send(Call::get("/q").header("x-tenant", "main").tenant("main"))
            .await
            .unwrap();
    }
    // "0 left" was reported: the 4th call waits for the window, no 429
    let t = Instant::now();
    let other = tokio::spawn({
        let c = c.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let t = Instant::now();
            c.send(Call::get("/q").header("x-tenant", "other").tenant("other"))
                .await
                .unwrap();
            t.elapsed()
        }
    });
    c.send(Call::get("/q").header("x-tenant", "main").tenant("main"))
        .await
        .unwrap();
    let waited = t.elapsed();
    let other_took = other.await.unwrap();
    let w = w.lock().unwrap();
    assert_eq!(w.rejected, 0, "no call was spent on a 429");
    assert!(
        waited >= Duration::from_millis(450),
        "resumed after {waited:?}"
    );
    assert!(
        other_took < Duration::from_millis(300),
        "another tenant is not paused ({other_took:?})"
    );
    assert_eq!(c.stats().quota_pauses, 1);
    assert_eq!(c.stats().rate_limited, 0);
}

/// The largest number of arrivals within any half-open window of length `w`.
fn max_in_window(times: &[Instant], w: Duration) -> usize {
    let mut t = times.to_vec();
    t.sort();
    (0..t.len())
        .map(|i| t[i..].iter().take_while(|x| **x - t[i] < w).count())
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governor_keeps_n_calls_per_window_per_tenant() {
    let by_tenant: Arc<Mutex<std::collections::HashMap<String, Vec<Instant>>>> = Arc::default();
    let b = by_tenant.clone();
    let base = serve(Router::new().route(
        "/g",
        get(move |headers: HeaderMap| {
            let b = b.clone();
            async move {
                let tenant = headers
                    .get("x-tenant")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                b.lock()
                    .unwrap()
                    .entry(tenant)
                    .or_default()
                    .push(Instant::now());
                json(200, "{}")
            }
        }),
    ))
    .await;
    // 10 calls per 2 s, scaled 10× → 10 calls per 200 ms
    let limit = RateLimit {
        name: "ten_per_window",
        calls: 10,
        per: Duration::from_secs(2),
        scope: RateScope::Tenant,
    };
    let c = HttpClient::builder("conn", &base, &caps(vec![limit], None))
        .rate_scale(10.0)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..60 {
        let c = c.clone();
        let tenant = if i % 2 == 0 { "a" } else { "b" };
        tasks.push(tokio::spawn(async move {
            c.send(Call::get("/g").header("x-tenant", tenant).tenant(tenant))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let by_tenant = by_tenant.lock().unwrap();
    let window = Duration::from_millis(200);
    for tenant in ["a", "b"] {
        let times = &by_tenant[tenant];
        assert_eq!(times.len(), 30);
        let max = max_in_window(times, window);
        // N per window; +1 tolerates one late wake-up of the scheduler on a
        // loaded machine. A bucket with burst N would show ~2N here, no
        // limiter at all 30.
        assert!(
            max <= 11,
            "tenant {tenant}: {max} calls within one 200 ms window"
        );
        let mut t = times.clone();
        t.sort();
        let span = *t.last().unwrap() - t[0];
        // 30 calls at 10 per 200 ms take at least 29 × 20 ms
        assert!(
            span >= Duration::from_millis(29 * 20 * 9 / 10),
            "tenant {tenant}: 30 calls in {span:?}"
        );
    }
    // tenants are paced independently: 60 calls in about the time of 30
    assert!(elapsed < Duration::from_millis(1200), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_holds() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let (f, m) = (in_flight.clone(), max_seen.clone());
    let base = serve(Router::new().route(
        "/c",
        get(move || {
            let (f, m) = (f.clone(), m.clone());
            async move {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(40)).await;
                f.fetch_sub(1, Ordering::SeqCst);
                json(200, "{}")
            }
        }),
    ))
    .await;
    let c = HttpClient::builder("conn", &base, &caps(vec![], Some(3)))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..15)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.send(Call::get("/c")).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        max_seen.load(Ordering::SeqCst),
        3,
        "at most 3 in flight, and the cap is used"
    );
    assert_eq!(c.stats().api_calls, 15);
}

#[test]
fn spans_carry_the_template_and_status_but_no_secret() {
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }
    let buf = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buf.clone())
        .with_ansi(false)
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let base = serve(Router::new().route(
                "/deals/{id}",
                get(|headers: HeaderMap| async move {
                    let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("Bearer SECRET-TOKEN-123");
                    json(if ok { 200 } else { 401 }, "{}")
                }),
            ))
            .await;
            let c = HttpClient::builder("conn", &base, &caps(vec![], None))
                .token_source(Arc::new(StaticToken::new("SECRET-TOKEN-123")))
                .build()
                .unwrap();
            c.send(
                Call::get("/deals/{id}")
                    .param("id", "4711")
                    .query("limit", "10")
                    .query("api_token", "SECRET-QUERY-TOKEN")
                    .query("code", "SECRET-CODE"),
            )
            .await
            .unwrap();
        });
    });
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("vendor_call"), "{logs}");
    assert!(logs.contains("path=/deals/{id}"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("attempt=1"), "{logs}");
    assert!(logs.contains("limit=10"), "{logs}");
    assert!(
        !logs.contains("SECRET"),
        "a secret reached the logs:\n{logs}"
    );
    assert!(
        !logs.contains("4711"),
        "concrete ids stay out of spans:\n{logs}"
    );
}
