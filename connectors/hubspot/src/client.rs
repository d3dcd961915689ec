//! HTTP calls to HubSpot. Transport, pacing, retries, `Retry-After`, token
//! refresh and the fleet [`Pacer`] hook are the SDK's [`HttpClient`]; this
//! file supplies what is HubSpot's: the two rate-limit lanes, the
//! `X-HubSpot-RateLimit-*` quota headers, the error bodies (`error.rs`), the
//! endpoints and their typed wire shapes. `source/` turns those into the
//! canonical model.
//!
//! Responses are read into the typed structs below, never into
//! `serde_json::Value` trees: a full pull reads ~50 MB of JSON for 20,000
//! deals and their line items, and the property maps are deserialized
//! straight into the maps the canonical records keep.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures::future::try_join_all;
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::http::{
    Call, Classifier, HttpClient, HttpStats, NoPacer, Pacer, Quota, QuotaReader, RetryPolicy,
    parse_retry_after,
};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};
use secrecy::SecretString;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::config::HubSpotConfig;
use crate::error::classify;

/// The connector's name for the SDK's [`TokenSource`], kept so code written
/// against the old local trait (`impl Bearer for ...`, `Arc<dyn Bearer>`)
/// compiles unchanged: it *is* `TokenSource`.
pub use ledgerbridge_sdk::auth::TokenSource as Bearer;

/// A private-app token (or a simulator's `--token`); the SDK's
/// [`StaticToken`](ledgerbridge_sdk::auth::StaticToken) does the same.
pub struct StaticBearer(pub SecretString);

#[async_trait]
impl TokenSource for StaticBearer {
    async fn access_token(&self) -> ConnectorResult<SecretString> {
        Ok(self.0.clone())
    }
    async fn refresh_after_unauthorized(&self, _stale: &SecretString) -> ConnectorResult<bool> {
        Ok(false)
    }
}

/// HubSpot's batch endpoints take at most this many inputs.
pub const BATCH_READ_MAX: usize = 100;
/// Associations v4 batch read takes up to 1,000 inputs (since 2025-02-10).
pub const ASSOC_BATCH_MAX: usize = 1000;

/// Which of HubSpot's limits a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The 10-second and daily limits.
    Standard,
    /// The search API: its own per-second limit, no quota headers.
    Search,
}

// ---------------------------------------------------------------- wire types

/// A `SimplePublicObject(WithAssociations)` as the connector reads it;
/// fields it does not use are skipped while parsing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HsObject {
    pub id: String,
    /// Every property with a string value (`null`s are left out).
    #[serde(default, deserialize_with = "string_properties")]
    pub properties: BTreeMap<String, String>,
    #[serde(rename = "updatedAt", default)]
    pub updated_at: String,
    #[serde(default)]
    pub archived: bool,
    /// v3 inline associations by HubSpot's key (`companies`, `line items`).
    #[serde(default)]
    pub associations: Option<BTreeMap<String, AssocPage>>,
}

impl HsObject {
    /// A property's value, `None` when absent or empty.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// One type's inline associations.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssocPage {
    #[serde(default)]
    pub results: Vec<AssocRef>,
}

