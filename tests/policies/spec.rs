//! The shipped mappings turn the HubSpot simulator's seeded data into Xero
//! payloads that validate against Xero's own OpenAPI spec.

use crate::world::world;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mappings_write_spec_valid_xero_payloads() {
    let w = world(120, "payments_source = \"crm\"").await;
    // strict: the simulator validates every request and response body against
    // xero_accounting.yaml (when the spec is present; the notice says when not)
    if !w.xero_sim.set_strict(true) {
        println!("skipping schema assertions: the Xero spec was not found");
        return;
    }
    let s = w.sync(true).await;
    assert!(s.clean(), "{s:?}");
    assert!(s.counters.created > 100, "{s:?}");
    let v = w.xero_sim.violations();
    assert!(
        v.is_empty(),
        "{} schema violations, first: {:?}",
        v.len(),
        v.first()
    );
}
