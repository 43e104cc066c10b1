//! The citizen's e-service pages (`/e/{service}`): a start page, one page
//! per step, a review page and the submit, which leads to the receipt on
//! the tracking page. The rules live in `porten_app::eservices`.
//!
//! Everything works without JavaScript. A field shown only for an earlier
//! answer is left out when that answer was given on an earlier step, and
//! shown with a hint naming the answer when it is on the same step. Step
//! pages post `multipart/form-data` so that files come along; a step with
//! errors is shown again with an error summary, what was typed, and the
//! files already accepted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::{Principal, actor_of};
use porten_app::eservices::files::MAX_FILE_BYTES;
use porten_app::eservices::{DraftView, ReceiptMail, Upload};
use porten_domain::eservice::{Answers, Definition, Field, FieldKind, Step};
use porten_domain::{Channel, Violations};

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser, Visitor};
use crate::i18n::{Lang, Tr};
use crate::pages::{CsrfOnly, ErrorLink, Nav, app_error_page, error_page};
use crate::routes::Routes;

mod review;
mod step;
mod step_form;

use review::*;
use step::*;
use step_form::*;

/// Drafts one client address may start, files it may upload and forms it
/// may submit, per
/// [`ABUSE_WINDOW`]: generous for a family or an office behind one address,
/// small enough that a script cannot fill the database.
const DRAFTS_PER_ADDRESS: u32 = 60;

const FILES_PER_ADDRESS: u32 = 120;

const SUBMITS_PER_ADDRESS: u32 = 60;

const ABUSE_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Largest step post: one file of at most 10 MiB, with room to spare so
/// that a somewhat larger file is refused with a clear message on the page.
pub const MAX_STEP_BYTES: usize = 25 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .get("/e/{code}", start_page)
        .post("/e/{code}/start", start)
        .get("/e/{code}/{draft}/step/{step}", step_page)
        .post_with_limit("/e/{code}/{draft}/step/{step}", save_step, DefaultBodyLimit::max(MAX_STEP_BYTES))
        .get("/e/{code}/{draft}/review", review_page)
        .post("/e/{code}/{draft}/submit", submit)
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_start.html")]
struct StartPage {
    t: Tr,
    nav: Nav,
    code: String,
    title: String,
    intro: String,
    steps: Vec<String>,
    signed_in_citizen: bool,
    staff: bool,
    errors: Vec<ErrorLink>,
}

async fn start_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Response {
    render_start(&state, t, &csrf, user.as_ref(), &code, Vec::new())
}

fn render_start(
    state: &AppState,
    t: Tr,
    csrf: &CsrfToken,
    user: Option<&Principal>,
    code: &str,
    errors: Vec<ErrorLink>,
) -> Response {
    let nav = Nav::new(user, csrf);
    let Some(d) = state.app.eservice(code) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = StartPage {
        code: d.service_code.clone(),
        title: t.pick(&d.title.sv, &d.title.en).to_owned(),
        intro: t.pick(&d.intro.sv, &d.intro.en).to_owned(),
        steps: d.steps.iter().map(|s| t.pick(&s.title.sv, &s.title.en).to_owned()).collect(),
        signed_in_citizen: user.is_some_and(|u| !u.role.is_staff()),
        staff: user.is_some_and(|u| u.role.is_staff()),
        errors,
        t,
        nav,
    };
    (status, page).into_response()
}

