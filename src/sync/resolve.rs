//! Finding what already exists in the target: customers (so an existing contact is
//! reused, never duplicated) and invoices by reference (cut-over adoption).
//!
//! A first full sync asks about every company at once; one listing of the target's
//! customers (a single call on an empty ledger) answers all of them, where one lookup
//! per batch would double the calls. A handful of lookups (an incremental sync, a
//! webhook) goes to the vendor's search instead of listing everything. A listing is
//! kept for the run it was made for only.

use futures::TryStreamExt;
use ledgerbridge_sdk::model::{TargetCustomer, TargetInvoice};
use ledgerbridge_sdk::{ConnectorResult, CustomerMatch, FinanceTarget};
use std::collections::HashMap;
use tokio::sync::Mutex;

/// Above this many lookups in one batch, list the target instead of searching.
const SEARCH_MAX: usize = 5;

/// A listing and the run it was made for.
type PerRun<T> = Mutex<Option<(Option<String>, T)>>;

#[derive(Default)]
pub struct Resolver {
    customers: PerRun<CustomerIndex>,
    invoices: PerRun<HashMap<String, TargetInvoice>>,
    /// Held from customer resolution until the written customers are in the index,
    /// so two jobs of this process never both create a customer of the same name.
    customer_writes: Mutex<()>,
}

#[derive(Default)]
struct CustomerIndex {
    by: HashMap<CustomerMatch, String>,
}

impl CustomerIndex {
    fn add(&mut self, c: &TargetCustomer) {
        if c.archived {
            return;
        }
        let mut put = |m: CustomerMatch| {
            self.by.entry(m).or_insert_with(|| c.id.clone());
        };
        if let Some(r) = &c.external_ref {
            put(CustomerMatch::ExternalRef(r.clone()));
        }
        if let Some(e) = &c.email {
            put(CustomerMatch::Email(e.to_lowercase()));
        }
        if let Some(d) = &c.domain {
            put(CustomerMatch::Domain(d.to_lowercase()));
        }
        put(CustomerMatch::Name(c.name.clone()));
    }

    fn find(&self, matches: &[CustomerMatch]) -> Option<String> {
        matches
            .iter()
            .find_map(|m| self.by.get(&normalise(m)).cloned())
    }
}

fn normalise(m: &CustomerMatch) -> CustomerMatch {
    match m {
        CustomerMatch::Email(e) => CustomerMatch::Email(e.to_lowercase()),
        CustomerMatch::Domain(d) => CustomerMatch::Domain(d.to_lowercase()),
        other => other.clone(),
    }
}

impl Resolver {
    /// For each item's matches (in the mapping's order), the id of the first existing
    /// target customer that matches, if any.
    pub async fn customers(
        &self,
        target: &dyn FinanceTarget,
        run: Option<&str>,
        wanted: &[Vec<CustomerMatch>],
    ) -> ConnectorResult<Vec<Option<String>>> {
        let asking = wanted.iter().filter(|m| !m.is_empty()).count();
        if asking == 0 {
            return Ok(vec![None; wanted.len()]);
        }
        let mut cache = self.customers.lock().await;
        let fresh = cache
            .as_ref()
            .is_some_and(|(r, _)| run.is_some() && r.as_deref() == run);
        if !fresh && asking <= SEARCH_MAX {
            let all: Vec<CustomerMatch> = wanted.iter().flatten().cloned().collect();
            let mut idx = CustomerIndex::default();
            for c in target.find_customers(&all).await? {
                idx.add(&c);
            }
            return Ok(wanted.iter().map(|m| idx.find(m)).collect());
        }
        if !fresh {
            let mut idx = CustomerIndex::default();
            let mut pages = target.list_customers(None);
            while let Some(page) = pages.try_next().await? {
                for c in &page.records {
                    idx.add(c);
                }
            }
            *cache = Some((run.map(str::to_string), idx));
        }
        let idx = &cache.as_ref().expect("just loaded").1;
        Ok(wanted.iter().map(|m| idx.find(m)).collect())
    }

    /// Serialises customer writes in this process (see `customer_writes`).
    pub async fn customer_writes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.customer_writes.lock().await
    }

    /// Remembers a customer we just created, so the run's listing stays true.
    pub async fn customer_created(&self, c: TargetCustomer) {
        if let Some((_, idx)) = self.customers.lock().await.as_mut() {
            idx.add(&c);
        }
    }

    /// Live invoices already carrying these references (adoption at cut-over).
    pub async fn invoices(
        &self,
        target: &dyn FinanceTarget,
        run: Option<&str>,
        references: &[String],
    ) -> ConnectorResult<HashMap<String, TargetInvoice>> {
        if references.is_empty() {
            return Ok(HashMap::new());
        }
        let mut cache = self.invoices.lock().await;
        let fresh = cache
            .as_ref()
            .is_some_and(|(r, _)| run.is_some() && r.as_deref() == run);
        let live_by_ref = |invs: Vec<TargetInvoice>| {
            invs.into_iter()
                .filter(|i| i.status.is_live())
                .filter_map(|i| i.reference.clone().map(|r| (r, i)))
                .collect::<HashMap<_, _>>()
        };
        if !fresh && references.len() <= SEARCH_MAX {
            return Ok(live_by_ref(target.find_invoices(references).await?));
        }
        if !fresh {
            let mut all = Vec::new();
            let mut pages = target.list_invoices(None);
            while let Some(page) = pages.try_next().await? {
                all.extend(page.records);
            }
            *cache = Some((run.map(str::to_string), live_by_ref(all)));
        }
        let idx = &cache.as_ref().expect("just loaded").1;
        Ok(references
            .iter()
            .filter_map(|r| idx.get(r).map(|i| (r.clone(), i.clone())))
            .collect())
    }
}
