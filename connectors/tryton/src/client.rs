//! JSON-RPC over HTTP to trytond, through the SDK's `HttpClient`.
//!
//! Every call is `POST <base_url>/<database>/rpc/` with
//! `{"id": n, "method": "model.<model>.<method>", "params": [..., context]}`.
//! The context is positional and mandatory (the server answers 422 without
//! it); ours is `{"company": <id>, "language": "en"}` on every call, so that
//! record rules pick the configured company and Tryton's messages are in
//! English. An answer is HTTP 200 with `result` or `error` (see
//! [`TrytonError`]); other statuses are transport failures.
//!
//! trytond 8.0 labels every answer over 1400 bytes `Content-Encoding: gzip`,
//! even when the body is plain because the request did not accept gzip. We
//! never ask for compression (loopback or LAN; the server's CPU is the
//! bottleneck), so the label is ignored and the body read as it is; a body
//! that really is gzip gets a clear error instead of a JSON parse failure.
//!
//! Reads (`read`, `search`, `search_read`, `search_count`, `fields_get`) are
//! marked idempotent and retried on transient failures; writes are not: a
//! write that may have reached the server is left to the engine, which looks
//! for the record by our reference before sending it again. Two answers say
//! for certain that nothing was written, and are sent again here: a 503
//! (trytond gave up on a locked database and rolled back) and the session
//! check's race ([`TrytonError::SessionCheckRace`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use http::{HeaderMap, StatusCode};
use ledgerbridge_sdk::http::{AuthHeader, Call, HttpClient, RetryPolicy};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::{CompanyRef, TrytonConfig};
use crate::error::{TrytonError, TrytonResult};
use crate::session::Session;

/// Methods that only read: safe to send again after a timeout.
const READ_METHODS: [&str; 6] = [
    "read",
    "search",
    "search_read",
    "search_count",
    "fields_get",
    "get_id",
];

/// Waits after a 503 (database busy): 1, 2, 4, 8, 16 and 32 s, about a
/// minute in all, the time a large batch may hold the invoice sequence.
const BUSY_FIRST_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
const BUSY_MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(32);

/// The company the connection books into, as read at connect time.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: u64,
    pub name: String,
    pub currency_id: u64,
    pub currency_code: String,
    pub party_id: u64,
}

#[derive(Clone)]
pub struct TrytonClient {
    http: HttpClient,
    session: Arc<Session>,
    cfg: TrytonConfig,
    company: Company,
    next_id: Arc<AtomicU64>,
}

/// Statuses with a Tryton-specific meaning; the rest follow the SDK's defaults.
fn classify(status: StatusCode, _h: &HeaderMap, body: &[u8]) -> Option<ConnectorError> {
    let config = |m: &str| Some(ConnectorError::config(m.to_string()).with_status(status.as_u16()));
    match status.as_u16() {
        403 => config("Tryton: this method cannot be called over JSON-RPC (HTTP 403)"),
        404 => config("Tryton: no such database on this server (HTTP 404)"),
        422 => config("Tryton: the call lacks its context argument (HTTP 422)"),
        200 if body.starts_with(&[0x1f, 0x8b]) => Some(ConnectorError::malformed(
            "Tryton answered with a gzip body although the request did not accept one",
        )),
        _ => None,
    }
}

impl TrytonClient {
    /// Logs in and settles the company (by id or by name).
    pub async fn connect(connection: &str, cfg: TrytonConfig) -> ConnectorResult<TrytonClient> {
        let caps = &crate::capabilities(&cfg);
        cfg.validate().map_err(ConnectorError::config)?;
        let builder = |retry: RetryPolicy| {
            HttpClient::builder(connection, cfg.base_url.clone(), caps)
                .timeout(cfg.timeout())
                .retry(retry)
                .classifier(Arc::new(classify))
                .default_header("Accept", "application/json")
        };
        let login_http = builder(RetryPolicy::none()).build()?;
        let session = Arc::new(Session::new(
            login_http,
            &cfg.database,
            &cfg.login,
            cfg.password.clone(),
        ));
        let http = builder(RetryPolicy::default())
            .token_source(session.clone())
            .auth_header(AuthHeader::Raw(http::header::AUTHORIZATION))
            .build()?;
        let mut client = TrytonClient {
            http,
            session,
            cfg,
            company: Company {
                id: 0,
                name: String::new(),
                currency_id: 0,
                currency_code: String::new(),
                party_id: 0,
            },
            next_id: Arc::new(AtomicU64::new(1)),
        };
        client.company = client.find_company().await?;
        Ok(client)
    }

