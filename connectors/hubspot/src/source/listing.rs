//! One `list_changed` stream: the HubSpot types behind the canonical object, one after
//! the other, each a full pull until it has been listed once and an incremental walk
//! from then on; the cursor holds where every type stands.

use std::collections::BTreeMap;

use chrono::Utc;
use ledgerbridge_sdk::model::CrmRecord;
use ledgerbridge_sdk::{ConnectorError, ConnectorResult, Cursor, Page};
use serde::{Deserialize, Serialize};

use super::HubSpotSource;
use super::full::{Fetched, Lister};
use super::walk::Walk;

/// Where one HubSpot type's listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub(super) enum TypeCursor {
    /// Full pull by id; `t0` is when it started (incremental resumes there).
    Full { after: u64, t0: i64 },
    /// Incremental: everything before `ts`, and at `ts` ids ≤ `id`, is done.
    Since { ts: i64, id: u64 },
}

pub(super) type CursorMap = BTreeMap<String, TypeCursor>;

fn encode(m: &CursorMap) -> Cursor {
    Cursor::new(serde_json::to_string(m).expect("cursor serialises"))
}

pub(super) fn decode(c: &Cursor) -> ConnectorResult<CursorMap> {
    serde_json::from_str(c.as_str())
        .map_err(|e| ConnectorError::config(format!("not a HubSpot cursor {:?}: {e}", c.as_str())))
}

pub(super) enum Stage {
    Full { lister: Lister, t0: i64 },
    Walk(Walk),
}

pub(super) struct ListState<'a> {
    pub(super) src: &'a HubSpotSource,
    pub(super) types: Vec<&'static str>,
    pub(super) map: CursorMap,
    pub(super) current: Option<Stage>,
    pub(super) emitted: bool,
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

    pub(super) async fn next(&mut self) -> ConnectorResult<Option<Page<CrmRecord>>> {
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
