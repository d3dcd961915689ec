//! Putting every record in exactly one class: the first that applies, in
//! [`Class::ALL`] order. Pure: the inputs are read by `gather`, the finance side by
//! `run`; this file only decides.

use super::conflict;
use super::gather::{Expected, Record, SourceSide, Verdict};
use super::model::{Class, Item, Side};
use super::status;
use crate::config::PaymentsSource;
use chrono::{DateTime, Utc};
use ledgerbridge_sdk::model::{InvoiceStatus, TargetInvoice, TaxMode};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The finance side, indexed by reference and id.
#[derive(Debug, Default)]
pub struct Invoices {
    all: Vec<TargetInvoice>,
    by_ref: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
}

impl Invoices {
    pub fn new(all: Vec<TargetInvoice>) -> Self {
        let mut by_ref: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, inv) in all.iter().enumerate() {
            if let Some(r) = inv
                .reference
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                by_ref.entry(r.to_string()).or_default().push(i);
            }
            by_id.insert(inv.id.to_lowercase(), i);
        }
        Invoices { all, by_ref, by_id }
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Invoices carrying one of `refs`, or with the linked id; linked one first.
    fn candidates(&self, refs: &[&str], linked: Option<&str>) -> Vec<&TargetInvoice> {
        let mut idx: Vec<usize> = Vec::new();
        if let Some(i) = linked.and_then(|id| self.by_id.get(&id.to_lowercase())) {
            idx.push(*i);
        }
        for r in refs {
            for i in self.by_ref.get(*r).into_iter().flatten() {
                if !idx.contains(i) {
                    idx.push(*i);
                }
            }
        }
        idx.into_iter().map(|i| &self.all[i]).collect()
    }
}

/// How statuses are judged.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub payments_source: PaymentsSource,
    /// `[pairs.writeback]` deal status property.
    pub status_prop: &'a str,
    /// `[pairs.writeback]` deal amount-paid property.
    pub paid_prop: &'a str,
}

/// An item with the facts the totals need.
#[derive(Debug, Clone)]
pub struct Classified {
    pub item: Item,
    /// What the CRM side maps to (qualifying records).
    pub expected: Option<Expected>,
    /// Every invoice the item covers, any status.
    pub invoices: Vec<TargetInvoice>,
    /// Latest change on either side (for `--since`).
    pub changed: Option<DateTime<Utc>>,
}

/// The amount compared with the CRM: the lines' total as the mapping computes it —
/// the subtotal of a tax-exclusive invoice, the total of a tax-inclusive one.
pub fn lines_amount(inv: &TargetInvoice) -> Decimal {
    match inv.tax_mode {
        TaxMode::Inclusive => inv.total,
        _ => inv.sub_total,
    }
}

fn actual(inv: &TargetInvoice) -> Side {
    Side {
        amount: inv.currency.round(lines_amount(inv)).to_string(),
        currency: inv.currency.code().to_string(),
        status: Some(inv.status.as_str().to_string()),
    }
}

/// Classifies every record of one invoice mapping.
pub fn classify(side: &SourceSide, invoices: &Invoices, rules: Rules<'_>) -> Vec<Classified> {
    side.records
        .iter()
        .filter_map(|r| classify_one(side, invoices, rules, r))
        .collect()
}

