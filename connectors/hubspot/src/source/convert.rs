//! Conversion of fetched HubSpot objects to canonical records: what each object is
//! associated with (inline from list pages, else v4 batch reads), its line items, the
//! deal pipelines that decide a deal's status, and the record itself.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures::future::try_join_all;
use ledgerbridge_sdk::model::{
    Address, Company, Contact, CrmRecord, Deal, DealStatus, Interaction, InteractionKind, LineItem,
    Pipeline, PipelineStage, RecordMeta,
};
use ledgerbridge_sdk::{ConnectorError, ConnectorResult};
use rust_decimal::Decimal;
use serde_json::Value;

use super::HubSpotSource;
use super::catalogue::{CONTACT_TO_PRIMARY_COMPANY, DEAL_TO_PRIMARY_COMPANY, associated_types};
use super::walk::parse_ms;
use crate::client::HsObject;

fn dec(o: &HsObject, name: &str) -> Option<Decimal> {
    o.prop(name).and_then(|s| s.trim().parse().ok())
}

/// Owned copy of a non-empty property.
fn owned(o: &HsObject, name: &str) -> Option<String> {
    o.prop(name).map(str::to_string)
}

impl HubSpotSource {
    /// What each object is associated with: inline from list pages, else
    /// one v4 batch read per associated type (the types concurrently).
    pub(super) async fn links(&self, t: &str, objs: &[HsObject]) -> ConnectorResult<Vec<Links>> {
        if objs.iter().any(|o| o.associations.is_some()) {
            return Ok(objs.iter().map(|o| inline_links(t, o)).collect());
        }
        let ids: Vec<String> = objs.iter().map(|o| o.id.clone()).collect();
        let per_type = try_join_all(
            associated_types(t)
                .iter()
                .map(|to| self.client.associations(t, to, &ids)),
        )
        .await?;
        let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(objs.len());
        for (i, o) in objs.iter().enumerate() {
            by_id.entry(o.id.as_str()).or_insert(i);
        }
        let mut out: Vec<Links> = vec![Links::default(); objs.len()];
        for (to, rows) in associated_types(t).iter().zip(per_type) {
            for (from, list) in rows {
                if let Some(i) = by_id.get(from.as_str()) {
                    out[*i].0.push((to, list));
                }
            }
        }
        Ok(out)
    }

    /// Turns fetched objects of one type into canonical records, fetching
    /// what the page lacks (associations for search results, line items
    /// unless `lines` brings them already fetched).
    pub(super) async fn convert(
        &self,
        t: &str,
        objs: Vec<HsObject>,
        lines: Option<Vec<HsObject>>,
    ) -> ConnectorResult<Vec<CrmRecord>> {
        if objs.is_empty() {
            return Ok(vec![]);
        }
        let links = self.links(t, &objs).await?;
        let mut pool = LinePool::default();
        let pipelines = if t == "deals" {
            let lines = match lines {
                Some(l) => l,
                None => {
                    let ids: Vec<String> = links
                        .iter()
                        .flat_map(|l| l.ids("line_items"))
                        .map(str::to_string)
                        .collect();
                    self.client
                        .batch_read("line_items", &ids, &self.props("line_items"))
                        .await?
                }
            };
            pool = LinePool::new(lines, &links);
            Some(self.pipelines_cached().await?)
        } else {
            None
        };
        let mut out = Vec::with_capacity(objs.len());
        for (o, l) in objs.into_iter().zip(&links) {
            out.push(record(t, o, l, &mut pool, pipelines.as_deref())?);
        }
        Ok(out)
    }

    pub(super) async fn pipelines_cached(&self) -> ConnectorResult<Vec<Pipeline>> {
        self.pipelines
            .get_or_try_init(|| self.fetch_pipelines())
            .await
            .cloned()
    }

