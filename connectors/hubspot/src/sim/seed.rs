//! Deterministic seeded data (`--deals N --seed S`).
//!
//! One random stream per object type (seeded from `seed` and the type's name),
//! so adding a type or changing how one type is generated never changes the
//! others. Cross-type links that two streams must agree on (which company a
//! contact works for) are pure functions of indexes, not random draws.
//! Timestamps are anchored to a fixed date so two runs export the same data.

use chrono::{NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::prelude::*;

use super::record::{Assoc, Props, Record};
use super::schema::{ObjectType, default_association_type};
use super::store::Db;

/// Seeded history ends here: every seeded timestamp is before it.
pub fn anchor_ms() -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis()
}

const DAY: i64 = 86_400_000;
use super::owners::OWNER_IDS as OWNERS;
/// Currency, weight, minor unit, rate from USD list prices.
const CURRENCIES: [(&str, u32, u32, &str); 6] = [
    ("USD", 60, 2, "1"),
    ("EUR", 15, 2, "0.92"),
    ("GBP", 10, 2, "0.79"),
    ("AUD", 8, 2, "1.52"),
    ("JPY", 5, 0, "150"),
    ("BHD", 2, 3, "0.376"),
];
const COUNTRIES: [(&str, u32); 9] = [
    ("United States", 50),
    ("United Kingdom", 12),
    ("Germany", 8),
    ("France", 6),
    ("Australia", 8),
    ("Japan", 5),
    ("Bahrain", 3),
    ("New Zealand", 4),
    ("Canada", 4),
];
const WORDS: [&str; 16] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Northwind",
    "Contoso",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Aperture",
];
const SUFFIXES: [&str; 6] = ["Ltd", "Inc", "GmbH", "Pty Ltd", "LLC", "Holdings"];
const FIRST: [&str; 12] = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger",
    "Radia", "John",
];
const LAST: [&str; 12] = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
    "Allen", "Dijkstra", "Perlman", "Backus",
];
const PRODUCTS: [(&str, &str, u32); 12] = [
    ("Platform licence", "non_inventory", 1200),
    ("Support plan", "service", 300),
    ("Onboarding", "service", 2500),
    ("Training day", "service", 900),
    ("Hardware gateway", "inventory", 450),
    ("Sensor pack", "inventory", 120),
    ("API add-on", "non_inventory", 600),
    ("Consulting hour", "service", 180),
    ("Data migration", "service", 3200),
    ("Extra seats", "non_inventory", 40),
    ("Rack kit", "inventory", 75),
    ("Premium SLA", "service", 1500),
];

/// A stream for one object type.
fn stream(seed: u64, t: ObjectType) -> StdRng {
    // FNV-1a of the name: stable across Rust versions, unlike DefaultHasher.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in t.name().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    StdRng::seed_from_u64(seed ^ h)
}

fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[0].0
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn money(d: Decimal, minor: u32) -> String {
    d.round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

fn date(ms: i64) -> String {
    super::wire::iso(ms)[..10].to_string()
}

/// Sizes derived from the deal count.
pub struct Sizes {
    pub deals: usize,
    pub companies: usize,
    pub contacts: usize,
    pub products: usize,
    pub per_engagement: usize,
}

impl Sizes {
    pub fn for_deals(n: usize) -> Sizes {
        if n == 0 {
            return Sizes {
                deals: 0,
                companies: 0,
                contacts: 0,
                products: 0,
                per_engagement: 0,
            };
        }
        Sizes {
            deals: n,
            companies: (n / 4).max(1),
            contacts: (n / 2).max(2),
            products: PRODUCTS.len(),
            per_engagement: (n / 4).max(1),
        }
    }

    /// The company contact `j` works for: a pure function both streams share.
    /// Every tenth contact has none (deals that have only a contact use them).
    pub fn company_of_contact(&self, j: usize) -> Option<usize> {
        (j % 10 != 9).then_some(j % self.companies)
    }
}

struct Builder<'a> {
    db: &'a mut Db,
}

