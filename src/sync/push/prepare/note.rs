//! A history note's write: on the customer its interaction belongs to.

use super::Prepared;
use crate::sync::push::Item;
use crate::sync::push::send::Ready;
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::WriteItem;
use ledgerbridge_sdk::model::CustomerRef;

/// What a note record becomes, given its resolved customer (`None`: none could be).
/// The item's `target_id` is set to the customer: recovery after a crash looks for the
/// note there.
pub(super) fn note(it: &mut Item, customer: Option<&Result<CustomerRef, String>>) -> Prepared {
    let Mapped::Note(d) = it.mapped.clone() else {
        return Prepared::Fail("not a note mapping".into());
    };
    match customer {
        Some(Ok(CustomerRef::TargetId(id))) => {
            it.target_id = Some(id.clone());
            Prepared::Ready(Box::new(Ready::Note(WriteItem::create(
                it.key.clone(),
                d.into_note(id),
            ))))
        }
        // The pair's fallback customer, by name: a note on it would tell nobody anything.
        Some(Ok(CustomerRef::Name(_))) => Prepared::Nothing,
        Some(Err(reason)) => Prepared::Fail(reason.clone()),
        None => Prepared::Fail("no customer could be resolved".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::push::prepare::fixtures::{note_item, ready};

    #[test]
    fn a_note_goes_on_its_customer_and_remembers_it() {
        let mut it = note_item("call:1");
        let p = note(&mut it, Some(&Ok(CustomerRef::TargetId("C-1".into()))));
        let Some(Ready::Note(w)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(w.record.subject.id, "C-1");
        assert_eq!(w.record.marker, "[lb:call:1]");
        assert_eq!(it.target_id.as_deref(), Some("C-1"));
    }

    #[test]
    fn no_note_on_the_fallback_customer_and_a_dead_letter_without_one() {
        let mut it = note_item("call:1");
        let fallback = Ok(CustomerRef::Name("Walk-in".into()));
        assert!(matches!(note(&mut it, Some(&fallback)), Prepared::Nothing));
        let refused = Err("its customer company:1 could not be written".to_string());
        let p = note(&mut it, Some(&refused));
        assert!(
            matches!(&p, Prepared::Fail(r) if r.starts_with("its customer company:1")),
            "{p:?}"
        );
        let p = note(&mut it, None);
        assert!(
            matches!(&p, Prepared::Fail(r) if r == "no customer could be resolved"),
            "{p:?}"
        );
        assert_eq!(it.target_id, None);
    }
}
