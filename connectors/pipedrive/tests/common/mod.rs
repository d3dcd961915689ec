//! Shared setup: a simulator in-process with strict schema checks (every
//! request and response body, and every webhook's data, against Pipedrive's
//! own OpenAPI files, when they are found), an HTTP client, and a webhook
//! receiver.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ledgerbridge_pipedrive::sim::{self, SimHandle};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use serde_json::Value;

pub const TOKEN: &str = "test-token";

pub struct Env {
    pub sim: RunningSim,
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub strict: bool,
}

pub async fn start(opts: SimOptions) -> Env {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        ..opts
    };
    let (sim, handle) = sim::spawn("127.0.0.1:0", opts).await.unwrap();
    let strict = handle.set_strict(true);
    if !strict {
        eprintln!("notice: Pipedrive specs not found; schema checks skipped in this test");
    }
    Env {
        sim,
        handle,
        http: reqwest::Client::new(),
        strict,
    }
}

pub fn opts(deals: usize) -> SimOptions {
    SimOptions {
        deals,
        rate_limits: false,
        ..SimOptions::default()
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url)
    }

    /// A call with the API token in the `x-api-token` header.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).header("x-api-token", TOKEN)
    }

    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("x-api-token", TOKEN)
            .json(body)
    }

    /// GET returning (status, JSON body).
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap())
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let r = self.send(method, path, body).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap())
    }

    /// Fails the test on any schema violation the simulator recorded.
    pub fn assert_no_violations(&self) {
        let v = self.handle.violations();
        assert!(
            v.is_empty(),
            "{} schema violations, first: {:?}",
            v.len(),
            v.first()
        );
    }

    pub fn export(&self) -> Value {
        serde_json::from_slice(&self.handle.export_json()).unwrap()
    }

    /// Every page of a v2 list, following `next_cursor`; `query` without `cursor`.
    pub async fn all_pages(&self, path: &str, query: &str) -> (Vec<Value>, usize) {
        let mut rows = vec![];
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut q = query.to_string();
            if let Some(c) = &cursor {
                q.push_str(&format!("&cursor={c}"));
            }
            let (status, body) = self.get_json(&format!("{path}?{q}")).await;
            assert_eq!(status, 200, "{body}");
            pages += 1;
            rows.extend(body["data"].as_array().unwrap().iter().cloned());
            match body["additional_data"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => {
                    assert!(body["additional_data"]["next_cursor"].is_null());
                    break;
                }
            }
        }
        (rows, pages)
    }
}

/// Waits until `cond` holds, polling; panics after `within`.
pub async fn eventually<F: FnMut() -> bool>(within: Duration, what: &str, mut cond: F) {
    let until = std::time::Instant::now() + within;
    while !cond() {
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One webhook POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

/// A webhook receiver: records every POST, answers the statuses of
/// `answers` in turn (then 200).
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    pub async fn start(answers: Vec<u16>) -> (Receiver, String) {
        let r = Receiver {
            got: Arc::default(),
            answers: Arc::new(Mutex::new(answers.into_iter().rev().collect())),
        };
        async fn hook(
            State(r): State<Receiver>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> StatusCode {
            r.got.lock().unwrap().push(Received {
                authorization: headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            let code = r.answers.lock().unwrap().pop().unwrap_or(200);
            StatusCode::from_u16(code).unwrap()
        }
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}
