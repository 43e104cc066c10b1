//! The staff pages for errands: the list with filters, one errand with its
//! timeline, and the actions on it (note, status, assign to me).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::{AppError, auth::user_actor};
use porten_domain::{Channel, Command, EventKind, Lifecycle, PublicId, Role};
use porten_store::User;
use serde::Deserialize;

use crate::AppState;
use crate::api::{ListParams, parse_filter};
use crate::auth::{CsrfToken, MaybeUser};
use crate::i18n::{Tr, local_time};
use crate::pages::*;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/errands", errand_list)
        .get("/staff/errands/{id}", errand_page)
        .post("/staff/errands/{id}/note", add_note)
        .post("/staff/errands/{id}/status", change_status)
        .post("/staff/errands/{id}/assign-me", assign_me)
        .post("/staff/errands/{id}/message", send_message)
        .post("/staff/errands/{id}/reveal", reveal)
        .get("/staff/errands/{id}/attachments/{n}", attachment)
}

struct SelectOption {
    value: String,
    label: String,
    selected: bool,
}

struct ErrandRow {
    id: String,
    registry_number: String,
    title: String,
    status: String,
    channel: String,
    unit: String,
    created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "errands.html")]
struct ErrandListPage {
    t: Tr,
    nav: Nav,
    units: Vec<SelectOption>,
    states: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    rows: Vec<ErrandRow>,
    total: u64,
    error: Option<String>,
    paged: bool,
    first_href: String,
    next_href: Option<String>,
}

fn query_string(params: &[(&str, String)]) -> String {
    let set: Vec<_> = params.iter().filter(|(_, v)| !v.is_empty()).collect();
    if set.is_empty() { String::new() } else { format!("?{}", serde_urlencoded::to_string(set).unwrap_or_default()) }
}

async fn errand_list(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(params): Query<ListParams>,
) -> Response {
    let user = match require_staff(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let actor = user_actor(&user);
    let (page, error) = match parse_filter(&ListParams { limit: Some(params.limit.unwrap_or(25)), ..params.clone() }) {
        Ok(q) => match state.app.list_errands(&actor, q).await {
            Ok(p) => (Some(p), None),
            Err(AppError::Forbidden) => return error_page(t, nav, StatusCode::FORBIDDEN),
            Err(e) => return app_error_page(t, nav, e),
        },
        Err(_) => (None, Some(t.get("errands-filter-invalid"))),
    };
    let units = match state.app.workable_units(&actor).await {
        Ok(u) => u,
        Err(e) => return app_error_page(t, nav, e),
    };
    let chosen = |value: &str, param: &Option<String>| param.as_deref() == Some(value);
    let unit_options = units
        .iter()
        .map(|u| SelectOption {
            value: u.code.to_string(),
            label: t.pick(&u.name_sv, &u.name_en).to_owned(),
            selected: chosen(u.code.as_str(), &params.unit),
        })
        .collect();
    let states = Lifecycle::ALL
        .into_iter()
        .map(|l| SelectOption {
            value: l.as_str().into(),
            label: t.get(&format!("state-{}", l.as_str())),
            selected: chosen(l.as_str(), &params.status),
        })
        .collect();
    let channels = Channel::ALL
        .into_iter()
        .map(|c| SelectOption {
            value: c.as_str().into(),
            label: t.get(&format!("channel-{}", c.as_str())),
            selected: chosen(c.as_str(), &params.channel),
        })
        .collect();
    let base: Vec<(&str, String)> = vec![
        ("unit", params.unit.clone().unwrap_or_default()),
        ("status", params.status.clone().unwrap_or_default()),
        ("channel", params.channel.clone().unwrap_or_default()),
        ("limit", params.limit.map(|l| l.to_string()).unwrap_or_default()),
    ];
    let (rows, total, next_href) = match page {
        Some(p) => {
            let next_href = p.next.map(|c| {
                let mut q = base.clone();
                q.push(("cursor", c.encode()));
                format!("/staff/errands{}", query_string(&q))
            });
            let rows = p
                .items
                .into_iter()
                .map(|s| ErrandRow {
                    id: s.public_id.to_string(),
                    registry_number: s.registry_number.to_string(),
                    title: s.title,
                    status: t.get(&format!("state-{}", s.lifecycle.as_str())),
                    channel: t.get(&format!("channel-{}", s.channel.as_str())),
                    unit: s.unit.to_string(),
                    created: local_time(s.created_at),
                })
                .collect();
            (rows, p.total, next_href)
        }
        None => (Vec::new(), 0, None),
    };
    ErrandListPage {
        t,
        nav,
        units: unit_options,
        states,
        channels,
        rows,
        total,
        error,
        paged: params.cursor.is_some(),
        first_href: format!("/staff/errands{}", query_string(&base)),
        next_href,
    }
    .into_response()
}

struct EventRow {
    label: String,
    at: String,
    actor: String,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "errand.html")]
