//! `FinanceTarget` for Xero.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use http::Method;
use ledgerbridge_sdk::ability::{
    Budgets, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories,
};
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::model::{
    Account, Budget, BudgetLine, Currency, CurrencyRates, Customer, FinanceObject, HistoryNote,
    Invoice, NoteSubject, Organisation, Payment, TargetCustomer, TargetInvoice, TargetNote,
    TargetPayment, TaxRate, TrackingCategory, TrackingRef,
};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, Cursor, CustomerMatch, FinanceTarget,
    ItemOutcome, Page, PageStream, StatusChange, WriteItem, Written,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::client::{HistoryAnswer, MAX_BATCH, XeroClient, any_of, batch_key, capabilities};
use crate::config::XeroConfig;
use crate::convert;
use crate::msdate;
use crate::wire;

mod abilities;

pub struct XeroTarget {
    client: XeroClient,
    caps: Capabilities,
}

impl XeroTarget {
    pub async fn connect(
        connection: &str,
        cfg: XeroConfig,
        tokens: Arc<dyn TokenSource>,
    ) -> ConnectorResult<Self> {
        Self::connect_with_pacer(connection, cfg, tokens, None).await
    }

    /// With a fleet-wide pacer (see [`XeroClient::connect_with_pacer`]).
    pub async fn connect_with_pacer(
        connection: &str,
        cfg: XeroConfig,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn ledgerbridge_sdk::http::Pacer>>,
    ) -> ConnectorResult<Self> {
        let caps = capabilities(&cfg);
        Ok(XeroTarget {
            client: XeroClient::connect_with_pacer(connection, cfg, tokens, pacer).await?,
            caps,
        })
    }

    pub fn client(&self) -> &XeroClient {
        &self.client
    }

