//! The simulated account: tables, schemas, pipelines, and every write with
//! the validation HubSpot does. Writes return the changes they made so the
//! caller can send webhooks after releasing the lock.

use std::collections::HashMap;

use serde_json::Value;

use super::errors::PropertyError;
use super::owners::{Owner, owners};
use super::record::{Assoc, Props, Record, Table};
use super::schema::{
    ObjectType, PropType, Schema, default_association_type, default_schema, valid_association_type,
};
use super::wire::{normalise, parse_datetime};

pub struct Stage {
    pub id: &'static str,
    pub label: &'static str,
    pub probability: &'static str,
    pub closed: bool,
}

pub struct Pipeline {
    pub id: &'static str,
    pub label: &'static str,
    pub stages: Vec<Stage>,
}

/// The account's deal pipelines: HubSpot's default sales pipeline and a
/// renewals pipeline with the numeric ids custom pipelines get.
pub fn pipelines() -> Vec<Pipeline> {
    let st = |id, label, probability, closed| Stage {
        id,
        label,
        probability,
        closed,
    };
    vec![
        Pipeline {
            id: "default",
            label: "Sales Pipeline",
            stages: vec![
                st(
                    "appointmentscheduled",
                    "Appointment Scheduled",
                    "0.2",
                    false,
                ),
                st("qualifiedtobuy", "Qualified To Buy", "0.4", false),
                st(
                    "presentationscheduled",
                    "Presentation Scheduled",
                    "0.6",
                    false,
                ),
                st(
                    "decisionmakerboughtin",
                    "Decision Maker Bought-In",
                    "0.8",
                    false,
                ),
                st("contractsent", "Contract Sent", "0.9", false),
                st("closedwon", "Closed Won", "1.0", true),
                st("closedlost", "Closed Lost", "0.0", true),
            ],
        },
        Pipeline {
            id: "24135790",
            label: "Renewals",
            stages: vec![
                st("24135791", "Renewal Due", "0.5", false),
                st("24135792", "Renewal Quoted", "0.8", false),
                st("24135793", "Renewed", "1.0", true),
                st("24135794", "Churned", "0.0", true),
            ],
        },
    ]
}

/// One change, for webhooks.
#[derive(Debug, Clone)]
pub enum Change {
    Created(ObjectType, u64),
    Property(ObjectType, u64, String, String),
    Deleted(ObjectType, u64),
    Association(ObjectType, u64),
}

pub struct Db {
    pub tables: Vec<Table>,
    pub schemas: Vec<Schema>,
    pub pipelines: Vec<Pipeline>,
    /// The users records are assigned to (`hubspot_owner_id`).
    pub owners: Vec<Owner>,
}

/// Validated property writes: `(property id, normalised value)`, plus a
/// createdate override when a create sets one.
#[derive(Debug, Default)]
pub struct Writes {
    pub values: Vec<(u16, String)>,
    pub created: Option<i64>,
}

impl Db {
    pub fn new() -> Db {
        Db {
            tables: ObjectType::ALL.iter().map(|t| Table::new(*t)).collect(),
            schemas: ObjectType::ALL.iter().map(|t| default_schema(*t)).collect(),
            pipelines: pipelines(),
            owners: owners(super::seed::anchor_ms()),
        }
    }

    pub fn table(&self, t: ObjectType) -> &Table {
        &self.tables[t.index()]
    }

    pub fn table_mut(&mut self, t: ObjectType) -> &mut Table {
        &mut self.tables[t.index()]
    }

    pub fn schema(&self, t: ObjectType) -> &Schema {
        &self.schemas[t.index()]
    }

