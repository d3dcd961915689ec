//! Checks a parsed query's names and literal types against the org's
//! objects, as Salesforce does before it runs one: unknown objects are
//! `INVALID_TYPE`, unknown fields and mistyped filter values `INVALID_FIELD`.

use rust_decimal::Decimal;
use std::str::FromStr;

use super::SoqlError;
use super::ast::{self, Cmp, Condition, DateRange, Literal, Query, SelectItem};
use crate::sim::ids;
use crate::sim::schema::{ChildRelationship, Field, FieldType, ObjectDef, object_def};

/// A checked field path: the reference fields walked, then the field read.
#[derive(Debug, Clone)]
pub struct FieldPath {
    pub hops: Vec<&'static Field>,
    pub field: &'static Field,
}

#[derive(Debug, Clone)]
pub enum Column {
    Field(FieldPath),
    Children {
        rel: &'static ChildRelationship,
        plan: Box<Plan>,
    },
}

/// A filter value converted to the field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Text(String),
    Number(Decimal),
    Date(chrono::NaiveDate),
    DateTime(chrono::DateTime<chrono::Utc>),
    Range(DateRange),
}

#[derive(Debug, Clone)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(FieldPath, Cmp, Value),
    In(FieldPath, bool, Vec<Value>),
    Like(FieldPath, String),
}

#[derive(Debug, Clone)]
pub struct Order {
    pub path: FieldPath,
    pub ascending: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub object: &'static ObjectDef,
    pub columns: Vec<Column>,
    pub filter: Option<Filter>,
    pub order: Vec<Order>,
    pub limit: Option<u64>,
    pub offset: u64,
}

/// The largest `OFFSET` Salesforce allows.
pub const MAX_OFFSET: u64 = 2000;

pub fn plan(src: &str, q: &Query) -> Result<Plan, SoqlError> {
    let Some(object) = object_def(&q.from) else {
        return Err(SoqlError::at(
            "INVALID_TYPE",
            src,
            q.from_pos,
            &format!(
                "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                q.from
            ),
        ));
    };
    let mut p = plan_for(src, q, object)?;
    if let Some((offset, pos)) = q.offset {
        if offset > MAX_OFFSET {
            return Err(SoqlError::at(
                "NUMBER_OUTSIDE_VALID_RANGE",
                src,
                pos,
                &format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
            ));
        }
        p.offset = offset;
    }
    Ok(p)
}

fn plan_for(src: &str, q: &Query, object: &'static ObjectDef) -> Result<Plan, SoqlError> {
    let mut columns = Vec::new();
    for item in &q.select {
        match item {
            SelectItem::Field(path) => columns.push(Column::Field(resolve(src, object, path)?)),
            SelectItem::Subquery(sub) => {
                let Some(rel) = object.child(&sub.from) else {
                    return Err(SoqlError::at(
                        "INVALID_TYPE",
                        src,
                        sub.from_pos,
                        &format!(
                            "Didn't understand relationship '{}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                            sub.from
                        ),
                    ));
                };
                let child = object_def(rel.child).expect("children name real objects");
                let plan = plan_for(src, sub, child)?;
                columns.push(Column::Children {
                    rel,
                    plan: Box::new(plan),
                });
            }
        }
    }
    let filter = q
        .condition
        .as_ref()
        .map(|c| filter(src, object, c))
        .transpose()?;
    let order = q
        .order_by
        .iter()
        .map(|o| {
            Ok(Order {
                path: resolve(src, object, &o.path)?,
                ascending: o.ascending,
                nulls_first: o.nulls_first,
            })
        })
        .collect::<Result<Vec<_>, SoqlError>>()?;
    Ok(Plan {
        object,
        columns,
        filter,
        order,
        limit: q.limit,
        offset: 0,
    })
}

/// `Account.Owner.Name` from `Opportunity`: each part but the last must be a
/// relationship; a leading object name (`Opportunity.Name`) is allowed.
fn resolve(
    src: &str,
    object: &'static ObjectDef,
    path: &ast::Path,
) -> Result<FieldPath, SoqlError> {
    let mut parts: &[String] = &path.parts;
    if parts.len() > 1
        && parts[0].eq_ignore_ascii_case(object.name)
        && object.relationship(&parts[0]).is_none()
    {
        parts = &parts[1..];
    }
    let mut current = object;
    let mut hops = Vec::new();
    for rel in &parts[..parts.len() - 1] {
        let Some(f) = current.relationship(rel) else {
            return Err(SoqlError::at(
                "INVALID_FIELD",
                src,
                path.pos,
                &format!(
                    "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
                ),
            ));
        };
        hops.push(f);
        // polymorphic references (What, Who) resolve against their first
        // target; the fields SOQL allows on them (Id, Name) exist on each
        current = object_def(f.reference_to[0]).expect("references name real objects");
    }
    let last = &parts[parts.len() - 1];
    let Some(field) = current.field(last) else {
        return Err(SoqlError::at(
            "INVALID_FIELD",
            src,
            path.pos,
            &format!(
                "No such column '{last}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                current.name
            ),
        ));
    };
    Ok(FieldPath { hops, field })
}

