//! The configuration contract (`ledgerbridge.toml`).
//!
//! Key names here are a contract other tools and existing config files rely on; every struct
//! denies unknown keys (a connection's vendor keys are denied by its connector's config
//! type) so a typo is an error, never a silently ignored setting.
//! `config.example.toml` documents every key with its default — keep the two in step
//! (a test loads the example and `check`s it).

mod example;
mod load;
pub mod validate;

pub use example::{SOURCE_CONNECTION, TARGET_CONNECTION, render as example_config};
pub use ledgerbridge_sdk::connector::Secret;
pub use load::{LoadError, default_path, load, load_from_str};

use ledgerbridge_sdk::Connector;
use ledgerbridge_sdk::connector::{ConnectionSpec, VendorKeys};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Connections by name (`[connections.<name>]`).
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionConfig>,
    /// Connection pairs (`[[pairs]]`): a CRM source synced into a finance target.
    #[serde(default)]
    pub pairs: Vec<PairConfig>,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub worker: WorkerConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub vault: VaultConfig,
    /// `[alerts]`: where alerts go (webhook, email), which, how often.
    #[serde(default)]
    pub alerts: crate::alerts::AlertsConfig,
    /// Folder relative paths in the file are resolved against (the config file's folder).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file this was read from; `None` when no file existed (defaults + environment).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

impl Config {
    /// A path from the config, resolved against the config file's folder.
    pub fn resolve_path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    pub fn pair(&self, name: &str) -> Option<&PairConfig> {
        self.pairs.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` (created on first run; relative to the config folder) or `postgres://…`.
    #[serde(default = "default_database_url")]
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: default_database_url(),
        }
    }
}

fn default_database_url() -> String {
    "sqlite://ledgerbridge.db".into()
}

/// Which system a connection talks to: a connector compiled into this build
/// ([`crate::connectors`]). An unknown `kind` is an error at its line that lists the
/// compiled-in ones.
#[derive(Clone, Copy)]
pub struct ConnectorKind(&'static dyn Connector);

impl ConnectorKind {
    /// The kind of a compiled-in connector.
    pub fn of(kind: &str) -> Option<ConnectorKind> {
        crate::connectors::find(kind).map(ConnectorKind)
    }
    /// Its descriptor: everything vendor-specific is asked of it.
    pub fn connector(self) -> &'static dyn Connector {
        self.0
    }
    /// CRMs are sources; accounting systems are targets.
    pub fn is_crm(self) -> bool {
        self.0.roles().source
    }
    pub fn is_finance(self) -> bool {
        self.0.roles().target
    }
    pub fn as_str(self) -> &'static str {
        self.0.kind()
    }
}

impl PartialEq for ConnectorKind {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for ConnectorKind {}
impl std::hash::Hash for ConnectorKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}
impl std::fmt::Debug for ConnectorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
impl std::fmt::Display for ConnectorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
impl serde::Serialize for ConnectorKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for ConnectorKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kind = String::deserialize(d)?;
        static KINDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        ConnectorKind::of(&kind).ok_or_else(|| {
            let known = KINDS.get_or_init(|| {
                crate::connectors::CONNECTORS
                    .iter()
                    .map(|c| c.kind())
                    .collect()
            });
            serde::de::Error::unknown_variant(&kind, known)
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// A fixed bearer token (`access_token`): private-app tokens, simulators.
    #[default]
    Static,
    /// OAuth 2 authorization code; tokens live encrypted in the vault (`ledgerbridge connect`).
    Oauth,
}

/// One `[connections.<name>]` table: the keys every connection shares, read here, and
/// the rest ([`ConnectionConfig::vendor`]) for the connector's own config type, which
/// `check` reads in a second pass (unknown, missing and invalid vendor keys are reported
/// at their line; serde's `flatten` cannot deny unknown keys itself).
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionConfig {
    pub kind: ConnectorKind,
    /// API root; override to point at a simulator. Default: the vendor's production URL.
    /// Always wins over a connector's own choice of host.
    pub base_url: Option<String>,
    #[serde(default)]
    pub auth: AuthMode,
    /// `auth = "static"`: the bearer token.
    pub access_token: Option<Secret>,
    /// `auth = "oauth"`: client credentials, scopes and the loopback redirect port.
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub redirect_port: Option<u16>,
    /// CRM: currency of deals that carry none.
    #[serde(default = "default_currency")]
    pub default_currency: String,
    /// Time scale the vendor (simulator) runs at: windows and Retry-After are this many
    /// times shorter. 1.0 for real vendors.
    #[serde(default = "default_rate_scale")]
    pub rate_scale: f64,
    /// Fraction of the vendor's daily budget left to the organisation's other
    /// integrations (0..1).
    #[serde(default = "default_reserve")]
    pub reserve: f64,
    /// The vendor-specific keys (`tenant_id`, `webhook_secret`, …), as written.
    #[serde(flatten)]
    pub vendor: VendorKeys,
}

impl ConnectionConfig {
    /// The connection as its connector sees it; `granted`: what `connect` stored with the
    /// tokens (see [`crate::vault::stored_extra`]).
    pub fn spec<'a>(
        &'a self,
        name: &'a str,
        granted: &'a BTreeMap<String, String>,
    ) -> ConnectionSpec<'a> {
        ConnectionSpec {
            name,
            base_url: self.base_url.as_deref(),
            rate_scale: self.rate_scale,
            reserve: self.reserve,
            scopes: &self.scopes,
            oauth: self.auth == AuthMode::Oauth,
            keys: &self.vendor,
            granted,
        }
    }

    pub fn connector(&self) -> &'static dyn Connector {
        self.kind.connector()
    }
}

