//! A unit's service hours (`/staff/calendar/hours`): the open intervals
//! per weekday that its SLA clocks count, several a day (a lunch break).
//! Unit admins decide their own unit's, system admins any unit's; the
//! rules live in `porten_app::calendar`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_domain::sla::{ServiceHours, WEEKDAYS};
use porten_domain::{Actor, UnitCode, Violations};

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{ErrorLink, FormErrors, Nav, app_error_page, error_page};
use crate::planning::weekday;
use crate::routes::Routes;
use crate::staff::{CalendarEditors, Staff, StaffForm};

pub fn routes() -> Routes {
    Routes::new().get("/staff/calendar/hours", hours_page).post("/staff/calendar/hours", save_hours)
}

struct DayField {
    id: String,
    label: String,
    value: String,
    error: String,
}

struct UnitOption {
    code: String,
    name: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "hours.html")]
struct HoursPage {
    t: Tr,
    nav: Nav,
    unit: String,
    unit_name: String,
    /// The units a system admin may choose among (one for a unit admin: none shown).
    units: Vec<UnitOption>,
    days: Vec<DayField>,
    errors: Vec<ErrorLink>,
    saved: bool,
}

#[derive(serde::Deserialize, Default)]
struct UnitQuery {
    unit: Option<String>,
    saved: Option<String>,
}

#[derive(serde::Deserialize)]
struct HoursForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default, rename = "hours-mon")]
    mon: String,
    #[serde(default, rename = "hours-tue")]
    tue: String,
    #[serde(default, rename = "hours-wed")]
    wed: String,
    #[serde(default, rename = "hours-thu")]
    thu: String,
    #[serde(default, rename = "hours-fri")]
    fri: String,
    #[serde(default, rename = "hours-sat")]
    sat: String,
    #[serde(default, rename = "hours-sun")]
    sun: String,
}

crate::staff::token_forms!(HoursForm);

/// The unit shown: the one asked for, else the admin's own, else the first.
async fn chosen_unit(
    state: &AppState,
    actor: &Actor,
    asked: Option<&str>,
) -> Result<(UnitCode, Vec<porten_domain::Unit>), AppError> {
    let units = state.app.workable_units(actor).await?;
    let own = match actor {
        Actor::User { unit, .. } => unit.clone(),
        _ => None,
    };
    let code = match asked {
        Some(code) => UnitCode::parse(code).map_err(|_| AppError::NotFound)?,
        None => own.or_else(|| units.first().map(|u| u.code.clone())).ok_or(AppError::NotFound)?,
    };
    if !units.iter().any(|u| u.code == code) {
        return Err(AppError::NotFound);
    }
    Ok((code, units))
}

async fn render(
    state: &AppState,
    staff: Staff<CalendarEditors>,
    asked: Option<&str>,
    typed: Option<[String; 7]>,
    errors: &Violations,
    saved: bool,
) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (code, units) = match chosen_unit(state, &actor, asked).await {
        Ok(u) => u,
        Err(AppError::NotFound) => return error_page(t, nav, StatusCode::NOT_FOUND),
        Err(e) => return app_error_page(t, nav, e),
    };
    let typed = match typed {
        Some(typed) => typed,
        None => match state.app.service_hours(&code).await {
            Ok(hours) => hours.week.map(|day| ServiceHours::format_day(&day)),
            Err(e) => return app_error_page(t, nav, e),
        },
    };
    let form = FormErrors { t: &t, errors, prefix: "hours" };
    let days = WEEKDAYS
        .iter()
        .zip(typed)
        .enumerate()
        .map(|(i, (day, value))| {
            let id = format!("hours-{day}");
            DayField { label: weekday(&t, i as u8), error: form.field(&id), id, value }
        })
        .collect();
    let unit_name = units.iter().find(|u| u.code == code).map(|u| t.pick(&u.name_sv, &u.name_en).to_owned());
    let page = HoursPage {
        unit: code.to_string(),
        unit_name: unit_name.unwrap_or_default(),
        units: match units.len() {
            1 => Vec::new(),
            _ => units
                .iter()
                .map(|u| UnitOption {
                    code: u.code.to_string(),
                    name: t.pick(&u.name_sv, &u.name_en).to_owned(),
                    selected: u.code == code,
                })
                .collect(),
        },
        days,
        errors: form.summary(&[]),
        saved,
        t,
        nav,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

async fn hours_page(
    State(state): State<AppState>,
    staff: Staff<CalendarEditors>,
    Query(q): Query<UnitQuery>,
) -> Response {
    render(&state, staff, q.unit.as_deref(), None, &Violations::new(), q.saved.is_some()).await
}

async fn save_hours(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<CalendarEditors, HoursForm>,
) -> Response {
    let Ok(unit) = UnitCode::parse(&form.unit) else { return error_page(staff.t, staff.nav, StatusCode::NOT_FOUND) };
    let typed = [form.mon, form.tue, form.wed, form.thu, form.fri, form.sat, form.sun];
    match state.app.set_service_hours(&staff.actor, &unit, &typed).await {
        Ok(_) => Redirect::to(&format!("/staff/calendar/hours?unit={unit}&saved=1")).into_response(),
        Err(AppError::Invalid(v)) => render(&state, staff, Some(unit.as_str()), Some(typed), &v, false).await,
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
