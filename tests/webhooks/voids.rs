//! A deal deleted in HubSpot (`on_delete = "void"`): through the webhooks alone its
//! invoice is voided and the company's outstanding total drops, and the deleted deal is
//! not written back to (that would only make a "not found" dead letter).

use crate::live::{ALL_HOOKS, live};
use crate::writeback::{company_outstanding, dec, rate, unpaid_invoiced_deals};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_deal_voids_its_invoice_and_the_company_total_drops() {
    let l = live(40, "on_delete = \"void\"", ALL_HOOKS).await;
    let target = unpaid_invoiced_deals(&l)
        .into_iter()
        .next()
        .expect("an unpaid invoiced deal");
    let before = company_outstanding(&l, &target.company);
    l.w.hubspot_delete_deal(&target.deal).await;
    let start = Instant::now();
    loop {
        let invs = l.w.invoices_with(&format!("HS-{}", target.deal)).await;
        if invs.iter().any(|i| i["Status"] == "VOIDED") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not voided: {invs:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    l.wait_idle(Duration::from_secs(20)).await;
    let expected = before - dec(&target.invoice["AmountDue"]) / rate(&target.invoice);
    let after = company_outstanding(&l, &target.company);
    assert!(
        (after - expected).abs() <= Decimal::new(1, 2),
        "company {}: outstanding {after}, expected {expected} (was {before})",
        target.company
    );
    let dead = ledgerbridge::queue::admin::dead(l.db(), false)
        .await
        .unwrap();
    assert!(dead.is_empty(), "dead letters: {dead:#?}");
    l.stop().await;
}
