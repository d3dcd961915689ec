//! One login that granted several organisations, as Xero's consent screen allows.
//!
//! Each organisation is a whole simulator of its own (its books, limits and stats); a
//! request goes to the one its `xero-tenant-id` names, and `GET /connections` lists them
//! all, in order. Requests that name no tenant (OAuth, `/_sim/…`) go to the first one,
//! so tokens should be the static `--token`, valid in every organisation.

use std::io;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ledgerbridge_sdk::sim::{self as toolkit, RunningSim, SimOptions};
use tower::ServiceExt;

use super::SimHandle;

#[derive(Clone)]
struct Organisations {
    routers: Vec<Router>,
    handles: Vec<SimHandle>,
}

/// `count` organisations (at least one) behind one router. The first is the usual demo
/// organisation; the others have their own seed and the name "… (2)", "… (3)".
pub fn organisations_router(opts: SimOptions, count: usize) -> (Router, Vec<SimHandle>) {
    let (mut routers, mut handles) = (Vec::new(), Vec::new());
    for i in 0..count.max(1) {
        let mut o = opts.clone();
        o.seed = opts.seed.wrapping_add(i as u64);
        let name = (i > 0).then(|| format!("Demo Company (US) ({})", i + 1));
        let (r, h) = super::organisation_router(o, name);
        routers.push(r);
        handles.push(h);
    }
    let orgs = Organisations {
        routers,
        handles: handles.clone(),
    };
    (Router::new().fallback(dispatch).with_state(orgs), handles)
}

/// Starts `count` organisations behind one address in the background.
pub async fn spawn_organisations(
    listen: &str,
    opts: SimOptions,
    count: usize,
) -> io::Result<(RunningSim, Vec<SimHandle>)> {
    let listener = toolkit::bind(listen).await?;
    let (router, handles) = organisations_router(opts, count);
    let base = format!("http://{}", listener.local_addr()?);
    for h in &handles {
        h.set_base_url(&base);
    }
    Ok((toolkit::spawn(listener, router), handles))
}

async fn dispatch(State(orgs): State<Organisations>, req: Request) -> Response {
    if req.uri().path() == "/connections" {
        return connections(&orgs, req).await;
    }
    let named = req
        .headers()
        .get("xero-tenant-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .and_then(|t| {
            orgs.handles
                .iter()
                .position(|h| h.tenant_id().to_string().eq_ignore_ascii_case(t))
        });
    // an unknown tenant goes to the first organisation, which refuses it as Xero does
    let router = orgs.routers[named.unwrap_or(0)].clone();
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// Every organisation's own `/connections` answer (each checks the token), joined.
async fn connections(orgs: &Organisations, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let mut all = Vec::new();
    for router in &orgs.routers {
        let mut one = Request::new(Body::empty());
        *one.method_mut() = parts.method.clone();
        *one.uri_mut() = parts.uri.clone();
        *one.headers_mut() = parts.headers.clone();
        let resp = match router.clone().oneshot(one).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        if resp.status() != StatusCode::OK {
            return resp;
        }
        let bytes = match axum::body::to_bytes(resp.into_body(), 1 << 20).await {
            Ok(b) => b,
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        };
        match serde_json::from_slice::<Vec<serde_json::Value>>(&bytes) {
            Ok(list) => all.extend(list),
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    (
        StatusCode::OK,
        [("content-type", "application/json; charset=utf-8")],
        serde_json::to_vec(&all).unwrap_or_default(),
    )
        .into_response()
}