/// The keys every connection table shares, in [`ConnectionConfig`]'s order.
pub const CONNECTION_KEYS: &[&str] = &[
    "kind",
    "base_url",
    "auth",
    "access_token",
    "client_id",
    "client_secret",
    "scopes",
    "redirect_port",
    "default_currency",
    "rate_scale",
    "reserve",
];

fn default_reserve() -> f64 {
    0.2
}
fn default_currency() -> String {
    "USD".into()
}
fn default_rate_scale() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentsSource {
    /// Payments are recorded in the accounting system and written back to the CRM.
    #[default]
    Finance,
    /// Payments recorded on CRM deals are created in the accounting system.
    Crm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    #[default]
    Flag,
    Void,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    #[default]
    Flag,
    SourceWins,
    TargetWins,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
pub enum InvoiceStatus {
    #[default]
    #[serde(rename = "AUTHORISED")]
    Authorised,
    #[serde(rename = "DRAFT")]
    Draft,
}

/// One `[[pairs]]` entry: CRM `source` synced into finance `target` by the mapping files
/// in `mappings`. Everything beyond the first four keys is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairConfig {
    pub name: String,
    pub source: String,
    pub target: String,
    /// Mapping folder, relative to the config file's folder.
    pub mappings: String,
    /// Cron with seconds; none = manual syncs only.
    pub schedule: Option<String>,
    pub reconcile_schedule: Option<String>,
    /// Cut-over date (YYYY-MM-DD): nothing closed before it is invoiced.
    pub start_date: Option<String>,
    #[serde(default)]
    pub payments_source: PaymentsSource,
    #[serde(default)]
    pub on_delete: OnDelete,
    #[serde(default)]
    pub on_conflict: OnConflict,
    #[serde(default)]
    pub invoice_status: InvoiceStatus,
    /// Customer name used for deals with neither company nor contact.
    pub fallback_customer: Option<String>,
    /// Account payments are recorded against, as written; [`PairConfig::bank_account`]
    /// holds it with the target connector's default applied.
    #[serde(default, rename = "bank_account")]
    pub bank_account_key: Option<String>,
    /// The account payments are recorded against: `bank_account`, else the target
    /// connector's default deposit account (empty when it has none).
    #[serde(skip)]
    pub bank_account: String,
    /// CRM property that receives the budget status (on track / at risk / over).
    pub budget_status_property: Option<String>,
    /// `[pairs.writeback]` as written; [`PairConfig::writeback`] holds every name with
    /// the source connector's naming rule applied.
    #[serde(default, rename = "writeback")]
    pub writeback_keys: WritebackKeys,
    #[serde(skip)]
    pub writeback: WritebackConfig,
}

