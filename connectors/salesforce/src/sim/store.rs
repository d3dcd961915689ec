//! The simulated org's data and every write with the checks Salesforce makes.
//! Writes return the ids they changed so the caller can send Outbound
//! Messages after releasing the lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value};

use super::coerce::coerce;
use super::errors::SfError;
use super::ids;
use super::record::{Record, Table};
use super::schema::{FieldType, ObjectDef, object_of_id, objects, stage};
use super::value::FieldValue;

/// The integration user every API write is made as.
pub const API_USER_INDEX: u64 = 1;

pub fn api_user_id() -> String {
    ids::make("005", API_USER_INDEX)
}

/// A changed record (for Outbound Messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub object: &'static str,
    pub id: String,
}

pub struct Db {
    tables: HashMap<&'static str, Table>,
    /// While an all-or-none batch runs: each touched record as it was
    /// before (`None` for one the batch created).
    journal: Option<Vec<(&'static str, String, Option<Record>)>>,
}

impl Default for Db {
    fn default() -> Self {
        Db::new()
    }
}

impl Db {
    pub fn new() -> Db {
        Db {
            tables: objects().iter().map(|o| (o.name, Table::new(o))).collect(),
            journal: None,
        }
    }

    pub fn table(&self, object: &str) -> &Table {
        &self.tables[object]
    }

    pub fn table_mut(&mut self, object: &str) -> &mut Table {
        self.tables.get_mut(object).expect("known object")
    }

    /// Starts remembering every record a batch touches.
    pub fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Forgets the journal: the batch's writes stand.
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Undoes every write since [`Db::begin`], newest first.
    pub fn rollback(&mut self) {
        let Some(entries) = self.journal.take() else {
            return;
        };
        for (object, id, before) in entries.into_iter().rev() {
            let table = self.table_mut(object);
            match before {
                Some(r) => table.restore(r),
                None => table.remove(&id),
            }
        }
    }

    fn remember(&mut self, object: &'static str, id: &str) {
        let Some(j) = &self.journal else { return };
        if j.iter().any(|(o, i, _)| *o == object && i == id) {
            return;
        }
        let before = self.tables[object].get(id).cloned();
        if let Some(j) = &mut self.journal {
            j.push((object, id.to_string(), before));
        }
    }

    /// A record by id, found through its key prefix, deleted ones included.
    pub fn by_id(&self, id: &str) -> Option<&Record> {
        let o = object_of_id(id)?;
        self.table(o.name).get(id)
    }

