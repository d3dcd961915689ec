//! Report output: a terminal table, CSV (one row per item) and a self-contained HTML
//! file. JSON is the [`Report`](super::Report) itself through serde.

pub mod chart;
pub mod csv;
pub mod html;
pub mod table;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