/// `[pairs.writeback]` as written: every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WritebackKeys {
    pub deal_invoice_number: Option<String>,
    pub deal_invoice_status: Option<String>,
    pub deal_amount_paid: Option<String>,
    pub deal_amount_outstanding: Option<String>,
    pub deal_paid_date: Option<String>,
    pub company_outstanding: Option<String>,
    pub company_overdue: Option<String>,
}

/// CRM property names that finance status is written back to.
#[derive(Debug, Clone)]
pub struct WritebackConfig {
    pub deal_invoice_number: String,
    pub deal_invoice_status: String,
    pub deal_amount_paid: String,
    pub deal_amount_outstanding: String,
    pub deal_paid_date: String,
    pub company_outstanding: String,
    pub company_overdue: String,
}

impl WritebackConfig {
    /// The names written, else the source's naming rule applied to each stem.
    pub fn resolve(keys: &WritebackKeys, name: &dyn Fn(&str) -> String) -> Self {
        let pick = |k: &Option<String>, stem: &str| k.clone().unwrap_or_else(|| name(stem));
        Self {
            deal_invoice_number: pick(&keys.deal_invoice_number, "invoice_number"),
            deal_invoice_status: pick(&keys.deal_invoice_status, "invoice_status"),
            deal_amount_paid: pick(&keys.deal_amount_paid, "amount_paid"),
            deal_amount_outstanding: pick(&keys.deal_amount_outstanding, "amount_outstanding"),
            deal_paid_date: pick(&keys.deal_paid_date, "paid_date"),
            company_outstanding: pick(&keys.company_outstanding, "outstanding"),
            company_overdue: pick(&keys.company_overdue, "overdue"),
        }
    }
}

impl Default for WritebackConfig {
    /// The SDK's default naming rule (`ledgerbridge_<stem>`).
    fn default() -> Self {
        Self::resolve(&WritebackKeys::default(), &|stem| {
            format!("ledgerbridge_{stem}")
        })
    }
}

impl Config {
    /// Fills the pair settings whose defaults are a connector's own words: the target's
    /// deposit account, the source's write-back property names.
    pub(crate) fn apply_connector_defaults(&mut self) {
        for p in &mut self.pairs {
            let target = self.connections.get(&p.target).map(|c| c.connector());
            let source = self.connections.get(&p.source).map(|c| c.connector());
            p.bank_account = p
                .bank_account_key
                .clone()
                .or_else(|| {
                    target
                        .and_then(|t| t.pair_defaults().deposit_account)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            p.writeback = match source {
                Some(s) => {
                    WritebackConfig::resolve(&p.writeback_keys, &|stem| s.writeback_property(stem))
                }
                None => WritebackConfig::resolve(&p.writeback_keys, &|stem| {
                    format!("ledgerbridge_{stem}")
                }),
            };
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Public base URL (behind a proxy): verifies URL-signed webhooks and is the base of
    /// the dashboard links in alerts.
    pub public_url: Option<String>,
    /// Guards /metrics and admin routes when set.
    pub admin_token: Option<Secret>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            public_url: None,
            admin_token: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs one worker process runs at a time.
    pub concurrency: usize,
    /// Liveness heartbeat; a worker silent for 3 heartbeats has its jobs re-run elsewhere.
    pub heartbeat_secs: u64,
    /// SQLite: how often an idle worker looks for new jobs (PostgreSQL is woken by NOTIFY
    /// and uses this only as a fallback).
    pub poll_interval_ms: u64,
    /// Attempts per job before it becomes a dead letter.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Upper bound of a retry delay.
    pub backoff_max_secs: u64,
    /// How long a graceful stop waits for running jobs before leaving them to be re-run.
    pub shutdown_timeout_secs: u64,
    /// Lifetime of a worker's lease on a target tenant's rate limit (renewed every third
    /// of it while in use): a worker that dies frees its tenants within this time.
    pub lease_ttl_secs: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            heartbeat_secs: 5,
            poll_interval_ms: 500,
            max_attempts: 6,
            backoff_base_ms: 1000,
            backoff_max_secs: 300,
            shutdown_timeout_secs: 30,
            lease_ttl_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub format: LogFormat,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Key file for the token vault. Default: `LEDGERBRIDGE_MASTER_KEY`, else a key file
    /// next to the SQLite database (created with mode 0600).
    pub key_file: Option<String>,
}
