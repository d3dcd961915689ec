//! Every request of Salesforce's own Postman collection of the REST API that
//! the simulator covers, replayed against it with the collection's method,
//! path and parameter names; each answer must have the documented shape
//! (keys and their JSON types). The collection is read from
//! `$LEDGERBRIDGE_SPECS_DIR/salesforce` or `shared/specs/salesforce` beside
//! the workspace; without it the test says so and checks nothing.
#![cfg(feature = "sim")]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn locate() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("LEDGERBRIDGE_SPECS_DIR") {
        let p = Path::new(&dir).join("salesforce");
        if p.join("index.json").is_file() {
            return Some(p);
        }
    }
    let starts = [
        std::env::current_dir().ok(),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
    ];
    starts
        .into_iter()
        .flatten()
        .flat_map(|s| s.ancestors().map(Path::to_path_buf).collect::<Vec<_>>())
        .map(|d| d.join("shared/specs/salesforce"))
        .find(|p| p.join("index.json").is_file())
}

/// Requests of the collection not replayed: outside what the simulator
/// serves, or (the authorize step) a browser redirect, which
/// `tests/oauth.rs` drives instead.
const NOT_REPLAYED: [&str; 16] = [
    "auth/asset_token_flow.json",
    "auth/authentication_configuration_endpoint.json",
    "auth/id_token.json",
    "auth/oauth_username_password.json",
    "auth/openid_connect_discovery_endpoint.json",
    "auth/openid_connect_dynamic_client_registration_endpoint.json",
    "auth/openid_connect_token_introspection_endpoint.json",
    "auth/salesforce_keys.json",
    "auth/soap_login.json",
    "auth/user_agent_flow.json",
    "auth/user_info.json",
    "composite/batch.json",
    "composite/composite.json",
    "composite/composite_graph.json",
    "composite/sobject_tree.json",
    "auth/web_server_flow_1.json",
];

#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    Num,
    Bool,
    Arr,
    Obj,
}

fn has(body: &Value, keys: &[(&str, T)], what: &str) {
    for (k, t) in keys {
        let v = &body[*k];
        let ok = match t {
            T::Str => v.is_string(),
            T::Num => v.is_number(),
            T::Bool => v.is_boolean(),
            T::Arr => v.is_array(),
            T::Obj => v.is_object(),
        };
        assert!(ok, "{what}: `{k}` should be {t:?} in {body}");
    }
}

fn error_array(status: u16, body: &Value, what: &str) {
    assert!((400..500).contains(&status), "{what}: {status}");
    let e = &body[0];
    has(
        e,
        &[
            ("message", T::Str),
            ("errorCode", T::Str),
            ("fields", T::Arr),
        ],
        what,
    );
}

