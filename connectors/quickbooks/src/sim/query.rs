//! The query language subset real clients use:
//! `SELECT * | COUNT(*) FROM Entity [WHERE cond [AND cond]...]
//!  [ORDERBY field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]`,
//! with conditions `field op value` (`=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`
//! with `%`) and `field IN (v, ...)`. Keywords and entity names match without
//! case; `STARTPOSITION` is 1-based and `MAXRESULTS` at most 1000.

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::refusals;
use super::store::Store;
use crate::wire::time::parse_time;
use crate::wire::{Fault, canonical_entity};

pub const MAX_RESULTS: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(Decimal),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Compare {
        field: String,
        op: String,
        value: Literal,
    },
    In {
        field: String,
        values: Vec<Literal>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub entity: &'static str,
    pub count: bool,
    pub conds: Vec<Cond>,
    pub order: Vec<(String, bool)>,
    pub start: usize,
    pub max: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Text(String),
    Sym(String),
}

fn tokens(s: &str) -> Result<Vec<Tok>, Fault> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some('\\') => text.extend(chars.next()),
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        text.push('\'');
                    }
                    Some('\'') => break,
                    Some(c) => text.push(c),
                    None => return Err(refusals::query_parse("unterminated string literal")),
                }
            }
            out.push(Tok::Text(text));
        } else if "<>!=".contains(c) {
            let mut op = String::from(c);
            chars.next();
            if chars.peek() == Some(&'=') || (c == '<' && chars.peek() == Some(&'>')) {
                op.extend(chars.next());
            }
            out.push(Tok::Sym(op));
        } else if "(),*".contains(c) {
            chars.next();
            out.push(Tok::Sym(c.to_string()));
        } else {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || "._-:+".contains(c) {
                    w.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if w.is_empty() {
                return Err(refusals::query_parse(format!("unexpected character {c:?}")));
            }
            out.push(Tok::Word(w));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), Fault> {
        if self.peek_kw(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(refusals::query_parse(format!(
                "expected {kw} at token {}",
                self.pos + 1
            )))
        }
    }
    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.toks.get(self.pos), Some(Tok::Sym(x)) if x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn word(&mut self) -> Result<String, Fault> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => {
                self.pos += 1;
                Ok(w.clone())
            }
            other => Err(refusals::query_parse(format!(
                "expected a name, found {other:?}"
            ))),
        }
    }
    fn literal(&mut self) -> Result<Literal, Fault> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match t {
            Some(Tok::Text(s)) => Ok(Literal::Text(s)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Tok::Word(w)) => Decimal::from_str(&w)
                .map(Literal::Number)
                .map_err(|_| refusals::query_parse(format!("expected a value, found {w}"))),
            other => Err(refusals::query_parse(format!(
                "expected a value, found {other:?}"
            ))),
        }
    }
    fn number(&mut self, what: &str) -> Result<usize, Fault> {
        let w = self.word()?;
        w.parse()
            .map_err(|_| refusals::query_parse(format!("{what} needs a whole number, found {w}")))
    }
}