    pub fn company(&self) -> &Company {
        &self.company
    }

    pub fn config(&self) -> &TrytonConfig {
        &self.cfg
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Logins so far; more than one means a session was renewed after a 401.
    pub fn logins(&self) -> u64 {
        self.session.logins()
    }

    /// The context sent with every call.
    pub fn context(&self) -> Value {
        json!({"company": self.company.id, "language": "en"})
    }

    /// Ends the session on the server (`common.db.logout`); the next call
    /// logs in again.
    pub async fn logout(&self) -> TrytonResult<()> {
        self.send("common.db.logout", Vec::new(), false).await?;
        self.session.forget().await;
        Ok(())
    }

    /// One JSON-RPC call; `params` must already end with the context where
    /// the method takes one.
    pub async fn send(
        &self,
        method: &str,
        params: Vec<Value>,
        read_only: bool,
    ) -> TrytonResult<Value> {
        let mut attempt = 0u32;
        let mut busy_wait = BUSY_FIRST_WAIT;
        loop {
            attempt += 1;
            match self.send_once(method, &params, read_only).await {
                // refused in the session check, before the call ran
                Err(TrytonError::SessionCheckRace(m)) if attempt < 3 => {
                    tracing::debug!(method, "Tryton session check raced ({m}); sending again");
                }
                // 503: the database stayed locked through trytond's own retries
                // (another transaction holds the invoice sequence while it
                // posts); the call was rolled back, so it is safe to send again
                Err(TrytonError::Transport(e))
                    if e.status == Some(503) && busy_wait <= BUSY_MAX_WAIT =>
                {
                    tracing::info!(
                        method,
                        wait_ms = busy_wait.as_millis() as u64,
                        "Tryton database busy (503); sending again"
                    );
                    tokio::time::sleep(busy_wait).await;
                    busy_wait *= 2;
                }
                other => return other,
            }
        }
    }

    async fn send_once(
        &self,
        method: &str,
        params: &[Value],
        read_only: bool,
    ) -> TrytonResult<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"id": id, "method": method, "params": params});
        let mut call = Call::post("/{db}/rpc/")
            .param("db", &self.cfg.database)
            .json(&body);
        if read_only {
            call = call.idempotent();
        }
        let started = std::time::Instant::now();
        let resp = self.http.send(call).await?;
        tracing::debug!(
            method,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Tryton call"
        );
        let mut answer: Value = resp.json()?;
        if let Some(err) = answer.get("error").filter(|e| !e.is_null()) {
            return Err(TrytonError::from_rpc(err));
        }
        match answer.get_mut("result") {
            Some(v) => Ok(v.take()),
            None => Err(TrytonError::Transport(ConnectorError::malformed(format!(
                "{method}: the answer has neither result nor error"
            )))),
        }
    }

    /// `model.<model>.<method>(*args, context)`.
    pub async fn model(
        &self,
        model: &str,
        method: &str,
        mut args: Vec<Value>,
    ) -> TrytonResult<Value> {
        args.push(self.context());
        self.send(
            &format!("model.{model}.{method}"),
            args,
            READ_METHODS.contains(&method),
        )
        .await
    }

    /// The same with a typed answer.
    pub async fn model_as<T: DeserializeOwned>(
        &self,
        model: &str,
        method: &str,
        args: Vec<Value>,
    ) -> TrytonResult<T> {
        let v = self.model(model, method, args).await?;
        serde_json::from_value(v).map_err(|e| {
            TrytonError::Transport(ConnectorError::malformed(format!(
                "model.{model}.{method}: unexpected answer: {e}"
            )))
        })
    }

    /// `search_read(domain, offset, limit, order, fields)`, rows typed.
    pub async fn search_read<T: DeserializeOwned>(
        &self,
        model: &str,
        domain: Value,
        offset: usize,
        limit: Option<usize>,
        order: Value,
        fields: &[&str],
    ) -> TrytonResult<Vec<T>> {
        self.model_as(
            model,
            "search_read",
            vec![domain, json!(offset), json!(limit), order, json!(fields)],
        )
        .await
    }

    /// `read(ids, fields)`, rows typed, in the order of `ids` (Tryton's
    /// order is not promised; rows are matched by id).
    pub async fn read<T: DeserializeOwned + HasId>(
        &self,
        model: &str,
        ids: &[u64],
        fields: &[&str],
    ) -> TrytonResult<Vec<T>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<T> = self
            .model_as(model, "read", vec![json!(ids), json!(fields)])
            .await?;
        rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id()).unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// `create([values…])`: the new ids, in input order.
    pub async fn create(&self, model: &str, values: Vec<Value>) -> TrytonResult<Vec<u64>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let n = values.len();
        let ids: Vec<u64> = self
            .model_as(model, "create", vec![Value::Array(values)])
            .await?;
        if ids.len() != n {
            return Err(TrytonError::Transport(ConnectorError::malformed(format!(
                "model.{model}.create: {} ids for {n} records",
                ids.len()
            ))));
        }
        Ok(ids)
    }

    /// A button or workflow method on records (`post`, `cancel`).
    pub async fn button(&self, model: &str, method: &str, ids: &[u64]) -> TrytonResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.model(model, method, vec![json!(ids)])
            .await
            .map(|_| ())
    }

    async fn find_company(&self) -> ConnectorResult<Company> {
        #[derive(serde::Deserialize)]
        struct Row {
            id: u64,
            party: u64,
            currency: u64,
            #[serde(rename = "party.", default, deserialize_with = "crate::rows::related")]
            party_rel: crate::rows::Related,
            #[serde(
                rename = "currency.",
                default,
                deserialize_with = "crate::rows::related"
            )]
            currency_rel: crate::rows::Related,
        }
        let domain = match &self.cfg.company {
            CompanyRef::Id(id) => json!([["id", "=", id]]),
            CompanyRef::Name(n) => json!([["party.name", "=", n]]),
        };
        // the context's company must be one the user may use; until the
        // company is known, an empty context lets the record rules apply the
        // user's own defaults
        let rows: Vec<Row> = serde_json::from_value(
            self.send(
                "model.company.company.search_read",
                vec![
                    domain,
                    json!(0),
                    json!(2),
                    Value::Null,
                    json!(["party", "party.name", "currency", "currency.code"]),
                    json!({}),
                ],
                true,
            )
            .await?,
        )
        .map_err(|e| ConnectorError::malformed(format!("company.company: {e}")))?;
        match rows.as_slice() {
            [row] => Ok(Company {
                id: row.id,
                name: row.party_rel.name.clone().unwrap_or_default(),
                currency_id: row.currency,
                currency_code: row.currency_rel.code.clone().unwrap_or_default(),
                party_id: row.party,
            }),
            [] => Err(ConnectorError::config(format!(
                "Tryton database {:?} has no {} that user {:?} may use",
                self.cfg.database, self.cfg.company, self.cfg.login
            ))),
            _ => Err(ConnectorError::config(format!(
                "Tryton database {:?} has several companies named like {}; give its id",
                self.cfg.database, self.cfg.company
            ))),
        }
    }
}

/// Rows that carry their record id.
pub trait HasId {
    fn id(&self) -> u64;
}
