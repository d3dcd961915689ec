//! The `reconcile` job (what a pair's `reconcile_schedule` enqueues) runs in the worker
//! and stores its run like the CLI does.

use crate::world::world;
use ledgerbridge::queue::job::ReconcileJob;
use ledgerbridge::queue::{self, Job};
use ledgerbridge::reconcile::runs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_job_runs_in_the_worker_and_is_stored() {
    let w = world(8).await;
    w.sync().await;
    let job = Job::Reconcile(ReconcileJob {
        pair: "main".into(),
        fix: false,
    });
    queue::enqueue(&w.db, &job).await.unwrap();
    w.drain_queue().await;
    let hist = runs::list(&w.db, Some("main"), 10).await.unwrap();
    assert_eq!(hist.len(), 1, "{hist:?}");
    assert_eq!(hist[0].status, "clean", "{hist:?}");
    assert!(hist[0].summary["matched"] >= 1, "{hist:?}");
    let dead = queue::admin::dead(&w.db, false).await.unwrap();
    assert!(dead.is_empty(), "{dead:?}");
}
