//! The JSON API under `/api/v1`, described by an OpenAPI 3.1 document that
//! is generated from these handlers (`GET /api/v1/openapi.json`).
//!
//! Callers authenticate with `Authorization: Bearer <API key>`. Errors are
//! `application/problem+json`. Lists use keyset pagination: pass the
//! `next_cursor` of one page as `cursor` to get the next; `total` counts all
//! matches.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use porten_app::AppError;
use porten_domain::errand::{ContactChannel, RawErrand, RawParty};
use porten_domain::{Errand, PublicId, Viewer, Violations};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::{AppErrorResponse, Problem};
use commands::{AssignIn, EscalationIn, HandoverIn, MessageIn, NoteIn, PriorityIn, StatusIn, command};
use list::list_errands;
pub use list::{ListParams, known_parameters, parse_filter};

type ApiResult<T> = Result<T, AppErrorResponse>;

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .get("/openapi.json", openapi)
        .get("/units", list_units)
        .get("/services", list_services)
        .get("/search", search::search)
        .post("/errands", create_errand)
        .get("/errands", list_errands)
        .get("/errands/{id}", get_errand)
        .get("/errands/{id}/timeline", get_timeline)
        .get("/errands/{id}/submission", submissions::get_submission)
        .get("/errands/{id}/attachments/{n}", submissions::get_attachment)
        .post("/errands/{id}/messages", command::<MessageIn>)
        .post("/errands/{id}/notes", command::<NoteIn>)
        .post("/errands/{id}/status", command::<StatusIn>)
        .post("/errands/{id}/assignment", command::<AssignIn>)
        .post("/errands/{id}/handover", command::<HandoverIn>)
        .post("/errands/{id}/escalation", command::<EscalationIn>)
        .post("/errands/{id}/priority", command::<PriorityIn>)
}

/// The answer for an unknown path under `/api/v1`.
pub async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such API endpoint")
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Porten API", version = "1", description = "Errands, units, services and search of the city. Errors are application/problem+json."),
    paths(list_units, list_services, search::search, create_errand, list::list_errands, get_errand, get_timeline, submissions::get_submission, submissions::get_attachment, commands::add_message, commands::add_note, commands::change_status, commands::assign, commands::hand_over, commands::escalate, commands::set_priority),
    modifiers(&BearerAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct BearerAuth;
impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The OpenAPI document as pretty JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().expect("OpenAPI document serializes")
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppErrorResponse> {
    body.map(|Json(v)| v).map_err(|e| {
        let mut v = Violations::new();
        match &e {
            JsonRejection::BytesRejection(_) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let detail = format!("a request body may have at most {} bytes", crate::MAX_BODY_BYTES);
                let too_large = Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "The request is too large");
                return AppErrorResponse(too_large.detail(detail));
            }
            JsonRejection::JsonDataError(_) => {
                let (field, message) = data_error(&e.body_text());
                v.push(field, "invalid", message);
            }
            _ => v.push("body", "malformed", e.body_text()),
        }
        AppError::Invalid(v).into()
    })
}

/// Turns serde's message into a field violation without the rejected value,
/// which may be personal data (serde quotes it in type errors).
fn data_error(text: &str) -> (String, String) {
    let detail = text.split_once("target type: ").map_or(text, |(_, rest)| rest);
    if detail.starts_with("missing field") || detail.starts_with("unknown field") {
        let name = detail.split('`').nth(1).unwrap_or("body");
        let message = if detail.starts_with("missing") { "is required" } else { "is not a known field" };
        return (name.to_owned(), message.to_owned());
    }
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') => (path.to_owned(), "has the wrong type or format".to_owned()),
        _ => ("body".to_owned(), "has a value of the wrong type or format".to_owned()),
    }
}

fn parse_id(id: &str) -> Result<PublicId, AppErrorResponse> {
    PublicId::parse(id).map_err(|_| AppError::NotFound.into())
}

mod commands;
mod list;
mod search;
mod submissions;
mod values;

pub use submissions::file_response;

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    /// Short code used in registry numbers, e.g. `UTF`.
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub contact_center: bool,
}

