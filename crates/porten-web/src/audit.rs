//! The audit-log viewer for system admins (`/staff/audit`): who read or
//! changed which errand, and when, filtered by person, errand and period,
//! newest first, a hundred entries a page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use porten_app::AppError;
use porten_app::audit_log::RawAuditQuery;
use porten_domain::Violations;

use crate::AppState;
use crate::i18n::{Tr, local_time};
use crate::pages::{ErrorLink, FormErrors, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Staff, SystemAdmins};

pub fn routes() -> Routes {
    Routes::new().get("/staff/audit", audit_page)
}

struct Row {
    at: String,
    who: String,
    action: String,
    errand: String,
    purpose: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    nav: Nav,
    raw: RawAuditQuery,
    rows: Vec<Row>,
    next: String,
    errors: Vec<ErrorLink>,
    field_errors: Vec<(String, String)>,
}

impl AuditPage {
    fn error(&self, field: &str) -> &str {
        self.field_errors.iter().find(|(f, _)| f == field).map_or("", |(_, m)| m.as_str())
    }
}

async fn audit_page(
    State(state): State<AppState>,
    staff: Staff<SystemAdmins>,
    Query(raw): Query<RawAuditQuery>,
) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (rows, next, invalid) = match state.app.audit_log(&actor, &raw).await {
        Ok(page) => {
            let rows = page
                .rows
                .into_iter()
                .map(|r| Row {
                    at: local_time(r.entry.at),
                    who: r.entry.actor_name,
                    action: r.entry.action,
                    errand: r.registry_number.unwrap_or_default(),
                    purpose: r.entry.purpose.unwrap_or_default(),
                })
                .collect();
            let next = page.next.map_or_else(String::new, |before| {
                let q = serde_urlencoded::to_string([
                    ("person", raw.person.as_str()),
                    ("errand", raw.errand.as_str()),
                    ("from", raw.from.as_str()),
                    ("to", raw.to.as_str()),
                    ("before", &before.to_string()),
                ])
                .unwrap_or_default();
                format!("/staff/audit?{q}")
            });
            (rows, next, Violations::new())
        }
        Err(AppError::Invalid(v)) => (Vec::new(), String::new(), v),
        Err(e) => return app_error_page(t, nav, e),
    };
    let form = FormErrors { t: &t, errors: &invalid, prefix: "audit" };
    let errors = form.summary(&[]);
    let field_errors = ["person", "errand", "from", "to"].iter().map(|f| (f.to_string(), form.field(f))).collect();
    let status = if invalid.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, AuditPage { raw, rows, next, errors, field_errors, t, nav }).into_response()
}
