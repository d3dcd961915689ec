//! A connector declares its optional abilities twice: statically in its capabilities
//! (what `check` reads, no target needed) and through its built target's accessors
//! (what the pipeline asks). The two must agree for every registered target.

use crate::common::{TOKEN, sim_options};
use ledgerbridge::connectors::CONNECTORS;
use ledgerbridge_sdk::ability::Abilities;
use ledgerbridge_sdk::auth::StaticToken;
use ledgerbridge_sdk::connector::{ConnectionSpec, VendorKeys};
use std::collections::BTreeMap;
use std::sync::Arc;

#[tokio::test]
async fn declared_abilities_are_the_built_targets_abilities() {
    let mut checked = Vec::new();
    for c in CONNECTORS.iter().filter(|c| c.roles().target) {
        let sim = c
            .simulator()
            .unwrap_or_else(|| panic!("{} has no simulator to build its target on", c.kind()));
        let running = (sim.spawn)("127.0.0.1:0".into(), sim_options())
            .await
            .unwrap();
        let (keys, granted): (VendorKeys, BTreeMap<String, String>) = Default::default();
        let spec = ConnectionSpec {
            name: "books",
            base_url: Some(&running.base_url),
            rate_scale: 1000.0,
            reserve: 0.2,
            scopes: &[],
            oauth: false,
            keys: &keys,
            granted: &granted,
        };
        let built = c
            .target(&spec, Arc::new(StaticToken::new(TOKEN)), None)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", c.kind()));
        let target = built.value;
        let declared = c.capabilities().abilities;
        assert_eq!(
            Abilities::of(target.as_ref()),
            declared,
            "{}: the accessors and the declared abilities differ",
            c.kind()
        );
        assert_eq!(target.capabilities().abilities, declared, "{}", c.kind());
        checked.push(c.kind());
    }
    assert!(checked.contains(&"xero"), "checked: {checked:?}");
}