fn classify_one(
    side: &SourceSide,
    invoices: &Invoices,
    rules: Rules<'_>,
    rec: &Record,
) -> Option<Classified> {
    let link = side.links.get(&rec.key);
    let linked_id = link.and_then(|l| l.target_id.as_deref());
    let pushed_ref = link
        .and_then(|l| l.pushed_payload.as_deref())
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| {
            v.pointer("/Invoice/reference")?
                .as_str()
                .map(str::to_string)
        });
    let mut refs: Vec<&str> = Vec::new();
    if let Verdict::Qualifies(e) = &rec.verdict {
        refs.push(&e.reference);
    }
    if let Some(r) = pushed_ref.as_deref()
        && !refs.contains(&r)
    {
        refs.push(r);
    }
    let cands = invoices.candidates(&refs, linked_id);
    let live: Vec<&TargetInvoice> = cands
        .iter()
        .copied()
        .filter(|i| i.status.is_live())
        .collect();
    let changed = cands
        .iter()
        .filter_map(|i| i.updated_at)
        .chain(rec.updated_at)
        .max();
    let reference = refs.first().map(|r| r.to_string());
    let mut item = Item {
        class: Class::Matched,
        source_key: rec.key.clone(),
        target_ids: live.iter().map(|i| i.id.clone()).collect(),
        expected: None,
        actual: None,
        reason: String::new(),
        reference,
        mapping: Some(side.mapping.clone()),
    };
    let dup = duplicated_reference(&live);
    let chosen = live.first().copied().or(cands.first().copied());
    item.actual = chosen.map(actual);
    let expected = match &rec.verdict {
        Verdict::Qualifies(e) => Some(e.clone()),
        _ => None,
    };
    match &rec.verdict {
        Verdict::Failed(why) => {
            item.class = Class::DeadLetter;
            item.reason = side.dead_letters.get(&rec.key).unwrap_or(why).clone();
        }
        Verdict::Gone(why) | Verdict::NotQualifying(why) => {
            if cands.is_empty() {
                return None;
            }
            let gone = matches!(rec.verdict, Verdict::Gone(_));
            let deal = if gone {
                format!("the deal is gone ({why})")
            } else {
                format!("the deal no longer qualifies ({why})")
            };
            if let Some((r, n)) = dup {
                item.class = Class::Duplicate;
                item.reason = format!("{n} live invoices carry reference {r}; {deal}");
            } else if let Some(inv) = live.first() {
                item.class = Class::Orphan;
                item.reason = format!(
                    "invoice {} is {} but {deal}",
                    inv.number.as_deref().unwrap_or(&inv.id),
                    inv.status.as_str()
                );
            } else {
                item.reason = format!("the invoice is voided and {deal}");
            }
        }
        Verdict::Qualifies(exp) => {
            item.expected = Some(Side {
                amount: exp.currency.round(exp.total).to_string(),
                currency: exp.currency.code().to_string(),
                status: Some(status::expected_status(rules.payments_source, exp, rec)),
            });
            let (class, reason) = qualifying(side, rules, rec, exp, link, dup, chosen, linked_id);
            item.class = class;
            item.reason = reason;
        }
    }
    if item.class == Class::Matched && item.reason.is_empty() {
        item.reason = "agrees".into();
    }
    Some(Classified {
        item,
        expected,
        invoices: cands.into_iter().cloned().collect(),
        changed,
    })
}

/// The class of a qualifying record (everything from `dead_letter` down).
#[allow(clippy::too_many_arguments)]
fn qualifying(
    side: &SourceSide,
    rules: Rules<'_>,
    rec: &Record,
    exp: &Expected,
    link: Option<&crate::sync::links::LinkRow>,
    dup: Option<(String, usize)>,
    chosen: Option<&TargetInvoice>,
    linked_id: Option<&str>,
) -> (Class, String) {
    if let Some(reason) = side.dead_letters.get(&rec.key) {
        return (Class::DeadLetter, reason.clone());
    }
    if let Some((r, n)) = dup {
        return (
            Class::Duplicate,
            format!("{n} live invoices carry reference {r}"),
        );
    }
    let Some(inv) = chosen else {
        let reason = match linked_id {
            Some(id) => {
                format!("invoice {id}, written earlier, is no longer in the finance system")
            }
            None => format!("no invoice carries reference {}", exp.reference),
        };
        return (Class::MissingInFinance, reason);
    };
    if linked_id.is_some_and(|id| id.eq_ignore_ascii_case(&inv.id))
        && let Some(payload) = link.and_then(|l| l.pushed_payload.as_deref())
        && let edits = conflict::edits(payload, inv, &side.customer_links)
        && !edits.is_empty()
    {
        return (
            Class::Conflict,
            format!(
                "edited in the finance system after our push ({})",
                edits.join(", ")
            ),
        );
    }
    if inv.status == InvoiceStatus::Deleted {
        return (
            Class::MissingInFinance,
            format!("invoice {} was deleted in the finance system", inv.id),
        );
    }
    if exp.currency != inv.currency {
        return (
            Class::CurrencyMismatch,
            format!(
                "the deal maps to {}, the invoice is in {}",
                exp.currency.code(),
                inv.currency.code()
            ),
        );
    }
    let amount = lines_amount(inv);
    if exp.total != amount {
        return (
            Class::AmountMismatch,
            format!(
                "the deal maps to {} {}, the invoice shows {} {}",
                exp.currency.round(exp.total),
                exp.currency.code(),
                inv.currency.round(amount),
                inv.currency.code()
            ),
        );
    }
    if let Some(reason) = status::mismatch(
        rules.payments_source,
        exp,
        rec,
        inv,
        (rules.status_prop, rules.paid_prop),
    ) {
        return (Class::StatusMismatch, reason);
    }
    (Class::Matched, String::new())
}

/// A reference carried by two or more of these live invoices, with how many.
fn duplicated_reference(live: &[&TargetInvoice]) -> Option<(String, usize)> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for i in live {
        if let Some(r) = i
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            *n.entry(r).or_default() += 1;
        }
    }
    n.into_iter()
        .filter(|(_, c)| *c >= 2)
        .max_by_key(|(_, c)| *c)
        .map(|(r, c)| (r.to_string(), c))
}
