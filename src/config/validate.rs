//! Semantic checks on a loaded config: what serde cannot know (cron syntax, URLs, pairs
//! naming existing connections, secrets a connection needs). Each problem carries the key
//! path so `check` can point at the line; nothing here touches the network.

use super::{AuthMode, Config, ConnectionConfig, Secret};
use std::str::FromStr;

/// One step of a key path: a table key or an array index (`pairs[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Seg::Key(s.to_string())
    }
}
impl From<&String> for Seg {
    fn from(s: &String) -> Self {
        Seg::Key(s.clone())
    }
}
impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub message: String,
}

/// `a.b[0].c` for messages.
pub fn display_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$(Seg::from($seg)),*] };
}

/// Checks the database URL's form (also used when opening the store).
pub fn check_database_url(url: &str) -> Result<(), String> {
    if let Some(var) = url.strip_prefix("env:") {
        return Err(format!("environment variable {var} is not set"));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let file = rest.trim_start_matches("//");
        if file.is_empty() {
            return Err(format!(
                "database URL `{url}` names no file (write sqlite://FILE)"
            ));
        }
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return match url::Url::parse(url) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            Ok(_) => Err(format!("database URL `{}` has no host", redact_url(url))),
            Err(e) => Err(format!("invalid database URL `{}`: {e}", redact_url(url))),
        };
    }
    Err(format!(
        "unsupported database URL `{}`: expected sqlite://FILE or postgres://USER@HOST/DB",
        redact_url(url)
    ))
}

/// A URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn check_http_url(v: &str) -> Result<(), String> {
    if let Some(var) = v.strip_prefix("env:") {
        return Err(format!("environment variable {var} is not set"));
    }
    match url::Url::parse(v) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(()),
        Ok(u) => Err(format!(
            "URL `{v}` must use http or https, not {}",
            u.scheme()
        )),
        Err(e) => Err(format!("invalid URL `{v}`: {e}")),
    }
}

fn check_cron(expr: &str) -> Result<(), String> {
    cron::Schedule::from_str(expr).map(|_| ()).map_err(|e| {
        // The crate's message draws a caret diagram over several lines; keep its last line.
        let e = e.to_string();
        let why = e.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        format!(
            "invalid cron expression `{expr}` (6 fields, seconds first, e.g. \"0 */15 * * * *\"): {why}"
        )
    })
}

