//! The supervisor's planning page: forecast, staffing per interval for a
//! chosen week, channel-shift scenarios side by side, and CSV export
//! (`/staff/planning`, `/staff/planning.csv`). The numbers come from
//! `porten_app::planning`; this module only reads the query, checks who is
//! asking and renders (tables, inline SVG with text alternatives).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use porten_app::AppError;
use porten_app::auth::user_actor;
use porten_app::planning::{PlanError, may_plan};
use porten_domain::time::to_stockholm;
use porten_domain::{Channel, Violations};
use porten_planning::{
    AhtSource, BacktestPoint, BacktestView, ContactSource, CsvStyle, DEFAULT_BACKLOG_OCCUPANCY, Forecast, Heads,
    Heatmap, MAX_SCENARIOS, MixShare, NO_SERVICE, OpenDays, PLANNING_CHANNELS, Plan, PlanOutcome, PlanningError,
    PlanningInput, RawPlanningInput, ScenarioTotals, StaffedInterval, Staffing, plannable_weeks, staffing_csv,
};

use crate::AppState;
use crate::auth::{CsrfToken, MaybeUser};
use crate::calendar::closure_name;
use crate::i18n::{Lang, Tr};
use crate::pages::{ErrorLink, Nav, app_error_page, require_role};

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().get("/staff/planning", planning_page).get("/staff/planning.csv", planning_csv)
}

