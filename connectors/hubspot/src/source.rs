//! `CrmSource` for HubSpot.
//!
//! Full pull: `GET /crm/v3/objects/{type}` in id order with associations
//! inline. Incremental pull: the search API on `hs_lastmodifieddate`, with a
//! cursor `(ts, id)` meaning "every change before `ts`, and at `ts` every id
//! up to `id`, is done":
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

use crate::client::HubSpotClient;

/// HubSpot types behind each canonical object.
fn hs_types(o: CrmObject) -> &'static [&'static str] {
    match o {
        CrmObject::Company => &["companies"],
        CrmObject::Contact => &["contacts"],
        CrmObject::Deal => &["deals"],
        CrmObject::Interaction => &["calls", "emails", "meetings", "notes"],
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
    obj: Value,
}

fn raw(v: Value) -> Option<Raw> {
    let id = v["id"].as_str()?.parse().ok()?;
    let ts = v["properties"]["hs_lastmodifieddate"]
        .as_str()
        .or_else(|| v["properties"]["lastmodifieddate"].as_str())
        .or_else(|| v["updatedAt"].as_str())
        .and_then(parse_ms)?;
    Some(Raw { id, ts, obj: v })
}

fn parse_ms(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().or_else(|| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_millis())
    })
}

fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["properties"][name].as_str().filter(|s| !s.is_empty())
}

