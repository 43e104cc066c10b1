//! A staff member's notices (`/staff/notices`): errands assigned to them,
//! answered by the citizen, about to pass or past their SLA target (a
//! breach also reaches the unit's administrators). Opening an errand marks
//! its notices seen; the page marks all seen, and turns notices by e-mail
//! on or off.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_domain::Violations;
use serde::Deserialize;

use crate::AppState;
use crate::i18n::{Tr, local_time};
use crate::pages::{CsrfOnly, ErrorLink, FormErrors, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{AnyStaff, Staff, StaffForm};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/notices", notices_page)
        .post("/staff/notices/seen", mark_seen)
        .post("/staff/notices/email", set_email)
}

struct NoticeRow {
    href: String,
    registry_number: String,
    what: String,
    at: String,
    seen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notices.html")]
struct NoticesPage {
    t: Tr,
    nav: Nav,
    rows: Vec<NoticeRow>,
    unseen: u64,
    by_email: bool,
    errors: Vec<ErrorLink>,
    email_error: String,
}

async fn render(state: &AppState, staff: Staff<AnyStaff>, errors: &Violations) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (notices, by_email) = match (state.app.notices(&actor).await, state.app.notify_by_email(&actor).await) {
        (Ok(n), Ok(e)) => (n, e),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
    };
    let rows = notices
        .list
        .iter()
        .map(|n| NoticeRow {
            href: format!("/staff/errands/{}", n.errand),
            registry_number: n.registry_number.clone(),
            what: t.get(&format!("notice-{}", n.kind.as_str())),
            at: local_time(n.at),
            seen: n.seen,
        })
        .collect();
    let form = FormErrors { t: &t, errors, prefix: "notices" };
    let (summary, email_error) = (form.summary(&[]), form.field("email"));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = NoticesPage { rows, unseen: u64::from(notices.unseen), by_email, errors: summary, email_error, t, nav };
    (status, page).into_response()
}

async fn notices_page(State(state): State<AppState>, staff: Staff<AnyStaff>) -> Response {
    render(&state, staff, &Violations::new()).await
}

async fn mark_seen(State(state): State<AppState>, StaffForm { staff, .. }: StaffForm<AnyStaff, CsrfOnly>) -> Response {
    match state.app.mark_notices_seen(&staff.actor, None).await {
        Ok(_) => Redirect::to("/staff/notices").into_response(),
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

#[derive(Deserialize)]
struct EmailForm {
    csrf: String,
    /// `on` when the box is ticked; absent when it is not.
    #[serde(default)]
    email: String,
}

crate::staff::token_forms!(EmailForm);

async fn set_email(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<AnyStaff, EmailForm>,
) -> Response {
    match state.app.set_notify_by_email(&staff.actor, form.email == "on").await {
        Ok(()) => Redirect::to("/staff/notices").into_response(),
        Err(AppError::Invalid(v)) => render(&state, staff, &v).await,
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