/// `x` with `decimals` decimals, grouped thousands, in the page's language.
pub(crate) fn num(lang: Lang, x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match lang {
        Lang::Sv => ('\u{a0}', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    let negative = x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative { format!("−{out}") } else { out }
}

/// A share as a percentage (0.25 → "25").
fn percent(lang: Lang, share: f64, decimals: usize) -> String {
    num(lang, share * 100.0, decimals)
}

/// A plain decimal for a form field (no grouping).
fn plain(lang: Lang, x: f64) -> String {
    let s = format!("{}", (x * 1e6).round() / 1e6);
    if lang == Lang::Sv { s.replace('.', ",") } else { s }
}

pub(crate) fn weekday(t: &Tr, day: u8) -> String {
    t.get(&format!("weekday-{}", day + 1))
}

/// The weekday of `date`, written out.
pub(crate) fn weekday_of(t: &Tr, date: NaiveDate) -> String {
    weekday(t, date.weekday().num_days_from_monday() as u8)
}

fn weekday_short(t: &Tr, day: u8) -> String {
    t.get(&format!("weekday-short-{}", day + 1))
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

/// A form control: a text input when `options` is empty, else a select.
struct Control {
    id: String,
    label: String,
    hint: String,
    value: String,
    options: Vec<Opt>,
    /// The message shown by the field when its value is wrong (empty: none).
    error: String,
}

struct Fieldset {
    legend: String,
    controls: Vec<Control>,
}

/// One service's row of the channel-shift table: a share input per
/// scenario and the digital handle time.
struct ShiftRow {
    name: String,
    share: String,
    inputs: Vec<Control>,
}

struct TotalsRow {
    label: String,
    values: Vec<String>,
}

struct Cell {
    x: usize,
    y: usize,
    fill: &'static str,
}

struct AxisLabel {
    x: usize,
    y: usize,
    text: String,
}

struct HeatRow {
    day: String,
    values: Vec<String>,
}

struct StaffRow {
    date: String,
    weekday: String,
    time: String,
    calls: String,
    aht: String,
    agents: String,
    scheduled: String,
    service_level: String,
    asa: String,
    occupancy: String,
    abandon: String,
    scenarios: Vec<String>,
}

struct DayRow {
    date: String,
    weekday: String,
    actual: String,
    forecast: String,
}

struct Chart {
    title: String,
    desc: String,
    accuracy: String,
    actual_points: String,
    forecast_points: String,
    y_labels: Vec<AxisLabel>,
    x_labels: Vec<AxisLabel>,
    gridlines: Vec<usize>,
    days: Vec<DayRow>,
}

struct Ready {
    week: String,
    totals_head: Vec<String>,
    totals: Vec<TotalsRow>,
    summary: Vec<String>,
    heat_cells: Vec<Cell>,
    heat_days: Vec<AxisLabel>,
    heat_hours: Vec<AxisLabel>,
    heat_desc: String,
    heat_rows: Vec<HeatRow>,
    hours: Vec<String>,
    chart: Option<Chart>,
    erlang_a: bool,
    scenario_heads: Vec<String>,
    rows: Vec<StaffRow>,
    closed_note: String,
    holidays: Option<String>,
    /// Holidays and eves kept open by decision.
    kept_open: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning.html")]
struct PlanningPage {
    t: Tr,
    nav: Nav,
    fieldsets: Vec<Fieldset>,
    scenario_cols: Vec<String>,
    shift_rows: Vec<ShiftRow>,
    /// The distinct messages of the shift table's wrong fields.
    shift_errors: Vec<String>,
    errors: Vec<ErrorLink>,
    basis: Vec<String>,
    notice: Option<String>,
    ready: Option<Ready>,
    csv_href: String,
    /// The same, with semicolons and decimal commas.
    csv_sv_href: String,
}

/// Heatmap colours, light to dark (the table carries the values).
const SHADES: [&str; 6] = ["#ffffff", "#dbe6f3", "#a9c3e3", "#6f97c9", "#3b6aa6", "#1d3557"];

const HEAT_LEFT: usize = 48;
const HEAT_TOP: usize = 22;
const HEAT_CELL: usize = 26;
const CHART_LEFT: usize = 48;
const CHART_TOP: usize = 12;
const CHART_WIDTH: usize = 672;
const CHART_HEIGHT: usize = 200;

/// The value a number field shows: what was typed, else the setting.
fn shown(raw: &RawPlanningInput, lang: Lang, id: &str, value: Option<f64>) -> String {
    match raw.get(id) {
        Some(typed) => typed.to_owned(),
        None => value.map(|v| plain(lang, v)).unwrap_or_default(),
    }
}

struct FormContext<'a> {
    t: &'a Tr,
    raw: &'a RawPlanningInput,
    errors: &'a Violations,
}

impl FormContext<'_> {
    fn error(&self, id: &str) -> String {
        self.errors.0.iter().find(|v| v.field == id).map(|v| error_message(self.t, id, v.code)).unwrap_or_default()
    }

    fn text(&self, id: &str, value: Option<f64>) -> Control {
        Control {
            id: id.to_owned(),
            label: self.t.get(&format!("planning-{id}")),
            hint: self.t.get(&format!("planning-{id}-hint")),
            value: shown(self.raw, self.t.lang, id, value),
            options: Vec::new(),
            error: self.error(id),
        }
    }

    fn select(&self, id: &str, current: &str, options: Vec<(String, String)>) -> Control {
        let chosen = self.raw.get(id).unwrap_or(current).to_owned();
        Control {
            id: id.to_owned(),
            label: self.t.get(&format!("planning-{id}")),
            hint: self.t.get(&format!("planning-{id}-hint")),
            value: chosen.clone(),
            options: options
                .into_iter()
                .map(|(value, label)| Opt { selected: value == chosen, value, label })
                .collect(),
            error: self.error(id),
        }
    }
}

fn week_label(t: &Tr, monday: NaiveDate) -> String {
    let sunday = monday + Duration::days(6);
    t.with(
        "planning-week-option",
        &[("week", monday.iso_week().week().to_string()), ("from", monday.to_string()), ("to", sunday.to_string())],
    )
}

fn fieldsets(cx: &FormContext, input: &PlanningInput, today: NaiveDate, week: NaiveDate) -> Vec<Fieldset> {
    let t = cx.t;
    let channels =
        PLANNING_CHANNELS.iter().map(|c| (c.as_str().to_owned(), t.get(&format!("channel-{}", c.as_str())))).collect();
    let intervals = [15, 30, 60].iter().map(|m| (m.to_string(), t.with1("planning-minutes", "n", m.to_string())));
    let weeks = plannable_weeks(today).into_iter().map(|m| (m.to_string(), week_label(t, m))).collect();
    let hours = |range: std::ops::RangeInclusive<u32>| range.map(|h| (h.to_string(), format!("{h:02}:00"))).collect();
    let days = ["weekdays", "all"].iter().map(|d| ((*d).to_owned(), t.get(&format!("planning-days-{d}")))).collect();
    let days_now = match input.days {
        OpenDays::Weekdays => "weekdays",
        OpenDays::All => "all",
    };
    vec![
        Fieldset {
            legend: t.get("planning-legend-what"),
            controls: vec![
                cx.select("channel", input.channel.as_str(), channels),
                cx.select("week", &week.to_string(), weeks),
                cx.select("interval", &input.interval_minutes.to_string(), intervals.collect()),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-hours"),
            controls: vec![
                cx.select("opens", &input.opens.to_string(), hours(0..=23)),
                cx.select("closes", &input.closes.to_string(), hours(1..=24)),
                cx.select("days", days_now, days),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-goal"),
            controls: vec![
                cx.text("service_level", Some(input.service_level)),
                cx.text("target_seconds", Some(input.target_seconds)),
                cx.text("patience_seconds", input.patience_seconds),
                cx.text("max_abandon", input.max_abandon),
                cx.text("max_occupancy", input.max_occupancy),
            ],
        },
        Fieldset {
            legend: t.get("planning-legend-resources"),
            controls: vec![
                cx.text("aht_seconds", input.aht_seconds),
                cx.text("shrinkage", Some(input.shrinkage)),
                cx.text("cost_per_hour", Some(input.cost_per_hour)),
            ],
        },
    ]
}

/// A service's name in both languages.
struct ServiceName {
    sv: String,
    en: String,
}

/// Service code → its names.
type ServiceNames = BTreeMap<String, ServiceName>;

/// The name of a mix key in the page's language.
fn service_name(t: &Tr, names: &ServiceNames, key: &str) -> String {
    if key == NO_SERVICE {
        return t.get("planning-no-service");
    }
    match names.get(key) {
        Some(name) => (if t.lang == Lang::Sv { &name.sv } else { &name.en }).clone(),
        None => key.to_owned(),
    }
}

fn shift_rows(cx: &FormContext, input: &PlanningInput, mix: &[MixShare], names: &ServiceNames) -> Vec<ShiftRow> {
    let t = cx.t;
    mix.iter()
        .map(|m| {
            let name = service_name(t, names, &m.key);
            let mut inputs: Vec<Control> = (0..MAX_SCENARIOS)
                .map(|k| {
                    let id = format!("shift{}-{}", k + 1, m.key);
                    let value = input.scenarios[k].get(&m.key).copied();
                    Control {
                        label: t.with(
                            "planning-shift-label",
                            &[("scenario", (k + 1).to_string()), ("service", name.clone())],
                        ),
                        hint: String::new(),
                        value: shown(cx.raw, t.lang, &id, value),
                        options: Vec::new(),
                        error: cx.error(&id),
                        id,
                    }
                })
                .collect();
            let id = format!("digital-{}", m.key);
            inputs.push(Control {
                label: t.with1("planning-digital-label", "service", name.clone()),
                hint: String::new(),
                value: shown(cx.raw, t.lang, &id, Some(input.digital_aht_of(&m.key))),
                options: Vec::new(),
                error: cx.error(&id),
                id,
            });
            ShiftRow { name, share: percent(t.lang, m.share, 1), inputs }
        })
        .collect()
}

/// The error summary's message for a field (scenario fields share one).
fn error_message(t: &Tr, field: &str, code: &str) -> String {
    if field.starts_with("shift") {
        return t.get("planning-error-shift");
    }
    if field.starts_with("digital-") {
        return t.get("planning-error-digital");
    }
    match (field, code) {
        ("max_abandon", "requires_patience") => return t.get("planning-error-max_abandon-patience"),
        ("closes", "invalid") => return t.get("planning-error-closes-choice"),
        _ => {}
    }
    t.get(&format!("planning-error-{field}"))
}

/// The heatmap as drawn (cells and axis labels) and as a table.
struct HeatmapView {
    cells: Vec<Cell>,
    days: Vec<AxisLabel>,
    hours: Vec<AxisLabel>,
    rows: Vec<HeatRow>,
    desc: String,
}

fn heatmap(t: &Tr, heat: &Heatmap) -> HeatmapView {
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

fn chart(t: &Tr, bt: &BacktestView) -> Chart {
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

fn scenario_name(t: &Tr, number: usize) -> String {
    if number == 0 { t.get("planning-baseline") } else { t.with1("planning-scenario", "n", number.to_string()) }
}

/// The week's totals side by side, and a sentence per scenario.
struct TotalsView {
    head: Vec<String>,
    rows: Vec<TotalsRow>,
    summary: Vec<String>,
}

fn totals_table(t: &Tr, totals: &[ScenarioTotals]) -> TotalsView {
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
            let hours = base.scheduled_hours - s.scheduled_hours - s.digital_hours;
            // Under a tenth of an hour (what one decimal shows) is no change.
            let key = match hours {
                h if h >= 0.05 => "planning-saving",
                h if h <= -0.05 => "planning-saving-more",
                _ => "planning-saving-none",
            };
            t.with(
                key,
                &[
                    ("scenario", s.number.to_string()),
                    ("share", percent(lang, s.moved_share, 1)),
                    ("hours", num(lang, hours.abs(), 1)),
                    ("amount", num(lang, (base.cost_sek - s.cost_sek).abs(), 0)),
                ],
            )
        })
        .collect();
    TotalsView { head: totals.iter().map(|s| scenario_name(t, s.number)).collect(), rows, summary }
}

fn staff_row(t: &Tr, input: &PlanningInput, r: &StaffedInterval, s: &Staffing) -> StaffRow {
    let lang = t.lang;
    let (live, shrinkage) = (input.channel.is_live(), input.shrinkage);
    let heads = s.heads(live, shrinkage);
    StaffRow {
        date: r.local_start.date.to_string(),
        weekday: weekday(t, r.weekday),
        time: r.local_start.time(),
        calls: num(lang, r.calls, 1),
        aht: num(lang, r.aht_seconds, 0),
        agents: num(lang, heads.on_duty, heads.decimals),
        scheduled: num(lang, heads.scheduled, heads.decimals),
        service_level: s.service_level.map(|x| percent(lang, x, 1)).unwrap_or_else(|| "–".into()),
        asa: s.asa_seconds.map(|x| num(lang, x, 0)).unwrap_or_else(|| "–".into()),
        occupancy: percent(lang, s.occupancy, 0),
        abandon: s.abandon_rate.map(|a| percent(lang, a, 1)).unwrap_or_default(),
        scenarios: r
            .scenarios
            .iter()
            .map(|scenario| {
                let heads = scenario.staffing.map_or(Heads::NONE, |s| s.heads(live, shrinkage));
                num(lang, heads.scheduled, heads.decimals)
            })
            .collect(),
    }
}

fn ready(t: &Tr, plan: &Plan, f: &Forecast) -> Ready {
    let lang = t.lang;
    let totals = totals_table(t, &f.totals);
    let heat = heatmap(t, &f.heatmap);
    let rows: Vec<StaffRow> =
        f.intervals.iter().filter_map(|r| r.staffing.as_ref().map(|s| staff_row(t, &plan.input, r, s))).collect();
    let none_open = rows.is_empty();
    Ready {
        week: t.with1("planning-forecast-week", "week", week_label(t, plan.week)),
        totals_head: totals.head,
        totals: totals.rows,
        summary: totals.summary,
        heat_cells: heat.cells,
        heat_days: heat.days,
        heat_hours: heat.hours,
        heat_desc: heat.desc,
        heat_rows: heat.rows,
        hours: (0..24).map(|h| format!("{h:02}")).collect(),
        chart: f.backtest.as_ref().map(|bt| chart(t, bt)),
        erlang_a: plan.input.patience_seconds.is_some(),
        scenario_heads: f.totals[1..].iter().map(|s| scenario_name(t, s.number)).collect(),
        rows,
        closed_note: t.with1(
            match (none_open, plan.input.channel.is_live()) {
                (true, _) => "planning-no-open",
                (false, true) => "planning-closed-note",
                (false, false) => "planning-closed-note-backlog",
            },
            "contacts",
            num(lang, f.totals[0].calls_closed, 0),
        ),
        kept_open: (!f.kept_open.is_empty()).then(|| {
            let days: Vec<String> = f
                .kept_open
                .iter()
                .map(|k| {
                    let (d, note, day) = (k.date, &k.note, weekday_of(t, k.date));
                    let name = t.get(&format!("holiday-{}", k.holiday));
                    if note.is_empty() { format!("{day} {d}: {name}") } else { format!("{day} {d}: {name} ({note})") }
                })
                .collect();
            t.with1("planning-kept-open", "days", days.join(", "))
        }),
        holidays: (!f.holidays.is_empty()).then(|| {
            let days: Vec<String> = f
                .holidays
                .iter()
                .map(|c| {
                    let day = weekday_of(t, c.date);
                    format!("{day} {}: {}", c.date, closure_name(t, &c.closure))
                })
                .collect();
            t.with1("planning-holidays", "days", days.join(", "))
        }),
    }
}

fn basis(t: &Tr, plan: &Plan) -> Vec<String> {
    let lang = t.lang;
    let channel = t.get(&format!("channel-{}", plan.input.channel.as_str()));
    let source = match plan.source {
        ContactSource::Platform => "planning-source-platform",
        ContactSource::Acd => "planning-source-acd",
    };
    let aht = match plan.aht_source {
        AhtSource::Typed => "planning-aht-typed",
        AhtSource::Acd => "planning-aht-acd",
        AhtSource::Log => "planning-aht-log",
        AhtSource::Default => "planning-aht-default",
    };
    let model = match (plan.input.channel.is_live(), plan.input.patience_seconds) {
        (false, _) => t.with1(
            "planning-model-backlog",
            "occupancy",
            percent(lang, plan.input.max_occupancy.unwrap_or(DEFAULT_BACKLOG_OCCUPANCY), 0),
        ),
        (true, Some(_)) => t.get("planning-model-a"),
        (true, None) => t.get("planning-model-c"),
    };
    vec![
        t.with(
            "planning-basis",
            &[
                ("channel", channel),
                ("contacts", num(lang, plan.contacts as f64, 0)),
                ("weeks", plan.weeks.to_string()),
                ("from", to_stockholm(plan.history_from).date_naive().to_string()),
                ("to", to_stockholm(plan.history_to - chrono::Duration::seconds(1)).date_naive().to_string()),
            ],
        ),
        t.get(source),
        t.with1(aht, "seconds", num(lang, plan.aht_seconds, 0)),
        model,
    ]
}

/// Why no plan could be made, in the page's language, with the numbers the
/// error carries.
fn infeasible(t: &Tr, e: &PlanningError) -> String {
    let mut args: Vec<(&'static str, String)> =
        e.numbers().into_iter().map(|(name, v)| (name, num(t.lang, v, if v.fract() == 0.0 { 0 } else { 2 }))).collect();
    if let PlanningError::WeekHasBegun { week } = e {
        args.push(("week", week_label(t, *week)));
    }
    t.with1("planning-infeasible", "reason", t.with(&format!("planning-failure-{}", e.code()), &args))
}

async fn service_names(state: &AppState) -> Result<ServiceNames, AppError> {
    let services = state.app.services(None).await?;
    Ok(services.into_iter().map(|s| (s.code, ServiceName { sv: s.name_sv, en: s.name_en })).collect())
}

/// Reads the query against the typed channel's measured service mix (which
/// scenario fields exist): the settings or what is wrong, and the mix.
async fn read_query(
    state: &AppState,
    actor: &porten_domain::Actor,
    raw: &RawPlanningInput,
    today: NaiveDate,
) -> Result<(Result<PlanningInput, Violations>, Vec<MixShare>), AppError> {
    let typed = raw.get("channel").and_then(|c| Channel::parse(c.trim())).filter(|c| PLANNING_CHANNELS.contains(c));
    let mix = state.app.planning_mix(actor, typed.unwrap_or(PlanningInput::default().channel)).await?;
    let input = PlanningInput::parse(raw, today, |key| mix.iter().any(|m| m.key == key));
    Ok((input, mix))
}

async fn planning_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(raw): Query<RawPlanningInput>,
) -> Response {
    let user = match require_role(user, &t, &csrf, may_plan) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let today = to_stockholm(state.app.now()).date_naive();
    let actor = user_actor(&user);
    let read = match read_query(&state, &actor, &raw, today).await {
        Ok(read) => read,
        Err(e) => return app_error_page(t, nav, e),
    };
    let names = match service_names(&state).await {
        Ok(names) => names,
        Err(e) => return app_error_page(t, nav, e),
    };
    let (input, errors, mix) = match read {
        (Ok(input), mix) => (input, Violations::new(), mix),
        (Err(v), mix) => (PlanningInput::default(), v, mix),
    };
    let week = input.week.unwrap_or_else(|| plannable_weeks(today)[0]);
    let cx = FormContext { t: &t, raw: &raw, errors: &errors };
    let mut link_query = raw.0.clone();
    link_query.remove("csv");
    let query = serde_urlencoded::to_string(&link_query).unwrap_or_default();
    let fieldsets = fieldsets(&cx, &input, today, week);
    let shift_rows = shift_rows(&cx, &input, &mix, &names);
    let mut shift_errors: Vec<String> = Vec::new();
    for c in shift_rows.iter().flat_map(|r| &r.inputs) {
        if !c.error.is_empty() && !shift_errors.contains(&c.error) {
            shift_errors.push(c.error.clone());
        }
    }
    // The summary follows the form: its fields in order, then the shift
    // table row by row; a table cell is named by its label.
    let controls: Vec<&Control> =
        fieldsets.iter().flat_map(|fs| &fs.controls).chain(shift_rows.iter().flat_map(|r| &r.inputs)).collect();
    let mut ordered: Vec<(usize, &porten_domain::FieldViolation)> =
        errors.0.iter().map(|v| (controls.iter().position(|c| c.id == v.field).unwrap_or(usize::MAX), v)).collect();
    ordered.sort_by_key(|(position, _)| *position);
    let error_links = ordered
        .into_iter()
        .map(|(position, v)| {
            let message = error_message(&t, &v.field, v.code);
            let message = match controls.get(position) {
                Some(c) if c.hint.is_empty() => format!("{}: {message}", c.label),
                _ => message,
            };
            ErrorLink { id: v.field.clone(), message }
        })
        .collect();
    let mut page = PlanningPage {
        fieldsets,
        scenario_cols: (1..=MAX_SCENARIOS).map(|k| scenario_name(&t, k)).collect(),
        shift_errors,
        shift_rows,
        errors: error_links,
        basis: Vec::new(),
        notice: None,
        ready: None,
        csv_href: format!("/staff/planning.csv?{query}"),
        csv_sv_href: format!("/staff/planning.csv?{query}&csv=sv"),
        t,
        nav,
    };
    if !errors.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    let plan = match state.app.plan(&actor, input).await {
        Ok(p) => p,
        Err(PlanError::Planning(e)) => {
            page.notice = Some(infeasible(&page.t, &e));
            return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
        }
        Err(PlanError::App(e)) => return app_error_page(page.t, page.nav, e),
    };
    let t = &page.t;
    page.basis = basis(t, &plan);
    let channel = t.get(&format!("channel-{}", plan.input.channel.as_str()));
    match &plan.outcome {
        PlanOutcome::NoContacts => page.notice = Some(t.with1("planning-no-contacts", "channel", channel)),
        PlanOutcome::TooLittleHistory { weeks, needed } => {
            page.notice =
                Some(t.with("planning-too-little", &[("weeks", weeks.to_string()), ("needed", needed.to_string())]))
        }
        PlanOutcome::Ready(f) => page.ready = Some(ready(t, &plan, f)),
    }
    page.into_response()
}

async fn planning_csv(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(raw): Query<RawPlanningInput>,
) -> Response {
    let user = match require_role(user, &t, &csrf, may_plan) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let plain_error = |status, text: String| {
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text + "\n").into_response()
    };
    let today = to_stockholm(state.app.now()).date_naive();
    let actor = user_actor(&user);
    let input = match read_query(&state, &actor, &raw, today).await {
        Ok((Ok(input), _)) => input,
        Ok((Err(v), _)) => return plain_error(StatusCode::UNPROCESSABLE_ENTITY, format!("invalid input: {v}")),
        Err(e) => return app_error_page(t, Nav::new(Some(&user), &csrf), e),
    };
    let style = if raw.get("csv") == Some("sv") { CsvStyle::Swedish } else { CsvStyle::Plain };
    match state.app.plan(&actor, input).await {
        Ok(plan) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"porten-staffing-{}-{}{}.csv\"",
                        plan.input.channel.as_str(),
                        plan.week,
                        if style == CsvStyle::Swedish { "-sv" } else { "" }
                    ),
                ),
            ],
            staffing_csv(&plan, style),
        )
            .into_response(),
        Err(PlanError::Planning(e)) => plain_error(StatusCode::UNPROCESSABLE_ENTITY, infeasible(&t, &e)),
        Err(PlanError::App(e)) => app_error_page(t, Nav::new(Some(&user), &csrf), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porten_planning::{ErlangError, ForecastError};

    #[test]
    fn planning_errors_are_told_in_the_page_language_with_their_numbers() {
        let sv = Tr { lang: Lang::Sv, city: "Lindhamn".into(), here: "/staff/planning".into() };
        let en = Tr { lang: Lang::En, ..sv.clone() };
        let no_staffing = PlanningError::Staffing(ErlangError::NoFeasibleStaffing { limit: 10_000_000 });
        assert_eq!(
            infeasible(&sv, &no_staffing),
            "Det går inte att bemanna med de här förutsättningarna: ingen bemanning upp till 10\u{a0}000\u{a0}000 \
             personer når målen. Ändra målen och försök igen."
        );
        assert!(infeasible(&en, &no_staffing).contains(": no staffing up to 10,000,000 people meets the goals."));
        let aht = PlanningError::Staffing(ErlangError::InvalidHandlingTime(0.0));
        assert!(infeasible(&sv, &aht).contains("hanteringstiden i ett intervall med kontakter är 0 sekunder"));
        let data = PlanningError::Forecast(ForecastError::NotEnoughData { needed: 336, got: 168 });
        assert!(infeasible(&en, &data).contains(": 168 intervals of measured contacts are not enough"));
        let begun = PlanningError::WeekHasBegun { week: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap() };
        assert!(infeasible(&sv, &begun).contains(": v. 49 (2026-11-30 – 2026-12-06) har redan börjat"));
        // Every kind has a message in both languages: none falls back to its key.
        let other = PlanningError::Staffing(ErlangError::NoAgents);
        for (t, e) in [&sv, &en].into_iter().flat_map(|t| [&no_staffing, &aht, &data, &begun, &other].map(|e| (t, e))) {
            assert!(!infeasible(t, e).contains("planning-failure"), "{e:?}");
        }
    }

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(num(Lang::Sv, 12345.678, 1), "12\u{a0}345,7");
        assert_eq!(num(Lang::En, 12345.678, 0), "12,346");
        assert_eq!(num(Lang::En, -1500.0, 0), "−1,500");
        assert_eq!(num(Lang::Sv, -0.01, 0), "0");
        assert_eq!(num(Lang::En, 999.0, 0), "999");
        assert_eq!(percent(Lang::Sv, 0.3, 0), "30");
        assert_eq!(plain(Lang::Sv, 0.8), "0,8");
        assert_eq!(plain(Lang::En, 450.0), "450");
    }
}
