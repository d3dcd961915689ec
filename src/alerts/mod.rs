//! Alerts: tell the admin, once, when the books stop being in step.
//!
//! An [`Alert`] names its kind, the pair or connection it is about, a one-line summary,
//! a few details and the dashboard page to open. [`Alerter::raise`] decides whether it
//! goes out — the kind is wanted (`[alerts] kinds`) and no alert of the same kind for
//! the same subject went out within `min_interval` — and enqueues one `alert` job per
//! configured channel, so delivery is retried with backoff, shows in `ledgerbridge
//! jobs` and never holds up the work that raised it.
//!
//! - [`settings`]: the `[alerts]` table and its checks.
//! - [`body`]: what a webhook and an email carry, and the signature.
//! - [`deliver`]: the `alert` job handler (webhook over HTTP, email over SMTP).
//! - [`health`]: per-channel state — a failing channel logs one line per interval.
//! - [`sweep`]: alerts read off the database (finished runs, reconciliations, the
//!   queue's age), run by the worker and after `sync` / `reconcile`.
//! - [`inline`]: one-off commands deliver their alerts before they exit.
//! - [`credentials`]: a token source that raises "needs reconnecting" when the
//!   vendor or its token endpoint refuses the connection.
//!
//! No alert carries a secret, and none carries personal data beyond record keys:
//! reasons quoted from vendors pass through [`scrub`] first.

pub mod body;
pub mod credentials;
pub mod deliver;
pub mod health;
pub mod inline;
pub mod settings;
pub mod sweep;

pub use settings::{AlertsConfig, Channel, WebhookFormat};

use crate::config::Config;
use crate::queue::{self, Job};
use crate::store::{Db, StoreError, execute, fetch_optional};
use crate::time::{now_ms, rfc3339};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What an alert is about. The names are the values of `[alerts] kinds` and the
/// `kind` of the JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A sync run ended with jobs that gave up.
    RunFailed,
    /// A run left new record-level dead letters.
    DeadLetters,
    /// The vendor or its token endpoint refused the connection's credentials.
    NeedsReconnect,
    /// A reconciliation found records not in step.
    ReconcileDiscrepancies,
    /// `audit verify` found the chain broken.
    AuditVerifyFailed,
    /// A job has been due for longer than `queue_max_age`.
    QueueNotDraining,
    /// `ledgerbridge alerts test`.
    Test,
}

impl AlertKind {
    /// Every kind `[alerts] kinds` can list.
    pub const ALL: [AlertKind; 6] = [
        AlertKind::RunFailed,
        AlertKind::DeadLetters,
        AlertKind::NeedsReconnect,
        AlertKind::ReconcileDiscrepancies,
        AlertKind::AuditVerifyFailed,
        AlertKind::QueueNotDraining,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RunFailed => "run_failed",
            AlertKind::DeadLetters => "dead_letters",
            AlertKind::NeedsReconnect => "needs_reconnect",
            AlertKind::ReconcileDiscrepancies => "reconcile_discrepancies",
            AlertKind::AuditVerifyFailed => "audit_verify_failed",
            AlertKind::QueueNotDraining => "queue_not_draining",
            AlertKind::Test => "test",
        }
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert, as every channel renders it (and as the `alert` job carries it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub pair: Option<String>,
    pub connection: Option<String>,
    /// One line: what happened.
    pub summary: String,
    /// A few lines: counts, the first reasons, record keys, what to do.
    pub details: Vec<String>,
    /// When it was raised (RFC 3339, UTC).
    pub at: String,
    /// The dashboard page to open, when `[server] public_url` is set.
    pub dashboard_url: Option<String>,
}

/// The dashboard page an alert points at (the dashboard's routes).
#[derive(Debug, Clone)]
pub enum Page {
    Overview,
    Run(String),
    DeadLetters,
    Connections,
    Reconcile(String),
    Audit,
}

impl Page {
    fn path(&self) -> Vec<&str> {
        match self {
            Page::Overview => vec![],
            Page::Run(id) => vec!["runs", id],
            Page::DeadLetters => vec!["dead-letters"],
            Page::Connections => vec!["connections"],
            Page::Reconcile(pair) => vec!["reconcile", pair],
            Page::Audit => vec!["audit"],
        }
    }