#[tokio::test]
async fn the_collection_replays_against_the_simulator() {
    let Some(dir) = locate() else {
        eprintln!(
            "notice: Salesforce Postman collection not found (set LEDGERBRIDGE_SPECS_DIR or put shared/specs beside the workspace); skipped"
        );
        return;
    };
    let api = start(opts(12)).await;
    let account = api.handle.ids("Account")[0].clone();
    let doomed = api.handle.ids("Account")[1].clone();
    let doomed_too = api.handle.ids("Account")[2].clone();
    let base = api.sim.base_url.clone();
    let now = chrono::Utc::now();
    let enc = |t: chrono::DateTime<chrono::Utc>| -> String {
        url::form_urlencoded::byte_serialize(t.to_rfc3339().as_bytes()).collect()
    };
    let window = format!(
        "start={}&end={}",
        enc(now - chrono::Duration::days(1)),
        enc(now)
    );

    let mut replayed = Vec::new();
    let mut files: Vec<PathBuf> = ["rest", "composite", "auth"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(dir.join(d))
                .unwrap()
                .map(|e| e.unwrap().path())
        })
        .collect();
    files.sort();
    let total = files.len();
    for path in files {
        let name = format!(
            "{}/{}",
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            path.file_name().unwrap().to_string_lossy()
        );
        if NOT_REPLAYED.contains(&name.as_str()) {
            continue;
        }
        let req: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let method = Method::from_bytes(req["method"].as_str().unwrap().as_bytes()).unwrap();
        let record = if name == "rest/sobject_rows_delete.json" {
            &doomed
        } else {
            &account
        };
        let url = req["url"]
            .as_str()
            .unwrap()
            .replace("{{_endpoint}}", &base)
            .replace("{{url}}{{site}}", &base)
            .replace("{{version}}", "66.0")
            .replace("<SOBJECT_API_NAME>", "Account")
            .replace("<RECORD_ID>", record)
            .replace("<FIELD_NAME>", "Customer_Number__c")
            .replace("<FIELD_VALUE>", "CUST-000001")
            .replace("start=&end=", &window)
            .replace(
                "?ids&allOrNone",
                &format!("?ids={doomed_too}&allOrNone=false"),
            )
            .replace(
                "?ids&fields",
                &format!("?ids={account}&fields=Name,Customer_Number__c"),
            )
            .replace("sObjects=", "sObjects=Account");
        assert!(!url.contains("{{") && !url.contains('<'), "{name}: {url}");
        let mut http = api.http.request(method.clone(), url.clone());
        // the collection's bodies name types where values go; real ones here
        let body = match name.as_str() {
            "composite/sobject_collections_create.json" => {
                Some(json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "Name": "From the collection"}]}))
            }
            "composite/sobject_collections_update.json" => {
                Some(json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Account"}, "id": account, "Description": "From the collection"}]}))
            }
            _ => req["rawModeData"]
                .as_str()
                .filter(|raw| !raw.trim().is_empty())
                .map(|raw| serde_json::from_str(raw).unwrap()),
        };
        if name.starts_with("auth/") {
            let form: Vec<(String, String)> = req["data"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .map(|p| {
                            (
                                p["key"].as_str().unwrap().to_string(),
                                p["value"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            http = http.form(&form);
        } else {
            http = http.bearer_auth(TOKEN);
            if let Some(b) = &body {
                http = http.json(b);
            }
        }
        let resp = http.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let b: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let what = format!("{name} ({method} {url})");
        match name.as_str() {
            "rest/versions.json" => {
                assert_eq!(status, 200, "{what}");
                has(
                    &b[0],
                    &[("label", T::Str), ("url", T::Str), ("version", T::Str)],
                    &what,
                );
            }
            "rest/resources_by_version.json" => {
                has(&b, &[("sobjects", T::Str), ("query", T::Str)], &what)
            }
            "rest/query.json" | "rest/queryall.json" => {
                assert_eq!(status, 200, "{what}: {b}");
                has(
                    &b,
                    &[
                        ("totalSize", T::Num),
                        ("done", T::Bool),
                        ("records", T::Arr),
                    ],
                    &what,
                );
                has(
                    &b["records"][0],
                    &[("attributes", T::Obj), ("Name", T::Str)],
                    &what,
                );
            }
            "rest/limit.json" => has(
                &b["DailyApiRequests"],
                &[("Max", T::Num), ("Remaining", T::Num)],
                &what,
            ),
            "rest/record_count.json" => has(
                &b["sObjects"][0],
                &[("count", T::Num), ("name", T::Str)],
                &what,
            ),
            "rest/describe_global.json" => has(
                &b,
                &[
                    ("encoding", T::Str),
                    ("maxBatchSize", T::Num),
                    ("sobjects", T::Arr),
                ],
                &what,
            ),
            "rest/sobject_basic_information.json" => has(
                &b,
                &[("objectDescribe", T::Obj), ("recentItems", T::Arr)],
                &what,
            ),
            "rest/sobject_describe.json" => has(
                &b,
                &[
                    ("name", T::Str),
                    ("fields", T::Arr),
                    ("childRelationships", T::Arr),
                    ("urls", T::Obj),
                ],
                &what,
            ),
            "rest/sobject_create.json" => {
                assert_eq!(status, 201, "{what}: {b}");
                has(
                    &b,
                    &[("id", T::Str), ("success", T::Bool), ("errors", T::Arr)],
                    &what,
                );
            }
            "rest/sobject_rows.json" | "rest/sobject_rows_by_external_id.json" => {
                assert_eq!(status, 200, "{what}: {b}");
                has(
                    &b,
                    &[("attributes", T::Obj), ("Id", T::Str), ("Name", T::Str)],
                    &what,
                );
            }
            "rest/sobject_rows_delete.json" => assert_eq!(status, 204, "{what}: {text}"),
            // the collection's placeholder field name is not a field
            "rest/sobject_rows_update.json" => error_array(status, &b, &what),
            "rest/sobject_get_updated.json" => {
                has(&b, &[("ids", T::Arr), ("latestDateCovered", T::Str)], &what)
            }
            "rest/sobject_get_deleted.json" => has(
                &b,
                &[
                    ("deletedRecords", T::Arr),
                    ("earliestDateAvailable", T::Str),
                    ("latestDateCovered", T::Str),
                ],
                &what,
            ),
            "composite/sobject_collections_create.json"
            | "composite/sobject_collections_update.json"
            | "composite/sobject_collections_delete.json" => {
                assert_eq!(status, 200, "{what}: {b}");
                has(&b[0], &[("success", T::Bool), ("errors", T::Arr)], &what);
            }
            "composite/sobject_collections_retrieve.json" => {
                assert_eq!(status, 200, "{what}: {b}");
                has(&b[0], &[("attributes", T::Obj), ("Name", T::Str)], &what);
            }
            // the collection sends empty codes, tokens and assertions:
            // refused in OAuth's error shape
            "auth/web_server_flow_2.json"
            | "auth/refresh_token.json"
            | "auth/jwt_bearer_token_flow.json"
            | "auth/revoke_token.json" => {
                assert_eq!(status, 400, "{what}: {text}");
                has(
                    &b,
                    &[("error", T::Str), ("error_description", T::Str)],
                    &what,
                );
            }
            other => panic!("{other}: a request of the collection nobody checks ({what})"),
        }
        replayed.push(name);
    }
    // every request is either replayed or named above
    assert_eq!(replayed.len() + NOT_REPLAYED.len(), total, "{replayed:?}");
    assert!(replayed.len() >= 24);
}
