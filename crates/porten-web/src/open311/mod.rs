//! Open311 GeoReport v2 under `/open311/v2` (issue 21): discovery, the
//! services and their definitions, posting a request with an external
//! actor's `api_key`, and the public list of requests, in XML or JSON by
//! the path's suffix. Errors are the spec's: 404 for what does not exist,
//! 403 for a missing or wrong `api_key`, 400 for everything else.

mod doc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use porten_app::AppError;
use porten_app::open311::{Open311Service, PublicRequest, RequestsQuery};
use porten_domain::open311::{self, Format};

use crate::AppState;
use crate::auth::ClientIp;
use crate::routes::Routes;
use doc::Value;

pub fn routes() -> Routes {
    Routes::new()
        .get("/open311/v2/{file}", top)
        .post("/open311/v2/{file}", post)
        .get("/open311/v2/services/{file}", definition)
        .get("/open311/v2/requests/{file}", one_request)
        .get("/open311/v2/tokens/{file}", token)
}

/// Why a request was refused, with the spec's status.
struct Refusal(StatusCode, Vec<String>);

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Refusal(StatusCode::NOT_FOUND, vec!["not found".into()]),
            AppError::Forbidden | AppError::Unauthenticated => {
                Refusal(StatusCode::FORBIDDEN, vec!["api_key is missing, unknown or may not post requests".into()])
            }
            AppError::Invalid(v) => Refusal(
                StatusCode::BAD_REQUEST,
                v.0.into_iter()
                    .map(|f| if f.field == "request" { f.message } else { format!("{}: {}", f.field, f.message) })
                    .collect(),
            ),
            AppError::Refused { message, .. } => Refusal(StatusCode::BAD_REQUEST, vec![message]),
            AppError::Conflict { .. } | AppError::Closed => {
                Refusal(StatusCode::BAD_REQUEST, vec!["the request changed meanwhile or is closed".into()])
            }
            AppError::Unavailable(_) => {
                Refusal(StatusCode::SERVICE_UNAVAILABLE, vec!["busy or not ready; try again shortly".into()])
            }
            other => {
                tracing::error!(error = %other, "open311 request failed");
                Refusal(StatusCode::INTERNAL_SERVER_ERROR, vec!["the request could not be served; try again".into()])
            }
        }
    }
}

type Outcome = Result<Response, Refusal>;

/// A query string as typed, or why it could not be read.
type Params = Result<Query<Common>, axum::extract::rejection::QueryRejection>;

fn params(q: Params) -> Result<Common, Refusal> {
    q.map(|Query(q)| q).map_err(|e| Refusal(StatusCode::BAD_REQUEST, vec![e.body_text()]))
}

/// Public reads per client address and minute: far above what a client
/// polling for updates needs, but a bound on what one can make the node read.
const READS_PER_MINUTE: u32 = 600;

fn within_rate(state: &AppState, ip: Option<std::net::IpAddr>) -> Result<(), Refusal> {
    let key = state.limiter.key(("open311", ip));
    if state.limiter.allow(key, std::time::Duration::from_secs(60), READS_PER_MINUTE) {
        Ok(())
    } else {
        Err(Refusal(StatusCode::TOO_MANY_REQUESTS, vec!["too many requests from this address; wait a minute".into()]))
    }
}

/// Runs a handler for a path's file name: its format from the suffix (XML
/// when there is none, so that the error is readable), and its errors in
/// that format.
async fn serve<F>(file: &str, handler: impl FnOnce(String, Format) -> F) -> Response
where
    F: Future<Output = Outcome>,
{
    let Some((stem, format)) = Format::split(file) else {
        let error = format!("unknown format: end the path in .xml or .json, not {file}");
        return doc::errors(Format::Xml, StatusCode::NOT_FOUND, &[error]);
    };
    match handler(stem.to_owned(), format).await {
        Ok(res) => res,
        Err(Refusal(status, errors)) => doc::errors(format, status, &errors),
    }
}

/// `jurisdiction_id`, when given, must be this installation's.
fn check_jurisdiction(state: &AppState, given: Option<&str>) -> Result<(), Refusal> {
    match given.map(str::trim).filter(|j| !j.is_empty()) {
        Some(j) if state.config.jurisdiction().as_deref() != Some(j) => {
            Err(Refusal(StatusCode::NOT_FOUND, vec![format!("unknown jurisdiction_id: {j}")]))
        }
        _ => Ok(()),
    }
}

#[derive(serde::Deserialize)]
struct Common {
    #[serde(default)]
    jurisdiction_id: Option<String>,
    #[serde(default)]
    extensions: Option<String>,
    #[serde(flatten)]
    requests: RequestsQuery,
}

