//! The optional abilities QuickBooks has: notes (an `Attachable` with a `Note`,
//! linked to the customer or invoice), tracking (classes on lines, departments on
//! invoices), budgets, exchange rates and status changes (void, delete).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use ledgerbridge_sdk::ability::{
    Budgets, ExchangeRates, HistoryNotes, StatusChanges, TrackingCategories,
};
use ledgerbridge_sdk::model::{
    Budget, BudgetLine, Currency, CurrencyRates, FinanceObject, HistoryNote, InvoiceStatus,
    NoteSubject, TargetNote, TrackingCategory, TrackingRef,
};
use ledgerbridge_sdk::{
    ConnectorError, ConnectorResult, ErrorKind, ItemOutcome, StatusChange, WriteItem, Written,
};
use rust_decimal::Decimal;

use super::{Outgoing, QuickBooksTarget, outcomes};
use crate::client::{BatchAnswer, literal, refused};
use crate::reference::request_id;
use crate::wire::objects::{self as wire, EntityRef, Ref};

/// QuickBooks' limit on an attachable's note.
const NOTE_MAX: usize = 2000;

fn entity_of(s: &NoteSubject) -> ConnectorResult<&'static str> {
    match s.object {
        FinanceObject::Customer => Ok("Customer"),
        FinanceObject::Invoice => Ok("Invoice"),
        other => Err(ConnectorError::config(format!(
            "QuickBooks keeps no notes on {}",
            other.as_str()
        ))),
    }
}

/// The note's text within QuickBooks' limit, the marker always kept whole.
fn note_text(n: &HistoryNote) -> String {
    if n.text.chars().count() <= NOTE_MAX {
        return n.text.clone();
    }
    let room = NOTE_MAX.saturating_sub(n.marker.chars().count() + 2);
    let body: String = n.text.replace(&n.marker, "").chars().take(room).collect();
    format!("{} {}", body.trim_end(), n.marker)
}

#[async_trait]
impl HistoryNotes for QuickBooksTarget {
    async fn add_notes(
        &self,
        items: &[WriteItem<HistoryNote>],
    ) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut early = Vec::new();
        let mut outgoing = Vec::new();
        for (index, it) in items.iter().enumerate() {
            let entity = match entity_of(&it.record.subject) {
                Ok(e) => e,
                Err(e) => {
                    early.push((index, e));
                    continue;
                }
            };
            outgoing.push(Outgoing {
                index,
                key: it.key.clone(),
                label: it.record.marker.clone(),
                operation: "create",
                body: wire::Attachable {
                    id: None,
                    note: Some(note_text(&it.record)),
                    refs: vec![EntityRef {
                        entity: Ref {
                            value: it.record.subject.id.clone(),
                            name: None,
                            kind: Some(entity.to_string()),
                        },
                    }],
                },
            });
        }
        let sent = self.send("Attachable", "note", outgoing, |_, _| {}).await?;
        let results = sent
            .into_iter()
            .map(|(o, r)| {
                (
                    o.index,
                    r.map(|a| Written {
                        target_id: a.id.unwrap_or_default(),
                        version: None,
                        created: true,
                        invoice: None,
                    }),
                )
            })
            .collect();
        Ok(outcomes(items, early, results))
    }

    async fn find_notes(&self, subject: &NoteSubject) -> ConnectorResult<Vec<TargetNote>> {
        let entity = entity_of(subject)?;
        let w = format!(
            "AttachableRef.EntityRef.Type = {} AND AttachableRef.EntityRef.value = {}",
            literal(entity),
            literal(&subject.id)
        );
        let found: Vec<wire::Attachable> = self.client.query_all("Attachable", Some(&w)).await?;
        Ok(found
            .into_iter()
            .filter_map(|a| {
                Some(TargetNote {
                    id: a.id?,
                    subject: subject.clone(),
                    text: a.note?,
                })
            })
            .collect())
    }
}

#[async_trait]
impl TrackingCategories for QuickBooksTarget {
    async fn tracking_categories(&self) -> ConnectorResult<Vec<TrackingCategory>> {
        let c = self.company().await?;
        let active = |l: &[wire::Named]| {
            l.iter()
                .filter(|n| n.active != Some(false))
                .map(|n| n.name.clone())
                .collect::<Vec<_>>()
        };
        Ok(vec![
            TrackingCategory {
                id: "Class".into(),
                name: "Class".into(),
                options: active(&c.classes),
            },
            TrackingCategory {
                id: "Department".into(),
                name: "Department".into(),
                options: active(&c.departments),
            },
        ])
    }
}