    pub fn pipeline(&self, id: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.id == id)
    }

    /// Validates a JSON `properties` object for a write. `existing` is the
    /// record being updated (None on create).
    pub fn validate(
        &self,
        t: ObjectType,
        props: &serde_json::Map<String, Value>,
        existing: Option<&Record>,
    ) -> Result<Writes, Vec<PropertyError>> {
        let schema = self.schema(t);
        let mut errors = Vec::new();
        let mut w = Writes::default();
        for (name, raw) in props {
            let text = match raw {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    errors.push(PropertyError::new(
                        name,
                        "INVALID_PROPERTY_VALUE",
                        format!("Property \"{name}\" must be a string, number or boolean"),
                    ));
                    continue;
                }
            };
            let Some(id) = schema.id(name) else {
                errors.push(PropertyError::new(
                    name,
                    "PROPERTY_DOESNT_EXIST",
                    format!("Property \"{name}\" does not exist"),
                ));
                continue;
            };
            let def = schema.def(id);
            if def.read_only {
                errors.push(PropertyError::new(
                    name,
                    "READ_ONLY_VALUE",
                    format!("{name} is a read only property; its value cannot be set."),
                ));
                continue;
            }
            if def.computed.is_some() {
                // createdate: settable on create (imports keep their dates).
                if existing.is_none() {
                    match parse_datetime(&text) {
                        Some(ms) => w.created = Some(ms),
                        None => errors.push(PropertyError::new(
                            name,
                            "INVALID_DATE",
                            format!("{text} was not a valid date or datetime."),
                        )),
                    }
                }
                continue;
            }
            match normalise(def.ty, &def.options, &text) {
                Ok(v) => w.values.push((id, v)),
                Err((code, msg)) => errors.push(PropertyError::new(name, code, msg)),
            }
        }
        if t == ObjectType::Deals {
            self.check_stage(&mut w, existing, &mut errors);
        }
        if errors.is_empty() {
            Ok(w)
        } else {
            Err(errors)
        }
    }

    /// Deals: the pipeline must exist and the stage must belong to it; on
    /// create both default to the default pipeline's first stage.
    fn check_stage(
        &self,
        w: &mut Writes,
        existing: Option<&Record>,
        errors: &mut Vec<PropertyError>,
    ) {
        let schema = self.schema(ObjectType::Deals);
        let (pid, sid) = (schema.must("pipeline"), schema.must("dealstage"));
        let given = |w: &Writes, id| {
            w.values
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, v)| v.clone())
        };
        let current = |id| existing.and_then(|r| r.props.get(id)).map(str::to_string);
        let pipeline_given = given(w, pid);
        let stage = given(w, sid).or_else(|| current(sid));
        let pipeline = pipeline_given
            .clone()
            .or_else(|| current(pid))
            .unwrap_or_else(|| "default".into());
        let Some(p) = self.pipeline(&pipeline) else {
            let ids: Vec<&str> = self.pipelines.iter().map(|p| p.id).collect();
            errors.push(PropertyError::new(
                "pipeline",
                "INVALID_OPTION",
                format!(
                    "{pipeline} was not one of the allowed options: [{}]",
                    ids.join(", ")
                ),
            ));
            return;
        };
        if existing.is_none() && pipeline_given.is_none() {
            w.values.push((pid, pipeline.clone()));
        }
        match stage {
            Some(stage) if p.stages.iter().any(|s| s.id == stage) => {}
            Some(stage) => errors.push(PropertyError::new(
                "dealstage",
                "INVALID_OPTION",
                format!(
                    "{stage} was not one of the allowed options: [{}]",
                    p.stages.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
                ),
            )),
            None => w.values.push((sid, p.stages[0].id.to_string())),
        }
    }

    /// Creates a record from validated writes.
    pub fn create(&mut self, t: ObjectType, w: Writes, now: i64, changes: &mut Vec<Change>) -> u64 {
        let table = self.table_mut(t);
        let id = table.alloc_id();
        table.push(Record {
            id,
            created: w.created.unwrap_or(now),
            updated: now,
            archived_at: None,
            props: Props::from_pairs(w.values),
            assoc: Vec::new(),
        });
        changes.push(Change::Created(t, id));
        id
    }

    /// Applies validated writes to a live record; `updated` moves only when a
    /// value really changed. Returns false when the record does not exist.
    pub fn update(
        &mut self,
        t: ObjectType,
        id: u64,
        w: Writes,
        now: i64,
        changes: &mut Vec<Change>,
    ) -> bool {
        let changed = self.table_mut(t).modify(id, |r| {
            if r.archived() {
                return None;
            }
            let (props, changed) = r.props.with_updates(&w.values);
            if !changed.is_empty() {
                r.props = props;
                r.updated = now;
            }
            Some(changed)
        });
        let Some(Some(changed)) = changed else {
            return false;
        };
        let schema = self.schema(t);
        for (pid, v) in changed {
            changes.push(Change::Property(t, id, schema.def(pid).name.clone(), v));
        }
        true
    }

    /// Archives a record (DELETE). Its associations stay, as in HubSpot, so a
    /// restore would bring them back; archived records are skipped on reads.
    pub fn archive(&mut self, t: ObjectType, id: u64, now: i64, changes: &mut Vec<Change>) -> bool {
        let done = self.table_mut(t).modify(id, |r| {
            if r.archived() {
                return false;
            }
            r.archived_at = Some(now);
            r.updated = now;
            true
        });
        if done == Some(true) {
            changes.push(Change::Deleted(t, id));
            true
        } else {
            false
        }
    }

    /// Finds a live record by a unique property (`idProperty`).
    pub fn find_by(&self, t: ObjectType, prop: &str, value: &str) -> Result<Option<u64>, String> {
        let schema = self.schema(t);
        let Some(pid) = schema.id(prop) else {
            return Err(format!("Property \"{prop}\" does not exist"));
        };
        let def = schema.def(pid);
        if prop == "hs_object_id" {
            return Ok(value
                .parse()
                .ok()
                .filter(|id| self.table(t).live(*id).is_some()));
        }
        if !def.unique {
            return Err(format!("{prop} is not a unique property"));
        }
        let hit = self.table(t).records.iter().find(|r| {
            !r.archived()
                && r.props
                    .get(pid)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
        });
        Ok(hit.map(|r| r.id))
    }

    /// Adds an association (both directions). `type_id` None = the default.
    pub fn associate(
        &mut self,
        from: (ObjectType, u64),
        to: (ObjectType, u64),
        type_id: Option<u16>,
        now: i64,
        changes: &mut Vec<Change>,
    ) -> Result<u16, String> {
        let default = default_association_type(from.0, to.0).ok_or_else(|| {
            format!(
                "{} can not be associated with {}",
                from.0.singular(),
                to.0.singular()
            )
        })?;
        let type_id = type_id.unwrap_or(default);
        if !valid_association_type(from.0, to.0, type_id) {
            return Err(format!(
                "association type id {type_id} doesn't exist between {} and {}",
                from.0.singular(),
                to.0.singular()
            ));
        }
        for (t, id) in [from, to] {
            if self.table(t).live(id).is_none() {
                return Err(format!("{} {id} was not found", t.upper()));
            }
        }
        let back = match type_id {
            1 => 2,
            2 => 1,
            5 => 6,
            6 => 5,
            _ => default_association_type(to.0, from.0).unwrap_or(0),
        };
        let mut added = false;
        for ((t, id), edge) in [
            (
                from,
                Assoc {
                    to_type: to.0,
                    type_id,
                    to: to.1,
                },
            ),
            (
                to,
                Assoc {
                    to_type: from.0,
                    type_id: back,
                    to: from.1,
                },
            ),
        ] {
            self.table_mut(t).modify(id, |r| {
                if !r.assoc.contains(&edge) {
                    r.assoc.push(edge);
                    r.updated = now;
                    added = true;
                }
            });
        }
        if added {
            changes.push(Change::Association(from.0, from.1));
            changes.push(Change::Association(to.0, to.1));
        }
        Ok(type_id)
    }

    /// Removes every association between two records.
    pub fn dissociate(
        &mut self,
        from: (ObjectType, u64),
        to: (ObjectType, u64),
        now: i64,
        changes: &mut Vec<Change>,
    ) {
        let mut removed = false;
        for ((t, id), (ot, oid)) in [(from, to), (to, from)] {
            self.table_mut(t).modify(id, |r| {
                let before = r.assoc.len();
                r.assoc.retain(|a| !(a.to_type == ot && a.to == oid));
                if r.assoc.len() != before {
                    r.updated = now;
                    removed = true;
                }
            });
        }
        if removed {
            changes.push(Change::Association(from.0, from.1));
            changes.push(Change::Association(to.0, to.1));
        }
    }

    /// Defines a custom property (`POST /crm/v3/properties/{object}`).
    pub fn define_property(
        &mut self,
        t: ObjectType,
        body: &serde_json::Map<String, Value>,
    ) -> Result<u16, (u16, String, &'static str)> {
        let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let name = s("name").ok_or((400, "name is required".to_string(), "VALIDATION_ERROR"))?;
        if self.schema(t).id(&name).is_some() {
            return Err((
                409,
                format!("Property named '{name}' already exists."),
                "OBJECT_ALREADY_EXISTS",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || name.starts_with("hs_")
        {
            return Err((
                400,
                format!("Property name '{name}' is not valid."),
                "VALIDATION_ERROR",
            ));
        }
        let ty_s = s("type").unwrap_or_else(|| "string".into());
        let ty = PropType::parse(&ty_s).ok_or((
            400,
            format!("{ty_s} is not a valid property type"),
            "VALIDATION_ERROR",
        ))?;
        let options = body
            .get("options")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.get("value").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let def = super::schema::PropDef {
            label: s("label").unwrap_or_else(|| name.clone()),
            ty,
            field_type: s("fieldType").unwrap_or_else(|| "text".into()),
            group: s("groupName").unwrap_or_else(|| "ledgerbridge".into()),
            options,
            unique: body
                .get("hasUniqueValue")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            read_only: false,
            computed: None,
            custom: true,
            name,
        };
        Ok(self.schemas[t.index()].add(def))
    }
}

impl Default for Db {
    fn default() -> Self {
        Db::new()
    }
}

/// Stored counts per type, for logs and tests.
pub fn counts(db: &Db) -> HashMap<&'static str, usize> {
    ObjectType::ALL
        .iter()
        .map(|t| (t.name(), db.table(*t).records.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn unknown_property_and_bad_currency_are_validation_errors() {
        let db = Db::new();
        let errs = db
            .validate(
                ObjectType::Deals,
                &obj(json!({"nope": "x", "deal_currency_code": "XYZ"})),
                None,
            )
            .unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
        assert!(codes.contains(&"PROPERTY_DOESNT_EXIST"));
        assert!(codes.contains(&"INVALID_OPTION"));
    }

    #[test]
    fn deals_default_to_the_default_pipeline_and_check_stages() {
        let mut db = Db::new();
        let w = db
            .validate(ObjectType::Deals, &obj(json!({"dealname": "x"})), None)
            .unwrap();
        let mut ch = vec![];
        let id = db.create(ObjectType::Deals, w, 1, &mut ch);
        let s = db.schema(ObjectType::Deals);
        let r = db.table(ObjectType::Deals).get(id).unwrap();
        assert_eq!(r.props.get(s.must("pipeline")), Some("default"));
        assert_eq!(
            r.props.get(s.must("dealstage")),
            Some("appointmentscheduled")
        );
        let bad = db.validate(
            ObjectType::Deals,
            &obj(json!({"pipeline": "24135790"})),
            Some(r),
        );
        assert!(
            bad.is_err(),
            "stage of the old pipeline is not valid in the new one"
        );
    }

    #[test]
    fn associations_are_stored_both_ways_and_bump_lastmodified() {
        let mut db = Db::new();
        let mut ch = vec![];
        let d = db.create(ObjectType::Deals, Writes::default(), 1, &mut ch);
        let c = db.create(ObjectType::Companies, Writes::default(), 1, &mut ch);
        assert_eq!(
            db.associate(
                (ObjectType::Deals, d),
                (ObjectType::Companies, c),
                None,
                9,
                &mut ch
            ),
            Ok(341)
        );
        let dr = db.table(ObjectType::Deals).get(d).unwrap();
        assert_eq!(dr.updated, 9);
        let cr = db.table(ObjectType::Companies).get(c).unwrap();
        assert_eq!(cr.assoc[0].type_id, 342);
        assert!(
            db.associate(
                (ObjectType::Deals, d),
                (ObjectType::Products, 1),
                None,
                9,
                &mut ch
            )
            .is_err()
        );
    }
}
