//! Organisation settings: chart of accounts, tax rates, currencies, tracking,
//! budgets, the organisation itself, and `/connections` tenants.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A ledger account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    #[serde(rename = "AccountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
    #[serde(rename = "Code", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "TaxType", skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    #[serde(rename = "Class", skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(rename = "BankAccountNumber", skip_serializing_if = "Option::is_none")]
    pub bank_account_number: Option<String>,
    #[serde(rename = "BankAccountType", skip_serializing_if = "Option::is_none")]
    pub bank_account_type: Option<String>,
    #[serde(rename = "CurrencyCode", skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(
        rename = "EnablePaymentsToAccount",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable_payments_to_account: Option<bool>,
    #[serde(
        rename = "ShowInExpenseClaims",
        skip_serializing_if = "Option::is_none"
    )]
    pub show_in_expense_claims: Option<bool>,
    #[serde(rename = "ReportingCode", skip_serializing_if = "Option::is_none")]
    pub reporting_code: Option<String>,
    #[serde(rename = "HasAttachments", skip_serializing_if = "Option::is_none")]
    pub has_attachments: Option<bool>,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
}

/// A tax rate and its components.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRate {
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "TaxType", skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    #[serde(rename = "TaxComponents", skip_serializing_if = "Option::is_none")]
    pub tax_components: Option<Vec<TaxComponent>>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "ReportTaxType", skip_serializing_if = "Option::is_none")]
    pub report_tax_type: Option<String>,
    #[serde(rename = "CanApplyToAssets", skip_serializing_if = "Option::is_none")]
    pub can_apply_to_assets: Option<bool>,
    #[serde(rename = "CanApplyToEquity", skip_serializing_if = "Option::is_none")]
    pub can_apply_to_equity: Option<bool>,
    #[serde(rename = "CanApplyToExpenses", skip_serializing_if = "Option::is_none")]
    pub can_apply_to_expenses: Option<bool>,
    #[serde(
        rename = "CanApplyToLiabilities",
        skip_serializing_if = "Option::is_none"
    )]
    pub can_apply_to_liabilities: Option<bool>,
    #[serde(rename = "CanApplyToRevenue", skip_serializing_if = "Option::is_none")]
    pub can_apply_to_revenue: Option<bool>,
    #[serde(
        rename = "DisplayTaxRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_tax_rate: Option<Decimal>,
    #[serde(
        rename = "EffectiveRate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub effective_rate: Option<Decimal>,
}

/// One component of a tax rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxComponent {
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        rename = "Rate",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub rate: Option<Decimal>,
    #[serde(rename = "IsCompound", skip_serializing_if = "Option::is_none")]
    pub is_compound: Option<bool>,
    #[serde(rename = "IsNonRecoverable", skip_serializing_if = "Option::is_none")]
    pub is_non_recoverable: Option<bool>,
}

/// A currency enabled for the organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Currency {
    #[serde(rename = "Code", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A tracking category (or, inside a budget, one chosen option of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackingCategory {
    #[serde(rename = "TrackingCategoryID", skip_serializing_if = "Option::is_none")]
    pub tracking_category_id: Option<Uuid>,
    #[serde(rename = "TrackingOptionID", skip_serializing_if = "Option::is_none")]
    pub tracking_option_id: Option<Uuid>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Option", skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "Options", skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<TrackingOption>>,
}

/// An option of a tracking category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrackingOption {
    #[serde(rename = "TrackingOptionID", skip_serializing_if = "Option::is_none")]
    pub tracking_option_id: Option<Uuid>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "TrackingCategoryID", skip_serializing_if = "Option::is_none")]
    pub tracking_category_id: Option<Uuid>,
}

/// The organisation (`GET /Organisation`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Organisation {
    #[serde(rename = "OrganisationID", skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "LegalName", skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    #[serde(rename = "PaysTax", skip_serializing_if = "Option::is_none")]
    pub pays_tax: Option<bool>,
    #[serde(rename = "Version", skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "OrganisationType", skip_serializing_if = "Option::is_none")]
    pub organisation_type: Option<String>,
    #[serde(rename = "BaseCurrency", skip_serializing_if = "Option::is_none")]
    pub base_currency: Option<String>,
    #[serde(rename = "CountryCode", skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(rename = "IsDemoCompany", skip_serializing_if = "Option::is_none")]
    pub is_demo_company: Option<bool>,
    #[serde(rename = "OrganisationStatus", skip_serializing_if = "Option::is_none")]
    pub organisation_status: Option<String>,
    #[serde(
        rename = "FinancialYearEndDay",
        skip_serializing_if = "Option::is_none"
    )]
    pub financial_year_end_day: Option<u32>,
    #[serde(
        rename = "FinancialYearEndMonth",
        skip_serializing_if = "Option::is_none"
    )]
    pub financial_year_end_month: Option<u32>,
    #[serde(rename = "SalesTaxBasis", skip_serializing_if = "Option::is_none")]
    pub sales_tax_basis: Option<String>,
    #[serde(rename = "DefaultSalesTax", skip_serializing_if = "Option::is_none")]
    pub default_sales_tax: Option<String>,
    #[serde(
        rename = "DefaultPurchasesTax",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_purchases_tax: Option<String>,
    #[serde(rename = "PeriodLockDate", skip_serializing_if = "Option::is_none")]
    pub period_lock_date: Option<String>,
    #[serde(rename = "EndOfYearLockDate", skip_serializing_if = "Option::is_none")]
    pub end_of_year_lock_date: Option<String>,
    #[serde(rename = "CreatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub created_date_utc: Option<String>,
    #[serde(rename = "Timezone", skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(
        rename = "OrganisationEntityType",
        skip_serializing_if = "Option::is_none"
    )]
    pub organisation_entity_type: Option<String>,
    #[serde(rename = "ShortCode", skip_serializing_if = "Option::is_none")]
    pub short_code: Option<String>,
    #[serde(rename = "Class", skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(rename = "Edition", skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
}

/// A budget: lines per account with monthly balances.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Budget {
    #[serde(rename = "BudgetID", skip_serializing_if = "Option::is_none")]
    pub budget_id: Option<Uuid>,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
    #[serde(rename = "BudgetLines", skip_serializing_if = "Option::is_none")]
    pub budget_lines: Option<Vec<BudgetLine>>,
    #[serde(rename = "Tracking", skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Vec<TrackingCategory>>,
}

/// One account's balances in a budget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetLine {
    #[serde(rename = "AccountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Uuid>,
    #[serde(rename = "AccountCode", skip_serializing_if = "Option::is_none")]
    pub account_code: Option<String>,
    #[serde(rename = "BudgetBalances", skip_serializing_if = "Option::is_none")]
    pub budget_balances: Option<Vec<BudgetBalance>>,
}

/// One month of a budget line: `Period` is `YYYY-MM`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetBalance {
    #[serde(rename = "Period", skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(
        rename = "Amount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    #[serde(
        rename = "UnitAmount",
        with = "crate::money::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_amount: Option<Decimal>,
    #[serde(rename = "Notes", skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A tenant the token may reach (`GET /connections`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    pub id: Option<Uuid>,
    pub tenant_id: Option<Uuid>,
    pub tenant_type: Option<String>,
    pub tenant_name: Option<String>,
    pub created_date_utc: Option<String>,
    pub updated_date_utc: Option<String>,
}
