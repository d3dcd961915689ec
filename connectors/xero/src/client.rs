//! HTTP calls to Xero: tenant discovery, the `xero-tenant-id` header on every
//! call, batched writes with `summarizeErrors=false` and an `Idempotency-Key`,
//! paged reads with `If-Modified-Since`, and Xero's error bodies — all through
//! the SDK's `HttpClient` (pacing to 60/min, 5 concurrent, 5,000/day per
//! tenant, corrected by `X-MinLimit-Remaining`/`X-DayLimit-Remaining`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use ledgerbridge_sdk::ability::Ability;
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::http::{Call, HttpClient, remaining_headers};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, FieldDecl, FieldKind, RateLimit, RateScope,
    VendorIdempotency,
};
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::config::XeroConfig;
use crate::wire::{Connection, HistoryRecord};

pub const API: &str = "/api.xro/2.0";
/// Xero's documented batch size; the simulator refuses more.
pub const MAX_BATCH: usize = 50;

/// What the Xero connector declares to the engine.
pub fn capabilities(cfg: &XeroConfig) -> Capabilities {
    let mut write_batch = BTreeMap::new();
    for o in ["customer", "invoice", "payment"] {
        write_batch.insert(o.to_string(), cfg.batch_size.min(MAX_BATCH));
    }
    // History takes one subject per call but up to NOTES_PER_CALL notes on it
    // (target.rs): a job of 50 notes sorted by customer (the engine does) makes one
    // call per subject in it.
    write_batch.insert("note".into(), MAX_BATCH);
    let f = |n: &str, k: FieldKind, req: bool, d: &str| FieldDecl::new(n, k, req, d);
    let statuses = FieldKind::Enum(vec![
        "DRAFT".into(),
        "SUBMITTED".into(),
        "AUTHORISED".into(),
    ]);
    let mut fields = BTreeMap::new();
    fields.insert(
        "customer".to_string(),
        vec![
            f(
                "external_ref",
                FieldKind::String,
                true,
                "Contact AccountNumber (≤ 50 characters)",
            ),
            f(
                "name",
                FieldKind::String,
                true,
                "Contact Name, unique among active contacts (≤ 255)",
            ),
            f("email", FieldKind::String, false, "EmailAddress"),
            f("phone", FieldKind::String, false, "Phones[DEFAULT]"),
            f("tax_number", FieldKind::String, false, "TaxNumber"),
            f(
                "default_currency",
                FieldKind::String,
                false,
                "DefaultCurrency (an enabled currency)",
            ),
        ],
    );
    fields.insert(
        "invoice".to_string(),
        vec![
            f(
                "reference",
                FieldKind::String,
                true,
                "Reference: the source key",
            ),
            f("date", FieldKind::Date, true, "Date (after the lock date)"),
            f("due_date", FieldKind::Date, true, "DueDate"),
            f(
                "currency",
                FieldKind::String,
                true,
                "CurrencyCode (an enabled currency)",
            ),
            f("status", statuses, true, "Status"),
            f(
                "tax_mode",
                FieldKind::Enum(vec!["Exclusive".into(), "Inclusive".into(), "NoTax".into()]),
                false,
                "LineAmountTypes",
            ),
            f(
                "lines.description",
                FieldKind::String,
                true,
                "LineItems[].Description",
            ),
            f(
                "lines.quantity",
                FieldKind::Decimal,
                true,
                "LineItems[].Quantity",
            ),
            f(
                "lines.unit_amount",
                FieldKind::Decimal,
                true,
                "LineItems[].UnitAmount",
            ),
            f(
                "lines.account_code",
                FieldKind::String,
                true,
                "LineItems[].AccountCode",
            ),
            f(
                "lines.tax_type",
                FieldKind::String,
                false,
                "LineItems[].TaxType",
            ),
            f(
                "lines.discount_rate",
                FieldKind::Decimal,
                false,
                "LineItems[].DiscountRate (percent)",
            ),
        ],
    );
    fields.insert(
        "payment".to_string(),
        vec![
            f(
                "amount",
                FieldKind::Decimal,
                true,
                "Amount (≤ the amount due)",
            ),
            f("date", FieldKind::Date, true, "Date"),
            f(
                "account_code",
                FieldKind::String,
                true,
                "Account.Code of a bank account (e.g. 090)",
            ),
            f(
                "reference",
                FieldKind::String,
                true,
                "Reference: the source key",
            ),
        ],
    );
    Capabilities {
        vendor: "xero",
        write_batch,
        read_batch: 50,
        page_size: cfg.page_size as usize,
        rate_limits: vec![
            RateLimit {
                name: "minute",
                calls: 60,
                per: Duration::from_secs(60),
                scope: RateScope::Tenant,
            },
            RateLimit {
                name: "daily",
                calls: 5_000,
                per: Duration::from_secs(86_400),
                scope: RateScope::Tenant,
            },
            RateLimit {
                name: "app_minute",
                calls: 10_000,
                per: Duration::from_secs(60),
                scope: RateScope::App,
            },
        ],
        max_concurrency: Some(5),
        idempotency: VendorIdempotency::Header {
            name: "Idempotency-Key",
            max_len: 128,
        },
        webhooks: true,
        fields,
        abilities: [
            Ability::Notes,
            Ability::TrackingCategories,
            Ability::Budgets,
            Ability::CurrencyRates,
            Ability::StatusChanges,
        ]
        .into_iter()
        .collect(),
    }
}

