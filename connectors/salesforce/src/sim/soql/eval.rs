//! Runs a checked query against the org: filter, sort, offset and limit,
//! then renders each row as the REST API does, with `attributes`, nested
//! parent records and child subquery results.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value as Json, json};

use super::ast::{Cmp, DateRange};
use super::plan::{Column, FieldPath, Filter, Order, Plan, Value};
use crate::sim::record::Record;
use crate::sim::schema::{FieldType, object_of_id};
use crate::sim::store::Db;
use crate::sim::value::FieldValue;

/// What a query runs with.
pub struct Context<'a> {
    pub db: &'a Db,
    pub now: DateTime<Utc>,
    /// `queryAll`: rows in the recycle bin too.
    pub include_deleted: bool,
    /// `v66.0`, for the `attributes.url` of every row.
    pub version: &'a str,
}

/// Rows of a top-level query, rendered.
pub fn run(ctx: &Context, plan: &Plan) -> Vec<Json> {
    let table = ctx.db.table(plan.object.name);
    let rows: Vec<&Record> = table
        .records
        .iter()
        .filter(|r| ctx.include_deleted || !r.is_deleted())
        .filter(|r| plan.filter.as_ref().is_none_or(|f| matches(ctx, r, f)))
        .collect();
    select(ctx, plan, rows)
}

fn select(ctx: &Context, plan: &Plan, mut rows: Vec<&Record>) -> Vec<Json> {
    if !plan.order.is_empty() {
        rows.sort_by(|a, b| compare_rows(ctx, &plan.order, a, b));
    }
    let offset = plan.offset as usize;
    let limit = plan.limit.map_or(usize::MAX, |l| l as usize);
    rows.into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| render(ctx, plan, r))
        .collect()
}

pub fn attributes(object: &str, id: &str, version: &str) -> Json {
    json!({"type": object, "url": format!("/services/data/{version}/sobjects/{object}/{id}")})
}

fn render(ctx: &Context, plan: &Plan, r: &Record) -> Json {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        attributes(plan.object.name, &r.id, ctx.version),
    );
    for col in &plan.columns {
        match col {
            Column::Field(fp) => put_path(ctx, &mut out, r, fp, 0),
            Column::Children { rel, plan: sub } => {
                let children: Vec<&Record> = ctx
                    .db
                    .table(rel.child)
                    .records
                    .iter()
                    .filter(|c| ctx.include_deleted || !c.is_deleted())
                    .filter(|c| c.text(rel.field) == Some(r.id.as_str()))
                    .filter(|c| sub.filter.as_ref().is_none_or(|f| matches(ctx, c, f)))
                    .collect();
                let rendered = select(ctx, sub, children);
                let value = if rendered.is_empty() {
                    Json::Null
                } else {
                    json!({"totalSize": rendered.len(), "done": true, "records": rendered})
                };
                out.insert(rel.name.to_string(), value);
            }
        }
    }
    Json::Object(out)
}

/// Writes one selected path into a row: parents become nested records with
/// their own `attributes`, or `null` when the reference is empty.
fn put_path(ctx: &Context, out: &mut Map<String, Json>, r: &Record, fp: &FieldPath, hop: usize) {
    if hop == fp.hops.len() {
        out.insert(fp.field.name.to_string(), r.get(fp.field.name).to_json());
        return;
    }
    let rel = fp.hops[hop];
    let key = rel
        .relationship
        .expect("hops are relationships")
        .to_string();
    let parent = r
        .text(rel.name)
        .and_then(|id| ctx.db.by_id(id))
        .filter(|p| ctx.include_deleted || !p.is_deleted());
    let Some(parent) = parent else {
        out.entry(key).or_insert(Json::Null);
        return;
    };
    let entry = out.entry(key).or_insert_with(|| {
        let object = object_of_id(&parent.id).map_or("", |o| o.name);
        json!({"attributes": attributes(object, &parent.id, ctx.version)})
    });
    if let Json::Object(m) = entry {
        put_path(ctx, m, parent, fp, hop + 1);
    }
}

/// The value a path reads on a row (null when a reference on the way is).
fn read<'a>(ctx: &'a Context, r: &'a Record, fp: &FieldPath) -> &'a FieldValue {
    static NULL: FieldValue = FieldValue::Null;
    let mut current = r;
    for hop in &fp.hops {
        match current.text(hop.name).and_then(|id| ctx.db.by_id(id)) {
            Some(p) => current = p,
            None => return &NULL,
        }
    }
    current.get(fp.field.name)
}

