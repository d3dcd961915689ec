//! A pair's live parts — source, target, mappings, settings — built once per process
//! and shared by every job of that pair.
//!
//! Building a target may call the vendor (Xero settles its tenant through
//! `/connections`), so runtimes are cached: one `/connections` call per process,
//! not per job. Mapping files are re-read on every use and the set is rebuilt when a
//! file's content changed, so an admin's fix takes effect on `jobs retry` without a
//! worker restart.

use crate::config::{Config, ConnectorKind, InvoiceStatus, PairConfig, PaymentsSource};
use crate::queue::JobError;
use crate::server::api_stats::StatsTracker;
use crate::store::Db;
use ledgerbridge_mapping::{MappingSet, PairSettings, SourceSchema};
use ledgerbridge_sdk::http::HttpStats;
use ledgerbridge_sdk::model::Currency;
use ledgerbridge_sdk::{ConnectorError, CrmSource, FinanceTarget};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex};
use tokio::sync::Mutex;

/// Everything a job of one pair needs.
pub struct PairRuntime {
    pub pair: PairConfig,
    pub source_connection: String,
    pub target_connection: String,
    pub source: Arc<dyn CrmSource>,
    pub target: Arc<dyn FinanceTarget>,
    pub settings: PairSettings,
    /// API calls made through this runtime's clients (source + target).
    pub calls: Arc<dyn Fn() -> u64 + Send + Sync>,
    /// Cumulative HTTP counters of the source and of the target client.
    source_stats: Arc<dyn Fn() -> HttpStats + Send + Sync>,
    target_stats: Arc<dyn Fn() -> HttpStats + Send + Sync>,
    /// What was last added to `api_call_stats` (source, target).
    api_stats: StdMutex<(StatsTracker, StatsTracker)>,
    mappings_dir: PathBuf,
    schema: SourceSchema,
    mappings: StdMutex<(String, Arc<MappingSet>)>,
    /// Calls already attributed to a run (see [`PairRuntime::take_calls`]).
    reported_calls: StdMutex<u64>,
    /// Lookup caches of the target (customers and invoices by reference).
    pub resolver: super::resolve::Resolver,
    /// One write-back at a time in this process: a company's totals are computed and
    /// written under it, so the last total written is the last one computed.
    pub writeback_lock: Mutex<()>,
}

impl PairRuntime {
    /// The mapping set, reloaded when a file changed since it was loaded.
    pub fn mappings(&self) -> Result<Arc<MappingSet>, JobError> {
        let fingerprint = mapping_fingerprint(&self.mappings_dir)
            .map_err(|e| JobError::permanent(format!("pair {}: {e}", self.pair.name)))?;
        let mut cur = self.mappings.lock().unwrap();
        if cur.0 != fingerprint {
            let set = load_mappings(&self.mappings_dir, &self.schema, &self.settings)
                .map_err(|e| JobError::permanent(format!("pair {}: {e}", self.pair.name)))?;
            *cur = (fingerprint, Arc::new(set));
        }
        Ok(cur.1.clone())
    }

    /// API calls made since the last call of this method: a job reports them to its run
    /// when it finishes. Jobs of one run in one process share the clients, so the total
    /// over a run is exact; only its split between concurrent runs is approximate.
    pub fn take_calls(&self) -> u64 {
        let now = (self.calls)();
        let mut rep = self.reported_calls.lock().unwrap();
        let d = now.saturating_sub(*rep);
        *rep = now;
        d
    }

    /// Adds the calls this runtime's clients made since the last report to
    /// `api_call_stats`, per connection (what `serve`'s `/metrics` shows). Best effort:
    /// a database error is logged and never fails the job.
    pub async fn record_api_stats(&self, db: &Db) {
        let (s, t) = {
            let mut tr = self.api_stats.lock().unwrap();
            (
                tr.0.delta((self.source_stats)()),
                tr.1.delta((self.target_stats)()),
            )
        };
        for (connection, delta) in [(&self.source_connection, s), (&self.target_connection, t)] {
            if let Err(e) = crate::server::api_stats::record(db, connection, delta).await {
                tracing::warn!(connection = %connection, error = %e, "API call stats not recorded");
            }
        }
    }
}

/// Every lease set this process made, so a graceful stop can hand its tenants over
/// at once instead of making the next worker wait out the lease TTL.
static PROCESS_LEASES: StdMutex<Vec<Arc<crate::lease::TenantLeases>>> = StdMutex::new(Vec::new());

/// Releases this process's tenant leases (on a graceful stop of a worker or `sync`).
pub async fn release_leases() {
    let all: Vec<_> = PROCESS_LEASES.lock().unwrap().drain(..).collect();
    for l in all {
        l.release_all().await;
    }
}

/// Runtimes by pair name, shared by the pipeline's handlers in one process.
#[derive(Default)]
pub struct Runtimes {
    inner: Mutex<HashMap<String, Arc<PairRuntime>>>,
    /// This process's leases on target tenants: one per process, shared by every
    /// target client, so a fleet of workers keeps each vendor's limit together.
    leases: std::sync::OnceLock<Arc<crate::lease::TenantLeases>>,
}

