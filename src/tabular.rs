//! The two plain-text shapes every report shares: CSV for spreadsheets (the `csv`
//! crate, RFC 4180 quoting, `\n` line ends) and tables for a terminal (`comfy-table`,
//! one look for all of them: Markdown's, so a table pasted into an issue or a document
//! renders as one). HTML pages are templates under `templates/`.

use comfy_table::{CellAlignment, Table, presets};

/// A CSV writer into memory.
pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

/// What `w` wrote, as text (every field written was text, so it is UTF-8).
pub fn csv_text(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().expect("CSV into memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// A table with `header`; the columns from `right_from` on (numbers) are right-aligned.
pub fn table<const N: usize>(header: [&str; N], right_from: usize) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_MARKDOWN).set_header(header);
    for i in right_from..N {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let mut w = csv_writer();
        w.write_record(["plain", "a, b", "say \"hi\"", ""]).unwrap();
        assert_eq!(csv_text(w), "plain,\"a, b\",\"say \"\"hi\"\"\",\n");
    }

    #[test]
    fn tables_align_numbers_right() {
        let mut t = table(["name", "amount"], 1);
        t.add_row(["a", "1.00"]).add_row(["b", "100.00"]);
        let text = t.to_string();
        let a = text.lines().find(|l| l.contains(" a ")).unwrap();
        let b = text.lines().find(|l| l.contains(" b ")).unwrap();
        assert_eq!(a.find("1.00").unwrap() + 4, b.find("100.00").unwrap() + 6);
    }
}
