//! The sample company every simulator starts with, as QuickBooks' own sample
//! company has it: a chart of accounts, a Services item and some products with
//! income accounts, tax codes for the region, classes, departments, a budget,
//! currencies with multicurrency on, a few customers, a vendor and an employee.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::state::Region;
use super::store::Store;
use crate::wire::time::format_time;

/// Every currency the company has, with its rate to the home currency (USD)
/// as "1 unit of the currency = rate USD".
pub const RATES: &[(&str, &str, &str)] = &[
    ("USD", "United States Dollar", "1"),
    ("EUR", "Euro", "1.08"),
    ("GBP", "British Pound Sterling", "1.27"),
    ("AUD", "Australian Dollar", "0.66"),
    ("NZD", "New Zealand Dollar", "0.61"),
    ("JPY", "Japanese Yen", "0.0067"),
    ("BHD", "Bahraini Dinar", "2.65"),
];

/// The US sales tax rate behind the seeded `TxnTaxCodeRef` (tax code 2).
pub const US_TAX_CODE: u64 = 2;

/// A realm id in QuickBooks' 19-digit shape, stable for a seed.
pub fn realm_id(seed: u64) -> String {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x9b0_0001);
    format!("9341{:015}", rng.random_range(0..1_000_000_000_000_000u64))
}

fn meta(now: &str) -> Value {
    json!({"CreateTime": now, "LastUpdatedTime": now})
}

fn base(id: u64, now: &str) -> Value {
    json!({"Id": id.to_string(), "SyncToken": "0", "domain": "QBO", "sparse": false, "MetaData": meta(now)})
}

fn with(mut obj: Value, fields: Value) -> Value {
    if let (Some(o), Value::Object(f)) = (obj.as_object_mut(), fields) {
        o.extend(f);
    }
    obj
}

