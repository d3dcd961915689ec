//! Run-time mapping errors: typed, carrying where they happened, and safe to
//! log. The pipeline turns every one into a dead letter; nothing is skipped
//! silently and nothing panics.
//!
//! Redaction: record values (names, emails, amounts) must not reach logs.
//! `Display` (and [`MapError::reason`]) therefore show the reason with every
//! quoted value and every number taken from the record replaced by `…`.
//! [`MapError::detail`] keeps the unredacted text for the dead-letter reason
//! only, which is stored in our own database and shown to the admin who has
//! to fix the record; it must never be passed to `tracing`.

use std::fmt;

use cel::ExecutionError;

/// What kind of problem a record hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapErrorKind {
    /// A value the mapping needs is absent (null / empty).
    MissingValue,
    /// A value is not a decimal number (or arithmetic failed).
    NotANumber,
    /// A value is not a date.
    NotADate,
    /// A currency code is not ISO 4217.
    BadCurrency,
    /// `lookup(table, key)` without default found no entry.
    UnknownTableKey,
    /// A negative amount where only positive ones are allowed.
    NegativeAmount,
    /// An expression produced a value of the wrong type for its target field.
    WrongType,
    /// Neither company, nor contact, nor the pair's `fallback_customer`.
    NoCustomer,
    /// Any other expression failure.
    Expression,
}

impl MapErrorKind {
    fn code(self) -> &'static str {
        match self {
            MapErrorKind::MissingValue => "missing",
            MapErrorKind::NotANumber => "nan",
            MapErrorKind::NotADate => "date",
            MapErrorKind::BadCurrency => "currency",
            MapErrorKind::UnknownTableKey => "table",
            MapErrorKind::NegativeAmount => "negative",
            MapErrorKind::WrongType => "type",
            MapErrorKind::NoCustomer => "customer",
            MapErrorKind::Expression => "expr",
        }
    }

    fn from_code(c: &str) -> Option<Self> {
        use MapErrorKind::*;
        [
            MissingValue,
            NotANumber,
            NotADate,
            BadCurrency,
            UnknownTableKey,
            NegativeAmount,
            WrongType,
            NoCustomer,
            Expression,
        ]
        .into_iter()
        .find(|k| k.code() == c)
    }
}

/// A failure inside one of our functions or conversions, before we know
/// which record and field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    pub kind: MapErrorKind,
    /// Unredacted; values are quoted (`{:?}`) so redaction can find them.
    pub detail: String,
}

const SEP: char = '\u{1f}';

impl Fail {
    pub fn new(kind: MapErrorKind, detail: impl Into<String>) -> Self {
        Fail {
            kind,
            detail: detail.into(),
        }
    }
    pub fn missing(d: impl Into<String>) -> Self {
        Fail::new(MapErrorKind::MissingValue, d)
    }
    pub fn not_a_number(d: impl Into<String>) -> Self {
        Fail::new(MapErrorKind::NotANumber, d)
    }
    pub fn not_a_date(d: impl Into<String>) -> Self {
        Fail::new(MapErrorKind::NotADate, d)
    }
    pub fn currency(d: impl Into<String>) -> Self {
        Fail::new(MapErrorKind::BadCurrency, d)
    }
    pub fn wrong_type(d: impl Into<String>) -> Self {
        Fail::new(MapErrorKind::WrongType, d)
    }

    /// Packs the kind into a CEL function error so it survives the interpreter.
    pub fn into_cel(self, function: &str) -> ExecutionError {
        ExecutionError::function_error(
            function,
            format!("{}{SEP}{}", self.kind.code(), self.detail),
        )
    }

    /// Recovers the kind from an interpreter error (ours or CEL's own).
    pub fn from_cel(e: &ExecutionError) -> Fail {
        if let ExecutionError::FunctionError { function, message } = e
            && let Some((code, detail)) = message.split_once(SEP)
            && let Some(kind) = MapErrorKind::from_code(code)
        {
            return Fail::new(kind, format!("{function}(): {detail}"));
        }
        let text = e.to_string();
        let kind = if text.contains("Null") || text.contains("null") {
            MapErrorKind::MissingValue
        } else {
            MapErrorKind::Expression
        };
        Fail::new(kind, text)
    }
}

/// A record the mapping cannot convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    /// The source record (`deal:123`).
    pub record_key: String,
    /// The mapping file (path as loaded).
    pub mapping: String,
    /// The target field, or the mapping key (`when`, `key`, `lines[0].quantity`).
    pub field: String,
    pub kind: MapErrorKind,
    /// Unredacted reason: for the dead letter only, never for logs.
    pub detail: String,
}

impl MapError {
    pub(crate) fn new(record_key: &str, mapping: &str, field: &str, fail: Fail) -> Self {
        MapError {
            record_key: record_key.to_string(),
            mapping: mapping.to_string(),
            field: field.to_string(),
            kind: fail.kind,
            detail: fail.detail,
        }
    }

    /// The reason with record values redacted: safe for logs.
    pub fn reason(&self) -> String {
        redact(&self.detail)
    }

    /// The dead-letter reason shown to the admin: unredacted.
    pub fn dead_letter_reason(&self) -> String {
        format!(
            "{} {}: {}: {}",
            self.mapping, self.record_key, self.field, self.detail
        )
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}: {}",
            self.mapping,
            self.record_key,
            self.field,
            self.reason()
        )
    }
}

impl std::error::Error for MapError {}

/// Replaces quoted strings and the numbers CEL prints inside `Int(..)`,
/// `UInt(..)` and `Float(..)` with `…`.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            out.push_str("\"…\"");
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    break;
                }
            }
            continue;
        }
        out.push(c);
        if c == '(' && (out.ends_with("Int(") || out.ends_with("Float(")) {
            while chars.peek().is_some_and(|d| *d != ')') {
                chars.next();
            }
            out.push('…');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_values() {
        assert_eq!(
            redact(r#"dec(): "12,50" is not a decimal"#),
            r#"dec(): "…" is not a decimal"#
        );
        assert_eq!(
            redact(r#"Unsupported binary operator 'add': String("a\"b"), Int(5)"#),
            r#"Unsupported binary operator 'add': String("…"), Int(…)"#
        );
    }

    #[test]
    fn kinds_survive_the_interpreter() {
        let e = Fail::not_a_number("\"x\" is not a decimal number").into_cel("dec");
        let f = Fail::from_cel(&e);
        assert_eq!(f.kind, MapErrorKind::NotANumber);
        assert_eq!(f.detail, "dec(): \"x\" is not a decimal number");
    }
}