impl Builder<'_> {
    fn push(&mut self, t: ObjectType, created: i64, updated: i64, pairs: Vec<(&str, String)>) {
        let schema = self.db.schema(t);
        let props = Props::from_pairs(pairs.into_iter().map(|(n, v)| (schema.must(n), v)));
        let table = self.db.table_mut(t);
        let id = table.alloc_id();
        table.push(Record {
            id,
            created,
            updated,
            archived_at: None,
            props,
            assoc: Vec::new(),
        });
    }

    /// Links two seeded records by index (ids are base + index).
    fn link(&mut self, a: (ObjectType, usize), b: (ObjectType, usize), primary: bool) {
        let ab = default_association_type(a.0, b.0).expect("seeded pairs are associable");
        let ba = default_association_type(b.0, a.0).expect("seeded pairs are associable");
        let id = |t: ObjectType, i: usize| t.id_base() + i as u64;
        let mut edges = vec![(
            a,
            Assoc {
                to_type: b.0,
                type_id: ab,
                to: id(b.0, b.1),
            },
        )];
        edges.push((
            b,
            Assoc {
                to_type: a.0,
                type_id: ba,
                to: id(a.0, a.1),
            },
        ));
        if primary {
            let (p, q) = match (a.0, b.0) {
                (ObjectType::Deals, ObjectType::Companies) => (5, 6),
                (ObjectType::Contacts, ObjectType::Companies) => (1, 2),
                _ => unreachable!("only deal and contact have a primary company"),
            };
            edges.push((
                a,
                Assoc {
                    to_type: b.0,
                    type_id: p,
                    to: id(b.0, b.1),
                },
            ));
            edges.push((
                b,
                Assoc {
                    to_type: a.0,
                    type_id: q,
                    to: id(a.0, a.1),
                },
            ));
        }
        for ((t, i), e) in edges {
            self.db.table_mut(t).records[i].assoc.push(e);
        }
    }
}

/// Created and updated timestamps of one seeded record, before the anchor.
/// One record in ten was last touched by one of 20 bulk imports, so many
/// records share a `hs_lastmodifieddate` to the millisecond, as after a real
/// import: the boundary case incremental pulls must get right.
fn stamps(rng: &mut StdRng, imports: &[i64]) -> (i64, i64) {
    let anchor = anchor_ms();
    let created = anchor - rng.random_range(30 * DAY..730 * DAY);
    let updated = if rng.random_bool(0.1) {
        *imports
            .iter()
            .rfind(|t| **t >= created)
            .unwrap_or(&(anchor - DAY))
    } else {
        rng.random_range(created..anchor - DAY)
    };
    (created, updated.max(created))
}