impl Runtimes {
    pub async fn get(
        &self,
        config: &Config,
        db: &Db,
        pair: &str,
    ) -> Result<Arc<PairRuntime>, JobError> {
        let mut map = self.inner.lock().await;
        if let Some(rt) = map.get(pair) {
            return Ok(rt.clone());
        }
        let leases = self
            .leases
            .get_or_init(|| {
                let l = crate::lease::TenantLeases::for_worker(db.clone(), &config.worker);
                PROCESS_LEASES.lock().unwrap().push(l.clone());
                l
            })
            .clone();
        let rt = Arc::new(build_with(config, db, pair, Some(leases)).await?);
        map.insert(pair.to_string(), rt.clone());
        Ok(rt)
    }
}

/// A connector error as a job error: retry what can pass later, dead-letter the rest.
pub fn job_error(context: &str, e: ConnectorError) -> JobError {
    let msg = format!("{context}: {e}");
    match &e.kind {
        ledgerbridge_sdk::ErrorKind::RateLimited { retry_after } => match retry_after {
            Some(d) => JobError::retry_after(msg, *d),
            None => JobError::retryable(msg),
        },
        k if k.is_retryable() => JobError::retryable(msg),
        _ => JobError::permanent(msg),
    }
}

/// Builds a pair's runtime from the configuration (no fleet lease: one-off commands).
pub async fn build(config: &Config, db: &Db, pair_name: &str) -> Result<PairRuntime, JobError> {
    build_with(config, db, pair_name, None).await
}

/// Builds a pair's runtime whose target client asks `pacer` before every call.
pub async fn build_with(
    config: &Config,
    db: &Db,
    pair_name: &str,
    pacer: Option<Arc<crate::lease::TenantLeases>>,
) -> Result<PairRuntime, JobError> {
    let pair = config
        .pair(pair_name)
        .cloned()
        .ok_or_else(|| JobError::permanent(format!("no pair named {pair_name:?} in the config")))?;
    let settings = pair_settings(config, &pair).map_err(JobError::permanent)?;
    let source_stats;
    let source: Arc<dyn CrmSource> = {
        let conn = connection(config, &pair.source)?;
        let tokens = crate::vault::token_source(config, &pair.source, db)
            .await
            .map_err(|e| JobError::permanent(format!("connection {}: {e}", pair.source)))?;
        match conn.kind {
            ConnectorKind::Hubspot => {
                // The write-back properties come back with every pull, so
                // reconciliation sees what finance status the CRM shows.
                let wb = &pair.writeback;
                let mut extra_properties: Vec<(String, String)> = [
                    &wb.deal_invoice_number,
                    &wb.deal_invoice_status,
                    &wb.deal_amount_paid,
                    &wb.deal_amount_outstanding,
                    &wb.deal_paid_date,
                ]
                .into_iter()
                .map(|p| ("deals".to_string(), p.clone()))
                .collect();
                if let Some(p) = &pair.budget_status_property {
                    extra_properties.push(("deals".to_string(), p.clone()));
                }
                extra_properties.extend(
                    [&wb.company_outstanding, &wb.company_overdue]
                        .into_iter()
                        .map(|p| ("companies".to_string(), p.clone())),
                );
                let cfg = ledgerbridge_hubspot::HubSpotConfig {
                    extra_properties,
                    connection: pair.source.clone(),
                    base_url: conn
                        .base_url
                        .clone()
                        .unwrap_or_else(|| ledgerbridge_hubspot::config::API_BASE.into()),
                    rate_scale: conn.rate_scale,
                    ..Default::default()
                };
                let client = Arc::new(
                    ledgerbridge_hubspot::HubSpotClient::new(cfg, tokens)
                        .map_err(|e| job_error("HubSpot client", e))?,
                );
                let c = client.clone();
                source_stats =
                    Arc::new(move || c.stats()) as Arc<dyn Fn() -> HttpStats + Send + Sync>;
                Arc::new(ledgerbridge_hubspot::HubSpotSource::new(client))
            }
            other => {
                return Err(JobError::permanent(format!(
                    "connection {} is a {} connection, which cannot be a pair's source",
                    pair.source,
                    other.as_str()
                )));
            }
        }
    };
    let target_stats;
    let target: Arc<dyn FinanceTarget> = {
        let conn = connection(config, &pair.target)?;
        let tokens = crate::vault::token_source(config, &pair.target, db)
            .await
            .map_err(|e| JobError::permanent(format!("connection {}: {e}", pair.target)))?;
        match conn.kind {
            ConnectorKind::Xero => {
                let defaults = ledgerbridge_xero::XeroConfig::default();
                let base = conn.base_url.clone();
                let simulator = base.as_deref().is_some_and(is_loopback);
                let cfg = ledgerbridge_xero::XeroConfig {
                    api_url: base.clone().unwrap_or(defaults.api_url.clone()),
                    identity_url: conn
                        .identity_url
                        .clone()
                        .or_else(|| simulator.then(|| base.clone().unwrap_or_default()))
                        .unwrap_or(defaults.identity_url.clone()),
                    login_url: conn
                        .login_url
                        .clone()
                        .or_else(|| simulator.then(|| base.clone().unwrap_or_default()))
                        .unwrap_or(defaults.login_url.clone()),
                    tenant_id: conn.tenant_id.clone().filter(|t| !t.is_empty()),
                    rate_scale: conn.rate_scale,
                    simulator_rates: simulator,
                    ..defaults
                };
                let pacer = pacer.map(|p| p as Arc<dyn ledgerbridge_sdk::http::Pacer>);
                let t = ledgerbridge_xero::XeroTarget::connect_with_pacer(
                    &pair.target,
                    cfg,
                    tokens,
                    pacer,
                )
                .await
                .map_err(|e| job_error(&format!("connection {}", pair.target), e))?;
                let t = Arc::new(t);
                let c = t.clone();
                target_stats = Arc::new(move || c.client().http().stats())
                    as Arc<dyn Fn() -> HttpStats + Send + Sync>;
                t
            }
            other => {
                return Err(JobError::permanent(format!(
                    "connection {} is a {} connection, which cannot be a pair's target",
                    pair.target,
                    other.as_str()
                )));
            }
        }
    };
    let schema = SourceSchema::new(
        source.capabilities().vendor,
        source.capabilities().fields.clone(),
    );
    let mappings_dir = config.resolve_path(&pair.mappings);
    let fingerprint = mapping_fingerprint(&mappings_dir)
        .map_err(|e| JobError::permanent(format!("pair {}: {e}", pair.name)))?;
    let set = load_mappings(&mappings_dir, &schema, &settings)
        .map_err(|e| JobError::permanent(format!("pair {}: {e}", pair.name)))?;
    let calls = {
        let (s, t) = (source_stats.clone(), target_stats.clone());
        Arc::new(move || s().api_calls + t().api_calls) as Arc<dyn Fn() -> u64 + Send + Sync>
    };
    let reported = calls();
    Ok(PairRuntime {
        source_connection: pair.source.clone(),
        target_connection: pair.target.clone(),
        pair,
        source,
        target,
        settings,
        calls,
        source_stats,
        target_stats,
        api_stats: StdMutex::new(Default::default()),
        mappings_dir,
        schema,
        mappings: StdMutex::new((fingerprint, Arc::new(set))),
        reported_calls: StdMutex::new(reported),
        resolver: Default::default(),
        writeback_lock: Mutex::new(()),
    })
}

