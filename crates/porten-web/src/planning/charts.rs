//! The planning page's charts and tables: the heatmap of the week, the
//! backtest chart (inline SVG with text alternatives) and the scenario totals.

use super::*;
use porten_planning::Saving;

pub(super) struct TotalsRow {
    pub(super) label: String,
    pub(super) values: Vec<String>,
}

pub(super) struct Cell {
    pub(super) x: usize,
    pub(super) y: usize,
    pub(super) fill: &'static str,
}

pub(super) struct AxisLabel {
    pub(super) x: usize,
    pub(super) y: usize,
    pub(super) text: String,
}

pub(super) struct HeatRow {
    pub(super) day: String,
    pub(super) values: Vec<String>,
}

pub(super) struct Chart {
    pub(super) title: String,
    pub(super) desc: String,
    pub(super) accuracy: String,
    pub(super) actual_points: String,
    pub(super) forecast_points: String,
    pub(super) y_labels: Vec<AxisLabel>,
    pub(super) x_labels: Vec<AxisLabel>,
    pub(super) gridlines: Vec<usize>,
    pub(super) days: Vec<DayRow>,
}

/// Heatmap colours, light to dark (the table carries the values).
pub(super) const SHADES: [&str; 6] = ["#ffffff", "#dbe6f3", "#a9c3e3", "#6f97c9", "#3b6aa6", "#1d3557"];

pub(super) const HEAT_LEFT: usize = 48;

pub(super) const HEAT_TOP: usize = 22;

pub(super) const HEAT_CELL: usize = 26;

pub(super) const CHART_LEFT: usize = 48;

pub(super) const CHART_TOP: usize = 12;

pub(super) const CHART_WIDTH: usize = 672;

pub(super) const CHART_HEIGHT: usize = 200;

/// The heatmap as drawn (cells and axis labels) and as a table.
pub(super) struct HeatmapView {
    pub(super) cells: Vec<Cell>,
    pub(super) days: Vec<AxisLabel>,
    pub(super) hours: Vec<AxisLabel>,
    pub(super) rows: Vec<HeatRow>,
    pub(super) desc: String,
}

pub(super) fn heatmap(t: &Tr, heat: &Heatmap) -> HeatmapView {
    let lang = t.lang;
    let max = heat.max();
    let mut cells = Vec::new();
    for (d, row) in heat.contacts.iter().enumerate() {
        for (h, v) in row.iter().enumerate() {
            let shade =
                if max <= 0.0 || *v <= 0.0 { 0 } else { 1 + ((v / max) * (SHADES.len() - 2) as f64).round() as usize };
            cells.push(Cell {
                x: HEAT_LEFT + h * HEAT_CELL,
                y: HEAT_TOP + d * HEAT_CELL,
                fill: SHADES[shade.min(SHADES.len() - 1)],
            });
        }
    }
    let days = (0..7u8)
        .map(|d| AxisLabel {
            x: HEAT_LEFT - 6,
            y: HEAT_TOP + usize::from(d) * HEAT_CELL + 17,
            text: weekday_short(t, d),
        })
        .collect();
    let hours = (0..24)
        .step_by(3)
        .map(|h| AxisLabel { x: HEAT_LEFT + h * HEAT_CELL + HEAT_CELL / 2, y: HEAT_TOP - 8, text: format!("{h:02}") })
        .collect();
    let rows = heat
        .contacts
        .iter()
        .enumerate()
        .map(|(d, row)| HeatRow { day: weekday(t, d as u8), values: row.iter().map(|v| num(lang, *v, 1)).collect() })
        .collect();
    let peak = heat.peak();
    let desc = t.with(
        "planning-heatmap-desc",
        &[("max", num(lang, max, 1)), ("day", weekday(t, peak.weekday)), ("hour", format!("{:02}:00", peak.hour))],
    );
    HeatmapView { cells, days, hours, rows, desc }
}

