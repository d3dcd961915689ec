//! `FinanceTarget` for QuickBooks Online.
//!
//! Writes go through `/batch` (at most 30 items), one `requestid` per batch derived
//! from its items' idempotency keys. Updates are sparse and carry the current
//! `SyncToken`, read just before; an item refused as stale (5010) is read again and
//! sent once more inside the same call. Our reference is the invoice's `DocNumber`
//! and the payment's `PaymentRefNum` (short form when longer than 21 characters,
//! see [`crate::reference`]), repeated whole in `PrivateNote` after a marker; a
//! customer's external reference is its `AcctNum`.

mod abilities;
mod company;
mod invoices;
mod listing;
mod names;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ledgerbridge_sdk::ability::{
    Budgets, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories,
};
use ledgerbridge_sdk::auth::TokenSource;
use ledgerbridge_sdk::model::{
    Account, Currency, Customer, Invoice, Organisation, Payment, TargetCustomer, TargetInvoice,
    TargetPayment, TaxRate,
};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, Cursor, CustomerMatch, ErrorKind, FinanceTarget,
    ItemOutcome, PageStream, WriteItem, Written,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use crate::client::{BatchAnswer, QuickBooksClient, any_of, literal, refused};
use crate::config::QuickBooksConfig;
use crate::convert;
use crate::reference::{request_id, stored};
use crate::wire::objects as wire;

pub use company::Company;
pub use names::{CustomerFacts, currency_sibling};

pub struct QuickBooksTarget {
    client: QuickBooksClient,
    caps: Capabilities,
    company: OnceCell<Company>,
    items: Mutex<HashMap<String, names::KnownItem>>,
    items_loaded: Mutex<bool>,
    customers: Mutex<HashMap<String, CustomerFacts>>,
    /// Customer ids by `AcctNum`, and whether every customer was read once.
    by_ref: Mutex<HashMap<String, String>>,
    all_customers_read: Mutex<bool>,
}

/// One entity body to send, with the item it answers for.
pub(crate) struct Outgoing<W> {
    /// Position in the caller's items.
    pub index: usize,
    pub key: String,
    /// What the record is called in messages (a reference, a name).
    pub label: String,
    pub operation: &'static str,
    pub body: W,
}

impl QuickBooksTarget {
    pub async fn connect(
        connection: &str,
        cfg: QuickBooksConfig,
        tokens: Arc<dyn TokenSource>,
        pacer: Option<Arc<dyn ledgerbridge_sdk::http::Pacer>>,
    ) -> ConnectorResult<Self> {
        let caps = crate::capabilities(&cfg);
        let client = QuickBooksClient::connect(connection, cfg, &caps, tokens, pacer).await?;
        Ok(QuickBooksTarget {
            client,
            caps,
            company: OnceCell::new(),
            items: Mutex::new(HashMap::new()),
            items_loaded: Mutex::new(false),
            customers: Mutex::new(HashMap::new()),
            by_ref: Mutex::new(HashMap::new()),
            all_customers_read: Mutex::new(false),
        })
    }

    pub fn client(&self) -> &QuickBooksClient {
        &self.client
    }

    /// The company's settings and name lists, read on first use.
    pub async fn company(&self) -> ConnectorResult<&Company> {
        self.company
            .get_or_try_init(|| Company::read(&self.client))
            .await
    }

    fn home_hint(&self) -> String {
        self.company
            .get()
            .map(|c| c.home_currency.clone())
            .unwrap_or_else(|| "USD".into())
    }

    /// Current `SyncToken`s of these ids.
    async fn sync_tokens(
        &self,
        entity: &'static str,
        ids: &[String],
    ) -> ConnectorResult<HashMap<String, String>> {
        #[derive(serde::Deserialize)]
        struct Versioned {
            #[serde(rename = "Id")]
            id: String,
            #[serde(rename = "SyncToken")]
            sync_token: String,
        }
        let mut out = HashMap::new();
        for chunk in ids.chunks(self.client.config().batch_size) {
            let rows: Vec<Versioned> = self
                .client
                .query_all(entity, Some(&any_of("Id", chunk)))
                .await?;
            out.extend(rows.into_iter().map(|r| (r.id, r.sync_token)));
        }
        Ok(out)
    }

