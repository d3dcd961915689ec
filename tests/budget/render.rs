//! The four formats of the fixture's report.

use super::fixture::inputs;
use ledgerbridge::budget::compute;
use ledgerbridge::budget::render::{Format, render};

#[test]
fn json_has_the_documented_keys_with_money_as_strings() {
    let r = compute(&inputs());
    let v: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
    assert_eq!(v["currency"], "USD");
    let keys = [
        "budget",
        "actual",
        "variance",
        "variance_pct",
        "crm_won",
        "forecast",
        "projected",
    ];
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 15);
    for l in lines {
        for k in ["account", "tracking", "month"].iter().chain(&keys) {
            assert!(l.get(*k).is_some(), "line without {k}: {l}");
        }
    }
    assert_eq!(lines[0]["actual"], "700.00");
    assert_eq!(lines[0]["variance_pct"], "16.67");
    assert!(lines[9]["variance_pct"].is_null(), "no budget: null %");
    for k in keys {
        assert!(v["totals"][k].is_string(), "totals.{k}");
    }
    assert_eq!(v["totals"]["projected"], "1957.53");
}

#[test]
fn csv_has_one_row_per_line_and_a_total_row() {
    let r = compute(&inputs());
    let csv = render(&r, Format::Csv);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "account,tracking,month,budget,actual,variance,variance_pct,crm_won,forecast,projected"
    );
    assert_eq!(rows.len(), 1 + 15 + 1);
    assert_eq!(
        rows[1],
        "200,North,2026-01,600.00,700.00,100.00,16.67,800.00,0.00,700.00"
    );
    assert_eq!(rows[14], "400,,2026-02,0.00,0.00,0.00,,0.00,0.00,0.00");
    assert_eq!(
        rows[16],
        "TOTAL,,,5150.00,1545.03,-3604.97,-70.00,800.00,412.50,1957.53"
    );
}

#[test]
fn table_shows_every_line_the_totals_and_the_warnings() {
    let r = compute(&inputs());
    let t = render(&r, Format::Table);
    assert!(t.starts_with("Budget vs actuals, USD 2026-01..2026-03 (tracking: Region)\n"));
    // a Markdown table: `| cell | cell |` rows under a header and a `|---|` rule
    let rows: Vec<Vec<&str>> = t
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows[0][0], "ACCOUNT");
    assert_eq!(rows[0][9], "PROJECTED");
    assert!(rows[1].iter().all(|c| c.chars().all(|ch| ch == '-')));
    assert_eq!(rows.len(), 2 + 15 + 1);
    let total = rows.last().unwrap();
    assert_eq!((total[0], total[9]), ("TOTAL", "1957.53"));
    assert_eq!(
        rows[2],
        [
            "200", "North", "2026-01", "600.00", "700.00", "100.00", "16.67%", "800.00", "0.00",
            "700.00"
        ]
    );
    assert_eq!(t.lines().filter(|l| l.contains("2026-")).count(), 15 + 1);
    assert_eq!(t.lines().filter(|l| l.starts_with("warning:")).count(), 2);
}

#[test]
fn html_is_self_contained_and_shows_the_totals() {
    let r = compute(&inputs());
    let h = render(&r, Format::Html);
    assert!(h.starts_with("<!DOCTYPE html>"));
    for banned in ["http://", "https://", "<link", "@import", "src=\""] {
        assert!(!h.contains(banned), "external reference {banned:?}");
    }
    assert!(h.contains("<svg id=\"chart\""));
    assert!(h.contains("data-total=\"projected\">1957.53<"));
    assert!(h.contains("data-total=\"variance_pct\">-70.00%<"));
    assert_eq!(h.matches("<tr><td class=\"t\">").count(), 15);
    assert_eq!(h.matches("<g data-month=").count(), 3);
}
