//! The name-list entries invoice lines and invoices point at, found or created:
//! items (by SKU or name; a missing one becomes a Service item on the line's
//! income account when the connection allows), and customers' currencies (a
//! QuickBooks customer has one currency for life, so a company invoiced in a
//! second currency gets a customer of its own for it, see [`currency_sibling`]).
//!
//! Both are created through `/batch` with a `requestid` derived from what they
//! are, so a create resent after a crash replays; a create another worker won
//! (duplicate name, 6240) is answered by reading the winner.

use std::collections::HashMap;

use ledgerbridge_sdk::{ConnectorError, ConnectorResult, ErrorKind};

use super::QuickBooksTarget;
use crate::client::{BatchAnswer, any_of, literal, refused};
use crate::reference::request_id;
use crate::wire::objects::{Customer, Item, Ref};

/// What an invoice needs to know of its customer.
#[derive(Debug, Clone)]
pub struct CustomerFacts {
    pub name: String,
    pub currency: String,
    pub external_ref: Option<String>,
}

fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// QuickBooks' limit on an item's name.
const ITEM_NAME_MAX: usize = 100;

/// The display name of a company's customer in a second currency:
/// `"<name> (<currency>)"`, e.g. `Acme Ltd (EUR)`; its `AcctNum` is the
/// company's reference with `/<currency>` appended.
pub fn currency_sibling(name: &str, currency: &str) -> String {
    format!("{name} ({currency})")
}

impl QuickBooksTarget {
    pub(super) fn remember_customer(&self, c: &Customer) {
        let (Some(id), Some(name)) = (c.id.clone(), c.display_name.clone()) else {
            return;
        };
        let home = self.home_hint();
        let currency = c.currency.as_ref().map(|r| r.value.clone()).unwrap_or(home);
        if let Some(a) = c.acct_num.as_ref().filter(|a| !a.is_empty()) {
            self.by_ref.lock().unwrap().insert(a.clone(), id.clone());
        }
        self.customers.lock().unwrap().insert(
            id,
            CustomerFacts {
                name,
                currency,
                external_ref: c.acct_num.clone(),
            },
        );
    }

    /// Facts of these customers by id, read in one query for the unknown ones.
    pub(super) async fn customer_facts(
        &self,
        ids: &[String],
    ) -> ConnectorResult<HashMap<String, CustomerFacts>> {
        let missing: Vec<String> = {
            let known = self.customers.lock().unwrap();
            let mut m: Vec<String> = ids
                .iter()
                .filter(|i| !known.contains_key(*i))
                .cloned()
                .collect();
            m.sort();
            m.dedup();
            m
        };
        for chunk in missing.chunks(self.client.config().batch_size) {
            let found: Vec<Customer> = self
                .client
                .query_all("Customer", Some(&any_of("Id", chunk)))
                .await?;
            for c in &found {
                self.remember_customer(c);
            }
        }
        let known = self.customers.lock().unwrap();
        Ok(ids
            .iter()
            .filter_map(|i| known.get(i).map(|f| (i.clone(), f.clone())))
            .collect())
    }

    /// For invoices' customers kept for a second currency (`AcctNum`
    /// `<reference>/<currency>`), the company's own customer (`AcctNum` `<reference>`):
    /// the one the engine links the company to. Others are left out.
    pub(super) async fn base_customers(
        &self,
        ids: &[String],
    ) -> ConnectorResult<HashMap<String, String>> {
        let facts = self.customer_facts(ids).await?;
        let siblings: Vec<(String, String)> = facts
            .iter()
            .filter_map(|(id, f)| {
                let r = f.external_ref.as_deref()?;
                let (base, cur) = r.rsplit_once('/')?;
                (cur.len() == 3 && cur.bytes().all(|b| b.is_ascii_uppercase()))
                    .then(|| (id.clone(), base.to_string()))
            })
            .collect();
        if siblings.is_empty() {
            return Ok(HashMap::new());
        }
        let missing = {
            let by_ref = self.by_ref.lock().unwrap();
            siblings.iter().any(|(_, r)| !by_ref.contains_key(r))
        };
        if missing && !*self.all_customers_read.lock().unwrap() {
            let all: Vec<Customer> = self.client.query_all("Customer", None).await?;
            for c in &all {
                self.remember_customer(c);
            }
            *self.all_customers_read.lock().unwrap() = true;
        }
        let by_ref = self.by_ref.lock().unwrap();
        Ok(siblings
            .into_iter()
            .filter_map(|(id, r)| by_ref.get(&r).map(|b| (id, b.clone())))
            .collect())
    }

    /// A customer by display name (the pair's fallback customer).
    pub(super) async fn customer_named(&self, name: &str) -> ConnectorResult<Option<String>> {
        let found: Vec<Customer> = self
            .client
            .query_all(
                "Customer",
                Some(&format!("DisplayName = {}", literal(name))),
            )
            .await?;
        for c in &found {
            self.remember_customer(c);
        }
        Ok(found.into_iter().find_map(|c| c.id))
    }

