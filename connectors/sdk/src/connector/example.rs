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
