//! What a connector declares about itself. The engine sizes batches, paces
//! calls and validates mappings from this, never from vendor names.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::ability::Abilities;

/// Whom a rate limit counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateScope {
    /// One connected organisation / portal / realm (Xero tenant, QBO realm, HubSpot portal).
    Tenant,
    /// The whole app, across tenants.
    App,
    /// One token (Pipedrive, HubSpot search).
    Token,
}

/// "At most `calls` per `per`", as the vendor publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    /// Short name used in logs and metrics (`minute`, `daily`, `ten_seconds`, `search`).
    pub name: &'static str,
    pub calls: u32,
    pub per: Duration,
    pub scope: RateScope,
}

/// How the vendor de-duplicates writes itself, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VendorIdempotency {
    /// No vendor key: recovery relies on lookups by external reference alone.
    None,
    /// A request header (Xero `Idempotency-Key`), with its maximum length.
    Header { name: &'static str, max_len: usize },
    /// A query parameter (QuickBooks `requestid`), with its maximum length.
    Query { name: &'static str, max_len: usize },
}

/// Type of a declared field, for mapping validation and sample records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    String,
    /// A decimal carried as a string (money, quantities).
    Decimal,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    DateTime,
    Integer,
    Boolean,
    /// One of a fixed set of values.
    Enum(Vec<String>),
}

/// A field a connector reads or writes on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDecl {
    pub name: String,
    pub kind: FieldKind,
    /// Required on write (targets) / always present (sources).
    pub required: bool,
    pub description: String,
}

impl FieldDecl {
    pub fn new(name: &str, kind: FieldKind, required: bool, description: &str) -> Self {
        FieldDecl {
            name: name.to_string(),
            kind,
            required,
            description: description.to_string(),
        }
    }
}

/// Everything a connector declares.
#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    /// `hubspot`, `xero`, … (the config's `kind`).
    pub vendor: &'static str,
    /// Most items per write call, per object (`invoice` → 50 on Xero).
    pub write_batch: BTreeMap<String, usize>,
    /// Most ids per batch read.
    pub read_batch: usize,
    /// Most records per list page the connector asks for.
    pub page_size: usize,
    pub rate_limits: Vec<RateLimit>,
    /// Most calls in flight at once per tenant (Xero: 5).
    pub max_concurrency: Option<usize>,
    pub idempotency: VendorIdempotency,
    /// Whether the vendor pushes change webhooks.
    pub webhooks: bool,
    /// Declared fields per object (`deal` → dealname, amount, …), including
    /// the vendor's raw property names reachable as `properties.<name>`.
    pub fields: BTreeMap<String, Vec<FieldDecl>>,
    /// A target's optional abilities ([`Abilities::none`] for sources). The same set as
    /// the built target's accessors answer ([`Abilities::of`]): `check` reads this one,
    /// which needs no target.
    pub abilities: Abilities,
}

impl Capabilities {
    /// Batch size for writes of `object` (1 when the vendor has no batch endpoint).
    pub fn write_batch_for(&self, object: &str) -> usize {
        self.write_batch.get(object).copied().unwrap_or(1).max(1)
    }
}