    /// Writes `items` in chunks of the batch size; one outcome per item.
    #[allow(clippy::too_many_arguments)]
    async fn write_all<R, W: Serialize + DeserializeOwned>(
        &self,
        items: &[WriteItem<R>],
        path: &str,
        coll: &str,
        to_wire: impl Fn(&WriteItem<R>) -> ConnectorResult<W>,
        saved: impl Fn(&W) -> Option<(String, Option<String>)>,
        invoice: impl Fn(&W) -> Option<Box<ledgerbridge_sdk::model::TargetInvoice>>,
        errors: impl Fn(&W) -> Option<Vec<String>>,
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(self.client.config().batch_size) {
            let mut wire_items = Vec::with_capacity(chunk.len());
            let mut pos = Vec::with_capacity(chunk.len());
            for it in chunk {
                match to_wire(it) {
                    Ok(w) => {
                        pos.push(Some(wire_items.len()));
                        wire_items.push(w);
                    }
                    Err(e) => {
                        pos.push(None);
                        out.push(ItemOutcome {
                            key: it.key.clone(),
                            result: Err(e),
                        });
                    }
                }
            }
            if wire_items.is_empty() {
                continue;
            }
            let keys: Vec<&str> = chunk.iter().map(|i| i.key.as_str()).collect();
            let all_new = chunk.iter().all(|i| i.target_id.is_none());
            let method = if all_new { Method::PUT } else { Method::POST };
            let answers = self
                .client
                .write(method, path, coll, &wire_items, &batch_key(&keys))
                .await?;
            let mut chunk_out: Vec<Option<ItemOutcome>> = vec![None; chunk.len()];
            for (i, it) in chunk.iter().enumerate() {
                let Some(p) = pos[i] else { continue };
                let a = &answers[p];
                let result = match (errors(a), saved(a)) {
                    (Some(errs), _) => Err(ConnectorError::validation(format!(
                        "Xero refused {coll} item: {}",
                        errs.join("; ")
                    ))
                    .with_vendor_message(errs.join("; "))
                    .with_status(200)),
                    (None, Some((id, version))) => Ok(Written {
                        target_id: id,
                        version,
                        created: it.target_id.is_none(),
                        invoice: invoice(a),
                    }),
                    (None, None) => Err(ConnectorError::malformed(format!(
                        "Xero saved a {coll} item without an id"
                    ))),
                };
                chunk_out[i] = Some(ItemOutcome {
                    key: it.key.clone(),
                    result,
                });
            }
            out.extend(chunk_out.into_iter().flatten());
        }
        // keep input order: failures to convert were pushed first within a chunk
        let order: BTreeMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.key.as_str(), i))
            .collect();
        out.sort_by_key(|o| order.get(o.key.as_str()).copied().unwrap_or(usize::MAX));
        Ok(out)
    }

    fn stream<'a, W, T>(
        &'a self,
        path: &'static str,
        coll: &'static str,
        since: Option<&'a Cursor>,
        extra: &'static [(&'static str, &'static str)],
        map: fn(&W) -> T,
        updated: fn(&W) -> Option<DateTime<Utc>>,
    ) -> PageStream<'a, T>
    where
        W: DeserializeOwned + Send + 'a,
        T: Send + 'a,
    {
        let since = since.and_then(|c| msdate::parse(c.as_str()));
        let start_cursor = since.map(|t| t.to_rfc3339()).unwrap_or_default();
        // state: (next page, done, cursor so far)
        stream::unfold(
            (1u64, false, start_cursor),
            move |(page, done, cursor)| async move {
                if done {
                    return None;
                }
                let mut params: Vec<(&str, &str)> = vec![("order", "UpdatedDateUTC ASC")];
                params.extend_from_slice(extra);
                match self
                    .client
                    .page::<W>(path, coll, page, None, since, &params)
                    .await
                {
                    Err(e) => Some((Err(e), (page, true, cursor))),
                    Ok(items) => {
                        if items.is_empty() && page > 1 {
                            return None;
                        }
                        let last = items.iter().filter_map(updated).max();
                        // the next run asks If-Modified-Since this instant: records at it come again (overlap)
                        let cursor = last.map(|t| t.to_rfc3339()).unwrap_or(cursor);
                        let full = items.len() as u64 >= self.client.config().page_size;
                        let records = items.iter().map(map).collect();
                        Some((
                            Ok(Page {
                                records,
                                cursor: Cursor::new(cursor.clone()),
                            }),
                            (page + 1, !full, cursor),
                        ))
                    }
                }
            },
        )
        .boxed()
    }
}

fn wire_errors(v: &Option<Vec<wire::ValidationError>>, flag: Option<bool>) -> Option<Vec<String>> {
    let msgs: Vec<String> = v.iter().flatten().map(|e| e.message.clone()).collect();
    (flag == Some(true) || !msgs.is_empty()).then_some(msgs)
}

fn parse_id(kind: &str, id: &Option<String>) -> ConnectorResult<Option<Uuid>> {
    id.as_deref()
        .map(|s| {
            Uuid::parse_str(s).map_err(|_| {
                ConnectorError::validation(format!("{kind} id {s:?} is not a Xero id"))
            })
        })
        .transpose()
}

fn note_id(text: &str) -> String {
    ledgerbridge_sdk::sha256_hex(text.as_bytes())
}

/// Most notes in one History PUT. Neither Xero's History & Notes page
/// (developer.xero.com/documentation/api/history-and-notes: "Details … Max
/// Length 250 characters", nothing on records per request) nor the OpenAPI
/// `historyRecords` request body (an unbounded array) documents a cap, so
/// this is Xero's batch size for every other write, [`MAX_BATCH`] (50). The
/// 250-character limit is met per note by [`convert::note_details`].
const NOTES_PER_CALL: usize = MAX_BATCH;

/// History PUTs of one batch in flight at once: Xero's concurrent-call limit.
const NOTE_CALLS_IN_FLIGHT: usize = 5;

