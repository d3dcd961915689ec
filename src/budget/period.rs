//! The months a report covers: `YYYY-MM..YYYY-MM`, both ends included.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, String> {
        let bad = || format!("{s:?} is not a month (YYYY-MM)");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("valid date")
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The months of a report, `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Month,
    pub to: Month,
}

/// More months than this is almost surely a typo (and a very wide report).
const MAX_MONTHS: usize = 120;

impl Period {
    /// Parses `YYYY-MM..YYYY-MM`; a single `YYYY-MM` is a one-month period.
    pub fn parse(s: &str) -> Result<Period, String> {
        let (from, to) = match s.split_once("..") {
            Some((a, b)) => (Month::parse(a)?, Month::parse(b)?),
            None => {
                let m = Month::parse(s)?;
                (m, m)
            }
        };
        if to < from {
            return Err(format!("period {s:?} ends before it starts"));
        }
        let p = Period { from, to };
        if p.months().len() > MAX_MONTHS {
            return Err(format!("period {s:?} is longer than {MAX_MONTHS} months"));
        }
        Ok(p)
    }

    /// The calendar year of `today`: the default period.
    pub fn year_of(today: NaiveDate) -> Period {
        Period {
            from: Month {
                year: today.year(),
                month: 1,
            },
            to: Month {
                year: today.year(),
                month: 12,
            },
        }
    }

    /// Every month of the period, in order.
    pub fn months(&self) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self.from;
        while m <= self.to {
            out.push(m);
            m = m.next();
        }
        out
    }

    pub fn contains(&self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }

    pub fn contains_date(&self, d: NaiveDate) -> bool {
        self.contains(Month::of(d))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lists_months_across_a_year_end() {
        let p = Period::parse("2025-11..2026-02").unwrap();
        let m: Vec<String> = p.months().iter().map(Month::to_string).collect();
        assert_eq!(m, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(Period::parse("2026-03").unwrap().months().len(), 1);
        assert!(Period::parse("2026-03..2026-01").is_err());
        assert!(Period::parse("2026-13..2026-12").is_err());
        assert!(Period::parse("26-01..26-02").is_err());
        assert_eq!(
            Month::parse("2024-02").unwrap().last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
    }
}
