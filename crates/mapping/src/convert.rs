//! CEL results → typed target values. The only door from an expression to
//! the canonical record, so every type rule is enforced here once.

use cel::Value;
use chrono::NaiveDate;
use ledgerbridge_sdk::model::{Currency, InvoiceStatus, TaxMode};
use rust_decimal::Decimal;

use crate::error::Fail;
use crate::targets::TKind;
use crate::{dates, money};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TVal {
    Str(String),
    Dec(Decimal),
    Date(NaiveDate),
    Cur(Currency),
    Status(InvoiceStatus),
    Tax(TaxMode),
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Int(_) => "an int",
        Value::UInt(_) => "a uint",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::Bool(_) => "a bool",
        Value::Null => "null",
        _ => "a value of another type",
    }
}

/// `None` for null or a blank string: the field is absent.
pub(crate) fn convert(v: &Value, kind: TKind) -> Result<Option<TVal>, Fail> {
    let text: std::borrow::Cow<'_, str> = match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.as_str().into(),
        Value::Int(i) if matches!(kind, TKind::Str | TKind::Dec) => i.to_string().into(),
        Value::Float(_) => {
            return Err(Fail::wrong_type(
                "expected a decimal string, got a float; floats cannot carry money exactly: use dec(\"…\")",
            ));
        }
        other => {
            return Err(Fail::wrong_type(format!(
                "expected {}, got {}",
                expected(kind),
                type_name(other)
            )));
        }
    };
    let t = text.trim();
    Ok(Some(match kind {
        TKind::Str => TVal::Str(t.to_string()),
        TKind::Dec => TVal::Dec(money::parse(t)?),
        TKind::Date => TVal::Date(dates::parse(t)?),
        TKind::Currency => TVal::Cur(Currency::new(t).map_err(|e| Fail::currency(e.to_string()))?),
        TKind::Status => TVal::Status(
            InvoiceStatus::parse(&t.to_ascii_uppercase())
                .filter(|s| {
                    matches!(
                        s,
                        InvoiceStatus::Draft | InvoiceStatus::Submitted | InvoiceStatus::Authorised
                    )
                })
                .ok_or_else(|| {
                    Fail::wrong_type(format!(
                        "{t:?} is not an invoice status (DRAFT, SUBMITTED, AUTHORISED)"
                    ))
                })?,
        ),
        TKind::TaxMode => TVal::Tax(match t.to_ascii_lowercase().as_str() {
            "exclusive" => TaxMode::Exclusive,
            "inclusive" => TaxMode::Inclusive,
            "none" | "notax" | "no_tax" => TaxMode::NoTax,
            _ => {
                return Err(Fail::wrong_type(format!(
                    "{t:?} is not a tax mode (exclusive, inclusive, none)"
                )));
            }
        }),
    }))
}

pub(crate) fn expected(kind: TKind) -> &'static str {
    match kind {
        TKind::Str => "a string",
        TKind::Dec => "a decimal string",
        TKind::Date => "a date",
        TKind::Currency => "a currency code",
        TKind::Status => "an invoice status",
        TKind::TaxMode => "a tax mode",
    }
}

/// A `when` result.
pub(crate) fn boolean(v: &Value) -> Result<bool, Fail> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(Fail::wrong_type(format!(
            "must be true or false, got {}",
            type_name(other)
        ))),
    }
}
