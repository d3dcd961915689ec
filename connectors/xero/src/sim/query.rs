//! List parameters shared by Xero's GET endpoints: `where` (a small
//! expression language: `Reference=="INV-1" OR Status!="VOIDED"`,
//! `Contact.ContactID==guid("…")`, `Date>=DateTime(2025,01,01)`,
//! `Name.Contains("acme")`, `AND`/`OR`/`&&`/`||`, parentheses), `order`,
//! `page`/`pageSize`, comma lists (`IDs`, `Statuses`, …), `searchTerm`,
//! `includeArchived`, `summaryOnly` and the `If-Modified-Since` header.

use std::cmp::Ordering;
use std::collections::HashMap;

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::msdate;
use crate::wire::Pagination;

pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(Decimal),
    Bool(bool),
    Null,
    Date(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Vec<String>, String, Lit),
    Call(Vec<String>, String, String),
}

/// Parsed list parameters.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub filter: Option<Expr>,
    pub page: Option<u64>,
    pub page_size: u64,
    pub order: Option<(String, bool)>,
    pub ids: Vec<String>,
    pub lists: HashMap<String, Vec<String>>,
    pub search: Option<String>,
    pub include_archived: bool,
    pub summary_only: bool,
    pub modified_since: Option<DateTime<Utc>>,
    pub unit_dp: u32,
}

impl ListQuery {
    pub fn parse(
        params: &HashMap<String, String>,
        headers: &HeaderMap,
    ) -> Result<ListQuery, String> {
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        let list = |k: &str| -> Vec<String> {
            get(k)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().trim_matches('"').to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut q = ListQuery {
            page_size: DEFAULT_PAGE_SIZE,
            unit_dp: 2,
            ..Default::default()
        };
        if let Some(w) = get("where").filter(|w| !w.trim().is_empty()) {
            q.filter = Some(parse_where(w)?);
        }
        if let Some(p) = get("page") {
            q.page = Some(
                p.parse::<u64>()
                    .map_err(|_| format!("page must be a whole number, not {p:?}"))?
                    .max(1),
            );
        }
        if let Some(s) = get("pageSize") {
            let n: u64 = s
                .parse()
                .map_err(|_| format!("pageSize must be a whole number, not {s:?}"))?;
            q.page_size = n.clamp(1, MAX_PAGE_SIZE);
        }
        if let Some(o) = get("order") {
            let mut parts = o.split_whitespace();
            let field = parts.next().unwrap_or("").to_string();
            let desc = parts.next().is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
            q.order = Some((field, desc));
        }
        q.ids = list("IDs");
        for k in ["InvoiceNumbers", "ContactIDs", "Statuses"] {
            q.lists.insert(k.to_string(), list(k));
        }
        q.search = get("searchTerm").map(|s| s.to_lowercase());
        q.include_archived = get("includeArchived").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        q.summary_only = get("summaryOnly").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        q.unit_dp = if get("unitdp") == Some("4") { 4 } else { 2 };
        if let Some(v) = headers
            .get("if-modified-since")
            .and_then(|v| v.to_str().ok())
        {
            let t = msdate::parse(v)
                .or_else(|| {
                    DateTime::parse_from_rfc2822(v)
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                })
                .ok_or_else(|| format!("If-Modified-Since is not a date: {v:?}"))?;
            q.modified_since = Some(t);
        }
        Ok(q)
    }

    pub fn list(&self, k: &str) -> &[String] {
        self.lists.get(k).map(Vec::as_slice).unwrap_or_default()
    }

    /// Was the object (as JSON) changed at or after `If-Modified-Since`?
    pub fn modified(&self, obj: &Value) -> bool {
        match self.modified_since {
            None => true,
            Some(since) => obj
                .get("UpdatedDateUTC")
                .and_then(Value::as_str)
                .and_then(msdate::parse)
                .is_some_and(|t| t >= since),
        }
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| eval(f, obj))
    }

