//! The errand commands of the API (`POST /api/v1/errands/{id}/<command>`):
//! one generic handler, the JSON body of each command, and `If-Match`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use porten_app::AppError;
use porten_domain::errand::Direction;
use porten_domain::{Command, Decision, Lifecycle, UnitCode, Violations};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, ErrandOut, errand_response, json_body, parse_id, values, with_status_name};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{AppErrorResponse, Problem};

/// The versions a write may apply to, from `If-Match` (RFC 9110 §13.1.1)
/// or else the body's `version`: `Ok(None)` for no condition (no header and
/// no version, or `If-Match: *`), `Ok(Some(versions))` for a list of entity
/// tags. A weak tag (`W/"3"`) is well-formed but never matches, since
/// `If-Match` compares strongly. A header that is not a list of entity tags
/// is a 400.
fn if_match(headers: &HeaderMap, body_version: Option<i64>) -> Result<Option<Vec<i64>>, AppErrorResponse> {
    let values: Vec<&HeaderValue> = headers.get_all(header::IF_MATCH).iter().collect();
    if values.is_empty() {
        return Ok(body_version.map(|v| vec![v]));
    }
    let malformed = || {
        let p = Problem::new(StatusCode::BAD_REQUEST, "bad-if-match", "If-Match is not a list of entity tags");
        AppErrorResponse(p.detail("send the ETag of the errand as read, e.g. If-Match: \"3\""))
    };
    let text = values.iter().map(|v| v.to_str()).collect::<Result<Vec<_>, _>>().map_err(|_| malformed())?.join(",");
    let tags: Vec<&str> = text.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
    if tags == ["*"] {
        return Ok(None);
    }
    if tags.is_empty() {
        return Err(malformed());
    }
    let mut versions = Vec::new();
    for tag in tags {
        let (weak, quoted) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let inner = quoted.strip_prefix('"').and_then(|t| t.strip_suffix('"')).ok_or_else(malformed)?;
        if inner.contains('"') {
            return Err(malformed());
        }
        // An opaque tag that is not one of ours, or a weak one, matches nothing.
        if let (false, Ok(version)) = (weak, inner.parse::<i64>()) {
            versions.push(version);
        }
    }
    Ok(Some(versions))
}

/// What every errand command can answer (for the OpenAPI document).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, clippy::large_enum_variant)] // never built, only described
enum CommandAnswers {
    #[response(status = 200, description = "The errand after the command")]
    Done(ErrandOut),
    #[response(
        status = 400,
        description = "If-Match is not a list of entity tags",
        content_type = "application/problem+json"
    )]
    BadIfMatch(Problem),
    #[response(status = 401, description = "No valid API key", content_type = "application/problem+json")]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The key lacks the scope, or its standing may not make this move (`not_permitted`)",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such errand, or not one the key may see",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(status = 409, description = "The body's version is stale", content_type = "application/problem+json")]
    Conflict(Problem),
    #[response(status = 412, description = "If-Match did not match", content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    #[response(status = 413, description = "The body is too large", content_type = "application/problem+json")]
    TooLarge(Problem),
    #[response(
        status = 422,
        description = "Invalid fields, or the errand's state refuses the command (its `type` says why: \
                       `illegal_transition`, `same_unit`, `no_change`)",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// A JSON body that asks for one command on an errand, with the version it
/// was read at (the `If-Match` header wins over the body's `version`).
pub(super) trait CommandInput: serde::de::DeserializeOwned + Send {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations>;
}

/// The one handler behind every `POST /errands/{id}/<command>` route.
pub(super) async fn command<T: CommandInput>(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<T>, JsonRejection>,
) -> ApiResult<Response> {
    let (command, body_version) = json_body(body)?.into_command().map_err(AppError::Invalid)?;
    let versions = if_match(&headers, body_version)?;
    let precondition = headers.contains_key(header::IF_MATCH);
    let errand = match state.app.act_on_errand(&actor, parse_id(&id)?, versions.as_deref(), command).await {
        // A failed If-Match is 412; a stale body version stays 409.
        Err(AppError::Conflict { current }) if precondition => {
            let failed = Problem::new(StatusCode::PRECONDITION_FAILED, "precondition-failed", "If-Match did not match");
            return Err(failed.detail(format!("the errand's ETag is now \"{current}\"")).into());
        }
        other => other?,
    };
    Ok(errand_response(StatusCode::OK, with_status_name(&state, errand).await?))
}

fn invalid(field: &str, message: &str) -> Violations {
    let mut v = Violations::new();
    v.push(field, "invalid", message);
    v
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    pub body: String,
    /// out (default): from the city; in: from the citizen, e.g. forwarded by another system.
    #[schema(value_type = Option<values::Direction>)]
    pub direction: Option<String>,
    pub version: Option<i64>,
}

