//! Everything the simulated company holds, by object type, and the 30-day
//! purge of deleted records.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::listing::Row;
use crate::wire::{
    Activity, Deal, DealProduct, Field, Note, Organization, Person, Pipeline, Product, Stage,
    Webhook,
};

/// Pipedrive keeps a deleted record for 30 days, then removes it for good.
pub const PURGE_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);

/// The object types with their own id sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Deal,
    Person,
    Organization,
    Activity,
    Product,
    DealProduct,
    Note,
    Webhook,
}

/// The field listings: built-in fields and the company's custom fields.
#[derive(Debug, Clone, Default)]
pub struct FieldSets {
    pub deal: Vec<Field>,
    pub person: Vec<Field>,
    pub organization: Vec<Field>,
}

#[derive(Default)]
pub struct Store {
    pub deals: BTreeMap<i64, Deal>,
    pub persons: BTreeMap<i64, Person>,
    pub organizations: BTreeMap<i64, Organization>,
    pub activities: BTreeMap<i64, Activity>,
    pub products: BTreeMap<i64, Product>,
    pub deal_products: BTreeMap<i64, DealProduct>,
    pub notes: BTreeMap<i64, Note>,
    pub webhooks: BTreeMap<i64, Webhook>,
    pub pipelines: BTreeMap<i64, Pipeline>,
    pub stages: BTreeMap<i64, Stage>,
    pub fields: FieldSets,
    last_ids: HashMap<Kind, i64>,
    /// When each soft-deleted record was deleted (monotonic clock).
    deleted_at: HashMap<(Kind, i64), Instant>,
}

impl Store {
    /// The next id of a type (ids start at 1 per type, as Pipedrive's do).
    pub fn next_id(&mut self, kind: Kind) -> i64 {
        let n = self.last_ids.entry(kind).or_insert(0);
        *n += 1;
        *n
    }

    /// Remembers an id used by seeding so new records continue after it.
    pub fn note_id(&mut self, kind: Kind, id: i64) {
        let n = self.last_ids.entry(kind).or_insert(0);
        *n = (*n).max(id);
    }

    pub fn mark_deleted(&mut self, kind: Kind, id: i64, at: Instant) {
        self.deleted_at.insert((kind, id), at);
    }

    /// Removes for good every record deleted more than `after` ago (the
    /// 30 days, scaled). A purged record answers 404 and leaves the export.
    pub fn purge(&mut self, after: Duration, now: Instant) -> usize {
        let due: Vec<(Kind, i64)> = self
            .deleted_at
            .iter()
            .filter(|(_, at)| now.duration_since(**at) >= after)
            .map(|(k, _)| *k)
            .collect();
        for (kind, id) in &due {
            self.deleted_at.remove(&(*kind, *id));
            match kind {
                Kind::Deal => {
                    self.deals.remove(id);
                    self.deal_products.retain(|_, p| p.deal_id != *id);
                }
                Kind::Person => {
                    self.persons.remove(id);
                }
                Kind::Organization => {
                    self.organizations.remove(id);
                }
                Kind::Activity => {
                    self.activities.remove(id);
                }
                Kind::Product => {
                    self.products.remove(id);
                }
                Kind::DealProduct => {
                    self.deal_products.remove(id);
                }
                Kind::Note => {
                    self.notes.remove(id);
                }
                Kind::Webhook => {
                    self.webhooks.remove(id);
                }
            }
        }
        due.len()
    }
}

macro_rules! row {
    ($t:ty) => {
        impl Row for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn add_time(&self) -> DateTime<Utc> {
                self.add_time
            }
            fn update_time(&self) -> DateTime<Utc> {
                self.update_time
            }
        }
    };
}

row!(Deal);
row!(Person);
row!(Organization);
row!(Activity);
row!(Product);
row!(DealProduct);
row!(Pipeline);
row!(Stage);
