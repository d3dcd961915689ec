//! CRM amounts placed "the same way as invoice lines", for budget vs actuals
//!: a deal, open or won, runs through the invoice mapping's lines
//! — ignoring `when` and the cut-over, which decide invoicing, not forecasting —
//! and each line becomes (account, tracking, month, amount).

use ledgerbridge_sdk::model::{Deal, FinanceObject};

use crate::convert::TVal;
use crate::error::{Fail, MapError};
use crate::eval::{Ev, Related, SourceRecord, bind};
use crate::output::{BudgetEntry, line_amount};
use crate::settings::PairSettings;
use crate::{MappingSet, dates};

impl MappingSet {
    /// The deal's lines as the invoice mapping would write them. The amount
    /// is each line's rounded amount (tax as the mapping states it); weighting
    /// by stage probability is the caller's business.
    pub fn budget_entries<'a>(
        &self,
        deal: &'a Deal,
        rel: &Related<'a>,
        settings: &'a PairSettings,
    ) -> Result<Vec<BudgetEntry>, MapError> {
        let rec = SourceRecord::Deal(deal);
        let Some(m) = self
            .mappings()
            .iter()
            .find(|m| m.enabled && m.source == rec.object() && m.target == FinanceObject::Invoice)
        else {
            return Err(MapError::new(
                &rec.key(),
                &self.dir,
                "lines",
                Fail::missing("no enabled mapping from deal to invoice"),
            ));
        };
        let ev = Ev {
            m,
            record_key: rec.key(),
        };
        let mut ctx = m.root.new_inner_scope();
        bind(&mut ctx, rec, rel, settings);
        ev.key_and_vars(&mut ctx)?;
        let header = m
            .fields
            .iter()
            .filter(|(s, _)| s.name == "date" || s.name == "currency");
        let mut got = ev.fields(header, &ctx, "")?;
        let (Some(TVal::Date(date)), Some(TVal::Cur(currency))) =
            (got.take("date"), got.take("currency"))
        else {
            return Err(ev.err("fields", Fail::missing("date and currency are required")));
        };
        let month = dates::month(&dates::text(date)).map_err(|f| ev.err("fields.date", f))?;
        let mut out = Vec::new();
        for block in m.blocks.iter().filter(|b| b.enabled) {
            ev.each(block, &ctx, rec, rel, &mut |ctx, at| {
                let line = ev.line(block, ctx, at)?;
                out.push(BudgetEntry {
                    amount: line_amount(&line, &currency),
                    account_code: line.account_code,
                    tracking: line.tracking,
                    month: month.clone(),
                    currency: currency.clone(),
                });
                Ok(())
            })?;
        }
        Ok(out)
    }
}
