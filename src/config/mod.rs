//! The configuration contract (`ledgerbridge.toml`).
//!
//! Key names here are a contract other tools and existing config files rely on; every struct
//! denies unknown keys so a typo is an error, never a silently ignored setting.
//! `config.example.toml` documents every key with its default — keep the two in step
//! (a test loads the example and `check`s it).

mod load;
mod secret;
pub mod validate;

pub use load::{LoadError, default_path, load, load_from_str};
pub use secret::Secret;

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

/// Which system a connection talks to. Adding a vendor adds a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorKind {
    Hubspot,
    Xero,
}

impl ConnectorKind {
    /// CRMs are sources; accounting systems are targets.
    pub fn is_crm(self) -> bool {
        matches!(self, ConnectorKind::Hubspot)
    }
    pub fn is_finance(self) -> bool {
        matches!(self, ConnectorKind::Xero)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorKind::Hubspot => "hubspot",
            ConnectorKind::Xero => "xero",
        }
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

/// One `[connections.<name>]` table. The keys are a union over vendors; `check` says which
/// ones a kind needs, so one flat struct keeps the file format simple for admins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    pub kind: ConnectorKind,
    /// API root; override to point at a simulator. Default: the vendor's production URL.
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
    /// OAuth endpoint overrides (HubSpot style).
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    /// OAuth endpoint overrides (Xero style: login = authorize, identity = token).
    pub login_url: Option<String>,
    pub identity_url: Option<String>,
    /// Xero organisation; empty = the first one `/connections` returns.
    pub tenant_id: Option<String>,
    /// HubSpot: the app's client secret, used to verify webhook signatures.
    pub webhook_secret: Option<Secret>,
    /// Xero: the webhook signing key.
    pub webhook_key: Option<Secret>,
    /// CRM: currency of deals that carry none.
    #[serde(default = "default_currency")]
    pub default_currency: String,
    /// Time scale the vendor (simulator) runs at: windows and Retry-After are this many
    /// times shorter. 1.0 for real vendors.
    #[serde(default = "default_rate_scale")]
    pub rate_scale: f64,
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
    /// Account code payments are recorded against.
    #[serde(default = "default_bank_account")]
    pub bank_account: String,
    /// CRM property that receives the budget status (on track / at risk / over).
    pub budget_status_property: Option<String>,
    #[serde(default)]
    pub writeback: WritebackConfig,
}

fn default_bank_account() -> String {
    "090".into()
}

/// CRM property names that finance status is written back to (`[pairs.writeback]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WritebackConfig {
    pub deal_invoice_number: String,
    pub deal_invoice_status: String,
    pub deal_amount_paid: String,
    pub deal_amount_outstanding: String,
    pub deal_paid_date: String,
    pub company_outstanding: String,
    pub company_overdue: String,
}

impl Default for WritebackConfig {
    fn default() -> Self {
        Self {
            deal_invoice_number: "ledgerbridge_invoice_number".into(),
            deal_invoice_status: "ledgerbridge_invoice_status".into(),
            deal_amount_paid: "ledgerbridge_amount_paid".into(),
            deal_amount_outstanding: "ledgerbridge_amount_outstanding".into(),
            deal_paid_date: "ledgerbridge_paid_date".into(),
            company_outstanding: "ledgerbridge_outstanding".into(),
            company_overdue: "ledgerbridge_overdue".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Public base URL (behind a proxy), used to verify URL-signed webhooks.
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
