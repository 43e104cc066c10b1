//! The actions on an errand page (note, status, assign to me, message to the
//! citizen): post/redirect/get, or the page again with an error summary that
//! keeps what was typed.

use super::*;
use crate::staff::{AnyStaff, Staff, StaffForm};

#[derive(Deserialize)]
pub(super) struct NoteForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    pub(super) body: String,
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    pub(super) status: String,
    pub(super) reason: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct VersionForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
}

crate::staff::token_forms!(NoteForm, StatusForm, VersionForm);

/// A command posted from the errand page, with what the user typed.
pub(super) struct StaffAction {
    pub(super) version: Option<i64>,
    pub(super) command: Command,
    pub(super) note_text: String,
    pub(super) reason_text: String,
    pub(super) message_text: String,
}

impl StaffAction {
    /// A command from a form; what the user typed is added with `..`.
    fn new(version: Option<i64>, command: Command) -> Self {
        Self { version, command, note_text: String::new(), reason_text: String::new(), message_text: String::new() }
    }
}

/// A staff form post on the errand page.
type ErrandForm<F> = StaffForm<AnyStaff, F>;

/// Runs a staff command from a form and answers with post/redirect/get, or
/// re-renders the errand with an error summary that keeps the typed text.
pub(super) async fn staff_command(state: &AppState, staff: Staff<AnyStaff>, id: &str, action: StaffAction) -> Response {
    let Staff { user, actor, t, nav, csrf, .. } = staff;
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
    let versions = action.version.as_ref().map(std::slice::from_ref);
    let feedback = match state.app.act_on_errand(&actor, public_id, versions, action.command).await {
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
    render_errand(state, t, &csrf, &user, id, feedback).await
}

pub(super) async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<NoteForm>,
) -> Response {
    let command = Command::AddNote { body: form.body.clone() };
    let action = StaffAction { note_text: form.body, ..StaffAction::new(form.version, command) };
    staff_command(&state, staff, &id, action).await
}

pub(super) async fn change_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<StatusForm>,
) -> Response {
    let Some(to) = Lifecycle::parse(&form.status) else {
        return error_page(staff.t, staff.nav, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let reason_text = form.reason.clone().unwrap_or_default();
    let command = Command::ChangeStatus { to, reason: form.reason };
    let action = StaffAction { reason_text, ..StaffAction::new(form.version, command) };
    staff_command(&state, staff, &id, action).await
}

pub(super) async fn assign_me(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<VersionForm>,
) -> Response {
    let command = Command::Assign { assignee: Some(staff.user.id) };
    staff_command(&state, staff, &id, StaffAction::new(form.version, command)).await
}

/// A message to the citizen: it shows on their tracking page and in Mina
/// ärenden, and they are told by mail.
pub(super) async fn send_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<NoteForm>,
) -> Response {
    let command = Command::AddMessage { direction: porten_domain::Direction::Out, body: form.body.clone() };
    let action = StaffAction { message_text: form.body, ..StaffAction::new(form.version, command) };
    staff_command(&state, staff, &id, action).await
}
