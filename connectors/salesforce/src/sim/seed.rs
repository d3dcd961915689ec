//! Deterministic seeded data (`--deals N --seed S`): accounts (~N/4),
//! contacts (~N/2), N opportunities across the stages (about half closed
//! won) with line items from the standard price book (some without any),
//! contact roles, tasks and events, in several currencies, with the custom
//! payment fields filled on closed-won deals.
//!
//! One random stream per object type (seeded from `seed` and the type's
//! name), so adding a type or changing how one is generated never changes
//! the others. Links between types are pure functions of indexes, or read
//! from records already generated, never draws from another type's stream.
//! Timestamps are anchored to a fixed date so two runs export the same data.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};

use super::ids;
use super::schema::{CURRENCIES, STAGES, object_def};
use super::store::Db;
use super::value::FieldValue;

/// Seeded history ends here.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

use super::seed_words::*;

/// A stream for one object type: FNV-1a of the name, stable across Rust
/// versions (unlike the standard hasher).
fn stream(seed: u64, object: &str) -> StdRng {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in object.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    StdRng::seed_from_u64(seed ^ h)
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn text(s: impl Into<String>) -> FieldValue {
    FieldValue::Text(s.into())
}

fn money(d: Decimal, dp: u32) -> FieldValue {
    FieldValue::Number(d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}

fn rate(currency: &str) -> (Decimal, u32) {
    let r = RATES
        .iter()
        .find(|r| r.0 == currency)
        .expect("known currency");
    (r.2.parse().expect("rate"), r.3)
}

fn weighted_currency(rng: &mut StdRng) -> &'static str {
    let total: u32 = RATES.iter().map(|r| r.1).sum();
    let mut x = rng.random_range(0..total);
    for r in RATES {
        if x < r.1 {
            return r.0;
        }
        x -= r.1;
    }
    "USD"
}

/// Record counts for `--deals N`.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub deals: usize,
    pub accounts: usize,
    pub contacts: usize,
    pub activities: usize,
}

impl Sizes {
    pub fn for_deals(n: usize) -> Sizes {
        if n == 0 {
            return Sizes {
                deals: 0,
                accounts: 0,
                contacts: 0,
                activities: 0,
            };
        }
        Sizes {
            deals: n,
            accounts: (n / 4).max(1),
            contacts: (n / 2).max(2),
            activities: (n / 4).max(1),
        }
    }

    /// The account contact `j` works for; every tenth contact has none.
    pub fn account_of_contact(&self, j: usize) -> Option<usize> {
        (j % 10 != 9).then_some(j % self.accounts)
    }

    /// The contact who is the primary role on deal `i`, one of its account's.
    pub fn contact_of_deal(&self, i: usize) -> Option<usize> {
        let account = i % self.accounts;
        let j = account + self.accounts * ((i / self.accounts) % 2);
        (j < self.contacts && self.account_of_contact(j) == Some(account)).then_some(j)
    }
}

fn id(prefix: &str, index: usize) -> String {
    ids::make(prefix, index as u64 + 1)
}