/// A note Xero refused (`status`: 400 for a refused call, 200 for a record
/// refused inside a saved one).
fn note_refused(msgs: &[String], status: u16) -> ConnectorError {
    let m = if msgs.is_empty() {
        "A validation exception occurred".to_string()
    } else {
        msgs.join("; ")
    };
    ConnectorError::validation(format!("Xero refused the note: {m}"))
        .with_vendor_message(m)
        .with_status(status)
}

/// A note as it goes to Xero: its item's key and the `Details` written
/// (the text shortened to Xero's limit, see [`convert::note_details`]).
struct Outgoing<'a> {
    key: &'a str,
    details: String,
}

impl XeroTarget {
    /// One History PUT of `notes` (all on `path`'s subject); one result per
    /// note, in order. The Idempotency-Key comes from the notes' keys in
    /// order, so a resent identical call is replayed, never written twice.
    ///
    /// Xero refuses the whole call when any note is invalid (400
    /// `ValidationException`), echoing each refused record with its errors.
    /// Validity depends on a note's text alone, so notes whose text matches a
    /// refused record fail with its errors and the rest go again in one call.
    /// When the refusal cannot be pinned that way, every note goes alone so
    /// one bad note never fails its neighbours.
    fn put_notes<'a>(
        &'a self,
        path: &'a str,
        notes: &'a [&'a Outgoing<'a>],
    ) -> futures::future::BoxFuture<'a, Vec<Result<Written, ConnectorError>>> {
        Box::pin(async move {
            let records: Vec<wire::HistoryRecord> = notes
                .iter()
                .map(|n| wire::HistoryRecord {
                    details: Some(n.details.clone()),
                    ..Default::default()
                })
                .collect();
            let keys: Vec<&str> = notes.iter().map(|n| n.key).collect();
            // the id of the text Xero holds, as `find_notes` reads it back
            let written = |n: &Outgoing| Written {
                target_id: note_id(&n.details),
                version: None,
                created: true,
                invoice: None,
            };
            let answer = self
                .client
                .put_history(path, &records, &batch_key(&keys))
                .await;
            let refused = match answer {
                // the call failed as a whole (retryable, subject gone, ...): so does each note
                Err(e) => return notes.iter().map(|_| Err(e.clone())).collect(),
                Ok(HistoryAnswer::Saved(saved)) => {
                    return notes
                        .iter()
                        .zip(&saved)
                        .map(|(n, a)| match wire_errors(&a.validation_errors, None) {
                            Some(errs) => Err(note_refused(&errs, 200)),
                            None => Ok(written(n)),
                        })
                        .collect();
                }
                Ok(HistoryAnswer::Refused(elements)) => elements,
            };
            let mut by_text: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for el in &refused {
                let msgs: Vec<String> = el
                    .validation_errors
                    .iter()
                    .flatten()
                    .map(|e| e.message.clone())
                    .collect();
                if !msgs.is_empty() {
                    let text = el.details.clone().unwrap_or_default();
                    by_text.entry(text).or_default().extend(msgs);
                }
            }
            if notes.len() == 1 {
                let msgs: Vec<String> = by_text.into_values().flatten().collect();
                return vec![Err(note_refused(&msgs, 400))];
            }
            let pinned = !by_text.is_empty()
                && by_text
                    .keys()
                    .all(|t| notes.iter().any(|n| n.details == *t));
            if !pinned {
                let mut out = Vec::with_capacity(notes.len());
                for n in notes {
                    out.extend(self.put_notes(path, std::slice::from_ref(n)).await);
                }
                return out;
            }
            let good: Vec<&Outgoing> = notes
                .iter()
                .copied()
                .filter(|n| !by_text.contains_key(&n.details))
                .collect();
            // fewer notes than this call: the recursion ends
            let mut again = if good.is_empty() {
                Vec::new()
            } else {
                self.put_notes(path, &good).await
            }
            .into_iter();
            notes
                .iter()
                .map(|n| match by_text.get(&n.details) {
                    Some(msgs) => Err(note_refused(msgs, 400)),
                    None => again.next().expect("one result per good note"),
                })
                .collect()
        })
    }
}

