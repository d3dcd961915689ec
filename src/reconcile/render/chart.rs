//! The chart of the HTML report: per currency, CRM closed-won and invoiced by month,
//! as inline SVG bars. Geometry is computed in decimals like the money it draws.

use super::escape;
use crate::reconcile::model::MonthTotals;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

const W: i64 = 720;
const H: i64 = 260;
const LEFT: i64 = 96;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const BOTTOM: i64 = 44;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn px(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

/// One currency's bars; `None` when there is nothing to draw.
pub fn svg(currency: &str, months: &BTreeMap<String, MonthTotals>) -> Option<String> {
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
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
         xmlns=\"http://www.w3.org/2000/svg\" data-currency=\"{c}\">\
         <title>CRM closed-won and invoiced per month, {c}</title>",
        c = escape(currency)
    );
    for frac in [Decimal::ZERO, Decimal::new(5, 1), Decimal::ONE] {
        let y = base - plot_h * frac;
        let _ = write!(
            o,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/>\
             <text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6,
            px(y + Decimal::from(4)),
            escape(&(max * frac).round_dp(2).to_string()),
            y = px(y),
        );
    }
    for (i, (month, m)) in months.iter().enumerate() {
        let x0 = Decimal::from(LEFT) + group * Decimal::from(i as i64);
        for (j, (class, value)) in [("won", &m.crm_won), ("inv", &m.invoiced)]
            .into_iter()
            .enumerate()
        {
            let h = plot_h * dec(value) / max;
            let x = x0 + group / Decimal::TWO - bar + bar * Decimal::from(j as i64);
            let what = if class == "won" {
                "CRM closed-won"
            } else {
                "invoiced"
            };
            let _ = write!(
                o,
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\">\
                 <title>{} {what}: {} {}</title></rect>",
                px(x),
                px(base - h),
                px(bar),
                px(h),
                escape(month),
                escape(value),
                escape(currency)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                o,
                "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                px(x0 + group / Decimal::TWO),
                H - BOTTOM + 16,
                escape(month)
            );
        }
    }
    let ly = H - 10;
    let _ = write!(
        o,
        "<rect class=\"won\" x=\"{LEFT}\" y=\"{}\" width=\"12\" height=\"12\"/>\
         <text class=\"legend\" x=\"{}\" y=\"{ly}\">CRM closed-won</text>\
         <rect class=\"inv\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/>\
         <text class=\"legend\" x=\"{}\" y=\"{ly}\">Invoiced</text></svg>",
        ly - 10,
        LEFT + 18,
        LEFT + 150,
        ly - 10,
        LEFT + 168
    );
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_two_bars_per_month() {
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
        let s = svg("USD", &months).unwrap();
        assert_eq!(s.matches("<rect class=\"won\" x=").count(), 3); // 2 bars + legend
        assert_eq!(s.matches("<rect class=\"inv\" x=").count(), 3);
        assert!(s.contains("2025-02 invoiced: 200.00 USD"));
        assert!(svg("USD", &BTreeMap::new()).is_none());
    }
}
