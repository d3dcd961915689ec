//! Each alert kind fires once for its real cause and is rate-limited on repeats: the
//! CLI against the HubSpot and Xero simulators, alerts to a local webhook receiver and
//! a local SMTP server.

use super::harness::{Options, Setup, SimProc};
use super::receivers::{SmtpServer, WebhookReceiver};
use ledgerbridge::alerts::body;

const SECRET: &str = "kinds-secret";
const PUBLIC_URL: &str = "https://lb.example.com";

/// Appends `[server] public_url` and `[alerts]` (webhook + email) to the setup's config.
fn with_alerts(setup: &Setup, hook: &WebhookReceiver, smtp: &SmtpServer) {
    let mut text = std::fs::read_to_string(&setup.config_path).unwrap();
    text.push_str(&format!(
        "\n[server]\npublic_url = \"{PUBLIC_URL}\"\n\n[alerts]\nwebhook_url = \"{}\"\n\
         webhook_secret = \"{SECRET}\"\nsmtp_url = \"{}\"\nemail_from = \"lb@example.com\"\n\
         email_to = [\"admin@example.com\"]\nmin_interval = \"1h\"\n",
        hook.url,
        smtp.url()
    ));
    std::fs::write(&setup.config_path, text).unwrap();
}

/// Every delivery so far verifies under the secret and names no secret.
fn all_signed(hook: &WebhookReceiver) {
    for d in hook.all() {
        let sig = d.header(body::SIGNATURE_HEADER).expect("signed");
        assert!(body::verify_signature(SECRET.as_bytes(), &d.body, sig));
        let text = String::from_utf8_lossy(&d.body);
        assert!(!text.contains(super::harness::TOKEN), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}

fn kinds(hook: &WebhookReceiver) -> Vec<String> {
    let mut k: Vec<String> = hook
        .all()
        .iter()
        .map(|d| d.json()["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_alerts_needs_reconnect_and_run_failed_once_each() {
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", "8"], &logs.path().join("h.log")).await;
    let xero = SimProc::start("xero", &[], &logs.path().join("x.log")).await;
    let setup = Setup::new(
        &hubspot,
        &xero,
        &Options {
            max_attempts: 2,
            ..Options::default()
        },
    );
    // the books connection's token is revoked: Xero answers 401
    let text = std::fs::read_to_string(&setup.config_path).unwrap();
    let books = text.find("[connections.books]").unwrap();
    let (head, tail) = text.split_at(books);
    let tail = tail.replacen(
        &format!("access_token = \"{}\"", super::harness::TOKEN),
        "access_token = \"revoked-token\"",
        1,
    );
    std::fs::write(&setup.config_path, format!("{head}{tail}")).unwrap();
    let hook = WebhookReceiver::start().await;
    let smtp = SmtpServer::start().await;
    with_alerts(&setup, &hook, &smtp);

    let out = setup.run(&["sync", "--json"]).await;
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        kinds(&hook),
        vec!["needs_reconnect", "run_failed"],
        "one of each, delivered before sync exits"
    );
    let reconnect = &hook.of_kind("needs_reconnect")[0].json();
    assert_eq!(reconnect["connection"], "books");
    assert_eq!(reconnect["pair"], serde_json::Value::Null);
    assert_eq!(
        reconnect["dashboard_url"],
        format!("{PUBLIC_URL}/connections")
    );
    assert!(
        reconnect["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains("ledgerbridge connect books")),
        "{reconnect}"
    );
    let failed = &hook.of_kind("run_failed")[0].json();
    assert_eq!(failed["pair"], "main");
    let run = failed["details"][0]
        .as_str()
        .unwrap()
        .trim_start_matches("run ");
    assert_eq!(failed["dashboard_url"], format!("{PUBLIC_URL}/runs/{run}"));
    assert!(
        failed["details"].to_string().contains("401"),
        "the first reasons say why: {failed}"
    );
    assert_eq!(smtp.all().len(), 2, "each alert by email too");

    // the same cause again within min_interval: nothing new
    let out = setup.run(&["sync", "--json"]).await;
    assert_eq!(out.code, Some(1));
    assert_eq!(kinds(&hook), vec!["needs_reconnect", "run_failed"]);
    assert_eq!(smtp.all().len(), 2);
    all_signed(&hook);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_discrepancies_and_a_broken_audit_chain_alert_once_each() {
    let logs = tempfile::tempdir().unwrap();
    let hubspot = SimProc::start("hubspot", &["--deals", "40"], &logs.path().join("h.log")).await;
    let xero = SimProc::start("xero", &[], &logs.path().join("x.log")).await;
    let setup = Setup::new(&hubspot, &xero, &Options::default());
    let file = setup.mapping("deal-invoice.toml");
    let shipped = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        shipped.replace("inventory = \"200\"", "inventory = \"999\""),
    )
    .unwrap();
    let hook = WebhookReceiver::start().await;
    let smtp = SmtpServer::start().await;
    with_alerts(&setup, &hook, &smtp);

    // records that cannot sync: one alert for the run, with the count and first reasons
    let out = setup.run(&["sync", "--json"]).await;
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let letters = setup.dead_letters().await;
    assert!(!letters.is_empty());
    assert_eq!(kinds(&hook), vec!["dead_letters"]);
    let dl = hook.of_kind("dead_letters")[0].json();
    assert_eq!(dl["pair"], "main");
    assert!(
        dl["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("{} record(s)", letters.len())),
        "{dl} vs {} dead letters",
        letters.len()
    );
    let first_key = letters
        .iter()
        .map(|l| l["record_key"].as_str().unwrap())
        .collect::<Vec<_>>();
    let details = dl["details"].as_array().unwrap();
    assert!(
        details.iter().any(
            |d| first_key.iter().any(|k| d.as_str().unwrap().starts_with(k))
                && d.as_str().unwrap().contains("999")
        ),
        "the first reasons name record and cause: {dl}"
    );
    assert!(
        details.len() <= 8,
        "the first reasons, not one line per record: {dl}"
    );
    assert_eq!(dl["dashboard_url"], format!("{PUBLIC_URL}/dead-letters"));

    // reconcile sees the deals without invoices
    let out = setup.run(&["reconcile"]).await;
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    let rec = hook.of_kind("reconcile_discrepancies");
    assert_eq!(rec.len(), 1);
    let rec = rec[0].json();
    assert_eq!(rec["dashboard_url"], format!("{PUBLIC_URL}/reconcile/main"));
    assert!(rec["details"].to_string().contains("deal:"), "{rec}");
    let out = setup.run(&["reconcile"]).await;
    assert_eq!(out.code, Some(1));
    assert_eq!(
        hook.of_kind("reconcile_discrepancies").len(),
        1,
        "the same discrepancies within min_interval: not again"
    );

    // an edited audit row
    let db = setup.db().await;
    let ledgerbridge::store::Db::Sqlite(p) = &db else {
        unreachable!()
    };
    sqlx::query("UPDATE audit_log SET target_id = 'forged' WHERE seq = 1")
        .execute(p)
        .await
        .unwrap();
    db.close().await;
    for _ in 0..2 {
        let out = setup.run(&["audit", "verify"]).await;
        assert_eq!(out.code, Some(1), "{}", out.stdout);
    }
    let audit = hook.of_kind("audit_verify_failed");
    assert_eq!(
        audit.len(),
        1,
        "a second verify within min_interval: no repeat"
    );
    let audit = audit[0].json();
    assert!(
        audit["details"][0]
            .as_str()
            .unwrap()
            .contains("row 1 edited"),
        "{audit}"
    );
    assert_eq!(audit["dashboard_url"], format!("{PUBLIC_URL}/audit"));

    assert_eq!(
        kinds(&hook),
        vec![
            "audit_verify_failed",
            "dead_letters",
            "reconcile_discrepancies"
        ]
    );
    assert_eq!(smtp.all().len(), 3);
    all_signed(&hook);
}
