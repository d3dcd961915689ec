//! The HTML report in a real browser: headless Chromium loads the file, its DOM shows
//! the same counts as the JSON summary, every class table has one row per item, the
//! inline script ran, and a screenshot is kept under `target/tmp/reconcile/`.
//! Skipped with a notice when `chromium` is not installed (CI installs it).

use crate::world::{World, deal_id, world};
use ledgerbridge::reconcile::{Class, Report, render};
use reqwest::Method;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("chromium"))
            .find(|c| c.is_file())
    })
}

/// Runs Chromium headless on `file` with `extra` flags; returns its stdout.
fn run_chromium(bin: &Path, file: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", file.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// The number shown in `data-count="<class>"`.
fn shown_count(dom: &str, class: Class) -> usize {
    let tag = format!("data-count=\"{}\">", class.as_str());
    let at = dom
        .find(&tag)
        .unwrap_or_else(|| panic!("no card for {class:?}"))
        + tag.len();
    dom[at..].split('<').next().unwrap().trim().parse().unwrap()
}

/// Body rows of a class's table.
fn rows(dom: &str, class: Class) -> usize {
    let tag = format!("<section data-class=\"{}\">", class.as_str());
    let at = dom
        .find(&tag)
        .unwrap_or_else(|| panic!("no section for {class:?}"));
    let section = &dom[at..at + dom[at..].find("</section>").unwrap()];
    match section.find("<tbody>") {
        Some(b) => section[b..].matches("<tr").count(),
        None => 0,
    }
}

/// A report with a few discrepancies: an archived deal, an amount change.
async fn report(w: &World) -> Report {
    w.sync().await;
    let base = w.reconcile(false).await;
    let matched: Vec<&String> = base
        .items
        .iter()
        .filter(|i| i.class == Class::Matched)
        .map(|i| &i.source_key)
        .collect();
    w.hubspot(
        Method::DELETE,
        &format!("deals/{}", deal_id(matched[0])),
        None,
    )
    .await;
    w.reconcile(false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_renders_in_chromium_with_the_json_counts() {
    let Some(bin) = chromium() else {
        println!("skipping html_report_renders_in_chromium: chromium is not installed");
        return;
    };
    let w = world(24).await;
    let r = report(&w).await;
    assert!(r.discrepancies() >= 1);
    let html = render::html::render(std::slice::from_ref(&r));
    // self-contained: nothing fetched from anywhere
    for needle in ["<link", "src=", "@import", "url(", "https://"] {
        assert!(
            !html.contains(needle),
            "the report refers outside: {needle}"
        );
    }
    let art = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reconcile");
    std::fs::create_dir_all(&art).unwrap();
    let file = art.join("report.html");
    std::fs::write(&file, &html).unwrap();
    std::fs::write(
        art.join("report.json"),
        serde_json::to_string_pretty(&r).unwrap(),
    )
    .unwrap();

    let dom = tokio::task::spawn_blocking({
        let (bin, file) = (bin.clone(), file.clone());
        move || run_chromium(&bin, &file, &["--dump-dom".into()])
    })
    .await
    .unwrap();
    assert!(
        dom.contains("data-ready=\"1\""),
        "the inline script did not run"
    );
    for c in Class::ALL {
        let want = r.summary[c.as_str()];
        assert_eq!(shown_count(&dom, c), want, "{} card", c.as_str());
        assert_eq!(rows(&dom, c), want, "{} table rows", c.as_str());
    }
    assert!(dom.contains("<svg class=\"chart\""), "no chart");

    let shot = art.join("report.png");
    let _ = std::fs::remove_file(&shot);
    tokio::task::spawn_blocking({
        let shot = shot.clone();
        move || {
            run_chromium(
                &bin,
                &file,
                &[
                    format!("--screenshot={}", shot.display()),
                    "--window-size=1280,2000".into(),
                    "--hide-scrollbars".into(),
                ],
            )
        }
    })
    .await
    .unwrap();
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot {} missing or empty",
        shot.display()
    );
    println!("HTML report and screenshot kept in {}", art.display());
}
