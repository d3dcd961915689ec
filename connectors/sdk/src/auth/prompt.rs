//! The little terminal I/O `connect` needs (a pasted URL, a connector asking which
//! organisation to use).

use std::io::IsTerminal;

use crate::{ConnectorError, ConnectorResult};

/// One line from stdin without blocking the runtime. End of input is an error (a script
/// that closed stdin should not pick for the admin).
pub async fn read_line() -> ConnectorResult<String> {
    tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        match std::io::stdin().read_line(&mut s) {
            Ok(0) => Err(ConnectorError::config(
                "no input: standard input was closed",
            )),
            Ok(_) => Ok(s),
            Err(e) => Err(ConnectorError::config(format!(
                "cannot read standard input: {e}"
            ))),
        }
    })
    .await
    .map_err(|e| ConnectorError::config(format!("stdin reader: {e}")))?
}

/// Whether stdin and stderr are a terminal someone can answer on.
pub fn terminal_attached() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