fn compare_values(a: &FieldValue, b: &FieldValue) -> Ordering {
    use FieldValue as F;
    match (a, b) {
        (F::Text(x), F::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (F::Bool(x), F::Bool(y)) => x.cmp(y),
        (F::Date(x), F::Date(y)) => x.cmp(y),
        (F::DateTime(x), F::DateTime(y)) => x.cmp(y),
        _ => match (a.as_decimal(), b.as_decimal()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
    }
}

fn compare_rows(ctx: &Context, order: &[Order], a: &Record, b: &Record) -> Ordering {
    for o in order {
        let (x, y) = (read(ctx, a, &o.path), read(ctx, b, &o.path));
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if o.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if o.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let c = if o.path.field.kind.is_text()
                    && !matches!(o.path.field.kind, FieldType::Id | FieldType::Reference)
                {
                    compare_values(x, y)
                } else {
                    // ids sort by their characters: base-62 digits in ASCII order
                    match (x, y) {
                        (FieldValue::Text(a), FieldValue::Text(b)) => a.cmp(b),
                        _ => compare_values(x, y),
                    }
                };
                if o.ascending { c } else { c.reverse() }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// The days a relative date literal covers, first and last inclusive.
fn range_days(today: NaiveDate, r: DateRange) -> (NaiveDate, NaiveDate) {
    let day = Duration::days(1);
    match r {
        DateRange::Today => (today, today),
        DateRange::Yesterday => (today - day, today - day),
        DateRange::Tomorrow => (today + day, today + day),
        // Salesforce counts today as one of the n days
        DateRange::LastNDays(n) => (today - Duration::days(i64::from(n)), today),
        DateRange::NextNDays(n) => (today + day, today + Duration::days(i64::from(n))),
    }
}

/// `field op range`: `=` inside, `<` before its first day, `>` after its
/// last, and so on, for date and datetime fields alike.
fn compare_range(ctx: &Context, v: &FieldValue, op: Cmp, r: DateRange) -> bool {
    let day = match v {
        FieldValue::Date(d) => *d,
        FieldValue::DateTime(t) => t.date_naive(),
        _ => return false,
    };
    let (first, last) = range_days(ctx.now.date_naive(), r);
    match op {
        Cmp::Eq => day >= first && day <= last,
        Cmp::Ne => day < first || day > last,
        Cmp::Lt => day < first,
        Cmp::Le => day <= last,
        Cmp::Gt => day > last,
        Cmp::Ge => day >= first,
    }
}

fn value_cmp(stored: &FieldValue, v: &Value) -> Option<Ordering> {
    use FieldValue as F;
    Some(match (stored, v) {
        (F::Text(a), Value::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
        (F::Bool(a), Value::Bool(b)) => a.cmp(b),
        (F::Date(a), Value::Date(b)) => a.cmp(b),
        (F::DateTime(a), Value::DateTime(b)) => a.cmp(b),
        (s, Value::Number(b)) => s.as_decimal()?.cmp(b),
        _ => return None,
    })
}

fn matches(ctx: &Context, r: &Record, f: &Filter) -> bool {
    match f {
        Filter::And(v) => v.iter().all(|f| matches(ctx, r, f)),
        Filter::Or(v) => v.iter().any(|f| matches(ctx, r, f)),
        Filter::Not(f) => !matches(ctx, r, f),
        Filter::Compare(fp, op, value) => {
            let stored = read(ctx, r, fp);
            match value {
                Value::Null => match op {
                    Cmp::Eq => stored.is_null(),
                    _ => !stored.is_null(),
                },
                _ if stored.is_null() => matches!(op, Cmp::Ne),
                Value::Range(range) => compare_range(ctx, stored, *op, *range),
                _ => match value_cmp(stored, value) {
                    None => matches!(op, Cmp::Ne),
                    Some(o) => match op {
                        Cmp::Eq => o == Ordering::Equal,
                        Cmp::Ne => o != Ordering::Equal,
                        Cmp::Lt => o == Ordering::Less,
                        Cmp::Le => o != Ordering::Greater,
                        Cmp::Gt => o == Ordering::Greater,
                        Cmp::Ge => o != Ordering::Less,
                    },
                },
            }
        }
        Filter::In(fp, negated, values) => {
            let stored = read(ctx, r, fp);
            let hit = values.iter().any(|v| match v {
                Value::Null => stored.is_null(),
                _ => value_cmp(stored, v) == Some(Ordering::Equal),
            });
            hit != *negated
        }
        Filter::Like(fp, pattern) => read(ctx, r, fp).as_text().is_some_and(|s| like(pattern, s)),
    }
}

/// SOQL `LIKE`: `%` any run, `_` one character, `\%`/`\_` literal,
/// case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut pat = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pat.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Lit(chars.next().unwrap_or('\\')),
            c => P::Lit(c),
        });
    }
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    // dynamic programming over (pattern, text) prefixes
    let mut dp = vec![false; text.len() + 1];
    dp[0] = true;
    for p in &pat {
        let mut next = vec![false; text.len() + 1];
        match p {
            P::Any => {
                let mut seen = false;
                for i in 0..=text.len() {
                    seen |= dp[i];
                    next[i] = seen;
                }
            }
            P::One => {
                next[1..].copy_from_slice(&dp[..text.len()]);
            }
            P::Lit(c) => {
                for i in 0..text.len() {
                    next[i + 1] = dp[i] && text[i] == lower(*c);
                }
            }
        }
        dp = next;
    }
    dp[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards() {
        assert!(like("Acme%", "ACME Ltd"));
        assert!(like("%ltd", "Acme Ltd"));
        assert!(like("A_me%", "Acme"));
        assert!(!like("A_me", "Acmee"));
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
    }

    #[test]
    fn relative_ranges_include_today() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(
            range_days(today, DateRange::LastNDays(3)),
            (NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(), today)
        );
    }
}
