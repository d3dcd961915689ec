//! `ledgerbridge budget [--pair P] [--period YYYY-MM..YYYY-MM] [--format table|json|csv|html]
//! [--out FILE] [--tracking CATEGORY] [--no-refresh] [--no-write-back]`

use super::Ctx;
use crate::budget::render::{self, Format};
use crate::budget::{self, GatherOptions, Period, status};
use crate::config::Config;
use crate::store::Db;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(
    long_about = "Budget vs actuals, per account, tracking option and month, in the finance \
organisation's base currency: budgets from the finance system, actuals from its posted \
(AUTHORISED/PAID) invoices converted with each invoice's own rate, the CRM's closed-won \
amounts and its open pipeline weighted by stage probability, placed by the pair's invoice \
mapping. Variance = actual - budget; projected = actual + forecast. Every (account, \
tracking option) that appears anywhere is shown for every month of the period, with zeros \
where nothing was budgeted or booked.\n\nThe CRM mirror is refreshed first (an incremental \
pull). With the pair's budget_status_property set, open deals get \"on track\", \"at risk\" \
or \"over\" written to that CRM property. Exit 0 on success, 1 when reading fails or a \
status write fails (the report is still printed), 2 on a bad config or argument."
)]
pub struct BudgetArgs {
    /// Only this pair [default: the only pair of the config]
    #[arg(long, value_name = "PAIR")]
    pub pair: Option<String>,
    /// Months, e.g. 2026-01..2026-06 [default: the current calendar year]
    #[arg(long, value_name = "YYYY-MM..YYYY-MM")]
    pub period: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// The tracking category whose options split the lines [default: the one used most
    /// on the period's invoice lines and CRM amounts]
    #[arg(long, value_name = "CATEGORY")]
    pub tracking: Option<String>,
    /// Use the CRM mirror as it is (no pull first)
    #[arg(long)]
    pub no_refresh: bool,
    /// Do not write the budget status to the CRM even when budget_status_property is set
    #[arg(long)]
    pub no_write_back: bool,
}

pub async fn run(ctx: &Ctx, args: BudgetArgs) -> ExitCode {
    let period = match &args.period {
        Some(p) => match Period::parse(p) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: --period: {e}");
                return super::invalid();
            }
        },
        None => Period::year_of(chrono::Utc::now().date_naive()),
    };
    let format = args.format;
    let config = match ctx.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let pair = match pair_of(&config, args.pair.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return super::invalid();
        }
    };
    let db = match super::open_db(&config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let opts = GatherOptions {
        period,
        tracking_category: args.tracking.clone(),
        refresh: !args.no_refresh,
    };
    let code = match report(&config, &db, &pair, &opts, format, &args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: budget: {e}");
            ExitCode::FAILURE
        }
    };
    db.close().await;
    code
}

/// The pair to report on: the one named, else the only one.
fn pair_of(config: &Config, named: Option<&str>) -> Result<String, String> {
    let names = || {
        config
            .pairs
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match named {
        Some(p) if config.pair(p).is_some() => Ok(p.to_string()),
        Some(p) => Err(format!(
            "no pair named {p:?} in the config (pairs: {})",
            names()
        )),
        None => match config.pairs.as_slice() {
            [only] => Ok(only.name.clone()),
            [] => Err("the config defines no [[pairs]]".into()),
            _ => Err(format!(
                "the config has several pairs ({}); choose one with --pair",
                names()
            )),
        },
    }
}

/// Prints (or writes) the report, then the status write-back; `Ok(false)` when a
/// status write failed.
async fn report(
    config: &Config,
    db: &Db,
    pair: &str,
    opts: &GatherOptions,
    format: Format,
    args: &BudgetArgs,
) -> Result<bool, crate::Error> {
    let rt = crate::sync::runtime::build(config, db, pair).await?;
    let (report, inputs) = budget::report(&rt, db, opts).await?;
    let text = render::render(&report, format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "budget: {} lines written to {}",
                report.lines.len(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    if format != Format::Table {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    if let Some(property) = rt.pair.budget_status_property.as_deref()
        && !args.no_write_back
    {
        let updates = status::updates(&report, &inputs.deals, property);
        let done = status::write(&rt, db, &updates).await?;
        eprintln!(
            "budget: status written to {} deal(s) ({property}), {} failed{}",
            done.written,
            done.failed,
            done.first_error
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
        return Ok(done.failed == 0);
    }
    Ok(true)
}