#[async_trait]
impl Budgets for QuickBooksTarget {
    /// A QuickBooks budget keeps a class or department per line; the engine's
    /// budgets are kept by one tracking option each, so one QuickBooks budget
    /// becomes one budget per option it uses (and one for untracked lines).
    async fn budgets(&self, from: NaiveDate, to: NaiveDate) -> ConnectorResult<Vec<Budget>> {
        let company = self.company().await?;
        let list: Vec<wire::Budget> = self.client.query_all("Budget", None).await?;
        let mut out = Vec::new();
        for b in list.into_iter().filter(|b| b.active != Some(false)) {
            let mut by_option: BTreeMap<Option<(String, String)>, Vec<BudgetLine>> =
                BTreeMap::new();
            for d in &b.details {
                let Some(date) = d.date.as_deref().and_then(|s| {
                    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
                }) else {
                    continue;
                };
                let month_of_from =
                    NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
                if date < month_of_from || date > to {
                    continue;
                }
                let option = match (&d.class, &d.department) {
                    (Some(c), _) => company
                        .tracking_name("Class", &c.value)
                        .map(|n| ("Class".to_string(), n)),
                    (None, Some(dep)) => company
                        .tracking_name("Department", &dep.value)
                        .map(|n| ("Department".to_string(), n)),
                    (None, None) => None,
                };
                let account = d
                    .account
                    .as_ref()
                    .and_then(|a| company.account_name(&a.value))
                    .unwrap_or_default();
                by_option.entry(option).or_default().push(BudgetLine {
                    account_code: account,
                    period: date.format("%Y-%m").to_string(),
                    amount: d.amount.unwrap_or_default(),
                });
            }
            for (option, lines) in by_option {
                let (id, tracking) = match option {
                    Some((category, name)) => (
                        format!("{}:{category}:{name}", b.id),
                        vec![TrackingRef {
                            category,
                            option: name,
                        }],
                    ),
                    None => (b.id.clone(), Vec::new()),
                };
                out.push(Budget {
                    id,
                    name: b.name.clone(),
                    tracking,
                    lines,
                });
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl ExchangeRates for QuickBooksTarget {
    /// QuickBooks states each currency's rate in home units; the engine wants
    /// units of the currency per home unit.
    async fn currency_rates(&self) -> ConnectorResult<CurrencyRates> {
        let company = self.company().await?;
        let currencies: Vec<wire::CompanyCurrency> =
            self.client.query_all("CompanyCurrency", None).await?;
        let mut rates = BTreeMap::new();
        for c in currencies.iter().filter(|c| c.active != Some(false)) {
            if c.code == company.home_currency {
                continue;
            }
            let r: wire::ExchangeRate = match self
                .client
                .read(
                    &format!("exchangerate?sourcecurrencycode={}", c.code),
                    "ExchangeRate",
                )
                .await
            {
                Ok(r) => r,
                Err(e) if e.kind == ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if let (Some(rate), Ok(cur)) = (r.rate.filter(|r| !r.is_zero()), Currency::new(&c.code))
            {
                rates.insert(cur, (Decimal::ONE / rate).round_dp(10));
            }
        }
        Ok(CurrencyRates { rates })
    }
}

#[async_trait]
impl StatusChanges for QuickBooksTarget {
    /// Voids (`operation=void`) or deletes an invoice; QuickBooks has no drafts, so
    /// an invoice is authorised already. A paid invoice is refused by QuickBooks.
    async fn set_invoice_status(
        &self,
        item: &WriteItem<StatusChange>,
    ) -> ConnectorResult<ItemOutcome> {
        let id = &item.record.invoice_id;
        let operation = match item.record.status {
            InvoiceStatus::Voided => "void",
            InvoiceStatus::Deleted => "delete",
            InvoiceStatus::Authorised => {
                return Ok(ItemOutcome {
                    key: item.key.clone(),
                    result: Ok(Written {
                        target_id: id.clone(),
                        version: None,
                        created: false,
                        invoice: None,
                    }),
                });
            }
            other => {
                return Ok(ItemOutcome {
                    key: item.key.clone(),
                    result: Err(ConnectorError::validation(format!(
                        "QuickBooks cannot set an invoice to {}",
                        other.as_str()
                    ))),
                });
            }
        };
        let tokens = self
            .sync_tokens("Invoice", std::slice::from_ref(id))
            .await?;
        let Some(token) = tokens.get(id) else {
            return Ok(ItemOutcome {
                key: item.key.clone(),
                result: Err(ConnectorError::new(
                    ErrorKind::NotFound,
                    format!("QuickBooks has no invoice {id}"),
                )),
            });
        };
        let body = wire::Invoice {
            id: Some(id.clone()),
            sync_token: Some(token.clone()),
            ..wire::Invoice::default()
        };
        let answer = self
            .client
            .batch("Invoice", &[(operation, &body)], &request_id(&[&item.key]))
            .await?
            .pop();
        let result = match answer {
            Some(BatchAnswer::Saved(i)) => Ok(Written {
                target_id: id.clone(),
                version: i.sync_token,
                created: false,
                invoice: None,
            }),
            Some(BatchAnswer::Refused(f, tid)) => {
                Err(refused(&f, &format!("{operation} of invoice {id}"), &tid))
            }
            None => Err(ConnectorError::malformed("an empty batch answer")),
        };
        Ok(ItemOutcome {
            key: item.key.clone(),
            result,
        })
    }
}
