//! Simulators with a token-endpoint counter, test configs, and `ledgerbridge connect`
//! driven headless: the simulators' authorize endpoints redirect at once, so GETting the
//! printed URL without following redirects yields the redirect a browser would follow.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ledgerbridge::config::{self, Config};
use ledgerbridge::store::Db;
use ledgerbridge_sdk::sim::{RunningSim, SimOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "test-client-secret";

/// A running simulator plus the number of token-endpoint calls it answered.
pub struct Sim {
    pub base: String,
    pub token_calls: Arc<AtomicU64>,
    _running: RunningSim,
}

impl Sim {
    pub fn token_calls(&self) -> u64 {
        self.token_calls.load(Ordering::SeqCst)
    }
}

fn opts() -> SimOptions {
    SimOptions {
        token: Some("static-sim-token".into()),
        rate_limits: false,
        ..SimOptions::default()
    }
}

/// Counts POSTs to any `…/token` path (HubSpot `/oauth/v1/token`, Xero `/connect/token`):
/// the simulators' stats do not cover their open OAuth routes.
async fn serve(router: axum::Router) -> Sim {
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let router = router.layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let c = c.clone();
            async move {
                if req.method() == axum::http::Method::POST && req.uri().path().ends_with("/token")
                {
                    c.fetch_add(1, Ordering::SeqCst);
                }
                next.run(req).await
            }
        },
    ));
    let listener = ledgerbridge_sdk::sim::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    Sim {
        base,
        token_calls: calls,
        _running: ledgerbridge_sdk::sim::spawn(listener, router),
    }
}

pub async fn hubspot() -> Sim {
    serve(ledgerbridge_hubspot::sim::router(opts()).0).await
}

pub async fn xero() -> (Sim, ledgerbridge_xero::sim::SimHandle) {
    let (router, handle) = ledgerbridge_xero::sim::router(opts());
    (serve(router).await, handle)
}

/// A free loopback port for the redirect listener.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A temp folder with `ledgerbridge.toml`: SQLite `lb.db`, connection `crm` (HubSpot) and
/// `books` (Xero) on OAuth at the given simulators, plus `extra` TOML appended.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
}

impl Setup {
    pub fn new(hubspot: Option<&str>, xero: Option<&str>, extra: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let mut text = "[database]\nurl = \"sqlite://lb.db\"\n".to_string();
        for (name, kind, base) in [("crm", "hubspot", hubspot), ("books", "xero", xero)] {
            if let Some(base) = base {
                text.push_str(&format!(
                    "[connections.{name}]\nkind = \"{kind}\"\nbase_url = \"{base}\"\n\
                     auth = \"oauth\"\nclient_id = \"{CLIENT_ID}\"\n\
                     client_secret = \"{CLIENT_SECRET}\"\nredirect_port = {}\n",
                    free_port()
                ));
            }
        }
        text.push_str(extra);
        let config_path = dir.path().join("ledgerbridge.toml");
        std::fs::write(&config_path, text).unwrap();
        Setup { dir, config_path }
    }

    pub fn config(&self) -> Config {
        config::load(Some(&self.config_path)).unwrap()
    }

    pub async fn db(&self) -> Db {
        ledgerbridge::store::open(&self.config()).await.unwrap()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// How `connect` gets the redirect in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Paste,
    Loopback,
}

/// What a `connect` run left behind.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The loopback listener's answer to the redirect (Loopback mode).
    pub redirect_status: Option<u16>,
}

/// Runs `ledgerbridge connect <name>`, plays the browser, and waits for it to end.
/// `tamper` edits the redirect URL before it is delivered (wrong-state tests).
pub async fn connect(
    config: &Path,
    name: &str,
    mode: Mode,
    env: &[(&str, &str)],
    tamper: impl FnOnce(String) -> String,
) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ledgerbridge"));
    cmd.arg("--config")
        .arg(config)
        .args(["connect", name, "--no-browser"])
        .env_remove("LEDGERBRIDGE_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if mode == Mode::Paste {
        cmd.arg("--paste");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let err_task = tokio::spawn(async move {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s).await;
        s
    });

    let mut out = String::new();
    let mut line = String::new();
    let mut auth_url = None;
    while tokio::time::timeout(Duration::from_secs(60), stdout.read_line(&mut line))
        .await
        .expect("connect printed no URL in time")
        .unwrap()
        > 0
    {
        out.push_str(&line);
        if line.starts_with("http") {
            auth_url = Some(line.trim().to_string());
            break;
        }
        line.clear();
    }
    let mut redirect_status = None;
    if let Some(url) = auth_url {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = browser.get(&url).send().await.unwrap();
        assert!(
            resp.status().is_redirection(),
            "the simulator consents at once"
        );
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        let location = tamper(location);
        match mode {
            Mode::Paste => {
                // a connect that already failed has closed stdin: its exit says why
                let _ = stdin.write_all(format!("{location}\n").as_bytes()).await;
                let _ = stdin.flush().await;
            }
            Mode::Loopback => {
                let resp = browser.get(&location).send().await.unwrap();
                redirect_status = Some(resp.status().as_u16());
            }
        }
    }
    let mut rest = String::new();
    let status = tokio::time::timeout(Duration::from_secs(60), async {
        stdout.read_to_string(&mut rest).await.unwrap();
        child.wait().await.unwrap()
    })
    .await
    .expect("connect did not finish in time");
    drop(stdin);
    out.push_str(&rest);
    Run {
        code: status.code(),
        stdout: out,
        stderr: err_task.await.unwrap(),
        redirect_status,
    }
}

/// Every file of the SQLite database (`lb.db`, its WAL and shared-memory files).
pub fn database_bytes(setup: &Setup) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(setup.dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("lb.db")
        {
            all.extend(std::fs::read(&p).unwrap());
        }
    }
    assert!(!all.is_empty());
    all
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