async fn top(State(state): State<AppState>, ClientIp(ip): ClientIp, Path(file): Path<String>, q: Params) -> Response {
    serve(&file, |stem, format| async move {
        let q = params(q)?;
        within_rate(&state, ip)?;
        check_jurisdiction(&state, q.jurisdiction_id.as_deref())?;
        match stem.as_str() {
            "discovery" => Ok(discovery(&state, format)),
            "services" => {
                let services = state.app.open311_services().await?;
                let list = services.iter().map(service).collect();
                Ok(doc::respond(format, StatusCode::OK, "services", &Value::List("service", list)))
            }
            "requests" => {
                let requests = state.app.open311_requests(&q.requests).await?;
                Ok(requests_doc(format, &requests, extensions(&q)))
            }
            "servicerequestupdates" => {
                let (start, end) = (q.requests.start_date.as_deref(), q.requests.end_date.as_deref());
                let updates = state.app.open311_updates(start, end).await?;
                let list = updates
                    .iter()
                    .map(|u| {
                        Value::Object(vec![
                            ("update_id", Value::text(&u.update_id)),
                            ("service_request_id", Value::text(&u.service_request_id)),
                            ("status", Value::text(open311::extended_status(u.state))),
                            ("updated_datetime", Value::text(open311::datetime(u.at))),
                            ("description", Value::text(&u.description)),
                            ("media_url", Value::text("")),
                            ("external_status_code", Value::text(u.state.as_str())),
                        ])
                    })
                    .collect();
                let body = Value::List("request_update", list);
                Ok(doc::respond(format, StatusCode::OK, "service_request_updates", &body))
            }
            _ => Err(Refusal(StatusCode::NOT_FOUND, vec![format!("no such resource: {stem}")])),
        }
    })
    .await
}

fn extensions(q: &Common) -> bool {
    q.extensions.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("true"))
}

fn discovery(state: &AppState, format: Format) -> Response {
    let base = state.config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    let endpoint = Value::Object(vec![
        ("specification", Value::text("http://wiki.open311.org/GeoReport_v2")),
        ("url", Value::text(format!("{base}/open311/v2"))),
        ("changeset", Value::text(open311::datetime(state.started))),
        ("type", Value::text("production")),
        ("formats", Value::List("format", vec![Value::text("text/xml"), Value::text("application/json")])),
    ]);
    let body = Value::Object(vec![
        ("changeset", Value::text(open311::datetime(state.started))),
        ("contact", Value::text(format!("{} – {base}/kontakt", state.config.city_name_sv))),
        ("key_service", Value::text("API keys are issued by the city's administrators.")),
        ("endpoints", Value::List("endpoint", vec![endpoint])),
    ]);
    doc::respond(format, StatusCode::OK, "discovery", &body)
}

fn service(s: &Open311Service) -> Value {
    Value::Object(vec![
        ("service_code", Value::text(&s.code)),
        ("service_name", Value::text(&s.service.name_sv)),
        ("description", Value::text(&s.service.description_sv)),
        ("metadata", Value::Bool(s.definition.is_some())),
        ("type", Value::text("realtime")),
        ("keywords", Value::text(s.service.keywords.join(","))),
        ("group", Value::text(s.service.unit.as_str())),
    ])
}

async fn definition(State(state): State<AppState>, Path(file): Path<String>, q: Params) -> Response {
    serve(&file, |code, format| async move {
        let q = params(q)?;
        check_jurisdiction(&state, q.jurisdiction_id.as_deref())?;
        let found = state.app.open311_service(&code).await?;
        let Some(definition) = found.and_then(|s| s.definition) else {
            return Err(Refusal(StatusCode::NOT_FOUND, vec![format!("no service definition for {code}")]));
        };
        let attributes = definition
            .open311_attributes()
            .into_iter()
            .map(|a| {
                let values = a
                    .values
                    .into_iter()
                    .map(|(key, name)| Value::Object(vec![("key", Value::text(key)), ("name", Value::text(name))]))
                    .collect();
                Value::Object(vec![
                    ("variable", Value::Bool(a.variable)),
                    ("code", Value::text(a.code)),
                    ("datatype", Value::text(a.datatype)),
                    ("required", Value::Bool(a.required)),
                    ("datatype_description", Value::text(a.datatype_description)),
                    ("order", Value::Int(a.order as i64)),
                    ("description", Value::text(a.description)),
                    ("values", Value::List("value", values)),
                ])
            })
            .collect();
        let body = Value::Object(vec![
            ("service_code", Value::text(code)),
            ("attributes", Value::List("attribute", attributes)),
        ]);
        Ok(doc::respond(format, StatusCode::OK, "service_definition", &body))
    })
    .await
}