/// Fills the org: the users, stages, products and price book always; the
/// rest scaled by `deals`.
pub fn seed(db: &mut Db, deals: usize, seed: u64) {
    let t0 = anchor();
    let year_ago = t0 - Duration::days(365);
    let def = |n: &str| object_def(n).expect("seeded objects exist");
    let owners: Vec<String> = (0..USERS.len()).map(|i| id("005", i)).collect();

    for (i, (first, last)) in USERS.iter().enumerate() {
        let login = format!(
            "{}.{}@ledgerbridge-sim.example",
            first.to_lowercase(),
            last.to_lowercase()
        );
        db.insert_seeded(
            def("User"),
            vec![
                ("Username", text(login.clone())),
                ("FirstName", text(*first)),
                ("LastName", text(*last)),
                ("Email", text(login)),
                ("IsActive", FieldValue::Bool(true)),
                (
                    "Title",
                    text(if i == 0 {
                        "API integration"
                    } else {
                        "Account Executive"
                    }),
                ),
                ("CurrencyIsoCode", text("USD")),
            ],
            year_ago,
            year_ago,
        );
    }
    for (i, (name, p, closed, won, forecast)) in STAGES.iter().enumerate() {
        db.insert_seeded(
            def("OpportunityStage"),
            vec![
                ("MasterLabel", text(*name)),
                ("ApiName", text(*name)),
                ("IsActive", FieldValue::Bool(true)),
                ("SortOrder", FieldValue::Int(i as i64 + 1)),
                ("IsClosed", FieldValue::Bool(*closed)),
                ("IsWon", FieldValue::Bool(*won)),
                ("ForecastCategoryName", text(*forecast)),
                ("DefaultProbability", FieldValue::Number(Decimal::from(*p))),
            ],
            year_ago,
            year_ago,
        );
    }
    let pricebook = db.insert_seeded(
        def("Pricebook2"),
        vec![
            ("Name", text("Standard Price Book")),
            ("IsActive", FieldValue::Bool(true)),
            ("IsStandard", FieldValue::Bool(true)),
        ],
        year_ago,
        year_ago,
    );
    let mut products = Vec::new();
    for (name, code, family, _) in PRODUCTS {
        products.push(db.insert_seeded(
            def("Product2"),
            vec![
                ("Name", text(name)),
                ("ProductCode", text(code)),
                ("Family", text(family)),
                ("IsActive", FieldValue::Bool(true)),
                ("CurrencyIsoCode", text("USD")),
            ],
            year_ago,
            year_ago,
        ));
    }
    // one entry per product and currency: a line item's entry must be in
    // its opportunity's currency
    for (p, (_, _, _, usd)) in PRODUCTS.iter().enumerate() {
        for currency in CURRENCIES {
            let (r, dp) = rate(currency);
            db.insert_seeded(
                def("PricebookEntry"),
                vec![
                    ("Pricebook2Id", text(pricebook.clone())),
                    ("Product2Id", text(products[p].clone())),
                    ("UnitPrice", money(Decimal::from(*usd) * r, dp)),
                    ("IsActive", FieldValue::Bool(true)),
                    ("UseStandardPrice", FieldValue::Bool(false)),
                    ("CurrencyIsoCode", text(currency)),
                ],
                year_ago,
                year_ago,
            );
        }
    }
    let entry_of = |product: usize, currency: &str| {
        let c = CURRENCIES
            .iter()
            .position(|x| *x == currency)
            .expect("known");
        id("01u", product * CURRENCIES.len() + c)
    };

    let sizes = Sizes::for_deals(deals);
    let created =
        |rng: &mut StdRng| t0 - Duration::minutes(rng.random_range(60 * 24..60 * 24 * 360));

    let mut rng = stream(seed, "Account");
    for i in 0..sizes.accounts {
        let c = created(&mut rng);
        let currency = weighted_currency(&mut rng);
        let name = format!(
            "{} {} {}",
            pick(&mut rng, &WORDS),
            pick(&mut rng, &WORDS),
            pick(&mut rng, &SUFFIXES)
        );
        let mut v = vec![
            ("Name", text(format!("{name} #{}", i + 1))),
            (
                "Type",
                text(if rng.random_bool(0.7) {
                    "Customer - Direct"
                } else {
                    "Prospect"
                }),
            ),
            (
                "Industry",
                text(pick(
                    &mut rng,
                    &[
                        "Banking",
                        "Consulting",
                        "Energy",
                        "Manufacturing",
                        "Retail",
                        "Technology",
                    ],
                )),
            ),
            (
                "BillingStreet",
                text(format!("{} Market Street", rng.random_range(1..400))),
            ),
            (
                "BillingCity",
                text(pick(
                    &mut rng,
                    &["Springfield", "Riverton", "Lakeside", "Hill Valley"],
                )),
            ),
            (
                "BillingPostalCode",
                text(format!("{:05}", rng.random_range(1000..99999))),
            ),
            ("BillingCountry", text(pick(&mut rng, &COUNTRIES))),
            (
                "Phone",
                text(format!("+1 555 01{:02}", rng.random_range(0..100))),
            ),
            (
                "NumberOfEmployees",
                FieldValue::Int(rng.random_range(5..5000)),
            ),
            ("CurrencyIsoCode", text(currency)),
            ("OwnerId", text(owners[1 + i % (owners.len() - 1)].clone())),
            ("Customer_Number__c", text(format!("CUST-{:06}", i + 1))),
            (
                "Payment_Terms__c",
                text(pick(
                    &mut rng,
                    &["Net 15", "Net 30", "Net 60", "Due on Receipt"],
                )),
            ),
        ];
        if rng.random_bool(0.6) {
            let (r, dp) = rate(currency);
            v.push((
                "Credit_Limit__c",
                money(Decimal::from(rng.random_range(5..200) * 1000) * r, dp),
            ));
        }
        let modified = c + Duration::minutes(rng.random_range(0..60 * 24 * 30));
        db.insert_seeded(def("Account"), v, c, modified.min(t0));
    }

    let mut rng = stream(seed, "Contact");
    for j in 0..sizes.contacts {
        let c = created(&mut rng);
        let (first, last) = (pick(&mut rng, &FIRST), pick(&mut rng, &LAST));
        let mut v = vec![
            ("FirstName", text(first)),
            ("LastName", text(last)),
            (
                "Email",
                text(format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    j + 1
                )),
            ),
            (
                "Title",
                text(pick(
                    &mut rng,
                    &["CFO", "Buyer", "CTO", "Office Manager", "Controller"],
                )),
            ),
            ("MailingCountry", text(pick(&mut rng, &COUNTRIES))),
            ("CurrencyIsoCode", text("USD")),
            ("OwnerId", text(owners[1 + j % (owners.len() - 1)].clone())),
        ];
        if let Some(a) = sizes.account_of_contact(j) {
            v.push(("AccountId", text(id("001", a))));
        }
        db.insert_seeded(def("Contact"), v, c, c);
    }

    let mut rng = stream(seed, "Opportunity");
    let open_stages: Vec<&str> = STAGES.iter().filter(|s| !s.2).map(|s| s.0).collect();
    for i in 0..sizes.deals {
        let c = created(&mut rng);
        let currency = weighted_currency(&mut rng);
        let roll: f64 = rng.random();
        let stage = if roll < 0.5 {
            "Closed Won"
        } else if roll < 0.62 {
            "Closed Lost"
        } else {
            pick(&mut rng, &open_stages)
        };
        let (probability, closed, won, _) = super::schema::stage(stage).expect("known stage");
        let close_date: NaiveDate = if closed {
            (c + Duration::days(rng.random_range(5..90)))
                .min(t0)
                .date_naive()
        } else {
            (t0 + Duration::days(rng.random_range(7..180))).date_naive()
        };
        let (r, dp) = rate(currency);
        let mut v = vec![
            (
                "Name",
                text(format!("{} deal {}", pick(&mut rng, &WORDS), i + 1)),
            ),
            ("AccountId", text(id("001", i % sizes.accounts))),
            ("StageName", text(stage)),
            (
                "Probability",
                FieldValue::Number(Decimal::from(probability)),
            ),
            ("CloseDate", FieldValue::Date(close_date)),
            ("CurrencyIsoCode", text(currency)),
            ("OwnerId", text(owners[1 + i % (owners.len() - 1)].clone())),
            ("Pricebook2Id", text(pricebook.clone())),
            (
                "Type",
                text(pick(
                    &mut rng,
                    &["New Customer", "Existing Customer - Upgrade"],
                )),
            ),
            (
                "LeadSource",
                text(pick(
                    &mut rng,
                    &["Web", "Phone Inquiry", "Partner Referral", "Other"],
                )),
            ),
            // replaced by the line items' sum for deals that have them
            (
                "Amount",
                money(Decimal::from(rng.random_range(5..500) * 100) * r, dp),
            ),
        ];
        if won {
            v.push(("Invoice_Number__c", text(format!("INV-{:06}", i + 1))));
            let status = pick(&mut rng, &["Paid", "Paid", "Partially Paid", "Unpaid"]);
            v.push(("Payment_Status__c", text(status)));
            if status != "Unpaid" {
                v.push((
                    "Paid_Date__c",
                    FieldValue::Date(close_date + Duration::days(rng.random_range(1..45))),
                ));
            }
        }
        let modified = (c + Duration::minutes(rng.random_range(0..60 * 24 * 60))).min(t0);
        db.insert_seeded(def("Opportunity"), v, c, modified);
    }

    let mut rng = stream(seed, "OpportunityLineItem");
    for i in 0..sizes.deals {
        // about one deal in six has no products
        if rng.random_range(0..6) == 0 {
            continue;
        }
        let opp = id("006", i);
        let (currency, created_at) = {
            let r = db.table("Opportunity").get(&opp).expect("seeded");
            let cur = r.text("CurrencyIsoCode").unwrap_or("USD").to_string();
            let created = match r.get("CreatedDate") {
                FieldValue::DateTime(t) => *t,
                _ => t0,
            };
            (cur, created)
        };
        let (_, dp) = rate(&currency);
        let lines = rng.random_range(1..=4);
        for line in 0..lines {
            let product = rng.random_range(0..PRODUCTS.len());
            let entry = entry_of(product, &currency);
            let list = db
                .table("PricebookEntry")
                .get(&entry)
                .and_then(|e| e.get("UnitPrice").as_decimal())
                .unwrap_or_default();
            let discount = if rng.random_bool(0.25) {
                Decimal::from(rng.random_range(1..=20))
            } else {
                Decimal::ZERO
            };
            let quantity = Decimal::from(rng.random_range(1..=10));
            let mut v = vec![
                ("OpportunityId", text(opp.clone())),
                ("PricebookEntryId", text(entry)),
                ("Quantity", FieldValue::Number(quantity)),
                ("UnitPrice", money(list, dp)),
                ("SortOrder", FieldValue::Int(line + 1)),
            ];
            if !discount.is_zero() {
                v.push(("Discount", FieldValue::Number(discount)));
            }
            db.insert_seeded(def("OpportunityLineItem"), v, created_at, created_at);
        }
    }
    db.recompute_all_amounts();
    // closed-won deals paid in part carry what was paid, now that the
    // amount is final
    for i in 0..sizes.deals {
        let opp = id("006", i);
        let r = db.table("Opportunity").get(&opp).expect("seeded");
        let amount = r.get("Amount").as_decimal().unwrap_or_default();
        let (_, dp) = rate(r.text("CurrencyIsoCode").unwrap_or("USD"));
        let paid = match r.text("Payment_Status__c") {
            Some("Paid") => Some(amount),
            Some("Partially Paid") => Some(amount / Decimal::from(2)),
            _ => None,
        };
        if let Some(p) = paid {
            let rec = db.table_mut("Opportunity").get_mut(&opp).expect("seeded");
            rec.fields.insert("Amount_Paid__c", money(p, dp));
        }
    }

    let mut rng = stream(seed, "OpportunityContactRole");
    for i in 0..sizes.deals {
        let Some(j) = sizes.contact_of_deal(i) else {
            continue;
        };
        db.insert_seeded(
            def("OpportunityContactRole"),
            vec![
                ("OpportunityId", text(id("006", i))),
                ("ContactId", text(id("003", j))),
                (
                    "Role",
                    text(pick(
                        &mut rng,
                        &["Decision Maker", "Economic Buyer", "Evaluator"],
                    )),
                ),
                ("IsPrimary", FieldValue::Bool(true)),
            ],
            t0 - Duration::days(1),
            t0 - Duration::days(1),
        );
    }

    let mut rng = stream(seed, "Task");
    for k in 0..sizes.activities {
        let deal = (k * 3) % sizes.deals;
        let due = t0 - Duration::days(rng.random_range(0..120));
        let status = pick(
            &mut rng,
            &["Completed", "Completed", "Not Started", "In Progress"],
        );
        let mut v = vec![
            ("WhatId", text(id("006", deal))),
            (
                "Subject",
                text(pick(
                    &mut rng,
                    &["Call", "Send quote", "Follow up", "Email invoice"],
                )),
            ),
            ("ActivityDate", FieldValue::Date(due.date_naive())),
            ("Status", text(status)),
            ("Priority", text(pick(&mut rng, &["High", "Normal", "Low"]))),
            (
                "TaskSubtype",
                text(pick(&mut rng, &["Task", "Call", "Email"])),
            ),
            ("CurrencyIsoCode", text("USD")),
            ("OwnerId", text(owners[1 + k % (owners.len() - 1)].clone())),
        ];
        if let Some(j) = sizes.contact_of_deal(deal) {
            v.push(("WhoId", text(id("003", j))));
        }
        db.insert_seeded(def("Task"), v, due - Duration::days(2), due);
    }

    let mut rng = stream(seed, "Event");
    for k in 0..sizes.activities {
        let deal = (k * 5 + 1) % sizes.deals;
        let start = t0 - Duration::minutes(rng.random_range(60..60 * 24 * 120));
        let minutes = [30i64, 45, 60, 90][rng.random_range(0..4)];
        let mut v = vec![
            ("WhatId", text(id("006", deal))),
            (
                "Subject",
                text(pick(
                    &mut rng,
                    &["Meeting", "Demo", "Quarterly review", "Site visit"],
                )),
            ),
            (
                "Location",
                text(pick(
                    &mut rng,
                    &["Video call", "Customer office", "Our office"],
                )),
            ),
            ("StartDateTime", FieldValue::DateTime(start)),
            ("ActivityDateTime", FieldValue::DateTime(start)),
            (
                "EndDateTime",
                FieldValue::DateTime(start + Duration::minutes(minutes)),
            ),
            ("DurationInMinutes", FieldValue::Int(minutes)),
            ("CurrencyIsoCode", text("USD")),
            ("OwnerId", text(owners[1 + k % (owners.len() - 1)].clone())),
        ];
        if let Some(j) = sizes.contact_of_deal(deal) {
            v.push(("WhoId", text(id("003", j))));
        }
        db.insert_seeded(
            def("Event"),
            v,
            start - Duration::days(3),
            start - Duration::days(3),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_of_deal_belongs_to_the_deal_account() {
        let s = Sizes::for_deals(100);
        for i in 0..100 {
            if let Some(j) = s.contact_of_deal(i) {
                assert_eq!(s.account_of_contact(j), Some(i % s.accounts));
            }
        }
        assert!((0..100).filter(|i| s.contact_of_deal(*i).is_some()).count() > 50);
    }
}