#[derive(serde::Deserialize)]
struct StartForm {
    #[serde(default)]
    csrf: String,
    assisted: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    (ClientIp(ip), visitor): (ClientIp, Visitor),
    Path(code): Path<String>,
    Form(form): Form<StartForm>,
) -> Response {
    if !csrf.matches(&form.csrf) {
        return error_page(t, Nav::new(user.as_ref(), &csrf), StatusCode::BAD_REQUEST);
    }
    // Starting an e-service is opening a contact: self-help did not suffice.
    state.app.self_service(&visitor.0, "contact", Some(&format!("service:{code}")));
    let key = state.limiter.key(("draft-start", ip));
    if !state.limiter.allow(key, ABUSE_WINDOW, DRAFTS_PER_ADDRESS) {
        tracing::warn!(target: "porten::security", event = "eservice.refused", reason = "drafts per address");
        return error_page(t, Nav::new(user.as_ref(), &csrf), StatusCode::TOO_MANY_REQUESTS);
    }
    let assisted = form.assisted.as_deref().and_then(Channel::parse);
    match state.app.start_draft(&actor_of(user.as_ref()), &code, assisted).await {
        Ok(view) => Redirect::to(&step_href(&view, 0)).into_response(),
        Err(AppError::Invalid(_)) => {
            let errors = vec![ErrorLink { id: "assisted-first".into(), message: t.get("es-assisted-required") }];
            render_start(&state, t, &csrf, user.as_ref(), &code, errors)
        }
        Err(e) => app_error_page(t, Nav::new(user.as_ref(), &csrf), e),
    }
}

fn step_href(view: &DraftView, index: usize) -> String {
    let step = &view.definition.steps[index.min(view.definition.steps.len() - 1)];
    format!("/e/{}/{}/step/{}", view.draft.service_code, view.draft.id, step.id)
}

/// The message shown for a violation of `field`.
fn field_error(t: &Tr, field: &Field, code: &str) -> String {
    // The label goes in quotes; a full stop at its end would double the sentence's.
    let label = t.pick(&field.label.sv, &field.label.en).trim_end_matches(['.', ':']).to_owned();
    let key = match code {
        "required" => match field.kind {
            FieldKind::SingleChoice | FieldKind::MultipleChoice => "es-error-choose".to_owned(),
            FieldKind::Checkbox => "es-error-confirm".to_owned(),
            FieldKind::File => "es-error-file-required".to_owned(),
            _ => "es-error-required".to_owned(),
        },
        "invalid" => format!("es-error-invalid-{}", kind_name(field.kind)),
        "too_long" => return t.with("es-error-too_long", &[("label", label), ("max", field.max_length.to_string())]),
        "file_type" | "too_large" | "empty" | "quota" => format!("es-error-{code}"),
        _ => "es-error-invalid-text".to_owned(),
    };
    t.with1(&key, "label", label)
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Number => "number",
        FieldKind::Date => "date",
        FieldKind::Email => "email",
        FieldKind::Phone => "phone",
        FieldKind::Personnummer => "personnummer",
        FieldKind::Organisationsnummer => "organisationsnummer",
        FieldKind::Coordinates => "coordinates",
        _ => "text",
    }
}

/// The error summary of a form: each violation with a link to its field.
fn summary(t: &Tr, definition: &Definition, violations: &Violations) -> Vec<ErrorLink> {
    violations
        .0
        .iter()
        .filter_map(|v| {
            let field = definition.fields().find(|f| f.name == v.field)?;
            Some(ErrorLink { id: format!("f-{}", field.name), message: field_error(t, field, v.code) })
        })
        .collect()
}

/// The answer to a draft that cannot be opened: one already submitted leads
/// to its receipt (the back button after submitting); gone or expired says so.
async fn draft_error(
    state: &AppState,
    t: Tr,
    nav: Nav,
    code: &str,
    draft: &str,
    user: Option<&Principal>,
    e: AppError,
) -> Response {
    match e {
        AppError::Expired => {
            if let Ok(Some(token)) = state.app.submitted_draft(&actor_of(user), draft).await {
                return Redirect::to(&format!("/track/{token}")).into_response();
            }
            let title = state.app.eservice(code).map(|d| t.pick(&d.title.sv, &d.title.en).to_owned());
            let page = ExpiredPage { code: code.to_owned(), title: title.unwrap_or_default(), t, nav };
            (StatusCode::GONE, page).into_response()
        }
        e => app_error_page(t, nav, e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_expired.html")]
struct ExpiredPage {
    t: Tr,
    nav: Nav,
    code: String,
    title: String,
}
