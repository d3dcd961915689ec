//! `CrmSource` for HubSpot.
//!
//! Full pull: `GET /crm/v3/objects/{type}` in id order with associations
//! inline, pipelined (see `Lister`): the next list page and deal pages'
//! line-item batch reads (full batches of 100 carried across pages, see
//! `Carry`) are in flight while the consumer converts and stores the page
//! before; pages still come out in order.
//!
//! Incremental pull: the search API on `hs_lastmodifieddate`, with a cursor
//! `(ts, id)` meaning "every change before `ts`, and at `ts` every id up to
//! `id`, is done":
//! 1. ties at `ts` are drained with `lastmodified = ts AND id > id` sorted by
//!    id (keyset, so any number of records may share one millisecond);
//! 2. later changes come from `lastmodified > ts AND ≤ now − settle` sorted by
//!    lastmodified; a page is emitted only up to its last complete
//!    timestamp (the trailing group is held back until the next page shows a
//!    later one), so a cursor never splits a group of equal timestamps;
//! 3. before the 10,000-result search cap the window restarts at the cursor.
//!
//! The boundary millisecond is re-queried every run (the overlap), and the id
//! tiebreak drops what was already seen: no misses, no repeats.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use futures::future::try_join_all;
use ledgerbridge_sdk::model::{
    Address, Company, Contact, CrmObject, CrmRecord, Deal, DealStatus, Interaction,
    InteractionKind, LineItem, Pipeline, PipelineStage, PropertyUpdate, RecordMeta,
};
use ledgerbridge_sdk::{
    Capabilities, ConnectorError, ConnectorResult, Cursor, FieldDecl, FieldKind, ItemOutcome, Page,
    PageStream, RateLimit, RateScope, VendorIdempotency, Written,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::client::{HsObject, HubSpotClient, ObjectPage, UpdateInput};

/// HubSpot types behind each canonical object.
fn hs_types(o: CrmObject) -> &'static [&'static str] {
    match o {
        CrmObject::Company => &["companies"],
        CrmObject::Contact => &["contacts"],
        CrmObject::Deal => &["deals"],
        CrmObject::Interaction => &["calls", "emails", "meetings", "notes", "tasks"],
    }
}

fn associated_types(t: &str) -> &'static [&'static str] {
    match t {
        "deals" => &["companies", "contacts", "line_items"],
        "companies" => &["contacts"],
        "contacts" => &["companies"],
        _ => &["companies", "contacts", "deals"],
    }
}

fn properties_of(t: &str) -> &'static [&'static str] {
    match t {
        "deals" => &[
            "dealname",
            "amount",
            "closedate",
            "pipeline",
            "dealstage",
            "deal_currency_code",
            "dealtype",
            "hubspot_owner_id",
            "description",
            "ledgerbridge_crm_amount_paid",
            "ledgerbridge_crm_paid_date",
            "ledgerbridge_invoice_number",
            "ledgerbridge_invoice_status",
            "ledgerbridge_amount_paid",
            "ledgerbridge_amount_outstanding",
            "ledgerbridge_paid_date",
        ],
        "companies" => &[
            "name",
            "domain",
            "phone",
            "address",
            "city",
            "state",
            "zip",
            "country",
            "industry",
            "hubspot_owner_id",
            "ledgerbridge_billing_email",
            "ledgerbridge_tax_id",
            "ledgerbridge_outstanding",
            "ledgerbridge_overdue",
        ],
        "contacts" => &[
            "firstname",
            "lastname",
            "email",
            "phone",
            "jobtitle",
            "associatedcompanyid",
            "hubspot_owner_id",
        ],
        "line_items" => &[
            "name",
            "hs_product_id",
            "hs_sku",
            "quantity",
            "price",
            "amount",
            "discount",
            "hs_discount_percentage",
            "hs_line_item_currency_code",
            "description",
        ],
        "calls" => &[
            "hs_timestamp",
            "hs_call_title",
            "hs_call_body",
            "hs_call_duration",
            "hs_call_direction",
            "hs_call_status",
            "hubspot_owner_id",
        ],
        "emails" => &[
            "hs_timestamp",
            "hs_email_subject",
            "hs_email_text",
            "hs_email_direction",
            "hs_email_status",
            "hubspot_owner_id",
        ],
        "meetings" => &[
            "hs_timestamp",
            "hs_meeting_title",
            "hs_meeting_body",
            "hs_meeting_start_time",
            "hs_meeting_end_time",
            "hs_meeting_outcome",
            "hubspot_owner_id",
            "ledgerbridge_billable",
            "ledgerbridge_hourly_rate",
        ],
        "tasks" => &[
            "hs_timestamp",
            "hs_task_subject",
            "hs_task_body",
            "hs_task_status",
            "hs_task_priority",
            "hs_task_type",
            "hubspot_owner_id",
        ],
        _ => &["hs_timestamp", "hs_note_body", "hubspot_owner_id"],
    }
}

