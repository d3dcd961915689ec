//! The audit chain: appends in the caller's transaction, linear under concurrency, and
//! every kind of tampering named at the right row — on SQLite and PostgreSQL.

use super::backends::TestDb;
use ledgerbridge::audit::{self, AuditEntry, BreakKind, Verdict};
use ledgerbridge::store::Db;

fn entry(i: usize) -> AuditEntry {
    AuditEntry::new("books", "invoice.create")
        .source_key(format!("deal:{i}"))
        .target_id(format!("inv-{i}"))
        .payload(format!("{{\"n\":{i}}}").as_bytes())
}

/// `n` entries: one single append, then batches of 4 in their own transactions.
async fn seed(db: &Db, n: usize) {
    let mut tx = db.begin().await.unwrap();
    assert_eq!(audit::append(&mut tx, &entry(1)).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let rest: Vec<AuditEntry> = (2..=n).map(entry).collect();
    for chunk in rest.chunks(4) {
        let mut tx = db.begin().await.unwrap();
        audit::append_many(&mut tx, chunk).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn broken(t: &TestDb) -> (i64, BreakKind) {
    match audit::verify(&t.db).await.unwrap() {
        Verdict::Broken(b) => (b.seq, b.kind),
        v => panic!("{}: expected a break, got {v:?}", t.label),
    }
}

async fn intact(t: &TestDb) -> u64 {
    match audit::verify(&t.db).await.unwrap() {
        Verdict::Intact { entries, .. } => entries,
        Verdict::Broken(b) => panic!("{}: expected intact, got {b}", t.label),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_named_at_the_row() {
    for t in TestDb::all("tampering_is_named_at_the_row").await {
        let l = t.label;
        assert_eq!(intact(&t).await, 0, "{l}: empty log");
        seed(&t.db, 10).await;
        assert_eq!(intact(&t).await, 10, "{l}");

        // an anchor kept from an earlier verify must still be on the chain
        let Verdict::Intact { head, .. } = audit::verify(&t.db).await.unwrap() else {
            unreachable!()
        };
        let anchor: audit::Anchor = head.parse().unwrap();
        assert_eq!(anchor.seq, 10);
        let v = audit::verify_anchored(&t.db, Some(&anchor)).await.unwrap();
        assert!(
            matches!(v, Verdict::Intact { entries: 10, .. }),
            "{l}: {v:?}"
        );
        let forged: audit::Anchor = format!("4:{}", "ab".repeat(32)).parse().unwrap();
        let v = audit::verify_anchored(&t.db, Some(&forged)).await.unwrap();
        assert!(
            matches!(&v, Verdict::Broken(b) if b.seq == 4 && b.kind == BreakKind::Edited),
            "{l}: {v:?}"
        );
        let beyond: audit::Anchor = format!("11:{}", anchor.hash).parse().unwrap();
        let v = audit::verify_anchored(&t.db, Some(&beyond)).await.unwrap();
        assert!(
            matches!(&v, Verdict::Broken(b) if b.seq == 11 && b.kind == BreakKind::Deleted),
            "{l}: {v:?}"
        );

        // a rolled-back append leaves no trace and no gap
        let mut tx = t.db.begin().await.unwrap();
        audit::append(&mut tx, &entry(99)).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(intact(&t).await, 10, "{l}: after rollback");

        // edit a field
        t.raw("UPDATE audit_log SET target_id = 'inv-X' WHERE seq = 5")
            .await;
        assert_eq!(broken(&t).await, (5, BreakKind::Edited), "{l}: edit");
        t.raw("UPDATE audit_log SET target_id = 'inv-5' WHERE seq = 5")
            .await;
        assert_eq!(intact(&t).await, 10, "{l}: edit undone");

        // edit the time, too
        t.raw("UPDATE audit_log SET at = at + 1 WHERE seq = 2")
            .await;
        assert_eq!(broken(&t).await, (2, BreakKind::Edited), "{l}: time edit");
        t.raw("UPDATE audit_log SET at = at - 1 WHERE seq = 2")
            .await;

        // delete a row in the middle, then the last one
        let keep = "CREATE TABLE audit_keep AS SELECT * FROM audit_log";
        t.raw(keep).await;
        t.raw("DELETE FROM audit_log WHERE seq = 7").await;
        assert_eq!(broken(&t).await, (7, BreakKind::Deleted), "{l}: delete 7");
        t.raw("INSERT INTO audit_log SELECT * FROM audit_keep WHERE seq = 7")
            .await;
        t.raw("DELETE FROM audit_log WHERE seq = 10").await;
        assert_eq!(
            broken(&t).await,
            (10, BreakKind::Deleted),
            "{l}: delete last"
        );
        t.raw("INSERT INTO audit_log SELECT * FROM audit_keep WHERE seq = 10")
            .await;
        t.raw("DELETE FROM audit_log").await;
        assert_eq!(broken(&t).await, (1, BreakKind::Deleted), "{l}: delete all");
        t.raw("INSERT INTO audit_log SELECT * FROM audit_keep")
            .await;
        assert_eq!(intact(&t).await, 10, "{l}: restored");

        // insert out of order: a replay of row 3 at the end, a row before the start
        t.raw(
            "INSERT INTO audit_log (seq, at, connection, action, source_key, target_id, \
             payload_digest, prev_hash, hash) SELECT 11, at, connection, action, source_key, \
             target_id, payload_digest, prev_hash, hash FROM audit_keep WHERE seq = 3",
        )
        .await;
        assert_eq!(broken(&t).await, (11, BreakKind::OutOfOrder), "{l}: replay");
        t.raw("DELETE FROM audit_log WHERE seq = 11").await;
        t.raw(
            "INSERT INTO audit_log SELECT 0, at, connection, action, source_key, target_id, \
             payload_digest, prev_hash, hash FROM audit_keep WHERE seq = 4",
        )
        .await;
        assert_eq!(broken(&t).await, (0, BreakKind::OutOfOrder), "{l}: seq 0");
        t.raw("DELETE FROM audit_log WHERE seq = 0").await;

        // a correctly chained forgery appended behind the API's back: the head knows
        let last = t
            .text("SELECT hash FROM audit_log WHERE seq = 10")
            .await
            .unwrap();
        let forged = audit::AuditRow::chained(11, 0, &entry(11), &last);
        t.raw(&format!(
            "INSERT INTO audit_log VALUES (11, 0, 'books', 'invoice.create', 'deal:11', \
             'inv-11', '{}', '{}', '{}')",
            forged.payload_digest.as_deref().unwrap(),
            forged.prev_hash,
            forged.hash
        ))
        .await;
        assert_eq!(broken(&t).await, (11, BreakKind::OutOfOrder), "{l}: forged");
        t.raw("DELETE FROM audit_log WHERE seq = 11").await;

        // the last row rewritten with a fresh, valid hash: the head knows
        let row10 = audit::AuditRow::chained(
            10,
            0,
            &entry(10),
            &t.text("SELECT prev_hash FROM audit_log WHERE seq = 10")
                .await
                .unwrap(),
        );
        t.raw(&format!(
            "UPDATE audit_log SET at = 0, hash = '{}' WHERE seq = 10",
            row10.hash
        ))
        .await;
        assert_eq!(broken(&t).await, (10, BreakKind::Edited), "{l}: rewritten");
        t.raw("DELETE FROM audit_log WHERE seq = 10").await;
        t.raw("INSERT INTO audit_log SELECT * FROM audit_keep WHERE seq = 10")
            .await;

        // and appending still works after all that
        seed_more(&t.db, 3).await;
        assert_eq!(intact(&t).await, 13, "{l}: appended after");
        t.close().await;
    }
}

async fn seed_more(db: &Db, n: usize) {
    let mut tx = db.begin().await.unwrap();
    let e: Vec<AuditEntry> = (0..n).map(|i| entry(100 + i)).collect();
    let seqs = audit::append_many(&mut tx, &e).await.unwrap();
    assert_eq!(seqs.end - seqs.start, n as i64);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appenders_keep_one_linear_chain() {
    for t in TestDb::all("concurrent_appenders_keep_one_linear_chain").await {
        let mut tasks = Vec::new();
        for w in 0..6 {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move {
                for b in 0..15 {
                    let mut tx = db.begin().await.unwrap();
                    let batch: Vec<AuditEntry> =
                        (0..10).map(|i| entry(w * 1000 + b * 10 + i)).collect();
                    audit::append_many(&mut tx, &batch).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for h in tasks {
            h.await.unwrap();
        }
        assert_eq!(intact(&t).await, 6 * 15 * 10, "{}", t.label);
        t.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_by_key_and_time() {
    let t = TestDb::sqlite().await;
    seed(&t.db, 6).await;
    let mut c = t.db.conn().await.unwrap();
    let f = audit::ListFilter {
        source_key: Some("deal:3".into()),
        since_ms: None,
    };
    let rows = audit::page(c.exec(), &f, 0, 100).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].seq, 3);
    let f = audit::ListFilter {
        source_key: None,
        since_ms: Some(i64::MAX),
    };
    assert!(audit::page(c.exec(), &f, 0, 100).await.unwrap().is_empty());
    let all = audit::page(c.exec(), &Default::default(), 2, 100)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4, 5, 6]);
    drop(c);
    t.close().await;
}

/// Not a timed test: prints what one appender sustains in batches of 50 (the
/// pipeline's push batch), each batch its own transaction, for the benchmark notes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_throughput_in_batches_of_50() {
    for t in TestDb::all("append_throughput_in_batches_of_50").await {
        let batch: Vec<AuditEntry> = (0..50).map(entry).collect();
        let started = std::time::Instant::now();
        for _ in 0..100 {
            let mut tx = t.db.begin().await.unwrap();
            audit::append_many(&mut tx, &batch).await.unwrap();
            tx.commit().await.unwrap();
        }
        let took = started.elapsed();
        println!(
            "{}: 5,000 audit rows in 100 transactions: {took:?} ({:.0} rows/s)",
            t.label,
            5000.0 / took.as_secs_f64()
        );
        let verify_started = std::time::Instant::now();
        assert_eq!(intact(&t).await, 5000);
        println!(
            "{}: verify of 5,000 rows: {:?}",
            t.label,
            verify_started.elapsed()
        );
        t.close().await;
    }
}

/// A column rewritten with a value of another type is tampering at that row, not an
/// error of the verifier: SQLite stores text in an INTEGER column as asked; on
/// PostgreSQL the column itself has to be retyped, which breaks the chain at row 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retyped_column_is_a_break_at_its_row() {
    for t in TestDb::all("a_retyped_column_is_a_break_at_its_row").await {
        let l = t.label;
        seed(&t.db, 6).await;
        assert_eq!(intact(&t).await, 6, "{l}");
        if l == "sqlite" {
            t.raw("CREATE TABLE audit_keep AS SELECT * FROM audit_log")
                .await;
            t.raw("UPDATE audit_log SET at = 'yesterday' WHERE seq = 4")
                .await;
            assert_eq!(broken(&t).await, (4, BreakKind::Edited), "{l}: text in at");
            t.raw("UPDATE audit_log SET at = 1.5 WHERE seq = 4").await;
            assert_eq!(broken(&t).await, (4, BreakKind::Edited), "{l}: real in at");
            t.raw("UPDATE audit_log SET at = 0, target_id = x'00ff' WHERE seq = 4")
                .await;
            assert_eq!(broken(&t).await, (4, BreakKind::Edited), "{l}: blob");
            t.raw("DELETE FROM audit_log WHERE seq = 4").await;
            assert_eq!(broken(&t).await, (4, BreakKind::Deleted), "{l}: gone");
            t.raw("INSERT INTO audit_log SELECT * FROM audit_keep WHERE seq = 4")
                .await;
            assert_eq!(intact(&t).await, 6, "{l}: restored");
            // a row after a gap: the gap is named first, as for readable rows
            t.raw("DELETE FROM audit_log WHERE seq IN (3, 4)").await;
            t.raw("UPDATE audit_log SET at = 'noon' WHERE seq = 5")
                .await;
            assert_eq!(broken(&t).await, (3, BreakKind::Deleted), "{l}: gap first");
            t.raw("DELETE FROM audit_log").await;
            t.raw("INSERT INTO audit_log SELECT * FROM audit_keep")
                .await;
            assert_eq!(intact(&t).await, 6, "{l}: restored again");
            // the head retyped: the chain's end can no longer be checked
            t.raw("UPDATE audit_head SET seq = 'six' WHERE id = 1")
                .await;
            assert_eq!(broken(&t).await, (6, BreakKind::Edited), "{l}: head");
        } else {
            t.raw("ALTER TABLE audit_log ALTER COLUMN at TYPE text USING at::text")
                .await;
            assert_eq!(broken(&t).await, (1, BreakKind::Edited), "{l}: retyped");
        }
        t.close().await;
    }
}