pub fn parse(text: &str) -> Result<Query, Fault> {
    let mut p = Parser {
        toks: tokens(text)?,
        pos: 0,
    };
    p.expect_kw("select")?;
    let count = if p.sym("*") {
        false
    } else if p.peek_kw("count") {
        p.pos += 1;
        if !(p.sym("(") && p.sym("*") && p.sym(")")) {
            return Err(refusals::query_parse("expected COUNT(*)"));
        }
        true
    } else {
        // a field list: QuickBooks answers with whole objects anyway
        loop {
            p.word()?;
            if !p.sym(",") {
                break;
            }
        }
        false
    };
    p.expect_kw("from")?;
    let name = p.word()?;
    let entity = canonical_entity(&name)
        .ok_or_else(|| refusals::query_invalid(format!("Invalid context declaration : {name}")))?;
    let mut q = Query {
        entity,
        count,
        conds: Vec::new(),
        order: Vec::new(),
        start: 1,
        max: 100,
    };
    if p.peek_kw("where") {
        p.pos += 1;
        loop {
            let field = p.word()?;
            if p.peek_kw("in") {
                p.pos += 1;
                if !p.sym("(") {
                    return Err(refusals::query_parse("expected ( after IN"));
                }
                let mut values = vec![p.literal()?];
                while p.sym(",") {
                    values.push(p.literal()?);
                }
                if !p.sym(")") {
                    return Err(refusals::query_parse("expected ) closing IN"));
                }
                q.conds.push(Cond::In { field, values });
            } else {
                let op = match p.toks.get(p.pos).cloned() {
                    Some(Tok::Sym(s))
                        if ["=", "!=", "<>", "<", "<=", ">", ">="].contains(&s.as_str()) =>
                    {
                        s
                    }
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => "like".into(),
                    other => {
                        return Err(refusals::query_parse(format!(
                            "expected an operator after {field}, found {other:?}"
                        )));
                    }
                };
                p.pos += 1;
                let value = p.literal()?;
                q.conds.push(Cond::Compare { field, op, value });
            }
            if p.peek_kw("and") {
                p.pos += 1;
            } else {
                break;
            }
        }
    }
    loop {
        if p.peek_kw("orderby") || p.peek_kw("order") {
            if p.peek_kw("order") {
                p.pos += 1;
                p.expect_kw("by")?;
            } else {
                p.pos += 1;
            }
            loop {
                let field = p.word()?;
                let desc = if p.peek_kw("desc") {
                    p.pos += 1;
                    true
                } else {
                    if p.peek_kw("asc") {
                        p.pos += 1;
                    }
                    false
                };
                q.order.push((field, desc));
                if !p.sym(",") {
                    break;
                }
            }
        } else if p.peek_kw("startposition") {
            p.pos += 1;
            q.start = p.number("STARTPOSITION")?.max(1);
        } else if p.peek_kw("maxresults") {
            p.pos += 1;
            q.max = p.number("MAXRESULTS")?;
            if q.max > MAX_RESULTS {
                return Err(refusals::query_invalid(format!(
                    "value {} is too large. Max allowed value is {MAX_RESULTS}",
                    q.max
                )));
            }
        } else {
            break;
        }
    }
    if p.pos != p.toks.len() {
        return Err(refusals::query_parse(format!(
            "unexpected {:?}",
            p.toks[p.pos]
        )));
    }
    Ok(q)
}

/// The value at a dotted path (`MetaData.LastUpdatedTime`); a reference
/// compares by its `value`.
fn field<'a>(obj: &'a Value, path: &str) -> &'a Value {
    let mut v = obj;
    for part in path.split('.') {
        v = match v
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)))
        {
            Some((_, x)) => x,
            None => return &Value::Null,
        };
    }
    if v.is_object() && !v["value"].is_null() {
        &v["value"]
    } else {
        v
    }
}

fn compare(v: &Value, lit: &Literal) -> Option<Ordering> {
    match (v, lit) {
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::String(s), Literal::Bool(b)) => Some(if s.eq_ignore_ascii_case(&b.to_string()) {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        (Value::Number(n), Literal::Number(d)) => {
            Decimal::from_str(&n.to_string()).ok().map(|x| x.cmp(d))
        }
        (Value::Number(n), Literal::Text(t)) => {
            let (a, b) = (
                Decimal::from_str(&n.to_string()).ok()?,
                Decimal::from_str(t).ok()?,
            );
            Some(a.cmp(&b))
        }
        (Value::String(s), Literal::Number(d)) => Decimal::from_str(s).ok().map(|x| x.cmp(d)),
        (Value::String(s), Literal::Text(t)) => {
            if let (Some(a), Some(b)) = (
                parse_time(s).filter(|_| s.len() > 10),
                parse_time(t).filter(|_| t.len() > 10),
            ) {
                return Some(a.cmp(&b));
            }
            if let (Ok(a), Ok(b)) = (s.parse::<u64>(), t.parse::<u64>()) {
                return Some(a.cmp(&b));
            }
            Some(s.cmp(t))
        }
        _ => None,
    }
}

fn like(v: &Value, pattern: &str) -> bool {
    let Some(s) = v.as_str() else { return false };
    let (s, pattern) = (s.to_lowercase(), pattern.to_lowercase());
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return s == pattern;
    }
    let mut rest = s.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn matches(obj: &Value, cond: &Cond) -> bool {
    let (Cond::In { field: f, .. } | Cond::Compare { field: f, .. }) = cond;
    // a path through a list (`AttachableRef.EntityRef.value`) matches when any entry does
    let found = values(obj, f);
    if found.is_empty() {
        return matches_one(&Value::Null, cond);
    }
    found.into_iter().any(|v| matches_one(v, cond))
}

/// Every value at a dotted path, stepping into each entry of a list on the way.
fn values<'a>(obj: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut at = vec![obj];
    for part in path.split('.') {
        at = at
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                other => vec![other],
            })
            .filter_map(|v| {
                v.as_object()
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)))
                    .map(|(_, x)| x)
            })
            .collect();
    }
    at.into_iter()
        .map(|v| {
            if v.is_object() && !v["value"].is_null() {
                &v["value"]
            } else {
                v
            }
        })
        .collect()
}