    async fn fetch_pipelines(&self) -> ConnectorResult<Vec<Pipeline>> {
        let v = self.client.pipelines().await?;
        let mut out = Vec::new();
        for p in v["results"].as_array().into_iter().flatten() {
            let stages = p["stages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let probability: Decimal = s
                        .pointer("/metadata/probability")
                        .and_then(Value::as_str)
                        .and_then(|x| x.parse().ok())
                        .unwrap_or_default();
                    let closed =
                        s.pointer("/metadata/isClosed").and_then(Value::as_str) == Some("true");
                    PipelineStage {
                        id: s["id"].as_str().unwrap_or_default().to_string(),
                        label: s["label"].as_str().unwrap_or_default().to_string(),
                        display_order: s["displayOrder"].as_i64().unwrap_or(0) as i32,
                        probability,
                        closed,
                        won: closed && probability == Decimal::ONE,
                    }
                })
                .collect();
            out.push(Pipeline {
                id: p["id"].as_str().unwrap_or_default().to_string(),
                label: p["label"].as_str().unwrap_or_default().to_string(),
                stages,
            });
        }
        Ok(out)
    }
}

/// Associated ids with their association type ids.
type AssocList = Vec<(String, Vec<u64>)>;

/// What one object is associated with, per associated HubSpot type.
#[derive(Debug, Clone, Default)]
pub(super) struct Links(Vec<(&'static str, AssocList)>);

impl Links {
    fn list(&self, to: &str) -> &[(String, Vec<u64>)] {
        self.0
            .iter()
            .find(|(t, _)| *t == to)
            .map_or(&[], |(_, l)| l.as_slice())
    }

    pub(super) fn ids<'a>(&'a self, to: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.list(to).iter().map(|(i, _)| i.as_str())
    }

    fn owned_ids(&self, to: &str) -> Vec<String> {
        self.ids(to).map(str::to_string).collect()
    }

    /// The associated record with association type `primary`, else the first.
    fn primary(&self, to: &str, primary: u64) -> Option<String> {
        let l = self.list(to);
        l.iter()
            .find(|(_, tys)| tys.contains(&primary))
            .or(l.first())
            .map(|(i, _)| i.clone())
    }
}

/// Associations a list page carried inline (v3 shape: `{id, type}`, where a
/// labelled `type` on deal→company / contact→company marks the primary).
pub(super) fn inline_links(t: &str, o: &HsObject) -> Links {
    let mut out = Links::default();
    let assoc = o.associations.as_ref();
    for to in associated_types(t) {
        let key = if *to == "line_items" {
            "line items"
        } else {
            to
        };
        let entries = assoc.and_then(|a| a.get(key).or_else(|| a.get(*to)));
        let mut list: AssocList = Vec::new();
        for a in entries.into_iter().flat_map(|p| &p.results) {
            let primary = a
                .kind
                .as_deref()
                .is_some_and(|s| !s.ends_with("_unlabeled"))
                && matches!((t, *to), ("deals", "companies") | ("contacts", "companies"));
            let ty = primary.then_some(if t == "deals" {
                DEAL_TO_PRIMARY_COMPANY
            } else {
                CONTACT_TO_PRIMARY_COMPANY
            });
            match list.iter_mut().find(|(i, _)| *i == a.id) {
                Some((_, tys)) => tys.extend(ty),
                None => list.push((a.id.clone(), ty.into_iter().collect())),
            }
        }
        out.0.push((to, list));
    }
    out
}

/// A page's fetched line items, handed to the deals that name them (moved
/// to the last deal that does; copied for any earlier one).
#[derive(Default)]
pub(super) struct LinePool {
    pub(super) items: HashMap<String, HsObject>,
    uses: HashMap<String, u32>,
}

impl LinePool {
    pub(super) fn new(lines: Vec<HsObject>, links: &[Links]) -> LinePool {
        let mut uses: HashMap<String, u32> = HashMap::new();
        for l in links {
            for id in l.ids("line_items") {
                *uses.entry(id.to_string()).or_default() += 1;
            }
        }
        let items = lines.into_iter().map(|o| (o.id.clone(), o)).collect();
        LinePool { items, uses }
    }

    fn take(&mut self, id: &str) -> Option<HsObject> {
        let n = self.uses.get_mut(id)?;
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.items.remove(id)
        } else {
            self.items.get(id).cloned()
        }
    }
}

