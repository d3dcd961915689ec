//! The seeded company: pipelines and stages, field listings with custom
//! fields, and `--deals N` deals with proportionate organizations (~N/4),
//! persons (~N/2), products, deal products (line items), activities and
//! notes. Several currencies; some deals without line items; about half
//! won; deals carry payment fields (amount paid, payment status, paid date,
//! invoice number) as custom fields.
//!
//! Deterministic for `--seed`, with one random stream per object type, so a
//! new type never changes the existing ones. Seeded times lie in the 180 days
//! before 2026-01-01, so every change made later sorts after them.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::value::RawValue;

use super::company::{STAGES, fields, key, pipelines};
use super::state::USER_ID;
use super::store::{Kind, Store};
use crate::wire::{
    Activity, Address, CustomFields, Deal, DealProduct, DealStatus, Note, NoteRef, Organization,
    Person, PersonContact, Product, ProductPrice,
};

pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "AUD"];

/// Names of the custom fields the seed defines (their keys are hashes).
pub const DEAL_AMOUNT_PAID: &str = "Amount paid";
pub const DEAL_PAYMENT_STATUS: &str = "Payment status";
pub const DEAL_PAID_DATE: &str = "Paid date";
pub const DEAL_INVOICE_NUMBER: &str = "Invoice number";
pub const PERSON_CUSTOMER_TIER: &str = "Customer tier";
pub const ORG_VAT_NUMBER: &str = "VAT number";
pub const ORG_CUSTOMER_NUMBER: &str = "Customer number";
pub const PAYMENT_STATUSES: &[&str] = &["Unpaid", "Partially paid", "Paid"];

fn stream(seed: u64, kind: u64) -> StdRng {
    StdRng::seed_from_u64(seed ^ (0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(kind + 1)))
}

pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// An add time in the 180 days before the epoch and an update time after it.
fn times(rng: &mut StdRng) -> (DateTime<Utc>, DateTime<Utc>) {
    let add = epoch() - Duration::seconds(rng.random_range(86_400..180 * 86_400));
    let update = add + Duration::seconds(rng.random_range(0..(epoch() - add).num_seconds()));
    (add, update)
}

fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text).expect("seeded custom values are JSON")
}

const COMPANY_WORDS: &[&str] = &[
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Acme",
    "Tyrell",
];
const COUNTRIES: &[(&str, &str)] = &[
    ("US", "Austin"),
    ("DE", "Berlin"),
    ("GB", "London"),
    ("AU", "Sydney"),
];
const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Linus", "Barbara", "Dennis", "Margaret", "Ken", "Edsger", "Frances",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Torvalds", "Liskov", "Ritchie", "Hamilton", "Thompson",
    "Dijkstra", "Allen",
];
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("Consulting hour", "CONS-H", 15000),
    ("Implementation package", "IMPL", 450000),
    ("Support plan (monthly)", "SUP-M", 29900),
    ("Training day", "TRAIN-D", 120000),
    ("License seat", "LIC-S", 4999),
    ("Onboarding", "ONB", 99000),
    ("Hardware kit", "HW-K", 34950),
    ("Audit", "AUD", 275000),
];

