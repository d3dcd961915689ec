//! From byte offsets and key paths to line numbers, over toml_edit's spanned document.

use crate::config::validate::Seg;
use std::ops::Range;
use toml_edit::{Document, Item, Table, Value};

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The bare key written at `offset` (for "key = value" ranges).
pub fn key_at(text: &str, offset: usize) -> String {
    text.get(offset..)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// The last segment of the `[a.b]` header among `ranges`, if one is there.
pub fn table_name(text: &str, ranges: &[Range<usize>]) -> Option<String> {
    ranges.iter().find_map(|r| {
        let s = text.get(r.clone())?.trim();
        let inner = s.strip_prefix('[')?.trim_start_matches('[');
        let inner = inner.split(']').next()?;
        Some(
            inner
                .rsplit('.')
                .next()?
                .trim()
                .trim_matches('"')
                .to_string(),
        )
    })
}

/// serde speaks of fields; an admin edits keys.
pub fn tidy_serde_message(m: &str) -> String {
    m.trim()
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
}

/// Overwrite `ranges` with spaces (newlines kept), so the text stays valid TOML and every
/// later line keeps its number.
pub fn blank(text: &mut String, ranges: &[Range<usize>]) {
    let mut bytes = std::mem::take(text).into_bytes();
    for r in ranges {
        let end = r.end.min(bytes.len());
        for b in &mut bytes[r.start.min(end)..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only ASCII spaces were written over whole characters' bytes: still UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_default();
}

fn cover(a: Option<Range<usize>>, b: Option<Range<usize>>) -> Option<Range<usize>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.start.min(b.start)..a.end.max(b.end)),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    }
}

fn overlaps(r: &Range<usize>, span: &Range<usize>) -> bool {
    // An empty error span (a position) counts when it lies inside or at the end.
    if span.start == span.end {
        r.start <= span.start && span.start <= r.end
    } else {
        r.start < span.end && span.start < r.end
    }
}

/// The byte ranges to blank so the serde error at `span` goes away: the smallest
/// `key = value` containing it, or a whole table when the error is about the table.
pub fn enclosing_item(text: &str, span: &Range<usize>) -> Option<Vec<Range<usize>>> {
    let doc = Document::parse(text.to_string()).ok()?;
    in_table(doc.as_table(), span)
}

fn in_table(t: &Table, span: &Range<usize>) -> Option<Vec<Range<usize>>> {
    for (k, item) in t.iter() {
        let kspan = t.key(k).and_then(|k| k.span());
        match item {
            Item::Value(v) => {
                if let Some(r) = cover(kspan, v.span())
                    && overlaps(&r, span)
                {
                    if let Value::InlineTable(it) = v
                        && let Some(inner) = in_inline(it, span)
                    {
                        return Some(inner);
                    }
                    return Some(vec![r]);
                }
            }
            Item::Table(sub) => {
                if let Some(found) = table_hit(sub, kspan, span) {
                    return Some(found);
                }
            }
            Item::ArrayOfTables(a) => {
                for sub in a.iter() {
                    if let Some(found) = table_hit(sub, None, span) {
                        return Some(found);
                    }
                }
            }
            Item::None => {}
        }
    }
    None
}

fn table_hit(
    sub: &Table,
    kspan: Option<Range<usize>>,
    span: &Range<usize>,
) -> Option<Vec<Range<usize>>> {
    if let Some(inner) = in_table(sub, span) {
        return Some(inner);
    }
    let mut all = Vec::new();
    all_ranges(sub, &mut all);
    if let Some(h) = sub.span() {
        all.push(h);
    }
    if let Some(k) = kspan
        && !sub.is_implicit()
    {
        all.push(k);
    }
    if all.iter().any(|r| overlaps(r, span)) {
        Some(all)
    } else {
        None
    }
}

fn all_ranges(t: &Table, out: &mut Vec<Range<usize>>) {
    if let Some(h) = t.span() {
        out.push(h);
    }
    for (k, item) in t.iter() {
        let kspan = t.key(k).and_then(|k| k.span());
        match item {
            Item::Value(v) => out.extend(cover(kspan, v.span())),
            Item::Table(sub) => all_ranges(sub, out),
            Item::ArrayOfTables(a) => a.iter().for_each(|s| all_ranges(s, out)),
            Item::None => {}
        }
    }
}

fn in_inline(t: &toml_edit::InlineTable, span: &Range<usize>) -> Option<Vec<Range<usize>>> {
    for (k, _) in t.iter() {
        if let Some((key, item)) = t.get_key_value(k)
            && let Some(r) = cover(key.span(), item.span())
            && overlaps(&r, span)
        {
            return Some(vec![r]);
        }
    }
    None
}

enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
}

/// Byte offset of the key at `path`, or of the deepest part of it that exists (a missing
/// key is reported at its table's header).
pub fn offset_of(doc: &Document<String>, path: &[Seg]) -> usize {
    let mut best = 0;
    let mut node = Node::Table(doc.as_table());
    for seg in path {
        let next = match (seg, &node) {
            (Seg::Key(k), Node::Table(t)) => t
                .get_key_value(k)
                .map(|(key, item)| (cover_start(key.span(), item.span()), Node::Item(item))),
            (Seg::Key(k), Node::Item(Item::Table(t))) => t
                .get_key_value(k)
                .map(|(key, item)| (cover_start(key.span(), item.span()), Node::Item(item))),
            (Seg::Key(k), Node::Item(Item::Value(Value::InlineTable(t)))) => t
                .get_key_value(k)
                .map(|(key, item)| (cover_start(key.span(), item.span()), Node::Item(item))),
            (Seg::Index(i), Node::Item(Item::ArrayOfTables(a))) => a
                .get(*i)
                .map(|t| (t.span().map(|s| s.start), Node::Table(t))),
            (Seg::Index(i), Node::Item(Item::Value(Value::Array(a)))) => a
                .get(*i)
                .map(|v| (v.span().map(|s| s.start), Node::Item(item_none()))),
            _ => None,
        };
        match next {
            Some((off, n)) => {
                if let Some(off) = off {
                    best = off;
                }
                node = n;
            }
            None => break,
        }
    }
    best
}

fn cover_start(a: Option<Range<usize>>, b: Option<Range<usize>>) -> Option<usize> {
    a.map(|a| a.start).or(b.map(|b| b.start))
}

fn item_none() -> &'static Item {
    static NONE: Item = Item::None;
    &NONE
}

/// The `LEDGERBRIDGE__…` variable that overrides `path`, when it is set.
pub fn env_override(path: &[Seg]) -> Option<String> {
    let mut keys = Vec::new();
    for seg in path {
        match seg {
            Seg::Key(k) => keys.push(k.to_uppercase()),
            Seg::Index(_) => return None,
        }
    }
    let var = format!("LEDGERBRIDGE__{}", keys.join("__"));
    std::env::var_os(&var).map(|_| var)
}
