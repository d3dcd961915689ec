//! The parsed form of a SOQL query, before names are checked.

use chrono::{DateTime, NaiveDate, Utc};

/// `Account.Owner.Name` with the offset of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub parts: Vec<String>,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(Path),
    /// `(SELECT … FROM OpportunityLineItems …)`
    Subquery(Box<Query>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: String,
    pub from_pos: usize,
    pub condition: Option<Condition>,
    pub order_by: Vec<OrderBy>,
    pub limit: Option<u64>,
    pub offset: Option<(u64, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Salesforce's relative date literals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateRange {
    Today,
    Yesterday,
    Tomorrow,
    LastNDays(u32),
    NextNDays(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Str(String),
    Num(String),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Range(DateRange),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        path: Path,
        op: Cmp,
        value: Literal,
        value_pos: usize,
    },
    In {
        path: Path,
        negated: bool,
        values: Vec<(Literal, usize)>,
    },
    Like {
        path: Path,
        pattern: String,
        pattern_pos: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub path: Path,
    pub ascending: bool,
    pub nulls_first: bool,
}