/// Seeds `n` deals and their world into an empty account.
pub fn seed(db: &mut Db, n: usize, seed: u64) {
    let sz = Sizes::for_deals(n);
    if sz.deals == 0 {
        return;
    }
    let anchor = anchor_ms();
    let imports: Vec<i64> = (0..20)
        .map(|k| anchor - DAY - (k as i64) * 30 * DAY - 37_123)
        .rev()
        .collect();
    let mut b = Builder { db };

    // products
    let mut rng = stream(seed, ObjectType::Products);
    for (k, (name, kind, price)) in PRODUCTS.iter().enumerate() {
        let (c, u) = stamps(&mut rng, &imports);
        b.push(
            ObjectType::Products,
            c,
            u,
            vec![
                ("name", name.to_string()),
                ("description", format!("{name} ({kind})")),
                ("price", price.to_string()),
                ("hs_sku", format!("SKU-{:04}", k + 1)),
                ("hs_product_type", kind.to_string()),
                ("hs_cost_of_goods_sold", (price * 4 / 10).to_string()),
            ],
        );
    }

    // companies
    let mut rng = stream(seed, ObjectType::Companies);
    for i in 0..sz.companies {
        let (c, u) = stamps(&mut rng, &imports);
        let word = pick(&mut rng, &WORDS);
        let suffix = pick(&mut rng, &SUFFIXES);
        let country = *weighted(&mut rng, &COUNTRIES);
        let slug = format!("{}{}", word.to_lowercase(), i + 1);
        let tax = match country {
            "United Kingdom" => format!("GB{}", rng.random_range(100_000_000u64..999_999_999)),
            "Germany" => format!("DE{}", rng.random_range(100_000_000u64..999_999_999)),
            "France" => format!("FR{}", rng.random_range(10_000_000_000u64..99_999_999_999)),
            "Australia" => format!("{}", rng.random_range(10_000_000_000u64..99_999_999_999)),
            _ => format!(
                "{}-{}",
                rng.random_range(10..99),
                rng.random_range(1_000_000..9_999_999)
            ),
        };
        let mut p = vec![
            ("name", format!("{word} {} {suffix}", i + 1)),
            ("domain", format!("{slug}.example.com")),
            (
                "phone",
                format!("+1 555 {:04}", rng.random_range(0..10_000)),
            ),
            (
                "address",
                format!("{} Market Street", rng.random_range(1..999)),
            ),
            (
                "city",
                pick(
                    &mut rng,
                    &["Springfield", "Riverton", "Lakeside", "Hillview"],
                )
                .to_string(),
            ),
            ("zip", format!("{:05}", rng.random_range(10_000..99_999))),
            ("country", country.to_string()),
            (
                "industry",
                pick(
                    &mut rng,
                    &[
                        "COMPUTER_SOFTWARE",
                        "MANUFACTURING",
                        "RETAIL",
                        "HOSPITAL_HEALTH_CARE",
                    ],
                )
                .to_string(),
            ),
            ("hubspot_owner_id", pick(&mut rng, &OWNERS).to_string()),
            (
                "ledgerbridge_billing_email",
                format!("accounts@{slug}.example.com"),
            ),
        ];
        if rng.random_bool(0.8) {
            p.push(("ledgerbridge_tax_id", tax));
        }
        b.push(ObjectType::Companies, c, u, p);
    }

    // contacts
    let mut rng = stream(seed, ObjectType::Contacts);
    for j in 0..sz.contacts {
        let (c, u) = stamps(&mut rng, &imports);
        let (f, l) = (pick(&mut rng, &FIRST), pick(&mut rng, &LAST));
        let company = sz.company_of_contact(j);
        let domain = match company {
            Some(ci) => {
                let name = b.db.table(ObjectType::Companies).records[ci]
                    .props
                    .get(b.db.schema(ObjectType::Companies).must("domain"));
                name.unwrap_or("example.org").to_string()
            }
            None => "example.org".to_string(),
        };
        let mut p = vec![
            ("firstname", f.to_string()),
            ("lastname", l.to_string()),
            (
                "email",
                format!(
                    "{}.{}{}@{domain}",
                    f.to_lowercase(),
                    l.to_lowercase(),
                    j + 1
                ),
            ),
            (
                "phone",
                format!("+1 555 {:04}", rng.random_range(0..10_000)),
            ),
            (
                "jobtitle",
                pick(
                    &mut rng,
                    &["CFO", "Buyer", "CTO", "Office manager", "Founder"],
                )
                .to_string(),
            ),
            ("hubspot_owner_id", pick(&mut rng, &OWNERS).to_string()),
        ];
        if let Some(ci) = company {
            p.push((
                "associatedcompanyid",
                (ObjectType::Companies.id_base() + ci as u64).to_string(),
            ));
        }
        b.push(ObjectType::Contacts, c, u, p);
        if let Some(ci) = company {
            b.link((ObjectType::Contacts, j), (ObjectType::Companies, ci), true);
        }
    }

    // deals, drawn first as plans so line items (their own stream) can use
    // each deal's currency
    struct Plan {
        currency: usize,
        stage: &'static str,
        pipeline: &'static str,
        company: Option<usize>,
        contacts: Vec<usize>,
        close: i64,
        created: i64,
        updated: i64,
        amount: Decimal,
        payment: Option<(u32, i64)>,
        dealtype: &'static str,
    }
    let mut rng = stream(seed, ObjectType::Deals);
    let currency_w: Vec<(usize, u32)> = CURRENCIES
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.1))
        .collect();
    let no_company_contacts: Vec<usize> = (0..sz.contacts)
        .filter(|j| sz.company_of_contact(*j).is_none())
        .collect();
    let mut plans = Vec::with_capacity(sz.deals);
    for _ in 0..sz.deals {
        let (created, updated) = stamps(&mut rng, &imports);
        let currency = *weighted(&mut rng, &currency_w);
        let renewal = rng.random_bool(0.2);
        let roll = rng.random_range(0..100);
        let (pipeline, stage) = match (renewal, roll) {
            (false, 0..50) => ("default", "closedwon"),
            (false, 50..65) => ("default", "closedlost"),
            (false, _) => (
                "default",
                pick(
                    &mut rng,
                    &[
                        "appointmentscheduled",
                        "qualifiedtobuy",
                        "presentationscheduled",
                        "decisionmakerboughtin",
                        "contractsent",
                    ],
                ),
            ),
            (true, 0..50) => ("24135790", "24135793"),
            (true, 50..65) => ("24135790", "24135794"),
            (true, _) => ("24135790", pick(&mut rng, &["24135791", "24135792"])),
        };
        let closed = roll < 65;
        let close = if closed {
            anchor - rng.random_range(DAY..540 * DAY)
        } else {
            anchor + rng.random_range(0..420 * DAY)
        };
        let (company, contacts) = if rng.random_bool(0.85) || no_company_contacts.is_empty() {
            let ci = rng.random_range(0..sz.companies);
            // the company's contacts are ci, ci + companies, ... (see company_of_contact)
            let mine: Vec<usize> = (ci..sz.contacts)
                .step_by(sz.companies)
                .filter(|j| j % 10 != 9)
                .take(2)
                .collect();
            let k = rng.random_range(0..=mine.len());
            (Some(ci), mine[..k].to_vec())
        } else {
            (
                None,
                vec![no_company_contacts[rng.random_range(0..no_company_contacts.len())]],
            )
        };
        let minor = CURRENCIES[currency].2;
        let amount = Decimal::new(rng.random_range(50_000..5_000_000), 2)
            * Decimal::from_str(CURRENCIES[currency].3).unwrap_or(Decimal::ONE);
        let amount = amount.round_dp(minor);
        let won = roll < 50;
        let payment = (won && rng.random_bool(0.6)).then(|| {
            let pct = if rng.random_bool(0.75) {
                100
            } else {
                rng.random_range(30..70)
            };
            let paid = (close + rng.random_range(0..60) * DAY).min(anchor - DAY);
            (pct, paid - paid.rem_euclid(DAY))
        });
        let dealtype = if renewal {
            "existingbusiness"
        } else {
            "newbusiness"
        };
        plans.push(Plan {
            currency,
            stage,
            pipeline,
            company,
            contacts,
            close,
            created,
            updated,
            amount,
            payment,
            dealtype,
        });
    }

    // line items: 0-4 per deal, about one deal in five without any
    let mut rng = stream(seed, ObjectType::LineItems);
    let mut lines_of: Vec<Vec<usize>> = Vec::with_capacity(sz.deals);
    for plan in plans.iter_mut() {
        let count = if rng.random_bool(0.2) {
            0
        } else {
            rng.random_range(1..=4)
        };
        let (code, _, minor, rate) = CURRENCIES[plan.currency];
        let rate = Decimal::from_str(rate).unwrap_or(Decimal::ONE);
        let mut total = Decimal::ZERO;
        let mut mine = Vec::with_capacity(count);
        for pos in 0..count {
            let pi = rng.random_range(0..PRODUCTS.len());
            let (name, _, list) = PRODUCTS[pi];
            let qty = rng.random_range(1..=10u32);
            let price = (Decimal::from(list) * rate).round_dp(minor);
            let pct = if rng.random_bool(0.25) {
                rng.random_range(5..=20u32)
            } else {
                0
            };
            let gross = price * Decimal::from(qty);
            let discount = (gross * Decimal::from(pct) / Decimal::from(100)).round_dp(minor);
            let amount = gross - discount;
            total += amount;
            let (c, u) = (plan.created, plan.created + rng.random_range(0..DAY));
            let mut p = vec![
                ("name", name.to_string()),
                (
                    "hs_product_id",
                    (ObjectType::Products.id_base() + pi as u64).to_string(),
                ),
                ("hs_sku", format!("SKU-{:04}", pi + 1)),
                ("quantity", qty.to_string()),
                ("price", money(price, minor)),
                ("amount", money(amount, minor)),
                ("hs_line_item_currency_code", code.to_string()),
                ("hs_position_on_quote", pos.to_string()),
            ];
            if pct > 0 {
                p.push(("hs_discount_percentage", pct.to_string()));
                p.push(("discount", money(discount, minor)));
            }
            mine.push(b.db.table(ObjectType::LineItems).records.len());
            b.push(ObjectType::LineItems, c, u.min(anchor - DAY), p);
        }
        if count > 0 {
            plan.amount = total;
        }
        lines_of.push(mine);
    }

    for (i, plan) in plans.iter().enumerate() {
        let (code, _, minor, _) = CURRENCIES[plan.currency];
        let mut p = vec![
            (
                "dealname",
                format!(
                    "Deal {} — {}",
                    i + 1,
                    if plan.dealtype == "newbusiness" {
                        "new business"
                    } else {
                        "renewal"
                    }
                ),
            ),
            ("amount", money(plan.amount, minor)),
            ("closedate", super::wire::iso(plan.close)),
            ("pipeline", plan.pipeline.to_string()),
            ("dealstage", plan.stage.to_string()),
            ("deal_currency_code", code.to_string()),
            ("dealtype", plan.dealtype.to_string()),
            ("hubspot_owner_id", OWNERS[i % OWNERS.len()].to_string()),
        ];
        if let Some((pct, paid)) = plan.payment {
            let amount = (plan.amount * Decimal::from(pct) / Decimal::from(100)).round_dp(minor);
            p.push(("ledgerbridge_crm_amount_paid", money(amount, minor)));
            p.push(("ledgerbridge_crm_paid_date", date(paid)));
        }
        b.push(ObjectType::Deals, plan.created, plan.updated, p);
        if let Some(ci) = plan.company {
            b.link((ObjectType::Deals, i), (ObjectType::Companies, ci), true);
        }
        for j in &plan.contacts {
            b.link((ObjectType::Deals, i), (ObjectType::Contacts, *j), false);
        }
        for li in &lines_of[i] {
            b.link((ObjectType::Deals, i), (ObjectType::LineItems, *li), false);
        }
    }

    // engagements: each associated to a deal, its company and first contact
    for t in [
        ObjectType::Calls,
        ObjectType::Emails,
        ObjectType::Meetings,
        ObjectType::Notes,
        ObjectType::Tasks,
    ] {
        let mut rng = stream(seed, t);
        for k in 0..sz.per_engagement {
            let d = rng.random_range(0..sz.deals);
            let plan = &plans[d];
            let (c, u) = stamps(&mut rng, &imports);
            let ts = super::wire::iso(c);
            let owner = pick(&mut rng, &OWNERS).to_string();
            let p = match t {
                ObjectType::Calls => vec![
                    ("hs_timestamp", ts),
                    ("hs_call_title", format!("Call {}", k + 1)),
                    (
                        "hs_call_body",
                        "Discussed the proposal and next steps.".to_string(),
                    ),
                    (
                        "hs_call_duration",
                        (rng.random_range(1..60) * 60_000).to_string(),
                    ),
                    (
                        "hs_call_direction",
                        pick(&mut rng, &["INBOUND", "OUTBOUND"]).to_string(),
                    ),
                    ("hs_call_status", "COMPLETED".to_string()),
                    ("hubspot_owner_id", owner),
                ],
                ObjectType::Emails => vec![
                    ("hs_timestamp", ts),
                    ("hs_email_subject", format!("Re: proposal {}", k + 1)),
                    (
                        "hs_email_text",
                        "Thanks, please find the quote attached.".to_string(),
                    ),
                    (
                        "hs_email_direction",
                        pick(&mut rng, &["EMAIL", "INCOMING_EMAIL"]).to_string(),
                    ),
                    ("hs_email_status", "SENT".to_string()),
                    ("hubspot_owner_id", owner),
                ],
                ObjectType::Meetings => {
                    let minutes = rng.random_range(1..=8) * 15;
                    let mut v = vec![
                        ("hs_timestamp", ts.clone()),
                        ("hs_meeting_title", format!("Workshop {}", k + 1)),
                        ("hs_meeting_body", "Requirements workshop.".to_string()),
                        ("hs_meeting_start_time", ts),
                        (
                            "hs_meeting_end_time",
                            super::wire::iso(c + minutes * 60_000),
                        ),
                        ("hs_meeting_outcome", "COMPLETED".to_string()),
                        ("hubspot_owner_id", owner),
                    ];
                    let billable = rng.random_bool(0.2);
                    v.push(("ledgerbridge_billable", billable.to_string()));
                    if billable {
                        v.push((
                            "ledgerbridge_hourly_rate",
                            rng.random_range(90..250).to_string(),
                        ));
                    }
                    v
                }
                ObjectType::Tasks => vec![
                    ("hs_timestamp", ts),
                    (
                        "hs_task_subject",
                        format!("Send the signed order form {}", k + 1),
                    ),
                    (
                        "hs_task_body",
                        "Chase the countersigned copy before invoicing.".to_string(),
                    ),
                    (
                        "hs_task_status",
                        pick(&mut rng, &["COMPLETED", "NOT_STARTED", "IN_PROGRESS"]).to_string(),
                    ),
                    (
                        "hs_task_priority",
                        pick(&mut rng, &["LOW", "MEDIUM", "HIGH"]).to_string(),
                    ),
                    (
                        "hs_task_type",
                        pick(&mut rng, &["TODO", "CALL", "EMAIL"]).to_string(),
                    ),
                    ("hubspot_owner_id", owner),
                ],
                _ => vec![
                    ("hs_timestamp", ts),
                    (
                        "hs_note_body",
                        format!("Note {}: customer asked about invoicing terms.", k + 1),
                    ),
                    ("hubspot_owner_id", owner),
                ],
            };
            b.push(t, c, u, p);
            b.link((t, k), (ObjectType::Deals, d), false);
            if let Some(ci) = plan.company {
                b.link((t, k), (ObjectType::Companies, ci), false);
            }
            if let Some(j) = plan.contacts.first() {
                b.link((t, k), (ObjectType::Contacts, *j), false);
            }
        }
    }
}