/// Fills `books` with the sample company.
pub fn seed(books: &mut Store, region: Region, realm: &str, now: DateTime<Utc>) {
    let t = format_time(now);
    let home = if region == Region::Us { "USD" } else { "GBP" };
    let accounts: &[(u64, &str, &str, &str, &str)] = &[
        (1, "Services", "Income", "ServiceFeeIncome", "Revenue"),
        (
            2,
            "Sales of Product Income",
            "Income",
            "SalesOfProductIncome",
            "Revenue",
        ),
        (3, "Design income", "Income", "ServiceFeeIncome", "Revenue"),
        (4, "Checking", "Bank", "Checking", "Asset"),
        (
            5,
            "Accounts Receivable (A/R)",
            "Accounts Receivable",
            "AccountsReceivable",
            "Asset",
        ),
        (
            6,
            "Undeposited Funds",
            "Other Current Asset",
            "UndepositedFunds",
            "Asset",
        ),
        (
            7,
            "Accounts Payable (A/P)",
            "Accounts Payable",
            "AccountsPayable",
            "Liability",
        ),
        (
            8,
            "Sales Tax Payable",
            "Other Current Liability",
            "SalesTaxPayable",
            "Liability",
        ),
        (
            9,
            "Advertising",
            "Expense",
            "AdvertisingPromotional",
            "Expense",
        ),
        (
            10,
            "Rent or Lease",
            "Expense",
            "RentOrLeaseOfBuildings",
            "Expense",
        ),
        (
            11,
            "Cost of Goods Sold",
            "Cost of Goods Sold",
            "SuppliesMaterialsCogs",
            "Expense",
        ),
        (
            12,
            "Opening Balance Equity",
            "Equity",
            "OpeningBalanceEquity",
            "Equity",
        ),
    ];
    for (id, name, kind, sub, class) in accounts {
        books.seed(
            "Account",
            with(
                base(*id, &t),
                json!({"Name": name, "FullyQualifiedName": name, "SubAccount": false,
                    "Active": true, "Classification": class, "AccountType": kind,
                    "AccountSubType": sub, "CurrentBalance": 0,
                    "CurrentBalanceWithSubAccounts": 0,
                    "CurrencyRef": {"value": home, "name": currency_name(home)}}),
            ),
        );
    }
    let items: &[(u64, &str, &str, &str, u64)] = &[
        (1, "Services", "Service", "0", 1),
        (2, "Hours", "Service", "0", 1),
        (3, "Design", "Service", "75", 3),
        (4, "Gardening", "Service", "25", 1),
        (5, "Rocks", "NonInventory", "20", 2),
        (6, "Sprinkler Heads", "NonInventory", "2", 2),
    ];
    for (id, name, kind, price, income) in items {
        let income_name = accounts[(*income - 1) as usize].1;
        books.seed(
            "Item",
            with(
                base(*id, &t),
                json!({"Name": name, "FullyQualifiedName": name, "Active": true,
                    "Type": kind, "UnitPrice": num(price), "Taxable": *kind == "NonInventory",
                    "IncomeAccountRef": {"value": income.to_string(), "name": income_name}}),
            ),
        );
    }
    seed_tax(books, region, &t);
    for (id, name) in [(1, "Consulting"), (2, "Retail"), (3, "Online")] {
        books.seed(
            "Class",
            with(
                base(id, &t),
                json!({"Name": name, "FullyQualifiedName": name, "SubClass": false, "Active": true}),
            ),
        );
    }
    for (id, name) in [(1, "North"), (2, "South")] {
        books.seed(
            "Department",
            with(
                base(id, &t),
                json!({"Name": name, "FullyQualifiedName": name, "SubDepartment": false, "Active": true}),
            ),
        );
    }
    seed_budget(books, now, &t);
    for (i, (code, name, rate)) in RATES.iter().enumerate() {
        books.seed(
            "CompanyCurrency",
            with(
                base(i as u64 + 1, &t),
                json!({"Code": code, "Name": name, "Active": true}),
            ),
        );
        if *code != home {
            books.seed(
                "ExchangeRate",
                with(
                    base(i as u64 + 1, &t),
                    json!({"SourceCurrencyCode": code, "TargetCurrencyCode": home,
                        "Rate": num(&home_rate(code, home, rate)),
                        "AsOfDate": now.date_naive().to_string()}),
                ),
            );
        }
    }
    let customers: &[(u64, &str, &str)] = &[
        (1, "Amy's Bird Sanctuary", home),
        (2, "Bill's Windsurf Shop", home),
        (3, "Cool Cars", home),
        (4, "Paris Bistro", "EUR"),
        (5, "Tokyo Tea House", "JPY"),
    ];
    for (id, name, cur) in customers {
        books.seed(
            "Customer",
            with(
                base(*id, &t),
                json!({"DisplayName": name, "FullyQualifiedName": name, "CompanyName": name,
                    "PrintOnCheckName": name, "Active": true, "Job": false,
                    "BillWithParent": false, "Taxable": true, "Balance": 0,
                    "BalanceWithJobs": 0, "PreferredDeliveryMethod": "Print",
                    "CurrencyRef": {"value": cur, "name": currency_name(cur)}}),
            ),
        );
    }
    books.seed(
        "Vendor",
        with(
            base(1, &t),
            json!({"DisplayName": "Books by Bessie", "PrintOnCheckName": "Books by Bessie",
                "CompanyName": "Books by Bessie", "Active": true, "Balance": 0,
                "CurrencyRef": {"value": home, "name": currency_name(home)}}),
        ),
    );
    books.seed(
        "Employee",
        with(
            base(1, &t),
            json!({"DisplayName": "Emily Platt", "GivenName": "Emily", "FamilyName": "Platt",
                "PrintOnCheckName": "Emily Platt", "Active": true}),
        ),
    );
    // the books are closed up to the end of the year before last: what a company
    // that filed last year's accounts looks like, and older than the CRM's closed deals
    let close = NaiveDate::from_ymd_opt(now.year() - 2, 12, 31).expect("a date");
    books.seed(
        "CompanyInfo",
        with(
            base(1, &t),
            json!({"CompanyName": "Ledgerbridge Sample Company", "LegalName": "Ledgerbridge Sample Company",
                "CompanyAddr": {"Line1": "123 Sierra Way", "City": "San Pablo",
                    "CountrySubDivisionCode": "CA", "PostalCode": "87999"},
                "Country": if region == Region::Us { "US" } else { "GB" },
                "Email": {"Address": "noreply@example.com"}, "FiscalYearStartMonth": "January",
                "SupportedLanguages": "en", "CompanyStartDate": "2024-01-01",
                "NameValue": [{"Name": "realmId", "Value": realm}]}),
        ),
    );
    books.seed(
        "Preferences",
        with(
            base(1, &t),
            json!({
                "AccountingInfoPrefs": {"TrackDepartments": true, "DepartmentTerminology": "Location",
                    "ClassTrackingPerTxn": false, "ClassTrackingPerTxnLine": true,
                    "CustomerTerminology": "Customers", "BookCloseDate": close.to_string()},
                "SalesFormsPrefs": {"CustomTxnNumbers": true, "AllowDeposit": true,
                    "AllowDiscount": true, "AllowShipping": false, "DefaultTerms": {"value": "3"}},
                "CurrencyPrefs": {"MultiCurrencyEnabled": true,
                    "HomeCurrency": {"value": home, "name": currency_name(home)}},
                "TaxPrefs": {"UsingSalesTax": true, "PartnerTaxEnabled": region == Region::Us},
            }),
        ),
    );
}

