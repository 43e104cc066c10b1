//! The supervisor's planning page: forecast, staffing, channel-shift scenario
//! and CSV export (`/staff/planning`, `/staff/planning.csv`). The numbers come
//! from `porten_app::planning`; this module only validates the query, checks
//! who is asking and renders (tables, inline SVG with text alternatives).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use porten_app::AppError;
use porten_app::auth::user_actor;
use porten_app::planning::{
    ContactSource, PLANNING_CHANNELS, Plan, PlanOutcome, PlanningInput, RawPlanningInput, may_plan, staffing_csv,
};
use porten_domain::Violations;
use porten_store::User;

use crate::AppState;
use crate::auth::{CsrfToken, MaybeUser};
use crate::i18n::{Lang, Tr, local_time};
use crate::pages::{Nav, app_error_page, error_page, require_role};

pub fn routes() -> Router<AppState> {
    Router::new().route("/staff/planning", get(planning_page)).route("/staff/planning.csv", get(planning_csv))
}

/// The signed-in planner, or the response to send instead.
fn require_planner(user: Option<User>, t: &Tr, csrf: &CsrfToken) -> Result<User, Box<Response>> {
    require_role(user, t, csrf, may_plan)
}

/// The numeric fields of the form, in order.
const NUMBER_FIELDS: [&str; 7] =
    ["service_level", "target_seconds", "aht_seconds", "shrinkage", "shift", "digital_aht_seconds", "cost_per_hour"];