    /// The customer of `base` in `currency`: `base` itself when that is its
    /// currency, else its sibling for the currency, created when missing.
    pub(super) async fn customer_in(
        &self,
        base: &str,
        facts: &CustomerFacts,
        currency: &str,
    ) -> ConnectorResult<String> {
        if facts.currency == currency {
            return Ok(base.to_string());
        }
        let name = currency_sibling(&facts.name, currency);
        if let Some(id) = self.customer_named(&name).await? {
            return Ok(id);
        }
        let body = Customer {
            display_name: Some(name.clone()),
            company_name: Some(facts.name.clone()),
            acct_num: facts
                .external_ref
                .as_ref()
                .map(|r| format!("{r}/{currency}")),
            currency: Some(Ref::to(currency)),
            ..Customer::default()
        };
        let rid = request_id(&["customer-currency", base, currency]);
        let answer = self
            .client
            .batch("Customer", &[("create", &body)], &rid)
            .await?
            .pop();
        match answer {
            Some(BatchAnswer::Saved(c)) => {
                self.remember_customer(&c);
                c.id.ok_or_else(|| ConnectorError::malformed("a customer saved without an Id"))
            }
            Some(BatchAnswer::Refused(f, tid)) => {
                let e = refused(&f, &format!("customer {name}"), &tid);
                if e.kind == ErrorKind::Conflict
                    && let Some(id) = self.customer_named(&name).await?
                {
                    return Ok(id);
                }
                Err(e)
            }
            None => Err(ConnectorError::malformed("an empty batch answer")),
        }
    }

    pub(super) async fn load_items_once(&self) -> ConnectorResult<()> {
        if *self.items_loaded.lock().unwrap() {
            return Ok(());
        }
        let all: Vec<Item> = self.client.query_all("Item", None).await?;
        let mut items = self.items.lock().unwrap();
        for i in &all {
            remember_item(&mut items, i);
        }
        *self.items_loaded.lock().unwrap() = true;
        Ok(())
    }

    /// The income account's name of an item id, if the item is known.
    pub(super) fn item_account(&self, item_id: &str) -> Option<String> {
        let account = self
            .items
            .lock()
            .unwrap()
            .values()
            .find(|i| i.id == item_id)
            .and_then(|i| i.income_account.clone())?;
        match self.company.get() {
            Some(c) => c.account_name(&account).or(Some(account)),
            None => Some(account),
        }
    }

    /// The item a line names by SKU or name; created (a Service item on
    /// `account_code`) when missing and the connection allows.
    pub(super) async fn item_for(&self, code: &str, account_code: &str) -> ConnectorResult<String> {
        self.load_items_once().await?;
        if let Some(i) = self.items.lock().unwrap().get(&key(code)) {
            return Ok(i.id.clone());
        }
        if !self.client.config().create_items {
            return Err(ConnectorError::validation(format!(
                "no QuickBooks item has SKU or name {code:?} (create_items is off for this connection)"
            )));
        }
        let company = self.company().await?;
        let account = company.account(account_code).ok_or_else(|| {
            ConnectorError::validation(format!(
                "item {code:?} is missing and cannot be created: no QuickBooks account has number or name {account_code:?}"
            ))
        })?;
        let name: String = code.trim().chars().take(ITEM_NAME_MAX).collect();
        let body = Item {
            name: Some(name.clone()),
            sku: Some(code.trim().to_string()),
            kind: Some("Service".into()),
            income_account: Some(Ref::to(account.id.clone())),
            ..Item::default()
        };
        let rid = request_id(&["item", &key(&name)]);
        let answer = self
            .client
            .batch("Item", &[("create", &body)], &rid)
            .await?
            .pop();
        let saved = match answer {
            Some(BatchAnswer::Saved(i)) => i,
            Some(BatchAnswer::Refused(f, tid)) => {
                let e = refused(&f, &format!("item {name}"), &tid);
                if e.kind != ErrorKind::Conflict {
                    return Err(e);
                }
                // another worker created it first
                let found: Vec<Item> = self
                    .client
                    .query_all("Item", Some(&format!("Name = {}", literal(&name))))
                    .await?;
                found.into_iter().next().ok_or(e)?
            }
            None => return Err(ConnectorError::malformed("an empty batch answer")),
        };
        let id = saved
            .id
            .clone()
            .ok_or_else(|| ConnectorError::malformed("an item saved without an Id"))?;
        remember_item(&mut self.items.lock().unwrap(), &saved);
        Ok(id)
    }
}

/// An item as the cache keeps it.
#[derive(Debug, Clone)]
pub struct KnownItem {
    pub id: String,
    pub income_account: Option<String>,
}

fn remember_item(items: &mut HashMap<String, KnownItem>, i: &Item) {
    let Some(id) = i.id.clone() else { return };
    let known = KnownItem {
        id,
        income_account: i.income_account.as_ref().map(|r| r.value.clone()),
    };
    if let Some(n) = &i.name {
        items.entry(key(n)).or_insert_with(|| known.clone());
    }
    if let Some(s) = i.sku.as_deref().filter(|s| !s.is_empty()) {
        // a SKU wins over another item's name
        items.insert(key(s), known);
    }
}