    /// The page under `public_url`, each segment percent-encoded.
    pub fn url(&self, public_url: &str) -> Option<String> {
        let mut u = url::Url::parse(public_url).ok()?;
        {
            let mut segs = u.path_segments_mut().ok()?;
            segs.pop_if_empty();
            for s in self.path() {
                segs.push(s);
            }
        }
        if self.path().is_empty() && !u.path().ends_with('/') {
            u.set_path(&format!("{}/", u.path()));
        }
        Some(u.to_string())
    }
}

impl Alert {
    /// A new alert of `kind`, raised now.
    pub fn new(kind: AlertKind, summary: impl Into<String>) -> Self {
        Alert {
            kind,
            pair: None,
            connection: None,
            summary: summary.into(),
            details: Vec::new(),
            at: rfc3339(now_ms()),
            dashboard_url: None,
        }
    }

    pub fn pair(mut self, pair: &str) -> Self {
        self.pair = Some(pair.to_string());
        self
    }

    pub fn connection(mut self, connection: &str) -> Self {
        self.connection = Some(connection.to_string());
        self
    }

    /// Adds a detail line, scrubbed of personal data.
    pub fn detail(mut self, line: impl AsRef<str>) -> Self {
        self.details.push(scrub(line.as_ref()));
        self
    }

    /// What `min_interval` is counted per, besides the kind: the pair, else the
    /// connection, else the whole installation.
    pub fn subject(&self) -> &str {
        self.pair
            .as_deref()
            .or(self.connection.as_deref())
            .unwrap_or("")
    }
}

/// One delivery: the `alert` job's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertJob {
    pub channel: Channel,
    pub alert: Alert,
}

/// What [`Alerter::raise`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    /// Enqueued; the delivery jobs' ids.
    Sent(Vec<String>),
    /// An alert of the same kind and subject went out within `min_interval`.
    RateLimited,
    /// No channel is configured, or `kinds` leaves this one out.
    NotWanted,
}

/// Raises alerts for one configuration and database. Cheap to clone.
#[derive(Clone)]
pub struct Alerter {
    db: Db,
    settings: Arc<AlertsConfig>,
    public_url: Option<String>,
}

impl Alerter {
    pub fn new(config: &Config, db: &Db) -> Self {
        Alerter {
            db: db.clone(),
            settings: Arc::new(config.alerts.clone()),
            public_url: config.server.public_url.clone(),
        }
    }

    pub fn settings(&self) -> &AlertsConfig {
        &self.settings
    }

    /// Sends `alert` (linked to `page`) unless unwanted or a repeat within
    /// `min_interval`. The rate-limit mark and the delivery jobs are written in one
    /// transaction, so a crash never loses an alert it counted as sent.
    pub async fn raise(&self, mut alert: Alert, page: Page) -> Result<Raised, StoreError> {
        let channels = self.settings.channels();
        if channels.is_empty() || !self.settings.wants(alert.kind) {
            return Ok(Raised::NotWanted);
        }
        alert.dashboard_url = self.public_url.as_deref().and_then(|u| page.url(u));
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        if alert.kind != AlertKind::Test {
            let window = self.settings.min_interval.as_millis().min(i64::MAX as u128) as i64;
            if !mark_sent(&mut tx, alert.kind, alert.subject(), now, window).await? {
                tx.commit().await?;
                tracing::debug!(kind = %alert.kind, subject = alert.subject(), "alert repeated within min_interval; not sent");
                return Ok(Raised::RateLimited);
            }
        }
        let mut ids = Vec::new();
        for channel in channels {
            let job = Job::Alert(AlertJob {
                channel,
                alert: alert.clone(),
            });
            ids.push(
                queue::enqueue_in_tx(&mut tx, &job)
                    .await
                    .map_err(|e| StoreError::Other(format!("enqueue alert: {e}")))?,
            );
        }
        tx.commit().await?;
        tracing::info!(kind = %alert.kind, subject = alert.subject(), summary = %alert.summary, "alert raised");
        Ok(Raised::Sent(ids))
    }

