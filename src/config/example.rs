//! The commented config `ledgerbridge init` writes for a shipped mapping folder, built
//! from the same pieces for every pair: the engine's sections, each connector's own
//! connection block ([`Connector::config_block`]) and the pair settings in the
//! connectors' words. `config.example.toml` is this text for the demo pair, and a test
//! keeps the two equal.

use ledgerbridge_sdk::Connector;

/// The connection names the written config uses for the source and the target.
pub const SOURCE_CONNECTION: &str = "crm";
pub const TARGET_CONNECTION: &str = "books";

const RULE: &str =
    "# ---------------------------------------------------------------------------------------\n";

/// The config for a pair of `source` and `target` reading `mappings/<folder>`.
pub fn render(source: &dyn Connector, target: &dyn Connector, folder: &str) -> String {
    let mut out = header(source, target);
    out.push_str(&format!("[connections.{SOURCE_CONNECTION}]\n"));
    out.push_str(&source.config_block());
    out.push_str(&format!("\n[connections.{TARGET_CONNECTION}]\n"));
    out.push_str(&target.config_block());
    out.push('\n');
    out.push_str(&pair(source, target, folder));
    out.push('\n');
    out.push_str(include_str!("example/tail.toml"));
    out
}

fn header(source: &dyn Connector, target: &dyn Connector) -> String {
    let sims: Vec<String> = [source, target]
        .iter()
        .filter(|c| c.simulator().is_some())
        .map(|c| {
            format!(
                "`ledgerbridge sim {} --token {}`",
                c.kind(),
                ledgerbridge_sdk::connector::SIM_TOKEN
            )
        })
        .collect();
    let sims = if sims.is_empty() {
        String::new()
    } else {
        format!("\n# ({})", sims.join(", "))
    };
    format!(
        r#"# ledgerbridge configuration — every key, with its default and what it does.
#
# `ledgerbridge init --mappings {source}-{target}` writes this file with its mapping folder
# next to it. Any key can be overridden from the environment as
# LEDGERBRIDGE__SECTION__KEY, e.g. LEDGERBRIDGE__DATABASE__URL or
# LEDGERBRIDGE__CONNECTIONS__CRM__ACCESS_TOKEN. A string value written "env:NAME" is read
# from the environment variable NAME. Unknown keys are errors: `ledgerbridge check`
# lists every problem as file:line.
#
# As written, the active connections point at the bundled simulators{sims}
# so this file passes `ledgerbridge check` as is. Production settings are shown commented.

[database]
# sqlite://FILE (embedded default: one file, created on first run, relative to this
# file's folder) or postgres://USER:PASSWORD@HOST:PORT/DB for many workers on many machines.
url = "sqlite://ledgerbridge.db"
# url = "env:DATABASE_URL"

{RULE}# Connections: one table per system, any name. `kind` is one of the compiled-in
# connectors (`ledgerbridge connectors` lists them). The keys every kind shares come
# first; the keys after them belong to that kind's connector, and `check` reports a key
# the kind does not know.
{RULE}"#,
        source = source.kind(),
        target = target.kind(),
    )
}

fn pair(source: &dyn Connector, target: &dyn Connector, folder: &str) -> String {
    let defaults = target.pair_defaults();
    let invoice_status = match defaults.invoice_status_words {
        [] => String::new(),
        words => format!(
            "# Status of created invoices, in the target's words: {} [default: {}].\n\
             invoice_status = \"{}\"\n",
            words
                .iter()
                .map(|(w, _)| *w)
                .collect::<Vec<_>>()
                .join(" | "),
            words[0].0,
            words[0].0
        ),
    };
    let bank_account = match defaults.deposit_account {
        Some(account) => format!(
            "# Account code payments are recorded against [default: the target connector's, {} \"{account}\"].\n\
             bank_account = \"{account}\"\n",
            target.label()
        ),
        None => format!(
            "# Account payments are recorded against [{} has no default].\n# bank_account = \"\"\n",
            target.label()
        ),
    };
    let writeback: String = [
        ("deal_invoice_number", "invoice_number"),
        ("deal_invoice_status", "invoice_status"),
        ("deal_amount_paid", "amount_paid"),
        ("deal_amount_outstanding", "amount_outstanding"),
        ("deal_paid_date", "paid_date"),
        ("company_outstanding", "outstanding"),
        ("company_overdue", "overdue"),
    ]
    .iter()
    .map(|(key, stem)| format!("{key} = \"{}\"\n", source.writeback_property(stem)))
    .collect();
    format!(
        r#"{RULE}# Pairs: a CRM source synced into an accounting target by the mapping files in `mappings`.
# Only name, source, target and mappings are required.
{RULE}[[pairs]]
name = "main"
source = "{SOURCE_CONNECTION}"
target = "{TARGET_CONNECTION}"
# Mapping folder, relative to this file's folder.
mappings = "mappings/{folder}"
# Cron with seconds for scheduled syncs in `ledgerbridge worker` [default: none = manual syncs only].
# schedule = "0 */15 * * * *"
# Cron for scheduled reconciliation [default: none].
# reconcile_schedule = "0 0 6 * * *"
# Cut-over (YYYY-MM-DD): deals closed before it are never invoiced [default: none = no cut-over].
# start_date = "2026-01-01"
# finance | crm: which side records payments [default: finance = payments are written back to the CRM].
payments_source = "finance"
# A deal deleted or no longer closed-won whose invoice is unpaid: flag | void [default: flag].
on_delete = "flag"
# An invoice edited in the finance system after our push: flag | source_wins | target_wins [default: flag].
on_conflict = "flag"
{invoice_status}# Customer for deals with neither company nor contact [default: none = such deals become dead letters].
# fallback_customer = "Walk-in customers"
{bank_account}# CRM property that receives the budget status (on track / at risk / over) [default: none].
# budget_status_property = "ledgerbridge_budget_status"

# CRM property names finance status is written back to [defaults: the source connector's
# naming rule, shown here for {source_label}: {rule}].
[pairs.writeback]
{writeback}"#,
        source_label = source.label(),
        rule = source.writeback_property("<what>"),
    )
}
