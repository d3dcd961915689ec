//! Shared setup: the simulator in-process, an HTTP client speaking to it the
//! way QuickBooks clients do, and the JSON schema derived from Intuit's XSDs
//! (`spec/qbo-v3.schema.json`) that every body sent and received is checked against.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ledgerbridge_quickbooks::sim::{self, SimHandle};
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";

/// Intuit's model as JSON Schema, one compiled validator per type.
pub struct Schema {
    root: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl Schema {
    pub fn get() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| Schema {
            root: serde_json::from_str(include_str!("../../spec/qbo-v3.schema.json"))
                .expect("the generated schema is JSON"),
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// Checks `v` against the XSD type `ty` (`Invoice`, `IntuitResponse`, ...).
    pub fn check(&self, ty: &str, v: &Value) -> Result<(), Vec<String>> {
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            cache
                .entry(ty.to_string())
                .or_insert_with(|| {
                    assert!(
                        self.root["$defs"].get(ty).is_some(),
                        "the schema has no type {ty}"
                    );
                    let mut root = self.root.clone();
                    root["$ref"] = json!(format!("#/$defs/{ty}"));
                    Arc::new(
                        jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft202012)
                            .build(&root)
                            .expect("the schema compiles"),
                    )
                })
                .clone()
        };
        let errors: Vec<String> = validator
            .iter_errors(v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Panics with the errors when `v` is not a valid `ty`.
    pub fn assert_valid(&self, ty: &str, v: &Value) {
        if let Err(e) = self.check(ty, v) {
            panic!("not a valid {ty} by Intuit's XSD: {e:#?}\n{v:#}");
        }
    }
}

pub struct Env {
    pub sim: RunningSim,
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub realm: String,
    pub token: String,
}

pub async fn start(opts: SimOptions) -> Env {
    let opts = SimOptions {
        token: Some(TOKEN.into()),
        rate_limits: false,
        ..opts
    };
    start_raw(opts).await
}

pub async fn start_raw(opts: SimOptions) -> Env {
    let (sim, handle) = sim::spawn("127.0.0.1:0", opts).await.unwrap();
    Env {
        realm: handle.realm_id(),
        sim,
        handle,
        http: reqwest::Client::new(),
        token: TOKEN.into(),
    }
}

impl Env {
    pub fn url(&self, rest: &str) -> String {
        format!("{}/v3/company/{}/{rest}", self.sim.base_url, self.realm)
    }

    async fn finish(&self, resp: reqwest::Response) -> (StatusCode, Value) {
        let status = resp.status();
        assert!(
            resp.headers().contains_key("intuit_tid"),
            "every response carries intuit_tid"
        );
        let v: Value = resp.json().await.expect("a JSON body");
        Schema::get().assert_valid("IntuitResponse", &v);
        (status, v)
    }

    /// `POST /{entity}` with `?minorversion=75&...`; the body is checked
    /// against the entity's XSD type before it is sent.
    pub async fn post(&self, entity: &str, query: &str, body: &Value) -> (StatusCode, Value) {
        Schema::get().assert_valid(entity, body);
        self.post_unchecked(&entity.to_lowercase(), query, body)
            .await
    }

    pub async fn post_unchecked(
        &self,
        path: &str,
        query: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let url = format!(
            "{}?minorversion=75{}{query}",
            self.url(path),
            if query.is_empty() { "" } else { "&" }
        );
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    pub async fn get(&self, rest: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(rest))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// `POST /query` with the query as `application/text`.
    pub async fn query(&self, q: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("query?minorversion=75"))
            .bearer_auth(&self.token)
            .header("content-type", "application/text")
            .body(q.to_string())
            .send()
            .await
            .unwrap();
        self.finish(resp).await
    }

    /// `POST /batch`; the body is checked as an `IntuitBatchRequest`.
    pub async fn batch(&self, query: &str, body: &Value) -> (StatusCode, Value) {
        Schema::get().assert_valid("IntuitBatchRequest", body);
        self.post_unchecked("batch", query, body).await
    }

    /// Creates an object and returns it as stored.
    pub async fn create(&self, entity: &str, body: Value) -> Value {
        let (status, v) = self.post(entity, "", &body).await;
        assert_eq!(status, StatusCode::OK, "{v:#}");
        v[entity].clone()
    }

    /// Checks every stored object against its XSD type.
    pub fn assert_export_valid(&self) {
        let export = self.handle.export();
        for (entity, objs) in export.as_object().unwrap() {
            for o in objs.as_array().unwrap() {
                Schema::get().assert_valid(entity, o);
            }
        }
    }
}

/// The code of the first error of a fault body.
pub fn fault_code(v: &Value) -> &str {
    v["Fault"]["Error"][0]["code"].as_str().unwrap_or_default()
}

pub fn customer(name: &str) -> Value {
    json!({"DisplayName": name, "PrimaryEmailAddr": {"Address": "billing@example.com"}})
}

/// A two-line invoice (2 x 100.00 Services, 3 x 19.99 Rocks).
pub fn invoice(customer_id: &str, doc: &str) -> Value {
    json!({
        "CustomerRef": {"value": customer_id},
        "DocNumber": doc,
        "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": 200.0, "Description": "Consulting",
             "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 100.0}},
            {"DetailType": "SalesItemLineDetail", "Amount": 59.97,
             "SalesItemLineDetail": {"ItemRef": {"value": "5"}, "Qty": 3, "UnitPrice": 19.99}}
        ]
    })
}