fn subject_path(s: &NoteSubject) -> ConnectorResult<String> {
    let plural = match s.object {
        FinanceObject::Invoice => "Invoices",
        FinanceObject::Customer => "Contacts",
        other => {
            return Err(ConnectorError::config(format!(
                "Xero keeps no notes on {}",
                other.as_str()
            )));
        }
    };
    Ok(format!("/{plural}/{}", s.id))
}

#[async_trait]
impl FinanceTarget for XeroTarget {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn upsert_customers(
        &self,
        items: &[WriteItem<Customer>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.write_all(
            items,
            "/Contacts",
            "Contacts",
            |it| {
                Ok(convert::contact_from(
                    &it.record,
                    parse_id("contact", &it.target_id)?,
                ))
            },
            |c: &wire::Contact| {
                c.contact_id
                    .map(|i| (i.to_string(), c.updated_date_utc.clone()))
            },
            |_| None,
            |c| wire_errors(&c.validation_errors, c.has_validation_errors),
        )
        .await
    }

    async fn upsert_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.write_all(
            items,
            "/Invoices",
            "Invoices",
            |it| {
                Ok(convert::invoice_from(
                    &it.record,
                    parse_id("invoice", &it.target_id)?,
                ))
            },
            |i: &wire::Invoice| {
                i.invoice_id
                    .map(|id| (id.to_string(), i.updated_date_utc.clone()))
            },
            |i: &wire::Invoice| Some(Box::new(convert::target_invoice(i))),
            |i| wire_errors(&i.validation_errors, i.has_errors),
        )
        .await
    }

