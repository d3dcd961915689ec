//! `ledgerbridge audit verify|list` as an admin runs them.

use super::backends::TestDb;
use super::common::{bin, write_config};
use ledgerbridge::audit::{self, AuditEntry};
use std::process::{Command, Output};

fn run(cfg: &std::path::Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_list_from_the_command_line() {
    let t = TestDb::sqlite().await;
    let cfg = write_config(t.dir.path(), &t.url, 1);
    let entries: Vec<AuditEntry> = (1..=5)
        .map(|i| {
            AuditEntry::new("books", "invoice.create")
                .source_key(format!("deal:{i}"))
                .target_id(format!("inv-{i}"))
        })
        .collect();
    let mut tx = t.db.begin().await.unwrap();
    audit::append_many(&mut tx, &entries).await.unwrap();
    tx.commit().await.unwrap();

    let o = run(&cfg, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("5 entries verified"), "{}", stdout(&o));
    let head = stdout(&o).trim().rsplit(' ').next().unwrap().to_string();
    assert!(head.starts_with("5:"), "{head}");
    let o = run(&cfg, &["audit", "verify", "--anchor", &head]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");

    let o = run(&cfg, &["audit", "list", "--json", "--key", "deal:2"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON array");
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["seq"], 2);
    assert_eq!(rows[0]["target_id"], "inv-2");
    assert!(rows[0]["at"].as_str().unwrap().ends_with('Z'));

    let o = run(&cfg, &["audit", "list", "--since", "2000-01-01"]);
    assert_eq!(stdout(&o).lines().count(), 5, "{}", stdout(&o));
    let o = run(
        &cfg,
        &["audit", "list", "--json", "--since", "2999-01-01T00:00:00Z"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON array");
    assert_eq!(v, serde_json::json!([]));
    let o = run(&cfg, &["audit", "list", "--since", "yesterday"]);
    assert_eq!(o.status.code(), Some(2), "a bad --since is a usage error");

    t.raw("UPDATE audit_log SET action = 'invoice.delete' WHERE seq = 3")
        .await;
    let o = run(&cfg, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("seq 3"), "{}", stdout(&o));
    assert!(stdout(&o).contains("edited"), "{}", stdout(&o));

    let o = run(&cfg, &["audit", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["result"], "broken");
    assert_eq!(v["seq"], 3);
    assert_eq!(v["kind"], "edited");

    // a value of another type in an integer column: tampering named at its row (exit
    // 1), not a decoding error of the verifier
    t.raw("UPDATE audit_log SET action = 'invoice.create' WHERE seq = 3")
        .await;
    t.raw("UPDATE audit_log SET at = 'noon' WHERE seq = 2")
        .await;
    let o = run(&cfg, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("seq 2"), "{}", stdout(&o));
    assert!(stdout(&o).contains("`at`"), "{}", stdout(&o));
    let o = run(&cfg, &["audit", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["seq"].as_i64(), v["kind"].as_str()),
        (Some(2), Some("edited"))
    );
    t.close().await;
}