    /// Sends bodies through `/batch` in chunks; an update refused as stale (5010)
    /// gets the current `SyncToken` and goes once more. One result per body.
    pub(crate) async fn send<W>(
        &self,
        entity: &'static str,
        what: &str,
        outgoing: Vec<Outgoing<W>>,
        set_token: fn(&mut W, String),
    ) -> ConnectorResult<Vec<(Outgoing<W>, Result<W, ConnectorError>)>>
    where
        W: Serialize + DeserializeOwned + Clone + HasId,
    {
        let mut done = Vec::with_capacity(outgoing.len());
        let mut queue = outgoing;
        let chunk = self.client.config().batch_size;
        while !queue.is_empty() {
            let rest = queue.split_off(chunk.min(queue.len()));
            let part = std::mem::replace(&mut queue, rest);
            let keys: Vec<&str> = part.iter().map(|o| o.key.as_str()).collect();
            let bodies: Vec<(&'static str, &W)> =
                part.iter().map(|o| (o.operation, &o.body)).collect();
            let answers = self
                .client
                .batch(entity, &bodies, &request_id(&keys))
                .await?;
            let mut stale = Vec::new();
            for (o, a) in part.into_iter().zip(answers) {
                match a {
                    BatchAnswer::Saved(w) => done.push((o, Ok(w))),
                    BatchAnswer::Refused(f, _) if f.code() == 5010 && o.body.id().is_some() => {
                        stale.push(o)
                    }
                    BatchAnswer::Refused(f, tid) => {
                        let e = refused(&f, &format!("{what} {}", o.label), &tid);
                        done.push((o, Err(e)));
                    }
                }
            }
            if stale.is_empty() {
                continue;
            }
            let ids: Vec<String> = stale.iter().filter_map(|o| o.body.id()).collect();
            let tokens = self.sync_tokens(entity, &ids).await?;
            let mut again = Vec::new();
            for mut o in stale {
                match o.body.id().and_then(|id| tokens.get(&id).cloned()) {
                    Some(t) => {
                        set_token(&mut o.body, t);
                        again.push(o);
                    }
                    None => done.push((
                        o,
                        Err(ConnectorError::new(
                            ErrorKind::NotFound,
                            format!("{what}: the {entity} to update is gone"),
                        )),
                    )),
                }
            }
            // the retry is sent once: a second 5010 is reported as the conflict it is
            let keys: Vec<String> = again.iter().map(|o| format!("{}#retry", o.key)).collect();
            let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let bodies: Vec<(&'static str, &W)> =
                again.iter().map(|o| (o.operation, &o.body)).collect();
            let answers = self
                .client
                .batch(entity, &bodies, &request_id(&key_refs))
                .await?;
            for (o, a) in again.into_iter().zip(answers) {
                let r = match a {
                    BatchAnswer::Saved(w) => Ok(w),
                    BatchAnswer::Refused(f, tid) => {
                        Err(refused(&f, &format!("{what} {}", o.label), &tid))
                    }
                };
                done.push((o, r));
            }
        }
        done.sort_by_key(|(o, _)| o.index);
        Ok(done)
    }
}

/// An entity body's `Id`, for the stale-token retry.
pub(crate) trait HasId {
    fn id(&self) -> Option<String>;
}

impl HasId for wire::Customer {
    fn id(&self) -> Option<String> {
        self.id.clone()
    }
}
impl HasId for wire::Invoice {
    fn id(&self) -> Option<String> {
        self.id.clone()
    }
}
impl HasId for wire::Payment {
    fn id(&self) -> Option<String> {
        self.id.clone()
    }
}
impl HasId for wire::Attachable {
    fn id(&self) -> Option<String> {
        self.id.clone()
    }
}

/// Outcomes in the items' order: the failures before sending, then the answers.
pub(crate) fn outcomes<R>(
    items: &[WriteItem<R>],
    mut early: Vec<(usize, ConnectorError)>,
    sent: Vec<(usize, Result<Written, ConnectorError>)>,
) -> Vec<ItemOutcome> {
    let mut all: Vec<(usize, Result<Written, ConnectorError>)> =
        early.drain(..).map(|(i, e)| (i, Err(e))).collect();
    all.extend(sent);
    all.sort_by_key(|(i, _)| *i);
    all.into_iter()
        .map(|(i, result)| ItemOutcome {
            key: items[i].key.clone(),
            result,
        })
        .collect()
}

#[async_trait]
impl FinanceTarget for QuickBooksTarget {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn upsert_customers(
        &self,
        items: &[WriteItem<Customer>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let ids: Vec<String> = items.iter().filter_map(|i| i.target_id.clone()).collect();
        let tokens = self.sync_tokens("Customer", &ids).await?;
        let mut early = Vec::new();
        let mut outgoing = Vec::new();
        for (index, it) in items.iter().enumerate() {
            let current = match &it.target_id {
                None => None,
                Some(id) => match tokens.get(id) {
                    Some(t) => Some((id.as_str(), t.as_str())),
                    None => {
                        early.push((
                            index,
                            ConnectorError::new(
                                ErrorKind::NotFound,
                                format!("QuickBooks has no customer {id} to update"),
                            ),
                        ));
                        continue;
                    }
                },
            };
            outgoing.push(Outgoing {
                index,
                key: it.key.clone(),
                label: it.record.name.clone(),
                operation: if current.is_some() {
                    "update"
                } else {
                    "create"
                },
                body: convert::customer_from(&it.record, current),
            });
        }
        let sent = self
            .send("Customer", "customer", outgoing, |c, t| {
                c.sync_token = Some(t)
            })
            .await?;
        let mut results = Vec::with_capacity(sent.len());
        for (o, r) in sent {
            let r = match r {
                Ok(c) => {
                    self.remember_customer(&c);
                    Ok(Written {
                        target_id: c.id.clone().unwrap_or_default(),
                        version: c.sync_token.clone(),
                        created: o.operation == "create",
                        invoice: None,
                    })
                }
                Err(e) if e.kind == ErrorKind::Conflict && o.operation == "create" => {
                    self.name_clash(&items[o.index].record, e).await
                }
                Err(e) => Err(e),
            };
            results.push((o.index, r));
        }
        Ok(outcomes(items, early, results))
    }

    async fn upsert_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.write_invoices(items).await
    }

    async fn create_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.write_payments(items).await
    }

    async fn find_invoices(&self, references: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let mut out = Vec::new();
        for chunk in references.chunks(self.client.config().batch_size) {
            let short: Vec<String> = chunk.iter().map(|r| stored(r)).collect();
            let found: Vec<wire::Invoice> = self
                .client
                .query_all("Invoice", Some(&any_of("DocNumber", &short)))
                .await?;
            out.extend(self.read_invoices(&found).await?);
        }
        Ok(out)
    }

    async fn get_invoices(&self, ids: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(self.client.config().batch_size) {
            let found: Vec<wire::Invoice> = self
                .client
                .query_all("Invoice", Some(&any_of("Id", chunk)))
                .await?;
            out.extend(self.read_invoices(&found).await?);
        }
        Ok(out)
    }

    async fn find_customers(
        &self,
        matches: &[CustomerMatch],
    ) -> ConnectorResult<Vec<TargetCustomer>> {
        let mut names = Vec::new();
        let mut emails = Vec::new();
        let mut domains = Vec::new();
        let mut refs = Vec::new();
        for m in matches {
            match m {
                CustomerMatch::Name(n) => names.push(n.clone()),
                CustomerMatch::Email(e) => emails.push(e.clone()),
                CustomerMatch::Domain(d) => domains.push(d.clone()),
                CustomerMatch::ExternalRef(r) => refs.push(r.clone()),
            }
        }
        let mut found: Vec<wire::Customer> = Vec::new();
        let chunk = self.client.config().batch_size;
        for c in names.chunks(chunk) {
            found.extend(
                self.client
                    .query_all("Customer", Some(&any_of("DisplayName", c)))
                    .await?,
            );
        }
        for c in emails.chunks(chunk) {
            found.extend(
                self.client
                    .query_all("Customer", Some(&any_of("PrimaryEmailAddr", c)))
                    .await?,
            );
        }
        // the query language has no OR: one LIKE per domain
        for d in &domains {
            let w = format!("PrimaryEmailAddr LIKE {}", literal(&format!("%@{d}")));
            found.extend(self.client.query_all("Customer", Some(&w)).await?);
        }
        if !refs.is_empty() {
            // AcctNum is not a queryable field: the customer list is read and matched
            let all: Vec<wire::Customer> = self.client.query_all("Customer", None).await?;
            found.extend(
                all.into_iter()
                    .filter(|c| c.acct_num.as_ref().is_some_and(|a| refs.contains(a))),
            );
        }
        let mut out: Vec<TargetCustomer> = Vec::new();
        for c in &found {
            self.remember_customer(c);
            let t = convert::target_customer(c);
            if !out.iter().any(|x| x.id == t.id) {
                out.push(t);
            }
        }
        Ok(out)
    }

    async fn find_payments(&self, references: &[String]) -> ConnectorResult<Vec<TargetPayment>> {
        let mut out = Vec::new();
        for chunk in references.chunks(self.client.config().batch_size) {
            let by_short: HashMap<String, &String> = chunk.iter().map(|r| (stored(r), r)).collect();
            let short: Vec<String> = by_short.keys().cloned().collect();
            let found: Vec<wire::Payment> = self
                .client
                .query_all("Payment", Some(&any_of("PaymentRefNum", &short)))
                .await?;
            out.extend(found.iter().map(|p| {
                let mut t = convert::target_payment(p);
                if let Some(r) = p.ref_num.as_ref().and_then(|s| by_short.get(s)) {
                    t.reference = Some((*r).clone());
                }
                t
            }));
        }
        Ok(out)
    }

    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice> {
        self.list_invoice_pages(since)
    }

    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer> {
        self.list_customer_pages(since)
    }

    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment> {
        self.list_payment_pages(since)
    }

    async fn organisation(&self) -> ConnectorResult<Organisation> {
        let c = self.company().await?;
        Ok(Organisation {
            name: c.name.clone(),
            base_currency: Currency::new(&c.home_currency)
                .map_err(|e| ConnectorError::malformed(e.to_string()))?,
            lock_date: c.close_date,
        })
    }

    async fn accounts(&self) -> ConnectorResult<Vec<Account>> {
        let c = self.company().await?;
        Ok(c.accounts
            .iter()
            .map(|a| Account {
                id: a.id.clone(),
                code: a.acct_num.clone().unwrap_or_else(|| a.name.clone()),
                name: a.name.clone(),
                kind: a.account_type.clone().unwrap_or_default(),
                active: a.active != Some(false),
            })
            .collect())
    }

    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>> {
        self.read_tax_rates().await
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

impl QuickBooksTarget {
    /// A customer create refused because the display name is taken (6240): the
    /// customer of that name is linked when it carries no other external reference;
    /// a vendor or employee of that name, or another party's customer, stays refused.
    async fn name_clash(
        &self,
        c: &Customer,
        refused: ConnectorError,
    ) -> Result<Written, ConnectorError> {
        let found: Vec<wire::Customer> = self
            .client
            .query_all(
                "Customer",
                Some(&format!("DisplayName = {}", literal(c.name.trim()))),
            )
            .await?;
        match found.into_iter().next() {
            Some(existing)
                if existing
                    .acct_num
                    .as_deref()
                    .is_none_or(|a| a.is_empty() || a == c.external_ref) =>
            {
                self.remember_customer(&existing);
                Ok(Written {
                    target_id: existing.id.clone().unwrap_or_default(),
                    version: existing.sync_token.clone(),
                    created: false,
                    invoice: None,
                })
            }
            _ => Err(refused),
        }
    }
}
