//! `check --online` tries each connection's credentials with its connector's probe: a
//! good token is ok, a bad one is reported with the vendor's message and exits 2, and
//! nothing is ever written to the vendor.

use crate::common::{TOKEN, folder, run, sim_options};
use serde_json::Value;

async fn sims() -> (
    ledgerbridge_sdk::sim::RunningSim,
    ledgerbridge_sdk::sim::RunningSim,
    ledgerbridge_hubspot::sim::SimHandle,
    ledgerbridge_xero::sim::SimHandle,
) {
    let (hs, hs_h) = ledgerbridge_hubspot::sim::spawn("127.0.0.1:0", sim_options())
        .await
        .unwrap();
    let (x, x_h) = ledgerbridge_xero::sim::spawn("127.0.0.1:0", sim_options())
        .await
        .unwrap();
    (hs, x, hs_h, x_h)
}

fn config(hs: &str, x: &str, hs_token: &str, x_token: &str) -> String {
    format!(
        "[connections.crm]\nkind = \"hubspot\"\nbase_url = \"{hs}\"\naccess_token = \"{hs_token}\"\n\
         [connections.books]\nkind = \"xero\"\nbase_url = \"{x}\"\naccess_token = \"{x_token}\"\n\
         [[pairs]]\nname = \"main\"\nsource = \"crm\"\ntarget = \"books\"\nmappings = \"mappings\"\n"
    )
}

fn writes(stats: &Value) -> u64 {
    stats["writes"]
        .as_u64()
        .unwrap_or_else(|| panic!("no writes count in {stats}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_tokens_are_ok() {
    let (hs, x, hs_h, x_h) = sims().await;
    let (_d, path) = folder(&config(&hs.base_url, &x.base_url, TOKEN, TOKEN));
    let p = path.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || run(&["check", "--online"], &p))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("online: crm (hubspot): ok"), "{out}");
    assert!(
        out.contains("online: books (xero): ok: organisation Demo Company (US)"),
        "{out}"
    );
    assert!(
        out.contains(&x_h.tenant_id().to_string()),
        "the organisation id is shown: {out}"
    );
    assert_eq!(writes(&hs_h.stats()), 0, "a probe never writes");
    assert_eq!(writes(&x_h.stats()), 0, "a probe never writes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_the_vendors_error_and_exits_2() {
    let (hs, x, _hs_h, _x_h) = sims().await;
    let (_d, path) = folder(&config(&hs.base_url, &x.base_url, "wrong-token", TOKEN));
    let p = path.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || run(&["check", "--online"], &p))
        .await
        .unwrap();
    assert_eq!(code, Some(2), "stdout: {out}\nstderr: {err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("online: crm (hubspot): FAILED"))
        .unwrap_or_else(|| panic!("{out}"));
    // the simulator's 401 body, as HubSpot words it
    assert!(
        line.to_lowercase().contains("authentication credentials"),
        "{line}"
    );
    assert!(
        out.contains("online: books (xero): ok"),
        "the other connection is still tried: {out}"
    );
    assert!(
        !out.contains("wrong-token") && !err.contains("wrong-token"),
        "no secret printed"
    );

    let (_d2, path) = folder(&config(&hs.base_url, &x.base_url, TOKEN, "wrong-token"));
    let (code, out, _) = tokio::task::spawn_blocking(move || run(&["check", "--online"], &path))
        .await
        .unwrap();
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("online: books (xero): FAILED"), "{out}");
}