/// `{id, type}`: `type` is e.g. `deal_to_company` or `deal_to_company_unlabeled`.
#[derive(Debug, Clone, Deserialize)]
pub struct AssocRef {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A list or search page: `{results, paging?: {next?: {after}}, total?}`.
#[derive(Debug, Default, Deserialize)]
pub struct ObjectPage {
    #[serde(default)]
    pub results: Vec<HsObject>,
    #[serde(default)]
    pub paging: Option<Paging>,
    #[serde(default)]
    pub total: Option<u64>,
}

impl ObjectPage {
    /// The `after` of the next page, `None` on the last one.
    pub fn next_after(&self) -> Option<&str> {
        self.paging
            .as_ref()?
            .next
            .as_ref()
            .map(|n| n.after.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub struct NextPage {
    #[serde(deserialize_with = "id_string")]
    pub after: String,
}

/// A batch answer (200, or 207 with per-item errors the caller ignores).
#[derive(Debug, Default, Deserialize)]
struct BatchResults {
    #[serde(default)]
    results: Vec<HsObject>,
}

#[derive(Debug, Default, Deserialize)]
struct AssocBatch {
    #[serde(default)]
    results: Vec<AssocResult>,
}

#[derive(Debug, Deserialize)]
struct AssocResult {
    from: AssocFrom,
    #[serde(default)]
    to: Vec<AssocTo>,
}

#[derive(Debug, Deserialize)]
struct AssocFrom {
    #[serde(deserialize_with = "id_string")]
    id: String,
}

#[derive(Debug, Deserialize)]
struct AssocTo {
    #[serde(rename = "toObjectId", deserialize_with = "id_string")]
    to_object_id: String,
    #[serde(rename = "associationTypes", default)]
    association_types: Vec<AssocType>,
}

#[derive(Debug, Deserialize)]
struct AssocType {
    #[serde(rename = "typeId", default)]
    type_id: Option<u64>,
}

/// A `batch/read` or `batch/update` body's input.
#[derive(Serialize)]
struct IdInput<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct BatchRead<'a> {
    inputs: Vec<IdInput<'a>>,
    properties: &'a [String],
}

#[derive(Serialize)]
struct AssocRead<'a> {
    inputs: Vec<IdInput<'a>>,
}

/// One `batch/update` input: `{id, properties}`.
#[derive(Debug, Serialize)]
pub struct UpdateInput<'a> {
    pub id: &'a str,
    pub properties: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct BatchUpdate<'a> {
    inputs: &'a [UpdateInput<'a>],
}

