//! When a deal goes away — deleted in the CRM, or no longer closed-won — its invoice
//! is voided (`on_delete = "void"`: an AUTHORISED invoice becomes VOIDED, a DRAFT one
//! is DELETED, as accounting systems allow) or flagged for reconciliation (`on_delete = "flag"`,
//! the default). A paid or part-paid invoice is never voided: it is flagged, since a
//! credit note is the accountant's call.

use super::keys;
use super::plan::LIFECYCLE;
use super::runs::Counters;
use super::runtime::{PairRuntime, job_error};
use crate::config::OnDelete;
use crate::queue::db_err;
use crate::queue::{JobContext, JobError};
use crate::store::{Exec, execute};
use crate::time::now_ms;
use ledgerbridge_sdk::ability::Ability;
use ledgerbridge_sdk::model::InvoiceStatus;
use ledgerbridge_sdk::{ConnectorError, StatusChange, WriteItem};
use rust_decimal::Decimal;

/// A linked invoice whose source record went away.
pub struct Gone {
    pub source_key: String,
    pub invoice_id: String,
    pub reason: String,
}

/// Voids or flags each invoice; marks the link so it happens once.
pub async fn handle(
    rt: &PairRuntime,
    ctx: &JobContext,
    mapping: &str,
    version: &str,
    gone: Vec<Gone>,
    counters: &mut Counters,
) -> Result<(), JobError> {
    if gone.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = gone.iter().map(|g| g.invoice_id.clone()).collect();
    let current: std::collections::HashMap<String, _> = rt
        .target
        .get_invoices(&ids)
        .await
        .map_err(|e| job_error("invoice read", e))?
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect();
    for g in gone {
        let Some(inv) = current.get(&g.invoice_id) else {
            mark(&ctx.db, rt, mapping, &g.source_key, "gone", None).await?;
            continue;
        };
        if !inv.status.is_live() {
            // voided or deleted already (by us before a crash, or by hand)
            mark(&ctx.db, rt, mapping, &g.source_key, "voided", None).await?;
            continue;
        }
        let paid = inv.amount_paid > Decimal::ZERO || inv.status == InvoiceStatus::Paid;
        if rt.pair.on_delete == OnDelete::Flag || paid {
            let why = if paid {
                format!(
                    "{}; invoice {} is paid or part-paid ({} {}): not voided, a credit note is the accountant's call",
                    g.reason,
                    inv.number.as_deref().unwrap_or(&inv.id),
                    inv.amount_paid,
                    inv.currency
                )
            } else {
                format!("{}; invoice left as it is (on_delete = \"flag\")", g.reason)
            };
            mark(&ctx.db, rt, mapping, &g.source_key, "flagged", Some(&why)).await?;
            counters.flagged += 1;
            continue;
        }
        let Some(changes) = rt.target.status_changes() else {
            // on_delete = "void" on a target that cannot void: said, never skipped
            let target = format!(
                "{} ({})",
                rt.target_connection,
                rt.target.capabilities().vendor
            );
            let e = ConnectorError::not_supported(Ability::StatusChanges, &target);
            let reason = format!(
                "{}: invoice {} left as it is (on_delete = \"void\"): {e}",
                g.reason, g.invoice_id
            );
            let mut c = ctx.db.conn().await.map_err(db_err("handle: connect"))?;
            if super::deadletters::record(
                c.exec(),
                &rt.pair.name,
                &rt.target_connection,
                mapping,
                &g.source_key,
                &reason,
            )
            .await
            .map_err(db_err("deadletters::record"))?
            {
                counters.dead_lettered += 1;
            }
            drop(c);
            mark(
                &ctx.db,
                rt,
                mapping,
                &g.source_key,
                "flagged",
                Some(&reason),
            )
            .await?;
            counters.failed += 1;
            continue;
        };
        let status = match inv.status {
            InvoiceStatus::Draft | InvoiceStatus::Submitted => InvoiceStatus::Deleted,
            _ => InvoiceStatus::Voided,
        };
        let key = keys::derive(
            &rt.pair.name,
            version,
            &g.source_key,
            &format!("{LIFECYCLE}{}", status.as_str()),
        );
        {
            let mut tx = ctx
                .db
                .begin()
                .await
                .map_err(db_err("handle: begin transaction"))?;
            if !keys::claim(
                tx.exec(),
                &key,
                &rt.pair.name,
                mapping,
                &g.source_key,
                "lifecycle",
                &ctx.job_id,
            )
            .await
            .map_err(db_err("keys::claim"))?
            {
                return Err(JobError::retry_after(
                    format!("{} is being voided by another job", g.source_key),
                    std::time::Duration::from_millis(500),
                ));
            }
            keys::mark_sent(tx.exec(), std::slice::from_ref(&key), &ctx.job_id)
                .await
                .map_err(db_err("keys::mark_sent"))?;
            tx.commit().await.map_err(db_err("handle: commit"))?;
        }
        let out = changes
            .set_invoice_status(&WriteItem::update(
                key.clone(),
                g.invoice_id.clone(),
                StatusChange {
                    invoice_id: g.invoice_id.clone(),
                    status,
                },
            ))
            .await
            .map_err(|e| job_error("void", e))?;
        match out.result {
            Ok(_) => {
                let mut tx = ctx
                    .db
                    .begin()
                    .await
                    .map_err(db_err("handle: begin transaction"))?;
                keys::mark_done(tx.exec(), &key, &g.invoice_id, None)
                    .await
                    .map_err(db_err("keys::mark_done"))?;
                set_link(
                    tx.exec(),
                    rt,
                    mapping,
                    &g.source_key,
                    "voided",
                    Some(&g.reason),
                )
                .await
                .map_err(db_err("set_link"))?;
                crate::audit::append(
                    &mut tx,
                    &crate::audit::AuditEntry {
                        connection: rt.target_connection.clone(),
                        action: format!("invoice.{}", status.as_str().to_lowercase()),
                        source_key: Some(g.source_key.clone()),
                        target_id: Some(g.invoice_id.clone()),
                        payload_digest: Some(key.clone()),
                    },
                )
                .await
                .map_err(db_err("audit::append"))?;
                tx.commit().await.map_err(db_err("handle: commit"))?;
                counters.voided += 1;
                tracing::info!(record_key = %g.source_key, invoice = %g.invoice_id, status = status.as_str(), "invoice voided: its deal went away");
            }
            Err(e) if e.is_retryable() => return Err(job_error("void", e)),
            Err(e) => {
                let mut c = ctx.db.conn().await.map_err(db_err("handle: connect"))?;
                keys::mark_failed(c.exec(), &key, &e.to_string())
                    .await
                    .map_err(db_err("keys::mark_failed"))?;
                let reason = format!(
                    "{}: voiding invoice {} was refused: {e}",
                    g.reason, g.invoice_id
                );
                if super::deadletters::record(
                    c.exec(),
                    &rt.pair.name,
                    &rt.target_connection,
                    mapping,
                    &g.source_key,
                    &reason,
                )
                .await
                .map_err(db_err("deadletters::record"))?
                {
                    counters.dead_lettered += 1;
                }
                counters.failed += 1;
            }
        }
    }
    Ok(())
}

