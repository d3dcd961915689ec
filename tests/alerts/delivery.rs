//! Delivery: `alerts test` to a signed JSON webhook and an SMTP server, the Slack
//! format, retries of a failing channel, `min_interval` and `kinds`, and the queue
//! that is not draining.

use super::common::{self, BgWorker};
use super::receivers::{SmtpServer, WebhookReceiver};
use ledgerbridge::alerts::{
    Alert, AlertKind, Alerter, AlertsConfig, Page, Raised, WebhookFormat, body, health, inline,
    sweep,
};
use ledgerbridge::config::{Config, Secret};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "alert-signing-secret";
const PUBLIC_URL: &str = "https://lb.example.com/admin";

fn alerts_config(hook: Option<&WebhookReceiver>, smtp: Option<&SmtpServer>) -> AlertsConfig {
    AlertsConfig {
        webhook_url: hook.map(|h| Secret::literal(&h.url)),
        webhook_secret: Some(Secret::literal(SECRET)),
        smtp_url: smtp.map(|s| Secret::literal(s.url())),
        email_from: smtp.map(|_| "ledgerbridge <lb@example.com>".to_string()),
        email_to: smtp
            .map(|_| vec!["admin@example.com".to_string()])
            .unwrap_or_default(),
        ..AlertsConfig::default()
    }
}

async fn in_process(alerts: AlertsConfig) -> (tempfile::TempDir, Config, ledgerbridge::store::Db) {
    let (dir, url) = common::fresh_sqlite();
    let mut c = common::test_config(&url, dir.path());
    c.alerts = alerts;
    c.server.public_url = Some(PUBLIC_URL.into());
    let db = common::open(&c).await;
    (dir, c, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_test_reaches_the_signed_webhook_and_the_smtp_server() {
    let hook = WebhookReceiver::start().await;
    let smtp = SmtpServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("lb.db").display());
    let config = common::write_config(dir.path(), &db_url, 1);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[server]\npublic_url = \"{PUBLIC_URL}\"\n\n[alerts]\nwebhook_url = \"{}\"\n\
         webhook_secret = \"env:LB_TEST_ALERT_SECRET\"\nsmtp_url = \"{}\"\n\
         email_from = \"ledgerbridge <lb@example.com>\"\nemail_to = [\"admin@example.com\", \"ops@example.com\"]\n",
        hook.url,
        smtp.url()
    ));
    std::fs::write(&config, text).unwrap();

    let check = Command::new(common::bin())
        .arg("--config")
        .arg(&config)
        .arg("check")
        .env("LB_TEST_ALERT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let started = chrono::Utc::now().timestamp();
    let out = tokio::process::Command::new(common::bin())
        .arg("--config")
        .arg(&config)
        .args(["alerts", "test"])
        .env("LB_TEST_ALERT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("webhook: delivered"), "{stdout}");
    assert!(stdout.contains("email: delivered"), "{stdout}");

    let got = hook.all();
    assert_eq!(got.len(), 1, "one POST per alert");
    let d = &got[0];
    let sig = d.header(body::SIGNATURE_HEADER).expect("signature header");
    assert!(
        body::verify_signature(SECRET.as_bytes(), &d.body, sig),
        "the signature verifies over the raw body"
    );
    let ts: i64 = d
        .header(body::TIMESTAMP_HEADER)
        .expect("timestamp header")
        .parse()
        .unwrap();
    assert!(
        (started - 5..=started + 60).contains(&ts),
        "{ts} vs {started}"
    );
    let v = d.json();
    assert_eq!(v["kind"], "test");
    assert_eq!(v["pair"], serde_json::Value::Null);
    assert_eq!(v["dashboard_url"], format!("{PUBLIC_URL}/"));
    let at = chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap()).unwrap();
    assert_eq!(
        at.timestamp(),
        ts,
        "the timestamp header is the body's `at`"
    );

    let mails = smtp.wait_for(Duration::from_secs(5), 1).await;
    assert_eq!(mails.len(), 1, "one message, to every recipient");
    let m = &mails[0];
    assert_eq!(m.from, "lb@example.com");
    assert_eq!(m.to, vec!["admin@example.com", "ops@example.com"]);
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("[ledgerbridge] test alert from ledgerbridge")
    );
    assert!(m.body().contains("kind:       test"), "{}", m.body());
    assert!(m.body().contains(&format!("Open: {PUBLIC_URL}/")));

    // the deliveries were jobs like any other
    let jobs = Command::new(common::bin())
        .arg("--config")
        .arg(&config)
        .args(["jobs", "list", "--json"])
        .output()
        .unwrap();
    let jobs: serde_json::Value = serde_json::from_slice(&jobs.stdout).unwrap();
    let alerts: Vec<_> = jobs
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "alert")
        .collect();
    assert_eq!(alerts.len(), 2, "{jobs}");
    assert!(alerts.iter().all(|j| j["state"] == "done"), "{jobs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_is_retried_with_backoff_until_it_delivers() {
    let hook = WebhookReceiver::start().await;
    hook.fail_next(2);
    let (_dir, c, db) = in_process(alerts_config(Some(&hook), None)).await;
    let alerter = Alerter::new(&c, &db);
    let Raised::Sent(ids) = alerter
        .raise(Alert::new(AlertKind::Test, "retry me"), Page::Overview)
        .await
        .unwrap()
    else {
        panic!("not sent")
    };
    assert_eq!(ids.len(), 1);
    let w = BgWorker::start(&db, &c);
    let done = common::wait_state(&db, &ids[0], "done", Duration::from_secs(20)).await;
    w.stop().await;
    assert_eq!(done.summary.attempts, 3, "two 503s, then delivered");
    let statuses: Vec<u16> = hook.all().iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![503, 503, 200]);
    let h = health::all(&db).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].channel, "webhook");
    assert!(
        h[0].ok_at.is_some() && h[0].failing_since.is_none(),
        "{h:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_is_recorded_and_logged_once_per_interval() {
    let hook = WebhookReceiver::start().await;
    let (_dir, _c, db) = in_process(alerts_config(Some(&hook), None)).await;
    let interval = 3_600_000;
    health::failed(
        &db,
        ledgerbridge::alerts::Channel::Email,
        "SMTP: refused",
        interval,
    )
    .await
    .unwrap();
    let first = logged_at(&db).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    health::failed(
        &db,
        ledgerbridge::alerts::Channel::Email,
        "SMTP: refused again",
        interval,
    )
    .await
    .unwrap();
    assert_eq!(
        logged_at(&db).await,
        first,
        "the second failure within the interval claims no log line"
    );
    let h = health::all(&db).await.unwrap();
    assert_eq!(h[0].last_error.as_deref(), Some("SMTP: refused again"));
    assert!(h[0].failing_since.is_some() && h[0].ok_at.is_none());
    // a failure after the interval logs again
    health::failed(&db, ledgerbridge::alerts::Channel::Email, "still", 0)
        .await
        .unwrap();
    assert!(logged_at(&db).await > first);
}

