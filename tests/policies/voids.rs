//! Deletions and voids (`on_delete`): void an unpaid authorised invoice, delete a
//! draft, never void a paid one, flag by default.

use crate::world::{World, one_live, world};
use serde_json::Value;

async fn synced(pair_extra: &str) -> (World, Vec<Value>) {
    let w = world(40, pair_extra).await;
    let s = w.sync(true).await;
    assert!(s.clean(), "{s:?}");
    let deals = w.qualifying_deals().await;
    assert!(deals.len() >= 3);
    (w, deals)
}

fn reference(d: &Value) -> String {
    format!("HS-{}", d["id"].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_delete_void_voids_unpaid_and_flags_paid() {
    let (w, deals) = synced("on_delete = \"void\"").await;
    let (deleted, lost, paid) = (&deals[0], &deals[1], &deals[2]);
    // one deal deleted, one moved out of closed-won, one deleted after its invoice was paid
    let paid_inv = one_live(&w.invoices_with(&reference(paid)).await).clone();
    w.pay(
        paid_inv["InvoiceID"].as_str().unwrap(),
        &paid_inv["Total"].to_string(),
    )
    .await;
    w.hubspot_delete_deal(deleted["id"].as_str().unwrap()).await;
    w.hubspot_patch_deal(
        lost["id"].as_str().unwrap(),
        serde_json::json!({"dealstage": "closedlost"}),
    )
    .await;
    w.hubspot_delete_deal(paid["id"].as_str().unwrap()).await;

    // deletions are seen by a full listing
    let s = w.sync(true).await;
    assert!(s.clean(), "{s:?}");
    assert_eq!(s.counters.voided, 2, "{s:?}");
    assert_eq!(s.counters.flagged, 1, "{s:?}");
    for d in [deleted, lost] {
        let invs = w.invoices_with(&reference(d)).await;
        assert_eq!(invs.len(), 1);
        assert_eq!(invs[0]["Status"], "VOIDED", "{}", reference(d));
    }
    assert_eq!(
        one_live(&w.invoices_with(&reference(paid)).await)["Status"],
        "PAID"
    );

    // handled once: the next sync changes nothing
    let s = w.sync(true).await;
    assert_eq!(
        (s.counters.voided, s.counters.flagged, s.counters.created),
        (0, 0, 0),
        "{s:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_delete_void_deletes_a_draft() {
    let (w, deals) = synced("on_delete = \"void\"\ninvoice_status = \"DRAFT\"").await;
    let d = &deals[0];
    assert_eq!(
        one_live(&w.invoices_with(&reference(d)).await)["Status"],
        "DRAFT"
    );
    w.hubspot_delete_deal(d["id"].as_str().unwrap()).await;
    let s = w.sync(true).await;
    assert_eq!(s.counters.voided, 1, "{s:?}");
    assert_eq!(w.invoices_with(&reference(d)).await[0]["Status"], "DELETED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_delete_flag_by_default_leaves_the_invoice() {
    let (w, deals) = synced("").await;
    let d = &deals[0];
    w.hubspot_delete_deal(d["id"].as_str().unwrap()).await;
    let s = w.sync(true).await;
    assert_eq!((s.counters.voided, s.counters.flagged), (0, 1), "{s:?}");
    assert_eq!(
        one_live(&w.invoices_with(&reference(d)).await)["Status"],
        "AUTHORISED"
    );
    // the flag is recorded for reconciliation
    let mut c = w.db.conn().await.unwrap();
    let ledgerbridge::store::Exec::Sqlite(conn) = c.exec() else {
        unreachable!()
    };
    let flag: Option<String> = sqlx::query_scalar(
        "SELECT flag FROM links WHERE source_key = $1 AND mapping = 'deal-invoice'",
    )
    .bind(format!("deal:{}", d["id"].as_str().unwrap()))
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(flag.unwrap().contains("deleted in the CRM"));
}
