//! OAuth and the token vault, engine side: `ledgerbridge connect` against the
//! HubSpot and Xero simulators' real OAuth endpoints, `vault::token_source`, the sealed
//! `token_vault` table and the master key.

#[path = "vault/common.rs"]
mod common;
#[path = "vault/connect.rs"]
mod connect;
#[path = "vault/endpoints.rs"]
mod endpoints;
#[path = "vault/keys.rs"]
mod keys;
#[path = "vault/pg.rs"]
mod pg;
#[path = "vault/refresh.rs"]
mod refresh;
