//! A pair's live parts — source, target, mappings, settings — built once per process
//! and shared by every job of that pair.
//!
//! Building a target may call the vendor (to settle which organisation it writes to),
//! so runtimes are cached: one such call per process, not per job. Mapping files are re-read on every use and the set is rebuilt when a
//! file's content changed, so an admin's fix takes effect on `jobs retry` without a
//! worker restart.

use crate::config::{Config, ConnectorKind, InvoiceStatus, PairConfig, PaymentsSource};
use crate::queue::JobError;
use crate::server::api_stats::StatsTracker;
use crate::store::Db;
use ledgerbridge_mapping::{MappingSet, PairSettings, SourceSchema};
use ledgerbridge_sdk::connector::SourceNeeds;
use ledgerbridge_sdk::http::HttpStats;
use ledgerbridge_sdk::model::CrmObject;
use ledgerbridge_sdk::model::Currency;
use ledgerbridge_sdk::{ConnectorError, CrmSource, FinanceTarget};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex};
use tokio::sync::Mutex;

/// Everything a job of one pair needs.
pub struct PairRuntime {
    pub pair: PairConfig,
    /// The source's connector (how its webhooks name objects).
    pub source_kind: ConnectorKind,
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
    /// Puts a runtime built elsewhere in place of the one `get` would build (a
    /// program embedding the engine with its own target, and the tests).
    pub async fn insert(&self, rt: Arc<PairRuntime>) {
        self.inner.lock().await.insert(rt.pair.name.clone(), rt);
    }

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
    let (source_kind, source) = {
        let (conn, tokens, granted) = connection_parts(config, db, &pair.source).await?;
        // The write-back properties come back with every pull, so reconciliation sees
        // what finance status the CRM shows.
        let wb = &pair.writeback;
        let mut extra_properties: Vec<(CrmObject, String)> = [
            &wb.deal_invoice_number,
            &wb.deal_invoice_status,
            &wb.deal_amount_paid,
            &wb.deal_amount_outstanding,
            &wb.deal_paid_date,
        ]
        .into_iter()
        .chain(&pair.budget_status_property)
        .map(|p| (CrmObject::Deal, p.clone()))
        .collect();
        extra_properties.extend(
            [&wb.company_outstanding, &wb.company_overdue]
                .into_iter()
                .map(|p| (CrmObject::Company, p.clone())),
        );
        let needs = SourceNeeds { extra_properties };
        let built = conn
            .connector()
            .source(&conn.spec(&pair.source, &granted), tokens, None, &needs)
            .await
            .map_err(|e| job_error(&format!("connection {}", pair.source), e))?;
        (conn.kind, built)
    };
    let target = {
        let (conn, tokens, granted) = connection_parts(config, db, &pair.target).await?;
        let pacer = pacer.map(|p| p as Arc<dyn ledgerbridge_sdk::http::Pacer>);
        conn.connector()
            .target(&conn.spec(&pair.target, &granted), tokens, pacer)
            .await
            .map_err(|e| job_error(&format!("connection {}", pair.target), e))?
    };
    let (source_stats, source) = (source.stats, source.value);
    let (target_stats, target) = (target.stats, target.value);
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
        source_kind,
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

/// A connection's table, its credential and what `connect` stored with its tokens.
async fn connection_parts<'a>(
    config: &'a Config,
    db: &Db,
    name: &str,
) -> Result<
    (
        &'a crate::config::ConnectionConfig,
        Arc<dyn ledgerbridge_sdk::auth::TokenSource>,
        std::collections::BTreeMap<String, String>,
    ),
    JobError,
> {
    let conn = connection(config, name)?;
    let fail = |e: crate::Error| JobError::permanent(format!("connection {name}: {e}"));
    let tokens = crate::vault::token_source(config, name, db)
        .await
        .map_err(fail)?;
    // refused credentials raise "needs reconnecting"
    let tokens =
        crate::alerts::credentials::watch(tokens, name, crate::alerts::Alerter::new(config, db));
    let granted = crate::vault::stored_extra(config, name, db)
        .await
        .map_err(fail)?;
    Ok((conn, tokens, granted))
}

/// The mapping settings of a pair, from its config and its source connection.
pub fn pair_settings(config: &Config, pair: &PairConfig) -> Result<PairSettings, String> {
    let kind_of = |name: &str, role: &str| {
        config
            .connections
            .get(name)
            .map(|c| c.kind.as_str())
            .ok_or_else(|| {
                format!(
                    "no connection named {name:?} in the config ({role} of pair {})",
                    pair.name
                )
            })
    };
    let source_kind = kind_of(&pair.source, "source")?;
    let target_kind = kind_of(&pair.target, "target")?;
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