struct ErrandPage {
    t: Tr,
    nav: Nav,
    id: String,
    registry_number: String,
    title: String,
    status: String,
    service: String,
    unit: String,
    channel: String,
    assignee: String,
    created: String,
    confidential: bool,
    description: String,
    parties: Vec<String>,
    events: Vec<EventRow>,
    version: i64,
    next_states: Vec<SelectOption>,
    can_assign_self: bool,
    error: Option<String>,
    error_field: String,
    notice: Option<String>,
    note_text: String,
    reason_text: String,
    message_text: String,
    /// Personal identity numbers are shown in full (after a reveal).
    revealed: bool,
    /// The e-service answers: (question, answer).
    answers: Vec<(String, String)>,
    /// Attached files: (link, name, type and size).
    attachments: Vec<(String, String, String)>,
    /// "E-service version 1", with who filled it in for the citizen.
    submitted_through: String,
}

/// What a re-rendered errand page tells the user, and what they had typed.
#[derive(Default)]
struct Feedback {
    /// The message and the id of the field it is about.
    error: Option<(String, &'static str)>,
    notice: Option<String>,
    note_text: String,
    reason_text: String,
    message_text: String,
    /// Show personal identity numbers in full, for this purpose (audited).
    reveal_purpose: Option<String>,
}

#[derive(Deserialize)]
struct Flash {
    saved: Option<u8>,
    conflict: Option<u8>,
}

async fn errand_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let user = match require_staff(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let notice = if flash.conflict.is_some() {
        Some(t.get("errand-conflict"))
    } else if flash.saved.is_some() {
        Some(t.get("errand-saved"))
    } else {
        None
    };
    render_errand(&state, t, &csrf, &user, &id, Feedback { notice, ..Default::default() }).await
}

async fn render_errand(
    state: &AppState,
    t: Tr,
    csrf: &CsrfToken,
    user: &User,
    id: &str,
    feedback: Feedback,
) -> Response {
    let nav = Nav::new(Some(user), csrf);
    let Ok(public_id) = PublicId::parse(id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let read = match &feedback.reveal_purpose {
        Some(purpose) => state.app.reveal_errand(&user_actor(user), public_id, purpose).await,
        None => state.app.read_errand(&user_actor(user), public_id, None).await,
    };
    let revealed = feedback.reveal_purpose.is_some();
    let view = match read {
        Ok(v) => v,
        Err(AppError::Invalid(_)) if revealed => {
            let retry = Feedback { error: Some((t.get("errand-reveal-error"), "purpose")), ..Feedback::default() };
            return Box::pin(render_errand(state, t, csrf, user, id, retry)).await;
        }
        Err(e) => return app_error_page(t, nav, e),
    };
    let people = match state.app.errand_people(&view.errand).await {
        Ok(p) => p,
        Err(e) => return app_error_page(t, nav, e),
    };
    let submission = match state.app.submission(&user_actor(user), &view.errand).await {
        Ok(s) => s,
        Err(e) => return app_error_page(t, nav, e),
    };
    let e = view.errand;
    let service = view.service;
    let definition = submission.as_ref().and_then(|s| state.app.eservices().version(&e.service_code, s.version));
    let answers = e
        .form
        .iter()
        .map(|(k, v)| {
            let label = definition
                .as_ref()
                .and_then(|d| d.fields().find(|f| &f.name == k))
                .map_or_else(|| k.clone(), |f| t.pick(&f.label.sv, &f.label.en).to_owned());
            (label, v.clone())
        })
        .collect();
    let attachments = submission
        .as_ref()
        .map(|s| {
            s.attachments
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let href = format!("/staff/errands/{}/attachments/{i}", e.public_id);
                    (href, f.name.clone(), format!("{}, {} kB", f.media_type, f.size.div_ceil(1024)))
                })
                .collect()
        })
        .unwrap_or_default();
    let submitted_through = match &submission {
        None => String::new(),
        Some(s) => {
            let assisted = match s.assisted_by {
                Some(id) => state.app.user_name(id).await.ok().flatten(),
                None => None,
            };
            let version = t.with1("errand-eservice-version", "version", s.version);
            match assisted {
                Some(name) => format!("{version} {}", t.with1("errand-eservice-assisted", "name", name)),
                None => version,
            }
        }
    };
    let assignee = match e.assignee {
        Some(_) => people.assignee_name.unwrap_or_default(),
        None => t.get("errand-unassigned"),
    };
    let status = match t.lang {
        crate::i18n::Lang::Sv => view.status_name_sv,
        _ => t.get(&format!("state-{}", e.lifecycle.as_str())),
    };
    let parties = e
        .parties
        .iter()
        .map(|p| {
            let mut s = format!("{} ({})", p.name, t.get(&format!("party-{}", p.role.as_str())));
            if let Some(n) = &p.personal_number {
                s.push_str(&format!(", {}", if revealed { n.expose().to_owned() } else { n.masked() }));
            }
            if let Some(o) = &p.organisation_number {
                s.push_str(&format!(", {}", o.as_str()));
            }
            s
        })
        .collect();
    let events = view
        .timeline
        .iter()
        .map(|ev| {
            let (label, text) = match &ev.kind {
                EventKind::Registered { channel, .. } => (
                    t.with1("event-registered", "channel", t.get(&format!("channel-{}", channel.as_str()))),
                    String::new(),
                ),
                EventKind::Message { direction, body } => {
                    let key = if *direction == porten_domain::Direction::In {
                        "event-message-in"
                    } else {
                        "event-message-out"
                    };
                    (t.get(key), body.clone())
                }
                EventKind::Note { body } => (t.get("event-note"), body.clone()),
                EventKind::StatusChanged { from, to, reason } => (
                    t.get("event-status_changed"),
                    format!(
                        "{} → {}{}",
                        t.get(&format!("state-{}", from.as_str())),
                        t.get(&format!("state-{}", to.as_str())),
                        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
                    ),
                ),
                EventKind::Assigned { .. } => (t.get("event-assigned"), String::new()),
                EventKind::HandedOver { from_unit, to_unit, reason } => {
                    (t.get("event-handed_over"), format!("{from_unit} → {to_unit}: {reason}"))
                }
                EventKind::Escalated { reason } => (t.get("event-escalated"), reason.clone()),
            };
            EventRow { label, at: local_time(ev.at), actor: ev.actor_name.clone(), text }
        })
        .collect();
    let next_states = Lifecycle::ALL
        .into_iter()
        .filter(|l| e.lifecycle.can_become(*l))
        .map(|l| SelectOption {
            value: l.as_str().into(),
            label: t.get(&format!("state-{}", l.as_str())),
            selected: false,
        })
        .collect();
    let (error, error_field) = match feedback.error {
        Some((m, f)) => (Some(m), f.to_owned()),
        None => (None, String::new()),
    };
    let page = ErrandPage {
        id: e.public_id.to_string(),
        registry_number: e.registry_number.to_string(),
        title: e.title.clone(),
        status,
        service: service.map(|s| t.pick(&s.name_sv, &s.name_en).to_owned()).unwrap_or_else(|| e.service_code.clone()),
        unit: people.unit.map(|u| t.pick(&u.name_sv, &u.name_en).to_owned()).unwrap_or_else(|| e.unit.to_string()),
        channel: t.get(&format!("channel-{}", e.channel.as_str())),
        assignee,
        created: local_time(e.created_at),
        confidential: e.confidential,
        description: e.description.clone(),
        parties,
        events,
        version: e.version,
        next_states,
        can_assign_self: e.assignee != Some(user.id),
        error,
        error_field,
        notice: feedback.notice,
        note_text: feedback.note_text,
        reason_text: feedback.reason_text,
        message_text: feedback.message_text,
        revealed,
        answers,
        attachments,
        submitted_through,
        t,
        nav,
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, page).into_response()
}

