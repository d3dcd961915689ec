//! Compact in-memory records and the per-type table with its indexes.
//!
//! 100,000 seeded deals bring ~500,000 records with them, so a record keeps its
//! property values in one string buffer with a small index instead of a map of
//! owned strings. Tables keep records sorted by id (ids only grow) and a
//! `(lastmodified, id)` index of live records, so list and search pages never
//! scan the whole table.

use std::collections::BTreeSet;

use super::schema::ObjectType;

/// Property values: `(property id, end offset)` pairs sorted by property id,
/// over one concatenated buffer.
#[derive(Debug, Clone, Default)]
pub struct Props {
    slots: Box<[(u16, u32)]>,
    buf: Box<str>,
}

impl Props {
    /// Builds from `(property id, value)` pairs; empty values are left out
    /// (HubSpot treats "" as clearing a property).
    pub fn from_pairs<S: AsRef<str>>(pairs: impl IntoIterator<Item = (u16, S)>) -> Props {
        let mut v: Vec<(u16, S)> = pairs
            .into_iter()
            .filter(|(_, s)| !s.as_ref().is_empty())
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v.dedup_by_key(|(id, _)| *id);
        let mut buf = String::with_capacity(v.iter().map(|(_, s)| s.as_ref().len()).sum());
        let mut slots = Vec::with_capacity(v.len());
        for (id, s) in &v {
            buf.push_str(s.as_ref());
            slots.push((*id, buf.len() as u32));
        }
        Props {
            slots: slots.into_boxed_slice(),
            buf: buf.into_boxed_str(),
        }
    }

    fn value_at(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.slots[i - 1].1 as usize
        };
        &self.buf[start..self.slots[i].1 as usize]
    }

    pub fn get(&self, id: u16) -> Option<&str> {
        self.slots
            .binary_search_by_key(&id, |(p, _)| *p)
            .ok()
            .map(|i| self.value_at(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = (u16, &str)> {
        (0..self.slots.len()).map(|i| (self.slots[i].0, self.value_at(i)))
    }

    /// Applies updates; returns the new values and the properties that
    /// really changed (with their new value, "" when cleared).
    pub fn with_updates(&self, updates: &[(u16, String)]) -> (Props, Vec<(u16, String)>) {
        let mut changed = Vec::new();
        for (id, v) in updates {
            if self.get(*id).unwrap_or("") != v.as_str() {
                changed.push((*id, v.clone()));
            }
        }
        if changed.is_empty() {
            return (self.clone(), changed);
        }
        let mut pairs: Vec<(u16, String)> =
            self.iter().map(|(id, s)| (id, s.to_string())).collect();
        for (id, v) in &changed {
            match pairs.iter_mut().find(|(p, _)| p == id) {
                Some(slot) => slot.1 = v.clone(),
                None => pairs.push((*id, v.clone())),
            }
        }
        (Props::from_pairs(pairs), changed)
    }
}

/// One association edge as stored on the record it starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assoc {
    pub to_type: ObjectType,
    pub type_id: u16,
    pub to: u64,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    /// Milliseconds since the epoch.
    pub created: i64,
    pub updated: i64,
    pub archived_at: Option<i64>,
    pub props: Props,
    pub assoc: Vec<Assoc>,
}

impl Record {
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// All records of one type.
pub struct Table {
    pub records: Vec<Record>,
    /// Live (not archived) records by `(hs_lastmodifieddate, id)`.
    pub by_mod: BTreeSet<(i64, u64)>,
    pub next_id: u64,
    pub live: usize,
}

impl Table {
    pub fn new(t: ObjectType) -> Table {
        Table {
            records: Vec::new(),
            by_mod: BTreeSet::new(),
            next_id: t.id_base(),
            live: 0,
        }
    }

    pub fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Appends a record; its id must be above every existing one.
    pub fn push(&mut self, rec: Record) {
        debug_assert!(self.records.last().is_none_or(|l| l.id < rec.id));
        if rec.id >= self.next_id {
            self.next_id = rec.id + 1;
        }
        if !rec.archived() {
            self.by_mod.insert((rec.updated, rec.id));
            self.live += 1;
        }
        self.records.push(rec);
    }

    pub fn pos(&self, id: u64) -> Option<usize> {
        self.records.binary_search_by_key(&id, |r| r.id).ok()
    }

    pub fn get(&self, id: u64) -> Option<&Record> {
        self.pos(id).map(|i| &self.records[i])
    }

    /// A live record by id.
    pub fn live(&self, id: u64) -> Option<&Record> {
        self.get(id).filter(|r| !r.archived())
    }

    /// Mutable access that keeps the lastmodified index right: `f` changes the
    /// record, and the index follows its new `updated`/archived state.
    pub fn modify<R>(&mut self, id: u64, f: impl FnOnce(&mut Record) -> R) -> Option<R> {
        let i = self.pos(id)?;
        let rec = &mut self.records[i];
        let before = (rec.updated, rec.archived());
        let out = f(rec);
        let after = (rec.updated, rec.archived());
        if before != after {
            if !before.1 {
                self.by_mod.remove(&(before.0, id));
                self.live -= 1;
            }
            if !after.1 {
                self.by_mod.insert((after.0, id));
                self.live += 1;
            }
        }
        Some(out)
    }

    /// Index of the first record with id >= `id`.
    pub fn lower_bound(&self, id: u64) -> usize {
        self.records.partition_point(|r| r.id < id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_round_trip_and_report_real_changes() {
        let p = Props::from_pairs(vec![(3u16, "b"), (1, "a"), (7, "")]);
        assert_eq!(p.get(1), Some("a"));
        assert_eq!(p.get(3), Some("b"));
        assert_eq!(p.get(7), None);
        let (q, changed) = p.with_updates(&[(1, "a".into()), (3, "".into()), (5, "c".into())]);
        assert_eq!(changed, vec![(3, String::new()), (5, "c".into())]);
        assert_eq!(q.get(3), None);
        assert_eq!(q.get(5), Some("c"));
        assert_eq!(q.iter().count(), 2);
    }

    #[test]
    fn modify_keeps_the_lastmodified_index() {
        let mut t = Table::new(ObjectType::Deals);
        let id = t.alloc_id();
        t.push(Record {
            id,
            created: 1,
            updated: 1,
            archived_at: None,
            props: Props::default(),
            assoc: vec![],
        });
        t.modify(id, |r| r.updated = 5);
        assert!(t.by_mod.contains(&(5, id)) && !t.by_mod.contains(&(1, id)));
        t.modify(id, |r| r.archived_at = Some(6));
        assert!(t.by_mod.is_empty());
        assert_eq!(t.live, 0);
    }
}
