//! HTTP calls to QuickBooks Online: the company's paths with `minorversion`, the
//! query language (paged), `/batch` with a `requestid`, change data capture, and
//! Intuit's `Fault` bodies turned into typed errors, all through the SDK's
//! `HttpClient`. Writes go through a second client paced to the binding limit of
//! bulk work, 40 batch requests a minute; everything else is paced to 10 requests a
//! second and 500 a minute per company.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::http::{Call, HttpClient, Pacer};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, ErrorKind, RateLimit, RateScope,
};
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::config::{MINOR_VERSION, QuickBooksConfig};
use crate::wire::Fault;

/// `/batch` calls a minute per company and app: what binds bulk writes.
pub const BATCHES_PER_MINUTE: u32 = 40;

/// The batch client's limits (see the module comment).
pub fn batch_limits() -> Vec<RateLimit> {
    vec![RateLimit {
        name: "batch_minute",
        calls: BATCHES_PER_MINUTE,
        per: Duration::from_secs(60),
        scope: RateScope::Tenant,
    }]
}

/// The error a `Fault` stands for: its class decides what the engine does.
///
/// - 5010 stale object, 6240 duplicate name, 6140 duplicate document number:
///   `Conflict` (the caller re-reads, links or reports);
/// - 610 object not found: `NotFound`;
/// - `AuthenticationFault` / `AuthorizationFault`: `Auth`;
/// - `ThrottleFault`: `RateLimited`; `SystemFault`: `Retryable`;
/// - every other `ValidationFault` (6200 closed period, 2500 invalid reference,
///   6000 business rule, 2010/2020/2050 bad request): `Validation`, a dead letter
///   carrying QuickBooks' words.
pub fn fault_error(f: &Fault, what: &str) -> ConnectorError {
    use crate::wire::FaultType::*;
    let code = f.code();
    let words = f
        .errors
        .iter()
        .map(|e| {
            let mut s = e.message.clone();
            if let Some(d) = e
                .detail
                .as_deref()
                .filter(|d| !d.is_empty() && *d != e.message)
            {
                s.push_str(": ");
                s.push_str(d);
            }
            if let Some(el) = e.element.as_deref().filter(|e| !e.is_empty()) {
                s.push_str(&format!(" [{el}]"));
            }
            s.push_str(&format!(" (code {})", e.code));
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    let kind = match (f.kind, code) {
        (AuthenticationFault | AuthorizationFault, _) => ErrorKind::Auth,
        (ThrottleFault, _) => ErrorKind::RateLimited { retry_after: None },
        (SystemFault, _) => ErrorKind::Retryable,
        (ValidationFault, 5010 | 6240 | 6140) => ErrorKind::Conflict,
        (ValidationFault, 610) => ErrorKind::NotFound,
        (ValidationFault, _) => ErrorKind::Validation,
    };
    ConnectorError::new(kind, format!("QuickBooks refused {what}")).with_vendor_message(words)
}

/// [`fault_error`] with the call's `intuit_tid` as its correlation id.
pub fn refused(f: &Fault, what: &str, tid: &Option<String>) -> ConnectorError {
    let e = fault_error(f, what).with_status(200);
    match tid {
        Some(t) => e.with_correlation_id(t.clone()),
        None => e,
    }
}

/// The `Fault` of a QuickBooks body, if it carries one at the top.
fn body_fault(body: &[u8]) -> Option<Fault> {
    #[derive(Deserialize)]
    struct Top {
        #[serde(rename = "Fault")]
        fault: Fault,
    }
    serde_json::from_slice::<Top>(body).ok().map(|t| t.fault)
}

/// One `BatchItemRequest`: `{"bId", "operation", "<Entity>": body}`.
pub struct BatchItem<'a, T> {
    pub bid: String,
    pub operation: &'static str,
    pub entity: &'static str,
    pub body: &'a T,
}

impl<T: Serialize> Serialize for BatchItem<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("bId", &self.bid)?;
        m.serialize_entry("operation", self.operation)?;
        m.serialize_entry(self.entity, self.body)?;
        m.end()
    }
}

