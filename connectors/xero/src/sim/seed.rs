//! The demo organisation every simulator starts with: Xero's usual demo chart
//! of accounts, tax rates, currencies, two tracking categories, budgets for
//! 2025–2027 and a period lock date. Deterministic for a seed.

use chrono::{NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::msdate;
use crate::wire::{
    Account, Budget, BudgetBalance, BudgetLine, Currency, Organisation, TaxComponent, TaxRate,
    TrackingCategory, TrackingOption,
};

/// The organisation's base currency.
pub const BASE_CURRENCY: &str = "USD";

/// Fixed exchange rates: units of each currency per one USD, as Xero states
/// `CurrencyRate` on an invoice. An invoice sent without `CurrencyRate` gets
/// the rate from this table (Xero would use the day's XE.com rate).
pub const RATES: [(&str, &str); 7] = [
    ("USD", "1.000000"),
    ("EUR", "0.920000"),
    ("GBP", "0.790000"),
    ("AUD", "1.520000"),
    ("NZD", "1.660000"),
    ("JPY", "151.500000"),
    ("BHD", "0.376000"),
];

/// The default period lock date: FY2024 is closed.
pub fn default_lock_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid date")
}

/// The rate of `code` from [`RATES`].
pub fn rate_of(code: &str) -> Option<Decimal> {
    RATES
        .iter()
        .find(|(c, _)| *c == code)
        .and_then(|(_, r)| r.parse().ok())
}

/// Everything seeded, read-only after start (lock dates live in the state).
pub struct Settings {
    pub accounts: Vec<Account>,
    pub tax_rates: Vec<TaxRate>,
    pub currencies: Vec<Currency>,
    pub tracking: Vec<TrackingCategory>,
    pub budgets: Vec<Budget>,
    pub organisation: Organisation,
}

impl Settings {
    pub fn account_by_code(&self, code: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.code.as_deref() == Some(code))
    }
    pub fn account_by_id(&self, id: Uuid) -> Option<&Account> {
        self.accounts.iter().find(|a| a.account_id == Some(id))
    }
    pub fn tax_rate(&self, tax_type: &str) -> Option<&TaxRate> {
        self.tax_rates
            .iter()
            .find(|t| t.tax_type.as_deref() == Some(tax_type))
    }
    pub fn currency_enabled(&self, code: &str) -> bool {
        self.currencies
            .iter()
            .any(|c| c.code.as_deref() == Some(code))
    }
}

fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("seed decimals are valid")
}

pub fn seed(seed: u64) -> Settings {
    // one stream per kind of object, so adding a kind never changes the others
    let mut acc_rng = StdRng::seed_from_u64(seed ^ 0xacc0);
    let mut trk_rng = StdRng::seed_from_u64(seed ^ 0x7ac4);
    let mut bud_rng = StdRng::seed_from_u64(seed ^ 0xb0d6);
    let mut org_rng = StdRng::seed_from_u64(seed ^ 0x0a6a);
    let created = Utc
        .with_ymd_and_hms(2024, 1, 2, 9, 0, 0)
        .single()
        .expect("valid instant");
    let updated = msdate::format_datetime(created);

    let accounts = accounts(&mut acc_rng, &updated);
    let tracking = tracking(&mut trk_rng);
    let budgets = budgets(&mut bud_rng, &accounts, &tracking, &updated);
    let lock = msdate::format_date(default_lock_date());
    let organisation = Organisation {
        organisation_id: Some(uuid(&mut org_rng)),
        name: Some("Demo Company (US)".into()),
        legal_name: Some("Demo Company (US) Inc.".into()),
        pays_tax: Some(true),
        version: Some("US".into()),
        organisation_type: Some("COMPANY".into()),
        base_currency: Some(BASE_CURRENCY.into()),
        country_code: Some("US".into()),
        is_demo_company: Some(true),
        organisation_status: Some("ACTIVE".into()),
        financial_year_end_day: Some(31),
        financial_year_end_month: Some(12),
        sales_tax_basis: Some("ACCRUAL".into()),
        default_sales_tax: Some("Tax Exclusive".into()),
        default_purchases_tax: Some("Tax Exclusive".into()),
        period_lock_date: Some(lock.clone()),
        end_of_year_lock_date: Some(lock),
        created_date_utc: Some(updated.clone()),
        timezone: Some("EASTERNSTANDARDTIME".into()),
        organisation_entity_type: Some("COMPANY".into()),
        short_code: Some("!ldgb1".into()),
        class: Some("DEMO".into()),
        edition: Some("BUSINESS".into()),
    };
    Settings {
        accounts,
        tax_rates: tax_rates(),
        currencies: currencies(),
        tracking,
        budgets,
        organisation,
    }
}

