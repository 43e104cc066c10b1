//! Supervisors' reports (`/staff/reports`, issue 20): the backlog now by
//! age and state, per unit; errands and contacts per channel by day and
//! hour; first-contact resolution; SLA compliance and handle times per
//! service; self-service beside phone volume. Each chart is an SVG with a
//! text alternative, and a table beside it holds the same figures. The
//! errand export (`export.rs`) streams CSV.

mod export;
mod tables;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use porten_app::AppError;
use porten_domain::report::RawReportFilter;
use porten_domain::{Channel, Violations};

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{ErrorLink, FormErrors, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Reporters, Staff};

use tables::Figure;

pub fn routes() -> Routes {
    Routes::new().get("/staff/reports", reports_page).post("/staff/reports/export", export::export)
}

/// A choice of a select: value, label, chosen.
pub(crate) struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports.html")]
struct ReportsPage {
    t: Tr,
    nav: Nav,
    raw: RawReportFilter,
    units: Vec<Choice>,
    services: Vec<Choice>,
    channels: Vec<Choice>,
    errors: Vec<ErrorLink>,
    field_errors: Vec<(String, String)>,
    figures: Vec<Figure>,
    purpose_error: String,
}

impl ReportsPage {
    fn error(&self, field: &str) -> &str {
        self.field_errors.iter().find(|(f, _)| f == field).map_or("", |(_, m)| m.as_str())
    }
}

/// The filter form's choices, with the typed values chosen.
async fn choices(
    state: &AppState,
    staff: &Staff<Reporters>,
    raw: &RawReportFilter,
) -> Result<[Vec<Choice>; 3], AppError> {
    let t = &staff.t;
    let own = match &staff.actor {
        porten_domain::Actor::User { role: porten_domain::Role::UnitAdmin, unit, .. } => unit.clone(),
        _ => None,
    };
    let all = |label: String| Choice { value: String::new(), label, chosen: false };
    let mut units = vec![all(t.get("reports-all-units"))];
    for u in state.app.units(Some(&staff.actor)).await? {
        if own.as_ref().is_none_or(|o| o == &u.code) {
            let value = u.code.as_str().to_owned();
            units.push(Choice { chosen: raw.unit == value, label: t.pick(&u.name_sv, &u.name_en).to_owned(), value });
        }
    }
    if own.is_some() {
        units.remove(0);
    }
    let mut services = vec![all(t.get("reports-all-services"))];
    for s in state.app.services(Some(&staff.actor)).await? {
        if own.as_ref().is_none_or(|o| o == &s.unit) {
            services.push(Choice {
                chosen: raw.service == s.code,
                label: t.pick(&s.name_sv, &s.name_en).to_owned(),
                value: s.code,
            });
        }
    }
    let mut channels = vec![all(t.get("reports-all-channels"))];
    for c in Channel::ALL {
        let value = c.as_str().to_owned();
        channels.push(Choice { chosen: raw.channel == value, label: t.get(&format!("channel-{value}")), value });
    }
    Ok([units, services, channels])
}

/// Renders the page for a filter, with the report or what is wrong with it.
pub(super) async fn render(
    state: &AppState,
    staff: Staff<Reporters>,
    raw: RawReportFilter,
    purpose: &Violations,
) -> Response {
    let [units, services, channels] = match choices(state, &staff, &raw).await {
        Ok(c) => c,
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    let (figures, invalid) = match state.app.report(&staff.actor, &raw).await {
        Ok(report) => (tables::figures(&staff.t, &report, &services), Violations::new()),
        Err(AppError::Invalid(v)) => (Vec::new(), v),
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    let Staff { t, nav, .. } = staff;
    let mut all = invalid.clone();
    all.0.extend(purpose.0.iter().cloned());
    let form = FormErrors { t: &t, errors: &all, prefix: "reports" };
    let errors = form.summary(&[]);
    let field_errors =
        ["from", "to", "unit", "service", "channel"].iter().map(|f| (f.to_string(), form.field(f))).collect();
    let purpose_error = form.field("purpose");
    let status = if all.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ReportsPage { raw, units, services, channels, errors, field_errors, figures, purpose_error, t, nav };
    (status, page).into_response()
}

async fn reports_page(
    State(state): State<AppState>,
    staff: Staff<Reporters>,
    Query(raw): Query<RawReportFilter>,
) -> Response {
    render(&state, staff, raw, &Violations::new()).await
}