fn seed_tax(books: &mut Store, region: Region, t: &str) {
    let rates: &[(u64, &str, &str)] = match region {
        Region::Us => &[(1, "California", "8"), (2, "San Pablo City", "1.5")],
        Region::Global => &[
            (1, "20.0% S", "20"),
            (2, "5.0% R", "5"),
            (3, "0.0% Z", "0"),
            (4, "Exempt", "0"),
        ],
    };
    for (id, name, rate) in rates {
        books.seed(
            "TaxRate",
            with(
                base(*id, t),
                json!({"Name": name, "Description": name, "Active": true,
                    "RateValue": num(rate), "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE",
                    "DisplayType": "ReadOnly"}),
            ),
        );
    }
    let codes: &[(u64, &str, &[u64])] = match region {
        Region::Us => &[(US_TAX_CODE, "California", &[1, 2])],
        Region::Global => &[
            (2, "20.0% S", &[1]),
            (3, "5.0% R", &[2]),
            (4, "0.0% Z", &[3]),
            (5, "Exempt", &[4]),
        ],
    };
    for (id, name, rate_ids) in codes {
        let details: Vec<Value> = rate_ids
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({"TaxRateRef": {"value": r.to_string(), "name": rates[(*r - 1) as usize].1},
                    "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": i})
            })
            .collect();
        books.seed(
            "TaxCode",
            with(
                base(*id, t),
                json!({"Name": name, "Description": name, "Active": true, "Taxable": true,
                    "TaxGroup": rate_ids.len() > 1,
                    "SalesTaxRateList": {"TaxRateDetail": details},
                    "PurchaseTaxRateList": {"TaxRateDetail": []}}),
            ),
        );
    }
}

fn seed_budget(books: &mut Store, now: DateTime<Utc>, t: &str) {
    let year = now.year();
    let details: Vec<Value> = (1..=12)
        .flat_map(|m| {
            let d = NaiveDate::from_ymd_opt(year, m, 1).expect("a date").to_string();
            [
                json!({"BudgetDate": d, "Amount": 5000, "AccountRef": {"value": "1", "name": "Services"},
                    "ClassRef": {"value": "1", "name": "Consulting"}}),
                json!({"BudgetDate": d, "Amount": 1200, "AccountRef": {"value": "2", "name": "Sales of Product Income"},
                    "ClassRef": {"value": "2", "name": "Retail"}}),
            ]
        })
        .collect();
    books.seed(
        "Budget",
        with(
            base(1, t),
            json!({"Name": format!("FY{year} Budget"), "StartDate": format!("{year}-01-01"),
                "EndDate": format!("{year}-12-31"), "BudgetType": "ProfitAndLoss",
                "BudgetEntryType": "Monthly", "Active": true, "BudgetDetail": details}),
        ),
    );
}

pub fn currency_name(code: &str) -> &'static str {
    RATES
        .iter()
        .find(|r| r.0 == code)
        .map(|r| r.1)
        .unwrap_or("")
}

/// The rate of `code` in the home currency, as decimal text.
pub fn home_rate(code: &str, home: &str, usd_rate: &str) -> String {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let usd = |c: &str| {
        RATES
            .iter()
            .find(|r| r.0 == c)
            .and_then(|r| Decimal::from_str(r.2).ok())
            .unwrap_or(Decimal::ONE)
    };
    let rate = Decimal::from_str(usd_rate).unwrap_or(Decimal::ONE) / usd(home);
    let _ = code;
    rate.round_dp(6).normalize().to_string()
}

/// A JSON number from decimal text (the wire carries money as JSON numbers).
pub fn num(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}
