//! Query locators: the rest of a query's rows behind `nextRecordsUrl`
//! (`/services/data/v66.0/query/01gDn0000000001AAA-2000`).
//!
//! Salesforce keeps a cursor for 15 minutes after its last use and at most
//! ten per user, dropping the oldest; a locator past either is refused with
//! `INVALID_QUERY_LOCATOR`. The inactivity timeout is scaled like every
//! other window.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::ids;

/// Open cursors one user may hold.
pub const MAX_OPEN: usize = 10;
/// Inactivity after which a cursor expires (real time).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

struct Cursor {
    rows: Arc<Vec<Value>>,
    /// The page size the query was opened with.
    batch: usize,
    last_used: Instant,
}

pub struct Cursors {
    open: HashMap<String, Cursor>,
    next: u64,
    idle: Duration,
}

impl Cursors {
    pub fn new(idle: Duration) -> Cursors {
        Cursors {
            open: HashMap::new(),
            next: 1,
            idle,
        }
    }

    /// Keeps the rows of a query; returns the cursor id.
    pub fn open(&mut self, rows: Arc<Vec<Value>>, batch: usize) -> String {
        self.expire();
        while self.open.len() >= MAX_OPEN {
            let oldest = self
                .open
                .iter()
                .min_by_key(|(_, c)| c.last_used)
                .map(|(k, _)| k.clone())
                .expect("not empty");
            self.open.remove(&oldest);
        }
        let id = ids::make("01g", self.next);
        self.next += 1;
        self.open.insert(
            id.clone(),
            Cursor {
                rows,
                batch,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// The rows and page size behind a live cursor, touching it.
    pub fn rows(&mut self, id: &str) -> Option<(Arc<Vec<Value>>, usize)> {
        self.expire();
        let c = self.open.get_mut(id)?;
        c.last_used = Instant::now();
        Some((c.rows.clone(), c.batch))
    }

    /// A cursor read to its end is closed.
    pub fn close(&mut self, id: &str) {
        self.open.remove(id);
    }

    fn expire(&mut self) {
        let idle = self.idle;
        self.open.retain(|_, c| c.last_used.elapsed() < idle);
    }
}

/// `01gDn0000000001AAA-2000` → (cursor id, offset of the next row).
pub fn parse_locator(locator: &str) -> Option<(&str, usize)> {
    let (id, offset) = locator.rsplit_once('-')?;
    Some((id, offset.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_cursor_goes_past_the_cap() {
        let mut c = Cursors::new(IDLE_TIMEOUT);
        let first = c.open(Arc::new(vec![]), 2000);
        for _ in 0..MAX_OPEN {
            c.open(Arc::new(vec![]), 2000);
        }
        assert!(c.rows(&first).is_none());
    }

    #[test]
    fn idle_cursors_expire() {
        let mut c = Cursors::new(Duration::ZERO);
        let id = c.open(Arc::new(vec![]), 2000);
        assert!(c.rows(&id).is_none());
    }

    #[test]
    fn locators_split_at_the_last_dash() {
        assert_eq!(
            parse_locator("01gDn0000000001AAA-2000"),
            Some(("01gDn0000000001AAA", 2000))
        );
        assert_eq!(parse_locator("01gDn0000000001AAA"), None);
    }
}