/// Where one HubSpot type's listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum TypeCursor {
    /// Full pull by id; `t0` is when it started (incremental resumes there).
    Full { after: u64, t0: i64 },
    /// Incremental: everything before `ts`, and at `ts` ids ≤ `id`, is done.
    Since { ts: i64, id: u64 },
}

type CursorMap = BTreeMap<String, TypeCursor>;

fn encode(m: &CursorMap) -> Cursor {
    Cursor::new(serde_json::to_string(m).expect("cursor serialises"))
}

fn decode(c: &Cursor) -> ConnectorResult<CursorMap> {
    serde_json::from_str(c.as_str())
        .map_err(|e| ConnectorError::config(format!("not a HubSpot cursor {:?}: {e}", c.as_str())))
}

/// A HubSpot object as fetched, with its lastmodified time.
#[derive(Debug, Clone)]
struct Raw {
    id: u64,
    ts: i64,
    obj: HsObject,
}

fn raw(o: HsObject) -> Option<Raw> {
    let id = o.id.parse().ok()?;
    let ts = o
        .prop("hs_lastmodifieddate")
        .or_else(|| o.prop("lastmodifieddate"))
        .or(Some(o.updated_at.as_str()).filter(|s| !s.is_empty()))
        .and_then(parse_ms)?;
    Some(Raw { id, ts, obj: o })
}

fn parse_ms(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_millis())
    })
}

fn dec(o: &HsObject, name: &str) -> Option<Decimal> {
    o.prop(name).and_then(|s| s.trim().parse().ok())
}

/// Owned copy of a non-empty property.
fn owned(o: &HsObject, name: &str) -> Option<String> {
    o.prop(name).map(str::to_string)
}

/// One HubSpot type's incremental walk (the state machine described above).
struct Walk {
    t: &'static str,
    /// The cursor: advances with every emitted page.
    ts: i64,
    id: u64,
    hi: i64,
    /// Lower bound of the current search window (`> lo`): fixed while
    /// `offset` pages through it, moved to the cursor when a window restarts.
    lo: i64,
    ties_done: bool,
    offset: usize,
    held: Vec<Raw>,
    done: bool,
}

/// The HubSpot source.
pub struct HubSpotSource {
    client: Arc<HubSpotClient>,
    caps: Capabilities,
    pipelines: OnceCell<Vec<Pipeline>>,
}

impl HubSpotSource {
    pub fn new(client: Arc<HubSpotClient>) -> HubSpotSource {
        let caps = capabilities(client.config());
        HubSpotSource {
            client,
            caps,
            pipelines: OnceCell::new(),
        }
    }

    pub fn client(&self) -> &HubSpotClient {
        &self.client
    }

    fn props(&self, t: &str) -> Vec<String> {
        let mut v: Vec<String> = properties_of(t).iter().map(|s| s.to_string()).collect();
        v.push("hs_lastmodifieddate".into());
        for (ty, p) in &self.client.config().extra_properties {
            if ty == t {
                v.push(p.clone());
            }
        }
        v
    }

    fn search_body(&self, t: &str, filters: Vec<Value>, sort: &str, after: Option<usize>) -> Value {
        let mut b = json!({
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.props(t),
            "limit": self.client.config().search_page_size.min(200),
        });
        if let Some(a) = after {
            b["after"] = json!(a.to_string());
        }
        b
    }

    fn results(page: ObjectPage) -> Vec<Raw> {
        page.results.into_iter().filter_map(raw).collect()
    }

