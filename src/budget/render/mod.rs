//! A report as text: `table` for a terminal, `json` (the documented contract), `csv`
//! (one row per line, then a `TOTAL` row) and `html` (one self-contained file).

mod csv;
mod html;
mod table;

use super::model::Report;

/// An output format of `ledgerbridge budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Html,
}

/// The report in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => table::render(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).expect("reports serialize");
            s.push('\n');
            s
        }
        Format::Csv => csv::render(report),
        Format::Html => html::render(report),
    }
}

/// A variance percentage as shown to people: `12.50%`, or `n/a` without a budget.
fn pct(p: Option<rust_decimal::Decimal>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| "n/a".into())
}
