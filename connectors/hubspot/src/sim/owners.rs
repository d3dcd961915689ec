//! `GET /crm/v3/owners` and `/crm/v3/owners/{ownerId}`: the account's users that
//! records are assigned to. Every `hubspot_owner_id` the seed puts on a record is
//! one of these owners' `id`s (the owner id, not the user id: HubSpot keeps both).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::Sim;
use super::errors::{ApiError, ApiResult};
use super::objects::Params;
use super::wire::iso;

/// The owner ids records are assigned to.
pub const OWNER_IDS: [&str; 8] = [
    "61234501", "61234502", "61234503", "61234504", "61234505", "61234506", "61234507", "61234508",
];

const NAMES: [(&str, &str); 8] = [
    ("Avery", "Nakamura"),
    ("Blake", "Okafor"),
    ("Casey", "Lindqvist"),
    ("Devon", "Marchetti"),
    ("Emery", "Castillo"),
    ("Finley", "Haddad"),
    ("Harper", "Novak"),
    ("Jordan", "Achebe"),
];

/// One owner as HubSpot lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: String,
    pub user_id: u64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub created: i64,
    pub updated: i64,
    pub team: Option<(&'static str, &'static str)>,
}

impl Owner {
    fn to_json(&self) -> Value {
        let teams: Vec<Value> = self
            .team
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name, "primary": true}))
            .collect();
        json!({
            "id": self.id,
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso(self.created),
            "updatedAt": iso(self.updated),
            "archived": false,
            "teams": teams,
        })
    }
}

/// The account's owners: one per [`OWNER_IDS`] entry, in two sales teams.
pub fn owners(anchor_ms: i64) -> Vec<Owner> {
    const DAY: i64 = 86_400_000;
    OWNER_IDS
        .iter()
        .zip(NAMES)
        .enumerate()
        .map(|(i, (id, (first, last)))| Owner {
            id: id.to_string(),
            user_id: 9_100_001 + i as u64,
            email: format!("{}.{}@example.com", first, last).to_ascii_lowercase(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            created: anchor_ms - (900 - 30 * i as i64) * DAY,
            updated: anchor_ms - (60 - 5 * i as i64) * DAY,
            team: Some(if i % 2 == 0 {
                ("4401", "New Business")
            } else {
                ("4402", "Account Management")
            }),
        })
        .collect()
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `GET /crm/v3/owners?limit&after&email&archived`: in id order, up to 500 a page.
pub async fn list(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q);
    let limit = p.limit(100, 500)?;
    let after = p.after()?;
    let email = p.one("email").map(str::to_ascii_lowercase);
    // archived owners are deactivated users: the simulated account has none
    let archived = p.flag("archived");
    let db = sim.db.read().unwrap();
    let mut matching = db
        .owners
        .iter()
        .filter(|_| !archived)
        .filter(|o| email.as_deref().is_none_or(|e| o.email == e))
        .filter(|o| o.id.parse::<u64>().is_ok_and(|id| id > after));
    let results: Vec<Value> = matching.by_ref().take(limit).map(Owner::to_json).collect();
    let mut body = json!({ "results": results });
    if matching.next().is_some()
        && let Some(last) = results.last().and_then(|o| o["id"].as_str())
    {
        body["paging"] = json!({"next": {
            "after": last,
            "link": format!("{}/crm/v3/owners/?after={last}", base_url(&headers)),
        }});
    }
    Ok(Json(body))
}

/// `GET /crm/v3/owners/{ownerId}?idProperty=id|userId`.
pub async fn read(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q);
    let by_user = match p.one("idProperty") {
        None | Some("id") => false,
        Some("userId") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid idProperty {other}: expected id or userId"
            )));
        }
    };
    let db = sim.db.read().unwrap();
    db.owners
        .iter()
        .find(|o| {
            if by_user {
                o.user_id.to_string() == id
            } else {
                o.id == id
            }
        })
        .map(|o| Json(o.to_json()))
        .ok_or_else(|| ApiError::not_found(format!("No owner with {id}")))
}
