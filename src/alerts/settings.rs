//! `[alerts]`: where alerts go, which are sent and how often a repeat may be.
//!
//! Every key is optional; with neither `webhook_url` nor `smtp_url` no alert is raised
//! at all. `check` reports what serde cannot (a bad URL, a JSON webhook without its
//! secret, an address that does not parse) at the key's line through [`validate`].

use super::AlertKind;
use crate::config::Secret;
use crate::config::validate::Seg;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The documented JSON object, signed with `webhook_secret`.
    #[default]
    Json,
    /// Slack-compatible `text` + `blocks` (an incoming-webhook URL, or anything that
    /// reads Slack's format).
    Slack,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Where webhook alerts are POSTed. A secret: a Slack incoming-webhook URL is its
    /// own credential, so it is never logged and may be written `env:NAME`.
    pub webhook_url: Option<Secret>,
    #[serde(default)]
    pub webhook_format: WebhookFormat,
    /// HMAC-SHA256 key of `X-Ledgerbridge-Signature` (required for the JSON format).
    pub webhook_secret: Option<Secret>,
    /// `smtp://HOST:PORT?tls=required` (STARTTLS), `smtps://HOST:PORT` (TLS from the
    /// first byte), user and password in the URL when the server wants them.
    pub smtp_url: Option<Secret>,
    pub email_from: Option<String>,
    #[serde(default)]
    pub email_to: Vec<String>,
    /// The kinds sent; `None` = every kind.
    pub kinds: Option<Vec<AlertKind>>,
    /// A repeat of the same kind for the same pair (or connection) within this time is
    /// counted, not sent.
    #[serde(default = "default_min_interval", deserialize_with = "duration")]
    pub min_interval: Duration,
    /// The queue is "not draining" when a job has been due for longer than this.
    #[serde(default = "default_queue_max_age", deserialize_with = "duration")]
    pub queue_max_age: Duration,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            webhook_url: None,
            webhook_format: WebhookFormat::default(),
            webhook_secret: None,
            smtp_url: None,
            email_from: None,
            email_to: Vec::new(),
            kinds: None,
            min_interval: default_min_interval(),
            queue_max_age: default_queue_max_age(),
        }
    }
}

fn default_min_interval() -> Duration {
    Duration::from_secs(3600)
}

fn default_queue_max_age() -> Duration {
    Duration::from_secs(15 * 60)
}

/// A duration written `"90s"`, `"15m"`, `"1h 30m"` or as whole seconds.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => match t.trim().parse::<u64>() {
            Ok(s) => Ok(Duration::from_secs(s)),
            Err(_) => humantime::parse_duration(t.trim()).map_err(|e| {
                serde::de::Error::custom(format!(
                    "invalid duration `{t}` ({e}); write e.g. \"90s\", \"15m\" or \"1h\""
                ))
            }),
        },
    }
}

/// One delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Webhook,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

impl AlertsConfig {
    /// The channels configured, in a fixed order.
    pub fn channels(&self) -> Vec<Channel> {
        let mut out = Vec::new();
        if self.webhook_url.is_some() {
            out.push(Channel::Webhook);
        }
        if self.smtp_url.is_some() {
            out.push(Channel::Email);
        }
        out
    }

    /// Whether alerts of `kind` are sent at all.
    pub fn wants(&self, kind: AlertKind) -> bool {
        match &self.kinds {
            None => true,
            Some(k) => kind == AlertKind::Test || k.contains(&kind),
        }
    }
}

/// The problems `check` reports under `[alerts]`.
pub fn validate(a: &AlertsConfig, push: &mut dyn FnMut(Vec<Seg>, String)) {
    let at = |k: &str| vec![Seg::from("alerts"), Seg::from(k)];
    if let Some(u) = &a.webhook_url {
        match u.get() {
            Err(m) => push(at("webhook_url"), m),
            // never echo the URL: it may be the credential itself
            Ok(_) => match url::Url::parse(u.expose().unwrap_or_default()) {
                Ok(p) if p.scheme() == "http" || p.scheme() == "https" => {}
                Ok(p) => push(
                    at("webhook_url"),
                    format!("webhook_url must use http or https, not {}", p.scheme()),
                ),
                Err(e) => push(at("webhook_url"), format!("invalid webhook_url: {e}")),
            },
        }
        match (&a.webhook_secret, a.webhook_format) {
            (None, WebhookFormat::Json) => push(
                vec![Seg::from("alerts")],
                "webhook_format = \"json\" needs `webhook_secret`: receivers verify \
                 X-Ledgerbridge-Signature with it"
                    .into(),
            ),
            (Some(s), _) => {
                if let Err(m) = s.get() {
                    push(at("webhook_secret"), m);
                }
            }
            (None, WebhookFormat::Slack) => {}
        }
    }
    if let Some(s) = &a.smtp_url {
        match s.get() {
            Err(m) => push(at("smtp_url"), m),
            Ok(_) => {
                let raw = s.expose().unwrap_or_default();
                match url::Url::parse(raw) {
                    Ok(u) if u.scheme() == "smtp" || u.scheme() == "smtps" => {}
                    // never echo the URL: it may hold the SMTP password
                    Ok(u) => push(
                        at("smtp_url"),
                        format!(
                            "smtp_url must start smtp:// (STARTTLS with ?tls=required) or \
                             smtps:// (TLS), not {}://",
                            u.scheme()
                        ),
                    ),
                    Err(e) => push(at("smtp_url"), format!("invalid smtp_url: {e}")),
                }
            }
        }
        match &a.email_from {
            None => push(
                vec![Seg::from("alerts")],
                "smtp_url is set but `email_from` is not".into(),
            ),
            Some(f) => {
                if let Err(e) = f.parse::<lettre::message::Mailbox>() {
                    push(at("email_from"), format!("email_from `{f}`: {e}"));
                }
            }
        }
        if a.email_to.is_empty() {
            push(
                vec![Seg::from("alerts")],
                "smtp_url is set but `email_to` lists nobody".into(),
            );
        }
        for (i, t) in a.email_to.iter().enumerate() {
            if let Err(e) = t.parse::<lettre::message::Mailbox>() {
                push(
                    vec![Seg::from("alerts"), Seg::from("email_to"), Seg::Index(i)],
                    format!("email_to `{t}`: {e}"),
                );
            }
        }
    } else if a.email_from.is_some() || !a.email_to.is_empty() {
        push(
            vec![Seg::from("alerts")],
            "email_from / email_to are set but `smtp_url` is not: no email is sent".into(),
        );
    }
    if a.min_interval.is_zero() {
        push(
            at("min_interval"),
            "min_interval must be longer than 0 (a repeat would be sent every time)".into(),
        );
    }
    if a.queue_max_age < Duration::from_secs(1) {
        push(
            at("queue_max_age"),
            "queue_max_age must be at least 1s".into(),
        );
    }
}
