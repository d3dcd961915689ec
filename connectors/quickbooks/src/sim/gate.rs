//! QuickBooks' answers at the kit's request gate: a 401 `AuthenticationFault`
//! for a bad token, a 403 for another company's realm, the throttle charges
//! of each call and their 429 `ThrottleFault`, and the 500 `SystemFault` of
//! an injected error. `intuit_tid` goes on every response (`add_tid`).

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use ledgerbridge_sdk::sim::{AuthFailure, Caller, Charge, Gate, GateWire, Limited};

use super::limits;
use super::refusals;
use super::respond;
use super::state::SimState;
use crate::wire::{Fault, FaultType};

/// The app a caller belongs to: its OAuth client, or the static token's own.
fn app_of(caller: &Caller) -> String {
    match caller {
        Caller::Static(_) => "static-token".into(),
        Caller::OAuth { grant, .. } => grant.client_id.clone(),
    }
}

fn realm_in(path: &str) -> &str {
    path.split('/').nth(3).unwrap_or_default()
}

impl GateWire for SimState {
    fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Paths as templates with the entity named, so calls count per entity
    /// (`POST /v3/company/{realm}/invoice`).
    fn template(&self, matched: &str, path: &str) -> String {
        let parts: Vec<&str> = path.split('/').collect();
        matched
            .split('/')
            .enumerate()
            .map(|(i, seg)| match seg {
                "{entity}" => parts
                    .get(i)
                    .map(|p| p.to_ascii_lowercase())
                    .unwrap_or_default(),
                _ => seg.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A query is a read whatever its method; a batch may write.
    fn is_write(&self, method: &Method, path: &str) -> bool {
        *method != Method::GET && !path.ends_with("/query")
    }

    fn unauthorized(&self, _failure: AuthFailure) -> Response {
        respond::fault(&refusals::unauthorized())
    }

    fn refusal(&self, req: &Request, _caller: &Caller) -> Option<Response> {
        let realm = realm_in(req.uri().path());
        if realm == self.realm {
            return None;
        }
        Some(respond::fault(&Fault::new(
            FaultType::AuthorizationFault,
            120,
            "Authorization Failure",
            format!("AuthorizationFailure: this token is not authorized for company {realm}"),
        )))
    }

    fn charges(&self, req: &Request, caller: &Caller) -> Vec<Charge> {
        let path = req.uri().path();
        limits::charges(realm_in(path), &app_of(caller), path.ends_with("/batch"))
    }

    fn too_many(&self, _limited: &Limited, _caller: &Caller) -> Response {
        respond::fault(&refusals::throttled())
    }

    fn server_error(&self) -> Response {
        respond::fault(&refusals::server_error())
    }
}

/// `intuit_tid` (Intuit's transaction id, what support asks for) on every response.
pub async fn add_tid(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert("intuit_tid", v);
    }
    resp
}
