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
use porten_app::planning::PlanError;
use porten_domain::time::to_stockholm;
use porten_domain::{Channel, Violations};
use porten_planning::{
    AhtSource, BacktestPoint, BacktestView, ContactSource, CsvStyle, DEFAULT_BACKLOG_OCCUPANCY, Forecast, Heads,
    Heatmap, MAX_SCENARIOS, MixShare, NO_SERVICE, OpenDays, PLANNING_CHANNELS, Plan, PlanOutcome, PlanningError,
    PlanningInput, RawPlanningInput, ScenarioTotals, StaffedInterval, Staffing, plannable_weeks, staffing_csv,
};

use crate::AppState;
use crate::calendar::closure_name;
use crate::i18n::{Lang, Tr};
use crate::pages::{ErrorLink, Nav, app_error_page};
use crate::staff::{Planners, Staff};

mod charts;
mod form;

use charts::*;
use form::*;

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
    Staff { actor, t, nav, .. }: Staff<Planners>,
    Query(raw): Query<RawPlanningInput>,
) -> Response {
    let today = to_stockholm(state.app.now()).date_naive();
    let actor = actor.clone();
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
    Staff { user, actor, t, csrf, .. }: Staff<Planners>,
    Query(raw): Query<RawPlanningInput>,
) -> Response {
    let plain_error = |status, text: String| {
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text + "\n").into_response()
    };
    let today = to_stockholm(state.app.now()).date_naive();
    let actor = actor.clone();
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
