//! The actions on an errand page (note, status, assign to me, message to the
//! citizen): post/redirect/get, or the page again with an error summary that
//! keeps what was typed.

use porten_domain::Decision;

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
    /// The decision's outcome and text, when the form resolves the errand.
    pub(super) outcome: Option<String>,
    pub(super) decision: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct VersionForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
}

crate::staff::token_forms!(NoteForm, StatusForm, VersionForm);

/// What the user typed into the errand page's forms, shown again when a
/// form comes back with an error.
#[derive(Clone, Default)]
pub(super) struct Typed {
    pub(super) note: String,
    pub(super) reason: String,
    pub(super) message: String,
    pub(super) outcome: String,
    pub(super) decision: String,
}

/// A command posted from the errand page, with what the user typed.
pub(super) struct StaffAction {
    pub(super) version: Option<i64>,
    pub(super) command: Command,
    pub(super) typed: Typed,
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
        typed: action.typed.clone(),
        reveal_purpose: None,
    };
    let to_citizen = matches!(action.command, Command::AddMessage { .. });
    let versions = action.version.as_ref().map(std::slice::from_ref);
    let feedback = match state.app.act_on_errand(&actor, public_id, versions, action.command).await {
        Ok(_) => return Redirect::to(&format!("/staff/errands/{public_id}?saved=1")).into_response(),
        Err(AppError::Conflict { .. }) => keep(None, Some(t.get("errand-conflict-kept"))),
        Err(AppError::Invalid(v)) => keep(Some(invalid_field(&t, &v, to_citizen)), None),
        Err(AppError::Refused { code: "not_permitted", .. }) => {
            keep(Some((t.get("errand-not-permitted"), "status")), None)
        }
        Err(AppError::Refused { .. } | AppError::Closed) => keep(Some((t.get("errand-rejected"), "status")), None),
        Err(e) => return app_error_page(t, nav, e),
    };
    render_errand(state, t, &csrf, &user, id, feedback).await
}

/// The error message for the first violation, and the id of its field.
fn invalid_field(t: &Tr, v: &porten_domain::Violations, to_citizen: bool) -> (String, &'static str) {
    let first = v.0.first();
    let (field, label_key) = match first.map(|f| f.field.as_str()) {
        Some("body") if to_citizen => ("message", "errand-message-label"),
        Some("body") => ("note", "errand-note-label"),
        Some("reason") => ("reason", "errand-reason-label"),
        Some("decision.outcome") => ("outcome", "errand-outcome-label"),
        Some("decision.text") => ("decision", "errand-decision-label"),
        _ => ("status", "errand-status-label"),
    };
    let code = first.map_or("invalid", |f| f.code);
    (t.with1(&format!("violation-{code}"), "field", t.get(label_key)), field)
}

pub(super) async fn add_note(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<NoteForm>,
) -> Response {
    let command = Command::AddNote { body: form.body.clone() };
    let action = StaffAction { version: form.version, command, typed: Typed { note: form.body, ..Typed::default() } };
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
    let typed = Typed {
        reason: form.reason.clone().unwrap_or_default(),
        outcome: form.outcome.clone().unwrap_or_default(),
        decision: form.decision.clone().unwrap_or_default(),
        ..Typed::default()
    };
    let decision = match Decision::parse(form.outcome.as_deref(), form.decision.as_deref()) {
        Ok(d) => d,
        Err(v) => {
            let Staff { user, t, csrf, .. } = staff;
            let t = t.at(format!("/staff/errands/{id}"));
            let feedback = Feedback { error: Some(invalid_field(&t, &v, false)), typed, ..Feedback::default() };
            return render_errand(&state, t, &csrf, &user, &id, feedback).await;
        }
    };
    let command = Command::ChangeStatus { to, reason: form.reason, decision };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed }).await
}

pub(super) async fn assign_me(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<VersionForm>,
) -> Response {
    let command = Command::Assign { assignee: Some(staff.user.id) };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed: Typed::default() }).await
}

/// A message to the citizen: it shows on their tracking page and in Mina
/// ärenden, and they are told by mail.
pub(super) async fn send_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<NoteForm>,
) -> Response {
    let command = Command::AddMessage { direction: porten_domain::Direction::Out, body: form.body.clone() };
    let typed = Typed { message: form.body, ..Typed::default() };
    let action = StaffAction { version: form.version, command, typed };
    staff_command(&state, staff, &id, action).await
}
