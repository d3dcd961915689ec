//! A customer record's write: update its own customer, take over one the target already
//! has, or create it, and hold back a second create of a name the batch already creates.

use super::Prepared;
use crate::sync::push::Item;
use crate::sync::push::send::{Ready, vendor_key};
use ledgerbridge_mapping::Mapped;
use ledgerbridge_sdk::WriteItem;
use std::collections::HashSet;

/// What a customer record becomes. `found` is the target customer its plan's matches
/// found (asked only for a record with no customer of its own yet), `owner` the source
/// record already linked to that customer, and `creating` the lowercase names this
/// pass creates so far (the record's own name is added when it is created).
pub(super) fn customer(
    it: &mut Item,
    found: Option<String>,
    owner: Option<&str>,
    creating: &mut HashSet<String>,
) -> Prepared {
    if it.target_id.is_none()
        && let Some(id) = found
    {
        // A customer another record of ours already became (two CRM contacts of one
        // name where names are unique) is linked, not overwritten with this record's
        // fields: the first record keeps its customer as written.
        if owner.is_some_and(|owner| owner != it.source_key) {
            return Prepared::Adopt(id);
        }
        it.target_id = Some(id);
    }
    let Mapped::Customer { customer, .. } = it.mapped.clone() else {
        return Prepared::Fail("not a customer mapping".into());
    };
    // A second create of the same name waits for the first (then resolves to it by
    // name, or is refused alone).
    if it.target_id.is_none() && !creating.insert(customer.name.trim().to_lowercase()) {
        return Prepared::Later;
    }
    Prepared::Ready(Box::new(Ready::Customer(WriteItem {
        key: vendor_key(&it.key, it.target_id.as_deref()),
        target_id: it.target_id.clone(),
        target_version: None,
        record: customer,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::push::prepare::fixtures::{customer_item, ready};

    #[test]
    fn a_new_customer_is_created_once_per_name() {
        let mut creating = HashSet::new();
        let mut first = customer_item("company:1", "Acme Ltd");
        let p = customer(&mut first, None, None, &mut creating);
        let Some(Ready::Customer(w)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(
            (w.key.as_str(), w.target_id.as_deref()),
            ("key-company:1", None)
        );
        // The same name, spelled differently, waits for the second pass.
        let mut second = customer_item("company:2", "  ACME ltd ");
        let p = customer(&mut second, None, None, &mut creating);
        assert!(matches!(p, Prepared::Later), "{p:?}");
        assert_eq!(second.target_id, None);
    }

    #[test]
    fn a_found_customer_is_updated_under_a_key_that_names_it() {
        let mut it = customer_item("company:1", "Acme Ltd");
        let mut creating = HashSet::new();
        let p = customer(
            &mut it,
            Some("C-9".into()),
            Some("company:1"),
            &mut creating,
        );
        let Some(Ready::Customer(w)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(w.target_id.as_deref(), Some("C-9"));
        assert_eq!(w.key, vendor_key("key-company:1", Some("C-9")));
        assert_ne!(
            w.key, "key-company:1",
            "an update is not the create's request"
        );
        assert_eq!(it.target_id.as_deref(), Some("C-9"));
        assert!(creating.is_empty(), "an update creates no name");
    }

    #[test]
    fn a_customer_another_record_became_is_adopted_not_overwritten() {
        let mut it = customer_item("contact:7", "Acme Ltd");
        let p = customer(
            &mut it,
            Some("C-9".into()),
            Some("company:1"),
            &mut HashSet::new(),
        );
        assert!(matches!(&p, Prepared::Adopt(id) if id == "C-9"), "{p:?}");
        assert_eq!(it.target_id, None);
    }

    #[test]
    fn a_linked_customer_is_updated_whatever_the_lookup_found() {
        let mut it = customer_item("company:1", "Acme Ltd");
        it.target_id = Some("C-1".into());
        let mut creating = HashSet::from(["acme ltd".to_string()]);
        let p = customer(
            &mut it,
            Some("C-9".into()),
            Some("company:5"),
            &mut creating,
        );
        let Some(Ready::Customer(w)) = ready(&p) else {
            panic!("{p:?}");
        };
        assert_eq!(w.target_id.as_deref(), Some("C-1"));
    }
}
