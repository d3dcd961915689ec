//! The entities the connector reads and writes, as QuickBooks spells them in JSON.
//! Only the fields the connector uses are declared; every one is optional so a
//! sparse update sends exactly what it sets, and a read keeps what it needs.
//! Amounts go through [`crate::money`], never through a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `{"value": id, "name": ..}`: how one entity points at another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Ref {
    pub fn to(id: impl Into<String>) -> Ref {
        Ref {
            value: id.into(),
            ..Ref::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetaData {
    #[serde(
        rename = "CreateTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<String>,
    #[serde(
        rename = "LastUpdatedTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_updated_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Email {
    #[serde(rename = "Address", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Phone {
    #[serde(
        rename = "FreeFormNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub free_form_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebSite {
    #[serde(rename = "URI", default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(rename = "Line1", skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(rename = "Line2", skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(rename = "City", skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(
        rename = "CountrySubDivisionCode",
        skip_serializing_if = "Option::is_none"
    )]
    pub region: Option<String>,
    #[serde(rename = "PostalCode", skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(rename = "Country", skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A customer (its display name is unique across customers, vendors and employees).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "SyncToken", skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    #[serde(rename = "DisplayName", skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(rename = "CompanyName", skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(rename = "GivenName", skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(rename = "FamilyName", skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(rename = "PrimaryEmailAddr", skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(rename = "PrimaryPhone", skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(rename = "WebAddr", skip_serializing_if = "Option::is_none")]
    pub web: Option<WebSite>,
    #[serde(rename = "BillAddr", skip_serializing_if = "Option::is_none")]
    pub bill_addr: Option<Address>,
    #[serde(rename = "AcctNum", skip_serializing_if = "Option::is_none")]
    pub acct_num: Option<String>,
    #[serde(rename = "ResaleNum", skip_serializing_if = "Option::is_none")]
    pub resale_num: Option<String>,
    #[serde(rename = "CurrencyRef", skip_serializing_if = "Option::is_none")]
    pub currency: Option<Ref>,
    #[serde(rename = "Active", skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(
        rename = "Balance",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub balance: Option<Decimal>,
    #[serde(rename = "MetaData", skip_serializing)]
    pub meta: Option<MetaData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesItemLineDetail {
    #[serde(rename = "ItemRef", skip_serializing_if = "Option::is_none")]
    pub item: Option<Ref>,
    #[serde(rename = "ClassRef", skip_serializing_if = "Option::is_none")]
    pub class: Option<Ref>,
    #[serde(
        rename = "UnitPrice",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_price: Option<Decimal>,
    #[serde(
        rename = "Qty",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub qty: Option<Decimal>,
    #[serde(rename = "TaxCodeRef", skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<Ref>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxLineDetail {
    #[serde(rename = "TaxRateRef", skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Ref>,
}

/// A transaction line: a sales line, the subtotal QuickBooks adds, a tax line, or
/// a payment's line linking the invoices it pays.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Line {
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        rename = "Amount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    #[serde(rename = "DetailType", skip_serializing_if = "Option::is_none")]
    pub detail_type: Option<String>,
    #[serde(
        rename = "SalesItemLineDetail",
        skip_serializing_if = "Option::is_none"
    )]
    pub sales: Option<SalesItemLineDetail>,
    #[serde(rename = "TaxLineDetail", skip_serializing_if = "Option::is_none")]
    pub tax: Option<TaxLineDetail>,
    #[serde(rename = "LinkedTxn", skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<LinkedTxn>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkedTxn {
    #[serde(rename = "TxnId")]
    pub id: String,
    #[serde(rename = "TxnType")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TxnTaxDetail {
    #[serde(rename = "TxnTaxCodeRef", skip_serializing_if = "Option::is_none")]
    pub code: Option<Ref>,
    #[serde(
        rename = "TotalTax",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_tax: Option<Decimal>,
    #[serde(rename = "TaxLine", skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invoice {
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "SyncToken", skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    #[serde(rename = "DocNumber", skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    #[serde(rename = "TxnDate", skip_serializing_if = "Option::is_none")]
    pub txn_date: Option<String>,
    #[serde(rename = "DueDate", skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(rename = "CustomerRef", skip_serializing_if = "Option::is_none")]
    pub customer: Option<Ref>,
    #[serde(rename = "DepartmentRef", skip_serializing_if = "Option::is_none")]
    pub department: Option<Ref>,
    #[serde(rename = "CurrencyRef", skip_serializing_if = "Option::is_none")]
    pub currency: Option<Ref>,
    #[serde(
        rename = "ExchangeRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange_rate: Option<Decimal>,
    #[serde(rename = "PrivateNote", skip_serializing_if = "Option::is_none")]
    pub private_note: Option<String>,
    #[serde(rename = "Line", skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
    #[serde(rename = "TxnTaxDetail", skip_serializing_if = "Option::is_none")]
    pub tax_detail: Option<TxnTaxDetail>,
    #[serde(rename = "LinkedTxn", skip_serializing)]
    pub linked: Vec<LinkedTxn>,
    #[serde(rename = "TotalAmt", with = "crate::money::opt", skip_serializing)]
    pub total: Option<Decimal>,
    #[serde(rename = "Balance", with = "crate::money::opt", skip_serializing)]
    pub balance: Option<Decimal>,
    #[serde(rename = "MetaData", skip_serializing)]
    pub meta: Option<MetaData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Payment {
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "SyncToken", skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    #[serde(rename = "CustomerRef", skip_serializing_if = "Option::is_none")]
    pub customer: Option<Ref>,
    #[serde(rename = "CurrencyRef", skip_serializing_if = "Option::is_none")]
    pub currency: Option<Ref>,
    #[serde(
        rename = "TotalAmt",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<Decimal>,
    #[serde(rename = "TxnDate", skip_serializing_if = "Option::is_none")]
    pub txn_date: Option<String>,
    #[serde(rename = "PaymentRefNum", skip_serializing_if = "Option::is_none")]
    pub ref_num: Option<String>,
    #[serde(rename = "PrivateNote", skip_serializing_if = "Option::is_none")]
    pub private_note: Option<String>,
    #[serde(
        rename = "DepositToAccountRef",
        skip_serializing_if = "Option::is_none"
    )]
    pub deposit_to: Option<Ref>,
    #[serde(rename = "Line", skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
    #[serde(rename = "MetaData", skip_serializing)]
    pub meta: Option<MetaData>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Item {
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Sku", skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "IncomeAccountRef", skip_serializing_if = "Option::is_none")]
    pub income_account: Option<Ref>,
    #[serde(rename = "Active", skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Accounts, classes, departments: a name list entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Named {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "AcctNum", skip_serializing_if = "Option::is_none")]
    pub acct_num: Option<String>,
    #[serde(rename = "AccountType", skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    #[serde(rename = "Active", skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRateDetail {
    #[serde(rename = "TaxRateRef")]
    pub rate: Option<Ref>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRateList {
    #[serde(rename = "TaxRateDetail")]
    pub details: Vec<TaxRateDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxCode {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Active")]
    pub active: Option<bool>,
    #[serde(rename = "SalesTaxRateList")]
    pub sales: Option<TaxRateList>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRate {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "RateValue", with = "crate::money::opt")]
    pub rate: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntityRef {
    #[serde(rename = "EntityRef")]
    pub entity: Ref,
}

/// A note (or file) linked to other entities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attachable {
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Note", skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(rename = "AttachableRef", skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<EntityRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetDetail {
    #[serde(rename = "BudgetDate")]
    pub date: Option<String>,
    #[serde(rename = "Amount", with = "crate::money::opt")]
    pub amount: Option<Decimal>,
    #[serde(rename = "AccountRef")]
    pub account: Option<Ref>,
    #[serde(rename = "ClassRef")]
    pub class: Option<Ref>,
    #[serde(rename = "DepartmentRef")]
    pub department: Option<Ref>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Budget {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Active")]
    pub active: Option<bool>,
    #[serde(rename = "BudgetDetail")]
    pub details: Vec<BudgetDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExchangeRate {
    #[serde(rename = "SourceCurrencyCode")]
    pub source: String,
    #[serde(rename = "TargetCurrencyCode")]
    pub target: String,
    #[serde(rename = "Rate", with = "crate::money::opt")]
    pub rate: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyCurrency {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Active")]
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyInfo {
    #[serde(rename = "CompanyName")]
    pub name: Option<String>,
    #[serde(rename = "Country")]
    pub country: Option<String>,
}
