//! The two receivers alerts are delivered to in tests, both on loopback and started by
//! the test: a webhook endpoint that keeps every request (and can be told to answer
//! 503 first), and a small SMTP server that speaks enough of RFC 5321 for a real client
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
    /// What it answered.
    pub status: u16,
}

impl Delivery {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the webhook body is JSON")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct WebhookState {
    got: Mutex<Vec<Delivery>>,
    /// Answer 503 to this many requests first.
    fail_first: AtomicU32,
}

/// `POST /hook`: records the request; 200, or 503 while told to fail.
pub struct WebhookReceiver {
    pub url: String,
    state: Arc<WebhookState>,
}

impl WebhookReceiver {
    pub async fn start() -> WebhookReceiver {
        let state = Arc::new(WebhookState::default());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        WebhookReceiver { url, state }
    }

    /// Answer 503 to the next `n` requests.
    pub fn fail_next(&self, n: u32) {
        self.state.fail_first.store(n, Ordering::SeqCst);
    }

    pub fn all(&self) -> Vec<Delivery> {
        self.state.got.lock().unwrap().clone()
    }

    /// Deliveries answered 200 whose JSON `kind` (JSON format) is `kind`.
    pub fn of_kind(&self, kind: &str) -> Vec<Delivery> {
        self.all()
            .into_iter()
            .filter(|d| d.status == 200 && d.json()["kind"] == kind)
            .collect()
    }

    /// Waits until `pred` holds for the deliveries (at most `timeout`).
    pub async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let start = Instant::now();
        loop {
            let all = self.all();
            if pred(&all) {
                return all;
            }
            assert!(
                start.elapsed() < timeout,
                "webhook receiver: {what} not within {timeout:?}; got {:#?}",
                all.iter()
                    .map(|d| String::from_utf8_lossy(&d.body).into_owned())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn hook(State(s): State<Arc<WebhookState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let fail = s
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if fail {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    s.got.lock().unwrap().push(Delivery {
        headers,
        body,
        status: status.as_u16(),
    });
    status
}

/// One message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA section (headers and body), dot-stuffing undone.
    pub data: String,
}

impl Mail {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The body with quoted-printable soft line breaks joined.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        body.replace("=\r\n", "").replace("=3D", "=")
    }
}

/// A loopback SMTP server; `url()` is what `[alerts] smtp_url` takes.
pub struct SmtpServer {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let _ = session(sock, kept).await;
                });
            }
        });
        SmtpServer { port, mails }
    }

    /// Plain SMTP on loopback (the test double has no certificate).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn all(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    pub async fn wait_for(&self, timeout: Duration, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(
                start.elapsed() < timeout,
                "SMTP server: {n} message(s) not within {timeout:?}; got {all:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One SMTP session: commands in, replies out, messages kept at the end of DATA.
async fn session(sock: tokio::net::TcpStream, kept: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = sock.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 localhost ESMTP test double\r\n")
        .await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&cmd["MAIL FROM:".len()..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&cmd["RCPT TO:".len()..]));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            if to.is_empty() {
                write.write_all(b"503 RCPT first\r\n").await?;
                continue;
            }
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                // undo dot-stuffing
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            kept.lock().unwrap().push(Mail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
            });
            b"250 OK queued\r\n"
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// `<a@b>` (plus any parameters) → `a@b`.
fn address(s: &str) -> String {
    let s = s.trim();
    match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_string(),
        _ => s.split_whitespace().next().unwrap_or("").to_string(),
    }
}
