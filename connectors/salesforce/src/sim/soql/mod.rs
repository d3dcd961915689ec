//! SOQL, the subset real clients and the connector use: field lists with
//! relationship paths, one level of child subqueries, `WHERE` with
//! `AND`/`OR`/`NOT`, comparisons, `IN`, `LIKE`, `null`, date and datetime
//! literals, `TODAY`/`YESTERDAY`/`TOMORROW`, `LAST_N_DAYS:n`/`NEXT_N_DAYS:n`,
//! `ORDER BY`, `LIMIT` and `OFFSET`.
//!
//! `lexer` → `parser` (syntax: `MALFORMED_QUERY`) → `plan` (names and types
//! against the org's objects: `INVALID_FIELD`, `INVALID_TYPE`) → `eval`
//! (filter, sort, render). Anything outside the subset is refused the way
//! Salesforce refuses a syntax error, with the row and column it found it at.

pub mod ast;
pub mod eval;
pub mod lexer;
pub mod parser;
pub mod plan;

/// A refused query: Salesforce's error code and its message, which quotes
/// the query line with a caret under the offending token.
#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

impl SoqlError {
    pub fn at(code: &'static str, src: &str, pos: usize, detail: &str) -> SoqlError {
        let pos = pos.min(src.len());
        let before = &src[..pos];
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        let line = src[line_start..].lines().next().unwrap_or("");
        SoqlError {
            code,
            message: format!(
                "\n{line}\n{caret:>col$}\nERROR at Row:{row}:Column:{col}\n{detail}",
                caret = "^"
            ),
        }
    }

    pub fn malformed(src: &str, pos: usize, detail: &str) -> SoqlError {
        SoqlError::at("MALFORMED_QUERY", src, pos, detail)
    }

    pub fn unexpected(src: &str, pos: usize, token: &str) -> SoqlError {
        let shown = if token == "<EOF>" {
            "'<EOF>'".to_string()
        } else {
            token.to_string()
        };
        SoqlError::malformed(src, pos, &format!("unexpected token: {shown}"))
    }
}

pub use ast::Query;
pub use parser::parse;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_points_at_row_and_column() {
        let e = SoqlError::unexpected("SELECT Id FRM Account", 10, "FRM");
        assert_eq!(
            e.message,
            "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: FRM"
        );
    }
}
