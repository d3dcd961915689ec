//! Listings page by page. With no cursor (or one older than change data capture
//! reaches, 30 days) every row is read with the query language, ordered by `Id`;
//! with a recent cursor, `/cdc` answers with what changed since (at most 1,000
//! objects an answer, so it is asked again from the newest change until fewer
//! come), deleted objects included. The cursor is the newest `LastUpdatedTime`
//! seen: the next run asks again from that instant, so changes at it come twice
//! rather than never.

use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, StreamExt};
use ledgerbridge_sdk::model::{InvoiceStatus, TargetCustomer, TargetInvoice, TargetPayment};
use ledgerbridge_sdk::{ConnectorResult, Cursor, Page, PageStream};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::QuickBooksTarget;
use crate::config::CDC_LOOK_BACK_DAYS;
use crate::convert;
use crate::wire::objects::{self as wire, MetaData};
use crate::wire::time::parse_time;

/// Where a listing is.
#[derive(Clone)]
enum At {
    Query { start: usize },
    Changes { since: DateTime<Utc> },
    Done,
}

/// Turns one page's rows into the records the engine reads.
type MapPage<'a, W, T> = fn(
    &'a QuickBooksTarget,
    Vec<Row<W>>,
) -> futures::future::BoxFuture<'a, ConnectorResult<Vec<T>>>;

/// A row as listed: the entity, or the id of one deleted.
pub enum Row<W> {
    Live(W),
    Deleted(String),
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "Id", default)]
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(rename = "MetaData", default)]
    meta: Option<MetaData>,
}

