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
use porten_app::eservices::files::MAX_FILE_BYTES;
use porten_app::eservices::{DraftView, ReceiptMail, Upload};
use porten_domain::eservice::{Answers, Definition, Field, FieldKind, Step};
use porten_domain::{Channel, Violations};
use porten_store::User;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser, Visitor};
use crate::i18n::{Lang, Tr};
use crate::pages::{CsrfOnly, ErrorLink, Nav, app_error_page, error_page};
use crate::routes::Routes;

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
    user: Option<&User>,
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
    match state.app.start_draft(user.as_ref(), &code, assisted).await {
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

/// One choice of a choice field, as shown.
struct OptionView {
    value: String,
    label: String,
    checked: bool,
}

/// One field of a step, as shown.
struct FieldView {
    name: String,
    /// `text`, `textarea`, `radio`, `checkboxes`, `checkbox` or `file`.
    widget: &'static str,
    /// The `type` of a text input.
    input_type: &'static str,
    inputmode: &'static str,
    autocomplete: &'static str,
    label: String,
    help: String,
    /// "Answer only if …", for a field shown for an answer on the same step.
    condition: String,
    required: bool,
    error: String,
    value: String,
    options: Vec<OptionView>,
    /// The file already uploaded for this field.
    file_name: String,
    /// The ids of the texts that describe the input: condition, help, file
    /// hints, error.
    describedby: String,
    max_length: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_step.html")]
struct StepPage {
    t: Tr,
    nav: Nav,
    title: String,
    step_title: String,
    progress: String,
    action: String,
    back: Option<String>,
    fields: Vec<FieldView>,
    errors: Vec<ErrorLink>,
    saved: bool,
    restarted: bool,
    resume_link: String,
    /// Until when the draft is kept (Stockholm time).
    kept_until: String,
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

fn field_view(
    t: &Tr,
    definition: &Definition,
    step: &Step,
    field: &Field,
    view: &DraftView,
    errors: &Violations,
) -> FieldView {
    let answers: &[String] = view.draft.answers.get(&field.name).map_or(&[], Vec::as_slice);
    let condition = match &field.show_if {
        Some(c) if step.fields.iter().any(|f| f.name == c.field) => {
            let controlling = definition.fields().find(|f| f.name == c.field);
            let answer = controlling
                .and_then(|f| f.options.iter().find(|o| o.value == c.equals))
                .map_or(c.equals.clone(), |o| t.pick(&o.label.sv, &o.label.en).to_owned());
            let question = controlling.map_or(String::new(), |f| t.pick(&f.label.sv, &f.label.en).to_owned());
            t.with("es-condition", &[("question", question), ("answer", answer)])
        }
        _ => String::new(),
    };
    let (widget, input_type, inputmode, autocomplete) = match field.kind {
        FieldKind::Textarea => ("textarea", "", "", ""),
        FieldKind::SingleChoice => ("radio", "", "", ""),
        FieldKind::MultipleChoice => ("checkboxes", "", "", ""),
        FieldKind::Checkbox => ("checkbox", "", "", ""),
        FieldKind::File => ("file", "", "", ""),
        FieldKind::Number => ("text", "text", "decimal", ""),
        FieldKind::Date => ("text", "date", "", ""),
        FieldKind::Email => ("text", "email", "email", "email"),
        FieldKind::Phone => ("text", "tel", "tel", "tel"),
        FieldKind::Personnummer | FieldKind::Organisationsnummer => ("text", "text", "numeric", "off"),
        FieldKind::Address => ("text", "text", "", "street-address"),
        FieldKind::Text => ("text", "text", "", if field.name == "name" { "name" } else { "" }),
    };
    let options = match field.kind {
        FieldKind::Checkbox => vec![OptionView {
            value: "yes".into(),
            label: t.pick(&field.label.sv, &field.label.en).to_owned(),
            checked: answers.iter().any(|a| a == "yes"),
        }],
        _ => field
            .options
            .iter()
            .map(|o| OptionView {
                value: o.value.clone(),
                label: t.pick(&o.label.sv, &o.label.en).to_owned(),
                checked: answers.contains(&o.value),
            })
            .collect(),
    };
    let error =
        errors.0.iter().find(|v| v.field == field.name).map(|v| field_error(t, field, v.code)).unwrap_or_default();
    let file_name = view.draft.files.iter().find(|f| f.field == field.name).map(|f| f.name.clone()).unwrap_or_default();
    let help = field.help.as_ref().map(|h| t.pick(&h.sv, &h.en).to_owned()).unwrap_or_default();
    let parts = [
        (!condition.is_empty(), "condition"),
        (!help.is_empty(), "hint"),
        (field.kind == FieldKind::File, "types"),
        (!file_name.is_empty(), "current"),
        (!error.is_empty(), "error"),
    ];
    let describedby =
        parts.iter().filter(|(on, _)| *on).map(|(_, p)| format!("f-{}-{p}", field.name)).collect::<Vec<_>>().join(" ");
    FieldView {
        describedby,
        name: field.name.clone(),
        widget,
        input_type,
        inputmode,
        autocomplete,
        label: t.pick(&field.label.sv, &field.label.en).to_owned(),
        help,
        condition,
        required: field.required,
        error,
        value: answers.first().cloned().unwrap_or_default(),
        options,
        file_name,
        max_length: field.max_length,
    }
}

struct StepState {
    saved: bool,
    restarted: bool,
}

fn render_step(
    t: Tr,
    nav: Nav,
    view: &DraftView,
    step_id: &str,
    violations: &Violations,
    state: StepState,
) -> Response {
    let d = &view.definition;
    let Some(index) = d.steps.iter().position(|s| s.id == step_id) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let step = &d.steps[index];
    let answers = &view.draft.answers;
    // A field whose condition rests on an earlier step's answer is shown only when that answer holds.
    let fields = step
        .fields
        .iter()
        .filter(|f| match &f.show_if {
            Some(c) if !step.fields.iter().any(|o| o.name == c.field) => d.shown(f, answers),
            _ => true,
        })
        .map(|f| field_view(&t, d, step, f, view, violations))
        .collect::<Vec<_>>();
    let page = StepPage {
        title: t.pick(&d.title.sv, &d.title.en).to_owned(),
        step_title: t.pick(&step.title.sv, &step.title.en).to_owned(),
        progress: t.with("es-progress", &[("n", (index + 1).to_string()), ("total", d.steps.len().to_string())]),
        action: format!("/e/{}/{}/step/{}", view.draft.service_code, view.draft.id, step.id),
        back: index.checked_sub(1).map(|i| step_href(view, i)),
        errors: summary(&t, d, violations),
        fields,
        saved: state.saved,
        restarted: state.restarted,
        resume_link: step_href(view, index),
        kept_until: crate::i18n::local_time(view.draft.expires_at),
        t,
        nav,
    };
    let status = if violations.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

/// The answer to a draft that cannot be opened: one already submitted leads
/// to its receipt (the back button after submitting); gone or expired says so.
async fn draft_error(
    state: &AppState,
    t: Tr,
    nav: Nav,
    (code, draft, user): (&str, &str, Option<&User>),
    e: AppError,
) -> Response {
    match e {
        AppError::Expired => {
            if let Ok(Some(token)) = state.app.submitted_draft(user, draft).await {
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

async fn step_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((code, draft, step)): Path<(String, String, String)>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    match state.app.open_draft(user.as_ref(), &draft).await {
        Ok(view) if view.draft.service_code == code => {
            render_step(t, nav, &view, &step, &Violations::new(), StepState { saved: false, restarted: false })
        }
        Ok(_) => error_page(t, nav, StatusCode::NOT_FOUND),
        Err(e) => draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
    }
}

/// Bounds on the text parts of a step post: a field's answer is at most a
/// few thousand characters, so a larger part is an attack, not a citizen.
const MAX_TEXT_PART_BYTES: usize = 64 * 1024;
const MAX_TEXT_BYTES: usize = 512 * 1024;

/// A step's form as it is read: the answers and which button was pressed,
/// then the files.
#[derive(Default)]
struct StepForm {
    action: String,
    answers: Answers,
    uploads: Vec<Upload>,
    text_bytes: usize,
}

/// Where a step post is saved: the draft it names, or a new draft when that
/// one has expired.
enum StepTarget {
    Draft(DraftView),
    Restart,
}

impl StepForm {
    /// Reads text parts up to the form token and returns it. A file part
    /// before the token is refused: nothing large is read before the token
    /// and the draft have been checked.
    async fn read_to_token(&mut self, multipart: &mut Multipart) -> Result<String, StatusCode> {
        while let Some(field) = multipart.next_field().await.map_err(|e| e.status())? {
            if field.file_name().is_some() {
                return Err(StatusCode::BAD_REQUEST);
            }
            let name = field.name().unwrap_or_default().to_owned();
            let value = self.read_text(field).await?;
            if name == "csrf" {
                return Ok(value);
            }
            self.keep(name, value);
        }
        Ok(String::new())
    }

    /// Reads the rest of the form, keeping one file for each of `file_fields`
    /// (the step's); other files are skipped unread. A file is read up to
    /// one byte over the largest accepted, so that the check can say it is
    /// too large without the rest being held.
    async fn read_rest(&mut self, multipart: &mut Multipart, file_fields: &[&str]) -> Result<(), StatusCode> {
        while let Some(mut field) = multipart.next_field().await.map_err(|e| e.status())? {
            let name = field.name().unwrap_or_default().to_owned();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                let value = self.read_text(field).await?;
                self.keep(name, value);
                continue;
            };
            if !file_fields.contains(&name.as_str()) || self.uploads.iter().any(|u| u.field == name) {
                continue;
            }
            let mut content = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
                let room = (MAX_FILE_BYTES + 1).saturating_sub(content.len());
                content.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            self.uploads.push(Upload { field: name, name: file_name, content });
        }
        Ok(())
    }

    async fn read_text(&mut self, mut field: axum::extract::multipart::Field<'_>) -> Result<String, StatusCode> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
            bytes.extend_from_slice(&chunk);
            self.text_bytes += chunk.len();
            if bytes.len() > MAX_TEXT_PART_BYTES || self.text_bytes > MAX_TEXT_BYTES {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
        }
        String::from_utf8(bytes).map_err(|_| StatusCode::BAD_REQUEST)
    }

    fn keep(&mut self, name: String, value: String) {
        match name.as_str() {
            "action" => self.action = value,
            // Bounded: at most 200 fields of at most 50 values each (the
            // App keeps one per field, or a multiple choice's options).
            _ if self.answers.len() < 200 || self.answers.contains_key(&name) => {
                let values = self.answers.entry(name).or_default();
                if values.len() < 50 {
                    values.push(value);
                }
            }
            _ => {}
        }
    }
}

async fn save_step(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path((code, draft, step)): Path<(String, String, String)>,
    mut multipart: Multipart,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let mut form = StepForm::default();
    match form.read_to_token(&mut multipart).await {
        Ok(token) if csrf.matches(&token) => {}
        Ok(_) => return error_page(t, nav, StatusCode::BAD_REQUEST),
        Err(status) => return error_page(t, nav, status),
    }
    // A step posted to an expired draft starts a new one, which counts as a start.
    let target = match state.app.open_draft(user.as_ref(), &draft).await {
        Ok(view) if view.draft.service_code != code => return error_page(t, nav, StatusCode::NOT_FOUND),
        Ok(view) => StepTarget::Draft(view),
        Err(AppError::Expired) if state.app.submitted_draft(user.as_ref(), &draft).await.ok().flatten().is_none() => {
            let key = state.limiter.key(("draft-start", ip));
            if state.limiter.count(key, ABUSE_WINDOW) >= DRAFTS_PER_ADDRESS {
                return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
            }
            state.limiter.hit(key, ABUSE_WINDOW);
            StepTarget::Restart
        }
        Err(e) => return draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
    };
    let definition = match &target {
        StepTarget::Draft(view) => Some(view.definition.clone()),
        StepTarget::Restart => state.app.eservice(&code),
    };
    let Some(fields) = definition.as_ref().and_then(|d| d.steps.iter().find(|s| s.id == step)).map(|s| &s.fields)
    else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let file_fields: Vec<&str> = fields.iter().filter(|f| f.kind == FieldKind::File).map(|f| f.name.as_str()).collect();
    if let Err(status) = form.read_rest(&mut multipart, &file_fields).await {
        return error_page(t, nav, status);
    }
    if let Err(reason) = count_uploads(&state, user.as_ref(), ip, &form.uploads) {
        tracing::warn!(target: "porten::security", event = "eservice.refused", reason);
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    let out = match target {
        StepTarget::Draft(view) => state.app.save_step_in(view, &step, form.answers, form.uploads).await,
        StepTarget::Restart => state.app.restart_step(user.as_ref(), &code, &step, form.answers, form.uploads).await,
    };
    let out = match out {
        Ok(out) => out,
        Err(e) => return draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
    };
    let saving = form.action == "save";
    if saving || out.restarted || !out.violations.is_empty() {
        // Saving for later shows no errors yet; they come when the citizen goes on.
        let violations = if saving { Violations::new() } else { out.violations };
        let shown = StepState { saved: saving, restarted: out.restarted };
        let t = t.at(format!("/e/{code}/{}/step/{step}", out.view.draft.id));
        return render_step(t, nav, &out.view, &step, &violations, shown);
    }
    let steps = &out.view.definition.steps;
    let index = steps.iter().position(|s| s.id == step).unwrap_or(0);
    match steps.get(index + 1) {
        Some(_) => Redirect::to(&step_href(&out.view, index + 1)).into_response(),
        None => Redirect::to(&format!("/e/{code}/{}/review", out.view.draft.id)).into_response(),
    }
}

/// Counts a step's files against the limits of its client address: how
/// many in [`ABUSE_WINDOW`], and for a visitor who is not signed in, how many
/// bytes a day. Nothing is counted when a limit would be passed.
fn count_uploads(
    state: &AppState,
    user: Option<&User>,
    ip: Option<std::net::IpAddr>,
    uploads: &[Upload],
) -> Result<(), &'static str> {
    let files = uploads.iter().filter(|u| !u.content.is_empty()).count() as u32;
    if files == 0 {
        return Ok(());
    }
    let limiter = &state.limiter;
    let count = limiter.key(("upload", ip));
    if limiter.count(count, ABUSE_WINDOW) + files > FILES_PER_ADDRESS {
        return Err("files per address");
    }
    let bytes = uploads.iter().map(|u| u.content.len()).sum::<usize>().min(u32::MAX as usize) as u32;
    let stored = limiter.key(("upload-bytes", ip));
    let budget = state.config.upload_bytes_per_address_per_day;
    if user.is_none() && limiter.count(stored, DAY).saturating_add(bytes) > budget {
        return Err("bytes per address and day");
    }
    limiter.add(count, ABUSE_WINDOW, files);
    if user.is_none() {
        limiter.add(stored, DAY, bytes);
    }
    Ok(())
}

/// One answer on the review page.
struct ReviewRow {
    label: String,
    answer: String,
    error: String,
    id: String,
}

struct ReviewStep {
    title: String,
    change: String,
    rows: Vec<ReviewRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_review.html")]
struct ReviewPage {
    t: Tr,
    nav: Nav,
    title: String,
    steps: Vec<ReviewStep>,
    errors: Vec<ErrorLink>,
    action: String,
    assisted: bool,
}

/// How an answer reads on the review page.
fn answer_text(t: &Tr, field: &Field, view: &DraftView) -> String {
    let answers: &[String] = view.draft.answers.get(&field.name).map_or(&[], Vec::as_slice);
    match field.kind {
        FieldKind::File => view.draft.files.iter().find(|f| f.field == field.name).map(|f| f.name.clone()),
        FieldKind::Checkbox => answers.first().map(|_| t.get("es-yes")),
        FieldKind::SingleChoice | FieldKind::MultipleChoice => {
            let labels: Vec<&str> = field
                .options
                .iter()
                .filter(|o| answers.contains(&o.value))
                .map(|o| t.pick(&o.label.sv, &o.label.en))
                .collect();
            (!labels.is_empty()).then(|| labels.join(", "))
        }
        _ => (!answers.is_empty()).then(|| answers.join(", ")),
    }
    .unwrap_or_else(|| t.get("es-not-answered"))
}

fn render_review(t: Tr, nav: Nav, view: &DraftView, violations: &Violations) -> Response {
    let d = &view.definition;
    let with_files = view.answers_with_files();
    let steps = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| ReviewStep {
            title: t.pick(&s.title.sv, &s.title.en).to_owned(),
            change: step_href(view, i),
            rows: s
                .fields
                .iter()
                .filter(|f| d.shown(f, &with_files))
                .map(|f| ReviewRow {
                    label: t.pick(&f.label.sv, &f.label.en).to_owned(),
                    answer: answer_text(&t, f, view),
                    error: violations
                        .0
                        .iter()
                        .find(|v| v.field == f.name)
                        .map(|v| field_error(&t, f, v.code))
                        .unwrap_or_default(),
                    id: format!("f-{}", f.name),
                })
                .collect(),
        })
        .collect();
    let page = ReviewPage {
        title: t.pick(&d.title.sv, &d.title.en).to_owned(),
        steps,
        errors: summary(&t, d, violations),
        action: format!("/e/{}/{}/submit", view.draft.service_code, view.draft.id),
        assisted: view.draft.assisted_by.is_some(),
        t,
        nav,
    };
    let status = if violations.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

async fn review_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((code, draft)): Path<(String, String)>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    match state.app.review_draft(user.as_ref(), &draft).await {
        Ok((view, _)) if view.draft.service_code == code => render_review(t, nav, &view, &Violations::new()),
        Ok(_) => error_page(t, nav, StatusCode::NOT_FOUND),
        Err(e) => draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
    }
}

async fn submit(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path((code, draft)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    // Each submit may mail a receipt: one address cannot send without end.
    let key = state.limiter.key(("submit", ip));
    if !state.limiter.allow(key, ABUSE_WINDOW, SUBMITS_PER_ADDRESS) {
        tracing::warn!(target: "porten::security", event = "eservice.refused", reason = "submits per address");
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    match state.app.submit_draft_with_receipt(user.as_ref(), &draft, t.lang == Lang::En).await {
        Ok((token, ReceiptMail::Held)) => Redirect::to(&format!("/track/{token}?received=1&mail=held")).into_response(),
        Ok((token, _)) => Redirect::to(&format!("/track/{token}?received=1")).into_response(),
        Err(AppError::Invalid(v)) => match state.app.open_draft(user.as_ref(), &draft).await {
            Ok(view) => render_review(t.at(format!("/e/{code}/{draft}/review")), nav, &view, &v),
            Err(e) => draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
        },
        Err(e) => draft_error(&state, t, nav, (&code, &draft, user.as_ref()), e).await,
    }
}