fn matches_one(v: &Value, cond: &Cond) -> bool {
    match cond {
        Cond::In { values, .. } => values
            .iter()
            .any(|l| compare(v, l) == Some(Ordering::Equal)),
        Cond::Compare { op, value, .. } => {
            if op == "like" {
                return matches!(value, Literal::Text(p) if like(v, p));
            }
            let Some(o) = compare(v, value) else {
                return op == "!=" || op == "<>";
            };
            match op.as_str() {
                "=" => o == Ordering::Equal,
                "!=" | "<>" => o != Ordering::Equal,
                "<" => o == Ordering::Less,
                "<=" => o != Ordering::Greater,
                ">" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }
        }
    }
}

/// Name lists answer with active objects unless the query asks about `Active`.
fn active_only(q: &Query) -> bool {
    let about_active = q.conds.iter().any(|c| match c {
        Cond::Compare { field, .. } | Cond::In { field, .. } => {
            field.eq_ignore_ascii_case("active")
        }
    });
    !about_active
        && matches!(
            q.entity,
            "Customer" | "Vendor" | "Employee" | "Item" | "Account" | "Class" | "Department"
        )
}

/// Runs a query: the `QueryResponse` body.
pub fn run(books: &Store, q: &Query) -> Value {
    let active = active_only(q);
    let mut rows: Vec<&Value> = books
        .all(q.entity)
        .filter(|o| !active || o["Active"].as_bool() != Some(false))
        .filter(|o| q.conds.iter().all(|c| matches(o, c)))
        .collect();
    if q.count {
        return json!({"totalCount": rows.len()});
    }
    for (f, desc) in q.order.iter().rev() {
        rows.sort_by(|a, b| {
            let (x, y) = (field(a, f), field(b, f));
            let o = match (x, y) {
                (Value::String(s), _) => compare(
                    x,
                    &Literal::Text(y.as_str().unwrap_or_default().to_string()),
                )
                .unwrap_or_else(|| s.as_str().cmp(y.as_str().unwrap_or_default())),
                (Value::Number(_), Value::Number(n)) => compare(
                    x,
                    &Literal::Number(Decimal::from_str(&n.to_string()).unwrap_or_default()),
                )
                .unwrap_or(Ordering::Equal),
                _ => Ordering::Equal,
            };
            if *desc { o.reverse() } else { o }
        });
    }
    let page: Vec<Value> = rows
        .into_iter()
        .skip(q.start - 1)
        .take(q.max)
        .cloned()
        .collect();
    if page.is_empty() {
        return json!({});
    }
    json!({q.entity: page.clone(), "startPosition": q.start, "maxResults": page.len()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clients_send() {
        let q = parse("select * from invoice where DocNumber = 'A-1' and TotalAmt >= '10' startposition 1 maxresults 1000").unwrap();
        assert_eq!(q.entity, "Invoice");
        assert_eq!(q.conds.len(), 2);
        assert_eq!((q.start, q.max), (1, 1000));
        let q =
            parse("SELECT COUNT(*) FROM Customer WHERE Id IN ('1', '2') ORDERBY Id DESC").unwrap();
        assert!(q.count);
        assert_eq!(q.order, vec![("Id".to_string(), true)]);
        let q =
            parse("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'").unwrap();
        assert_eq!(
            q.conds[0],
            Cond::Compare {
                field: "DisplayName".into(),
                op: "=".into(),
                value: Literal::Text("Amy's Bird Sanctuary".into())
            }
        );
    }

    #[test]
    fn refuses_what_quickbooks_refuses() {
        assert_eq!(
            parse("select * from Invoice maxresults 1001")
                .unwrap_err()
                .code(),
            4001
        );
        assert_eq!(parse("select * from Widget").unwrap_err().code(), 4001);
        assert_eq!(parse("select * frm Invoice").unwrap_err().code(), 4000);
        assert_eq!(
            parse("select * from Invoice where DocNumber = 'x")
                .unwrap_err()
                .code(),
            4000
        );
    }

    #[test]
    fn like_matches_percent_patterns() {
        assert!(like(&json!("Amy's Bird"), "amy%"));
        assert!(like(&json!("Amy's Bird"), "%bird"));
        assert!(like(&json!("Amy's Bird"), "%s b%"));
        assert!(!like(&json!("Amy's Bird"), "bird%"));
    }
}
