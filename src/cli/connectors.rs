//! `ledgerbridge connectors [--json]`: the connectors compiled into this build and what
//! each declares about itself.
//!
//! JSON contract (one object per connector, in `connectors`): `kind`, `label`, `role`
//! (`{source, target}`), `auth` (`static`, `oauth`), `write_batch` (per object),
//! `read_batch`, `page_size`, `rate_limits` (`name`, `calls`, `per_secs`, `scope`),
//! `max_concurrency`, `webhooks`, `webhook_key`, `idempotency`, `abilities`, `keys`
//! (vendor-specific config keys), `simulator` (default listen address or null),
//! `demo_server`, `mapping_folders`.

use super::Ctx;
use clap::Args;
use ledgerbridge_sdk::{Connector, VendorIdempotency};
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "List the connectors compiled into this build: each kind's role (source \
= CRM, target = accounting system), auth kinds, batch sizes, rate limits, webhook support, \
optional abilities, its own config keys, its simulator's default address and the mapping \
folders shipped for it. Needs no config. Exit 0."
)]
pub struct ConnectorsArgs {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Ctx, args: ConnectorsArgs) -> ExitCode {
    ctx.init_logging(None);
    let all: Vec<Value> = crate::connectors::CONNECTORS
        .iter()
        .map(|c| describe(*c))
        .collect();
    if args.json {
        println!("{}", json!({ "connectors": all }));
    } else {
        for c in &all {
            println!("{}", text(c));
        }
    }
    ExitCode::SUCCESS
}

/// What the connector's capabilities say it can do beyond the common contract.
fn abilities(c: &dyn Connector) -> Vec<&'static str> {
    let caps = c.capabilities();
    let mut out = Vec::new();
    if caps.webhooks {
        out.push("webhooks");
    }
    if !matches!(caps.idempotency, VendorIdempotency::None) {
        out.push("vendor_idempotency");
    }
    if c.roles().source && !caps.fields.is_empty() {
        out.push("declared_fields");
    }
    if c.numbers_invoices_chronologically() {
        out.push("chronological_invoice_numbers");
    }
    if c.max_reference_len().is_some() {
        out.push("bounded_references");
    }
    out
}

fn describe(c: &dyn Connector) -> Value {
    let caps = c.capabilities();
    let roles = c.roles();
    let idempotency = match &caps.idempotency {
        VendorIdempotency::None => Value::Null,
        VendorIdempotency::Header { name, max_len } => {
            json!({"header": name, "max_len": max_len})
        }
        VendorIdempotency::Query { name, max_len } => json!({"query": name, "max_len": max_len}),
    };
    json!({
        "kind": c.kind(),
        "label": c.label(),
        "role": {"source": roles.source, "target": roles.target},
        "auth": c.auth_kinds(),
        "write_batch": caps.write_batch,
        "read_batch": caps.read_batch,
        "page_size": caps.page_size,
        "rate_limits": caps.rate_limits.iter().map(|l| json!({
            "name": l.name,
            "calls": l.calls,
            "per_secs": l.per.as_secs_f64(),
            "scope": l.scope,
        })).collect::<Vec<_>>(),
        "max_concurrency": caps.max_concurrency,
        "webhooks": caps.webhooks,
        "webhook_key": c.webhook_key(),
        "idempotency": idempotency,
        "abilities": abilities(c),
        "max_reference_len": c.max_reference_len(),
        "keys": c.vendor_keys().iter().map(|k| json!({
            "name": k.name, "help": k.help, "secret": k.secret,
        })).collect::<Vec<_>>(),
        "simulator": c.simulator().map(|s| s.default_listen),
        "demo_server": c.demo_server(),
        "mapping_folders": crate::connectors::mapping_folders(c.kind()),
    })
}

fn text(c: &Value) -> String {
    let list = |v: &Value| -> String {
        match v.as_array() {
            Some(a) if !a.is_empty() => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => "none".into(),
        }
    };
    let role = match (
        c["role"]["source"].as_bool() == Some(true),
        c["role"]["target"].as_bool() == Some(true),
    ) {
        (true, true) => "source, target",
        (true, false) => "source (CRM)",
        (false, true) => "target (accounting)",
        _ => "none",
    };
    let batches = c["write_batch"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into());
    let limits = c["rate_limits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    format!(
                        "{} {}/{}s ({})",
                        l["name"].as_str().unwrap_or(""),
                        l["calls"],
                        l["per_secs"],
                        l["scope"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into());
    let keys = c["keys"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k["name"].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into());
    format!(
        "{kind} ({label}): {role}\n  auth: {auth}\n  write batch: {batches}; read batch {read}; page size {page}\n  rate limits: {limits}\n  webhooks: {webhooks}{wkey}\n  abilities: {abilities}\n  keys: {keys}\n  simulator: {sim}\n  mapping folders: {maps}",
        kind = c["kind"].as_str().unwrap_or(""),
        label = c["label"].as_str().unwrap_or(""),
        auth = list(&c["auth"]),
        read = c["read_batch"],
        page = c["page_size"],
        webhooks = if c["webhooks"].as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        },
        wkey = c["webhook_key"]
            .as_str()
            .map(|k| format!(" (secret in `{k}`)"))
            .unwrap_or_default(),
        abilities = list(&c["abilities"]),
        sim = c["simulator"].as_str().unwrap_or("none"),
        maps = list(&c["mapping_folders"]),
    )
}