fn dec(v: &Value, name: &str) -> Option<Decimal> {
    prop(v, name).and_then(|s| s.trim().parse().ok())
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

    fn results(v: &Value) -> Vec<Raw> {
        v["results"]
            .as_array()
            .into_iter()
            .flatten()
            .cloned()
            .filter_map(raw)
            .collect()
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
                let mut got = Self::results(&v);
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
            let mut recs = std::mem::take(&mut w.held);
            recs.extend(Self::results(&v));
            recs.sort_by_key(|r| (r.ts, r.id));
            recs.dedup_by_key(|r| r.id);
            let next = v
                .pointer("/paging/next/after")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<usize>().ok());
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

    /// Turns fetched objects of one type into canonical records, fetching
    /// what the page lacks (associations for search results, line items).
    async fn convert(&self, t: &str, objs: Vec<Value>) -> ConnectorResult<Vec<CrmRecord>> {
        if objs.is_empty() {
            return Ok(vec![]);
        }
        // associations: inline from lists, else one v4 batch read per type
        let mut assoc: HashMap<String, HashMap<&'static str, AssocList>> = HashMap::new();
        let inline = objs.iter().any(|o| o.get("associations").is_some());
        if inline {
            for o in &objs {
                let id = o["id"].as_str().unwrap_or_default().to_string();
                let e = assoc.entry(id).or_default();
                for to in associated_types(t) {
                    let key = if *to == "line_items" {
                        "line items"
                    } else {
                        to
                    };
                    let mut list: Vec<(String, Vec<u64>)> = Vec::new();
                    let entries = o
                        .pointer(&format!("/associations/{key}/results"))
                        .or_else(|| o.pointer(&format!("/associations/{to}/results")));
                    for a in entries.and_then(Value::as_array).into_iter().flatten() {
                        let aid = a["id"].as_str().unwrap_or_default().to_string();
                        let primary = a["type"]
                            .as_str()
                            .is_some_and(|s| !s.ends_with("_unlabeled"))
                            && matches!(
                                (t, *to),
                                ("deals", "companies") | ("contacts", "companies")
                            );
                        let ty = if primary {
                            vec![if t == "deals" { 5 } else { 1 }]
                        } else {
                            vec![]
                        };
                        match list.iter_mut().find(|(i, _)| *i == aid) {
                            Some((_, tys)) => tys.extend(ty),
                            None => list.push((aid, ty)),
                        }
                    }
                    e.insert(to, list);
                }
            }
        } else {
            let ids: Vec<String> = objs
                .iter()
                .filter_map(|o| o["id"].as_str().map(str::to_string))
                .collect();
            for to in associated_types(t) {
                for (from, list) in self.client.associations(t, to, &ids).await? {
                    assoc.entry(from).or_default().insert(to, list);
                }
            }
        }
        let ids_of = |id: &str, to: &str| -> Vec<String> {
            assoc
                .get(id)
                .and_then(|m| m.get(to))
                .map(|l| l.iter().map(|(i, _)| i.clone()).collect())
                .unwrap_or_default()
        };
        let primary_of = |id: &str, to: &str, primary: u64| -> Option<String> {
            let l = assoc.get(id).and_then(|m| m.get(to))?;
            l.iter()
                .find(|(_, tys)| tys.contains(&primary))
                .or(l.first())
                .map(|(i, _)| i.clone())
        };
        let mut lines: HashMap<String, Value> = HashMap::new();
        if t == "deals" {
            let li: Vec<String> = objs
                .iter()
                .flat_map(|o| ids_of(o["id"].as_str().unwrap_or_default(), "line_items"))
                .collect();
            for l in self
                .client
                .batch_read("line_items", &li, &self.props("line_items"))
                .await?
            {
                if let Some(id) = l["id"].as_str() {
                    lines.insert(id.to_string(), l);
                }
            }
        }
        let pipelines = if t == "deals" {
            Some(self.pipelines_cached().await?)
        } else {
            None
        };
        let mut out = Vec::with_capacity(objs.len());
        for o in objs {
            let id = o["id"].as_str().unwrap_or_default().to_string();
            let meta = meta(&o)?;
            let properties: BTreeMap<String, String> = o["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect();
            let rec = match t {
                "companies" => CrmRecord::Company(Company {
                    meta,
                    name: prop(&o, "name").unwrap_or_default().to_string(),
                    domain: prop(&o, "domain").map(str::to_string),
                    email: prop(&o, "ledgerbridge_billing_email").map(str::to_string),
                    phone: prop(&o, "phone").map(str::to_string),
                    address: Address {
                        line1: prop(&o, "address").map(str::to_string),
                        line2: None,
                        city: prop(&o, "city").map(str::to_string),
                        region: prop(&o, "state").map(str::to_string),
                        postal_code: prop(&o, "zip").map(str::to_string),
                        country: prop(&o, "country").map(str::to_string),
                    },
                    tax_number: prop(&o, "ledgerbridge_tax_id").map(str::to_string),
                    contact_ids: ids_of(&id, "contacts"),
                    properties,
                }),
                "contacts" => CrmRecord::Contact(Contact {
                    meta,
                    first_name: prop(&o, "firstname").map(str::to_string),
                    last_name: prop(&o, "lastname").map(str::to_string),
                    email: prop(&o, "email").map(str::to_string),
                    phone: prop(&o, "phone").map(str::to_string),
                    company_id: primary_of(&id, "companies", 1)
                        .or_else(|| prop(&o, "associatedcompanyid").map(str::to_string)),
                    properties,
                }),
                "deals" => {
                    let pipeline = prop(&o, "pipeline").map(str::to_string);
                    let stage = prop(&o, "dealstage").map(str::to_string);
                    let st = pipelines
                        .as_ref()
                        .and_then(|ps| ps.iter().find(|p| Some(&p.id) == pipeline.as_ref()))
                        .and_then(|p| p.stages.iter().find(|s| Some(&s.id) == stage.as_ref()));
                    let status = match st {
                        Some(s) if s.won => DealStatus::Won,
                        Some(s) if s.closed => DealStatus::Lost,
                        _ => DealStatus::Open,
                    };
                    let mut line_items: Vec<LineItem> = ids_of(&id, "line_items")
                        .iter()
                        .filter_map(|l| lines.get(l))
                        .map(line_item)
                        .collect::<ConnectorResult<_>>()?;
                    line_items.sort_by(|a, b| {
                        let pos = |l: &LineItem| {
                            l.properties
                                .get("hs_position_on_quote")
                                .and_then(|p| p.parse::<i64>().ok())
                        };
                        pos(a).cmp(&pos(b)).then(a.id.cmp(&b.id))
                    });
                    CrmRecord::Deal(Deal {
                        meta,
                        name: prop(&o, "dealname").unwrap_or_default().to_string(),
                        amount: dec(&o, "amount"),
                        currency: prop(&o, "deal_currency_code").map(str::to_string),
                        pipeline,
                        stage,
                        status,
                        owner_id: prop(&o, "hubspot_owner_id").map(str::to_string),
                        close_date: prop(&o, "closedate").and_then(date_of),
                        company_id: primary_of(&id, "companies", 5),
                        contact_ids: ids_of(&id, "contacts"),
                        line_items,
                        properties,
                    })
                }
                _ => {
                    let kind = match t {
                        "calls" => InteractionKind::Call,
                        "emails" => InteractionKind::Email,
                        "meetings" => InteractionKind::Meeting,
                        _ => InteractionKind::Note,
                    };
                    let (subject, body) = match kind {
                        InteractionKind::Call => {
                            (prop(&o, "hs_call_title"), prop(&o, "hs_call_body"))
                        }
                        InteractionKind::Email => {
                            (prop(&o, "hs_email_subject"), prop(&o, "hs_email_text"))
                        }
                        InteractionKind::Meeting => {
                            (prop(&o, "hs_meeting_title"), prop(&o, "hs_meeting_body"))
                        }
                        InteractionKind::Note => (None, prop(&o, "hs_note_body")),
                    };
                    let duration_ms = match kind {
                        InteractionKind::Call => {
                            prop(&o, "hs_call_duration").and_then(|s| s.parse().ok())
                        }
                        InteractionKind::Meeting => match (
                            prop(&o, "hs_meeting_start_time").and_then(parse_ms),
                            prop(&o, "hs_meeting_end_time").and_then(parse_ms),
                        ) {
                            (Some(a), Some(b)) => Some(b - a),
                            _ => None,
                        },
                        _ => None,
                    };
                    let timestamp = prop(&o, "hs_timestamp")
                        .and_then(parse_ms)
                        .and_then(DateTime::from_timestamp_millis)
                        .unwrap_or(meta.updated_at);
                    CrmRecord::Interaction(Interaction {
                        meta,
                        kind,
                        timestamp,
                        subject: subject.map(str::to_string),
                        body: body.map(str::to_string),
                        duration_ms,
                        company_ids: ids_of(&id, "companies"),
                        contact_ids: ids_of(&id, "contacts"),
                        deal_ids: ids_of(&id, "deals"),
                        properties,
                    })
                }
            };
            out.push(rec);
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

fn meta(o: &Value) -> ConnectorResult<RecordMeta> {
    let id = o["id"]
        .as_str()
        .ok_or_else(|| ConnectorError::malformed("HubSpot object without id"))?
        .to_string();
    let updated = o["updatedAt"].as_str().unwrap_or_default();
    let updated_at = DateTime::parse_from_rfc3339(updated)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            ConnectorError::malformed(format!(
                "object {id}: updatedAt {updated:?} is not a datetime"
            ))
        })?;
    Ok(RecordMeta {
        id,
        version: updated.to_string(),
        updated_at,
        archived: o["archived"].as_bool().unwrap_or(false),
    })
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn line_item(v: &Value) -> ConnectorResult<LineItem> {
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let num = |name: &str| -> ConnectorResult<Decimal> {
        match prop(v, name) {
            None => Ok(Decimal::ZERO),
            Some(s) => s.trim().parse().map_err(|_| {
                ConnectorError::malformed(format!("line item {id}: {name} {s:?} is not a number"))
            }),
        }
    };
    Ok(LineItem {
        name: prop(v, "name").unwrap_or_default().to_string(),
        product_id: prop(v, "hs_product_id").map(str::to_string),
        sku: prop(v, "hs_sku").map(str::to_string),
        quantity: if prop(v, "quantity").is_some() {
            num("quantity")?
        } else {
            Decimal::ONE
        },
        unit_price: num("price")?,
        discount_percent: dec(v, "hs_discount_percentage"),
        discount_amount: dec(v, "discount"),
        properties: v["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        id,
    })
}

fn capabilities(cfg: &crate::config::HubSpotConfig) -> Capabilities {
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
    }
}

enum Stage {
    Full { after: Option<String>, t0: i64 },
    Walk(Walk),
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
                        after: None,
                        t0: hi,
                    },
                    Some(TypeCursor::Full { after, t0 }) => Stage::Full {
                        after: Some(after.to_string()).filter(|a| a != "0"),
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
                Stage::Full { after, t0 } => {
                    let t0 = *t0;
                    let v = self
                        .src
                        .client
                        .list(t, after.as_deref(), &self.src.props(t), associated_types(t))
                        .await?;
                    let objs: Vec<Value> = v["results"].as_array().cloned().unwrap_or_default();
                    let next = v
                        .pointer("/paging/next/after")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let records = self.src.convert(t, objs).await?;
                    match next {
                        Some(n) => {
                            self.map.insert(
                                t.to_string(),
                                TypeCursor::Full {
                                    after: n.parse().unwrap_or(0),
                                    t0,
                                },
                            );
                            *after = Some(n);
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
                            .convert(t, raws.into_iter().map(|r| r.obj).collect())
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
            out.extend(self.convert(t, objs).await?);
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
        let inputs: Vec<Value> = items
            .iter()
            .map(|u| json!({"id": u.id, "properties": u.properties}))
            .collect();
        match self.client.batch_update(t, &inputs).await {
            Ok((_, body)) => {
                let by_id: HashMap<&str, &Value> = body["results"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| Some((r["id"].as_str()?, r)))
                    .collect();
                Ok(items
                    .iter()
                    .map(|u| match by_id.get(u.id.as_str()) {
                        Some(r) => Ok(Written {
                            target_id: u.id.clone(),
                            version: r["updatedAt"].as_str().map(str::to_string),
                            created: false,
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