#[derive(Deserialize)]
struct NoteForm {
    csrf: String,
    version: Option<i64>,
    body: String,
}

#[derive(Deserialize)]
struct StatusForm {
    csrf: String,
    version: Option<i64>,
    status: String,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct VersionForm {
    csrf: String,
    version: Option<i64>,
}

/// A command posted from the errand page, with what the user typed.
struct StaffAction {
    form_csrf: String,
    version: Option<i64>,
    command: Command,
    note_text: String,
    reason_text: String,
    message_text: String,
}

impl StaffAction {
    /// A command from a form; what the user typed is added with `..`.
    fn new(form_csrf: String, version: Option<i64>, command: Command) -> Self {
        Self {
            form_csrf,
            version,
            command,
            note_text: String::new(),
            reason_text: String::new(),
            message_text: String::new(),
        }
    }
}

/// Runs a staff command from a form and answers with post/redirect/get, or
/// re-renders the errand with an error summary that keeps the typed text.
async fn staff_command(
    state: &AppState,
    t: Tr,
    csrf: &CsrfToken,
    user: Option<User>,
    id: &str,
    action: StaffAction,
) -> Response {
    let (user, nav) = match require_role_post(user, &t, csrf, Role::is_staff, &action.form_csrf) {
        Ok(x) => x,
        Err(res) => return *res,
    };
    let Ok(public_id) = PublicId::parse(id) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let t = t.at(format!("/staff/errands/{public_id}"));
    let keep = |error: Option<(String, &'static str)>, notice: Option<String>| Feedback {
        error,
        notice,
        note_text: action.note_text.clone(),
        reason_text: action.reason_text.clone(),
        message_text: action.message_text.clone(),
        reveal_purpose: None,
    };
    let to_citizen = matches!(action.command, Command::AddMessage { .. });
    let feedback = match state
        .app
        .act_on_errand(&user_actor(&user), public_id, action.version.as_ref().map(std::slice::from_ref), action.command)
        .await
    {
        Ok(_) => return Redirect::to(&format!("/staff/errands/{public_id}?saved=1")).into_response(),
        Err(AppError::Conflict { .. }) => keep(None, Some(t.get("errand-conflict-kept"))),
        Err(AppError::Invalid(v)) => {
            let first = v.0.first();
            let (field, label_key) = match first.map(|f| f.field.as_str()) {
                Some("body") if to_citizen => ("message", "errand-message-label"),
                Some("body") => ("note", "errand-note-label"),
                Some("reason") => ("reason", "errand-reason-label"),
                _ => ("status", "errand-status-label"),
            };
            let code = first.map_or("invalid", |f| f.code);
            let message = t.with1(&format!("violation-{code}"), "field", t.get(label_key));
            keep(Some((message, field)), None)
        }
        Err(AppError::Refused { .. } | AppError::Closed) => keep(Some((t.get("errand-rejected"), "status")), None),
        Err(e) => return app_error_page(t, nav, e),
    };
    render_errand(state, t, csrf, &user, id, feedback).await
}

async fn add_note(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let command = Command::AddNote { body: form.body.clone() };
    let action = StaffAction { note_text: form.body, ..StaffAction::new(form.csrf, form.version, command) };
    staff_command(&state, t, &csrf, user, &id, action).await
}

async fn change_status(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let Some(to) = Lifecycle::parse(&form.status) else {
        return error_page(t, Nav::new(user.as_ref(), &csrf), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let reason_text = form.reason.clone().unwrap_or_default();
    let command = Command::ChangeStatus { to, reason: form.reason };
    let action = StaffAction { reason_text, ..StaffAction::new(form.csrf, form.version, command) };
    staff_command(&state, t, &csrf, user, &id, action).await
}

async fn assign_me(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> Response {
    let command = Command::Assign { assignee: user.as_ref().map(|u| u.id) };
    let action = StaffAction::new(form.csrf, form.version, command);
    staff_command(&state, t, &csrf, user, &id, action).await
}

/// A message to the citizen: it shows on their tracking page and in Mina
/// ärenden, and they are told by mail.
async fn send_message(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let command = Command::AddMessage { direction: porten_domain::Direction::Out, body: form.body.clone() };
    let action = StaffAction { message_text: form.body, ..StaffAction::new(form.csrf, form.version, command) };
    staff_command(&state, t, &csrf, user, &id, action).await
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    purpose: String,
}

/// The errand page with every personal identity number in full, for the
/// purpose the staff member gives (audited); the next page view masks them again.
async fn reveal(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> Response {
    let (user, _) = match require_role_post(user, &t, &csrf, Role::is_staff, &form.csrf) {
        Ok(x) => x,
        Err(res) => return *res,
    };
    let feedback = Feedback { reveal_purpose: Some(form.purpose), ..Feedback::default() };
    render_errand(&state, t.at(format!("/staff/errands/{id}")), &csrf, &user, &id, feedback).await
}

/// An attached file, for staff who may read the errand (audited).
async fn attachment(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((id, n)): Path<(String, String)>,
) -> Response {
    let user = match require_staff(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let (Ok(public_id), Ok(n)) = (PublicId::parse(&id), n.parse::<usize>()) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    match state.app.attachment(&user_actor(&user), public_id, n).await {
        Ok((file, content)) => crate::api::file_response(&file, content),
        Err(e) => app_error_page(t, nav, e),
    }
}
