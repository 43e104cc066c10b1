//! Units and services for system admins (`/staff/admin/services`, issue
//! 20): a unit's names and how it hands out errands; a service's names,
//! texts, unit, skill and SLA targets, and which e-service it has. The
//! rules live in `porten_app::catalogue` and the forms in
//! `porten_domain::catalogue_edit`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_domain::assignment::Strategy;
use porten_domain::catalogue_edit::{RawServiceEdit, RawUnitEdit};
use porten_domain::{Priority, Violations};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{Done, ErrorLink, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Staff, StaffForm, SystemAdmins};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/admin/services", catalogue_page)
        .post("/staff/admin/units/{code}", edit_unit)
        .get("/staff/admin/services/{code}", service_page)
        .post("/staff/admin/services/{code}", edit_service)
}

struct UnitRow {
    code: String,
    name: String,
    form: RawUnitEdit,
}

struct ServiceRow {
    code: String,
    name: String,
    unit: String,
    /// The normal resolution target, or empty without an SLA.
    resolution: String,
    eservice: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_catalogue.html")]
struct CataloguePage {
    t: Tr,
    nav: Nav,
    units: Vec<UnitRow>,
    services: Vec<ServiceRow>,
    strategies: Vec<(String, String)>,
    errors: Vec<ErrorLink>,
    done: String,
}

impl CataloguePage {
    /// The error text beside the field with `id`, or "".
    fn error(&self, id: &str) -> &str {
        crate::pages::error_for(&self.errors, id)
    }
}

/// A field of the service form as typed, with its label and error.
struct Field {
    field: String,
    label: String,
    value: String,
    error: String,
    /// A text area rather than a line.
    long: bool,
    /// Its text is English.
    en: bool,
}

/// One row of the SLA table: a priority and its two fields.
struct TargetRow {
    label: String,
    cells: Vec<Field>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_service.html")]
struct ServicePage {
    t: Tr,
    nav: Nav,
    code: String,
    name: String,
    form: RawServiceEdit,
    texts: Vec<Field>,
    targets: Vec<TargetRow>,
    warn: Field,
    units: Vec<(String, String)>,
    skills: Vec<(String, String)>,
    /// Which e-service the service has, in a sentence.
    eservice: String,
    has_eservice: bool,
    /// The service takes Open311 requests, so it may be marked as public reports.
    open311: bool,
    errors: Vec<ErrorLink>,
    done: String,
}

impl ServicePage {
    /// The error text beside the field with `id`, or "".
    fn error(&self, id: &str) -> &str {
        crate::pages::error_for(&self.errors, id)
    }
}

/// Each violation's message: a target's names its priority.
fn messages(t: &Tr, v: &Violations) -> Vec<(String, String)> {
    v.0.iter()
        .map(|f| {
            let message = match f.field.strip_prefix("sla_").and_then(|r| r.rsplit_once('_')) {
                Some((priority, which)) => t.with(
                    &format!("services-error-sla-{which}"),
                    &[("priority", t.get(&format!("priority-{priority}")))],
                ),
                None => t.get(&format!("services-error-{}", f.field)),
            };
            (f.field.clone(), message)
        })
        .collect()
}

async fn render_catalogue(
    state: &AppState,
    staff: Staff<SystemAdmins>,
    errors: Vec<ErrorLink>,
    typed: Option<(String, RawUnitEdit)>,
    done: String,
) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (units, services) = match (state.app.units(Some(&actor)).await, state.app.services(Some(&actor)).await) {
        (Ok(u), Ok(s)) => (u, s),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
    };
    let units: Vec<UnitRow> = units
        .iter()
        .map(|u| UnitRow {
            code: u.code.as_str().to_owned(),
            name: t.pick(&u.name_sv, &u.name_en).to_owned(),
            form: match &typed {
                Some((code, raw)) if code == u.code.as_str() => raw.clone(),
                _ => RawUnitEdit {
                    name_sv: u.name_sv.clone(),
                    name_en: u.name_en.clone(),
                    strategy: u.routing.strategy.as_str().to_owned(),
                    max_open: u.routing.max_open.map(|n| n.to_string()).unwrap_or_default(),
                },
            },
        })
        .collect();
    let unit_name = |code: &str| units.iter().find(|u| u.code == code).map_or(code.to_owned(), |u| u.name.clone());
    let mut rows: Vec<ServiceRow> = services
        .iter()
        .map(|s| ServiceRow {
            code: s.code.clone(),
            name: t.pick(&s.name_sv, &s.name_en).to_owned(),
            unit: unit_name(s.unit.as_str()),
            resolution: s.sla.as_ref().map(|x| x.normal.resolution_hours.to_string()).unwrap_or_default(),
            eservice: state.app.eservice(&s.code).is_some(),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let strategies = Strategy::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), t.get(&format!("presence-strategy-{}", s.as_str()))))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, CataloguePage { units, services: rows, strategies, errors, done, t, nav }).into_response()
}

