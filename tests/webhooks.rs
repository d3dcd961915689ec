//! Webhooks end to end: both simulators send signed webhooks to an
//! in-process `serve`, a worker runs in-process, SQLite underneath. Closed-won deals
//! reach Xero within 2 s (p95 over 50), payments in Xero are written back to the deal
//! and its company, the write-back's own echo from HubSpot pushes nothing, a deleted
//! deal's invoice is voided and its company total drops, a replayed delivery makes one
//! job, and the worker's API calls show in `/metrics`. The tests run one at a time
//! (`live::SERIAL`): the latency figure must not depend on the others.

#[path = "foundation/common.rs"]
mod common;
#[path = "webhooks/live.rs"]
mod live;
#[path = "policies/world.rs"]
mod world;

#[path = "webhooks/latency.rs"]
mod latency;
#[path = "webhooks/replay.rs"]
mod replay;
#[path = "webhooks/voids.rs"]
mod voids;
#[path = "webhooks/writeback.rs"]
mod writeback;