/// The first day of a month as epoch ms (tests).
pub fn month_ms(y: i32, m: u32) -> i64 {
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(n: usize, s: u64) -> Db {
        let mut db = Db::new();
        seed(&mut db, n, s);
        db
    }

    #[test]
    fn same_seed_same_data_and_proportions() {
        let a = seeded(400, 42);
        let b = seeded(400, 42);
        for t in ObjectType::ALL {
            let (ta, tb) = (a.table(t), b.table(t));
            assert_eq!(ta.records.len(), tb.records.len());
            for (x, y) in ta.records.iter().zip(&tb.records) {
                assert_eq!(
                    x.props.iter().collect::<Vec<_>>(),
                    y.props.iter().collect::<Vec<_>>()
                );
                assert_eq!(x.updated, y.updated);
            }
        }
        assert_eq!(a.table(ObjectType::Deals).records.len(), 400);
        assert_eq!(a.table(ObjectType::Companies).records.len(), 100);
        assert_eq!(a.table(ObjectType::Contacts).records.len(), 200);
    }

    #[test]
    fn deals_have_the_promised_mix() {
        let db = seeded(1000, 7);
        let s = db.schema(ObjectType::Deals);
        let deals = &db.table(ObjectType::Deals).records;
        let stage = s.must("dealstage");
        let won = deals
            .iter()
            .filter(|d| matches!(d.props.get(stage), Some("closedwon" | "24135793")))
            .count();
        assert!(
            (400..600).contains(&won),
            "about half closed-won, got {won}"
        );
        let cur = s.must("deal_currency_code");
        for c in ["USD", "EUR", "GBP", "AUD", "JPY", "BHD"] {
            assert!(
                deals.iter().any(|d| d.props.get(cur) == Some(c)),
                "no {c} deal"
            );
        }
        let no_lines = deals
            .iter()
            .filter(|d| !d.assoc.iter().any(|a| a.to_type == ObjectType::LineItems))
            .count();
        assert!(no_lines > 50 && no_lines < 400);
        let no_company = deals
            .iter()
            .filter(|d| !d.assoc.iter().any(|a| a.to_type == ObjectType::Companies))
            .count();
        assert!(no_company > 50, "some deals have only a contact");
        let close = s.must("closedate");
        for d in deals {
            let ms = super::super::wire::parse_datetime(d.props.get(close).unwrap()).unwrap();
            assert!(ms >= month_ms(2025, 1) && ms < month_ms(2028, 1));
            assert!(d.created <= d.updated && d.updated < anchor_ms());
        }
        assert!(deals.iter().any(|d| {
            d.props
                .get(s.must("ledgerbridge_crm_amount_paid"))
                .is_some()
        }));
    }

    #[test]
    fn streams_are_independent_per_type() {
        // a different deal count changes companies' count but not the first
        // company's values: its stream does not depend on deals
        let a = seeded(40, 42);
        let b = seeded(80, 42);
        let first = |db: &Db| {
            db.table(ObjectType::Companies).records[0]
                .props
                .iter()
                .map(|(i, v)| (i, v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(first(&a), first(&b));
    }

    #[test]
    fn bulk_imports_share_timestamps() {
        let db = seeded(2000, 42);
        let t = db.table(ObjectType::Deals);
        let mut seen = std::collections::HashMap::new();
        for (ts, _) in &t.by_mod {
            *seen.entry(*ts).or_insert(0) += 1;
        }
        assert!(seen.values().any(|n| *n >= 5));
    }
}