/// Builds the seeded store for `--deals deals`, `--seed seed`.
pub fn seed(seed: u64, deals: usize) -> Store {
    let mut store = Store::default();
    store.fields = fields(seed);
    pipelines(&mut store);
    let fs = store.fields.clone();
    let n_orgs = if deals == 0 { 0 } else { deals.div_ceil(4) };
    let n_persons = if deals == 0 { 0 } else { deals.div_ceil(2) };

    let mut rng = stream(seed, 1);
    let vat = key(&fs.organization, ORG_VAT_NUMBER);
    let custno = key(&fs.organization, ORG_CUSTOMER_NUMBER);
    for id in 1..=n_orgs as i64 {
        let (add_time, update_time) = times(&mut rng);
        let (country, city) = COUNTRIES[rng.random_range(0..COUNTRIES.len())];
        let word = COMPANY_WORDS[rng.random_range(0..COMPANY_WORDS.len())];
        let mut cf = CustomFields::new();
        cf.insert(custno.clone(), raw(format!("\"C-{id:05}\"")));
        if rng.random_bool(0.7) {
            cf.insert(
                vat.clone(),
                raw(format!(
                    "\"{country}{:09}\"",
                    rng.random_range(0..1_000_000_000u64)
                )),
            );
        }
        store.organizations.insert(
            id,
            Organization {
                id,
                name: format!(
                    "{word} {id} {}",
                    if rng.random_bool(0.5) { "Ltd" } else { "Inc" }
                ),
                owner_id: USER_ID,
                add_time,
                update_time,
                is_deleted: false,
                visible_to: 3,
                address: Some(Address {
                    value: Some(format!(
                        "{} Main Street, {city}, {country}",
                        rng.random_range(1..200)
                    )),
                    locality: Some(city.into()),
                    country: Some(country.into()),
                    ..Address::default()
                }),
                label_ids: vec![],
                website: Some(format!("https://{}{id}.example", word.to_lowercase())),
                custom_fields: cf,
            },
        );
    }
    store.note_id(Kind::Organization, n_orgs as i64);

    let mut rng = stream(seed, 2);
    let tier = super::custom::find(&fs.person, PERSON_CUSTOMER_TIER)
        .cloned()
        .expect("tier field");
    for id in 1..=n_persons as i64 {
        let (add_time, update_time) = times(&mut rng);
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let org_id = (n_orgs > 0).then(|| ((id - 1) % n_orgs as i64) + 1);
        let mut cf = CustomFields::new();
        if rng.random_bool(0.5) {
            let opts = tier.options.as_ref().expect("options");
            cf.insert(
                tier.field_code.clone(),
                raw(opts[rng.random_range(0..opts.len())].id.to_string()),
            );
        }
        store.persons.insert(
            id,
            Person {
                id,
                name: format!("{first} {last}"),
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                owner_id: USER_ID,
                org_id,
                add_time,
                update_time,
                emails: vec![PersonContact {
                    value: format!(
                        "{}.{}{id}@example.com",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    primary: true,
                    label: "work".into(),
                }],
                phones: vec![PersonContact {
                    value: format!("+1 555 {:04}", rng.random_range(0..10_000)),
                    primary: true,
                    label: "work".into(),
                }],
                is_deleted: false,
                visible_to: 3,
                label_ids: vec![],
                job_title: Some("Purchasing".into()),
                custom_fields: cf,
            },
        );
    }
    store.note_id(Kind::Person, n_persons as i64);

    let mut rng = stream(seed, 3);
    let n_products = if deals == 0 { 0 } else { PRODUCTS.len() };
    for (i, (name, code, cents)) in PRODUCTS.iter().take(n_products).enumerate() {
        let id = i as i64 + 1;
        let (add_time, update_time) = times(&mut rng);
        let base = Decimal::new(*cents, 2);
        let prices = CURRENCIES
            .iter()
            .enumerate()
            .map(|(ci, cur)| {
                // a price list per currency, not a conversion: rounded to whole units
                let price = (base * Decimal::new(100 + ci as i64 * 5, 2)).round_dp(2);
                ProductPrice {
                    product_id: id,
                    price,
                    currency: (*cur).into(),
                    cost: (price * Decimal::new(60, 2)).round_dp(2),
                    notes: None,
                }
            })
            .collect();
        store.products.insert(
            id,
            Product {
                id,
                name: (*name).into(),
                code: Some((*code).into()),
                unit: Some("pcs".into()),
                tax: Decimal::new(rng.random_range(0..3) * 10, 0),
                is_deleted: false,
                is_linkable: true,
                visible_to: 3,
                owner_id: USER_ID,
                add_time,
                update_time,
                description: None,
                category: None,
                billing_frequency: "one-time".into(),
                prices,
                custom_fields: CustomFields::new(),
            },
        );
    }
    store.note_id(Kind::Product, n_products as i64);

    let mut rng = stream(seed, 4);
    let mut line_rng = stream(seed, 5);
    let paid_key = key(&fs.deal, DEAL_AMOUNT_PAID);
    let status_field = super::custom::find(&fs.deal, DEAL_PAYMENT_STATUS)
        .cloned()
        .expect("status field");
    let date_key = key(&fs.deal, DEAL_PAID_DATE);
    let invoice_key = key(&fs.deal, DEAL_INVOICE_NUMBER);
    let mut line_id = 0;
    for id in 1..=deals as i64 {
        let (add_time, update_time) = times(&mut rng);
        let currency = CURRENCIES[rng.random_range(0..CURRENCIES.len())].to_string();
        let status = match rng.random_range(0..100) {
            0..50 => DealStatus::Won,
            50..65 => DealStatus::Lost,
            _ => DealStatus::Open,
        };
        let pipeline_id = if rng.random_bool(0.8) { 1 } else { 2 };
        let stage_idx = rng.random_range(0..STAGES.len()) as i64;
        let stage_id = (pipeline_id - 1) * STAGES.len() as i64 + stage_idx + 1;
        let org_id = (n_orgs > 0).then(|| rng.random_range(1..=n_orgs as i64));
        let person_id =
            (n_persons > 0 && rng.random_bool(0.9)).then(|| rng.random_range(1..=n_persons as i64));
        // line items: about a quarter of the deals have none and carry a plain value
        let mut value = Decimal::new(rng.random_range(50_000..5_000_000), 2);
        let n_lines = if n_products > 0 && line_rng.random_bool(0.75) {
            line_rng.random_range(1..=3)
        } else {
            0
        };
        if n_lines > 0 {
            value = Decimal::ZERO;
            for order in 0..n_lines {
                line_id += 1;
                let product = &store.products[&line_rng.random_range(1..=n_products as i64)];
                let price = product
                    .prices
                    .iter()
                    .find(|p| p.currency == currency)
                    .expect("price")
                    .price;
                let quantity = Decimal::from(line_rng.random_range(1..=10));
                let discount = Decimal::from([0, 0, 5, 10][line_rng.random_range(0..4)]);
                let gross = price * quantity;
                let sum = (gross - gross * discount / Decimal::ONE_HUNDRED)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                value += sum;
                store.deal_products.insert(
                    line_id,
                    DealProduct {
                        id: line_id,
                        sum,
                        tax: product.tax,
                        deal_id: id,
                        name: product.name.clone(),
                        product_id: product.id,
                        product_variation_id: None,
                        order_nr: Some(order + 1),
                        add_time,
                        update_time: add_time,
                        comments: None,
                        currency: currency.clone(),
                        discount,
                        discount_type: "percentage".into(),
                        quantity,
                        item_price: price,
                        tax_method: "exclusive".into(),
                        is_enabled: true,
                        billing_frequency: "one-time".into(),
                    },
                );
            }
        }
        let closed = (status != DealStatus::Open).then_some(update_time);
        let mut cf = CustomFields::new();
        if status == DealStatus::Won {
            let paid = match rng.random_range(0..3) {
                0 => Decimal::ZERO,
                1 => (value / Decimal::TWO).round_dp(2),
                _ => value,
            };
            let ps = if paid.is_zero() {
                0
            } else if paid < value {
                1
            } else {
                2
            };
            let opts = status_field.options.as_ref().expect("options");
            cf.insert(
                status_field.field_code.clone(),
                raw(opts[ps].id.to_string()),
            );
            cf.insert(invoice_key.clone(), raw(format!("\"INV-{id:05}\"")));
            if !paid.is_zero() {
                cf.insert(
                    paid_key.clone(),
                    raw(format!(
                        "{{\"value\":{},\"currency\":\"{currency}\"}}",
                        paid.normalize()
                    )),
                );
                cf.insert(
                    date_key.clone(),
                    raw(format!("\"{}\"", update_time.date_naive())),
                );
            }
        }
        let archived = status != DealStatus::Open && rng.random_bool(0.05);
        store.deals.insert(
            id,
            Deal {
                id,
                title: format!("Deal {id}: {}", PRODUCTS[(id as usize) % PRODUCTS.len()].0),
                creator_user_id: Some(USER_ID),
                owner_id: USER_ID,
                person_id,
                org_id,
                pipeline_id,
                stage_id,
                value,
                currency,
                add_time,
                update_time,
                stage_change_time: Some(add_time),
                is_deleted: false,
                is_archived: archived,
                archive_time: archived.then_some(update_time),
                status,
                probability: None,
                lost_reason: (status == DealStatus::Lost).then(|| "Price".to_string()),
                visible_to: 3,
                close_time: closed,
                won_time: (status == DealStatus::Won).then_some(update_time),
                lost_time: (status == DealStatus::Lost).then_some(update_time),
                expected_close_date: Some(expected(add_time)),
                label_ids: vec![],
                origin: "API".into(),
                origin_id: None,
                channel: None,
                channel_id: None,
                arr: None,
                mrr: None,
                acv: None,
                custom_fields: cf,
            },
        );
    }
    store.note_id(Kind::Deal, deals as i64);
    store.note_id(Kind::DealProduct, line_id);

    let mut rng = stream(seed, 6);
    for id in 1..=deals as i64 {
        let (add_time, update_time) = times(&mut rng);
        let deal = &store.deals[&rng.random_range(1..=deals as i64)];
        let kind = ["call", "meeting", "email", "task"][rng.random_range(0..4)];
        store.activities.insert(
            id,
            Activity {
                id,
                subject: format!("{kind} about {}", deal.title),
                kind: kind.into(),
                owner_id: USER_ID,
                creator_user_id: Some(USER_ID),
                is_deleted: false,
                add_time,
                update_time,
                deal_id: Some(deal.id),
                person_id: deal.person_id,
                org_id: deal.org_id,
                due_date: Some(add_time.date_naive()),
                duration: Some("00:30".into()),
                busy: false,
                done: rng.random_bool(0.6),
                note: None,
            },
        );
    }
    store.note_id(Kind::Activity, deals as i64);

    let mut rng = stream(seed, 7);
    for id in 1..=(deals / 2) as i64 {
        let (add_time, update_time) = times(&mut rng);
        let deal = &store.deals[&rng.random_range(1..=deals as i64)];
        store.notes.insert(
            id,
            Note {
                id,
                active_flag: true,
                add_time,
                content: format!("<p>Spoke with the customer about {}.</p>", deal.title),
                deal_id: Some(deal.id),
                person_id: deal.person_id,
                org_id: deal.org_id,
                deal: Some(NoteRef {
                    title: Some(deal.title.clone()),
                    name: None,
                }),
                person: deal.person_id.map(|p| NoteRef {
                    title: None,
                    name: Some(store.persons[&p].name.clone()),
                }),
                organization: deal.org_id.map(|o| NoteRef {
                    title: None,
                    name: Some(store.organizations[&o].name.clone()),
                }),
                last_update_user_id: USER_ID,
                pinned_to_deal_flag: false,
                pinned_to_organization_flag: false,
                pinned_to_person_flag: false,
                update_time,
                user_id: USER_ID,
            },
        );
    }
    store.note_id(Kind::Note, (deals / 2) as i64);
    store
}

fn expected(add: DateTime<Utc>) -> NaiveDate {
    (add + Duration::days(45)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportions_and_determinism() {
        let a = seed(42, 100);
        assert_eq!(
            (a.deals.len(), a.organizations.len(), a.persons.len()),
            (100, 25, 50)
        );
        let won = a
            .deals
            .values()
            .filter(|d| d.status == DealStatus::Won)
            .count();
        assert!((35..=65).contains(&won), "{won} won");
        let currencies: std::collections::BTreeSet<_> =
            a.deals.values().map(|d| d.currency.as_str()).collect();
        assert!(currencies.len() >= 3);
        let with_lines: std::collections::BTreeSet<_> =
            a.deal_products.values().map(|l| l.deal_id).collect();
        assert!(with_lines.len() < 100 && with_lines.len() > 50);
        // a deal with lines is worth the sum of its lines, to the cent
        for d in a.deals.values().filter(|d| with_lines.contains(&d.id)) {
            let sum: Decimal = a
                .deal_products
                .values()
                .filter(|l| l.deal_id == d.id)
                .map(|l| l.sum)
                .sum();
            assert_eq!(sum, d.value, "deal {}", d.id);
        }
        let b = seed(42, 100);
        assert_eq!(
            serde_json::to_string(&a.deals[&7]).unwrap(),
            serde_json::to_string(&b.deals[&7]).unwrap()
        );
        let c = seed(43, 100);
        assert_ne!(
            serde_json::to_string(&a.deals[&7]).unwrap(),
            serde_json::to_string(&c.deals[&7]).unwrap()
        );
    }

    #[test]
    fn one_stream_per_type() {
        // more deals leave the organizations (their own stream) unchanged
        let a = seed(42, 40);
        let b = seed(42, 80);
        assert_eq!(a.organizations[&3].name, b.organizations[&3].name);
        assert_eq!(a.organizations[&3].add_time, b.organizations[&3].add_time);
    }
}