/// All semantic problems in `c`. Structural ones (unknown keys, wrong types) never get
/// this far: serde reports them while loading.
pub fn validate(c: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |path: Vec<Seg>, message: String| out.push(Problem { path, message });

    if let Err(m) = check_database_url(&c.database.url) {
        push(path!["database", "url"], m);
    }

    for (name, conn) in &c.connections {
        validate_connection(name, conn, &mut push);
    }

    let mut seen = std::collections::HashSet::new();
    for (i, p) in c.pairs.iter().enumerate() {
        if p.name.trim().is_empty() {
            push(path!["pairs", i, "name"], "pair name is empty".into());
        } else if !seen.insert(p.name.clone()) {
            push(
                path!["pairs", i, "name"],
                format!("duplicate pair name `{}`", p.name),
            );
        }
        match c.connections.get(&p.source) {
            None => push(
                path!["pairs", i, "source"],
                format!(
                    "pair `{}` names source connection `{}`, which is not defined (defined: {})",
                    p.name,
                    p.source,
                    defined(c)
                ),
            ),
            Some(conn) if !conn.kind.is_crm() => push(
                path!["pairs", i, "source"],
                format!(
                    "source `{}` is a {} connection; a pair's source must be a CRM",
                    p.source,
                    conn.kind.as_str()
                ),
            ),
            _ => {}
        }
        match c.connections.get(&p.target) {
            None => push(
                path!["pairs", i, "target"],
                format!(
                    "pair `{}` names target connection `{}`, which is not defined (defined: {})",
                    p.name,
                    p.target,
                    defined(c)
                ),
            ),
            Some(conn) if !conn.kind.is_finance() => push(
                path!["pairs", i, "target"],
                format!(
                    "target `{}` is a {} connection; a pair's target must be an accounting system",
                    p.target,
                    conn.kind.as_str()
                ),
            ),
            _ => {}
        }
        if let Some(s) = &p.schedule
            && let Err(m) = check_cron(s)
        {
            push(path!["pairs", i, "schedule"], m);
        }
        if let Some(s) = &p.reconcile_schedule
            && let Err(m) = check_cron(s)
        {
            push(path!["pairs", i, "reconcile_schedule"], m);
        }
        if let Some(d) = &p.start_date
            && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
        {
            push(
                path!["pairs", i, "start_date"],
                format!("invalid start_date `{d}`: expected YYYY-MM-DD"),
            );
        }
        match &p.bank_account_key {
            Some(b) if b.trim().is_empty() => push(
                path!["pairs", i, "bank_account"],
                "bank_account is empty".into(),
            ),
            None if p.bank_account.is_empty() => {
                if let Some(t) = c.connections.get(&p.target) {
                    push(
                        path!["pairs", i],
                        format!(
                            "pair `{}` needs `bank_account`: the {} connector has no default \
                             account to record payments against",
                            p.name,
                            t.kind.as_str()
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    if let Err(e) = c.server.listen.parse::<std::net::SocketAddr>() {
        push(
            path!["server", "listen"],
            format!(
                "invalid listen address `{}` (expected IP:PORT): {e}",
                c.server.listen
            ),
        );
    }
    if let Some(u) = &c.server.public_url
        && let Err(m) = check_http_url(u)
    {
        push(path!["server", "public_url"], m);
    }
    if let Some(t) = &c.server.admin_token
        && let Err(m) = t.get()
    {
        push(
            path!["server", "admin_token"],
            format!("{m} (remove admin_token to run without one)"),
        );
    }

    crate::alerts::settings::validate(&c.alerts, &mut push);

    let w = &c.worker;
    if w.concurrency == 0 {
        push(
            path!["worker", "concurrency"],
            "concurrency must be at least 1".into(),
        );
    }
    if w.heartbeat_secs == 0 {
        push(
            path!["worker", "heartbeat_secs"],
            "heartbeat_secs must be at least 1".into(),
        );
    }
    if w.poll_interval_ms < 10 {
        push(
            path!["worker", "poll_interval_ms"],
            "poll_interval_ms must be at least 10".into(),
        );
    }
    if w.max_attempts == 0 {
        push(
            path!["worker", "max_attempts"],
            "max_attempts must be at least 1".into(),
        );
    }
    if w.lease_ttl_secs == 0 {
        push(
            path!["worker", "lease_ttl_secs"],
            "lease_ttl_secs must be at least 1".into(),
        );
    }
    out
}

fn defined(c: &Config) -> String {
    if c.connections.is_empty() {
        "none".into()
    } else {
        c.connections
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn validate_connection(
    name: &str,
    conn: &ConnectionConfig,
    push: &mut impl FnMut(Vec<Seg>, String),
) {
    let at = |k: &str| path!["connections", name, k];
    if let Some(v) = &conn.base_url
        && let Err(m) = check_http_url(v)
    {
        push(at("base_url"), m);
    }
    // the second pass: the connector reads its own keys into its own config type
    let granted = std::collections::BTreeMap::new();
    let connector = conn.connector();
    for p in connector.check_keys(&conn.spec(name, &granted)) {
        match p.key {
            Some(k) if p.unknown => {
                // the same words serde uses for every other table, with both lists
                let known: Vec<String> = super::CONNECTION_KEYS
                    .iter()
                    .copied()
                    .chain(connector.vendor_keys().iter().map(|k| k.name))
                    .map(|k| format!("`{k}`"))
                    .collect();
                push(
                    at(&k),
                    format!(
                        "unknown key `{k}`, expected one of {} (a {} connection does not know it)",
                        known.join(", "),
                        connector.kind()
                    ),
                )
            }
            Some(k) => push(at(&k), p.message),
            None => push(
                path!["connections", name],
                format!("connection `{name}`: {}", p.message),
            ),
        }
    }
    if !conn.reserve.is_finite() || !(0.0..1.0).contains(&conn.reserve) {
        push(
            at("reserve"),
            format!(
                "reserve is the fraction of the vendor's daily budget left to other \
                 integrations: a number from 0 up to (not including) 1, got {}",
                conn.reserve
            ),
        );
    }
    let need = |push: &mut dyn FnMut(Vec<Seg>, String),
                key: &str,
                s: &Option<Secret>,
                why: &str| {
        match s {
            None => push(
                path!["connections", name],
                format!("connection `{name}` needs `{key}` ({why})"),
            ),
            Some(s) => {
                if let Err(m) = s.get() {
                    push(
                        at(key),
                        format!("{m} (needed by connection `{name}`: {why})"),
                    );
                }
            }
        }
    };
    match conn.auth {
        AuthMode::Static => need(
            push,
            "access_token",
            &conn.access_token,
            "auth = \"static\"",
        ),
        AuthMode::Oauth => {
            if conn.client_id.as_deref().is_none_or(str::is_empty) {
                push(
                    path!["connections", name],
                    format!("connection `{name}` needs `client_id` (auth = \"oauth\")"),
                );
            } else if let Some(v) = conn.client_id.as_deref()
                && let Some(var) = v.strip_prefix("env:")
            {
                push(
                    at("client_id"),
                    format!("environment variable {var} is not set"),
                );
            }
            need(
                push,
                "client_secret",
                &conn.client_secret,
                "auth = \"oauth\"",
            );
        }
    }
    let cur = &conn.default_currency;
    if cur.len() != 3 || !cur.chars().all(|ch| ch.is_ascii_uppercase()) {
        push(
            at("default_currency"),
            format!("default_currency `{cur}` is not an ISO 4217 code like \"USD\""),
        );
    }
    if !conn.rate_scale.is_finite() || conn.rate_scale < 1.0 {
        push(
            at("rate_scale"),
            format!(
                "rate_scale must be a number ≥ 1 (1 = the vendor's real time), got {}",
                conn.rate_scale
            ),
        );
    }
    if conn.redirect_port == Some(0) {
        push(at("redirect_port"), "redirect_port must not be 0".into());
    }
}