fn request(r: &PublicRequest, extensions: bool) -> Value {
    let point = r.location.as_ref().and_then(|l| l.point);
    let mut fields = vec![
        ("service_request_id", Value::text(&r.id)),
        ("status", Value::text(open311::status(r.state))),
        ("status_notes", Value::text(&r.status_notes)),
        ("service_name", Value::text(&r.service_name)),
        ("service_code", Value::text(&r.service_code)),
        ("description", Value::text(&r.description)),
        ("agency_responsible", Value::text(&r.agency)),
        ("service_notice", Value::opt(r.service_notice.clone())),
        ("requested_datetime", Value::text(open311::datetime(r.requested))),
        ("updated_datetime", Value::text(open311::datetime(r.updated))),
        ("expected_datetime", Value::opt(r.expected.map(open311::datetime))),
        ("address", Value::opt(r.location.as_ref().and_then(|l| l.address.clone()))),
        ("address_id", Value::opt(r.location.as_ref().and_then(|l| l.place_ref.clone()))),
        ("zipcode", Value::Null),
        ("lat", point.map_or(Value::Null, |p| Value::Num(p.lat))),
        ("long", point.map_or(Value::Null, |p| Value::Num(p.long))),
        ("media_url", Value::Null),
    ];
    if extensions {
        let attributes = r
            .attributes
            .iter()
            .map(|(code, label, value)| {
                Value::Object(vec![
                    ("label", Value::text(label)),
                    ("name", Value::text(code)),
                    ("value", Value::text(value)),
                    ("code", Value::text(code)),
                ])
            })
            .collect();
        fields.push(("attributes", Value::List("attribute", attributes)));
        fields.push((
            "extended_attributes",
            Value::Object(vec![("status", Value::text(open311::extended_status(r.state)))]),
        ));
    }
    Value::Object(fields)
}

fn requests_doc(format: Format, requests: &[PublicRequest], extensions: bool) -> Response {
    let list = requests.iter().map(|r| request(r, extensions)).collect();
    doc::respond(format, StatusCode::OK, "service_requests", &Value::List("request", list))
}

async fn one_request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(file): Path<String>,
    q: Params,
) -> Response {
    serve(&file, |id, format| async move {
        let q = params(q)?;
        within_rate(&state, ip)?;
        check_jurisdiction(&state, q.jurisdiction_id.as_deref())?;
        let found = state.app.open311_request(&id).await?;
        Ok(requests_doc(format, &[found], extensions(&q)))
    })
    .await
}

/// Requests posted here get their `service_request_id` at once, so no
/// token is ever outstanding.
async fn token(State(state): State<AppState>, Path(file): Path<String>, q: Params) -> Response {
    serve(&file, |token, _| async move {
        let q = params(q)?;
        check_jurisdiction(&state, q.jurisdiction_id.as_deref())?;
        Err(Refusal(
            StatusCode::NOT_FOUND,
            vec![format!("no such token: {token}; requests posted here get their service_request_id at once")],
        ))
    })
    .await
}

async fn post(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    serve(&file, |stem, format| async move {
        let axum::Form(pairs) = body.map_err(|e| Refusal(StatusCode::BAD_REQUEST, vec![e.body_text()]))?;
        let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        check_jurisdiction(&state, field("jurisdiction_id"))?;
        if stem != "requests" && stem != "servicerequestupdates" {
            return Err(Refusal(StatusCode::NOT_FOUND, vec![format!("no such resource: {stem}")]));
        }
        let key = field("api_key").map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            return Err(Refusal(StatusCode::FORBIDDEN, vec!["api_key is required".into()]));
        };
        let actor = state.app.api_key_actor(key).await?;
        tracing::info!(target: "porten::security", event = "apikey.used", key = actor.id(), via = "open311");
        if stem == "servicerequestupdates" {
            let update_id = state.app.open311_post_update(&actor, &pairs).await?;
            let body = Value::List("request_update", vec![Value::Object(vec![("update_id", Value::text(update_id))])]);
            return Ok(doc::respond(format, StatusCode::OK, "service_request_updates", &body));
        }
        let idempotency = match headers.get("idempotency-key").map(|v| v.to_str()) {
            Some(Ok(key)) => Some(key),
            Some(Err(_)) => {
                return Err(Refusal(StatusCode::BAD_REQUEST, vec!["Idempotency-Key: visible ASCII".into()]));
            }
            None => None,
        };
        let errand = state.app.open311_submit(&actor, &pairs, idempotency).await?;
        let answer = Value::Object(vec![
            ("service_request_id", Value::text(errand.public_id.to_string())),
            ("service_notice", Value::text(format!("Diarienummer {}", errand.registry_number))),
            ("account_id", Value::Null),
        ]);
        Ok(doc::respond(format, StatusCode::CREATED, "service_requests", &Value::List("request", vec![answer])))
    })
    .await
}