pub(super) fn chart(t: &Tr, bt: &BacktestView) -> Chart {
    let lang = t.lang;
    let n = bt.points.len().max(2);
    let max = bt.points.iter().flat_map(|p| [p.actual, p.forecast]).fold(1.0, f64::max).ceil();
    let x = |i: usize| CHART_LEFT as f64 + i as f64 * CHART_WIDTH as f64 / (n - 1) as f64;
    let y = |v: f64| CHART_TOP as f64 + CHART_HEIGHT as f64 * (1.0 - v / max);
    let line = |pick: &dyn Fn(&BacktestPoint) -> f64| {
        bt.points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(pick(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let y_labels = [0.0, max / 2.0, max]
        .into_iter()
        .map(|v| AxisLabel { x: CHART_LEFT - 6, y: y(v).round() as usize + 4, text: num(lang, v, 1) })
        .collect();
    // Each day's label sits in the middle of its points (23, 24 or 25 hours).
    let x_labels = bt
        .days
        .iter()
        .map(|d| AxisLabel {
            x: x(d.first_point + d.point_count / 2).round() as usize,
            y: CHART_TOP + CHART_HEIGHT + 18,
            text: weekday_short(t, d.weekday),
        })
        .collect();
    let gridlines = bt.days.iter().skip(1).map(|d| x(d.first_point).round() as usize).collect();
    let fmt_share = |v: Option<f64>| v.map(|v| num(lang, v * 100.0, 1)).unwrap_or_else(|| "–".into());
    let label = |p: Option<&BacktestPoint>| p.map(|p| p.local_start.to_string());
    let (first, last) = (label(bt.points.first()), label(bt.points.last()));
    let total_actual: f64 = bt.points.iter().map(|p| p.actual).sum();
    let total_forecast: f64 = bt.points.iter().map(|p| p.forecast).sum();
    Chart {
        title: t.with("planning-chart-title", &[("from", first.unwrap_or_default()), ("to", last.unwrap_or_default())]),
        desc: t.with(
            "planning-chart-desc",
            &[("actual", num(lang, total_actual, 0)), ("forecast", num(lang, total_forecast, 0))],
        ),
        accuracy: t.with(
            "planning-backtest-accuracy",
            &[("wape", fmt_share(bt.wape)), ("mape", fmt_share(bt.mape)), ("naive", fmt_share(bt.naive_wape))],
        ),
        actual_points: line(&|p| p.actual),
        forecast_points: line(&|p| p.forecast),
        y_labels,
        x_labels,
        gridlines,
        days: bt
            .days
            .iter()
            .map(|d| DayRow {
                date: d.date.to_string(),
                weekday: weekday(t, d.weekday),
                actual: num(lang, d.actual, 0),
                forecast: num(lang, d.forecast, 1),
            })
            .collect(),
    }
}

pub(super) fn scenario_name(t: &Tr, number: usize) -> String {
    if number == 0 { t.get("planning-baseline") } else { t.with1("planning-scenario", "n", number.to_string()) }
}

/// The week's totals side by side, and a sentence per scenario.
pub(super) struct TotalsView {
    pub(super) head: Vec<String>,
    pub(super) rows: Vec<TotalsRow>,
    pub(super) summary: Vec<String>,
}

pub(super) fn totals_table(t: &Tr, totals: &[ScenarioTotals]) -> TotalsView {
    let lang = t.lang;
    let base = &totals[0];
    let row = |key: &str, value: &dyn Fn(&ScenarioTotals) -> String| TotalsRow {
        label: t.get(key),
        values: totals.iter().map(value).collect(),
    };
    let rows = vec![
        row("planning-row-moved", &|s| {
            let share = percent(lang, s.moved_share, 1);
            if lang == Lang::Sv { format!("{share} %") } else { format!("{share}%") }
        }),
        row("planning-row-contacts", &|s| num(lang, s.calls, 0)),
        row("planning-row-closed", &|s| num(lang, s.calls_closed, 0)),
        row("planning-row-agent-hours", &|s| num(lang, s.agent_hours, 1)),
        row("planning-row-scheduled-hours", &|s| num(lang, s.scheduled_hours, 1)),
        row("planning-row-peak", &|s| s.peak_scheduled.to_string()),
        row("planning-row-digital-hours", &|s| num(lang, s.digital_hours, 1)),
        row("planning-row-cost", &|s| num(lang, s.cost_sek, 0)),
        row("planning-row-cost-diff", &|s| num(lang, s.cost_sek - base.cost_sek, 0)),
    ];
    let summary = totals[1..]
        .iter()
        .map(|s| {
            let (key, hours) = match s.saving_against(base) {
                Saving::Fewer(h) => ("planning-saving", h),
                Saving::More(h) => ("planning-saving-more", h),
                Saving::None => ("planning-saving-none", 0.0),
            };
            t.with(
                key,
                &[
                    ("scenario", s.number.to_string()),
                    ("share", percent(lang, s.moved_share, 1)),
                    ("hours", num(lang, hours, 1)),
                    ("amount", num(lang, (base.cost_sek - s.cost_sek).abs(), 0)),
                ],
            )
        })
        .collect();
    TotalsView { head: totals.iter().map(|s| scenario_name(t, s.number)).collect(), rows, summary }
}