async fn logged_at(db: &ledgerbridge::store::Db) -> i64 {
    match db {
        ledgerbridge::store::Db::Sqlite(p) => {
            sqlx::query_scalar::<_, i64>("SELECT logged_at FROM alert_channels")
                .fetch_one(p)
                .await
                .unwrap()
        }
        ledgerbridge::store::Db::Postgres(_) => unreachable!("SQLite test"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slack_format_posts_blocks_with_the_dashboard_button() {
    let hook = WebhookReceiver::start().await;
    let mut a = alerts_config(Some(&hook), None);
    a.webhook_format = WebhookFormat::Slack;
    a.webhook_secret = None;
    let (_dir, c, db) = in_process(a).await;
    let alert = Alert::new(
        AlertKind::ReconcileDiscrepancies,
        "pair main: 2 records not in step",
    )
    .pair("main")
    .detail("missing_invoice: 2");
    let Raised::Sent(ids) = Alerter::new(&c, &db)
        .raise(alert, Page::Reconcile("main".into()))
        .await
        .unwrap()
    else {
        panic!("not sent")
    };
    let rows = inline::deliver(Arc::new(c), &db, &ids, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(rows[0].state, "done", "{rows:?}");
    let d = &hook.all()[0];
    assert!(
        d.header(body::SIGNATURE_HEADER).is_none(),
        "no secret, no signature"
    );
    let v = d.json();
    assert_eq!(v["text"], "ledgerbridge: pair main: 2 records not in step");
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(
        blocks[0]["text"]["text"],
        "*pair main: 2 records not in step*"
    );
    assert_eq!(blocks[1]["text"]["text"], "• missing_invoice: 2");
    let button = &blocks.last().unwrap()["elements"][0];
    assert_eq!(button["url"], format!("{PUBLIC_URL}/reconcile/main"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_within_min_interval_are_counted_not_sent_and_kinds_filter() {
    let hook = WebhookReceiver::start().await;
    let (_dir, mut c, db) = in_process(alerts_config(Some(&hook), None)).await;
    let alerter = Alerter::new(&c, &db);
    let failed = |pair: &str| Alert::new(AlertKind::RunFailed, "failed").pair(pair);
    let page = || Page::Overview;
    assert!(matches!(
        alerter.raise(failed("main"), page()).await.unwrap(),
        Raised::Sent(_)
    ));
    assert_eq!(
        alerter.raise(failed("main"), page()).await.unwrap(),
        Raised::RateLimited
    );
    assert_eq!(
        alerter.raise(failed("main"), page()).await.unwrap(),
        Raised::RateLimited
    );
    // per kind and pair: another pair, or another kind, is news
    assert!(matches!(
        alerter.raise(failed("other"), page()).await.unwrap(),
        Raised::Sent(_)
    ));
    assert!(matches!(
        alerter
            .raise(
                Alert::new(AlertKind::DeadLetters, "dl").pair("main"),
                page()
            )
            .await
            .unwrap(),
        Raised::Sent(_)
    ));
    let suppressed = match &db {
        ledgerbridge::store::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(
            "SELECT suppressed FROM alert_sent WHERE kind = 'run_failed' AND subject = 'main'",
        )
        .fetch_one(p)
        .await
        .unwrap(),
        ledgerbridge::store::Db::Postgres(_) => unreachable!(),
    };
    assert_eq!(suppressed, 2);

    c.alerts.kinds = Some(vec![AlertKind::DeadLetters]);
    let only_dl = Alerter::new(&c, &db);
    assert_eq!(
        only_dl
            .raise(Alert::new(AlertKind::RunFailed, "x").pair("third"), page())
            .await
            .unwrap(),
        Raised::NotWanted
    );
    c.alerts.min_interval = Duration::from_millis(1);
    let short = Alerter::new(&c, &db);
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        matches!(
            short
                .raise(
                    Alert::new(AlertKind::DeadLetters, "dl").pair("main"),
                    page()
                )
                .await
                .unwrap(),
            Raised::Sent(_)
        ),
        "after min_interval a repeat goes out again"
    );
    assert!(hook.all().is_empty(), "nothing delivered without a worker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_that_is_not_draining_alerts_once() {
    let hook = WebhookReceiver::start().await;
    let mut a = alerts_config(Some(&hook), None);
    a.queue_max_age = Duration::from_secs(60);
    let (_dir, c, db) = in_process(a).await;
    let alerter = Alerter::new(&c, &db);
    let job = ledgerbridge::queue::Job::Reconcile(ledgerbridge::queue::job::ReconcileJob {
        pair: "main".into(),
        fix: false,
    });
    ledgerbridge::queue::enqueue(&db, &job).await.unwrap();
    assert!(
        sweep::sweep(&alerter, &db).await.unwrap().is_empty(),
        "a job due for less than queue_max_age is no alert"
    );
    let ledgerbridge::store::Db::Sqlite(p) = &db else {
        unreachable!()
    };
    let hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    sqlx::query("UPDATE job_log SET created_at = $1")
        .bind(hour_ago)
        .execute(p)
        .await
        .unwrap();
    let ids = sweep::sweep(&alerter, &db).await.unwrap();
    assert_eq!(ids.len(), 1, "one alert for the queue");
    assert!(
        sweep::sweep(&alerter, &db).await.unwrap().is_empty(),
        "a repeat within min_interval is not sent"
    );
    let rows = inline::deliver(Arc::new(c), &db, &ids, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(rows[0].state, "done", "{rows:?}");
    let got = hook.of_kind("queue_not_draining");
    assert_eq!(got.len(), 1);
    let v = got[0].json();
    assert!(
        v["summary"]
            .as_str()
            .unwrap()
            .contains("1 job(s) due for longer than 1m"),
        "{v}"
    );
    assert!(v["details"][0].as_str().unwrap().contains("1h"), "{v}");
    assert_eq!(v["dashboard_url"], format!("{PUBLIC_URL}/"));
}
