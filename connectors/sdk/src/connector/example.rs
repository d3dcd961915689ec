//! The commented connection block a connector contributes to the config `ledgerbridge
//! init` writes, for connectors that do not write their own.

use super::Connector;

/// The static token every simulator is started with in the written config, so the file
/// passes `check` and syncs against `ledgerbridge sim <kind> --token sim-token` as is.
pub const SIM_TOKEN: &str = "sim-token";

/// A block from what the descriptor declares: the kind, the simulator's default address
/// with the static simulator token when there is one, then every vendor key, commented.
pub fn generic_config_block(c: &(impl Connector + ?Sized)) -> String {
    let mut out = format!("kind = \"{}\"\n", c.kind());
    #[cfg(feature = "sim")]
    let listen = c.simulator().map(|s| s.default_listen);
    #[cfg(not(feature = "sim"))]
    let listen: Option<&str> = None;
    match listen {
        Some(listen) => {
            out.push_str(&format!(
                "# API root; here the {} simulator (`ledgerbridge sim {} --token {SIM_TOKEN}`).\n\
                 base_url = \"http://{listen}\"\n\
                 auth = \"static\"\n\
                 access_token = \"{SIM_TOKEN}\"\n",
                c.label(),
                c.kind()
            ));
        }
        None => out.push_str(&format!(
            "# API root [default: the {} API]; set it for a self-hosted server.\n\
             # base_url = \"https://\"\n",
            c.label()
        )),
    }
    out.push_str(&format!(
        "# access_token = \"env:{}_TOKEN\"\n",
        c.kind().to_uppercase()
    ));
    for key in c.vendor_keys() {
        out.push_str(&format!("# {}\n", key.help));
        if key.secret {
            out.push_str(&format!(
                "# {} = \"env:{}_{}\"\n",
                key.name,
                c.kind().to_uppercase(),
                key.name.to_uppercase()
            ));
        } else {
            out.push_str(&format!("# {} = \"\"\n", key.name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::super::{ConnectionSpec, KeyProblem, OAuthEndpoints, Roles, VendorKeyDoc};
    use super::*;
    use crate::auth::TokenSource;
    use crate::{Capabilities, ConnectorError, ConnectorResult, VendorIdempotency};

    /// A connector that writes no block of its own, as a new one starts out.
    struct Plain;

    #[async_trait]
    impl Connector for Plain {
        fn kind(&self) -> &'static str {
            "plain"
        }
        fn label(&self) -> &'static str {
            "Plain Books"
        }
        fn roles(&self) -> Roles {
            Roles::TARGET
        }
        fn vendor_keys(&self) -> &'static [VendorKeyDoc] {
            &[
                VendorKeyDoc {
                    name: "company",
                    help: "Company id [default: the first].",
                    secret: false,
                },
                VendorKeyDoc {
                    name: "webhook_key",
                    help: "Webhook signing key.",
                    secret: true,
                },
            ]
        }
        fn check_keys(&self, _conn: &ConnectionSpec<'_>) -> Vec<KeyProblem> {
            Vec::new()
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                vendor: "plain",
                write_batch: BTreeMap::new(),
                read_batch: 1,
                page_size: 100,
                rate_limits: Vec::new(),
                max_concurrency: None,
                idempotency: VendorIdempotency::None,
                webhooks: false,
                fields: BTreeMap::new(),
                abilities: crate::ability::Abilities::none(),
            }
        }
        fn oauth(&self, _conn: &ConnectionSpec<'_>) -> ConnectorResult<OAuthEndpoints> {
            Err(ConnectorError::config("no OAuth"))
        }
        async fn probe(
            &self,
            _conn: &ConnectionSpec<'_>,
            _tokens: Arc<dyn TokenSource>,
        ) -> ConnectorResult<String> {
            Ok(String::new())
        }
        #[cfg(feature = "sim")]
        fn simulator(&self) -> Option<super::super::Simulator> {
            Some(super::super::Simulator {
                default_listen: "127.0.0.1:9199",
                seeds_deals: false,
                run: |_, _| Box::pin(async { Ok(()) }),
                spawn: |_, _| Box::pin(async { Err(std::io::Error::other("not in this test")) }),
            })
        }
    }

    #[test]
    fn the_default_block_names_the_kind_and_comments_every_vendor_key() {
        let block = Plain.config_block();
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(lines[0], "kind = \"plain\"");
        assert!(lines.contains(&"# company = \"\""), "{block}");
        assert!(
            lines.contains(&"# Company id [default: the first]."),
            "{block}"
        );
        // A secret is shown read from the environment, never as a literal.
        assert!(
            lines.contains(&"# webhook_key = \"env:PLAIN_WEBHOOK_KEY\""),
            "{block}"
        );
        assert!(
            lines.contains(&"# access_token = \"env:PLAIN_TOKEN\""),
            "{block}"
        );
        // Every line but the active ones is a comment, so nothing unknown is set.
        let active: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| !l.starts_with('#'))
            .collect();
        if cfg!(feature = "sim") {
            assert_eq!(
                active,
                [
                    "kind = \"plain\"",
                    "base_url = \"http://127.0.0.1:9199\"",
                    "auth = \"static\"",
                    "access_token = \"sim-token\"",
                ],
                "{block}"
            );
        } else {
            assert_eq!(active, ["kind = \"plain\""], "{block}");
        }
    }
}