/// Add a message to or from the citizen.
#[utoipa::path(post, path = "/api/v1/errands/{id}/messages", security(("api_key" = ["errands:write"])), tag = "errands", request_body = MessageIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<MessageIn>` serves it
pub(super) fn add_message() {}

impl CommandInput for MessageIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        let direction = match self.direction.as_deref() {
            None | Some("out") => Direction::Out,
            Some("in") => Direction::In,
            Some(_) => return Err(invalid("direction", "must be in or out")),
        };
        Ok((Command::AddMessage { direction, body: self.body }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub body: String,
    pub version: Option<i64>,
}

/// Add an internal note (never shown to citizens).
#[utoipa::path(post, path = "/api/v1/errands/{id}/notes", security(("api_key" = ["errands:write"])), tag = "errands", request_body = NoteIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<NoteIn>` serves it
pub(super) fn add_note() {}

impl CommandInput for NoteIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        Ok((Command::AddNote { body: self.body }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// Target lifecycle class.
    #[schema(value_type = values::TargetStatus)]
    pub status: String,
    /// Why: needed to close without a decision and to reopen.
    pub reason: Option<String>,
    /// The decision (*beslut*) that resolves the errand; needed for
    /// `resolved` and refused for any other status.
    pub decision: Option<DecisionIn>,
    pub version: Option<i64>,
}

/// A decision (*beslut*): its outcome and the text the applicant reads.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    #[schema(value_type = values::Outcome)]
    pub outcome: String,
    pub text: String,
}

/// Change the errand's status. Who may make which move, and what it needs,
/// follows the lifecycle table (docs/ARCHITECTURE.md): the contact center
/// never resolves or closes another unit's errand (403 `not_permitted`).
#[utoipa::path(post, path = "/api/v1/errands/{id}/status", security(("api_key" = ["errands:write"])), tag = "errands", request_body = StatusIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<StatusIn>` serves it
pub(super) fn change_status() {}

impl CommandInput for StatusIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        let to = Lifecycle::parse(&self.status)
            .ok_or_else(|| invalid("status", "must be open, in_progress, waiting_for_citizen, resolved or closed"))?;
        let decision = match &self.decision {
            Some(d) => Decision::parse(Some(&d.outcome), Some(&d.text))?,
            None => None,
        };
        Ok((Command::ChangeStatus { to, reason: self.reason, decision }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// User id of the new assignee, or null to unassign.
    pub assignee_id: Option<i64>,
    pub version: Option<i64>,
}

/// Assign the errand to a staff member, or unassign it.
#[utoipa::path(post, path = "/api/v1/errands/{id}/assignment", security(("api_key" = ["errands:write"])), tag = "errands", request_body = AssignIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<AssignIn>` serves it
pub(super) fn assign() {}

impl CommandInput for AssignIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        Ok((Command::Assign { assignee: self.assignee_id }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverIn {
    /// Code of the receiving unit.
    pub unit: String,
    pub reason: String,
    pub version: Option<i64>,
}

/// Hand the errand over to another unit (överlämning).
#[utoipa::path(post, path = "/api/v1/errands/{id}/handover", security(("api_key" = ["errands:write"])), tag = "errands", request_body = HandoverIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<HandoverIn>` serves it
pub(super) fn hand_over() {}

impl CommandInput for HandoverIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        let to_unit = UnitCode::parse(&self.unit).map_err(|_| invalid("unit", "a unit code is 2–5 letters A–Z"))?;
        Ok((Command::HandOver { to_unit, reason: self.reason }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationIn {
    pub reason: String,
    pub version: Option<i64>,
}

/// Escalate the errand: raises its priority one step and records why.
#[utoipa::path(post, path = "/api/v1/errands/{id}/escalation", security(("api_key" = ["errands:write"])), tag = "errands", request_body = EscalationIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<EscalationIn>` serves it
pub(super) fn escalate() {}

impl CommandInput for EscalationIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        Ok((Command::Escalate { reason: self.reason }, self.version))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityIn {
    #[schema(value_type = values::Priority)]
    pub priority: String,
    pub version: Option<i64>,
}

/// Set the errand's priority (`no_change` if it has it already).
#[utoipa::path(post, path = "/api/v1/errands/{id}/priority", security(("api_key" = ["errands:write"])), tag = "errands", request_body = PriorityIn, params(("id" = String, Path, description = "Public errand id")),
    responses(CommandAnswers))]
#[allow(dead_code)] // documents the route; `command::<PriorityIn>` serves it
pub(super) fn set_priority() {}

impl CommandInput for PriorityIn {
    fn into_command(self) -> Result<(Command, Option<i64>), Violations> {
        let priority = porten_domain::Priority::parse(&self.priority)
            .ok_or_else(|| invalid("priority", "must be one of low, normal, high, urgent"))?;
        Ok((Command::SetPriority { priority }, self.version))
    }
}
