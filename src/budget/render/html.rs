//! One self-contained HTML file (no CDN, no external fonts, no network): summary
//! cards, an SVG chart of budget, actual and forecast per month, and the lines in a
//! table with a text filter. The markup is `templates/budget/report.html` on the shared
//! layout; this module gathers what it shows. Floats are used for drawing only; every
//! number a reader sees is the report's decimal string.

use super::pct;
use crate::budget::model::{Figures, Report};
use askama::Template;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "budget/report.html")]
struct Page<'a> {
    report: &'a Report,
    tracking: &'a str,
    cards: Vec<Card>,
    chart: Chart,
    lines: Vec<Line<'a>>,
    total_cells: Vec<NumberCell>,
    /// (ability, line for people) of each section the finance system cannot give.
    not_supported: Vec<(&'static str, String)>,
}

struct Card {
    key: &'static str,
    label: &'static str,
    value: String,
    /// `neg`, `pos` or nothing.
    tone: &'static str,
}

struct Line<'a> {
    account: &'a str,
    tracking: &'a str,
    month: &'a str,
    cells: Vec<NumberCell>,
}

struct NumberCell {
    text: String,
    negative: bool,
}

struct Chart {
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    axis_x: f64,
    grid: Vec<GridLine>,
    months: Vec<MonthBars>,
}

struct GridLine {
    y: String,
    label_y: String,
    label: String,
}

struct MonthBars {
    month: String,
    title: String,
    budget: Rect,
    actual: Rect,
    forecast: Rect,
    label_x: String,
    label_y: String,
}

struct Rect {
    x: String,
    y: String,
    width: String,
    height: String,
}

impl Rect {
    fn new(x: f64, y: f64, width: f64, height: f64) -> Rect {
        Rect {
            x: format!("{x:.1}"),
            y: format!("{y:.1}"),
            width: format!("{width:.1}"),
            height: format!("{height:.1}"),
        }
    }
}

pub fn render(r: &Report) -> String {
    Page {
        report: r,
        tracking: r.tracking_category.as_deref().unwrap_or("none"),
        cards: cards(&r.totals),
        chart: chart(r),
        lines: r
            .lines
            .iter()
            .map(|l| Line {
                account: &l.account,
                tracking: if l.tracking.is_empty() {
                    "–"
                } else {
                    &l.tracking
                },
                month: &l.month,
                cells: numbers(&l.figures),
            })
            .collect(),
        total_cells: numbers(&r.totals),
        not_supported: r
            .not_supported
            .iter()
            .map(|a| (a.as_str(), crate::budget::model::not_supported_line(*a)))
            .collect(),
    }
    .render()
    .expect("the budget template renders")
}

fn cards(t: &Figures) -> Vec<Card> {
    let sign = |d: Decimal| if d.is_sign_negative() { "neg" } else { "pos" };
    let card = |key, label, value: String, tone| Card {
        key,
        label,
        value,
        tone,
    };
    vec![
        card("budget", "Budget", t.budget.to_string(), ""),
        card("actual", "Actual", t.actual.to_string(), ""),
        card(
            "variance",
            "Variance",
            t.variance.to_string(),
            sign(t.variance),
        ),
        card(
            "variance_pct",
            "Variance %",
            pct(t.variance_pct),
            sign(t.variance),
        ),
        card("crm_won", "CRM closed-won", t.crm_won.to_string(), ""),
        card("forecast", "Weighted forecast", t.forecast.to_string(), ""),
        card("projected", "Projected", t.projected.to_string(), ""),
    ]
}

/// The seven numbers of a line or of the total; variance and its percentage are
/// marked when below zero.
fn numbers(f: &Figures) -> Vec<NumberCell> {
    let negative = f.variance.is_sign_negative() && !f.variance.is_zero();
    let cell = |text: String, negative| NumberCell { text, negative };
    vec![
        cell(f.budget.to_string(), false),
        cell(f.actual.to_string(), false),
        cell(f.variance.to_string(), negative),
        cell(pct(f.variance_pct), negative),
        cell(f.crm_won.to_string(), false),
        cell(f.forecast.to_string(), false),
        cell(f.projected.to_string(), false),
    ]
}

/// Grouped bars per month: budget (grey), actual (blue) with the forecast stacked on
/// it (light blue), so the top of the blue stack is the projection.
fn chart(r: &Report) -> Chart {
    let mut by_month: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for l in &r.lines {
        let e = by_month.entry(&l.month).or_default();
        e.0 += f(l.figures.budget);
        e.1 += f(l.figures.actual);
        e.2 += f(l.figures.forecast);
    }
    let (w, ht, left, bottom, top) = (900.0, 300.0, 70.0, 40.0, 16.0);
    let max = by_month
        .values()
        .map(|(b, a, fc)| b.max(a + fc))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let n = by_month.len().max(1) as f64;
    let slot = (w - left - 10.0) / n;
    let bar = (slot * 0.36).min(28.0);
    let y = |v: f64| top + (ht - top - bottom) * (1.0 - v / max);
    let grid = (0..=4)
        .map(|i| {
            let v = max * f64::from(i) / 4.0;
            GridLine {
                y: format!("{:.1}", y(v)),
                label_y: format!("{:.1}", y(v) + 4.0),
                label: short(v),
            }
        })
        .collect();
    let months = by_month
        .iter()
        .enumerate()
        .map(|(i, (month, (b, a, fc)))| {
            // bars cannot go below the axis: negative sums are drawn as 0 (the table shows them)
            let (b, a, fc) = (b.max(0.0), a.max(0.0), fc.max(0.0));
            let x = left + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
            let base = y(0.0);
            MonthBars {
                month: month.to_string(),
                title: format!("{month}: budget {b:.2}, actual {a:.2}, forecast {fc:.2}"),
                budget: Rect::new(x, y(b), bar, base - y(b)),
                actual: Rect::new(x + bar, y(a), bar, base - y(a)),
                forecast: Rect::new(x + bar, y(a + fc), bar, y(a) - y(a + fc)),
                label_x: format!("{:.1}", x + bar),
                label_y: format!("{:.1}", ht - bottom + 16.0),
            }
        })
        .collect();
    Chart {
        width: w,
        height: ht,
        left,
        right: w - 10.0,
        axis_x: left - 6.0,
        grid,
        months,
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// An axis label: 12k, 1.2M.
fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}
