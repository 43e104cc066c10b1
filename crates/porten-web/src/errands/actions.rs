//! The actions on an errand page (note, message to the citizen, status and
//! decision, assignment, handover, priority, escalation): post/redirect/get,
//! or the page again with an error summary that keeps what was typed.

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

#[derive(Deserialize)]
pub(super) struct HandOverForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    pub(super) unit: String,
    pub(super) reason: String,
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    /// A user id; empty to unassign.
    pub(super) assignee: String,
}

#[derive(Deserialize)]
pub(super) struct PriorityForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    pub(super) priority: String,
}

#[derive(Deserialize)]
pub(super) struct ReasonForm {
    pub(super) csrf: String,
    pub(super) version: Option<i64>,
    pub(super) reason: String,
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    pub(super) csrf: String,
    /// The other errand's registry number, as typed.
    pub(super) other: String,
    /// `merge`: this errand is a duplicate of the other; else related.
    pub(super) action: Option<String>,
}

crate::staff::token_forms!(
    NoteForm,
    StatusForm,
    VersionForm,
    HandOverForm,
    AssignForm,
    PriorityForm,
    ReasonForm,
    LinkForm
);

/// What the user typed into the errand page's forms, shown again when a
/// form comes back with an error.
#[derive(Clone, Default)]
pub(super) struct Typed {
    pub(super) note: String,
    pub(super) reason: String,
    pub(super) message: String,
    pub(super) outcome: String,
    pub(super) decision: String,
    pub(super) handover_unit: String,
    pub(super) handover_reason: String,
    pub(super) escalation: String,
    pub(super) link_other: String,
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
    let command = action.command.clone();
    let versions = action.version.as_ref().map(std::slice::from_ref);
    let feedback = match state.app.act_on_errand(&actor, public_id, versions, action.command).await {
        Ok(_) => return Redirect::to(&format!("/staff/errands/{public_id}?saved=1")).into_response(),
        Err(AppError::Conflict { .. }) => keep(None, Some(t.get("errand-conflict-kept"))),
        Err(AppError::Invalid(v)) => keep(Some(invalid_field(&t, &v, &command)), None),
        Err(AppError::Refused { code: "not_permitted", .. }) => {
            keep(Some((t.get("errand-not-permitted"), anchor(&command, None).0)), None)
        }
        Err(AppError::Refused { .. } | AppError::Closed) => {
            keep(Some((t.get("errand-rejected"), anchor(&command, None).0)), None)
        }
        Err(e) => return app_error_page(t, nav, e),
    };
    render_errand(state, t, &csrf, &user, id, feedback).await
}

/// The id of the field on the errand page that a violation of `field` in
/// `command` is about (`None`: the form's main control), with its label.
fn anchor(command: &Command, field: Option<&str>) -> (&'static str, &'static str) {
    match (command, field) {
        (Command::AddMessage { .. }, _) => ("message", "errand-message-label"),
        (Command::AddNote { .. }, _) => ("note", "errand-note-label"),
        (Command::ChangeStatus { .. }, Some("reason")) => ("reason", "errand-reason-label"),
        (Command::ChangeStatus { .. }, Some("decision.outcome")) => ("outcome", "errand-outcome-label"),
        (Command::ChangeStatus { .. }, Some("decision.text")) => ("decision", "errand-decision-label"),
        (Command::ChangeStatus { .. }, _) => ("status", "errand-status-label"),
        (Command::HandOver { .. }, Some("reason")) => ("handover-reason", "errand-reason-label"),
        (Command::HandOver { .. }, _) => ("handover-unit", "errand-handover-unit"),
        (Command::Escalate { .. }, _) => ("escalate-reason", "errand-reason-label"),
        (Command::Assign { .. } | Command::Route { .. }, _) => ("assignee", "errand-assign-label"),
        (Command::SetPriority { .. }, _) => ("priority", "errand-priority-label"),
        (Command::DemandDecision, _) => ("demand", "errand-demand-submit"),
        (Command::RecordContact { .. } | Command::RaiseAlert { .. }, _) => ("note", "errand-note-label"),
        (Command::AttachDocument { .. }, _) => ("document", "errand-document-label"),
        (Command::Link { .. } | Command::MergeInto { .. } | Command::Absorb { .. }, _) => {
            ("link-other", "errand-link-other")
        }
    }
}