/// `x` with `decimals` decimals, grouped thousands, in the page's language.
fn num(lang: Lang, x: f64, decimals: usize) -> String {
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

/// A share as a whole percentage (0.25 → "25").
fn percent(lang: Lang, share: f64) -> String {
    num(lang, share * 100.0, 0)
}

fn weekday(t: &Tr, day: u8) -> String {
    t.get(&format!("weekday-{}", day + 1))
}

fn weekday_short(t: &Tr, day: u8) -> String {
    t.get(&format!("weekday-short-{}", day + 1))
}

struct ChannelOption {
    value: &'static str,
    label: String,
    selected: bool,
}

struct Field {
    id: &'static str,
    label: String,
    hint: String,
    value: String,
    invalid: bool,
}

struct ErrorLink {
    id: String,
    message: String,
}

struct ScenarioRow {
    label: String,
    before: String,
    after: String,
    diff: String,
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
    hour: String,
    calls: String,
    agents: u32,
    scheduled: u32,
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
    scenario: Vec<ScenarioRow>,
    scenario_after: String,
    saving: String,
    heat_cells: Vec<Cell>,
    heat_days: Vec<AxisLabel>,
    heat_hours: Vec<AxisLabel>,
    heat_desc: String,
    heat_rows: Vec<HeatRow>,
    hours: Vec<String>,
    chart: Option<Chart>,
    rows: Vec<StaffRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning.html")]
struct PlanningPage {
    t: Tr,
    nav: Nav,
    channels: Vec<ChannelOption>,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    basis: Option<String>,
    notice: Option<String>,
    ready: Option<Ready>,
    csv_href: String,
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

fn typed(raw: &RawPlanningInput, id: &str) -> Option<String> {
    match id {
        "service_level" => raw.service_level.clone(),
        "target_seconds" => raw.target_seconds.clone(),
        "aht_seconds" => raw.aht_seconds.clone(),
        "shrinkage" => raw.shrinkage.clone(),
        "shift" => raw.shift.clone(),
        "digital_aht_seconds" => raw.digital_aht_seconds.clone(),
        "cost_per_hour" => raw.cost_per_hour.clone(),
        _ => None,
    }
}

fn value_of(input: &PlanningInput, id: &str) -> f64 {
    match id {
        "service_level" => input.service_level,
        "target_seconds" => input.target_seconds,
        "aht_seconds" => input.aht_seconds,
        "shrinkage" => input.shrinkage,
        "shift" => input.shift,
        "digital_aht_seconds" => input.digital_aht_seconds,
        _ => input.cost_per_hour,
    }
}

/// A plain decimal for a query string or a form field (no grouping).
fn plain(lang: Lang, x: f64) -> String {
    let s = format!("{}", (x * 1e6).round() / 1e6);
    if lang == Lang::Sv { s.replace('.', ",") } else { s }
}

fn query_of(input: &PlanningInput) -> String {
    let pairs = [
        ("channel", input.channel.as_str().to_owned()),
        ("service_level", plain(Lang::En, input.service_level)),
        ("target_seconds", plain(Lang::En, input.target_seconds)),
        ("aht_seconds", plain(Lang::En, input.aht_seconds)),
        ("shrinkage", plain(Lang::En, input.shrinkage)),
        ("shift", plain(Lang::En, input.shift)),
        ("digital_aht_seconds", plain(Lang::En, input.digital_aht_seconds)),
        ("cost_per_hour", plain(Lang::En, input.cost_per_hour)),
    ];
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn form(
    t: &Tr,
    raw: &RawPlanningInput,
    shown: &PlanningInput,
    errors: &Violations,
) -> (Vec<ChannelOption>, Vec<Field>) {
    let channel_typed = raw.channel.as_deref().unwrap_or(shown.channel.as_str());
    let channels = PLANNING_CHANNELS
        .into_iter()
        .map(|c| ChannelOption {
            value: c.as_str(),
            label: t.get(&format!("channel-{}", c.as_str())),
            selected: c.as_str() == channel_typed,
        })
        .collect();
    let fields = NUMBER_FIELDS
        .into_iter()
        .map(|id| Field {
            id,
            label: t.get(&format!("planning-{id}")),
            hint: t.get(&format!("planning-{id}-hint")),
            value: typed(raw, id).unwrap_or_else(|| plain(t.lang, value_of(shown, id))),
            invalid: errors.0.iter().any(|v| v.field == id),
        })
        .collect();
    (channels, fields)
}

fn heatmap(t: &Tr, heat: &[[f64; 24]; 7]) -> (Vec<Cell>, Vec<AxisLabel>, Vec<AxisLabel>, Vec<HeatRow>, String) {
    let lang = t.lang;
    let max = heat.iter().flatten().copied().fold(0.0, f64::max);
    let mut cells = Vec::new();
    let mut peak = (0usize, 0usize);
    for (d, row) in heat.iter().enumerate() {
        for (h, v) in row.iter().enumerate() {
            if *v > heat[peak.0][peak.1] {
                peak = (d, h);
            }
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
        .iter()
        .enumerate()
        .map(|(d, row)| HeatRow { day: weekday(t, d as u8), values: row.iter().map(|v| num(lang, *v, 1)).collect() })
        .collect();
    let desc = t.with(
        "planning-heatmap-desc",
        &[("max", num(lang, max, 1)), ("day", weekday(t, peak.0 as u8)), ("hour", format!("{:02}:00", peak.1))],
    );
    (cells, days, hours, rows, desc)
}

fn chart(t: &Tr, bt: &porten_app::planning::BacktestView) -> Chart {
    let lang = t.lang;
    let n = bt.points.len().max(2);
    let max = bt.points.iter().flat_map(|(_, a, f)| [*a, *f]).fold(1.0, f64::max).ceil();
    let x = |i: usize| CHART_LEFT as f64 + i as f64 * CHART_WIDTH as f64 / (n - 1) as f64;
    let y = |v: f64| CHART_TOP as f64 + CHART_HEIGHT as f64 * (1.0 - v / max);
    let line = |pick: &dyn Fn(&(String, f64, f64)) -> f64| {
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
    let x_labels = bt
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| AxisLabel {
            x: x(i * 24 + 12).round() as usize,
            y: CHART_TOP + CHART_HEIGHT + 18,
            text: weekday_short(t, d.1),
        })
        .collect();
    let gridlines = (1..bt.days.len()).map(|i| x(i * 24).round() as usize).collect();
    let fmt_share = |v: Option<f64>| v.map(|v| num(lang, v * 100.0, 1)).unwrap_or_else(|| "–".into());
    let (first, last) = (bt.points.first().map(|p| p.0.clone()), bt.points.last().map(|p| p.0.clone()));
    let total_actual: f64 = bt.points.iter().map(|p| p.1).sum();
    let total_forecast: f64 = bt.points.iter().map(|p| p.2).sum();
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
        actual_points: line(&|p| p.1),
        forecast_points: line(&|p| p.2),
        y_labels,
        x_labels,
        gridlines,
        days: bt
            .days
            .iter()
            .map(|d| DayRow {
                date: d.0.clone(),
                weekday: weekday(t, d.1),
                actual: num(lang, d.2, 0),
                forecast: num(lang, d.3, 1),
            })
            .collect(),
    }
}

fn ready(t: &Tr, plan: &Plan, f: &porten_app::planning::Forecast) -> Ready {
    let lang = t.lang;
    let share = percent(lang, plan.input.shift);
    let row = |key: &str, before: f64, after: f64, decimals: usize| ScenarioRow {
        label: t.get(key),
        before: num(lang, before, decimals),
        after: num(lang, after, decimals),
        diff: num(lang, after - before, decimals),
    };
    let scenario = vec![
        row("planning-row-contacts", f.before.calls, f.after.calls, 0),
        row("planning-row-agent-hours", f.before.agent_hours, f.after.agent_hours, 0),
        row("planning-row-scheduled-hours", f.before.scheduled_hours, f.after.scheduled_hours, 0),
        row("planning-row-digital-hours", f.before.digital_hours, f.after.digital_hours, 0),
        row("planning-row-cost", f.before.cost_sek, f.after.cost_sek, 0),
    ];
    let saving = if plan.input.shift > 0.0 && f.after.cost_sek >= f.before.cost_sek {
        t.with1("planning-saving-none", "share", share.clone())
    } else if plan.input.shift > 0.0 {
        t.with(
            "planning-saving",
            &[
                ("share", share.clone()),
                ("amount", num(lang, f.before.cost_sek - f.after.cost_sek, 0)),
                (
                    "hours",
                    num(
                        lang,
                        f.before.scheduled_hours + f.before.digital_hours
                            - f.after.scheduled_hours
                            - f.after.digital_hours,
                        0,
                    ),
                ),
            ],
        )
    } else {
        t.get("planning-no-shift")
    };
    let (heat_cells, heat_days, heat_hours, heat_rows, heat_desc) = heatmap(t, &f.heatmap);
    let rows: Vec<StaffRow> = f
        .intervals
        .iter()
        .map(|r| StaffRow {
            date: r.local_start[..10].to_owned(),
            weekday: weekday(t, r.weekday),
            hour: r.local_start[11..].to_owned(),
            calls: num(lang, r.calls, 1),
            agents: r.agents,
            scheduled: r.scheduled,
        })
        .collect();
    let week = t.with(
        "planning-forecast-week",
        &[
            ("from", rows.first().map(|r| r.date.clone()).unwrap_or_default()),
            ("to", rows.last().map(|r| r.date.clone()).unwrap_or_default()),
        ],
    );
    Ready {
        week,
        scenario,
        scenario_after: t.with1("planning-col-after", "share", share),
        saving,
        heat_cells,
        heat_days,
        heat_hours,
        heat_desc,
        heat_rows,
        hours: (0..24).map(|h| format!("{h:02}")).collect(),
        chart: f.backtest.as_ref().map(|bt| chart(t, bt)),
        rows,
    }
}

async fn planning_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(raw): Query<RawPlanningInput>,
) -> Response {
    let user = match require_planner(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let lang = t.lang;
    let (input, errors) = match PlanningInput::parse(&raw) {
        Ok(i) => (i, Violations::new()),
        Err(v) => (PlanningInput::default(), v),
    };
    let (channels, fields) = form(&t, &raw, &input, &errors);
    let mut page = PlanningPage {
        errors: errors
            .0
            .iter()
            .map(|v| ErrorLink { id: v.field.clone(), message: t.get(&format!("planning-error-{}", v.field)) })
            .collect(),
        channels,
        fields,
        basis: None,
        notice: None,
        ready: None,
        csv_href: format!("/staff/planning.csv?{}", query_of(&input)),
        t,
        nav,
    };
    if !errors.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    let plan = match state.app.plan(&user_actor(&user), input).await {
        Ok(p) => p,
        Err(AppError::Forbidden) => return error_page(page.t, page.nav, StatusCode::FORBIDDEN),
        Err(e) => return app_error_page(page.t, page.nav, e),
    };
    let t = &page.t;
    let channel = t.get(&format!("channel-{}", input.channel.as_str()));
    let source_key = match plan.source {
        ContactSource::Errands => "planning-source-errands",
        ContactSource::Acd => "planning-source-acd",
    };
    let basis = t.with(
        "planning-basis",
        &[
            ("channel", channel.clone()),
            ("contacts", num(lang, plan.contacts as f64, 0)),
            ("weeks", plan.weeks.to_string()),
            ("from", local_time(plan.history_from)[..10].to_owned()),
            ("to", local_time(plan.history_to - chrono::Duration::seconds(1))[..10].to_owned()),
        ],
    );
    let measured = plan
        .measured_aht_seconds
        .map(|aht| format!(" {}", t.with1("planning-measured-aht", "seconds", num(lang, aht, 0))))
        .unwrap_or_default();
    page.basis = Some(format!("{basis} {}{measured}", t.get(source_key)));
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
    let user = match require_planner(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let input = match PlanningInput::parse(&raw) {
        Ok(i) => i,
        Err(v) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("invalid input: {v}\n"),
            )
                .into_response();
        }
    };
    match state.app.plan(&user_actor(&user), input).await {
        Ok(plan) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"porten-staffing-{}.csv\"", input.channel.as_str()),
                ),
            ],
            staffing_csv(&plan),
        )
            .into_response(),
        Err(e) => app_error_page(t, Nav::new(Some(&user), &csrf), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(num(Lang::Sv, 12345.678, 1), "12\u{a0}345,7");
        assert_eq!(num(Lang::En, 12345.678, 0), "12,346");
        assert_eq!(num(Lang::En, -1500.0, 0), "−1,500");
        assert_eq!(num(Lang::Sv, -0.01, 0), "0");
        assert_eq!(num(Lang::En, 999.0, 0), "999");
        assert_eq!(percent(Lang::Sv, 0.3), "30");
        assert_eq!(plain(Lang::Sv, 0.8), "0,8");
        assert_eq!(plain(Lang::En, 450.0), "450");
    }
}
