//! A simulator per test and a small client that speaks to it.
#![allow(dead_code)]

use ledgerbridge_salesforce::sim::{self, OrgSettings, RunningSim, SimHandle};
use ledgerbridge_sdk::sim::SimOptions;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const TOKEN: &str = "test-token";
pub const V: &str = "/services/data/v66.0";

pub fn opts(deals: usize) -> SimOptions {
    SimOptions {
        deals,
        token: Some(TOKEN.into()),
        rate_limits: false,
        ..SimOptions::default()
    }
}

pub struct Api {
    pub sim: RunningSim,
    pub handle: SimHandle,
    pub http: reqwest::Client,
}

pub async fn start(opts: SimOptions) -> Api {
    start_with(opts, OrgSettings::default()).await
}

pub async fn start_with(opts: SimOptions, org: OrgSettings) -> Api {
    let (sim, handle) = sim::spawn_with("127.0.0.1:0", opts, org).await.unwrap();
    Api {
        sim,
        handle,
        http: reqwest::Client::new(),
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call_as(method, path, body, Some(TOKEN), &[]).await
    }

    pub async fn call_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    /// `GET /query?q=` with the query form-encoded (spaces as `+`).
    pub async fn query(&self, soql: &str) -> Answer {
        let q: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        self.get(&format!("{V}/query?q={q}")).await
    }
}

/// Asserts Salesforce's error array with this code and returns the message.
pub fn error_code(a: &Answer, status: u16, code: &str) -> String {
    assert_eq!(a.status.as_u16(), status, "{:?}", a.body);
    let arr = a
        .body
        .as_array()
        .unwrap_or_else(|| panic!("error array: {:?}", a.body));
    assert_eq!(arr.len(), 1);
    let e = &arr[0];
    assert_eq!(e["errorCode"], code, "{e}");
    assert!(e["message"].is_string());
    assert!(e["fields"].is_array());
    e["message"].as_str().unwrap().to_string()
}

/// A well-formed id of a record that does not exist.
pub fn missing(prefix: &str) -> String {
    ledgerbridge_salesforce::sim::ids::make(prefix, 999_999)
}