#[derive(Serialize)]
struct BatchBody<'a, T> {
    #[serde(rename = "BatchItemRequest")]
    items: &'a [BatchItem<'a, T>],
}

/// What one batch item came back with.
#[derive(Debug)]
pub enum BatchAnswer<T> {
    Saved(T),
    /// The fault, and the call's `intuit_tid` (what Intuit's support asks for).
    Refused(Fault, Option<String>),
}

#[derive(Clone)]
pub struct QuickBooksClient {
    http: HttpClient,
    batches: HttpClient,
    cfg: QuickBooksConfig,
    realm: String,
}

impl QuickBooksClient {
    /// Builds the clients and settles the company: the configured realm, else (a
    /// simulator) the one it serves.
    pub async fn connect(
        connection: &str,
        cfg: QuickBooksConfig,
        caps: &Capabilities,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn Pacer>>,
    ) -> ConnectorResult<QuickBooksClient> {
        cfg.validate().map_err(ConnectorError::config)?;
        let classifier = Arc::new(|status: StatusCode, _h: &HeaderMap, body: &[u8]| {
            // a 200 may carry a Fault; 401, 429 and 5xx keep the SDK's handling
            if matches!(status.as_u16(), 200 | 400 | 403 | 404) {
                return body_fault(body)
                    .map(|f| fault_error(&f, "the request").with_status(status.as_u16()));
            }
            None
        });
        let build = |limits: Vec<RateLimit>| {
            let b = HttpClient::builder(connection, cfg.api_url.clone(), caps)
                .rate_limits(limits, None)
                .rate_scale(cfg.rate_scale)
                .enforce_rate_limits(cfg.rate_limits)
                .token_source(tokens.clone())
                .default_header("Accept", "application/json")
                .classifier(classifier.clone());
            match &pacer {
                Some(p) => b.pacer(p.clone()),
                None => b,
            }
            .build()
        };
        let http = build(caps.rate_limits.clone())?;
        let batches = build(batch_limits())?;
        let realm = match cfg.realm_id.clone().filter(|r| !r.is_empty()) {
            Some(r) => r,
            None => {
                #[derive(Deserialize)]
                struct Company {
                    #[serde(rename = "realmId")]
                    realm_id: String,
                }
                let c: Company = http.send_json(Call::get("/_sim/company")).await?;
                c.realm_id
            }
        };
        Ok(QuickBooksClient {
            http,
            batches,
            cfg,
            realm,
        })
    }

    pub fn realm_id(&self) -> &str {
        &self.realm
    }

    pub fn config(&self) -> &QuickBooksConfig {
        &self.cfg
    }

    /// Both clients' calls.
    pub fn stats(&self) -> ledgerbridge_sdk::http::HttpStats {
        let (a, b) = (self.http.stats(), self.batches.stats());
        ledgerbridge_sdk::http::HttpStats {
            api_calls: a.api_calls + b.api_calls,
            rate_limited: a.rate_limited + b.rate_limited,
            retries: a.retries + b.retries,
            quota_pauses: a.quota_pauses + b.quota_pauses,
            auth_refreshes: a.auth_refreshes + b.auth_refreshes,
        }
    }

    /// A call on the company: `{realm}` filled, `minorversion` set, paced per realm.
    fn call(&self, method: http::Method, rest: &str) -> Call {
        Call::new(method, format!("/v3/company/{{realm}}/{rest}"))
            .param("realm", &self.realm)
            .query("minorversion", MINOR_VERSION.to_string())
            .tenant(self.realm.clone())
    }

    /// `GET /{rest}` answered with `{"<entity>": {...}}`.
    pub async fn read<T: DeserializeOwned>(&self, rest: &str, entity: &str) -> ConnectorResult<T> {
        let resp = self.http.send(self.call(http::Method::GET, rest)).await?;
        let top: HashMap<String, Box<RawValue>> = parse(&resp.body, rest)?;
        let raw = top.get(entity).ok_or_else(|| {
            ConnectorError::malformed(format!("GET {rest}: no {entity} in the answer"))
        })?;
        parse(raw.get().as_bytes(), entity)
    }