fn start(since: Option<&Cursor>, now: DateTime<Utc>) -> At {
    let since = since
        .map(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .and_then(parse_time);
    match since {
        // an hour's margin keeps the look-back inside what QuickBooks allows
        Some(t) if t > now - Duration::days(CDC_LOOK_BACK_DAYS) + Duration::hours(1) => {
            At::Changes { since: t }
        }
        _ => At::Query { start: 1 },
    }
}

impl QuickBooksTarget {
    /// One page of rows of `entity` and where the listing goes next.
    async fn next_rows<W: DeserializeOwned>(
        &self,
        entity: &'static str,
        at: At,
    ) -> ConnectorResult<(Vec<Row<W>>, Option<DateTime<Utc>>, At)> {
        let page = self.client.config().page_size;
        let raw: Vec<Box<RawValue>> = match &at {
            At::Done => return Ok((Vec::new(), None, At::Done)),
            At::Query { start } => self.client.query_page(entity, None, "Id", *start).await?,
            At::Changes { since } => {
                let text = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                self.client.changes(entity, &text).await?
            }
        };
        let mut rows = Vec::with_capacity(raw.len());
        let mut newest: Option<DateTime<Utc>> = None;
        for r in &raw {
            let head: Head = serde_json::from_str(r.get()).map_err(|e| {
                ledgerbridge_sdk::ConnectorError::malformed(format!("QuickBooks {entity}: {e}"))
            })?;
            let t = convert::updated_at(&head.meta);
            newest = newest.max(t);
            if head.status.as_deref() == Some("Deleted") {
                rows.push(Row::Deleted(head.id));
            } else {
                let w: W = serde_json::from_str(r.get()).map_err(|e| {
                    ledgerbridge_sdk::ConnectorError::malformed(format!("QuickBooks {entity}: {e}"))
                })?;
                rows.push(Row::Live(w));
            }
        }
        let next = match at {
            At::Query { start } if raw.len() >= page => At::Query {
                start: start + raw.len(),
            },
            At::Changes { since } if raw.len() >= crate::config::MAX_PAGE => match newest {
                Some(t) if t > since => At::Changes { since: t },
                _ => At::Done,
            },
            _ => At::Done,
        };
        Ok((rows, newest, next))
    }

    /// A listing of `entity`, each page's rows converted by `map`.
    fn pages<'a, W, T>(
        &'a self,
        entity: &'static str,
        since: Option<&'a Cursor>,
        map: MapPage<'a, W, T>,
    ) -> PageStream<'a, T>
    where
        W: DeserializeOwned + Send + 'a,
        T: Send + 'a,
    {
        let first = start(since, Utc::now());
        let cursor = since.map(|c| c.as_str().to_string()).unwrap_or_default();
        stream::unfold(
            (first, cursor, false),
            move |(at, cursor, ended)| async move {
                if ended || matches!(at, At::Done) {
                    return None;
                }
                let (rows, newest, next) = match self.next_rows::<W>(entity, at).await {
                    Ok(x) => x,
                    Err(e) => return Some((Err(e), (At::Done, cursor, true))),
                };
                let cursor = newest
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .filter(|t| parse_time(t) > parse_time(&cursor) || cursor.is_empty())
                    .unwrap_or(cursor);
                match map(self, rows).await {
                    Ok(records) => Some((
                        Ok(Page {
                            records,
                            cursor: Cursor::new(cursor.clone()),
                        }),
                        (next, cursor, false),
                    )),
                    Err(e) => Some((Err(e), (At::Done, cursor, true))),
                }
            },
        )
        .boxed()
    }

    pub(super) fn list_invoice_pages<'a>(
        &'a self,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, TargetInvoice> {
        self.pages("Invoice", since, |t, rows: Vec<Row<wire::Invoice>>| {
            Box::pin(async move {
                let live: Vec<wire::Invoice> = rows
                    .iter()
                    .filter_map(|r| match r {
                        Row::Live(i) => Some(i.clone()),
                        Row::Deleted(_) => None,
                    })
                    .collect();
                let mut out = t.read_invoices(&live).await?;
                let home = t.company().await?.home_currency.clone();
                for r in rows {
                    if let Row::Deleted(id) = r {
                        out.push(deleted_invoice(id, &home));
                    }
                }
                Ok(out)
            })
        })
    }

    pub(super) fn list_customer_pages<'a>(
        &'a self,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, TargetCustomer> {
        self.pages("Customer", since, |t, rows: Vec<Row<wire::Customer>>| {
            Box::pin(async move {
                Ok(rows
                    .into_iter()
                    .filter_map(|r| match r {
                        Row::Live(c) => {
                            t.remember_customer(&c);
                            Some(convert::target_customer(&c))
                        }
                        // QuickBooks never deletes a customer, it makes it inactive
                        Row::Deleted(_) => None,
                    })
                    .collect())
            })
        })
    }

    pub(super) fn list_payment_pages<'a>(
        &'a self,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, TargetPayment> {
        self.pages("Payment", since, |_, rows: Vec<Row<wire::Payment>>| {
            Box::pin(async move {
                Ok(rows
                    .into_iter()
                    .map(|r| match r {
                        Row::Live(p) => convert::target_payment(&p),
                        Row::Deleted(id) => TargetPayment {
                            id,
                            invoice_id: String::new(),
                            amount: Default::default(),
                            date: None,
                            reference: None,
                            live: false,
                        },
                    })
                    .collect())
            })
        })
    }
}

fn deleted_invoice(id: String, home: &str) -> TargetInvoice {
    let currency = ledgerbridge_sdk::model::Currency::new(home)
        .unwrap_or_else(|_| ledgerbridge_sdk::model::Currency::new("USD").expect("USD"));
    TargetInvoice {
        id,
        number: None,
        reference: None,
        customer_id: None,
        status: InvoiceStatus::Deleted,
        currency,
        currency_rate: None,
        date: None,
        due_date: None,
        tax_mode: Default::default(),
        sub_total: Default::default(),
        total_tax: Default::default(),
        total: Default::default(),
        amount_paid: Default::default(),
        amount_due: Default::default(),
        fully_paid_on: None,
        lines: Vec::new(),
        updated_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_cursors_list_everything_recent_ones_ask_for_changes() {
        let now = Utc::now();
        let recent = Cursor::new((now - Duration::days(2)).to_rfc3339());
        assert!(matches!(start(Some(&recent), now), At::Changes { .. }));
        let old = Cursor::new((now - Duration::days(31)).to_rfc3339());
        assert!(matches!(start(Some(&old), now), At::Query { start: 1 }));
        assert!(matches!(start(None, now), At::Query { start: 1 }));
        assert!(matches!(
            start(Some(&Cursor::new("")), now),
            At::Query { .. }
        ));
    }
}
