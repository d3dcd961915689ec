//! The chart of the HTML report: per currency, CRM closed-won and invoiced by month,
//! as SVG bars (drawn by `templates/reconcile/chart.svg`). Geometry is computed in
//! decimals like the money it draws; coordinates are kept as the strings the SVG shows.

use crate::reconcile::model::MonthTotals;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const W: i64 = 720;
const H: i64 = 260;
const LEFT: i64 = 96;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const BOTTOM: i64 = 44;

/// One currency's chart, ready for the template.
pub struct Chart {
    pub currency: String,
    pub width: i64,
    pub height: i64,
    /// Left edge of the plot (grid lines, legend).
    pub left: i64,
    /// Right end of the grid lines.
    pub right: i64,
    /// Where the axis labels end (right-aligned).
    pub axis_x: i64,
    pub grid: Vec<GridLine>,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
    pub legend_y: i64,
    pub legend_box_y: i64,
}

pub struct GridLine {
    pub y: String,
    pub label_y: String,
    pub label: String,
}

pub struct Bar {
    /// `won` or `inv` (the stylesheet colours them).
    pub class: &'static str,
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// The tooltip: month, what, amount and currency.
    pub title: String,
}

pub struct Label {
    pub x: String,
    pub y: i64,
    pub text: String,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn px(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

/// One currency's bars; `None` when there is nothing to draw.
pub fn chart(currency: &str, months: &BTreeMap<String, MonthTotals>) -> Option<Chart> {
    if months.is_empty() {
        return None;
    }
    let plot_w = Decimal::from(W - LEFT - RIGHT);
    let plot_h = Decimal::from(H - TOP - BOTTOM);
    let max = months
        .values()
        .flat_map(|m| [dec(&m.crm_won), dec(&m.invoiced)])
        .max()
        .filter(|m| *m > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    let n = Decimal::from(months.len() as i64);
    let group = plot_w / n;
    // two bars per month, never wider than 28 px each, centred in the month's slot
    let bar = (group * Decimal::new(35, 2)).min(Decimal::from(28));
    let base = Decimal::from(TOP) + plot_h;
    let label_every = (months.len() / 12).max(1);
    let grid = [Decimal::ZERO, Decimal::new(5, 1), Decimal::ONE]
        .into_iter()
        .map(|frac| {
            let y = base - plot_h * frac;
            GridLine {
                y: px(y),
                label_y: px(y + Decimal::from(4)),
                label: (max * frac).round_dp(2).to_string(),
            }
        })
        .collect();
    let mut bars = Vec::with_capacity(months.len() * 2);
    let mut labels = Vec::new();
    for (i, (month, m)) in months.iter().enumerate() {
        let x0 = Decimal::from(LEFT) + group * Decimal::from(i as i64);
        for (j, (class, what, value)) in [
            ("won", "CRM closed-won", &m.crm_won),
            ("inv", "invoiced", &m.invoiced),
        ]
        .into_iter()
        .enumerate()
        {
            let h = plot_h * dec(value) / max;
            let x = x0 + group / Decimal::TWO - bar + bar * Decimal::from(j as i64);
            bars.push(Bar {
                class,
                x: px(x),
                y: px(base - h),
                width: px(bar),
                height: px(h),
                title: format!("{month} {what}: {value} {currency}"),
            });
        }
        if i % label_every == 0 {
            labels.push(Label {
                x: px(x0 + group / Decimal::TWO),
                y: H - BOTTOM + 16,
                text: month.clone(),
            });
        }
    }
    Some(Chart {
        currency: currency.to_string(),
        width: W,
        height: H,
        left: LEFT,
        right: W - RIGHT,
        axis_x: LEFT - 6,
        grid,
        bars,
        labels,
        legend_y: H - 10,
        legend_box_y: H - 20,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_two_bars_per_month_scaled_to_the_largest() {
        let months = BTreeMap::from([
            (
                "2025-01".to_string(),
                MonthTotals {
                    crm_won: "100.00".into(),
                    invoiced: "50.00".into(),
                },
            ),
            (
                "2025-02".to_string(),
                MonthTotals {
                    crm_won: "0.00".into(),
                    invoiced: "200.00".into(),
                },
            ),
        ]);
        let c = chart("USD", &months).unwrap();
        let classes: Vec<&str> = c.bars.iter().map(|b| b.class).collect();
        assert_eq!(classes, ["won", "inv", "won", "inv"]);
        assert_eq!(c.bars[3].title, "2025-02 invoiced: 200.00 USD");
        // the largest value fills the plot (200 px high), the others in proportion
        assert_eq!(c.bars[3].height, "200");
        assert_eq!(c.bars[0].height, "100");
        assert_eq!(c.bars[2].height, "0");
        assert_eq!(c.grid[2].label, "200.00");
        assert_eq!(c.labels.len(), 2);
        assert!(chart("USD", &BTreeMap::new()).is_none());
    }
}