fn meta(o: &HsObject) -> ConnectorResult<RecordMeta> {
    let updated = o.updated_at.as_str();
    let updated_at = DateTime::parse_from_rfc3339(updated)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            ConnectorError::malformed(format!(
                "object {}: updatedAt {updated:?} is not a datetime",
                o.id
            ))
        })?;
    Ok(RecordMeta {
        id: o.id.clone(),
        version: updated.to_string(),
        updated_at,
        archived: o.archived,
    })
}

pub(super) fn date_of(s: &str) -> Option<NaiveDate> {
    // `FromStr` is `%Y-%m-%d` without parsing a format string per call
    s.get(..10)?.parse().ok()
}

fn line_item(o: HsObject) -> ConnectorResult<LineItem> {
    let num = |name: &str| -> ConnectorResult<Decimal> {
        match o.prop(name) {
            None => Ok(Decimal::ZERO),
            Some(s) => s.trim().parse().map_err(|_| {
                ConnectorError::malformed(format!(
                    "line item {}: {name} {s:?} is not a number",
                    o.id
                ))
            }),
        }
    };
    let quantity = if o.prop("quantity").is_some() {
        num("quantity")?
    } else {
        Decimal::ONE
    };
    let unit_price = num("price")?;
    Ok(LineItem {
        name: owned(&o, "name").unwrap_or_default(),
        product_id: owned(&o, "hs_product_id"),
        sku: owned(&o, "hs_sku"),
        quantity,
        unit_price,
        discount_percent: dec(&o, "hs_discount_percentage"),
        discount_amount: dec(&o, "discount"),
        id: o.id,
        properties: o.properties,
    })
}

