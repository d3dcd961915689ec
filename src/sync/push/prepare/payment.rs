//! A payment's write: what is left to record on the invoice it pays.

use super::Prepared;
use crate::sync::push::Item;
use crate::sync::push::send::Ready;
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::WriteItem;
use ledgerbridge_sdk::model::{InvoiceStatus, TargetInvoice};

/// What a payment record becomes. `invoice_id` is the target invoice its deal's invoice
/// link names (`None`: not written yet), `invoice` that invoice as the target has it.
pub(super) fn payment(
    it: &Item,
    invoice_id: Option<&str>,
    invoice: Option<&TargetInvoice>,
) -> Prepared {
    let Mapped::Payment(d) = it.mapped.clone() else {
        return Prepared::Fail("not a payment mapping".into());
    };
    let Some(inv_id) = invoice_id else {
        // The invoice is not written yet: the next sync pays it.
        return Prepared::Nothing;
    };
    let Some(inv) = invoice else {
        return Prepared::Fail(format!("invoice {inv_id} is not in the target any more"));
    };
    if matches!(
        inv.status,
        InvoiceStatus::Draft | InvoiceStatus::Voided | InvoiceStatus::Deleted
    ) {
        return Prepared::Fail(format!(
            "invoice {inv_id} is {}: a payment can only be recorded on an authorised invoice",
            inv.status.as_str()
        ));
    }
    match d.into_payment(inv_id, inv.amount_paid) {
        Some(pay) => Prepared::Ready(Box::new(Ready::Payment(WriteItem::create(
            it.key.clone(),
            pay,
        )))),
        None => Prepared::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::push::prepare::fixtures::{payment_item, ready, target_invoice};
    use rust_decimal_macros::dec;

    #[test]
    fn the_rest_of_the_amount_paid_to_date_is_recorded() {
        let it = payment_item("deal:1", dec!(120.50));
        let mut inv = target_invoice("INV-1", InvoiceStatus::Authorised);
        inv.amount_paid = dec!(20.25);
        let p = payment(&it, Some("INV-1"), Some(&inv));
        let Some(Ready::Payment(w)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(w.record.amount, dec!(100.25));
        assert_eq!(w.record.invoice_id, "INV-1");
        assert_eq!(
            (w.key.as_str(), w.target_id.as_deref()),
            ("key-deal:1", None)
        );
    }

    #[test]
    fn nothing_is_written_when_paid_in_full_or_the_invoice_is_not_there_yet() {
        let it = payment_item("deal:1", dec!(100));
        let mut inv = target_invoice("INV-1", InvoiceStatus::Paid);
        inv.amount_paid = dec!(100);
        assert!(matches!(
            payment(&it, Some("INV-1"), Some(&inv)),
            Prepared::Nothing
        ));
        assert!(matches!(payment(&it, None, None), Prepared::Nothing));
    }

    #[test]
    fn an_invoice_that_cannot_take_a_payment_is_a_dead_letter_naming_it() {
        let it = payment_item("deal:1", dec!(100));
        let p = payment(&it, Some("INV-1"), None);
        assert!(
            matches!(&p, Prepared::Fail(r) if r == "invoice INV-1 is not in the target any more"),
            "{p:?}"
        );
        for status in [
            InvoiceStatus::Draft,
            InvoiceStatus::Voided,
            InvoiceStatus::Deleted,
        ] {
            let inv = target_invoice("INV-1", status);
            let p = payment(&it, Some("INV-1"), Some(&inv));
            let Prepared::Fail(reason) = &p else {
                panic!("{p:?}");
            };
            assert!(
                reason.starts_with(&format!("invoice INV-1 is {}", status.as_str())),
                "{reason}"
            );
        }
    }
}
