//! Lease contenders in one process (different holder names, one database): only one
//! holds at a time; idle release hands over; a dropped (dead) holder loses the lease
//! within the TTL.

use super::backends::TestDb;
use ledgerbridge::lease::{LeaseOptions, TenantLeases, store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

const NAME: &str = "rate:xero:tenant-1";
const TTL: Duration = Duration::from_millis(800);

fn opts() -> LeaseOptions {
    LeaseOptions {
        ttl: TTL,
        max_wait: Duration::from_millis(300),
        idle_after: Duration::from_millis(300),
    }
}

/// Keeps using the lease (so it never goes idle) until `stop`.
fn busy(l: Arc<TenantLeases>, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            let _ = l.acquire(NAME).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

/// Fails the test if two contenders ever believe they hold the lease at once. Weak, so
/// a contender dropped by the test really dies (stops renewing without releasing).
fn watch(all: Vec<Weak<TenantLeases>>, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            let live: Vec<Arc<TenantLeases>> = all.iter().filter_map(Weak::upgrade).collect();
            let holders: Vec<&str> = live
                .iter()
                .filter(|l| l.holds(NAME))
                .map(|l| l.holder())
                .collect();
            assert!(holders.len() <= 1, "two holders at once: {holders:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
}

async fn wait_holder(among: &[&Arc<TenantLeases>], within: Duration) -> (usize, Duration) {
    let t0 = Instant::now();
    loop {
        if let Some(i) = among.iter().position(|l| l.holds(NAME)) {
            return (i, t0.elapsed());
        }
        assert!(
            t0.elapsed() < within,
            "no contender took over within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_holder_at_a_time_idle_hand_over_and_death() {
    for t in TestDb::all("one_holder_at_a_time_idle_hand_over_and_death").await {
        let l = t.label;
        let a = TenantLeases::with_options(t.db.clone(), "worker-a", opts());
        let b = TenantLeases::with_options(t.db.clone(), "worker-b", opts());
        let c = TenantLeases::with_options(t.db.clone(), "worker-c", opts());
        let stop_watch = Arc::new(AtomicBool::new(false));
        let all = [&a, &b, &c].map(Arc::downgrade).to_vec();
        let watcher = watch(all, stop_watch.clone());

        // A takes it and stays busy for well over a TTL: renewals keep it
        a.acquire(NAME).await.unwrap();
        let stop_a = Arc::new(AtomicBool::new(false));
        let a_busy = busy(a.clone(), stop_a.clone());
        tokio::time::sleep(TTL * 2).await;
        let e = b.acquire(NAME).await.unwrap_err();
        assert!(e.is_retryable(), "{l}: {e}");
        assert!(e.message.contains("worker-a"), "{l}: names the holder: {e}");
        assert!(a.holds(NAME), "{l}: A renewed past its TTL");

        // B and C contend while A is busy; A goes idle: exactly one of them takes over
        let stop_bc = Arc::new(AtomicBool::new(false));
        let b_busy = busy(b.clone(), stop_bc.clone());
        let c_busy = busy(c.clone(), stop_bc.clone());
        stop_a.store(true, Ordering::Relaxed);
        a_busy.await.unwrap();
        // idle_after + one renewal round (TTL/3) + a poll, with slack for a loaded box
        let (i, took) = wait_holder(&[&b, &c], Duration::from_secs(3)).await;
        assert!(!a.holds(NAME), "{l}: A released");
        println!("{l}: idle hand-over to {} after {took:?}", ["B", "C"][i]);

        // the new holder dies (dropped without release): the other takes over within TTL
        let (dead, survivor) = if i == 0 { (b, c) } else { (c, b) };
        let (dead_busy, survivor_busy) = if i == 0 {
            (b_busy, c_busy)
        } else {
            (c_busy, b_busy)
        };
        dead_busy.abort();
        let _ = dead_busy.await;
        drop(dead);
        let (_, took) = wait_holder(&[&survivor], TTL + Duration::from_secs(2)).await;
        assert!(
            took <= TTL + Duration::from_millis(700),
            "{l}: dead holder's lease taken after {took:?} (TTL {TTL:?})"
        );
        println!("{l}: takeover after death in {took:?}");

        // graceful stop: released at once
        stop_bc.store(true, Ordering::Relaxed);
        survivor_busy.await.unwrap();
        survivor.release_all().await;
        assert!(!survivor.holds(NAME));
        assert_eq!(
            store::take(&t.db, NAME, "worker-z", TTL).await.unwrap(),
            store::Take::Held,
            "{l}: free right after release_all"
        );
        stop_watch.store(true, Ordering::Relaxed);
        watcher.await.expect("never two holders");
        drop((a, survivor));
        t.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upsert_takes_renews_and_refuses() {
    for t in TestDb::all("the_upsert_takes_renews_and_refuses").await {
        let l = t.label;
        let ttl = Duration::from_millis(300);
        assert_eq!(
            store::take(&t.db, "n", "a", ttl).await.unwrap(),
            store::Take::Held
        );
        assert_eq!(
            store::take(&t.db, "n", "a", ttl).await.unwrap(),
            store::Take::Held
        );
        match store::take(&t.db, "n", "b", ttl).await.unwrap() {
            store::Take::Busy { holder, left } => {
                assert_eq!(holder, "a", "{l}");
                assert!(left <= ttl && left > Duration::ZERO, "{l}: {left:?}");
            }
            other => panic!("{l}: {other:?}"),
        }
        assert!(
            !store::release(&t.db, "n", "b").await.unwrap(),
            "{l}: not b's"
        );
        tokio::time::sleep(ttl + Duration::from_millis(50)).await;
        assert_eq!(
            store::take(&t.db, "n", "b", ttl).await.unwrap(),
            store::Take::Held,
            "{l}: expired → b"
        );
        assert!(store::release(&t.db, "n", "b").await.unwrap());
        t.close().await;
    }
}