/// The one `Idempotency-Key` of a batch call, derived from its items' keys:
/// the same batch resent after a crash carries the same key.
pub fn batch_key(keys: &[&str]) -> String {
    let mut h = Sha256::new();
    for k in keys {
        h.update(k.as_bytes());
        h.update([0]);
    }
    format!("lb-{}", hex::encode(h.finalize()))
}

/// `{"<Collection>": [items]}`, written straight to bytes (money stays exact).
struct Body<'a, T> {
    collection: &'a str,
    items: &'a [T],
}

impl<T: Serialize> Serialize for Body<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.collection, self.items)?;
        m.end()
    }
}

/// Reads `<Collection>` out of Xero's envelope.
pub fn collection<T: DeserializeOwned>(body: &[u8], name: &str) -> ConnectorResult<Vec<T>> {
    let top: HashMap<String, Box<RawValue>> = serde_json::from_slice(body).map_err(|e| {
        ConnectorError::malformed(format!("Xero response is not a JSON object: {e}"))
    })?;
    let Some((_, raw)) = top.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) else {
        return Err(ConnectorError::malformed(format!(
            "Xero response has no {name}"
        )));
    };
    serde_json::from_str(raw.get())
        .map_err(|e| ConnectorError::malformed(format!("Xero {name}: {e}")))
}