fn accounts(rng: &mut StdRng, updated: &str) -> Vec<Account> {
    // (code, name, type, class, tax type, status)
    let chart: [(&str, &str, &str, &str, &str, &str); 22] = [
        (
            "090",
            "Business Bank Account",
            "BANK",
            "ASSET",
            "NONE",
            "ACTIVE",
        ),
        (
            "091",
            "Business Savings Account",
            "BANK",
            "ASSET",
            "NONE",
            "ACTIVE",
        ),
        (
            "120",
            "Accounts Receivable",
            "CURRENT",
            "ASSET",
            "NONE",
            "ACTIVE",
        ),
        ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT", "ACTIVE"),
        (
            "260",
            "Other Revenue",
            "REVENUE",
            "REVENUE",
            "OUTPUT",
            "ACTIVE",
        ),
        (
            "270",
            "Interest Income",
            "REVENUE",
            "REVENUE",
            "NONE",
            "ACTIVE",
        ),
        (
            "310",
            "Cost of Goods Sold",
            "DIRECTCOSTS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "400",
            "Advertising",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        ("404", "Bank Fees", "OVERHEADS", "EXPENSE", "NONE", "ACTIVE"),
        ("408", "Cleaning", "OVERHEADS", "EXPENSE", "INPUT", "ACTIVE"),
        (
            "412",
            "Consulting & Accounting",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "420",
            "Entertainment",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "429",
            "General Expenses",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "433",
            "Insurance",
            "OVERHEADS",
            "EXPENSE",
            "EXEMPTEXPENSES",
            "ACTIVE",
        ),
        (
            "461",
            "Printing & Stationery",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        ("469", "Rent", "OVERHEADS", "EXPENSE", "INPUT", "ACTIVE"),
        (
            "477",
            "Wages and Salaries",
            "OVERHEADS",
            "EXPENSE",
            "NONE",
            "ACTIVE",
        ),
        (
            "489",
            "Telephone & Internet",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "493",
            "Travel - National",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ACTIVE",
        ),
        (
            "499",
            "Old Marketing (archived)",
            "OVERHEADS",
            "EXPENSE",
            "INPUT",
            "ARCHIVED",
        ),
        (
            "800",
            "Accounts Payable",
            "CURRLIAB",
            "LIABILITY",
            "NONE",
            "ACTIVE",
        ),
        (
            "820",
            "Sales Tax",
            "CURRLIAB",
            "LIABILITY",
            "NONE",
            "ACTIVE",
        ),
    ];
    chart
        .iter()
        .map(|(code, name, kind, class, tax, status)| {
            let bank = *kind == "BANK";
            Account {
                account_id: Some(uuid(rng)),
                code: Some(code.to_string()),
                name: Some(name.to_string()),
                kind: Some(kind.to_string()),
                status: Some(status.to_string()),
                tax_type: Some(tax.to_string()),
                class: Some(class.to_string()),
                bank_account_number: bank.then(|| format!("12-3456-78901{code}")),
                bank_account_type: Some(if bank { "BANK" } else { "" }.to_string()),
                currency_code: bank.then(|| BASE_CURRENCY.to_string()),
                enable_payments_to_account: Some(bank),
                show_in_expense_claims: Some(*class == "EXPENSE"),
                reporting_code: None,
                has_attachments: Some(false),
                updated_date_utc: Some(updated.to_string()),
            }
        })
        .collect()
}

fn tax_rates() -> Vec<TaxRate> {
    // (tax type, name, rate %, report type, revenue?, expenses?)
    let table: [(&str, &str, &str, &str, bool, bool); 7] = [
        ("OUTPUT", "Tax on Sales", "15.0000", "OUTPUT", true, false),
        (
            "EXEMPTOUTPUT",
            "Tax Exempt Sales",
            "0.0000",
            "EXEMPTOUTPUT",
            true,
            false,
        ),
        (
            "ZERORATEDOUTPUT",
            "Zero Rated Sales",
            "0.0000",
            "ZERORATEDOUTPUT",
            true,
            false,
        ),
        ("NONE", "No Tax", "0.0000", "NONE", true, true),
        ("INPUT", "Tax on Purchases", "15.0000", "INPUT", false, true),
        (
            "EXEMPTINPUT",
            "Tax Exempt Purchases",
            "0.0000",
            "EXEMPTINPUT",
            false,
            true,
        ),
        (
            "EXEMPTEXPENSES",
            "Tax Exempt Expenses",
            "0.0000",
            "EXEMPTEXPENSES",
            false,
            true,
        ),
    ];
    table
        .iter()
        .map(|(tt, name, rate, report, rev, exp)| TaxRate {
            name: Some(name.to_string()),
            tax_type: Some(tt.to_string()),
            tax_components: Some(vec![TaxComponent {
                name: Some(
                    if *rate == "0.0000" {
                        "No Tax"
                    } else {
                        "Sales Tax"
                    }
                    .into(),
                ),
                rate: Some(dec(rate)),
                is_compound: Some(false),
                is_non_recoverable: Some(false),
            }]),
            status: Some("ACTIVE".into()),
            report_tax_type: Some(report.to_string()),
            can_apply_to_assets: Some(*exp),
            can_apply_to_equity: Some(*exp),
            can_apply_to_expenses: Some(*exp),
            can_apply_to_liabilities: Some(*exp),
            can_apply_to_revenue: Some(*rev),
            display_tax_rate: Some(dec(rate)),
            effective_rate: Some(dec(rate)),
        })
        .collect()
}

fn currencies() -> Vec<Currency> {
    [
        ("USD", "United States Dollar"),
        ("EUR", "Euro"),
        ("GBP", "British Pound"),
        ("AUD", "Australian Dollar"),
        ("NZD", "New Zealand Dollar"),
        ("JPY", "Japanese Yen"),
        ("BHD", "Bahraini Dinar"),
    ]
    .iter()
    .map(|(c, d)| Currency {
        code: Some(c.to_string()),
        description: Some(d.to_string()),
    })
    .collect()
}

/// "Region" (where the customer is) and "Pipeline" (the CRM deal pipeline a
/// sale came through), so both a territory and a pipeline can map to an option.
fn tracking(rng: &mut StdRng) -> Vec<TrackingCategory> {
    let cats: [(&str, &[&str]); 2] = [
        (
            "Region",
            &["North", "South", "East", "West", "International"],
        ),
        (
            "Pipeline",
            &["Sales Pipeline", "Renewals", "Enterprise", "Partners"],
        ),
    ];
    cats.iter()
        .map(|(name, options)| {
            let cat_id = uuid(rng);
            TrackingCategory {
                tracking_category_id: Some(cat_id),
                tracking_option_id: None,
                name: Some(name.to_string()),
                option: None,
                status: Some("ACTIVE".into()),
                options: Some(
                    options
                        .iter()
                        .map(|o| TrackingOption {
                            tracking_option_id: Some(uuid(rng)),
                            name: Some(o.to_string()),
                            status: Some("ACTIVE".into()),
                            tracking_category_id: Some(cat_id),
                        })
                        .collect(),
                ),
            }
        })
        .collect()
}

/// Monthly periods `YYYY-MM` of 2025–2027.
pub fn budget_periods() -> Vec<String> {
    (2025..=2027)
        .flat_map(|y| (1..=12).map(move |m| format!("{y}-{m:02}")))
        .collect()
}

fn budgets(
    rng: &mut StdRng,
    accounts: &[Account],
    tracking: &[TrackingCategory],
    updated: &str,
) -> Vec<Budget> {
    let periods = budget_periods();
    let mut lines_for = |codes: &[(&str, u32)], scale: u32| -> Vec<BudgetLine> {
        codes
            .iter()
            .map(|(code, base)| {
                let account = accounts
                    .iter()
                    .find(|a| a.code.as_deref() == Some(*code))
                    .expect("seeded code");
                BudgetLine {
                    account_id: account.account_id,
                    account_code: Some(code.to_string()),
                    budget_balances: Some(
                        periods
                            .iter()
                            .map(|p| {
                                // whole dollars, ±20 % around the base, deterministic per seed
                                let amount =
                                    base * scale / 100 * rng.random_range(80..=120u32) / 100;
                                BudgetBalance {
                                    period: Some(p.clone()),
                                    amount: Some(Decimal::from(amount) + Decimal::new(0, 2)),
                                    unit_amount: None,
                                    notes: None,
                                }
                            })
                            .collect(),
                    ),
                }
            })
            .collect()
    };
    let overall_codes = [
        ("200", 50_000),
        ("260", 5_000),
        ("400", 4_000),
        ("412", 2_500),
        ("469", 6_000),
        ("477", 30_000),
        ("489", 800),
    ];
    let mut budgets = vec![Budget {
        budget_id: None,
        kind: Some("OVERALL".into()),
        description: Some("Overall Budget".into()),
        updated_date_utc: Some(updated.to_string()),
        budget_lines: Some(lines_for(&overall_codes, 100)),
        tracking: Some(vec![]),
    }];
    // one TRACKING budget per option of each category: revenue by region and by pipeline
    for cat in tracking {
        let options = cat.options.as_deref().unwrap_or_default();
        for opt in options {
            let share = 100 / options.len() as u32;
            budgets.push(Budget {
                budget_id: None,
                kind: Some("TRACKING".into()),
                description: Some(format!(
                    "{} {} budget",
                    cat.name.as_deref().unwrap_or(""),
                    opt.name.as_deref().unwrap_or("")
                )),
                updated_date_utc: Some(updated.to_string()),
                budget_lines: Some(lines_for(&[("200", 50_000), ("260", 5_000)], share)),
                tracking: Some(vec![TrackingCategory {
                    tracking_category_id: cat.tracking_category_id,
                    tracking_option_id: opt.tracking_option_id,
                    name: cat.name.clone(),
                    option: opt.name.clone(),
                    status: None,
                    options: None,
                }]),
            });
        }
    }
    let mut id_rng = StdRng::seed_from_u64(rng.random());
    for b in &mut budgets {
        b.budget_id = Some(uuid(&mut id_rng));
    }
    budgets
}
