//! The binary: `ledgerbridge serve` answers on [server] listen and stops on SIGTERM.

use crate::common;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.path().join("ledgerbridge.toml");
    std::fs::write(
        &cfg,
        format!(
            "[database]\nurl = \"sqlite://lb.db\"\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n\
             admin_token = \"env:LB_TEST_ADMIN\"\n"
        ),
    )
    .unwrap();
    let child = Command::new(common::bin())
        .args(["serve", "--config"])
        .arg(&cfg)
        .env("LB_TEST_ADMIN", "s3cret")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    common::wait_for(
        Duration::from_secs(20),
        "serve to answer /readyz",
        || async {
            let r = http.get(format!("{base}/readyz")).send().await.ok()?;
            r.status().is_success().then_some(())
        },
    )
    .await;
    let m = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(m.status(), reqwest::StatusCode::UNAUTHORIZED);
    let m = http
        .get(format!("{base}/metrics"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), reqwest::StatusCode::OK);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(status.status.success(), "{stderr}");
    assert!(
        !stderr.contains("s3cret"),
        "the admin token is never logged"
    );
}