    /// The next page of an incremental walk; `None` when it is finished.
    async fn step(&self, w: &mut Walk) -> ConnectorResult<Option<Vec<Raw>>> {
        let page = self.client.config().search_page_size.min(200);
        loop {
            if w.done {
                return Ok(None);
            }
            if !w.ties_done {
                let f = vec![
                    json!({"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": w.ts.to_string()}),
                    json!({"propertyName": "hs_object_id", "operator": "GT", "value": w.id.to_string()}),
                ];
                let v = self
                    .client
                    .search(w.t, &self.search_body(w.t, f, "hs_object_id", None))
                    .await?;
                let mut got = Self::results(v);
                got.retain(|r| r.ts == w.ts && r.id > w.id);
                got.sort_by_key(|r| r.id);
                if got.len() < page {
                    // ties drained: the next window starts after this millisecond
                    (w.ties_done, w.lo, w.offset) = (true, w.ts, 0);
                    w.held.clear();
                }
                if let Some(last) = got.last() {
                    w.id = last.id;
                    return Ok(Some(got));
                }
                continue;
            }
            let f = vec![
                json!({"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": w.lo.to_string()}),
                json!({"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": w.hi.to_string()}),
            ];
            let v = self
                .client
                .search(
                    w.t,
                    &self.search_body(w.t, f, "hs_lastmodifieddate", Some(w.offset)),
                )
                .await?;
            let next = v.next_after().and_then(|s| s.parse::<usize>().ok());
            let mut recs = std::mem::take(&mut w.held);
            recs.extend(Self::results(v));
            recs.sort_by_key(|r| (r.ts, r.id));
            recs.dedup_by_key(|r| r.id);
            let Some(last_ts) = recs.last().map(|r| r.ts) else {
                w.done = true;
                return Ok(None);
            };
            let Some(next) = next else {
                // the window is exhausted: every group is complete
                let last = recs.last().expect("non-empty");
                (w.ts, w.id, w.done) = (last.ts, last.id, true);
                return Ok(Some(recs));
            };
            let split = recs.partition_point(|r| r.ts < last_ts);
            let (emit, tail) = recs.split_at(split);
            let (emit, tail) = (emit.to_vec(), tail.to_vec());
            if next + page > crate::source::SEARCH_CAP {
                // restart below the cap from the last complete group; if the
                // whole window was one timestamp, drain it by id instead
                if let Some(last) = emit.last() {
                    (w.ts, w.id, w.lo) = (last.ts, last.id, last.ts);
                } else {
                    (w.ts, w.id, w.ties_done) = (last_ts, 0, false);
                }
                w.offset = 0;
                w.held.clear();
                if emit.is_empty() {
                    continue;
                }
                return Ok(Some(emit));
            }
            w.offset = next;
            w.held = tail;
            if let Some(last) = emit.last() {
                (w.ts, w.id) = (last.ts, last.id);
                return Ok(Some(emit));
            }
        }
    }

