//! The pair settings a mapping sees as `settings.*` (from the pair's section
//! of `ledgerbridge.toml`; the engine fills this struct, defaults here).

use chrono::NaiveDate;
use ledgerbridge_sdk::model::{Currency, InvoiceStatus};

/// Where payments are recorded first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentsSource {
    /// Payments happen in the finance system and flow back to the CRM (default).
    #[default]
    Finance,
    /// Payments are recorded in the CRM and pushed to the finance system.
    Crm,
}

impl PaymentsSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentsSource::Finance => "finance",
            PaymentsSource::Crm => "crm",
        }
    }
}

/// Pair settings that mappings read. Also what `MappingSet::load` checks the
/// files against (connector names) and builds sample contexts from.
#[derive(Debug, Clone)]
pub struct PairSettings {
    /// The source connection's kind (`hubspot`); a file's `source.connector` must match.
    pub source_connector: String,
    /// The target connection's kind (`xero`); a file's `target.connector` must match.
    pub target_connector: String,
    /// Cut-over: records dated before this are skipped (`None`: no cut-over).
    pub start_date: Option<NaiveDate>,
    /// Status new invoices get (`AUTHORISED` default, `DRAFT` for review workflows).
    pub invoice_status: InvoiceStatus,
    /// The CRM connection's currency when a deal names none (default USD).
    pub default_currency: Currency,
    /// The bank account payments go to (default `090`).
    pub bank_account: String,
    pub payments_source: PaymentsSource,
    /// Customer name used when a record has neither company nor contact.
    pub fallback_customer: Option<String>,
    /// The target's optional abilities, when the files are to be held against them
    /// (`check`): a file needing one the target lacks is a problem at its line. `None`
    /// (the pipeline) loads them anyway, and the records that need the missing ability
    /// become dead letters.
    pub target_abilities: Option<ledgerbridge_sdk::ability::Abilities>,
}

impl PairSettings {
    /// Defaults as documented in `config.example.toml`.
    pub fn new(source_connector: &str, target_connector: &str) -> Self {
        PairSettings {
            source_connector: source_connector.to_string(),
            target_connector: target_connector.to_string(),
            start_date: None,
            invoice_status: InvoiceStatus::Authorised,
            default_currency: Currency::new("USD").expect("USD is a currency code"),
            bank_account: "090".to_string(),
            payments_source: PaymentsSource::Finance,
            fallback_customer: None,
            target_abilities: None,
        }
    }
}

/// The brief's name for the same settings.
pub type MappingSettings = PairSettings;