    /// One page of `SELECT * FROM {entity} [WHERE ..] ORDERBY .. STARTPOSITION .. MAXRESULTS ..`.
    pub async fn query_page<T: DeserializeOwned>(
        &self,
        entity: &str,
        filter: Option<&str>,
        order: &str,
        start: usize,
    ) -> ConnectorResult<Vec<T>> {
        let mut q = format!("SELECT * FROM {entity}");
        if let Some(w) = filter {
            q.push_str(" WHERE ");
            q.push_str(w);
        }
        q.push_str(&format!(
            " ORDERBY {order} STARTPOSITION {start} MAXRESULTS {}",
            self.cfg.page_size
        ));
        let resp = self
            .http
            .send(self.call(http::Method::GET, "query").query("query", q))
            .await?;
        query_rows(&resp.body, entity)
    }

    /// Every row of a query, page by page.
    pub async fn query_all<T: DeserializeOwned>(
        &self,
        entity: &str,
        filter: Option<&str>,
    ) -> ConnectorResult<Vec<T>> {
        let mut out = Vec::new();
        let mut start = 1;
        loop {
            let rows: Vec<T> = self.query_page(entity, filter, "Id", start).await?;
            let n = rows.len();
            out.extend(rows);
            if n < self.cfg.page_size {
                return Ok(out);
            }
            start += n;
        }
    }

