//! API versions: `GET /services/data/` lists them, `GET
//! /services/data/vNN.N/` lists the resources of one, and every versioned
//! route takes its version through [`ApiVersion`] (unknown ones are 404).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::ApiError;

/// Oldest and newest versions served (Winter '11 to Spring '26).
pub const OLDEST: u32 = 20;
pub const NEWEST: u32 = 66;

/// The `vNN.N` of a request's path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiVersion(pub u32);

impl ApiVersion {
    pub fn parse(segment: &str) -> Option<ApiVersion> {
        let n = segment.strip_prefix('v')?.strip_suffix(".0")?;
        let n: u32 = n.parse().ok()?;
        (OLDEST..=NEWEST).contains(&n).then_some(ApiVersion(n))
    }

    /// `v66.0`
    pub fn label(&self) -> String {
        format!("v{}.0", self.0)
    }
}

/// The release a version shipped with: three a year, Winter '11 was v20.0.
pub fn release(version: u32) -> String {
    let k = version - OLDEST;
    let season = ["Winter", "Spring", "Summer"][(k % 3) as usize];
    format!("{season} '{:02}", 11 + k / 3)
}

impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        path.strip_prefix("/services/data/")
            .and_then(|rest| rest.split('/').next())
            .and_then(ApiVersion::parse)
            .ok_or_else(|| ApiError::not_found().into_response())
    }
}

pub async fn list() -> Response {
    let versions: Vec<Value> = (OLDEST..=NEWEST)
        .map(|v| {
            json!({
                "label": release(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect();
    Json(versions).into_response()
}

pub async fn resources(version: ApiVersion) -> Response {
    let base = format!("/services/data/{}", version.label());
    let mut m = serde_json::Map::new();
    for r in ["sobjects", "query", "queryAll", "composite", "limits"] {
        m.insert(r.to_string(), json!(format!("{base}/{r}")));
    }
    Json(Value::Object(m)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_and_parsing() {
        assert_eq!(release(66), "Spring '26");
        assert_eq!(release(20), "Winter '11");
        assert_eq!(release(59), "Winter '24");
        assert_eq!(ApiVersion::parse("v50.0"), Some(ApiVersion(50)));
        assert_eq!(ApiVersion::parse("v67.0"), None);
        assert_eq!(ApiVersion::parse("50.0"), None);
    }
}