/// List administrations (förvaltningar).
#[utoipa::path(get, path = "/api/v1/units", security(("api_key" = ["catalogue:read"])), tag = "catalogue", description = "Needs the `catalogue:read` scope.", responses((status = 200, body = [UnitOut]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_units(State(state): State<AppState>, ApiCaller(caller): ApiCaller) -> ApiResult<Json<Vec<UnitOut>>> {
    let units = state.app.units(Some(&caller)).await?;
    Ok(Json(
        units
            .into_iter()
            .map(|u| UnitOut {
                code: u.code.to_string(),
                name_sv: u.name_sv,
                name_en: u.name_en,
                contact_center: u.contact_center,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ServiceOut {
    pub code: String,
    pub unit: String,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    #[schema(value_type = Vec<values::Audience>)]
    pub audiences: Vec<String>,
    #[schema(value_type = Vec<values::Channel>)]
    pub channels: Vec<String>,
    /// Open311 GeoReport v2 service_code, when the service takes fault reports.
    pub open311_code: Option<String>,
    pub confidential: bool,
}

/// List catalogue services.
#[utoipa::path(get, path = "/api/v1/services", security(("api_key" = ["catalogue:read"])), tag = "catalogue", description = "Needs the `catalogue:read` scope.", responses((status = 200, body = [ServiceOut]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_services(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<ServiceOut>>> {
    let services = state.app.services(Some(&caller)).await?;
    Ok(Json(
        services
            .into_iter()
            .map(|s| ServiceOut {
                code: s.code,
                unit: s.unit.to_string(),
                name_sv: s.name_sv,
                name_en: s.name_en,
                description_sv: s.description_sv,
                description_en: s.description_en,
                audiences: s.audiences.iter().map(|a| a.as_str().to_owned()).collect(),
                channels: s.channels.iter().map(|c| c.as_str().to_owned()).collect(),
                open311_code: s.open311_code,
                confidential: s.confidential,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StakeholderIn {
    /// applicant (default), reporter or contact
    #[schema(value_type = Option<values::PartyRole>)]
    pub role: Option<String>,
    pub name: String,
    /// Personnummer or samordningsnummer, YYYYMMDD-NNNC. Stored once, never echoed back in full.
    pub personal_number: Option<String>,
    /// Organisationsnummer, NNNNNN-NNNN.
    pub organisation_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrandIn {
    /// Code of a catalogue service; the service's unit will own the errand.
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub service_code: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(required = true, min_length = 1, max_length = 20000)]
    pub description: String,
    /// api when left out.
    #[schema(value_type = Option<values::Channel>)]
    pub channel: Option<String>,
    /// normal when left out.
    #[schema(value_type = Option<values::Priority>)]
    pub priority: Option<String>,
    #[serde(default)]
    pub stakeholders: Vec<StakeholderIn>,
    /// Secrecy marking. Errands of confidential services are always confidential.
    pub confidential: Option<bool>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// E-service form answers by field name.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// Where the errand is, when it has a place.
    pub location: Option<Place>,
}

/// Where an errand is (plats): an address as text, a point in WGS 84, and a
/// reference to a known place. At least one is given.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// Latitude in decimal degrees (WGS 84); given with `long`.
    #[schema(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    /// Longitude in decimal degrees (WGS 84); given with `lat`.
    #[schema(minimum = -180, maximum = 180)]
    pub long: Option<f64>,
    /// A reference to a known place, such as a lamp post's id.
    #[schema(max_length = 100)]
    pub place_ref: Option<String>,
}

impl From<porten_domain::Location> for Place {
    fn from(l: porten_domain::Location) -> Self {
        Place { address: l.address, lat: l.point.map(|p| p.lat), long: l.point.map(|p| p.long), place_ref: l.place_ref }
    }
}

impl From<Place> for porten_domain::RawLocation {
    fn from(p: Place) -> Self {
        porten_domain::RawLocation {
            address: p.address,
            lat: p.lat.map(|l| l.to_string()),
            long: p.long.map(|l| l.to_string()),
            place_ref: p.place_ref,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StakeholderOut {
    #[schema(value_type = values::PartyRole)]
    pub role: String,
    pub name: String,
    /// Masked: `YYYYMMDD-****`.
    pub personal_number_masked: Option<String>,
    pub organisation_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An errand (ärende).
#[derive(Serialize, ToSchema)]
pub struct ErrandOut {
    /// Public id: 26 characters, unguessable, safe in URLs.
    pub id: String,
    /// Diarienummer, e.g. `TK 2026/00042`.
    pub registry_number: String,
    pub service_code: String,
    pub title: String,
    pub description: String,
    #[schema(value_type = values::Channel)]
    pub channel: String,
    #[schema(value_type = values::Priority)]
    pub priority: String,
    /// Lifecycle class: new, open, in_progress, waiting_for_citizen, resolved, closed.
    #[schema(value_type = values::Status)]
    pub status: String,
    /// The status in the citizen's Swedish words (the service's own, if it
    /// names the state): `status_labels.citizen.sv`.
    pub status_name: String,
    /// The status in every audience's words, as Porten's pages show it.
    pub status_labels: StatusLabels,
    /// Code of the unit that owns the errand now.
    pub unit: String,
    pub assignee_id: Option<i64>,
    pub stakeholders: Vec<StakeholderOut>,
    pub confidential: bool,
    pub labels: Vec<String>,
    pub form: BTreeMap<String, String>,
    /// Optimistic-locking version; send it back as `If-Match` or `version`.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub location: Option<Place>,
}

/// A status in Swedish and English.
#[derive(Serialize, ToSchema)]
pub struct Words {
    pub sv: String,
    pub en: String,
}

/// A status as staff and as the citizen read it.
#[derive(Serialize, ToSchema)]
pub struct StatusLabels {
    pub staff: Words,
    pub citizen: Words,
}

fn errand_out(e: Errand, service: Option<&porten_domain::Service>) -> ErrandOut {
    let words = |viewer| {
        let (sv, en) = porten_domain::catalogue::status_words(service, e.lifecycle, viewer);
        Words { sv: sv.to_owned(), en: en.to_owned() }
    };
    let status_labels = StatusLabels { staff: words(Viewer::Staff), citizen: words(Viewer::Citizen) };
    ErrandOut {
        status_name: status_labels.citizen.sv.clone(),
        status_labels,
        id: e.public_id.to_string(),
        registry_number: e.registry_number.to_string(),
        service_code: e.service_code,
        title: e.title,
        description: e.description,
        channel: e.channel.as_str().to_owned(),
        priority: e.priority.as_str().to_owned(),
        status: e.lifecycle.as_str().to_owned(),
        unit: e.unit.to_string(),
        assignee_id: e.assignee,
        stakeholders: e
            .parties
            .into_iter()
            .map(|p| {
                let email = p.contacts.iter().find_map(|c| match c {
                    ContactChannel::Email(e) => Some(e.clone()),
                    _ => None,
                });
                let phone = p.contacts.iter().find_map(|c| match c {
                    ContactChannel::Phone(p) => Some(p.clone()),
                    _ => None,
                });
                StakeholderOut {
                    role: p.role.as_str().to_owned(),
                    name: p.name,
                    personal_number_masked: p.personal_number.as_ref().map(|n| n.masked()),
                    organisation_number: p.organisation_number.map(|o| o.as_str().to_owned()),
                    email,
                    phone,
                }
            })
            .collect(),
        confidential: e.confidential,
        labels: e.labels,
        form: e.form,
        version: e.version,
        created_at: e.created_at,
        updated_at: e.updated_at,
        resolved_at: e.resolved_at,
        location: e.location.map(Place::from),
    }
}

async fn with_status_name(state: &AppState, e: Errand) -> ApiResult<ErrandOut> {
    let service = state.app.service_of(&e).await?;
    Ok(errand_out(e, service.as_ref()))
}

fn errand_response(status: StatusCode, out: ErrandOut) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", out.version)).expect("digits are a valid header");
    let location = HeaderValue::from_str(&format!("/api/v1/errands/{}", out.id)).expect("id is URL-safe");
    let mut res = (status, Json(out)).into_response();
    res.headers_mut().insert(header::ETAG, etag);
    if status == StatusCode::CREATED {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

/// Register an errand. The response carries its registry number.
#[utoipa::path(post, path = "/api/v1/errands", security(("api_key" = ["errands:write"])), tag = "errands", request_body = ErrandIn,
    responses((status = 201, body = ErrandOut), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_errand(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<ErrandIn>, JsonRejection>,
) -> ApiResult<Response> {
    let input = json_body(body)?;
    let raw = RawErrand {
        service_code: input.service_code,
        title: input.title,
        description: input.description,
        channel: input.channel.unwrap_or_else(|| "api".into()),
        priority: input.priority,
        parties: input
            .stakeholders
            .into_iter()
            .map(|s| RawParty {
                role: s.role,
                name: s.name,
                personal_number: s.personal_number,
                organisation_number: s.organisation_number,
                email: s.email,
                phone: s.phone,
            })
            .collect(),
        confidential: input.confidential,
        labels: input.labels,
        form: input.form,
        location: input.location.map(Into::into),
    };
    let errand = state.app.register_errand(&actor, raw).await.map_err(|e| match e {
        // The domain calls them parties; this API calls them stakeholders.
        AppError::Invalid(mut v) => {
            for f in &mut v.0 {
                if let Some(rest) = f.field.strip_prefix("parties") {
                    f.field = format!("stakeholders{rest}");
                }
            }
            AppError::Invalid(v)
        }
        other => other,
    })?;
    Ok(errand_response(StatusCode::CREATED, with_status_name(&state, errand).await?))
}

/// Read one errand. Reading an errand with personal data is audited.
#[utoipa::path(get, path = "/api/v1/errands/{id}", security(("api_key" = ["errands:read"])), tag = "errands", params(("id" = String, Path, description = "Public errand id")),
    responses((status = 200, body = ErrandOut), (status = 403, description = "The key lacks the scope", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_errand(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let view = state.app.read_errand(&actor, parse_id(&id)?, Some("api")).await?;
    Ok(errand_response(StatusCode::OK, errand_out(view.errand, view.service.as_ref())))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// user, api_key, system, visitor or tracking_link (a citizen through their tracking link; older replies say system)
    pub actor_kind: String,
    pub actor_name: String,
    /// registered, message, note, status_changed, assigned, handed_over, escalated
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's fields, by type.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The errand's timeline, oldest first.
#[utoipa::path(get, path = "/api/v1/errands/{id}/timeline", security(("api_key" = ["errands:read"])), tag = "errands", params(("id" = String, Path, description = "Public errand id")),
    responses((status = 200, body = [TimelineEntry]), (status = 403, description = "The key lacks the scope", body = Problem, content_type = "application/problem+json"), (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_timeline(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimelineEntry>>> {
    let view = state.app.read_errand(&actor, parse_id(&id)?, Some("api")).await?;
    Ok(Json(
        view.timeline
            .into_iter()
            .map(|e| TimelineEntry {
                id: e.id,
                at: e.at,
                actor_kind: e.actor_kind,
                actor_name: e.actor_name,
                kind: e.kind.type_name().to_owned(),
                data: serde_json::to_value(&e.kind).unwrap_or_default(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::data_error;

    #[test]
    fn data_errors_name_the_field_but_never_the_value() {
        let (field, message) = data_error(
            "Failed to deserialize the JSON body into the target type: stakeholders[0].personal_number: \
             invalid type: integer `191212121212`, expected a string at line 1 column 80",
        );
        assert_eq!(field, "stakeholders[0].personal_number");
        assert!(!message.contains("1912"));
        let (field, message) =
            data_error("Failed to deserialize the JSON body into the target type: missing field `title`");
        assert_eq!((field.as_str(), message.as_str()), ("title", "is required"));
        let (field, _) =
            data_error("Failed to deserialize the JSON body into the target type: invalid type: integer `1`");
        assert_eq!(field, "body");
    }
}
