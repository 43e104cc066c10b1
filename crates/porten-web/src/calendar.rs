//! The business calendar page (`/staff/calendar`): administrators see a
//! year's holidays and eves and decide exceptions (julafton open, a bridge
//! day closed). The rules live in `porten_app::calendar`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use porten_app::AppError;
use porten_app::auth::Principal;
use porten_app::auth::user_actor;
use porten_app::calendar::CalendarDay;
use porten_domain::Violations;
use porten_domain::calendar::{Closure, DECIDABLE_YEARS, RawDayException};
use porten_domain::time::to_stockholm;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{ErrorLink, FormErrors, Nav, app_error_page, error_page};
use crate::planning::weekday_of;
use crate::routes::Routes;
use crate::staff::{CalendarEditors, Staff, StaffForm};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/calendar", calendar_page)
        .post("/staff/calendar", decide_day)
        .post("/staff/calendar/remove", remove_decision)
}

/// What a closed day is called on a page.
pub(crate) fn closure_name(t: &Tr, closure: &Closure) -> String {
    match closure {
        Closure::Holiday(key) => t.get(&format!("holiday-{key}")),
        Closure::Decided(note) if note.is_empty() => t.get("calendar-closed-by-decision"),
        Closure::Decided(note) => note.clone(),
    }
}

struct Row {
    date: String,
    weekday: String,
    holiday: String,
    decision: String,
    decided: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct CalendarPage {
    t: Tr,
    nav: Nav,
    year: i32,
    previous: Option<i32>,
    next: Option<i32>,
    saved: bool,
    errors: Vec<ErrorLink>,
    date_error: String,
    open_error: String,
    note_error: String,
    date: String,
    open: String,
    note: String,
    rows: Vec<Row>,
}

#[derive(serde::Deserialize)]
struct YearQuery {
    year: Option<String>,
    saved: Option<String>,
}

#[derive(serde::Deserialize)]
struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    day: RawDayException,
}

#[derive(serde::Deserialize)]
struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
}

crate::staff::token_forms!(DecideForm, RemoveForm);

/// The year shown by default: this one.
fn this_year(state: &AppState) -> i32 {
    to_stockholm(state.app.now()).year()
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    t: Tr,
    nav: Nav,
    user: &Principal,
    year: i32,
    typed: &RawDayException,
    errors: &Violations,
    saved: bool,
) -> Response {
    let days = match state.app.calendar_year(&user_actor(user), year).await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let row = |d: &CalendarDay| Row {
        date: d.date.to_string(),
        weekday: weekday_of(&t, d.date),
        holiday: d.holiday.map(|k| t.get(&format!("holiday-{k}"))).unwrap_or_else(|| "–".into()),
        decision: match &d.exception {
            Some(e) => {
                let state = t.get(if e.open { "calendar-open" } else { "calendar-closed" });
                if e.note.is_empty() { state } else { format!("{state}: {}", e.note) }
            }
            None => t.get("calendar-closed-holiday"),
        },
        decided: d.exception.is_some(),
    };
    let form = FormErrors { t: &t, errors, prefix: "calendar" };
    let page = CalendarPage {
        year,
        previous: Some(year - 1).filter(|y| DECIDABLE_YEARS.contains(y)),
        next: Some(year + 1).filter(|y| DECIDABLE_YEARS.contains(y)),
        saved,
        errors: form.summary(&["open"]),
        date_error: form.field("date"),
        open_error: form.field("open"),
        note_error: form.field("note"),
        date: typed.date.clone().unwrap_or_default(),
        open: typed.open.clone().unwrap_or_default(),
        note: typed.note.clone().unwrap_or_default(),
        rows: days.iter().map(row).collect(),
        t,
        nav,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

async fn calendar_page(
    State(state): State<AppState>,
    Staff { user, t, nav, .. }: Staff<CalendarEditors>,
    Query(q): Query<YearQuery>,
) -> Response {
    let year = match q.year.as_deref().map(str::parse::<i32>) {
        None => this_year(&state),
        Some(Ok(y)) if DECIDABLE_YEARS.contains(&y) => y,
        Some(_) => return error_page(t, nav, StatusCode::NOT_FOUND),
    };
    render(&state, t, nav, &user, year, &RawDayException::default(), &Violations::new(), q.saved.is_some()).await
}

async fn decide_day(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
    StaffForm { staff: Staff { user, actor, t, nav, .. }, form }: StaffForm<CalendarEditors, DecideForm>,
) -> Response {
    let shown = q
        .year
        .and_then(|y| y.parse().ok())
        .filter(|y| DECIDABLE_YEARS.contains(y))
        .unwrap_or_else(|| this_year(&state));
    match state.app.set_day_exception(&actor, &form.day).await {
        Ok(e) => Redirect::to(&format!("/staff/calendar?year={}&saved=1", e.date.year())).into_response(),
        Err(AppError::Invalid(v)) => render(&state, t, nav, &user, shown, &form.day, &v, false).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn remove_decision(
    State(state): State<AppState>,
    StaffForm { staff: Staff { actor, t, nav, .. }, form }: StaffForm<CalendarEditors, RemoveForm>,
) -> Response {
    // The form's hidden date names a decision; anything else names none.
    let Ok(date) = NaiveDate::parse_from_str(&form.date, "%Y-%m-%d") else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    match state.app.clear_day_exception(&actor, date).await {
        Ok(removed) => {
            let saved = if removed { "&saved=1" } else { "" };
            Redirect::to(&format!("/staff/calendar?year={}{saved}", date.year())).into_response()
        }
        Err(e) => app_error_page(t, nav, e),
    }
}
