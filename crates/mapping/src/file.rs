//! Reads one mapping file's TOML into a raw description with line numbers,
//! reporting unknown keys and wrongly typed values. CEL is compiled later
//! (`compile.rs`); this module only knows TOML.

use std::collections::BTreeMap;

use toml_edit::{Document, Item, TableLike, Value};

use crate::problem::{LineIndex, Problems};

/// A CEL expression as written in the file, with where its first character is.
#[derive(Debug, Clone)]
pub(crate) struct ExprSrc {
    pub text: String,
    /// Where the expression is used, for messages (`fields.due_date`).
    pub label: String,
    /// Line and column of the CEL text's first character in the file.
    pub line: usize,
    pub col: usize,
}

impl ExprSrc {
    /// File line and column of a byte offset into the CEL text. Exact for
    /// literal strings ('…', '''…'''); escapes in basic strings shift columns.
    pub fn pos(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        match before.rfind('\n') {
            None => (self.line, self.col + before.chars().count()),
            Some(nl) => (
                self.line + before.matches('\n').count(),
                before[nl + 1..].chars().count() + 1,
            ),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RawBlock {
    pub section: String,
    pub index: usize,
    pub line: usize,
    pub for_each: Option<(String, usize)>,
    pub as_name: Option<(String, usize)>,
    pub when: Option<ExprSrc>,
    pub enabled: bool,
    pub fields: Vec<(String, usize, ExprSrc)>,
    /// Every field key written, valid or not.
    pub present: Vec<String>,
    pub tracking: Vec<(String, ExprSrc)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub connector: String,
    pub object: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub entries: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RawMapping {
    pub source: Option<Endpoint>,
    pub target: Option<Endpoint>,
    pub enabled: bool,
    pub when: Option<ExprSrc>,
    pub key: Option<ExprSrc>,
    pub cutover_date: Option<ExprSrc>,
    pub vars: Vec<(String, ExprSrc)>,
    pub fields: Vec<(String, usize, ExprSrc)>,
    pub fields_present: Vec<String>,
    pub fields_line: usize,
    pub blocks: Vec<RawBlock>,
    pub tables: BTreeMap<String, Table>,
    pub customer_line: usize,
    pub customer_order: Option<Vec<(String, usize)>>,
    pub customer_from: Option<Vec<(String, usize)>>,
    pub customer_domain: Option<ExprSrc>,
}

const TOP_KEYS: &[&str] = &[
    "description",
    "enabled",
    "source",
    "target",
    "when",
    "key",
    "cutover_date",
    "vars",
    "fields",
    "lines",
    "contact_persons",
    "tables",
    "customer",
];

struct Reader<'a> {
    text: &'a str,
    idx: LineIndex,
    p: &'a mut Problems,
}

impl Reader<'_> {
    fn key_line(&self, t: &dyn TableLike, key: &str, fallback: usize) -> usize {
        t.get_key_value(key)
            .and_then(|(k, i)| k.span().or_else(|| i.span()))
            .map_or(fallback, |s| self.idx.line_col(s.start).0)
    }

    fn value_line(&self, item: &Item, fallback: usize) -> usize {
        item.span()
            .map_or(fallback, |s| self.idx.line_col(s.start).0)
    }

    /// An expression value: must be a TOML string.
    fn expr(&mut self, item: &Item, label: &str, line: usize) -> Option<ExprSrc> {
        let Some(v) = item.as_value() else {
            self.p.add(
                line,
                format!("`{label}` must be a CEL expression in a string"),
            );
            return None;
        };
        let Some(text) = v.as_str() else {
            self.not_a_string(v, label, line);
            return None;
        };
        let (line, col) = match v.span() {
            Some(span) => self.origin(span.start),
            None => (line, 1),
        };
        Some(ExprSrc {
            text: text.to_string(),
            label: label.to_string(),
            line,
            col,
        })
    }

    fn not_a_string(&mut self, v: &Value, label: &str, line: usize) {
        let line = v.span().map_or(line, |s| self.idx.line_col(s.start).0);
        if v.is_float() {
            self.p.add(
                line,
                format!(
                    "`{label}` is a float literal; floats cannot carry money exactly: write a CEL expression in a string, e.g. 'dec(\"1.10\")'"
                ),
            );
        } else {
            self.p.add(
                line,
                format!(
                    "`{label}` must be a CEL expression in a string, not a {}",
                    v.type_name()
                ),
            );
        }
    }

    /// Where the string's content starts: after the quote(s), and after the
    /// newline TOML trims right after an opening `'''` / `"""`.
    fn origin(&self, start: usize) -> (usize, usize) {
        let raw = &self.text[start..];
        let mut at = start;
        if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
            at += 3;
            let rest = &self.text[at..];
            if rest.starts_with("\r\n") {
                at += 2;
            } else if rest.starts_with('\n') {
                at += 1;
            }
        } else {
            at += 1;
        }
        self.idx.line_col(at)
    }

    fn string(&mut self, item: &Item, label: &str, line: usize) -> Option<String> {
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.p.add(
                    self.value_line(item, line),
                    format!("`{label}` must be a string"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, item: &Item, label: &str, line: usize) -> bool {
        match item.as_bool() {
            Some(b) => b,
            None => {
                self.p.add(
                    self.value_line(item, line),
                    format!("`{label}` must be true or false"),
                );
                true
            }
        }
    }

    fn string_list(&mut self, item: &Item, label: &str, line: usize) -> Vec<(String, usize)> {
        let Some(arr) = item.as_array() else {
            self.p
                .add(line, format!("`{label}` must be an array of strings"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in arr.iter() {
            let l = v.span().map_or(line, |s| self.idx.line_col(s.start).0);
            match v.as_str() {
                Some(s) => out.push((s.to_string(), l)),
                None => self
                    .p
                    .add(l, format!("`{label}` must be an array of strings")),
            }
        }
        out
    }

    fn table<'i>(&mut self, item: &'i Item, label: &str, line: usize) -> Option<&'i dyn TableLike> {
        let t = item.as_table_like();
        if t.is_none() {
            self.p.add(line, format!("`{label}` must be a table"));
        }
        t
    }

    fn endpoint(&mut self, item: &Item, label: &str, line: usize) -> Option<Endpoint> {
        let t = self.table(item, label, line)?;
        let line = self.table_line(item, line);
        let mut connector = None;
        let mut object = None;
        for (k, v) in t.iter() {
            let kl = self.key_line(t, k, line);
            match k {
                "connector" => connector = self.string(v, &format!("{label}.connector"), kl),
                "object" => object = self.string(v, &format!("{label}.object"), kl),
                _ => self.p.add(
                    kl,
                    format!("unknown key `{label}.{k}` (expected connector, object)"),
                ),
            }
        }
        match (connector, object) {
            (Some(connector), Some(object)) => Some(Endpoint {
                connector,
                object,
                line,
            }),
            (None, _) => {
                self.p.add(line, format!("`{label}` needs `connector`"));
                None
            }
            (_, None) => {
                self.p.add(line, format!("`{label}` needs `object`"));
                None
            }
        }
    }

    fn table_line(&self, item: &Item, fallback: usize) -> usize {
        match item {
            Item::Table(t) => t.span().map_or(fallback, |s| self.idx.line_col(s.start).0),
            _ => self.value_line(item, fallback),
        }
    }

    fn exprs(&mut self, item: &Item, section: &str, line: usize) -> Vec<(String, usize, ExprSrc)> {
        let Some(t) = self.table(item, section, line) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let kl = self.key_line(t, k, line);
            if let Some(e) = self.expr(v, &format!("{section}.{k}"), kl) {
                out.push((k.to_string(), kl, e));
            }
        }
        out
    }

    fn block(&mut self, t: &toml_edit::Table, section: &str, index: usize) -> RawBlock {
        let line = t.span().map_or(1, |s| self.idx.line_col(s.start).0);
        let label = format!("{section}[{index}]");
        let mut b = RawBlock {
            section: section.to_string(),
            index,
            line,
            enabled: true,
            ..RawBlock::default()
        };
        for (k, v) in t.iter() {
            let kl = self.key_line(t, k, line);
            match k {
                "for_each" => {
                    b.for_each = self
                        .string(v, &format!("{label}.for_each"), kl)
                        .map(|s| (s, kl))
                }
                "as" => b.as_name = self.string(v, &format!("{label}.as"), kl).map(|s| (s, kl)),
                "when" => b.when = self.expr(v, &format!("{label}.when"), kl),
                "enabled" => b.enabled = self.boolean(v, &format!("{label}.enabled"), kl),
                "tracking" => {
                    b.tracking = self
                        .exprs(v, &format!("{label}.tracking"), kl)
                        .into_iter()
                        .map(|(k, _, e)| (k, e))
                        .collect()
                }
                _ => {
                    b.present.push(k.to_string());
                    if let Some(e) = self.expr(v, &format!("{label}.{k}"), kl) {
                        b.fields.push((k.to_string(), kl, e));
                    }
                }
            }
        }
        b
    }

    fn tables(&mut self, item: &Item, line: usize) -> BTreeMap<String, Table> {
        let mut out = BTreeMap::new();
        let Some(t) = self.table(item, "tables", line) else {
            return out;
        };
        for (name, v) in t.iter() {
            let tl = self.key_line(t, name, line);
            let Some(inner) = self.table(v, &format!("tables.{name}"), tl) else {
                continue;
            };
            let mut entries = BTreeMap::new();
            for (k, v) in inner.iter() {
                let kl = self.key_line(inner, k, tl);
                match v.as_value() {
                    Some(val) if val.is_str() => {
                        entries.insert(k.to_string(), val.as_str().unwrap_or_default().to_string());
                    }
                    Some(val) if val.is_float() => self.p.add(
                        kl,
                        format!("table `{name}`: `{k}` is a float literal; write table values as strings, e.g. \"0.15\""),
                    ),
                    _ => self.p.add(kl, format!("table `{name}`: the value of `{k}` must be a string")),
                }
            }
            if entries.is_empty() {
                self.p.add(tl, format!("table `{name}` has no entries"));
            }
            out.insert(name.to_string(), Table { entries });
        }
        out
    }
}

/// Parses one file. Returns `None` only when the TOML itself is unreadable.
pub(crate) fn parse(text: &str, p: &mut Problems) -> Option<RawMapping> {
    let idx = LineIndex::new(text);
    let doc = match Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map_or(1, |s| idx.line_col(s.start).0);
            let msg = e.message().trim().to_string();
            p.add(line, format!("TOML syntax error: {msg}"));
            return None;
        }
    };
    let mut r = Reader { text, idx, p };
    let root = doc.as_table();
    let mut m = RawMapping {
        enabled: true,
        ..RawMapping::default()
    };
    for (k, v) in root.iter() {
        let kl = r.key_line(root, k, 1);
        match k {
            "description" => {
                r.string(v, "description", kl);
            }
            "enabled" => m.enabled = r.boolean(v, "enabled", kl),
            "source" => m.source = r.endpoint(v, "source", kl),
            "target" => m.target = r.endpoint(v, "target", kl),
            "when" => m.when = r.expr(v, "when", kl),
            "key" => m.key = r.expr(v, "key", kl),
            "cutover_date" => m.cutover_date = r.expr(v, "cutover_date", kl),
            "vars" => {
                m.vars = r
                    .exprs(v, "vars", kl)
                    .into_iter()
                    .map(|(k, _, e)| (k, e))
                    .collect()
            }
            "fields" => {
                m.fields_line = r.table_line(v, kl);
                m.fields = r.exprs(v, "fields", kl);
                m.fields_present = v
                    .as_table_like()
                    .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
                    .unwrap_or_default();
            }
            "lines" | "contact_persons" => match v.as_array_of_tables() {
                Some(aot) => {
                    for (i, t) in aot.iter().enumerate() {
                        let b = r.block(t, k, i);
                        m.blocks.push(b);
                    }
                }
                None => r.p.add(
                    kl,
                    format!("`{k}` must be an array of tables: write [[{k}]]"),
                ),
            },
            "tables" => m.tables = r.tables(v, kl),
            "customer" => {
                m.customer_line = r.table_line(v, kl);
                if let Some(t) = r.table(v, "customer", kl) {
                    for (ck, cv) in t.iter() {
                        let cl = r.key_line(t, ck, kl);
                        match ck {
                            "order" => {
                                m.customer_order = Some(r.string_list(cv, "customer.order", cl))
                            }
                            "from" => {
                                m.customer_from = Some(r.string_list(cv, "customer.from", cl))
                            }
                            "domain" => m.customer_domain = r.expr(cv, "customer.domain", cl),
                            _ => r.p.add(
                                cl,
                                format!(
                                    "unknown key `customer.{ck}` (expected order, from, domain)"
                                ),
                            ),
                        }
                    }
                }
            }
            _ => r.p.add(
                kl,
                format!(
                    "unknown key `{k}` (expected one of: {})",
                    TOP_KEYS.join(", ")
                ),
            ),
        }
    }
    Some(m)
}
