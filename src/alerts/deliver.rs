//! The `alert` job: one alert to one channel.
//!
//! Channel settings (URL, secret, SMTP credentials) are read from the config when the
//! job runs, never stored in the job, so the queue holds no secret and a corrected
//! setting applies to the retries already queued. What counts as retryable: no answer,
//! a timeout, HTTP 408/429/5xx, an SMTP 4xx; anything else the receiver refused is a
//! dead letter at once (retrying the same request cannot help).

use super::body::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::{AlertJob, AlertsConfig, Channel, WebhookFormat, health};
use crate::queue::{Job, JobContext, JobError, JobHandler};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::OnceLock;
use std::time::Duration;

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct AlertHandler;

#[async_trait::async_trait]
impl JobHandler for AlertHandler {
    async fn run(&self, job: &Job, ctx: &JobContext) -> Result<(), JobError> {
        let Job::Alert(a) = job else {
            return Err(JobError::permanent("alert handler got another kind of job"));
        };
        let settings = &ctx.config.alerts;
        let result = send(settings, a).await;
        let interval = settings.min_interval.as_millis().min(i64::MAX as u128) as i64;
        let bookkeeping = match &result {
            Ok(()) => health::delivered(&ctx.db, a.channel).await,
            Err(e) => health::failed(&ctx.db, a.channel, e.message(), interval).await,
        };
        if let Err(e) = bookkeeping {
            tracing::debug!(error = %e, "alert channel state not recorded");
        }
        result
    }
}

/// Delivers `job` now (the handler, and `alerts test` reporting per channel).
pub async fn send(settings: &AlertsConfig, job: &AlertJob) -> Result<(), JobError> {
    match job.channel {
        Channel::Webhook => webhook(settings, job).await,
        Channel::Email => email(settings, job).await,
    }
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("ledgerbridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds")
    })
}

async fn webhook(settings: &AlertsConfig, job: &AlertJob) -> Result<(), JobError> {
    let url = settings
        .webhook_url
        .as_ref()
        .ok_or_else(|| JobError::permanent("[alerts] webhook_url is no longer set"))?
        .get()
        .map_err(|m| JobError::permanent(format!("[alerts] webhook_url: {m}")))?;
    let value = match settings.webhook_format {
        WebhookFormat::Json => body::json_body(&job.alert),
        WebhookFormat::Slack => body::slack_body(&job.alert),
    };
    let bytes = serde_json::to_vec(&value).expect("JSON serializes");
    let mut req = http()
        .post(secrecy::ExposeSecret::expose_secret(url))
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    if let Some(secret) = &settings.webhook_secret {
        let secret = secret
            .get()
            .map_err(|m| JobError::permanent(format!("[alerts] webhook_secret: {m}")))?;
        let at = chrono::DateTime::parse_from_rfc3339(&job.alert.at)
            .map(|t| t.timestamp())
            .unwrap_or_else(|_| chrono::Utc::now().timestamp());
        req = req
            .header(
                SIGNATURE_HEADER,
                body::signature(
                    secrecy::ExposeSecret::expose_secret(secret).as_bytes(),
                    &bytes,
                ),
            )
            .header(TIMESTAMP_HEADER, at.to_string());
    }
    // the URL can be a credential (Slack's are): never in a message
    let resp = req
        .body(bytes)
        .send()
        .await
        .map_err(|e| JobError::retryable(format!("webhook: {}", e.without_url())))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let message = format!("webhook answered {status}: {}", text.trim());
    match status.as_u16() {
        408 | 429 | 500..=599 => Err(match retry_after {
            Some(d) => JobError::retry_after(message, d),
            None => JobError::retryable(message),
        }),
        _ => Err(JobError::permanent(message)),
    }
}

async fn email(settings: &AlertsConfig, job: &AlertJob) -> Result<(), JobError> {
    let url = settings
        .smtp_url
        .as_ref()
        .ok_or_else(|| JobError::permanent("[alerts] smtp_url is no longer set"))?
        .get()
        .map_err(|m| JobError::permanent(format!("[alerts] smtp_url: {m}")))?;
    let from = settings
        .email_from
        .as_deref()
        .ok_or_else(|| JobError::permanent("[alerts] email_from is not set"))?
        .parse()
        .map_err(|e| JobError::permanent(format!("[alerts] email_from: {e}")))?;
    let mut message = Message::builder()
        .from(from)
        .subject(body::email_subject(&job.alert));
    for to in &settings.email_to {
        message = message.to(to
            .parse()
            .map_err(|e| JobError::permanent(format!("[alerts] email_to `{to}`: {e}")))?);
    }
    let message = message
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body::email_text(&job.alert))
        .map_err(|e| JobError::permanent(format!("email: {e}")))?;
    // lettre's URL errors never repeat the URL, which may hold the SMTP password
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(secrecy::ExposeSecret::expose_secret(url))
            .map_err(|e| JobError::permanent(format!("[alerts] smtp_url: {e}")))?
            .timeout(Some(TIMEOUT))
            .build();
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(JobError::permanent(format!(
            "SMTP server refused the alert: {e}"
        ))),
        Err(e) => Err(JobError::retryable(format!("SMTP: {e}"))),
    }
}
