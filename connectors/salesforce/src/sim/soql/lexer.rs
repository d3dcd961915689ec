//! SOQL tokens, each with its byte offset so errors can point at it.

use chrono::{DateTime, NaiveDate, Utc};

use super::SoqlError;
use crate::sim::value::{parse_date, parse_datetime};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or a keyword; keywords are matched case-insensitively.
    Word(String),
    Str(String),
    Num(String),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Comma,
    Dot,
    Colon,
    LParen,
    RParen,
    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`
    Op(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
    /// The source text of the token (what error messages quote).
    pub text: String,
}

pub fn lex(src: &str) -> Result<Vec<Token>, SoqlError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let single = |t: Tok| Token {
            tok: t,
            pos: start,
            text: (c as char).to_string(),
        };
        match c {
            b',' => {
                out.push(single(Tok::Comma));
                i += 1;
            }
            b'.' => {
                out.push(single(Tok::Dot));
                i += 1;
            }
            b':' => {
                out.push(single(Tok::Colon));
                i += 1;
            }
            b'(' => {
                out.push(single(Tok::LParen));
                i += 1;
            }
            b')' => {
                out.push(single(Tok::RParen));
                i += 1;
            }
            b'=' | b'<' | b'>' | b'!' => {
                let two = src.get(i..i + 2).unwrap_or("");
                let (op, len): (&'static str, usize) = match two {
                    "!=" => ("!=", 2),
                    "<>" => ("!=", 2),
                    "<=" => ("<=", 2),
                    ">=" => (">=", 2),
                    _ => match c {
                        b'=' => ("=", 1),
                        b'<' => ("<", 1),
                        b'>' => (">", 1),
                        _ => return Err(SoqlError::unexpected(src, start, "!")),
                    },
                };
                out.push(Token {
                    tok: Tok::Op(op),
                    pos: start,
                    text: src[i..i + len].to_string(),
                });
                i += len;
            }
            b'\'' => {
                let (s, end) = string(src, i)?;
                out.push(Token {
                    tok: Tok::Str(s),
                    pos: start,
                    text: src[start..end].to_string(),
                });
                i = end;
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let mut j = i + 1;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || b":+-.".contains(&bytes[j]))
                {
                    j += 1;
                }
                let text = &src[i..j];
                let tok = literal(text).ok_or_else(|| SoqlError::unexpected(src, start, text))?;
                out.push(Token {
                    tok,
                    pos: start,
                    text: text.to_string(),
                });
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                out.push(Token {
                    tok: Tok::Word(src[i..j].to_string()),
                    pos: start,
                    text: src[i..j].to_string(),
                });
                i = j;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(SoqlError::unexpected(src, start, &ch.to_string()));
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: src.len(),
        text: "<EOF>".into(),
    });
    Ok(out)
}

/// A number, a date (`2026-11-01`) or a datetime (`2026-11-01T09:00:00Z`).
fn literal(text: &str) -> Option<Tok> {
    let digits = text.trim_start_matches(['-', '+']);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && !digits.ends_with('.')
    {
        return Some(Tok::Num(text.to_string()));
    }
    if text.len() == 10 {
        return parse_date(text).map(Tok::Date);
    }
    if text.len() > 10 && text.as_bytes()[10] == b'T' {
        return parse_datetime(text).map(Tok::DateTime);
    }
    None
}

/// A single-quoted string with SOQL's backslash escapes.
fn string(src: &str, start: usize) -> Result<(String, usize), SoqlError> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '\'' => return Ok((out, start + 1 + k + 1)),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    '\'' | '"' | '\\' => out.push(e),
                    // kept escaped: LIKE treats \_ and \% as literal characters
                    '_' | '%' => {
                        out.push('\\');
                        out.push(e);
                    }
                    _ => {
                        return Err(SoqlError::malformed(
                            src,
                            start,
                            "Invalid string literal. Illegal character sequence",
                        ));
                    }
                }
            }
            _ => out.push(c),
        }
    }
    Err(SoqlError::malformed(
        src,
        start,
        "line 1:0 mismatched character '<EOF>' expecting '''",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_typical_query() {
        let t = lex("SELECT Id FROM Opportunity WHERE CloseDate >= 2026-01-01 AND Amount > 10.5 AND Name != 'O\\'Brien'").unwrap();
        let toks: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert!(toks.contains(&Tok::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())));
        assert!(toks.contains(&Tok::Num("10.5".into())));
        assert!(toks.contains(&Tok::Str("O'Brien".into())));
        assert!(toks.contains(&Tok::Op("!=")));
        assert_eq!(toks.last(), Some(&Tok::Eof));
    }

    #[test]
    fn datetimes_with_zone() {
        let t = lex("2026-01-01T10:00:00Z 2026-01-01T10:00:00.000+01:00").unwrap();
        assert!(matches!(t[0].tok, Tok::DateTime(_)));
        assert!(matches!(t[1].tok, Tok::DateTime(_)));
    }

    #[test]
    fn unterminated_string_is_malformed() {
        let e = lex("SELECT Id FROM Account WHERE Name = 'x").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
    }
}