    /// Inserts a record without the API's checks (seeding), filling the
    /// system fields and the derived ones.
    pub fn insert_seeded(
        &mut self,
        def: &'static ObjectDef,
        values: Vec<(&'static str, FieldValue)>,
        created: DateTime<Utc>,
        modified: DateTime<Utc>,
    ) -> String {
        let id = self.table_mut(def.name).alloc_id();
        self.remember(def.name, &id);
        let mut fields: HashMap<&'static str, FieldValue> = values.into_iter().collect();
        stamp(&mut fields, &id, created, modified);
        self.table_mut(def.name).push(Record {
            id: id.clone(),
            fields,
            deleted_at: None,
        });
        self.derive(def, &id);
        id
    }

    /// Validates a JSON body against the object's fields for a create or
    /// an update: unknown, read-only, mistyped or dangling values fail.
    fn validate(
        &self,
        def: &'static ObjectDef,
        body: &Map<String, Value>,
        creating: bool,
    ) -> Result<Vec<(&'static str, FieldValue)>, SfError> {
        let mut out = Vec::new();
        for (name, v) in body {
            if name == "attributes" || (!creating && name.eq_ignore_ascii_case("id")) {
                continue;
            }
            let Some(field) = def.field(name) else {
                return Err(SfError::new(
                    "INVALID_FIELD",
                    format!("No such column '{name}' on sobject of type {}", def.name),
                ));
            };
            let allowed = if creating {
                field.createable
            } else {
                field.updateable
            };
            if !allowed {
                return Err(SfError::new(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    format!(
                        "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                        field.name
                    ),
                )
                .on(field.name));
            }
            let value = coerce(field, v)?;
            if value.is_null() && !field.nillable && field.kind != FieldType::Boolean {
                return Err(SfError::new(
                    "REQUIRED_FIELD_MISSING",
                    format!("Required fields are missing: [{}]", field.name),
                )
                .on(field.name));
            }
            if let (FieldType::Reference, FieldValue::Text(target)) = (field.kind, &value)
                && self.by_id(target).is_none_or(Record::is_deleted)
            {
                return Err(SfError::new(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                )
                .on(field.name));
            }
            out.push((field.name, value));
        }
        Ok(out)
    }

    fn check_required(
        def: &'static ObjectDef,
        values: &[(&'static str, FieldValue)],
    ) -> Result<(), SfError> {
        let missing: Vec<&str> = def
            .fields
            .iter()
            .filter(|f| f.createable && !f.nillable && f.kind != FieldType::Boolean)
            .filter(|f| f.name != "OwnerId" && f.name != "CurrencyIsoCode")
            .filter(|f| !values.iter().any(|(n, v)| *n == f.name && !v.is_null()))
            .map(|f| f.name)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut e = SfError::new(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
        );
        e.fields = missing.iter().map(|s| s.to_string()).collect();
        Err(e)
    }

    /// `POST /sobjects/{O}` and collection creates.
    pub fn create(
        &mut self,
        def: &'static ObjectDef,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<(String, Vec<Change>), SfError> {
        if !def.createable {
            return Err(SfError::new(
                "INVALID_TYPE",
                format!("Cannot create a new record for sObject type {}", def.name),
            ));
        }
        let mut values = self.validate(def, body, true)?;
        Self::check_required(def, &values)?;
        if def.field("OwnerId").is_some() && !values.iter().any(|(n, _)| *n == "OwnerId") {
            values.push(("OwnerId", FieldValue::Text(api_user_id())));
        }
        if def.field("CurrencyIsoCode").is_some()
            && !values.iter().any(|(n, _)| *n == "CurrencyIsoCode")
        {
            values.push(("CurrencyIsoCode", FieldValue::Text("USD".into())));
        }
        if def.name == "Opportunity" && !values.iter().any(|(n, _)| *n == "Probability") {
            // a new opportunity takes its stage's default probability
            let p = values
                .iter()
                .find(|(n, _)| *n == "StageName")
                .and_then(|(_, v)| v.as_text())
                .and_then(stage)
                .map(|s| s.0);
            if let Some(p) = p {
                values.push(("Probability", FieldValue::Number(Decimal::from(p))));
            }
        }
        if def.name == "OpportunityLineItem"
            && !values.iter().any(|(n, _)| *n == "PricebookEntryId")
        {
            return Err(SfError::new(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [PricebookEntryId]",
            )
            .on("PricebookEntryId"));
        }
        let id = self.insert_seeded(def, values, now, now);
        let mut changes = vec![Change {
            object: def.name,
            id: id.clone(),
        }];
        changes.extend(self.roll_up(def, &id, now));
        Ok((id, changes))
    }

    /// `PATCH /sobjects/{O}/{id}` and collection updates.
    pub fn update(
        &mut self,
        def: &'static ObjectDef,
        id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, SfError> {
        let id = self.existing(def, id)?;
        let values = self.validate(def, body, false)?;
        let stage_changed = values.iter().any(|(n, _)| *n == "StageName");
        let probability_set = values.iter().any(|(n, _)| *n == "Probability");
        self.remember(def.name, &id);
        let record = self.table_mut(def.name).get_mut(&id).expect("checked");
        for (name, v) in values {
            record.fields.insert(name, v);
        }
        record
            .fields
            .insert("LastModifiedDate", FieldValue::DateTime(now));
        record
            .fields
            .insert("SystemModstamp", FieldValue::DateTime(now));
        record
            .fields
            .insert("LastModifiedById", FieldValue::Text(api_user_id()));
        if stage_changed && !probability_set {
            // a new stage brings its default probability unless one is given
            if let Some((p, ..)) = record.text("StageName").and_then(stage) {
                record
                    .fields
                    .insert("Probability", FieldValue::Number(Decimal::from(p)));
            }
        }
        self.derive(def, &id);
        let mut changes = vec![Change {
            object: def.name,
            id: id.clone(),
        }];
        changes.extend(self.roll_up(def, &id, now));
        Ok(changes)
    }

    /// `DELETE /sobjects/{O}/{id}`: to the recycle bin, with the records
    /// whose master it is.
    pub fn delete(
        &mut self,
        def: &'static ObjectDef,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, SfError> {
        let id = self.existing(def, id)?;
        let mut changes = Vec::new();
        for rel in &def.children {
            if !rel.cascade_delete {
                continue;
            }
            let children: Vec<String> = self
                .table(rel.child)
                .live()
                .filter(|r| r.text(rel.field) == Some(id.as_str()))
                .map(|r| r.id.clone())
                .collect();
            for c in children {
                self.trash(rel.child, &c, now);
                changes.push(Change {
                    object: object_of_id(&c).map_or(rel.child, |o| o.name),
                    id: c,
                });
            }
        }
        self.trash(def.name, &id, now);
        changes.push(Change {
            object: def.name,
            id: id.clone(),
        });
        changes.extend(self.roll_up(def, &id, now));
        Ok(changes)
    }

    fn trash(&mut self, object: &'static str, id: &str, now: DateTime<Utc>) {
        self.remember(object, id);
        if let Some(r) = self.table_mut(object).get_mut(id) {
            r.deleted_at = Some(now);
            r.fields.insert("IsDeleted", FieldValue::Bool(true));
            r.fields.insert("SystemModstamp", FieldValue::DateTime(now));
        }
    }

    /// The canonical id of a live record of this object, or the error the
    /// API gives for a malformed, foreign, missing or deleted one.
    pub fn existing(&self, def: &'static ObjectDef, id: &str) -> Result<String, SfError> {
        let Some(norm) = ids::normalise(id).filter(|n| n.starts_with(def.key_prefix)) else {
            return Err(SfError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {id}", def.label),
            )
            .on("Id"));
        };
        match self.table(def.name).get(&norm) {
            None => Err(SfError::new(
                "NOT_FOUND",
                "The requested resource does not exist",
            )),
            Some(r) if r.is_deleted() => {
                Err(SfError::new("ENTITY_IS_DELETED", "entity is deleted"))
            }
            Some(_) => Ok(norm),
        }
    }

    /// Fields Salesforce computes from others on the same record.
    fn derive(&mut self, def: &'static ObjectDef, id: &str) {
        let lookup = |db: &Db, rid: Option<&str>, field: &str| -> FieldValue {
            rid.and_then(|r| db.by_id(r))
                .map(|r| r.get(field).clone())
                .unwrap_or(FieldValue::Null)
        };
        let record = self.table(def.name).get(id).expect("exists").clone();
        let mut set: Vec<(&'static str, FieldValue)> = Vec::new();
        match def.name {
            "Contact" | "User" => {
                let name = [record.text("FirstName"), record.text("LastName")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                set.push(("Name", FieldValue::Text(name)));
            }
            "Opportunity" => {
                if let Some((_, closed, won, forecast)) = record.text("StageName").and_then(stage) {
                    set.push(("IsClosed", FieldValue::Bool(closed)));
                    set.push(("IsWon", FieldValue::Bool(won)));
                    set.push(("ForecastCategoryName", FieldValue::Text(forecast.into())));
                }
            }
            "Task" => {
                let closed = record.text("Status") == Some("Completed");
                set.push(("IsClosed", FieldValue::Bool(closed)));
            }
            "PricebookEntry" => {
                let product = record.text("Product2Id");
                set.push(("Name", lookup(self, product, "Name")));
                set.push(("ProductCode", lookup(self, product, "ProductCode")));
            }
            "OpportunityLineItem" => {
                let entry = record.text("PricebookEntryId");
                let product = lookup(self, entry, "Product2Id");
                let product_id = product.as_text().map(str::to_string);
                set.push(("Product2Id", product));
                set.push((
                    "ProductCode",
                    lookup(self, product_id.as_deref(), "ProductCode"),
                ));
                set.push(("ListPrice", lookup(self, entry, "UnitPrice")));
                let opp = record.text("OpportunityId");
                let opp_name = lookup(self, opp, "Name");
                let product_name = lookup(self, product_id.as_deref(), "Name");
                set.push((
                    "Name",
                    FieldValue::Text(format!(
                        "{} {}",
                        opp_name.as_text().unwrap_or(""),
                        product_name.as_text().unwrap_or("")
                    )),
                ));
                set.push(("CurrencyIsoCode", lookup(self, opp, "CurrencyIsoCode")));
                let qty = record.get("Quantity").as_decimal().unwrap_or_default();
                let price = record.get("UnitPrice").as_decimal().unwrap_or_default();
                let discount = record.get("Discount").as_decimal().unwrap_or_default();
                set.push((
                    "TotalPrice",
                    FieldValue::Number(line_total(qty, price, discount)),
                ));
            }
            _ => {}
        }
        let r = self.table_mut(def.name).get_mut(id).expect("exists");
        for (k, v) in set {
            r.fields.insert(k, v);
        }
    }

    /// A line item's opportunity takes the sum of its live line items as its
    /// Amount: Salesforce rolls it up on every line item change.
    fn roll_up(&mut self, def: &'static ObjectDef, id: &str, now: DateTime<Utc>) -> Vec<Change> {
        if def.name != "OpportunityLineItem" {
            return Vec::new();
        }
        let Some(opp) = self
            .table(def.name)
            .get(id)
            .and_then(|r| r.text("OpportunityId"))
            .map(str::to_string)
        else {
            return Vec::new();
        };
        self.recompute_amount(&opp, now);
        vec![Change {
            object: "Opportunity",
            id: opp,
        }]
    }

    /// Sets every opportunity that has line items to their sum, in one pass
    /// (seeding).
    pub fn recompute_all_amounts(&mut self) {
        let mut sums: HashMap<String, Decimal> = HashMap::new();
        for r in self.table("OpportunityLineItem").live() {
            if let (Some(opp), Some(total)) =
                (r.text("OpportunityId"), r.get("TotalPrice").as_decimal())
            {
                *sums.entry(opp.to_string()).or_default() += total;
            }
        }
        let opps = self.table_mut("Opportunity");
        for (opp, total) in sums {
            if let Some(r) = opps.get_mut(&opp) {
                r.fields.insert("Amount", FieldValue::Number(total));
            }
        }
    }

    /// Sets an opportunity's Amount to the sum of its live line items.
    pub fn recompute_amount(&mut self, opp: &str, now: DateTime<Utc>) {
        let total: Decimal = self
            .table("OpportunityLineItem")
            .live()
            .filter(|r| r.text("OpportunityId") == Some(opp))
            .filter_map(|r| r.get("TotalPrice").as_decimal())
            .sum();
        self.remember("Opportunity", opp);
        if let Some(r) = self.table_mut("Opportunity").get_mut(opp) {
            r.fields.insert("Amount", FieldValue::Number(total));
            r.fields.insert("SystemModstamp", FieldValue::DateTime(now));
            r.fields
                .insert("LastModifiedDate", FieldValue::DateTime(now));
        }
    }
}

/// Quantity × sales price less the discount percentage, to the cent.
pub fn line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal {
    let gross = quantity * unit_price;
    let net = gross - gross * discount_percent / Decimal::from(100);
    net.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn stamp(
    fields: &mut HashMap<&'static str, FieldValue>,
    id: &str,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
) {
    fields.insert("Id", FieldValue::Text(id.to_string()));
    fields.insert("IsDeleted", FieldValue::Bool(false));
    fields.insert("CreatedDate", FieldValue::DateTime(created));
    fields.insert("LastModifiedDate", FieldValue::DateTime(modified));
    fields.insert("SystemModstamp", FieldValue::DateTime(modified));
    fields
        .entry("CreatedById")
        .or_insert_with(|| FieldValue::Text(api_user_id()));
    fields
        .entry("LastModifiedById")
        .or_insert_with(|| FieldValue::Text(api_user_id()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn line_totals_round_half_away_from_zero() {
        assert_eq!(line_total(dec!(3), dec!(19.99), dec!(0)), dec!(59.97));
        assert_eq!(line_total(dec!(1), dec!(0.05), dec!(50)), dec!(0.03));
        assert_eq!(line_total(dec!(2), dec!(1200), dec!(12.5)), dec!(2100.00));
    }
}