/// One canonical record from a fetched object and what it links to.
pub(super) fn record(
    t: &str,
    o: HsObject,
    l: &Links,
    lines: &mut LinePool,
    pipelines: Option<&[Pipeline]>,
) -> ConnectorResult<CrmRecord> {
    let meta = meta(&o)?;
    let p = |name: &str| owned(&o, name);
    let rec = match t {
        "companies" => CrmRecord::Company(Company {
            meta,
            name: p("name").unwrap_or_default(),
            domain: p("domain"),
            email: p("ledgerbridge_billing_email"),
            phone: p("phone"),
            address: Address {
                line1: p("address"),
                line2: None,
                city: p("city"),
                region: p("state"),
                postal_code: p("zip"),
                country: p("country"),
            },
            tax_number: p("ledgerbridge_tax_id"),
            contact_ids: l.owned_ids("contacts"),
            properties: o.properties,
        }),
        "contacts" => CrmRecord::Contact(Contact {
            meta,
            first_name: p("firstname"),
            last_name: p("lastname"),
            email: p("email"),
            phone: p("phone"),
            company_id: l
                .primary("companies", CONTACT_TO_PRIMARY_COMPANY)
                .or_else(|| p("associatedcompanyid")),
            properties: o.properties,
        }),
        "deals" => {
            let pipeline = p("pipeline");
            let stage = p("dealstage");
            let st = pipelines
                .and_then(|ps| ps.iter().find(|x| Some(&x.id) == pipeline.as_ref()))
                .and_then(|x| x.stages.iter().find(|s| Some(&s.id) == stage.as_ref()));
            let status = match st {
                Some(s) if s.won => DealStatus::Won,
                Some(s) if s.closed => DealStatus::Lost,
                _ => DealStatus::Open,
            };
            let mut line_items: Vec<LineItem> = l
                .ids("line_items")
                .filter_map(|id| lines.take(id))
                .map(line_item)
                .collect::<ConnectorResult<_>>()?;
            line_items.sort_by(|a, b| {
                let pos = |x: &LineItem| {
                    x.properties
                        .get("hs_position_on_quote")
                        .and_then(|v| v.parse::<i64>().ok())
                };
                pos(a).cmp(&pos(b)).then(a.id.cmp(&b.id))
            });
            CrmRecord::Deal(Deal {
                meta,
                name: p("dealname").unwrap_or_default(),
                amount: dec(&o, "amount"),
                currency: p("deal_currency_code"),
                status,
                owner_id: p("hubspot_owner_id"),
                close_date: o.prop("closedate").and_then(date_of),
                company_id: l.primary("companies", DEAL_TO_PRIMARY_COMPANY),
                contact_ids: l.owned_ids("contacts"),
                line_items,
                pipeline,
                stage,
                properties: o.properties,
            })
        }
        _ => {
            let kind = match t {
                "calls" => InteractionKind::Call,
                "emails" => InteractionKind::Email,
                "meetings" => InteractionKind::Meeting,
                "tasks" => InteractionKind::Task,
                _ => InteractionKind::Note,
            };
            let (subject, body) = match kind {
                InteractionKind::Call => (p("hs_call_title"), p("hs_call_body")),
                InteractionKind::Email => (p("hs_email_subject"), p("hs_email_text")),
                InteractionKind::Meeting => (p("hs_meeting_title"), p("hs_meeting_body")),
                InteractionKind::Task => (p("hs_task_subject"), p("hs_task_body")),
                InteractionKind::Note => (None, p("hs_note_body")),
            };
            let duration_ms = match kind {
                InteractionKind::Call => o.prop("hs_call_duration").and_then(|s| s.parse().ok()),
                InteractionKind::Meeting => match (
                    o.prop("hs_meeting_start_time").and_then(parse_ms),
                    o.prop("hs_meeting_end_time").and_then(parse_ms),
                ) {
                    (Some(a), Some(b)) => Some(b - a),
                    _ => None,
                },
                _ => None,
            };
            let timestamp = o
                .prop("hs_timestamp")
                .and_then(parse_ms)
                .and_then(DateTime::from_timestamp_millis)
                .unwrap_or(meta.updated_at);
            CrmRecord::Interaction(Interaction {
                meta,
                kind,
                timestamp,
                subject,
                body,
                duration_ms,
                company_ids: l.owned_ids("companies"),
                contact_ids: l.owned_ids("contacts"),
                deal_ids: l.owned_ids("deals"),
                properties: o.properties,
            })
        }
    };
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(id: &str, assoc: &str) -> HsObject {
        serde_json::from_str(&format!(
            r#"{{"id":"{id}","properties":{{"dealname":"d"}},"updatedAt":"2025-01-02T03:04:05.678Z","associations":{assoc}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn dates_and_inline_links() {
        assert_eq!(
            date_of("2025-03-01T00:00:00.000Z"),
            NaiveDate::from_ymd_opt(2025, 3, 1)
        );
        assert_eq!(date_of("2025-03-01"), NaiveDate::from_ymd_opt(2025, 3, 1));
        assert_eq!(date_of("2025-3-1"), None);
        assert_eq!(date_of("é"), None);
        let o = obj(
            "1",
            r#"{"companies":{"results":[{"id":"7","type":"deal_to_company_unlabeled"},{"id":"8","type":"deal_to_company"},{"id":"8","type":"deal_to_company_unlabeled"}]},
               "line items":{"results":[{"id":"30","type":"deal_to_line_item"}]}}"#,
        );
        let l = inline_links("deals", &o);
        assert_eq!(l.primary("companies", 5).as_deref(), Some("8"));
        assert_eq!(l.owned_ids("companies"), vec!["7", "8"]);
        assert_eq!(l.owned_ids("line_items"), vec!["30"]);
        assert!(l.owned_ids("contacts").is_empty());
    }

    #[test]
    fn a_line_item_named_by_two_deals_reaches_both() {
        let line: HsObject = serde_json::from_str(
            r#"{"id":"30","properties":{"price":"2.50","quantity":"3"},"updatedAt":"2025-01-02T03:04:05.678Z"}"#,
        )
        .unwrap();
        let a = obj("1", r#"{"line items":{"results":[{"id":"30"}]}}"#);
        let b = obj("2", r#"{"line_items":{"results":[{"id":"30"}]}}"#);
        let links = vec![inline_links("deals", &a), inline_links("deals", &b)];
        let mut pool = LinePool::new(vec![line], &links);
        for (o, l) in [a, b].into_iter().zip(&links) {
            let CrmRecord::Deal(d) = record("deals", o, l, &mut pool, None).unwrap() else {
                panic!("not a deal")
            };
            assert_eq!(d.line_items.len(), 1);
            assert_eq!(d.line_items[0].unit_price, Decimal::new(250, 2));
            assert_eq!(d.line_items[0].quantity, Decimal::from(3));
        }
        assert!(pool.items.is_empty(), "moved to the last deal naming it");
    }
}