/// The error message for the first violation, and the id of its field.
fn invalid_field(t: &Tr, v: &porten_domain::Violations, command: &Command) -> (String, &'static str) {
    let first = v.0.first();
    let (field, label_key) = anchor(command, first.map(|f| f.field.as_str()));
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
            let command = Command::status(to, None);
            let feedback = Feedback { error: Some(invalid_field(&t, &v, &command)), typed, ..Feedback::default() };
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

/// Hands the errand to another unit, with the reason (it leaves the
/// assignee; the new unit takes it up from its queue).
pub(super) async fn hand_over(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<HandOverForm>,
) -> Response {
    let typed = Typed { handover_unit: form.unit.clone(), handover_reason: form.reason.clone(), ..Typed::default() };
    let Ok(to_unit) = porten_domain::UnitCode::parse(&form.unit) else {
        let Staff { user, t, csrf, .. } = staff;
        let t = t.at(format!("/staff/errands/{id}"));
        let error = (t.with1("violation-required", "field", t.get("errand-handover-unit")), "handover-unit");
        let feedback = Feedback { error: Some(error), typed, ..Feedback::default() };
        return render_errand(&state, t, &csrf, &user, &id, feedback).await;
    };
    let command = Command::HandOver { to_unit, reason: form.reason };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed }).await
}

/// Assigns the errand to a colleague, or to no one.
pub(super) async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<AssignForm>,
) -> Response {
    let assignee = match form.assignee.trim() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return error_page(staff.t, staff.nav, StatusCode::UNPROCESSABLE_ENTITY),
        },
    };
    let command = Command::Assign { assignee };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed: Typed::default() }).await
}

pub(super) async fn set_priority(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<PriorityForm>,
) -> Response {
    let Some(priority) = porten_domain::Priority::parse(&form.priority) else {
        return error_page(staff.t, staff.nav, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let command = Command::SetPriority { priority };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed: Typed::default() }).await
}

/// Escalates the errand: its priority goes up one step, with the reason.
pub(super) async fn escalate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<ReasonForm>,
) -> Response {
    let typed = Typed { escalation: form.reason.clone(), ..Typed::default() };
    let command = Command::Escalate { reason: form.reason };
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed }).await
}

/// Records that the party demanded a decision (förvaltningslagen 12 §); the
/// decision must then come within four weeks.
pub(super) async fn demand_decision(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<VersionForm>,
) -> Response {
    let command = Command::DemandDecision;
    staff_command(&state, staff, &id, StaffAction { version: form.version, command, typed: Typed::default() }).await
}

/// Links the errand to another by its registry number, or merges it, a
/// duplicate, into the other (closing it, pointing to the survivor).
pub(super) async fn link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: ErrandForm<LinkForm>,
) -> Response {
    let Staff { user, actor, t, nav, csrf, .. } = staff;
    let Ok(public_id) = PublicId::parse(&id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let merge = form.action.as_deref() == Some("merge");
    let done = match merge {
        true => state.app.merge_errand(&actor, public_id, &form.other).await,
        false => state.app.link_errands(&actor, public_id, &form.other).await,
    };
    let t = t.at(format!("/staff/errands/{public_id}"));
    let error = match done {
        Ok(_) => return Redirect::to(&format!("/staff/errands/{public_id}?saved=1")).into_response(),
        Err(AppError::Invalid(v)) if v.0.first().is_some_and(|f| f.field == "other" && f.code == "unknown") => {
            t.get("errand-link-unknown")
        }
        Err(AppError::Invalid(_)) => t.get("errand-link-itself"),
        Err(AppError::Refused { code: "not_permitted", .. }) => t.get("errand-not-permitted"),
        Err(AppError::Refused { .. }) => t.get("errand-rejected"),
        Err(e) => return app_error_page(t, nav, e),
    };
    let typed = Typed { link_other: form.other, ..Typed::default() };
    let feedback = Feedback { error: Some((error, "link-other")), typed, ..Feedback::default() };
    render_errand(&state, t, &csrf, &user, &id, feedback).await
}