    /// Sorts by `order`, then cuts the page; `pagination` only when `page` was asked.
    pub fn paginate<T>(&self, mut items: Vec<(Value, T)>) -> (Vec<T>, Option<Pagination>) {
        if let Some((field, desc)) = &self.order {
            let path: Vec<String> = field.split('.').map(str::to_string).collect();
            items.sort_by(|a, b| {
                let o = compare_values(lookup(&a.0, &path), lookup(&b.0, &path));
                if *desc { o.reverse() } else { o }
            });
        }
        let total = items.len() as u64;
        match self.page {
            None => (items.into_iter().map(|(_, t)| t).collect(), None),
            Some(page) => {
                let start = ((page - 1) * self.page_size) as usize;
                let out: Vec<T> = items
                    .into_iter()
                    .skip(start)
                    .take(self.page_size as usize)
                    .map(|(_, t)| t)
                    .collect();
                let pagination = Pagination {
                    page,
                    page_size: self.page_size,
                    page_count: total.div_ceil(self.page_size),
                    item_count: total,
                };
                (out, Some(pagination))
            }
        }
    }
}

fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = match cur {
            Value::Object(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(p))
                .map(|(_, v)| v)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn as_date(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .filter(|s| s.starts_with("/Date("))
        .and_then(msdate::parse)
}

fn as_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => crate::money::parse_decimal(&n.to_string()),
        _ => None,
    }
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => {
            if let (Some(x), Some(y)) = (as_date(a), as_date(b)) {
                return x.cmp(&y);
            }
            if let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b)) {
                return x.cmp(&y);
            }
            let s = |v: &Value| {
                v.as_str()
                    .map(str::to_lowercase)
                    .unwrap_or_else(|| v.to_string())
            };
            s(a).cmp(&s(b))
        }
    }
}

fn cmp_lit(v: Option<&Value>, lit: &Lit) -> Option<Ordering> {
    let v = v.unwrap_or(&Value::Null);
    match lit {
        Lit::Null => Some(if v.is_null() {
            Ordering::Equal
        } else {
            Ordering::Greater
        }),
        Lit::Bool(b) => v.as_bool().map(|x| x.cmp(b)),
        Lit::Num(n) => as_decimal(v).map(|x| x.cmp(n)),
        Lit::Date(d) => as_date(v).map(|x| x.cmp(d)),
        // Xero compares text case-insensitively
        Lit::Str(s) => v.as_str().map(|x| x.to_lowercase().cmp(&s.to_lowercase())),
    }
}

pub fn eval(e: &Expr, obj: &Value) -> bool {
    match e {
        Expr::And(a, b) => eval(a, obj) && eval(b, obj),
        Expr::Or(a, b) => eval(a, obj) || eval(b, obj),
        Expr::Not(a) => !eval(a, obj),
        Expr::Cmp(path, op, lit) => {
            let o = cmp_lit(lookup(obj, path), lit);
            match op.as_str() {
                "==" => o == Some(Ordering::Equal),
                "!=" => o != Some(Ordering::Equal),
                "<" => o == Some(Ordering::Less),
                "<=" => matches!(o, Some(Ordering::Less | Ordering::Equal)),
                ">" => o == Some(Ordering::Greater),
                ">=" => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
                _ => false,
            }
        }
        Expr::Call(path, method, arg) => {
            let Some(s) = lookup(obj, path).and_then(Value::as_str) else {
                return false;
            };
            let (s, arg) = (s.to_lowercase(), arg.to_lowercase());
            match method.as_str() {
                "contains" => s.contains(&arg),
                "startswith" => s.starts_with(&arg),
                "endswith" => s.ends_with(&arg),
                _ => false,
            }
        }
    }
}

