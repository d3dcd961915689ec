//! A target with only what every target must do: it forwards the required methods to
//! a real target and keeps the accessors' defaults, so it has no optional ability.

use async_trait::async_trait;
use ledgerbridge_sdk::ability::Abilities;
use ledgerbridge_sdk::model::{
    Account, Customer, Invoice, Organisation, Payment, TargetCustomer, TargetInvoice,
    TargetPayment, TaxRate,
};
use ledgerbridge_sdk::{
    Capabilities, ConnectorResult, Cursor, CustomerMatch, FinanceTarget, ItemOutcome, PageStream,
    WriteItem,
};
use std::sync::Arc;

pub struct RequiredOnly {
    inner: Arc<dyn FinanceTarget>,
    caps: Capabilities,
}

impl RequiredOnly {
    pub fn wrap(inner: Arc<dyn FinanceTarget>) -> Arc<dyn FinanceTarget> {
        let mut caps = inner.capabilities().clone();
        caps.abilities = Abilities::none();
        Arc::new(RequiredOnly { inner, caps })
    }
}

#[async_trait]
impl FinanceTarget for RequiredOnly {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn upsert_customers(
        &self,
        items: &[WriteItem<Customer>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.inner.upsert_customers(items).await
    }
    async fn upsert_invoices(
        &self,
        items: &[WriteItem<Invoice>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.inner.upsert_invoices(items).await
    }
    async fn create_payments(
        &self,
        items: &[WriteItem<Payment>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        self.inner.create_payments(items).await
    }
    async fn find_invoices(&self, references: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        self.inner.find_invoices(references).await
    }
    async fn get_invoices(&self, ids: &[String]) -> ConnectorResult<Vec<TargetInvoice>> {
        self.inner.get_invoices(ids).await
    }
    async fn find_customers(
        &self,
        matches: &[CustomerMatch],
    ) -> ConnectorResult<Vec<TargetCustomer>> {
        self.inner.find_customers(matches).await
    }
    async fn find_payments(&self, references: &[String]) -> ConnectorResult<Vec<TargetPayment>> {
        self.inner.find_payments(references).await
    }
    fn list_invoices<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetInvoice> {
        self.inner.list_invoices(since)
    }
    fn list_customers<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetCustomer> {
        self.inner.list_customers(since)
    }
    fn list_payments<'a>(&'a self, since: Option<&'a Cursor>) -> PageStream<'a, TargetPayment> {
        self.inner.list_payments(since)
    }
    async fn organisation(&self) -> ConnectorResult<Organisation> {
        self.inner.organisation().await
    }
    async fn accounts(&self) -> ConnectorResult<Vec<Account>> {
        self.inner.accounts().await
    }
    async fn tax_rates(&self) -> ConnectorResult<Vec<TaxRate>> {
        self.inner.tax_rates().await
    }
}
