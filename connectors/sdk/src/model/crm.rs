//! The CRM side of the canonical model.
//!
//! Typed fields cover what every CRM has (HubSpot, Salesforce, Pipedrive);
//! `properties` keeps every raw property the vendor returned, as strings, so
//! a mapping file can reach custom fields without a code change.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::RecordMeta;

/// The CRM objects a source can list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrmObject {
    Company,
    Contact,
    Deal,
    Interaction,
}

impl CrmObject {
    pub const ALL: [CrmObject; 4] = [
        CrmObject::Company,
        CrmObject::Contact,
        CrmObject::Deal,
        CrmObject::Interaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CrmObject::Company => "company",
            CrmObject::Contact => "contact",
            CrmObject::Deal => "deal",
            CrmObject::Interaction => "interaction",
        }
    }

    pub fn parse(s: &str) -> Option<CrmObject> {
        CrmObject::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 where the CRM gives one, else what it gives.
    pub country: Option<String>,
}

/// A company (HubSpot company, Salesforce Account, Pipedrive organization).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub meta: RecordMeta,
    pub name: String,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Address,
    pub tax_number: Option<String>,
    /// Ids of the contacts associated with the company.
    pub contact_ids: Vec<String>,
    pub properties: BTreeMap<String, String>,
}

/// A person (HubSpot contact, Salesforce Contact, Pipedrive person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub meta: RecordMeta,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The primary company, if any.
    pub company_id: Option<String>,
    pub properties: BTreeMap<String, String>,
}

/// Where a deal stands, resolved against the pipeline definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
}

/// A deal (HubSpot deal, Salesforce Opportunity, Pipedrive deal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    pub meta: RecordMeta,
    pub name: String,
    /// The deal amount as the CRM states it (may disagree with the lines).
    pub amount: Option<Decimal>,
    /// ISO code when the CRM sets one per deal; else the connection's default applies.
    pub currency: Option<String>,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
    pub status: DealStatus,
    pub owner_id: Option<String>,
    pub close_date: Option<NaiveDate>,
    /// The primary company, if any.
    pub company_id: Option<String>,
    /// Associated contacts, primary first.
    pub contact_ids: Vec<String>,
    pub line_items: Vec<LineItem>,
    pub properties: BTreeMap<String, String>,
}

/// A deal line (HubSpot line item, Salesforce OpportunityLineItem, Pipedrive deal product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: String,
    pub name: String,
    pub product_id: Option<String>,
    /// SKU or product code, if any.
    pub sku: Option<String>,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Discount as a percentage (10 = 10 %), if the CRM states it that way.
    pub discount_percent: Option<Decimal>,
    /// Discount as an absolute amount off the line, if the CRM states it that way.
    pub discount_amount: Option<Decimal>,
    pub properties: BTreeMap<String, String>,
}

/// Kinds of interaction a CRM records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    Email,
    Meeting,
    Note,
    /// A to-do logged on a record (HubSpot tasks), done or still open.
    Task,
}

/// A call, email, meeting, note or task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub meta: RecordMeta,
    pub kind: InteractionKind,
    pub timestamp: DateTime<Utc>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub duration_ms: Option<i64>,
    pub company_ids: Vec<String>,
    pub contact_ids: Vec<String>,
    pub deal_ids: Vec<String>,
    pub properties: BTreeMap<String, String>,
}

/// Any CRM record, as a source returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum CrmRecord {
    Company(Company),
    Contact(Contact),
    Deal(Deal),
    Interaction(Interaction),
}

impl CrmRecord {
    pub fn meta(&self) -> &RecordMeta {
        match self {
            CrmRecord::Company(r) => &r.meta,
            CrmRecord::Contact(r) => &r.meta,
            CrmRecord::Deal(r) => &r.meta,
            CrmRecord::Interaction(r) => &r.meta,
        }
    }

    pub fn object(&self) -> CrmObject {
        match self {
            CrmRecord::Company(_) => CrmObject::Company,
            CrmRecord::Contact(_) => CrmObject::Contact,
            CrmRecord::Deal(_) => CrmObject::Deal,
            CrmRecord::Interaction(_) => CrmObject::Interaction,
        }
    }

    /// `<object>:<id>`, unique within one connection.
    pub fn key(&self) -> String {
        self.meta().key(self.object().as_str())
    }
}

/// A pipeline with its stages (HubSpot deal pipeline, Pipedrive pipeline,
/// Salesforce OpportunityStage picklist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub stages: Vec<PipelineStage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineStage {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    /// Win probability between 0 and 1.
    pub probability: Decimal,
    /// Closed (won or lost).
    pub closed: bool,
    /// Closed and won.
    pub won: bool,
}

/// A property update written back to a CRM record (invoice status, amounts paid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyUpdate {
    pub object: CrmObject,
    pub id: String,
    /// Property name → value; values are strings as every CRM accepts them.
    pub properties: BTreeMap<String, String>,
}

/// A payment recorded in the CRM (only used when a pair's
/// `payments_source = "crm"`): most CRMs keep it as deal properties, which
/// the connector or the mapping turns into this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmPayment {
    pub deal_id: String,
    pub amount: Decimal,
    pub currency: Option<String>,
    pub paid_on: NaiveDate,
}
