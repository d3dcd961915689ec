//! Integration tests of the HTTP toolkit, the OAuth token source and the
//! vault, against local axum servers. One test binary (one link step).

mod common;
mod http_client;
mod oauth;
#[cfg(feature = "sim")]
mod sim_kit;
