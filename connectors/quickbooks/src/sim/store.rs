//! The company's books: every entity in QuickBooks' JSON shape, keyed by entity
//! name and numeric id, plus tombstones of deleted objects for change data capture.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::wire::time::format_time;

/// A deleted object as change data capture reports it.
#[derive(Clone, Debug)]
pub struct Tombstone {
    pub id: u64,
    pub at: DateTime<Utc>,
}

#[derive(Default, Clone)]
pub struct Store {
    live: BTreeMap<&'static str, BTreeMap<u64, Value>>,
    deleted: BTreeMap<&'static str, Vec<Tombstone>>,
    next_id: BTreeMap<&'static str, u64>,
}

impl Store {
    /// The next id of `entity`: QuickBooks numbers each entity type on its own.
    pub fn allocate_id(&mut self, entity: &'static str) -> u64 {
        let n = self.next_id.entry(entity).or_insert(1);
        let id = *n;
        *n += 1;
        id
    }

    /// Stores a new object with `Id`, `SyncToken` "0" and `MetaData`.
    pub fn insert_new(
        &mut self,
        entity: &'static str,
        mut obj: Value,
        now: DateTime<Utc>,
    ) -> Value {
        let id = self.allocate_id(entity);
        let t = format_time(now);
        obj["Id"] = json!(id.to_string());
        obj["SyncToken"] = json!("0");
        obj["domain"] = json!("QBO");
        obj["sparse"] = json!(false);
        obj["MetaData"] = json!({"CreateTime": t, "LastUpdatedTime": t});
        self.live.entry(entity).or_default().insert(id, obj.clone());
        obj
    }

    /// Replaces a stored object, raising its `SyncToken` and `LastUpdatedTime`.
    pub fn replace(
        &mut self,
        entity: &'static str,
        id: u64,
        mut obj: Value,
        now: DateTime<Utc>,
    ) -> Value {
        let prev = self.get(entity, id).cloned().unwrap_or(Value::Null);
        let token = sync_token(&prev).unwrap_or(0) + 1;
        obj["Id"] = json!(id.to_string());
        obj["SyncToken"] = json!(token.to_string());
        obj["domain"] = json!("QBO");
        obj["sparse"] = json!(false);
        obj["MetaData"] = json!({
            "CreateTime": prev["MetaData"]["CreateTime"].clone(),
            "LastUpdatedTime": format_time(now),
        });
        self.live.entry(entity).or_default().insert(id, obj.clone());
        obj
    }

    /// Puts a seeded object in as it is (it carries its own Id and MetaData).
    pub fn seed(&mut self, entity: &'static str, obj: Value) {
        let id: u64 = obj["Id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("seeded id");
        let n = self.next_id.entry(entity).or_insert(1);
        *n = (*n).max(id + 1);
        self.live.entry(entity).or_default().insert(id, obj);
    }

    pub fn get(&self, entity: &str, id: u64) -> Option<&Value> {
        self.live.get(entity)?.get(&id)
    }

    pub fn get_mut(&mut self, entity: &str, id: u64) -> Option<&mut Value> {
        self.live.get_mut(entity)?.get_mut(&id)
    }

    /// Removes an object and keeps its tombstone.
    pub fn delete(&mut self, entity: &'static str, id: u64, now: DateTime<Utc>) -> Option<Value> {
        let obj = self.live.get_mut(entity)?.remove(&id)?;
        self.deleted
            .entry(entity)
            .or_default()
            .push(Tombstone { id, at: now });
        Some(obj)
    }

    /// Every live object of `entity`, in id order.
    pub fn all(&self, entity: &str) -> impl Iterator<Item = &Value> {
        self.live.get(entity).into_iter().flat_map(|m| m.values())
    }

    pub fn tombstones(&self, entity: &str) -> &[Tombstone] {
        self.deleted.get(entity).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn entities(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.live.keys().chain(self.deleted.keys()).copied()
    }
}

/// An object's `SyncToken` as a number; clients send it as a string or a number.
pub fn sync_token(obj: &Value) -> Option<u64> {
    match &obj["SyncToken"] {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A numeric id from an `Id` field or a reference's `value`.
pub fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        Value::Object(o) => o.get("value").and_then(id_of),
        _ => None,
    }
}