async fn catalogue_page(State(state): State<AppState>, staff: Staff<SystemAdmins>, Query(q): Query<Done>) -> Response {
    let done = match q.done.as_str() {
        "unit" => staff.t.get("services-done-unit"),
        _ => String::new(),
    };
    render_catalogue(&state, staff, Vec::new(), None, done).await
}

#[derive(Deserialize)]
struct UnitForm {
    csrf: String,
    #[serde(flatten)]
    unit: RawUnitEdit,
}

#[derive(Deserialize)]
struct ServiceForm {
    csrf: String,
    #[serde(flatten)]
    service: RawServiceEdit,
}

crate::staff::token_forms!(UnitForm, ServiceForm);

async fn edit_unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, UnitForm>,
) -> Response {
    match state.app.edit_unit(&staff.actor, &code, &form.unit).await {
        Ok(_) => Redirect::to("/staff/admin/services?done=unit").into_response(),
        Err(AppError::Invalid(v)) => {
            let errors = crate::pages::field_links(&staff.t, &v, "services", |field| format!("{field}-{code}"));
            render_catalogue(&state, staff, errors, Some((code, form.unit)), String::new()).await
        }
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn render_service(
    state: &AppState,
    staff: Staff<SystemAdmins>,
    code: &str,
    typed: Option<RawServiceEdit>,
    v: &Violations,
    done: String,
) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (service, units, skills) = match (
        state.app.service(Some(&actor), code).await,
        state.app.units(Some(&actor)).await,
        state.app.skills(Some(&actor)).await,
    ) {
        (Ok(Some(s)), Ok(u), Ok(k)) => (s, u, k),
        (Ok(None), _, _) => return app_error_page(t, nav, AppError::NotFound),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return app_error_page(t, nav, e),
    };
    let form = typed.unwrap_or_else(|| RawServiceEdit::from_service(&service));
    let eservice = state.app.eservice(&service.code);
    let messages: BTreeMap<String, String> = messages(&t, v).into_iter().collect();
    let field = |field: &str, label: String, value: &str| Field {
        field: field.to_owned(),
        label,
        value: value.to_owned(),
        error: messages.get(field).cloned().unwrap_or_default(),
        long: field.starts_with("description"),
        en: field.ends_with("_en"),
    };
    let texts = [
        ("name_sv", &form.name_sv),
        ("name_en", &form.name_en),
        ("description_sv", &form.description_sv),
        ("description_en", &form.description_en),
        ("processing_time_sv", &form.processing_time_sv),
        ("processing_time_en", &form.processing_time_en),
    ]
    .into_iter()
    .map(|(name, value)| field(name, t.get(&format!("services-{}", name.replace('_', "-"))), value))
    .collect();
    let targets = Priority::ALL
        .iter()
        .map(|p| {
            let label = t.get(&format!("priority-{}", p.as_str()));
            let cells = ["first", "resolution"]
                .into_iter()
                .map(|which| {
                    let name = format!("sla_{}_{which}", p.as_str());
                    field(&name, t.with1(&format!("services-{which}-of"), "priority", &label), form.target(*p, which))
                })
                .collect();
            TargetRow { label, cells }
        })
        .collect();
    let warn = field("warn_percent", t.get("services-warn"), &form.warn_percent);
    // The summary in the order the violations were found.
    let errors = v.0.iter().map(|f| ErrorLink { id: f.field.clone(), message: messages[&f.field].clone() }).collect();
    let page = ServicePage {
        code: service.code.clone(),
        name: t.pick(&service.name_sv, &service.name_en).to_owned(),
        targets,
        units: units.iter().map(|u| (u.code.as_str().to_owned(), t.pick(&u.name_sv, &u.name_en).to_owned())).collect(),
        skills: skills.iter().map(|k| (k.code.clone(), t.pick(&k.name_sv, &k.name_en).to_owned())).collect(),
        eservice: match &eservice {
            Some(d) => t.with(
                "services-eservice-is",
                &[("title", t.pick(&d.title.sv, &d.title.en).to_owned()), ("version", d.version.to_string())],
            ),
            None => t.with1("services-eservice-none", "code", &service.code),
        },
        has_eservice: eservice.is_some(),
        open311: service.open311_code.is_some(),
        texts,
        warn,
        form,
        errors,
        done,
        t,
        nav,
    };
    let status = if v.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

async fn service_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    staff: Staff<SystemAdmins>,
    Query(q): Query<Done>,
) -> Response {
    let done = if q.done == "saved" { staff.t.get("services-done-saved") } else { String::new() };
    render_service(&state, staff, &code, None, &Violations::new(), done).await
}

async fn edit_service(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, ServiceForm>,
) -> Response {
    match state.app.edit_service(&staff.actor, &code, &form.service).await {
        Ok(_) => Redirect::to(&format!("/staff/admin/services/{code}?done=saved")).into_response(),
        Err(AppError::Invalid(v)) => render_service(&state, staff, &code, Some(form.service), &v, String::new()).await,
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