fn filter(src: &str, object: &'static ObjectDef, c: &Condition) -> Result<Filter, SoqlError> {
    Ok(match c {
        Condition::And(v) => Filter::And(
            v.iter()
                .map(|c| filter(src, object, c))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Or(v) => Filter::Or(
            v.iter()
                .map(|c| filter(src, object, c))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Not(c) => Filter::Not(Box::new(filter(src, object, c)?)),
        Condition::Compare {
            path,
            op,
            value,
            value_pos,
        } => {
            let fp = resolve(src, object, path)?;
            let v = typed(src, fp.field, value, *value_pos)?;
            if matches!(v, Value::Bool(_) | Value::Null) && !matches!(op, Cmp::Eq | Cmp::Ne) {
                return Err(SoqlError::at(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    src,
                    *value_pos,
                    "invalid operator on boolean or null",
                ));
            }
            Filter::Compare(fp, *op, v)
        }
        Condition::In {
            path,
            negated,
            values,
        } => {
            let fp = resolve(src, object, path)?;
            let vs = values
                .iter()
                .map(|(l, pos)| typed(src, fp.field, l, *pos))
                .collect::<Result<Vec<_>, _>>()?;
            Filter::In(fp, *negated, vs)
        }
        Condition::Like {
            path,
            pattern,
            pattern_pos,
        } => {
            let fp = resolve(src, object, path)?;
            if !fp.field.kind.is_text() {
                return Err(SoqlError::at(
                    "INVALID_FIELD",
                    src,
                    *pattern_pos,
                    &format!(
                        "invalid operator on field '{}' of type {}",
                        fp.field.name,
                        fp.field.kind.name()
                    ),
                ));
            }
            Filter::Like(fp, pattern.clone())
        }
    })
}

fn type_error(src: &str, field: &Field, pos: usize, quoted: bool) -> SoqlError {
    let ty = match field.kind {
        FieldType::Date => "date",
        FieldType::DateTime => "dateTime",
        FieldType::Boolean => "boolean",
        FieldType::Int => "int",
        k if k.is_decimal() => "double",
        _ => "string",
    };
    let how = if quoted {
        "should be enclosed in quotes"
    } else {
        "should not be enclosed in quotes"
    };
    SoqlError::at(
        "INVALID_FIELD",
        src,
        pos,
        &format!(
            "value of filter criterion for field '{}' must be of type {ty} and {how}",
            field.name
        ),
    )
}

/// A literal as the field's type, or the error Salesforce gives for a
/// mismatch (quoted numbers, unquoted strings, dates on datetime fields).
fn typed(src: &str, field: &Field, lit: &Literal, pos: usize) -> Result<Value, SoqlError> {
    use FieldType as T;
    let kind = field.kind;
    Ok(match (kind, lit) {
        (_, Literal::Null) => Value::Null,
        (T::Id | T::Reference, Literal::Str(s)) => match ids::normalise(s) {
            Some(id) => Value::Text(id),
            None => {
                return Err(SoqlError::at(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    src,
                    pos,
                    &format!("invalid ID field: {s}"),
                ));
            }
        },
        (k, Literal::Str(s)) if k.is_text() => Value::Text(s.clone()),
        (k, _) if k.is_text() => return Err(type_error(src, field, pos, true)),
        (T::Boolean, Literal::Bool(b)) => Value::Bool(*b),
        (k, Literal::Num(n)) if k.is_decimal() || k == T::Int => {
            Value::Number(Decimal::from_str(n).map_err(|_| type_error(src, field, pos, false))?)
        }
        (T::Date, Literal::Date(d)) => Value::Date(*d),
        (T::DateTime, Literal::DateTime(t)) => Value::DateTime(*t),
        (T::Date | T::DateTime, Literal::Range(r)) => Value::Range(*r),
        _ => return Err(type_error(src, field, pos, false)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::soql::parse;

    fn planned(src: &str) -> Result<Plan, SoqlError> {
        plan(src, &parse(src)?)
    }

    #[test]
    fn resolves_relationships_and_children() {
        let p = planned(
            "SELECT Id, Account.Owner.Name, (SELECT Quantity, PricebookEntry.Product2.ProductCode FROM OpportunityLineItems) FROM Opportunity",
        )
        .unwrap();
        let Column::Field(fp) = &p.columns[1] else {
            panic!()
        };
        assert_eq!(fp.hops.len(), 2);
        assert_eq!(fp.field.name, "Name");
        assert!(
            matches!(&p.columns[2], Column::Children { rel, .. } if rel.child == "OpportunityLineItem")
        );
    }

    #[test]
    fn names_are_checked() {
        let e = planned("SELECT Id FROM Acount").unwrap_err();
        assert_eq!(e.code, "INVALID_TYPE");
        let e = planned("SELECT Idd FROM Account").unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
        assert!(
            e.message
                .contains("No such column 'Idd' on entity 'Account'")
        );
        assert!(e.message.contains("Row:1:Column:8"));
        let e = planned("SELECT Id, (SELECT Id FROM LineItems) FROM Opportunity").unwrap_err();
        assert_eq!(e.code, "INVALID_TYPE");
        let e = planned("SELECT Foo.Name FROM Opportunity").unwrap_err();
        assert_eq!(e.code, "INVALID_FIELD");
    }

    #[test]
    fn literal_types_are_checked() {
        for bad in [
            "SELECT Id FROM Opportunity WHERE Amount > '5'",
            "SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'",
            "SELECT Id FROM Opportunity WHERE CreatedDate > 2026-01-01",
            "SELECT Id FROM Opportunity WHERE Name = 5",
            "SELECT Id FROM Opportunity WHERE Amount LIKE '5%'",
        ] {
            assert_eq!(planned(bad).unwrap_err().code, "INVALID_FIELD", "{bad}");
        }
        assert_eq!(
            planned("SELECT Id FROM Opportunity WHERE Id = 'nope'")
                .unwrap_err()
                .code,
            "INVALID_QUERY_FILTER_OPERATOR"
        );
        assert_eq!(
            planned("SELECT Id FROM Account OFFSET 2001")
                .unwrap_err()
                .code,
            "NUMBER_OUTSIDE_VALID_RANGE"
        );
        assert!(planned("SELECT Id FROM Opportunity WHERE CreatedDate > 2026-01-01T00:00:00Z AND CloseDate = TODAY").is_ok());
    }
}
