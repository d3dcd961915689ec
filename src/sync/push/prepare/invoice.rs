//! An invoice's write: the conflict policy on updates, cut-over adoption of an invoice
//! the target already has, and the customer it goes to.

use super::Prepared;
use crate::config::OnConflict;
use crate::sync::push::Item;
use crate::sync::push::send::{Ready, vendor_key};
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::WriteItem;
use ledgerbridge_sdk::model::{CustomerRef, InvoiceStatus, TargetInvoice};
use std::collections::HashMap;

/// What the target and the links say about a batch of invoices, looked up beforehand.
pub(super) struct InvoiceFacts<'a> {
    /// The target's current invoices by id: the linked ones this batch updates.
    pub current: &'a HashMap<String, TargetInvoice>,
    /// Invoices the target already has, by our reference: a cut-over adopts them.
    pub by_reference: &'a HashMap<String, TargetInvoice>,
    /// Each record's customer, by source key.
    pub customers: &'a HashMap<String, Result<CustomerRef, String>>,
    /// The pair's policy for an invoice edited in the target since our last push.
    pub on_conflict: OnConflict,
    /// The target connection's name, for the reasons an admin reads.
    pub connection: &'a str,
}

/// What an invoice record becomes.
pub(super) fn invoice(it: &Item, facts: &InvoiceFacts<'_>) -> Prepared {
    let Mapped::Invoice(d) = it.mapped.clone() else {
        return Prepared::Fail("not an invoice mapping".into());
    };
    if let (Some(id), Some(old)) = (&it.target_id, &it.old_payload)
        && let Some(inv) = facts.current.get(id)
        && let Some(held) = held_back(it, id, old, inv, facts)
    {
        return held;
    }
    if it.target_id.is_none()
        && let Some(inv) = facts.by_reference.get(&d.reference)
    {
        return Prepared::Adopt(inv.id.clone());
    }
    let customer = match facts.customers.get(&it.source_key) {
        Some(Ok(c)) => c.clone(),
        Some(Err(reason)) => return Prepared::Fail(reason.clone()),
        None => return Prepared::Fail("no customer could be resolved".into()),
    };
    Prepared::Ready(Box::new(Ready::Invoice(WriteItem {
        key: vendor_key(&it.key, it.target_id.as_deref()),
        target_id: it.target_id.clone(),
        target_version: None,
        record: d.into_invoice(customer),
    })))
}

