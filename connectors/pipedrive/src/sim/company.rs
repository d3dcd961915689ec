//! The seeded company's settings: its two pipelines with their stages, and
//! the deal, person and organization field listings with the custom fields
//! the seed fills (payment fields on deals among them).

use chrono::Duration;

use super::custom::{builtin, custom};
use super::seed::{
    DEAL_AMOUNT_PAID, DEAL_INVOICE_NUMBER, DEAL_PAID_DATE, DEAL_PAYMENT_STATUS,
    ORG_CUSTOMER_NUMBER, ORG_VAT_NUMBER, PAYMENT_STATUSES, PERSON_CUSTOMER_TIER, epoch,
};
use super::store::{FieldSets, Store};
use crate::wire::{Field, Pipeline, Stage};

pub fn fields(seed: u64) -> FieldSets {
    let mut deal: Vec<Field> = [
        ("title", "Title", "varchar"),
        ("value", "Value", "monetary"),
        ("currency", "Currency", "varchar"),
        ("org_id", "Organization", "org"),
        ("person_id", "Contact person", "people"),
        ("pipeline_id", "Pipeline", "int"),
        ("stage_id", "Stage", "stage"),
        ("status", "Status", "status"),
        ("owner_id", "Owner", "user"),
        ("expected_close_date", "Expected close date", "date"),
    ]
    .iter()
    .map(|(c, n, t)| builtin(c, n, t))
    .collect();
    deal.push(custom(seed, "deal", DEAL_AMOUNT_PAID, "monetary", &[]));
    deal.push(custom(
        seed,
        "deal",
        DEAL_PAYMENT_STATUS,
        "enum",
        PAYMENT_STATUSES,
    ));
    deal.push(custom(seed, "deal", DEAL_PAID_DATE, "date", &[]));
    deal.push(custom(seed, "deal", DEAL_INVOICE_NUMBER, "varchar", &[]));
    let mut person: Vec<Field> = [
        ("name", "Name", "varchar"),
        ("emails", "Email", "varchar"),
        ("phones", "Phone", "phone"),
        ("org_id", "Organization", "org"),
        ("owner_id", "Owner", "user"),
    ]
    .iter()
    .map(|(c, n, t)| builtin(c, n, t))
    .collect();
    person.push(custom(
        seed,
        "person",
        PERSON_CUSTOMER_TIER,
        "enum",
        &["Bronze", "Silver", "Gold"],
    ));
    let mut organization: Vec<Field> = [
        ("name", "Name", "varchar"),
        ("address", "Address", "address"),
        ("owner_id", "Owner", "user"),
    ]
    .iter()
    .map(|(c, n, t)| builtin(c, n, t))
    .collect();
    organization.push(custom(seed, "organization", ORG_VAT_NUMBER, "varchar", &[]));
    organization.push(custom(
        seed,
        "organization",
        ORG_CUSTOMER_NUMBER,
        "varchar",
        &[],
    ));
    FieldSets {
        deal,
        person,
        organization,
    }
}

pub fn key(fields: &[Field], name: &str) -> String {
    fields
        .iter()
        .find(|f| f.field_name == name)
        .map(|f| f.field_code.clone())
        .expect("seeded field")
}

pub const STAGES: &[(&str, i64)] = &[
    ("Qualified", 10),
    ("Contact made", 20),
    ("Proposal made", 50),
    ("Negotiations started", 80),
];

pub fn pipelines(store: &mut Store) {
    let t = epoch() - Duration::days(365);
    for (pid, name) in [(1, "Sales pipeline"), (2, "Renewals")] {
        store.pipelines.insert(
            pid,
            Pipeline {
                id: pid,
                name: name.into(),
                order_nr: pid,
                is_deleted: false,
                is_deal_probability_enabled: true,
                add_time: t,
                update_time: t,
            },
        );
        for (i, (stage, prob)) in STAGES.iter().enumerate() {
            let id = (pid - 1) * STAGES.len() as i64 + i as i64 + 1;
            store.stages.insert(
                id,
                Stage {
                    id,
                    order_nr: i as i64 + 1,
                    name: (*stage).into(),
                    is_deleted: false,
                    deal_probability: *prob,
                    pipeline_id: pid,
                    is_deal_rot_enabled: false,
                    days_to_rotten: None,
                    add_time: t,
                    update_time: t,
                },
            );
        }
    }
}