fn connection<'a>(
    config: &'a Config,
    name: &str,
) -> Result<&'a crate::config::ConnectionConfig, JobError> {
    config
        .connections
        .get(name)
        .ok_or_else(|| JobError::permanent(format!("no connection named {name:?} in the config")))
}

fn is_loopback(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]" || h == "::1")
}

/// The mapping settings of a pair, from its config and its source connection.
pub fn pair_settings(config: &Config, pair: &PairConfig) -> Result<PairSettings, String> {
    let source_kind = config
        .connections
        .get(&pair.source)
        .map(|c| c.kind.as_str())
        .unwrap_or("hubspot");
    let target_kind = config
        .connections
        .get(&pair.target)
        .map(|c| c.kind.as_str())
        .unwrap_or("xero");
    let mut s = PairSettings::new(source_kind, target_kind);
    if let Some(d) = &pair.start_date {
        s.start_date = Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|e| format!("pair {}: start_date {d:?}: {e}", pair.name))?,
        );
    }
    s.invoice_status = match pair.invoice_status {
        InvoiceStatus::Authorised => ledgerbridge_sdk::model::InvoiceStatus::Authorised,
        InvoiceStatus::Draft => ledgerbridge_sdk::model::InvoiceStatus::Draft,
    };
    if let Some(c) = config.connections.get(&pair.source) {
        s.default_currency = Currency::new(&c.default_currency)
            .map_err(|e| format!("connection {}: default_currency: {e}", pair.source))?;
    }
    s.bank_account = pair.bank_account.clone();
    s.payments_source = match pair.payments_source {
        PaymentsSource::Finance => ledgerbridge_mapping::PaymentsSource::Finance,
        PaymentsSource::Crm => ledgerbridge_mapping::PaymentsSource::Crm,
    };
    s.fallback_customer = pair.fallback_customer.clone();
    Ok(s)
}

/// Loads a pair's mapping folder, every problem as `file:line: message`.
pub fn load_mappings(
    dir: &std::path::Path,
    schema: &SourceSchema,
    settings: &PairSettings,
) -> Result<MappingSet, String> {
    MappingSet::load(dir, schema, settings).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        format!("invalid mappings:\n{}", lines.join("\n"))
    })
}

/// A cheap fingerprint of a mapping folder: the content hashes of its files.
fn mapping_fingerprint(dir: &std::path::Path) -> Result<String, String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("mapping folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    entries.sort();
    let mut all = Vec::new();
    for p in entries {
        let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        all.extend_from_slice(p.to_string_lossy().as_bytes());
        all.extend_from_slice(super::digest(&bytes).as_bytes());
    }
    Ok(super::digest(&all))
}