/// Why an update of linked invoice `inv` is not written, if it is not: a voided or
/// deleted invoice, a paid one, or one an accountant edited (by the pair's policy).
fn held_back(
    it: &Item,
    id: &str,
    pushed: &str,
    inv: &TargetInvoice,
    facts: &InvoiceFacts<'_>,
) -> Option<Prepared> {
    let number = inv.number.as_deref().unwrap_or(id);
    if !inv.status.is_live() {
        return Some(Prepared::Flag(format!(
            "invoice {number} is {} in {}: not updated",
            inv.status.as_str(),
            facts.connection
        )));
    }
    if inv.status == InvoiceStatus::Paid || !inv.amount_paid.is_zero() {
        return Some(Prepared::Flag(format!(
            "invoice {number} is paid or part-paid: not changed (a credit note is the accountant's call)"
        )));
    }
    let edited = crate::sync::conflict::edited_fields(pushed, inv);
    if edited.is_empty() {
        return None;
    }
    let why = format!(
        "invoice {number} was edited in {} after our last push ({})",
        facts.connection,
        edited.join(", ")
    );
    match facts.on_conflict {
        OnConflict::SourceWins => {
            tracing::info!(record_key = %it.source_key, "{why}; on_conflict = source_wins: overwriting");
            None
        }
        OnConflict::Flag => Some(Prepared::Flag(why)),
        OnConflict::TargetWins => Some(Prepared::Accept(format!(
            "{why}; on_conflict = target_wins: kept"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::push::prepare::fixtures::{invoice_item, ready, target_invoice};
    use rust_decimal_macros::dec;

    struct World {
        current: HashMap<String, TargetInvoice>,
        by_reference: HashMap<String, TargetInvoice>,
        customers: HashMap<String, Result<CustomerRef, String>>,
    }

    impl World {
        fn new() -> World {
            World {
                current: HashMap::new(),
                by_reference: HashMap::new(),
                customers: HashMap::from([(
                    "deal:1".to_string(),
                    Ok(CustomerRef::TargetId("C-1".into())),
                )]),
            }
        }

        fn facts(&self, on_conflict: OnConflict) -> InvoiceFacts<'_> {
            InvoiceFacts {
                current: &self.current,
                by_reference: &self.by_reference,
                customers: &self.customers,
                on_conflict,
                connection: "books",
            }
        }
    }

    /// A linked invoice (`INV-1`) whose last push is the item's own draft.
    fn linked() -> (Item, TargetInvoice) {
        let mut it = invoice_item("deal:1");
        it.target_id = Some("INV-1".into());
        it.old_payload = Some(it.payload.clone());
        (it, target_invoice("INV-1", InvoiceStatus::Authorised))
    }

    #[test]
    fn a_new_invoice_goes_to_its_customer_under_the_create_key() {
        let w = World::new();
        let it = invoice_item("deal:1");
        let p = invoice(&it, &w.facts(OnConflict::Flag));
        let Some(Ready::Invoice(wi)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(
            (wi.key.as_str(), wi.target_id.as_deref()),
            ("key-deal:1", None)
        );
        assert_eq!(wi.record.customer, CustomerRef::TargetId("C-1".into()));
        assert_eq!(wi.record.lines[0].unit_amount, dec!(100.00));
    }

    #[test]
    fn an_invoice_the_target_has_by_reference_is_adopted_at_cut_over() {
        let mut w = World::new();
        w.by_reference.insert(
            "HS-1".into(),
            target_invoice("INV-7", InvoiceStatus::Authorised),
        );
        let p = invoice(&invoice_item("deal:1"), &w.facts(OnConflict::Flag));
        assert!(matches!(&p, Prepared::Adopt(id) if id == "INV-7"), "{p:?}");
    }

    #[test]
    fn an_unedited_linked_invoice_is_updated_under_a_key_that_names_it() {
        let (it, inv) = linked();
        let mut w = World::new();
        w.current.insert("INV-1".into(), inv);
        // Adoption is for creates only.
        w.by_reference.insert(
            "HS-1".into(),
            target_invoice("INV-7", InvoiceStatus::Authorised),
        );
        let p = invoice(&it, &w.facts(OnConflict::Flag));
        let Some(Ready::Invoice(wi)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(wi.target_id.as_deref(), Some("INV-1"));
        assert_eq!(wi.key, vendor_key("key-deal:1", Some("INV-1")));
    }

    #[test]
    fn voided_and_paid_invoices_are_flagged_not_updated() {
        let (it, mut inv) = linked();
        inv.status = InvoiceStatus::Voided;
        let mut w = World::new();
        w.current.insert("INV-1".into(), inv.clone());
        let p = invoice(&it, &w.facts(OnConflict::SourceWins));
        assert!(
            matches!(&p, Prepared::Flag(r) if r == "invoice INV-1 is VOIDED in books: not updated"),
            "{p:?}"
        );
        inv.status = InvoiceStatus::Authorised;
        inv.amount_paid = dec!(0.01);
        w.current.insert("INV-1".into(), inv);
        let p = invoice(&it, &w.facts(OnConflict::SourceWins));
        assert!(
            matches!(&p, Prepared::Flag(r) if r.contains("is paid or part-paid")),
            "{p:?}"
        );
    }

    #[test]
    fn an_edited_invoice_follows_the_conflict_policy() {
        let (it, mut inv) = linked();
        inv.lines[0].unit_amount = dec!(90);
        let mut w = World::new();
        w.current.insert("INV-1".into(), inv);
        let why = "invoice INV-1 was edited in books after our last push (lines.0.unit_amount)";
        let p = invoice(&it, &w.facts(OnConflict::Flag));
        assert!(matches!(&p, Prepared::Flag(r) if r == why), "{p:?}");
        let p = invoice(&it, &w.facts(OnConflict::TargetWins));
        assert!(
            matches!(&p, Prepared::Accept(r) if r == &format!("{why}; on_conflict = target_wins: kept")),
            "{p:?}"
        );
        let p = invoice(&it, &w.facts(OnConflict::SourceWins));
        assert!(matches!(ready(&p), Some(Ready::Invoice(_))), "{p:?}");
    }

    #[test]
    fn an_invoice_without_a_customer_is_a_dead_letter_with_the_customers_reason() {
        let mut w = World::new();
        w.customers.insert(
            "deal:1".into(),
            Err("its customer company:1 could not be written".into()),
        );
        let p = invoice(&invoice_item("deal:1"), &w.facts(OnConflict::Flag));
        assert!(
            matches!(&p, Prepared::Fail(r) if r.starts_with("its customer company:1")),
            "{p:?}"
        );
        w.customers.clear();
        let p = invoice(&invoice_item("deal:1"), &w.facts(OnConflict::Flag));
        assert!(
            matches!(&p, Prepared::Fail(r) if r == "no customer could be resolved"),
            "{p:?}"
        );
    }
}