    /// What each object is associated with: inline from list pages, else
    /// one v4 batch read per associated type (the types concurrently).
    async fn links(&self, t: &str, objs: &[HsObject]) -> ConnectorResult<Vec<Links>> {
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
    async fn convert(
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

    async fn pipelines_cached(&self) -> ConnectorResult<Vec<Pipeline>> {
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

/// Results past this offset are refused by HubSpot's search.
pub const SEARCH_CAP: usize = 10_000;

/// What one object is associated with, per associated HubSpot type.
#[derive(Debug, Clone, Default)]
struct Links(Vec<(&'static str, AssocList)>);

impl Links {
    fn list(&self, to: &str) -> &[(String, Vec<u64>)] {
        self.0
            .iter()
            .find(|(t, _)| *t == to)
            .map_or(&[], |(_, l)| l.as_slice())
    }

    fn ids<'a>(&'a self, to: &str) -> impl Iterator<Item = &'a str> + 'a {
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
fn inline_links(t: &str, o: &HsObject) -> Links {
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
            let ty = primary.then_some(if t == "deals" { 5 } else { 1 });
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
struct LinePool {
    items: HashMap<String, HsObject>,
    uses: HashMap<String, u32>,
}

impl LinePool {
    fn new(lines: Vec<HsObject>, links: &[Links]) -> LinePool {
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

fn date_of(s: &str) -> Option<NaiveDate> {
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
fn record(
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
                .primary("companies", 1)
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
                company_id: l.primary("companies", 5),
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

/// What the HubSpot connector declares to the engine.
pub fn capabilities(cfg: &crate::config::HubSpotConfig) -> Capabilities {
    let mut fields = BTreeMap::new();
    for (object, t) in [
        ("company", "companies"),
        ("contact", "contacts"),
        ("deal", "deals"),
        ("line_item", "line_items"),
    ] {
        let decls = properties_of(t)
            .iter()
            .map(|p| {
                let kind = match *p {
                    "amount"
                    | "price"
                    | "quantity"
                    | "discount"
                    | "hs_discount_percentage"
                    | "ledgerbridge_crm_amount_paid"
                    | "ledgerbridge_amount_paid"
                    | "ledgerbridge_amount_outstanding"
                    | "ledgerbridge_outstanding"
                    | "ledgerbridge_overdue" => FieldKind::Decimal,
                    "closedate" => FieldKind::DateTime,
                    "ledgerbridge_crm_paid_date" | "ledgerbridge_paid_date" => FieldKind::Date,
                    _ => FieldKind::String,
                };
                FieldDecl::new(&format!("properties.{p}"), kind, false, "HubSpot property")
            })
            .collect();
        fields.insert(object.to_string(), decls);
    }
    Capabilities {
        vendor: "hubspot",
        write_batch: [
            ("deal".to_string(), 100),
            ("company".to_string(), 100),
            ("contact".to_string(), 100),
        ]
        .into_iter()
        .collect(),
        read_batch: 100,
        page_size: cfg.page_size.min(100),
        rate_limits: vec![
            RateLimit {
                name: "ten_seconds",
                calls: cfg.per_ten_seconds,
                per: Duration::from_secs(10),
                scope: RateScope::App,
            },
            RateLimit {
                name: "daily",
                calls: cfg.daily,
                per: Duration::from_secs(86_400),
                scope: RateScope::Tenant,
            },
            RateLimit {
                name: "search",
                calls: cfg.search_per_second,
                per: Duration::from_secs(1),
                scope: RateScope::Token,
            },
        ],
        max_concurrency: None,
        idempotency: VendorIdempotency::None,
        webhooks: true,
        fields,
        abilities: ledgerbridge_sdk::ability::Abilities::none(),
    }
}

enum Stage {
    Full { lister: Lister, t0: i64 },
    Walk(Walk),
}

/// List pages fetched ahead of the consumer, in order.
const PREFETCH_PAGES: usize = 2;

/// Deal pages the lister may hold back while their last line-item ids wait
/// for the next page's ids to fill a batch read. Past this many, the
/// remainder is read in a partial batch so memory stays bounded (each held
/// page is ~100 deals). With ≥ 50 line items on every page the bound is
/// never hit (two pages always fill a read), so every read but the
/// listing's last is a full one; sparser pages cost at most one partial
/// read per two pages (still fewer reads than one per page).
const MAX_HELD_PAGES: usize = 2;

/// Aborts a spawned task when dropped (a dropped stream stops fetching).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A page's share of one line-item batch read (a read of 100 ids may serve
/// the tail of one page and the head of the next).
struct LinePart {
    rx: tokio::sync::oneshot::Receiver<ConnectorResult<Vec<HsObject>>>,
    /// Shared by every page the read serves: the read is aborted once all of
    /// them (and the lister holding them back) are dropped.
    _read: Arc<AbortOnDrop<()>>,
}

/// One list page and, for deals, the batch reads of its line items (the
/// page is handed over once every one of them has been started).
struct Fetched {
    objs: Vec<HsObject>,
    next: Option<String>,
    lines: Option<Vec<LinePart>>,
}

impl Fetched {
    /// The page's line items once every read naming them has answered.
    async fn lines(parts: Vec<LinePart>) -> ConnectorResult<Vec<HsObject>> {
        let mut out = Vec::new();
        for p in parts {
            out.extend(p.rx.await.map_err(|_| {
                ConnectorError::retryable("HubSpot line-item read stopped before answering")
            })??);
        }
        Ok(out)
    }
}

/// The line-item ids of an object's inline associations, each once.
fn line_item_ids(objs: &[HsObject]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    objs.iter()
        .flat_map(|o| {
            o.associations
                .as_ref()
                .and_then(|a| a.get("line items").or_else(|| a.get("line_items")))
                .into_iter()
                .flat_map(|p| p.results.iter().map(|r| r.id.as_str()))
        })
        .filter(|id| seen.insert(*id))
        .map(str::to_string)
        .collect()
}

/// A page held back until all its ids are in batch reads.
struct Held<P, X> {
    page: P,
    /// Ids of the page not yet in a read, in page order.
    ids: std::collections::VecDeque<String>,
    /// One per read started for the page's ids.
    parts: Vec<X>,
}

/// Carries ids across pages so batch reads are full: reading each page's ids
/// on its own wastes a partial batch per page (~203 line items per 100 deals
/// took 3 reads where 2.03 would do). A page comes out, in order, once every
/// one of its ids is in a read that has been started; what is left at the
/// end (or past [`MAX_HELD_PAGES`]) goes in one partial read.
///
/// Generic over the page `P` and what a started read hands each page `X`, so
/// the batching is tested without HTTP.
struct Carry<P, X> {
    held: std::collections::VecDeque<Held<P, X>>,
    /// Ids of held pages not in a read yet.
    waiting: usize,
    batch: usize,
    max_held: usize,
}

/// Starts one read of the given per-page segments (each page's ids in the
/// read, in held order) and returns, per segment, what that page waits on.
type StartRead<'a, X> = dyn FnMut(Vec<Vec<String>>) -> Vec<X> + 'a;

impl<P, X> Carry<P, X> {
    fn new(batch: usize, max_held: usize) -> Self {
        Carry {
            held: Default::default(),
            waiting: 0,
            batch: batch.max(1),
            max_held,
        }
    }

    /// Adds a page with its ids; returns the pages now complete, in order.
    fn push(&mut self, page: P, ids: Vec<String>, start: &mut StartRead<X>) -> Vec<(P, Vec<X>)> {
        self.waiting += ids.len();
        self.held.push_back(Held {
            page,
            ids: ids.into(),
            parts: Vec::new(),
        });
        while self.waiting >= self.batch {
            self.read(self.batch, start);
        }
        let mut out = self.ready();
        if self.held.len() > self.max_held {
            // too many pages waiting on ids to come: read the remainder now
            out.extend(self.finish(start));
        }
        out
    }

    /// Reads whatever is left; returns every held page.
    fn finish(&mut self, start: &mut StartRead<X>) -> Vec<(P, Vec<X>)> {
        if self.waiting > 0 {
            self.read(self.waiting, start);
        }
        self.ready()
    }

    /// Pops the complete pages at the front.
    fn ready(&mut self) -> Vec<(P, Vec<X>)> {
        let mut out = Vec::new();
        while self.held.front().is_some_and(|h| h.ids.is_empty()) {
            let h = self.held.pop_front().expect("checked");
            out.push((h.page, h.parts));
        }
        out
    }

    /// Starts a read of the first `n` waiting ids (front pages first).
    fn read(&mut self, n: usize, start: &mut StartRead<X>) {
        let mut segs = Vec::new();
        let mut pages = Vec::new();
        let mut left = n;
        for (i, h) in self.held.iter_mut().enumerate() {
            if left == 0 {
                break;
            }
            let k = h.ids.len().min(left);
            if k > 0 {
                segs.push(h.ids.drain(..k).collect::<Vec<_>>());
                pages.push(i);
                left -= k;
            }
        }
        self.waiting -= n - left;
        for (i, x) in pages.into_iter().zip(start(segs)) {
            self.held[i].parts.push(x);
        }
    }
}

/// One batch read of line items (≤ 100 ids: one call), each item sent to
/// the page(s) whose segment names it.
async fn read_lines(
    client: Arc<HubSpotClient>,
    props: Arc<Vec<String>>,
    segs: Vec<Vec<String>>,
    txs: Vec<tokio::sync::oneshot::Sender<ConnectorResult<Vec<HsObject>>>>,
) {
    // an id two pages name (HubSpot line items belong to one deal, so only
    // in theory) is read once and handed to both
    let mut owners: HashMap<String, Vec<usize>> = HashMap::new();
    let mut unique = Vec::new();
    for (s, ids) in segs.iter().enumerate() {
        for id in ids {
            let o = owners.entry(id.clone()).or_default();
            if o.is_empty() {
                unique.push(id.clone());
            }
            o.push(s);
        }
    }
    match client.batch_read("line_items", &unique, &props).await {
        Ok(objs) => {
            let mut parts: Vec<Vec<HsObject>> =
                segs.iter().map(|s| Vec::with_capacity(s.len())).collect();
            for o in objs {
                if let Some((last, rest)) = owners.get(&o.id).and_then(|s| s.split_last()) {
                    for s in rest {
                        parts[*s].push(o.clone());
                    }
                    parts[*last].push(o);
                }
            }
            for (tx, p) in txs.into_iter().zip(parts) {
                let _ = tx.send(Ok(p));
            }
        }
        Err(e) => {
            for tx in txs {
                let _ = tx.send(Err(e.clone()));
            }
        }
    }
}

/// A full pull's pipeline: a task walks the `after` chain of list pages
/// (each request needs the previous page's cursor, so that chain is
/// sequential) and starts deal pages' line-item batch reads as soon as ids
/// fill a batch of 100 (see [`Carry`]): a page whose last ids wait for the
/// next page's is held back for that one list call. Up to
/// [`PREFETCH_PAGES`] pages wait for the consumer while it converts and the
/// engine stores the page before; the consumer awaits a page's reads.
/// Pages come out in order; dropping the lister stops everything in flight.
struct Lister {
    rx: tokio::sync::mpsc::Receiver<ConnectorResult<Fetched>>,
    _task: AbortOnDrop<()>,
}

impl Lister {
    fn start(src: &HubSpotSource, t: &'static str, after: Option<String>) -> Lister {
        let (tx, rx) = tokio::sync::mpsc::channel(PREFETCH_PAGES);
        let client = src.client.clone();
        let props = src.props(t);
        let line_props = Arc::new(src.props("line_items"));
        let task = tokio::spawn(async move {
            let mut start = |segs: Vec<Vec<String>>| {
                let (txs, rxs): (Vec<_>, Vec<_>) =
                    segs.iter().map(|_| tokio::sync::oneshot::channel()).unzip();
                let read = Arc::new(AbortOnDrop(tokio::spawn(read_lines(
                    client.clone(),
                    line_props.clone(),
                    segs,
                    txs,
                ))));
                rxs.into_iter()
                    .map(|rx| LinePart {
                        rx,
                        _read: read.clone(),
                    })
                    .collect()
            };
            let mut carry: Carry<(Vec<HsObject>, Option<String>), LinePart> =
                Carry::new(crate::client::BATCH_READ_MAX, MAX_HELD_PAGES);
            let fetched = |((objs, next), parts): ((Vec<HsObject>, Option<String>), _)| Fetched {
                objs,
                next,
                lines: Some(parts),
            };
            let mut after = after;
            loop {
                let page = client
                    .list(t, after.as_deref(), &props, associated_types(t))
                    .await;
                let (ready, next) = match page {
                    Err(e) => {
                        // hand over the held pages first: their cursor is kept
                        for f in carry.finish(&mut start).into_iter().map(fetched) {
                            if tx.send(Ok(f)).await.is_err() {
                                return;
                            }
                        }
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                    Ok(page) if t == "deals" => {
                        let next = page.next_after().map(str::to_string);
                        let ids = line_item_ids(&page.results);
                        let mut ready = carry.push((page.results, next.clone()), ids, &mut start);
                        if next.is_none() {
                            ready.extend(carry.finish(&mut start));
                        }
                        (ready.into_iter().map(fetched).collect(), next)
                    }
                    Ok(page) => {
                        let next = page.next_after().map(str::to_string);
                        let f = Fetched {
                            objs: page.results,
                            next: next.clone(),
                            lines: None,
                        };
                        (vec![f], next)
                    }
                };
                for f in ready {
                    if tx.send(Ok(f)).await.is_err() {
                        return; // the consumer is gone
                    }
                }
                match next {
                    Some(n) => after = Some(n),
                    None => return,
                }
            }
        });
        Lister {
            rx,
            _task: AbortOnDrop(task),
        }
    }

    async fn next(&mut self) -> ConnectorResult<Fetched> {
        self.rx.recv().await.unwrap_or_else(|| {
            Err(ConnectorError::retryable(
                "HubSpot list pipeline ended unexpectedly",
            ))
        })
    }
}

struct ListState<'a> {
    src: &'a HubSpotSource,
    types: Vec<&'static str>,
    map: CursorMap,
    current: Option<Stage>,
    emitted: bool,
}

impl ListState<'_> {
    fn now_hi(&self) -> i64 {
        let settle = self
            .src
            .client
            .config()
            .scaled(self.src.client.config().search_settle);
        Utc::now().timestamp_millis() - settle.as_millis() as i64
    }

    async fn next(&mut self) -> ConnectorResult<Option<Page<CrmRecord>>> {
        loop {
            let Some(t) = self.types.first().copied() else {
                if !self.emitted {
                    // nothing changed: still hand the engine a cursor once
                    self.emitted = true;
                    return Ok(Some(Page {
                        records: vec![],
                        cursor: encode(&self.map),
                    }));
                }
                return Ok(None);
            };
            if self.current.is_none() {
                let hi = self.now_hi();
                self.current = Some(match self.map.get(t).copied() {
                    None => Stage::Full {
                        lister: Lister::start(self.src, t, None),
                        t0: hi,
                    },
                    Some(TypeCursor::Full { after, t0 }) => Stage::Full {
                        lister: Lister::start(
                            self.src,
                            t,
                            Some(after.to_string()).filter(|a| a != "0"),
                        ),
                        t0,
                    },
                    Some(TypeCursor::Since { ts, id }) => Stage::Walk(Walk {
                        t,
                        ts,
                        id,
                        hi: hi.max(ts),
                        lo: ts,
                        ties_done: false,
                        offset: 0,
                        held: vec![],
                        done: false,
                    }),
                });
            }
            match self.current.as_mut().expect("set above") {
                Stage::Full { lister, t0 } => {
                    let t0 = *t0;
                    let Fetched { objs, next, lines } = lister.next().await?;
                    let lines = match lines {
                        Some(parts) => Some(Fetched::lines(parts).await?),
                        None => None,
                    };
                    let records = self.src.convert(t, objs, lines).await?;
                    match next {
                        Some(n) => {
                            self.map.insert(
                                t.to_string(),
                                TypeCursor::Full {
                                    after: n.parse().unwrap_or(0),
                                    t0,
                                },
                            );
                        }
                        None => {
                            self.map
                                .insert(t.to_string(), TypeCursor::Since { ts: t0, id: 0 });
                            self.types.remove(0);
                            self.current = None;
                        }
                    }
                    self.emitted = true;
                    return Ok(Some(Page {
                        records,
                        cursor: encode(&self.map),
                    }));
                }
                Stage::Walk(w) => match self.src.step(w).await? {
                    Some(raws) => {
                        let (ts, id) = (w.ts, w.id);
                        self.map.insert(t.to_string(), TypeCursor::Since { ts, id });
                        let records = self
                            .src
                            .convert(t, raws.into_iter().map(|r| r.obj).collect(), None)
                            .await?;
                        self.emitted = true;
                        return Ok(Some(Page {
                            records,
                            cursor: encode(&self.map),
                        }));
                    }
                    None => {
                        self.types.remove(0);
                        self.current = None;
                    }
                },
            }
        }
    }
}

#[async_trait]
impl ledgerbridge_sdk::CrmSource for HubSpotSource {
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn list_changed<'a>(
        &'a self,
        object: CrmObject,
        since: Option<&'a Cursor>,
    ) -> PageStream<'a, CrmRecord> {
        let map = match since.map(decode).transpose() {
            Ok(m) => m.unwrap_or_default(),
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let state = ListState {
            src: self,
            types: hs_types(object).to_vec(),
            map,
            current: None,
            emitted: false,
        };
        futures::stream::unfold(Some(state), |st| async move {
            let mut st = st?;
            match st.next().await {
                Ok(Some(page)) => Some((Ok(page), Some(st))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }

    async fn read_by_ids(
        &self,
        object: CrmObject,
        ids: &[String],
    ) -> ConnectorResult<Vec<CrmRecord>> {
        let mut out = Vec::new();
        for t in hs_types(object) {
            let objs = self.client.batch_read(t, ids, &self.props(t)).await?;
            out.extend(self.convert(t, objs, None).await?);
        }
        Ok(out)
    }

    async fn pipelines(&self) -> ConnectorResult<Vec<Pipeline>> {
        self.pipelines_cached().await
    }

    async fn write_back(&self, updates: &[PropertyUpdate]) -> ConnectorResult<Vec<ItemOutcome>> {
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; updates.len()];
        for object in CrmObject::ALL {
            let Some(t) = hs_types(object)
                .first()
                .filter(|_| object != CrmObject::Interaction)
            else {
                continue;
            };
            let idx: Vec<usize> = (0..updates.len())
                .filter(|i| updates[*i].object == object)
                .collect();
            for chunk in idx.chunks(100) {
                for (i, r) in chunk.iter().zip(
                    self.update_chunk(t, chunk.iter().map(|i| &updates[*i]).collect())
                        .await?,
                ) {
                    outcomes[*i] = Some(ItemOutcome {
                        key: format!("{}:{}", object.as_str(), updates[*i].id),
                        result: r,
                    });
                }
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every update has an outcome"))
            .collect())
    }
}

impl HubSpotSource {
    /// One batch update; a 400 fails the whole batch in HubSpot, so it is
    /// retried item by item to pin the error on the right record.
    async fn update_chunk(
        &self,
        t: &str,
        items: Vec<&PropertyUpdate>,
    ) -> ConnectorResult<Vec<Result<Written, ConnectorError>>> {
        let inputs: Vec<UpdateInput<'_>> = items
            .iter()
            .map(|u| UpdateInput {
                id: &u.id,
                properties: &u.properties,
            })
            .collect();
        match self.client.batch_update(t, &inputs).await {
            Ok(results) => {
                let by_id: HashMap<&str, &HsObject> =
                    results.iter().map(|r| (r.id.as_str(), r)).collect();
                Ok(items
                    .iter()
                    .map(|u| match by_id.get(u.id.as_str()) {
                        Some(r) => Ok(Written {
                            target_id: u.id.clone(),
                            version: Some(r.updated_at.clone()).filter(|v| !v.is_empty()),
                            created: false,
                            invoice: None,
                        }),
                        None => Err(ConnectorError::new(
                            ledgerbridge_sdk::ErrorKind::NotFound,
                            format!("{t} {} not found", u.id),
                        )),
                    })
                    .collect())
            }
            Err(e) if e.kind == ledgerbridge_sdk::ErrorKind::Validation && items.len() > 1 => {
                let mut out = Vec::new();
                for u in items {
                    out.push(Box::pin(self.update_chunk(t, vec![u])).await?.remove(0));
                }
                Ok(out)
            }
            Err(e) if !e.is_retryable() && items.len() == 1 => Ok(vec![Err(e)]),
            Err(e) => Err(e),
        }
    }
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

    /// Pushes pages of `counts` ids through a `Carry`; returns the size of
    /// every read started and, per page in output order, its number and the
    /// ids its parts cover — checking on the way that no more than
    /// `max_held` pages are ever held back.
    fn carry(counts: &[usize], max_held: usize) -> (Vec<usize>, Vec<(usize, Vec<String>)>) {
        let mut reads = Vec::new();
        let mut start = |segs: Vec<Vec<String>>| {
            reads.push(segs.iter().map(Vec::len).sum::<usize>());
            segs
        };
        let mut c: Carry<usize, Vec<String>> = Carry::new(100, max_held);
        let mut out = Vec::new();
        for (p, n) in counts.iter().enumerate() {
            let ids = (0..*n).map(|i| format!("{p}-{i}")).collect();
            out.extend(c.push(p, ids, &mut start));
            assert!(c.held.len() <= max_held, "page {p}: {} held", c.held.len());
        }
        out.extend(c.finish(&mut start));
        assert!(c.held.is_empty() && c.waiting == 0);
        let pages = out
            .into_iter()
            .map(|(p, parts)| (p, parts.concat()))
            .collect();
        (reads, pages)
    }

    #[test]
    fn line_item_reads_are_full_batches_carried_across_pages() {
        let counts = [203, 197, 0, 150, 50, 1];
        let (reads, pages) = carry(&counts, MAX_HELD_PAGES);
        // 601 ids: six reads of 100 and the one id left at the end
        assert_eq!(reads, vec![100, 100, 100, 100, 100, 100, 1]);
        assert_eq!(pages.len(), counts.len());
        for (i, (p, ids)) in pages.iter().enumerate() {
            assert_eq!(*p, i, "pages come out in order");
            let want: Vec<String> = (0..counts[i]).map(|k| format!("{i}-{k}")).collect();
            assert_eq!(ids, &want, "page {i} gets exactly its own ids");
        }
    }

    #[test]
    fn sparse_pages_are_held_back_at_most_two_at_a_time() {
        // 20 ids a page: the third held page forces a partial read of 60
        let (reads, pages) = carry(&[20; 10], 2);
        assert_eq!(reads, vec![60, 60, 60, 20]);
        assert_eq!(pages.len(), 10);
        // pages without line items cost no read at all
        let (reads, pages) = carry(&[0, 0, 0], 2);
        assert!(reads.is_empty());
        assert_eq!(pages.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}