async fn mark(
    db: &crate::store::Db,
    rt: &PairRuntime,
    mapping: &str,
    source_key: &str,
    what: &str,
    flag: Option<&str>,
) -> Result<(), JobError> {
    let mut c = db.conn().await.map_err(db_err("mark: connect"))?;
    set_link(c.exec(), rt, mapping, source_key, what, flag)
        .await
        .map_err(db_err("set_link"))
}

/// Marks the link `lifecycle:<what>` (the plan then leaves it alone) with a flag reason.
async fn set_link(
    exec: Exec<'_>,
    rt: &PairRuntime,
    mapping: &str,
    source_key: &str,
    what: &str,
    flag: Option<&str>,
) -> Result<(), sqlx::Error> {
    execute!(
        exec,
        "UPDATE links SET pushed_hash = $4, flag = $5, flagged_at = $6 \
         WHERE pair = $1 AND mapping = $2 AND source_key = $3",
        &rt.pair.name,
        mapping,
        source_key,
        format!("{LIFECYCLE}{what}"),
        flag,
        flag.map(|_| now_ms())
    )
    .map(|_| ())
}

/// Records a flag on a link without changing what was pushed (conflicts).
pub async fn flag(
    exec: Exec<'_>,
    pair: &str,
    mapping: &str,
    source_key: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let n = execute!(
        exec,
        "UPDATE links SET flag = $4, flagged_at = $5 WHERE pair = $1 AND mapping = $2 \
         AND source_key = $3 AND (flag IS NULL OR flag <> $4)",
        pair,
        mapping,
        source_key,
        reason,
        now_ms()
    )?;
    Ok(n > 0)
}