    async fn create_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        // payments are never updated, only created: PUT
        let creates: Vec<WriteItem<Payment>> = items
            .iter()
            .map(|i| WriteItem {
                target_id: None,
                ..i.clone()
            })
            .collect();
        self.write_all(
            &creates,
            "/Payments",
            "Payments",
            |it| Ok(convert::payment_from(&it.record)),
            |p: &wire::Payment| {
                p.payment_id
                    .map(|id| (id.to_string(), p.updated_date_utc.clone()))
            },
            |_| None,
            |p| wire_errors(&p.validation_errors, p.has_validation_errors),
        )
        .await
    }

    async fn find_invoices(&self, references: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let mut out = Vec::new();
        // 25 references per call keeps the URL well under common limits
        for chunk in references.chunks(25) {
            let w = any_of("Reference", chunk);
            let found: Vec<wire::Invoice> = self
                .client
                .all("/Invoices", "Invoices", Some(&w), &[])
                .await?;
            out.extend(found.iter().map(convert::target_invoice));
        }
        Ok(out)
    }

    async fn get_invoices(&self, ids: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(50) {
            let joined = chunk.join(",");
            let found: Vec<wire::Invoice> = self
                .client
                .all("/Invoices", "Invoices", None, &[("IDs", joined.as_str())])
                .await?;
            out.extend(found.iter().map(convert::target_invoice));
        }
        Ok(out)
    }

    async fn find_customers(
        &self,
        matches: &[CustomerMatch],
    ) -> ConnectorResult<Vec<TargetCustomer>> {
        let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for m in matches {
            let (field, v) = match m {
                CustomerMatch::ExternalRef(v) => ("AccountNumber", v),
                CustomerMatch::Email(v) => ("EmailAddress", v),
                CustomerMatch::Domain(v) => ("Domain", v),
                CustomerMatch::Name(v) => ("Name", v),
            };
            groups.entry(field).or_default().push(v.clone());
        }
        let mut out: Vec<TargetCustomer> = Vec::new();
        for (field, values) in groups {
            for chunk in values.chunks(25) {
                let w = if field == "Domain" {
                    chunk
                        .iter()
                        .map(|d| format!("EmailAddress.EndsWith(\"@{}\")", d.replace('"', "")))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                } else {
                    any_of(field, chunk)
                };
                let found: Vec<wire::Contact> = self
                    .client
                    .all(
                        "/Contacts",
                        "Contacts",
                        Some(&w),
                        &[("includeArchived", "true")],
                    )
                    .await?;
                for c in &found {
                    let t = convert::target_customer(c);
                    if !out.iter().any(|x| x.id == t.id) {
                        out.push(t);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn find_payments(&self, references: &[String]) -> ConnectorResult<Vec<TargetPayment>> {
        let mut out = Vec::new();
        for chunk in references.chunks(25) {
            let w = any_of("Reference", chunk);
            let found: Vec<wire::Payment> = self
                .client
                .all("/Payments", "Payments", Some(&w), &[])
                .await?;
            out.extend(found.iter().map(convert::target_payment));
        }
        Ok(out)
    }

    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice> {
        self.stream(
            "/Invoices",
            "Invoices",
            since,
            &[],
            |i: &wire::Invoice| convert::target_invoice(i),
            |i| convert::instant(&i.updated_date_utc),
        )
    }

    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer> {
        self.stream(
            "/Contacts",
            "Contacts",
            since,
            &[("includeArchived", "true")],
            |c: &wire::Contact| convert::target_customer(c),
            |c| convert::instant(&c.updated_date_utc),
        )
    }

    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment> {
        self.stream(
            "/Payments",
            "Payments",
            since,
            &[],
            |p: &wire::Payment| convert::target_payment(p),
            |p| convert::instant(&p.updated_date_utc),
        )
    }

    async fn organisation(&self) -> ConnectorResult<Organisation> {
        let orgs: Vec<wire::Organisation> = self
            .client
            .get("/Organisation", "Organisations", &[])
            .await?;
        let o = orgs
            .into_iter()
            .next()
            .ok_or_else(|| ConnectorError::malformed("Xero returned no organisation"))?;
        let d = |s: &Option<String>| s.as_deref().and_then(msdate::parse_date);
        let base = o.base_currency.clone().unwrap_or_else(|| "USD".into());
        Ok(Organisation {
            name: o.name.clone().unwrap_or_default(),
            base_currency: Currency::new(&base)
                .map_err(|e| ConnectorError::malformed(e.to_string()))?,
            lock_date: d(&o.period_lock_date).max(d(&o.end_of_year_lock_date)),
        })
    }

    async fn accounts(&self) -> ConnectorResult<Vec<Account>> {
        let accts: Vec<wire::Account> = self.client.get("/Accounts", "Accounts", &[]).await?;
        Ok(accts
            .into_iter()
            .map(|a| Account {
                id: a.account_id.map(|i| i.to_string()).unwrap_or_default(),
                code: a.code.unwrap_or_default(),
                name: a.name.unwrap_or_default(),
                kind: a.kind.unwrap_or_default(),
                active: a.status.as_deref() == Some("ACTIVE"),
            })
            .collect())
    }

    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>> {
        let rates: Vec<wire::TaxRate> = self.client.get("/TaxRates", "TaxRates", &[]).await?;
        Ok(rates
            .into_iter()
            .map(|r| TaxRate {
                tax_type: r.tax_type.unwrap_or_default(),
                name: r.name.unwrap_or_default(),
                rate: r.effective_rate.or(r.display_tax_rate).unwrap_or_default(),
                active: r.status.as_deref() == Some("ACTIVE"),
            })
            .collect())
    }

    fn notes(&self) -> Option<&dyn HistoryNotes> {
        Some(self)
    }

    fn tracking(&self) -> Option<&dyn TrackingCategories> {
        Some(self)
    }

    fn budgeting(&self) -> Option<&dyn Budgets> {
        Some(self)
    }

    fn exchange_rates(&self) -> Option<&dyn ExchangeRates> {
        Some(self)
    }

    fn status_changes(&self) -> Option<&dyn StatusChanges> {
        Some(self)
    }
}