// ---- the `where` parser ----------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Op(String),
    LParen,
    RParen,
    Comma,
    Dot,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '.' => {
                out.push(Tok::Dot);
                i += 1
            }
            '"' => {
                let mut j = i + 1;
                let mut text = String::new();
                while j < cs.len() && cs[j] != '"' {
                    if cs[j] == '\\' && j + 1 < cs.len() {
                        j += 1;
                    }
                    text.push(cs[j]);
                    j += 1;
                }
                if j >= cs.len() {
                    return Err("unterminated string literal".into());
                }
                out.push(Tok::Str(text));
                i = j + 1;
            }
            '=' | '!' | '<' | '>' | '&' | '|' => {
                let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(&two.as_str()) {
                    out.push(Tok::Op(two));
                    i += 2;
                } else if c == '<' || c == '>' || c == '!' {
                    out.push(Tok::Op(c.to_string()));
                    i += 1;
                } else {
                    return Err(format!("unexpected {c:?}"));
                }
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut j = i + 1;
                while j < cs.len() && (cs[j].is_ascii_digit() || cs[j] == '.') {
                    j += 1;
                }
                out.push(Tok::Num(cs[i..j].iter().collect()));
                i = j;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < cs.len() && (cs[j].is_alphanumeric() || cs[j] == '_') {
                    j += 1;
                }
                out.push(Tok::Ident(cs[i..j].iter().collect()));
                i = j;
            }
            _ => return Err(format!("unexpected {c:?}")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

pub fn parse_where(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected {:?} in where clause", p.toks[p.pos]));
    }
    Ok(e)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x.eq_ignore_ascii_case(w))
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.is_word("OR") || self.peek() == Some(&Tok::Op("||".into())) {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.is_word("AND") || self.peek() == Some(&Tok::Op("&&".into())) {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Op("!".into())) || self.is_word("NOT") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        self.comparison()
    }
    fn comparison(&mut self) -> Result<Expr, String> {
        let mut path = vec![self.ident()?];
        while self.peek() == Some(&Tok::Dot) {
            self.pos += 1;
            let name = self.ident()?;
            if self.peek() == Some(&Tok::LParen) {
                // a method call: Name.Contains("x")
                self.pos += 1;
                let arg = match self.next() {
                    Some(Tok::Str(s)) => s,
                    other => return Err(format!("expected a string argument, found {other:?}")),
                };
                self.expect(Tok::RParen)?;
                return Ok(Expr::Call(path, name.to_lowercase(), arg));
            }
            path.push(name);
        }
        let op = match self.next() {
            Some(Tok::Op(o)) if ["==", "!=", "<", "<=", ">", ">="].contains(&o.as_str()) => o,
            other => {
                return Err(format!(
                    "expected a comparison after {}, found {other:?}",
                    path.join(".")
                ));
            }
        };
        Ok(Expr::Cmp(path, op, self.literal()?))
    }
    fn ident(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            other => Err(format!("expected a field name, found {other:?}")),
        }
    }
    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::Num(n)) => n
                .parse()
                .map(Lit::Num)
                .map_err(|_| format!("bad number {n}")),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(Lit::Null),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("guid") => {
                self.expect(Tok::LParen)?;
                let s = match self.next() {
                    Some(Tok::Str(s)) => s,
                    other => return Err(format!("guid() takes a string, found {other:?}")),
                };
                self.expect(Tok::RParen)?;
                Ok(Lit::Str(s))
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("DateTime") => {
                self.expect(Tok::LParen)?;
                let mut parts = Vec::new();
                loop {
                    match self.next() {
                        Some(Tok::Num(n)) => parts.push(
                            n.parse::<u32>()
                                .map_err(|_| format!("bad DateTime part {n}"))?,
                        ),
                        other => return Err(format!("DateTime() takes numbers, found {other:?}")),
                    }
                    match self.next() {
                        Some(Tok::Comma) => continue,
                        Some(Tok::RParen) => break,
                        other => {
                            return Err(format!("expected , or ) in DateTime(), found {other:?}"));
                        }
                    }
                }
                let get = |i: usize| parts.get(i).copied().unwrap_or(0);
                let d = NaiveDate::from_ymd_opt(get(0) as i32, get(1), get(2))
                    .and_then(|d| d.and_hms_opt(get(3), get(4), get(5)))
                    .ok_or("DateTime() is not a valid date")?;
                Ok(Lit::Date(d.and_utc()))
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates_xero_filters() {
        let inv = json!({"Reference": "HS-42", "Status": "AUTHORISED", "Total": 115.00,
            "Contact": {"ContactID": "ABC", "Name": "Acme Ltd"}, "Date": "/Date(1735689600000+0000)/"});
        let t = |w: &str| eval(&parse_where(w).unwrap(), &inv);
        assert!(t(r#"Reference=="HS-42""#));
        assert!(t(r#"Reference=="hs-42""#));
        assert!(t(r#"Reference=="X" OR Reference=="HS-42""#));
        assert!(!t(r#"Reference=="HS-42" AND Status=="VOIDED""#));
        assert!(t(r#"Contact.ContactID==guid("abc") && (Status!="VOIDED")"#));
        assert!(t(
            r#"Date>=DateTime(2025,01,01) AND Date<DateTime(2025,01,02)"#
        ));
        assert!(t(r#"Total>100 AND Total<=115.00"#));
        assert!(t(r#"Contact.Name.Contains("acme")"#));
        assert!(t(r#"NOT Status=="DRAFT""#));
        assert!(parse_where(r#"Reference=="x"#).is_err());
        assert!(parse_where(r#"Reference="x""#).is_err());
    }
}