/// The messages of a `ValidationException` body, joined.
fn validation_messages(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if v.get("Type")?.as_str()? != "ValidationException" {
        return None;
    }
    let mut msgs: Vec<String> = v
        .get("Elements")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .flat_map(|e| {
            e.get("ValidationErrors")
                .and_then(|x| x.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|m| {
            m.get("Message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .collect();
    if msgs.is_empty() {
        msgs.push(v.get("Message")?.as_str()?.to_string());
    }
    Some(msgs.join("; "))
}

/// What Xero answered a History PUT ([`XeroClient::put_history`]).
#[derive(Debug)]
pub enum HistoryAnswer {
    /// 200: one record per record sent, in order (each may carry
    /// `ValidationErrors`).
    Saved(Vec<HistoryRecord>),
    /// 400 `ValidationException`: nothing was saved; `Elements` echoes the
    /// refused records as sent, each with its `ValidationErrors`.
    Refused(Vec<HistoryRecord>),
}

/// The `Elements` of a `ValidationException` body, read as History records.
fn refused_records(body: &[u8]) -> Option<Vec<HistoryRecord>> {
    #[derive(serde::Deserialize)]
    struct Exception {
        #[serde(rename = "Type")]
        kind: String,
        #[serde(rename = "Elements", default)]
        elements: Vec<HistoryRecord>,
    }
    let e: Exception = serde_json::from_slice(body).ok()?;
    (e.kind == "ValidationException").then_some(e.elements)
}

/// The `Message` of a Xero exception body.
fn exception_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    Some(v.get("Message")?.as_str()?.to_string())
}

#[derive(Clone)]
pub struct XeroClient {
    http: HttpClient,
    cfg: XeroConfig,
    tenant: String,
}

impl XeroClient {
    /// Builds the client and settles the tenant: the configured one, else the
    /// first organisation `/connections` lists.
    pub async fn connect(
        connection: &str,
        cfg: XeroConfig,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<XeroClient> {
        Self::connect_with_pacer(connection, cfg, tokens, None).await
    }

    /// Like [`XeroClient::connect`], with a fleet-wide pacer (the engine's per-tenant
    /// lease) consulted before every call, so Xero's per-tenant limits hold across
    /// many worker processes.
    pub async fn connect_with_pacer(
        connection: &str,
        cfg: XeroConfig,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn ledgerbridge_sdk::http::Pacer>>,
    ) -> ConnectorResult<XeroClient> {
        cfg.validate().map_err(ConnectorError::config)?;
        let caps = capabilities(&cfg);
        let classifier = Arc::new(|status: StatusCode, _h: &http::HeaderMap, body: &[u8]| {
            (status == StatusCode::BAD_REQUEST)
                .then(|| validation_messages(body))
                .flatten()
                .map(|m| {
                    ConnectorError::validation(format!("Xero refused the request: {m}"))
                        .with_vendor_message(m)
                })
        });
        let http = HttpClient::builder(connection, cfg.api_url.clone(), &caps)
            .rate_scale(cfg.rate_scale)
            .enforce_rate_limits(cfg.rate_limits)
            .token_source(tokens)
            .classifier(classifier)
            .quota_reader(remaining_headers(&[
                ("minute", "x-minlimit-remaining"),
                ("daily", "x-daylimit-remaining"),
            ]));
        let http = match pacer {
            Some(p) => http.pacer(p),
            None => http,
        }
        .build()?;
        let mut client = XeroClient {
            http,
            cfg,
            tenant: String::new(),
        };
        client.tenant = match client.cfg.tenant_id.clone().filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => client
                .connections()
                .await?
                .into_iter()
                .find(|c| c.tenant_type.as_deref().is_none_or(|t| t == "ORGANISATION"))
                .and_then(|c| c.tenant_id)
                .map(|t| t.to_string())
                .ok_or_else(|| {
                    ConnectorError::config(
                        "this Xero token reaches no organisation (GET /connections is empty)",
                    )
                })?,
        };
        Ok(client)
    }

    /// The tenants this token may reach.
    pub async fn connections(&self) -> ConnectorResult<Vec<Connection>> {
        self.http.send_json(Call::get("/connections")).await
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant
    }

    pub fn config(&self) -> &XeroConfig {
        &self.cfg
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// A call on the tenant: `xero-tenant-id` set, paced per tenant.
    pub fn call(&self, method: Method, path: &str) -> Call {
        Call::new(method, format!("{API}{path}"))
            .header("xero-tenant-id", self.tenant.clone())
            .tenant(self.tenant.clone())
    }

    /// Writes up to 50 items in one call with `summarizeErrors=false`; the
    /// answer holds one element per item, in order, saved or carrying errors.
    pub async fn write<T: Serialize + DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        collection_name: &str,
        items: &[T],
        idempotency_key: &str,
    ) -> ConnectorResult<Vec<T>> {
        if items.len() > MAX_BATCH {
            return Err(ConnectorError::config(format!(
                "{} items in one Xero call; at most {MAX_BATCH}",
                items.len()
            )));
        }
        let call = self
            .call(method, path)
            .query("summarizeErrors", "false")
            // four decimals on unit amounts: without it Xero rounds them to two, and
            // a BHD (three decimals) or a fractional unit price would change
            .query("unitdp", "4")
            .idempotency_key("Idempotency-Key", idempotency_key)
            .json(&Body {
                collection: collection_name,
                items,
            });
        let resp = self.http.send(call).await?;
        let out: Vec<T> = collection(&resp.body, collection_name)?;
        if out.len() != items.len() {
            return Err(ConnectorError::malformed(format!(
                "Xero answered {} {collection_name} for {} sent",
                out.len(),
                items.len()
            )));
        }
        Ok(out)
    }

    /// `PUT {path}` of History records (notes) on one contact or invoice.
    ///
    /// Unlike the other writes, Xero answers a refused note with a 400
    /// `ValidationException` for the whole request (the History endpoint has
    /// no `summarizeErrors` in the spec; it is sent anyway, harmless if
    /// ignored, and if Xero honours it the 200 carries per-record
    /// `ValidationErrors`). The 400 is read here rather than turned into an
    /// error, so the caller can tell which notes were refused.
    pub async fn put_history(
        &self,
        path: &str,
        records: &[HistoryRecord],
        idempotency_key: &str,
    ) -> ConnectorResult<HistoryAnswer> {
        if records.len() > MAX_BATCH {
            return Err(ConnectorError::config(format!(
                "{} history records in one Xero call; at most {MAX_BATCH}",
                records.len()
            )));
        }
        let call = self
            .call(Method::PUT, path)
            .query("summarizeErrors", "false")
            .idempotency_key("Idempotency-Key", idempotency_key)
            .json(&Body {
                collection: "HistoryRecords",
                items: records,
            })
            .accept_status(StatusCode::BAD_REQUEST);
        let resp = self.http.send(call).await?;
        if resp.status == StatusCode::BAD_REQUEST {
            return refused_records(&resp.body)
                .map(HistoryAnswer::Refused)
                .ok_or_else(|| {
                    let m = exception_message(&resp.body)
                        .unwrap_or_else(|| "400 Bad Request".to_string());
                    ConnectorError::validation(format!("PUT {path}: Xero refused the request: {m}"))
                        .with_vendor_message(m)
                        .with_status(400)
                });
        }
        let out: Vec<HistoryRecord> = collection(&resp.body, "HistoryRecords")?;
        if out.len() != records.len() {
            return Err(ConnectorError::malformed(format!(
                "Xero answered {} HistoryRecords for {} sent",
                out.len(),
                records.len()
            )));
        }
        Ok(HistoryAnswer::Saved(out))
    }

    /// One page of a list (`page` is 1-based; pages carry line items).
    pub async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        collection_name: &str,
        page: u64,
        filter: Option<&str>,
        modified_since: Option<DateTime<Utc>>,
        extra: &[(&str, &str)],
    ) -> ConnectorResult<Vec<T>> {
        let mut call = self
            .call(Method::GET, path)
            .query("page", page.to_string())
            .query("pageSize", self.cfg.page_size.to_string())
            .query("unitdp", "4");
        if let Some(w) = filter {
            call = call.query("where", w);
        }
        if let Some(t) = modified_since {
            call = call.header(
                "If-Modified-Since",
                t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            );
        }
        for (k, v) in extra {
            call = call.query(*k, *v);
        }
        let resp = self.http.send(call).await?;
        collection(&resp.body, collection_name)
    }

    /// Every page of a list with a filter (finds by reference, by id).
    pub async fn all<T: DeserializeOwned>(
        &self,
        path: &str,
        collection_name: &str,
        filter: Option<&str>,
        extra: &[(&str, &str)],
    ) -> ConnectorResult<Vec<T>> {
        let mut out = Vec::new();
        for page in 1.. {
            let items: Vec<T> = self
                .page(path, collection_name, page, filter, None, extra)
                .await?;
            let n = items.len() as u64;
            out.extend(items);
            if n < self.cfg.page_size {
                break;
            }
        }
        Ok(out)
    }

    /// A GET answered with one collection (settings, budgets, history).
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        collection_name: &str,
        query: &[(&str, &str)],
    ) -> ConnectorResult<Vec<T>> {
        let mut call = self.call(Method::GET, path);
        for (k, v) in query {
            call = call.query(*k, *v);
        }
        let resp = self.http.send(call).await?;
        collection(&resp.body, collection_name)
    }
}

/// A `where` clause matching any of `values` on `field`: `F=="a" OR F=="b"`.
pub fn any_of(field: &str, values: &[String]) -> String {
    values
        .iter()
        .map(|v| {
            format!(
                "{field}==\"{}\"",
                v.replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keys_are_stable_and_short() {
        let a = batch_key(&["k1", "k2"]);
        assert_eq!(a, batch_key(&["k1", "k2"]));
        assert_ne!(a, batch_key(&["k1k2"]));
        assert!(a.len() <= 128);
    }

    #[test]
    fn where_any_of_escapes_quotes() {
        assert_eq!(
            any_of("Reference", &["a".into(), "b\"c".into()]),
            r#"Reference=="a" OR Reference=="b\"c""#
        );
    }

    #[test]
    fn reads_validation_messages() {
        let body = br#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{"ValidationErrors":[{"Message":"x"},{"Message":"y"}]}]}"#;
        assert_eq!(validation_messages(body).as_deref(), Some("x; y"));
    }
}
