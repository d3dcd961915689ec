//! Schedules: each pair's `schedule` (sync) and `reconcile_schedule` cron
//! expressions, fired by `ledgerbridge worker`.
//!
//! Every worker of a fleet runs the scheduler; a tick is claimed in
//! `schedule_ticks` (primary key pair + kind + tick time) before anything is
//! enqueued, so each tick enqueues its work once whatever the number of workers.

use crate::config::Config;
use crate::store::{Db, execute};
use crate::time::now_ms;
use chrono::Utc;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// What a schedule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fire {
    Sync,
    Reconcile,
}

impl Fire {
    fn as_str(self) -> &'static str {
        match self {
            Fire::Sync => "sync",
            Fire::Reconcile => "reconcile",
        }
    }
}

/// Runs the schedules of every pair until the process stops.
pub async fn run(config: Arc<Config>, db: Db, worker: String) {
    let mut entries = Vec::new();
    for p in &config.pairs {
        for (fire, expr) in [
            (Fire::Sync, p.schedule.as_deref()),
            (Fire::Reconcile, p.reconcile_schedule.as_deref()),
        ] {
            let Some(expr) = expr else { continue };
            match cron::Schedule::from_str(expr) {
                Ok(s) => entries.push((p.name.clone(), fire, s)),
                // `check` reports bad expressions with their line; here we only log.
                Err(e) => {
                    tracing::error!(pair = %p.name, expr, error = %e, "invalid cron expression; schedule ignored")
                }
            }
        }
    }
    if entries.is_empty() {
        return;
    }
    loop {
        let now = Utc::now();
        let next = entries
            .iter()
            .filter_map(|(pair, fire, s)| s.after(&now).next().map(|t| (t, pair.clone(), *fire)))
            .min_by_key(|(t, _, _)| *t);
        let Some((at, pair, fire)) = next else { return };
        let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        match claim(&db, &pair, fire, at.timestamp_millis(), &worker).await {
            Ok(true) => {
                if let Err(e) = enqueue(&config, &db, &pair, fire).await {
                    tracing::error!(pair = %pair, what = fire.as_str(), error = %e, "scheduled run could not be enqueued");
                } else {
                    tracing::info!(pair = %pair, what = fire.as_str(), "scheduled run enqueued");
                }
            }
            Ok(false) => {} // another worker fired this tick
            Err(e) => tracing::warn!(pair = %pair, error = %e, "schedule tick not claimed"),
        }
        // never fire the same tick twice in this process
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Claims one tick for this worker; false when another worker already has it.
pub async fn claim(
    db: &Db,
    pair: &str,
    fire: Fire,
    tick_at: i64,
    worker: &str,
) -> Result<bool, crate::Error> {
    let mut c = db.conn().await?;
    let n = execute!(
        c.exec(),
        "INSERT INTO schedule_ticks (pair, kind, tick_at, fired_by, fired_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pair, kind, tick_at) DO NOTHING",
        pair,
        fire.as_str(),
        tick_at,
        worker,
        now_ms()
    )?;
    Ok(n > 0)
}

async fn enqueue(config: &Config, db: &Db, pair: &str, fire: Fire) -> Result<(), crate::Error> {
    match fire {
        Fire::Sync => {
            super::run::enqueue_runs(config, db, &[pair.to_string()], false, "schedule").await?;
        }
        Fire::Reconcile => {
            let job = crate::queue::Job::Reconcile(crate::queue::job::ReconcileJob {
                pair: pair.to_string(),
                fix: false,
            });
            crate::queue::enqueue(db, &job).await?;
        }
    }
    Ok(())
}
