//! Stored records and the tables that hold them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::ids;
use super::schema::ObjectDef;
use super::value::FieldValue;

#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    /// Field values by canonical field name; a field not stored reads as null.
    pub fields: HashMap<&'static str, FieldValue>,
    /// When it went to the recycle bin (`IsDeleted = true`).
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Record {
    pub fn get(&self, field: &str) -> &FieldValue {
        static NULL: FieldValue = FieldValue::Null;
        self.fields.get(field).unwrap_or(&NULL)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field).as_text()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn modstamp(&self) -> Option<DateTime<Utc>> {
        match self.get("SystemModstamp") {
            FieldValue::DateTime(t) => Some(*t),
            _ => None,
        }
    }
}

/// One object's records in creation order, with an id index.
#[derive(Debug)]
pub struct Table {
    pub def: &'static ObjectDef,
    pub records: Vec<Record>,
    index: HashMap<String, usize>,
    next: u64,
}

impl Table {
    pub fn new(def: &'static ObjectDef) -> Table {
        Table {
            def,
            records: Vec::new(),
            index: HashMap::new(),
            next: 1,
        }
    }

    pub fn alloc_id(&mut self) -> String {
        let id = ids::make(self.def.key_prefix, self.next);
        self.next += 1;
        id
    }

    pub fn push(&mut self, record: Record) {
        self.index.insert(record.id.clone(), self.records.len());
        self.records.push(record);
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.index.get(id).map(|i| &self.records[*i])
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Record> {
        self.index.get(id).map(|i| &mut self.records[*i])
    }

    /// Puts back a record as it was (rolling back an all-or-none batch).
    pub fn restore(&mut self, record: Record) {
        match self.index.get(&record.id) {
            Some(i) => self.records[*i] = record,
            None => self.push(record),
        }
    }

    /// Removes a record created by a rolled-back batch.
    pub fn remove(&mut self, id: &str) {
        if let Some(i) = self.index.remove(id) {
            self.records.remove(i);
            for v in self.index.values_mut() {
                if *v > i {
                    *v -= 1;
                }
            }
        }
    }

    /// Records not in the recycle bin.
    pub fn live(&self) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(|r| !r.is_deleted())
    }
}
