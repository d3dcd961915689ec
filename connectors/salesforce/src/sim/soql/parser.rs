//! A recursive-descent parser for the SOQL subset (see the module above).

use super::SoqlError;
use super::ast::*;
use super::lexer::{Tok, Token, lex};

/// Words that cannot be field or object names in this subset's grammar.
const RESERVED: [&str; 18] = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
    "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS",
];

/// Parses one query; every syntax error is `MALFORMED_QUERY`.
pub fn parse(src: &str) -> Result<Query, SoqlError> {
    let tokens = lex(src)?;
    let mut p = Parser { src, tokens, at: 0 };
    let q = p.query(false)?;
    p.expect_eof()?;
    Ok(q)
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn unexpected(&self) -> SoqlError {
        let t = self.peek();
        SoqlError::unexpected(self.src, t.pos, &t.text)
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_word(&mut self, kw: &str) -> bool {
        if self.is_word(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.eat_word(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect(&mut self, tok: Tok) -> Result<Token, SoqlError> {
        if self.peek().tok == tok {
            Ok(self.next())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_eof(&self) -> Result<(), SoqlError> {
        if self.peek().tok == Tok::Eof {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A name that is not a keyword of the grammar.
    fn name(&mut self) -> Result<(String, usize), SoqlError> {
        match &self.peek().tok {
            Tok::Word(w) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(w)) => {
                let t = self.next();
                Ok((t.text, t.pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let (first, pos) = self.name()?;
        let mut parts = vec![first];
        while self.peek().tok == Tok::Dot {
            self.next();
            parts.push(self.name()?.0);
        }
        Ok(Path { parts, pos })
    }

    fn query(&mut self, nested: bool) -> Result<Query, SoqlError> {
        self.expect_word("SELECT")?;
        let mut select = Vec::new();
        loop {
            if self.peek().tok == Tok::LParen {
                if nested {
                    // only one level of child subqueries
                    return Err(self.unexpected());
                }
                self.next();
                let sub = self.query(true)?;
                self.expect(Tok::RParen)?;
                select.push(SelectItem::Subquery(Box::new(sub)));
            } else {
                let path = self.path()?;
                if self.peek().tok == Tok::LParen {
                    // functions (COUNT(), FIELDS(), toLabel() …) are outside the subset
                    return Err(self.unexpected());
                }
                select.push(SelectItem::Field(path));
            }
            if self.peek().tok == Tok::Comma {
                self.next();
                continue;
            }
            break;
        }
        self.expect_word("FROM")?;
        let (from, from_pos) = self.name()?;
        let condition = if self.eat_word("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order_by = Vec::new();
        if self.eat_word("ORDER") {
            self.expect_word("BY")?;
            loop {
                let path = self.path()?;
                let ascending = if self.eat_word("DESC") {
                    false
                } else {
                    self.eat_word("ASC");
                    true
                };
                let nulls_first = if self.eat_word("NULLS") {
                    if self.eat_word("FIRST") {
                        true
                    } else {
                        self.expect_word("LAST")?;
                        false
                    }
                } else {
                    ascending
                };
                order_by.push(OrderBy {
                    path,
                    ascending,
                    nulls_first,
                });
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.next();
            }
        }
        let limit = if self.eat_word("LIMIT") {
            Some(self.count()?.0)
        } else {
            None
        };
        let offset = if !nested && self.eat_word("OFFSET") {
            Some(self.count()?)
        } else {
            None
        };
        Ok(Query {
            select,
            from,
            from_pos,
            condition,
            order_by,
            limit,
            offset,
        })
    }

    fn count(&mut self) -> Result<(u64, usize), SoqlError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Num(n) => match n.parse::<u64>() {
                Ok(v) => {
                    self.next();
                    Ok((v, t.pos))
                }
                Err(_) => Err(self.unexpected()),
            },
            _ => Err(self.unexpected()),
        }
    }

    /// Conditions joined by one connective: SOQL refuses `a AND b OR c`
    /// without parentheses.
    fn condition(&mut self) -> Result<Condition, SoqlError> {
        let first = self.unary()?;
        let connective = if self.is_word("AND") {
            "AND"
        } else if self.is_word("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut parts = vec![first];
        while self.eat_word(connective) {
            parts.push(self.unary()?);
        }
        if self.is_word("AND") || self.is_word("OR") {
            return Err(self.unexpected());
        }
        Ok(if connective == "AND" {
            Condition::And(parts)
        } else {
            Condition::Or(parts)
        })
    }

    fn unary(&mut self) -> Result<Condition, SoqlError> {
        if self.eat_word("NOT") {
            return Ok(Condition::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.next();
            let c = self.condition()?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Condition, SoqlError> {
        let path = self.path()?;
        if self.eat_word("LIKE") {
            let t = self.peek().clone();
            return match t.tok {
                Tok::Str(s) => {
                    self.next();
                    Ok(Condition::Like {
                        path,
                        pattern: s,
                        pattern_pos: t.pos,
                    })
                }
                _ => Err(self.unexpected()),
            };
        }
        let negated = if self.is_word("NOT") {
            self.next();
            if !self.is_word("IN") {
                return Err(self.unexpected());
            }
            true
        } else {
            false
        };
        if self.eat_word("IN") {
            self.expect(Tok::LParen)?;
            if self.is_word("SELECT") {
                // semi-joins are outside the subset
                return Err(self.unexpected());
            }
            let mut values = Vec::new();
            loop {
                let pos = self.peek().pos;
                values.push((self.literal()?, pos));
                if self.peek().tok == Tok::Comma {
                    self.next();
                    continue;
                }
                break;
            }
            self.expect(Tok::RParen)?;
            return Ok(Condition::In {
                path,
                negated,
                values,
            });
        }
        let op = match self.peek().tok {
            Tok::Op("=") => Cmp::Eq,
            Tok::Op("!=") => Cmp::Ne,
            Tok::Op("<") => Cmp::Lt,
            Tok::Op("<=") => Cmp::Le,
            Tok::Op(">") => Cmp::Gt,
            Tok::Op(">=") => Cmp::Ge,
            _ => return Err(self.unexpected()),
        };
        self.next();
        let value_pos = self.peek().pos;
        let value = self.literal()?;
        Ok(Condition::Compare {
            path,
            op,
            value,
            value_pos,
        })
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let t = self.peek().clone();
        let lit = match &t.tok {
            Tok::Str(s) => Literal::Str(s.clone()),
            Tok::Num(n) => Literal::Num(n.clone()),
            Tok::Date(d) => Literal::Date(*d),
            Tok::DateTime(d) => Literal::DateTime(*d),
            Tok::Word(w) => match w.to_ascii_uppercase().as_str() {
                "NULL" => Literal::Null,
                "TRUE" => Literal::Bool(true),
                "FALSE" => Literal::Bool(false),
                "TODAY" => Literal::Range(DateRange::Today),
                "YESTERDAY" => Literal::Range(DateRange::Yesterday),
                "TOMORROW" => Literal::Range(DateRange::Tomorrow),
                "LAST_N_DAYS" | "NEXT_N_DAYS" => {
                    let upper = w.to_ascii_uppercase();
                    self.next();
                    self.expect(Tok::Colon)?;
                    let (n, _) = self.count()?;
                    let n = u32::try_from(n).map_err(|_| self.unexpected())?;
                    return Ok(Literal::Range(if upper == "LAST_N_DAYS" {
                        DateRange::LastNDays(n)
                    } else {
                        DateRange::NextNDays(n)
                    }));
                }
                _ => return Err(self.unexpected()),
            },
            _ => return Err(self.unexpected()),
        };
        self.next();
        Ok(lit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_connector_query() {
        let q = parse(
            "SELECT Id, Name, Account.Name, (SELECT Id, Quantity, UnitPrice FROM OpportunityLineItems ORDER BY SortOrder) \
             FROM Opportunity WHERE (StageName = 'Closed Won' OR IsWon = true) AND CloseDate = LAST_N_DAYS:30 \
             AND Amount > 100 AND CurrencyIsoCode IN ('EUR','USD') AND (NOT Name LIKE 'Test%') AND AccountId != null \
             ORDER BY CloseDate DESC NULLS LAST, Id LIMIT 10 OFFSET 5",
        )
        .unwrap();
        assert_eq!(q.from, "Opportunity");
        assert_eq!(q.select.len(), 4);
        assert!(
            matches!(&q.select[3], SelectItem::Subquery(s) if s.from == "OpportunityLineItems")
        );
        assert_eq!(q.limit, Some(10));
        assert_eq!(q.offset.map(|o| o.0), Some(5));
        assert_eq!(q.order_by.len(), 2);
        assert!(!q.order_by[0].ascending && !q.order_by[0].nulls_first);
        let Some(Condition::And(parts)) = q.condition else {
            panic!("AND at the top")
        };
        assert_eq!(parts.len(), 6);
        assert!(matches!(parts[0], Condition::Or(_)));
        assert!(matches!(
            parts[1],
            Condition::Compare {
                value: Literal::Range(DateRange::LastNDays(30)),
                ..
            }
        ));
    }

    #[test]
    fn keywords_are_case_insensitive() {
        let q =
            parse("select id from account where name like 'a%' order by name asc limit 1").unwrap();
        assert_eq!(q.from, "account");
    }

    fn refused(src: &str) -> SoqlError {
        let e = parse(src).unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY", "{src}: {}", e.message);
        e
    }

    #[test]
    fn refuses_what_salesforce_refuses() {
        assert!(
            refused("SELECT Id FRM Account")
                .message
                .ends_with("unexpected token: FRM")
        );
        refused("SELECT FROM Account");
        refused("SELECT Id, FROM Account");
        refused("SELECT Id FROM Account WHERE");
        assert!(
            refused("SELECT Id FROM Account WHERE")
                .message
                .contains("'<EOF>'")
        );
        refused("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'");
        refused("SELECT Id FROM Account LIMIT x");
        refused("SELECT Id FROM Account LIMIT 5 garbage");
        refused("SELECT Id, (SELECT Id, (SELECT Id FROM Tasks) FROM Contacts) FROM Account");
        refused("SELECT COUNT() FROM Account");
        refused("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)");
        refused("DELETE FROM Account");
        refused("SELECT Id FROM Account WHERE Name == 'x'");
        refused("SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS");
    }

    #[test]
    fn error_points_at_the_token() {
        let e = refused("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'");
        assert!(
            e.message.contains("ERROR at Row:1:Column:56"),
            "{}",
            e.message
        );
        assert!(e.message.ends_with("unexpected token: OR"));
    }
}
