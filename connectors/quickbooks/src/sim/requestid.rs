//! `?requestid=`: a write that repeats a request id of this company gets the
//! first response again instead of running twice. At most 50 characters, 36
//! on a batch. Kept for the simulator's lifetime.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;

use super::refusals;
use super::respond;
use crate::wire::Fault;

pub const MAX_LEN: usize = 50;
pub const MAX_LEN_BATCH: usize = 36;

#[derive(Clone)]
pub struct Stored {
    pub status: u16,
    pub body: Bytes,
}

#[derive(Default)]
pub struct RequestIds {
    seen: Mutex<HashMap<String, Stored>>,
    /// One write at a time per request id, so a replay racing the original waits for it.
    running: tokio::sync::Mutex<()>,
}

impl RequestIds {
    /// Checks the id's length; `None` when the request carries none.
    pub fn validate(id: Option<&str>, batch: bool) -> Result<Option<String>, Fault> {
        let Some(id) = id.filter(|i| !i.is_empty()) else {
            return Ok(None);
        };
        let max = if batch { MAX_LEN_BATCH } else { MAX_LEN };
        if id.chars().count() > max {
            return Err(refusals::string_length(
                "requestid",
                max,
                id.chars().count(),
            ));
        }
        Ok(Some(id.to_string()))
    }

    /// Runs `write` once per request id; repeats answer with its first response.
    pub async fn once<F>(&self, id: Option<String>, write: F) -> Response
    where
        F: FnOnce() -> (StatusCode, Vec<u8>),
    {
        let Some(id) = id else {
            let (status, body) = write();
            return respond::json_bytes(status, body);
        };
        let _guard = self.running.lock().await;
        if let Some(s) = self.seen.lock().unwrap().get(&id).cloned() {
            return respond::json_bytes(
                StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK),
                s.body.to_vec(),
            );
        }
        let (status, body) = write();
        if !status.is_server_error() {
            self.seen.lock().unwrap().insert(
                id,
                Stored {
                    status: status.as_u16(),
                    body: Bytes::from(body.clone()),
                },
            );
        }
        respond::json_bytes(status, body)
    }
}
