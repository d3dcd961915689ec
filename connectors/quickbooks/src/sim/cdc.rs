//! Change data capture: `GET /cdc?entities=A,B&changedSince=T` answers with
//! every object of those entities changed at or after T, deleted ones as
//! `{"Id", "status": "Deleted"}`; at most 1,000 per entity, oldest first;
//! T at most 30 days back.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::refusals;
use super::store::Store;
use crate::wire::time::{format_time, parse_time};
use crate::wire::{Fault, canonical_entity};

pub const MAX_PER_ENTITY: usize = 1000;
pub const LOOK_BACK_DAYS: i64 = 30;

pub fn run(
    books: &Store,
    entities: Option<&str>,
    changed_since: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Value, Fault> {
    let entities = entities
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| refusals::missing("entities"))?;
    let since_text = changed_since.ok_or_else(|| refusals::missing("changedSince"))?;
    let since = parse_time(since_text)
        .ok_or_else(|| refusals::invalid_value("changedSince", since_text))?;
    if since < now - Duration::days(LOOK_BACK_DAYS) {
        return Err(refusals::query_invalid(format!(
            "changedSince {since_text} is more than {LOOK_BACK_DAYS} days ago; change data capture looks back at most {LOOK_BACK_DAYS} days"
        ))
        .at("changedSince"));
    }
    let mut responses = Vec::new();
    for name in entities.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let entity =
            canonical_entity(name).ok_or_else(|| refusals::invalid_value("entities", name))?;
        let mut changed: Vec<(DateTime<Utc>, Value)> = books
            .all(entity)
            .filter_map(|o| {
                let t = parse_time(o["MetaData"]["LastUpdatedTime"].as_str()?)?;
                (t >= since).then(|| (t, o.clone()))
            })
            .collect();
        for t in books.tombstones(entity).iter().filter(|t| t.at >= since) {
            changed.push((
                t.at,
                json!({"domain": "QBO", "status": "Deleted", "Id": t.id.to_string(),
                    "MetaData": {"LastUpdatedTime": format_time(t.at)}}),
            ));
        }
        changed.sort_by_key(|(t, _)| *t);
        let objs: Vec<Value> = changed
            .into_iter()
            .take(MAX_PER_ENTITY)
            .map(|(_, o)| o)
            .collect();
        let n = objs.len();
        let mut qr = json!({"startPosition": 1, "maxResults": n, "totalCount": n});
        if n > 0 {
            qr[entity] = Value::Array(objs);
        }
        responses.push(qr);
    }
    Ok(json!({"CDCResponse": [{"QueryResponse": responses}], "time": format_time(now)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_1000_per_entity_oldest_first() {
        let mut books = Store::default();
        let start = Utc::now();
        for i in 0..1005 {
            books.insert_new(
                "Customer",
                json!({"DisplayName": format!("c{i}")}),
                start + Duration::milliseconds(i),
            );
        }
        let v = run(&books, Some("Customer"), Some(&format_time(start)), start).unwrap();
        let qr = &v["CDCResponse"][0]["QueryResponse"][0];
        assert_eq!(qr["Customer"].as_array().unwrap().len(), MAX_PER_ENTITY);
        assert_eq!(qr["Customer"][0]["DisplayName"], "c0");
        let old = format_time(start - Duration::days(LOOK_BACK_DAYS) - Duration::seconds(1));
        assert!(run(&books, Some("Customer"), Some(&old), start).is_err());
        let edge = format_time(start - Duration::days(LOOK_BACK_DAYS) + Duration::seconds(1));
        assert!(run(&books, Some("Customer"), Some(&edge), start).is_ok());
    }
}
