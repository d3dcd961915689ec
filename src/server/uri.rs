//! The URI a vendor signed (some signatures cover method + URI + body + timestamp).
//!
//! The vendor signs the URL *it* posted to. Behind a reverse proxy that is not what this
//! process sees, so `[server] public_url` (e.g. `https://lb.example.com`, or with a path
//! prefix the proxy strips, `https://example.com/lb`) replaces scheme, host and prefix.
//! Without it the request's own `Host` is used over plain http — right when the vendor
//! (or a simulator) reaches `serve` directly.

use axum::http::{HeaderMap, Uri, header};

pub(crate) fn signed_uri(public_url: Option<&str>, headers: &HeaderMap, uri: &Uri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    match public_url {
        Some(base) => format!("{base}{path}"),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| uri.authority().map(|a| a.as_str()))
                .unwrap_or("localhost");
            format!("http://{host}{path}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_replaces_scheme_host_and_prefix() {
        let uri: Uri = "/webhooks/crm?x=1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            signed_uri(None, &h, &uri),
            "http://127.0.0.1:8080/webhooks/crm?x=1"
        );
        assert_eq!(
            signed_uri(Some("https://example.com/lb"), &h, &uri),
            "https://example.com/lb/webhooks/crm?x=1"
        );
    }
}