    /// [`Alerter::raise`] for callers that must not fail because of an alert: a
    /// problem is logged and the caller goes on.
    pub async fn raise_quietly(&self, alert: Alert, page: Page) -> Option<Vec<String>> {
        let kind = alert.kind;
        match self.raise(alert, page).await {
            Ok(Raised::Sent(ids)) => Some(ids),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(%kind, error = %e, "alert could not be raised");
                None
            }
        }
    }
}

/// Claims the right to send `kind` for `subject` now: true when none went out within
/// `window` ms (judged in one statement, so two workers never both send); a repeat is
/// counted in `suppressed`.
async fn mark_sent(
    tx: &mut crate::store::DbTx,
    kind: AlertKind,
    subject: &str,
    now: i64,
    window: i64,
) -> Result<bool, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[allow(dead_code)]
        kind: String,
    }
    let won = fetch_optional!(
        tx.exec(),
        Row,
        "INSERT INTO alert_sent (kind, subject, last_sent_at, suppressed) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (kind, subject) DO UPDATE SET last_sent_at = excluded.last_sent_at, \
         suppressed = 0 WHERE alert_sent.last_sent_at <= $4 RETURNING kind",
        kind.as_str(),
        subject,
        now,
        now - window
    )?;
    if won.is_some() {
        return Ok(true);
    }
    execute!(
        tx.exec(),
        "UPDATE alert_sent SET suppressed = suppressed + 1 WHERE kind = $1 AND subject = $2",
        kind.as_str(),
        subject
    )?;
    Ok(false)
}

/// A line with what could be personal data taken out: e-mail addresses and long runs
/// of digits (phone numbers, account numbers) become `[redacted]`. Record keys
/// (`deal:123`) and amounts are short enough to stay.
pub fn scrub(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
        let phone_like = digits >= 7
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || "+-().".contains(c));
        if word.contains('@') && word.contains('.') || phone_like {
            out.push_str("[redacted]");
        } else {
            out.push_str(word);
        }
    }
    const MAX: usize = 300;
    if out.len() > MAX {
        let mut cut = MAX;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Registers the `alert` job handler.
pub fn register(h: &mut crate::queue::Handlers) {
    h.register(crate::queue::JobKind::Alert, deliver::AlertHandler);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_takes_out_addresses_and_phone_numbers_and_keeps_record_keys() {
        assert_eq!(
            scrub("deal:123 contact ann@example.com phone +44-20-7946-0958 amount 1200.50"),
            "deal:123 contact [redacted] phone [redacted] amount 1200.50"
        );
        assert!(scrub(&"x".repeat(1000)).chars().count() <= 301);
    }

    #[test]
    fn dashboard_links_encode_their_segments() {
        let p = Page::Reconcile("main pair".into());
        assert_eq!(
            p.url("https://lb.example.com/base").as_deref(),
            Some("https://lb.example.com/base/reconcile/main%20pair")
        );
        assert_eq!(
            Page::Overview.url("https://lb.example.com").as_deref(),
            Some("https://lb.example.com/")
        );
        assert_eq!(
            Page::Run("run-1".into())
                .url("https://lb.example.com/")
                .as_deref(),
            Some("https://lb.example.com/runs/run-1")
        );
    }

    #[test]
    fn kinds_default_to_all_and_test_always_goes() {
        let mut a = AlertsConfig::default();
        assert!(AlertKind::ALL.iter().all(|k| a.wants(*k)));
        a.kinds = Some(vec![AlertKind::RunFailed]);
        assert!(a.wants(AlertKind::RunFailed));
        assert!(!a.wants(AlertKind::DeadLetters));
        assert!(a.wants(AlertKind::Test));
    }
}