/// A property map keeping string values only (HubSpot sends `null` for a
/// requested property without a value; anything else is not a property
/// value and is skipped, as before).
fn string_properties<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct Props;
    impl<'de> Visitor<'de> for Props {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of property values")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<String>()? {
                if let StrValue(Some(v)) = m.next_value()? {
                    out.insert(k, v);
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(Props)
}

/// A JSON value kept only when it is a string.
struct StrValue(Option<String>);

impl<'de> Deserialize<'de> for StrValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a property value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrValue, E> {
                Ok(StrValue(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StrValue, E> {
                Ok(StrValue(Some(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<StrValue, E> {
                Ok(StrValue(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<StrValue, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StrValue(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<StrValue, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StrValue(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An id HubSpot sends as a string (`"123"`) or, in v4 answers, a number.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an id (string or number)")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

// ---------------------------------------------------------------- the client

fn header_u64(h: &http::HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `X-HubSpot-RateLimit-Remaining` (the 10-second window, resetting within
/// `-Interval-Milliseconds`) and `-Daily-Remaining` (not sent to OAuth calls).
fn quota_reader() -> QuotaReader {
    Arc::new(|h: &http::HeaderMap| {
        let mut out = Vec::new();
        if let Some(remaining) = header_u64(h, "x-hubspot-ratelimit-remaining") {
            out.push(Quota {
                window: "ten_seconds".into(),
                remaining,
                resets_in: header_u64(h, "x-hubspot-ratelimit-interval-milliseconds")
                    .map(Duration::from_millis),
            });
        }
        if let Some(remaining) = header_u64(h, "x-hubspot-ratelimit-daily-remaining") {
            out.push(Quota {
                window: "daily".into(),
                remaining,
                resets_in: None,
            });
        }
        out
    })
}

/// Marks errors made by [`classifier`] so [`name_error`] can put the call's
/// method and path in front.
const UNNAMED: &str = "HubSpot call";

/// HubSpot's error bodies (`error.rs`) for every non-2xx answer: the
/// category refines the status (a 400 `OBJECT_NOT_FOUND` is NotFound),
/// `policyName` says which limit a 429 hit.
fn classifier() -> Classifier {
    Arc::new(|status, headers, body| {
        if status.is_success() {
            return None;
        }
        let retry_after = parse_retry_after(headers, SystemTime::now()).or_else(|| {
            (status.as_u16() == 429)
                .then(|| header_u64(headers, "x-hubspot-ratelimit-interval-milliseconds"))
                .flatten()
                .map(Duration::from_millis)
        });
        Some(classify(UNNAMED, status.as_u16(), retry_after, body))
    })
}

fn name_error(mut e: ConnectorError, method: &str, template: &str) -> ConnectorError {
    if let Some(rest) = e.message.strip_prefix(UNNAMED) {
        e.message = format!("{method} {template}{rest}");
    }
    e
}

fn sum(a: HttpStats, b: HttpStats) -> HttpStats {
    HttpStats {
        api_calls: a.api_calls + b.api_calls,
        rate_limited: a.rate_limited + b.rate_limited,
        retries: a.retries + b.retries,
        quota_pauses: a.quota_pauses + b.quota_pauses,
        auth_refreshes: a.auth_refreshes + b.auth_refreshes,
    }
}

/// A HubSpot connection's API client. Cheap to share (`Arc`); calls may run
/// concurrently (the source pipelines pages and batch reads).
pub struct HubSpotClient {
    cfg: HubSpotConfig,
    /// Standard lane: 10-second and daily limits, quota headers.
    api: HttpClient,
    /// Search lane: its own per-second limit.
    search: HttpClient,
}

impl fmt::Debug for HubSpotClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubSpotClient")
            .field("base_url", &self.cfg.base_url)
            .finish_non_exhaustive()
    }
}

impl HubSpotClient {
    /// A client with no fleet-wide pacing.
    pub fn new(cfg: HubSpotConfig, auth: Arc<dyn TokenSource>) -> ConnectorResult<HubSpotClient> {
        Self::with_pacer(cfg, auth, Arc::new(NoPacer))
    }

    /// A client whose every call also waits for the engine's fleet-wide
    /// [`Pacer`] (e.g. a lease of the account's quota shared by workers).
    pub fn with_pacer(
        cfg: HubSpotConfig,
        auth: Arc<dyn TokenSource>,
        pacer: Arc<dyn Pacer>,
    ) -> ConnectorResult<HubSpotClient> {
        let caps = crate::source::capabilities(&cfg);
        let (search_limits, limits): (Vec<_>, Vec<_>) = caps
            .rate_limits
            .iter()
            .cloned()
            .partition(|l| l.name == "search");
        let retry = RetryPolicy {
            max_attempts: cfg.max_attempts.max(1),
            base_delay: cfg.scaled(Duration::from_millis(200)),
            max_delay: cfg.scaled(Duration::from_secs(10)),
            max_elapsed: Duration::from_secs(60).max(cfg.timeout),
        };
        let build = |limits, quota: bool| {
            let mut b = HttpClient::builder(cfg.connection.clone(), cfg.base_url.clone(), &caps)
                .rate_limits(limits, None)
                .rate_scale(cfg.rate_scale)
                .enforce_rate_limits(cfg.pace)
                .retry(retry.clone())
                .timeout(cfg.timeout)
                .token_source(auth.clone())
                .default_header("accept", "application/json")
                .classifier(classifier())
                .pacer(pacer.clone());
            if quota {
                b = b.quota_reader(quota_reader());
            }
            b.build()
        };
        Ok(HubSpotClient {
            api: build(limits, true)?,
            search: build(search_limits, false)?,
            cfg,
        })
    }

    pub fn config(&self) -> &HubSpotConfig {
        &self.cfg
    }

    /// The SDK client of a lane (for calls this file has no helper for).
    pub fn http(&self, lane: Lane) -> &HttpClient {
        match lane {
            Lane::Standard => &self.api,
            Lane::Search => &self.search,
        }
    }

    /// Both lanes' counters added up.
    pub fn stats(&self) -> HttpStats {
        sum(self.api.stats(), self.search.stats())
    }

    /// Calls sent (including retries).
    pub fn calls(&self) -> u64 {
        self.stats().api_calls
    }

    /// 429s received (and waited out or returned).
    pub fn rate_limited(&self) -> u64 {
        self.stats().rate_limited
    }

    /// Sends a call on a lane and reads the JSON answer as `T`.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        lane: Lane,
        call: Call,
    ) -> ConnectorResult<T> {
        let (method, template) = (call.method().to_string(), call.template().to_string());
        self.http(lane)
            .send_json(call)
            .await
            .map_err(|e| name_error(e, &method, &template))
    }

    /// `GET /crm/v3/objects/{type}`: one page in id order, associations inline.
    pub async fn list(
        &self,
        object: &str,
        after: Option<&str>,
        properties: &[String],
        associations: &[&str],
    ) -> ConnectorResult<ObjectPage> {
        let mut call = Call::get("/crm/v3/objects/{type}")
            .param("type", object)
            .query("limit", self.cfg.page_size.clamp(1, 100).to_string())
            .query("properties", properties.join(","));
        if !associations.is_empty() {
            call = call.query("associations", associations.join(","));
        }
        if let Some(a) = after {
            call = call.query("after", a);
        }
        self.send_json(Lane::Standard, call).await
    }

    /// `POST /crm/v3/objects/{type}/search` (a read: safe to retry).
    pub async fn search<B: Serialize + ?Sized>(
        &self,
        object: &str,
        body: &B,
    ) -> ConnectorResult<ObjectPage> {
        let call = Call::post("/crm/v3/objects/{type}/search")
            .param("type", object)
            .json(body)
            .idempotent();
        self.send_json(Lane::Search, call).await
    }

    /// `batch/read` of any number of ids, 100 per call, the calls concurrent;
    /// results in call order; missing ids are simply absent.
    pub async fn batch_read(
        &self,
        object: &str,
        ids: &[String],
        properties: &[String],
    ) -> ConnectorResult<Vec<HsObject>> {
        let calls = ids.chunks(BATCH_READ_MAX).map(|chunk| {
            let body = BatchRead {
                inputs: chunk.iter().map(|id| IdInput { id }).collect(),
                properties,
            };
            let call = Call::post("/crm/v3/objects/{type}/batch/read")
                .param("type", object)
                .json(&body)
                .idempotent();
            self.send_json::<BatchResults>(Lane::Standard, call)
        });
        let pages = try_join_all(calls).await?;
        Ok(pages.into_iter().flat_map(|p| p.results).collect())
    }

    /// v4 associations of many records (1,000 per call, the calls
    /// concurrent): `from id → [(to id, type ids)]`. A 207 lists records
    /// without associations as errors: that is "none".
    pub async fn associations(
        &self,
        from: &str,
        to: &str,
        ids: &[String],
    ) -> ConnectorResult<Vec<(String, Vec<(String, Vec<u64>)>)>> {
        let calls = ids.chunks(ASSOC_BATCH_MAX).map(|chunk| {
            let body = AssocRead {
                inputs: chunk.iter().map(|id| IdInput { id }).collect(),
            };
            let call = Call::post("/crm/v4/associations/{from}/{to}/batch/read")
                .param("from", from)
                .param("to", to)
                .json(&body)
                .idempotent();
            self.send_json::<AssocBatch>(Lane::Standard, call)
        });
        let pages = try_join_all(calls).await?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.results)
            .map(|r| {
                let tos =
                    r.to.into_iter()
                        .map(|t| {
                            let types = t
                                .association_types
                                .iter()
                                .filter_map(|a| a.type_id)
                                .collect();
                            (t.to_object_id, types)
                        })
                        .collect();
                (r.from.id, tos)
            })
            .collect())
    }

    /// `batch/update` of up to 100 inputs; the updated objects. Setting the
    /// same values twice changes nothing, so it is retried like a read.
    pub async fn batch_update(
        &self,
        object: &str,
        inputs: &[UpdateInput<'_>],
    ) -> ConnectorResult<Vec<HsObject>> {
        let call = Call::post("/crm/v3/objects/{type}/batch/update")
            .param("type", object)
            .json(&BatchUpdate { inputs })
            .idempotent();
        Ok(self
            .send_json::<BatchResults>(Lane::Standard, call)
            .await?
            .results)
    }

    /// `GET /crm/v3/pipelines/deals`.
    pub async fn pipelines(&self) -> ConnectorResult<Value> {
        self.send_json(Lane::Standard, Call::get("/crm/v3/pipelines/deals"))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_parse_without_value_trees_and_keep_only_string_properties() {
        let page: ObjectPage = serde_json::from_str(
            r#"{"results":[{"id":"7","properties":{"a":"x","b":null,"c":"","d":3,"e":{"f":1}},
                "createdAt":"2025-01-01T00:00:00.000Z","updatedAt":"2025-01-02T00:00:00.000Z",
                "archived":false,"associations":{"line items":{"results":[{"id":"9","type":"deal_to_line_item"}]}}}],
                "paging":{"next":{"after":"8","link":"x"}}}"#,
        )
        .unwrap();
        assert_eq!(page.next_after(), Some("8"));
        let o = &page.results[0];
        assert_eq!(o.properties.len(), 2);
        assert_eq!(o.prop("a"), Some("x"));
        assert_eq!(o.prop("c"), None);
        assert_eq!(o.updated_at, "2025-01-02T00:00:00.000Z");
        assert_eq!(
            o.associations.as_ref().unwrap()["line items"].results[0].id,
            "9"
        );
        let v4: AssocBatch = serde_json::from_str(
            r#"{"status":"COMPLETE","results":[{"from":{"id":"1"},"to":[{"toObjectId":5,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":341,"label":null}]}]}],"numErrors":1,"errors":[{}]}"#,
        )
        .unwrap();
        assert_eq!(v4.results[0].to[0].to_object_id, "5");
        assert_eq!(v4.results[0].to[0].association_types[0].type_id, Some(341));
    }

    #[test]
    fn classified_errors_name_the_call() {
        let e = classifier()(
            http::StatusCode::BAD_REQUEST,
            &http::HeaderMap::new(),
            br#"{"status":"error","message":"bad","correlationId":"c","category":"OBJECT_NOT_FOUND"}"#,
        )
        .unwrap();
        assert_eq!(e.kind, ledgerbridge_sdk::ErrorKind::NotFound);
        let e = name_error(e, "POST", "/crm/v3/objects/{type}/batch/read");
        assert!(
            e.message
                .starts_with("POST /crm/v3/objects/{type}/batch/read: 400"),
            "{}",
            e.message
        );
        assert!(classifier()(http::StatusCode::OK, &http::HeaderMap::new(), b"{}").is_none());
    }

    #[test]
    fn quota_headers_become_quotas() {
        let mut h = http::HeaderMap::new();
        h.insert("x-hubspot-ratelimit-remaining", "0".parse().unwrap());
        h.insert(
            "x-hubspot-ratelimit-interval-milliseconds",
            "500".parse().unwrap(),
        );
        h.insert("x-hubspot-ratelimit-daily-remaining", "12".parse().unwrap());
        let q = quota_reader()(&h);
        assert_eq!(q[0].window, "ten_seconds");
        assert_eq!(q[0].remaining, 0);
        assert_eq!(q[0].resets_in, Some(Duration::from_millis(500)));
        assert_eq!((q[1].window.as_str(), q[1].remaining), ("daily", 12));
    }
}