    /// `POST /batch?requestid=..`: up to 30 writes of one entity, one answer per
    /// item in order. A repeated `request_id` gets the first answer again.
    pub async fn batch<T: Serialize + DeserializeOwned>(
        &self,
        entity: &'static str,
        items: &[(&'static str, &T)],
        request_id: &str,
    ) -> ConnectorResult<Vec<BatchAnswer<T>>> {
        let reqs: Vec<BatchItem<T>> = items
            .iter()
            .enumerate()
            .map(|(i, (operation, body))| BatchItem {
                bid: i.to_string(),
                operation,
                entity,
                body: *body,
            })
            .collect();
        let call = self
            .call(http::Method::POST, "batch")
            .idempotency_query("requestid", request_id)
            .json(&BatchBody { items: &reqs });
        let resp = self.batches.send(call).await?;
        #[derive(Deserialize)]
        struct Answers {
            #[serde(rename = "BatchItemResponse")]
            items: Vec<HashMap<String, Box<RawValue>>>,
        }
        let answers: Answers = parse(&resp.body, "batch")?;
        let mut by_bid: HashMap<String, HashMap<String, Box<RawValue>>> = HashMap::new();
        for a in answers.items {
            let bid = a
                .get("bId")
                .and_then(|b| serde_json::from_str::<String>(b.get()).ok())
                .unwrap_or_default();
            by_bid.insert(bid, a);
        }
        let tid = resp.header("intuit_tid").map(str::to_string);
        (0..items.len())
            .map(|i| {
                let a = by_bid.get(&i.to_string()).ok_or_else(|| {
                    ConnectorError::malformed(format!(
                        "QuickBooks answered no item {i} of a batch of {}",
                        items.len()
                    ))
                })?;
                if let Some(f) = a.get("Fault") {
                    let fault: Fault = parse(f.get().as_bytes(), "Fault")?;
                    return Ok(BatchAnswer::Refused(fault, tid.clone()));
                }
                let raw = a.get(entity).ok_or_else(|| {
                    ConnectorError::malformed(format!("batch item {i} carries no {entity}"))
                })?;
                Ok(BatchAnswer::Saved(parse(raw.get().as_bytes(), entity)?))
            })
            .collect()
    }

    /// `GET /cdc?entities={entity}&changedSince=..`: the objects changed since,
    /// oldest first (at most 1,000); deleted ones carry `"status": "Deleted"`.
    pub async fn changes(&self, entity: &str, since: &str) -> ConnectorResult<Vec<Box<RawValue>>> {
        let resp = self
            .http
            .send(
                self.call(http::Method::GET, "cdc")
                    .query("entities", entity)
                    .query("changedSince", since),
            )
            .await?;
        #[derive(Deserialize)]
        struct Cdc {
            #[serde(rename = "CDCResponse", default)]
            responses: Vec<CdcPart>,
        }
        #[derive(Deserialize)]
        struct CdcPart {
            #[serde(rename = "QueryResponse", default)]
            queries: Vec<HashMap<String, Box<RawValue>>>,
        }
        let cdc: Cdc = parse(&resp.body, "cdc")?;
        let mut out = Vec::new();
        for part in cdc.responses {
            for q in part.queries {
                if let Some(rows) = q.get(entity) {
                    out.extend(parse::<Vec<Box<RawValue>>>(rows.get().as_bytes(), entity)?);
                }
            }
        }
        Ok(out)
    }
}

/// The rows of a `QueryResponse` (none when QuickBooks answers `{}`).
fn query_rows<T: DeserializeOwned>(body: &[u8], entity: &str) -> ConnectorResult<Vec<T>> {
    #[derive(Deserialize)]
    struct Top {
        #[serde(rename = "QueryResponse")]
        response: HashMap<String, Box<RawValue>>,
    }
    let top: Top = parse(body, "query")?;
    match top.response.get(entity) {
        None => Ok(Vec::new()),
        Some(rows) => parse(rows.get().as_bytes(), entity),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> ConnectorResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| ConnectorError::malformed(format!("QuickBooks {what}: {e}")))
}

/// A query literal: `'text'` with `'` and `\` escaped as QuickBooks reads them.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `field IN ('a', 'b')`.
pub fn any_of(field: &str, values: &[String]) -> String {
    let list: Vec<String> = values.iter().map(|v| literal(v)).collect();
    format!("{field} IN ({})", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::FaultType;

    #[test]
    fn faults_map_to_their_class() {
        let f = |kind, code| fault_error(&Fault::new(kind, code, "m", "d"), "x").kind;
        assert_eq!(f(FaultType::ValidationFault, 5010), ErrorKind::Conflict);
        assert_eq!(f(FaultType::ValidationFault, 6240), ErrorKind::Conflict);
        assert_eq!(f(FaultType::ValidationFault, 6140), ErrorKind::Conflict);
        assert_eq!(f(FaultType::ValidationFault, 610), ErrorKind::NotFound);
        assert_eq!(f(FaultType::ValidationFault, 6200), ErrorKind::Validation);
        assert_eq!(f(FaultType::ValidationFault, 2500), ErrorKind::Validation);
        assert_eq!(f(FaultType::AuthenticationFault, 3200), ErrorKind::Auth);
        assert_eq!(f(FaultType::AuthorizationFault, 120), ErrorKind::Auth);
        assert_eq!(
            f(FaultType::ThrottleFault, 3001),
            ErrorKind::RateLimited { retry_after: None }
        );
        assert_eq!(f(FaultType::SystemFault, 10000), ErrorKind::Retryable);
        let e = fault_error(
            &Fault::validation(6200, "Account Period Closed", "closed").at("TxnDate"),
            "invoice HS-1",
        );
        assert_eq!(
            e.vendor_message.as_deref(),
            Some("Account Period Closed: closed [TxnDate] (code 6200)")
        );
    }

    #[test]
    fn a_refusal_keeps_the_transaction_id() {
        let f = Fault::validation(6240, "Duplicate Name Exists Error", "taken");
        let e = refused(&f, "customer Acme", &Some("tid-1".into()));
        assert_eq!(e.message, "QuickBooks refused customer Acme");
        assert_eq!(e.correlation_id.as_deref(), Some("tid-1"));
        assert_eq!(
            e.to_string(),
            "QuickBooks refused customer Acme: Duplicate Name Exists Error: taken (code 6240) (correlation id tid-1)"
        );
    }

    #[test]
    fn literals_escape_quotes() {
        assert_eq!(literal("Bill's"), r"'Bill\'s'");
        assert_eq!(
            any_of("DocNumber", &["a".into(), "b'c".into()]),
            r"DocNumber IN ('a', 'b\'c')"
        );
    }
}
