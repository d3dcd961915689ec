//! `ledgerbridge connect <connection>`: authorize an `auth = "oauth"` connection.
//!
//! Authorization code with PKCE and a `state` check (the SDK's building blocks), the
//! redirect received on a loopback listener or pasted by the admin (`--paste`, for
//! servers without a browser), the connector's post-connect step (an organisation), and the
//! tokens sealed into the vault. Tokens are never printed; the authorization URL is (it
//! carries only the public `state` and PKCE challenge).
//!
//! Output contract (tests and scripts rely on it): stdout gets the authorization URL on
//! a line of its own, then one `connected …` line; everything meant for a person goes to
//! stderr.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use ledgerbridge_sdk::auth::{RedirectListener, finish_connect};
use ledgerbridge_sdk::vault::TokenSet;

use super::Ctx;
use crate::config::Config;
use crate::store::Db;
use crate::vault::{self, KeyMode, prompt};

#[derive(Debug, Args)]
#[command(
    long_about = "Authorize an `auth = \"oauth\"` connection: prints the vendor's consent URL \
(authorization code with PKCE), receives the redirect on a loopback port (`redirect_port`, \
default 8765) and stores the tokens encrypted in the vault. On a server without a browser use \
--paste: open the URL anywhere, then paste the address the browser was sent to. A connector \
that needs a choice after the consent (an organisation among several granted) takes it from \
its config key, else the only one granted, else asks you; every sync then uses that choice."
)]
pub struct ConnectArgs {
    /// Connection name from the config ([connections.<name>])
    pub connection: String,
    /// Print the authorization URL and read the redirect URL from stdin
    #[arg(long)]
    pub paste: bool,
    /// Do not try to open a browser (the URL is printed either way)
    #[arg(long)]
    pub no_browser: bool,
    /// Seconds to wait for the browser's redirect
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub timeout: u64,
}

pub async fn run(ctx: &Ctx, args: ConnectArgs) -> ExitCode {
    let config = match ctx.load() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // configuration problems (unknown connection, static auth, missing client_id) exit 2,
    // before the database is created or opened
    let flow = match vault::oauth_flow(&config, &args.connection) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return super::invalid();
        }
    };
    let db = match super::open_db(&config).await {
        Ok(db) => db,
        Err(code) => return code,
    };
    let outcome = connect(&config, &db, &flow, &args).await;
    db.close().await;
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(
    config: &Config,
    db: &Db,
    flow: &ledgerbridge_sdk::auth::OAuthFlow,
    args: &ConnectArgs,
) -> Result<(), crate::Error> {
    let name = args.connection.as_str();
    let conn = vault::connection(config, name)?;
    // the key before the consent: a key problem found after approving wastes the code
    let (sealer, key_source) = vault::key::sealer(config, KeyMode::CreateIfMissing)?;
    let store = vault::DbVault::new(db.clone(), sealer)
        .with_refresh_lifetime(vault::vendor_oauth(name, conn)?.refresh_lifetime);
    let hook = vault::post_connect_hook(config, name, prompt::terminal_attached())?;

    let pending = flow.authorize();
    let callback = if args.paste {
        eprintln!("Open this URL in a browser (on any machine) and approve access for `{name}`:");
        println!("{}", pending.url());
        eprintln!(
            "The browser is then sent to {} — on another machine that page will not load. \
             Copy the whole address from the address bar, paste it here and press Enter:",
            pending.redirect_url()
        );
        let pasted = prompt::read_line()
            .await
            .map_err(|e| format!("no redirect URL was pasted ({e})"))?;
        pending.parse_redirect(&pasted)?
    } else {
        // bound before the URL is shown, so a busy port is reported before any consent
        let listener = RedirectListener::bind(pending.redirect_url()).await?;
        eprintln!("Open this URL in a browser and approve access for `{name}`:");
        println!("{}", pending.url());
        eprintln!(
            "Waiting up to {}s for the redirect to {} (no browser on this machine? use --paste)",
            args.timeout,
            pending.redirect_url()
        );
        if !args.no_browser && std::io::stdout().is_terminal() {
            open_browser(pending.url().as_str());
        }
        listener
            .wait(&pending, Duration::from_secs(args.timeout))
            .await?
    };
    let tokens = finish_connect(flow, pending, &callback, &*hook, &store, name).await?;
    let grant = conn.connector().describe_grant(&tokens.extra);
    println!(
        "{}",
        summary(name, &tokens, &key_source, &store.key_id(), grant)
    );
    Ok(())
}

/// What was stored, without a secret in it.
fn summary(
    name: &str,
    tokens: &TokenSet,
    key: &vault::KeySource,
    key_id: &str,
    grant: Option<String>,
) -> String {
    let mut s =
        format!("connected {name}: tokens stored encrypted in the vault ({key}, key id {key_id})");
    if let Some(at) = tokens.expires_at {
        s.push_str(&format!("; access token valid until {}", at.to_rfc3339()));
    }
    if tokens.refresh_token.is_none() {
        s.push_str("; no refresh token was granted (add the vendor's offline scope), so connect again when it expires");
    }
    if let Some(g) = grant {
        s.push_str(&format!("; {g}"));
    }
    s
}

/// Best effort; the printed URL is the fallback, so failures are ignored.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Ok(mut child) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        // reap it so it does not linger as a zombie while we wait for the redirect
        std::thread::spawn(move || child.wait());
    }
}
