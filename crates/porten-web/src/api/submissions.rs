//! How an errand came in through an e-service, and its attached files.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use porten_app::AppError;
use porten_domain::eservice::FileRef;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiResult, parse_id};
use crate::AppState;
use crate::auth::ApiCaller;

/// A file's content, as the bytes of the response.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // described in the OpenAPI document, never built
pub struct FileContent(Vec<u8>);

/// One attached file.
#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    /// The e-service field it answers.
    pub field: String,
    /// The file's name as the citizen sent it.
    pub name: String,
    /// Told from the content: application/pdf, image/png, image/jpeg, image/gif or image/webp.
    pub media_type: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Where to fetch the content.
    pub url: String,
}

/// An errand's e-service submission.
#[derive(Serialize, ToSchema)]
pub struct SubmissionOut {
    pub service_code: String,
    /// The version of the e-service definition the citizen filled in.
    pub version: u32,
    /// Whether a contact-center agent filled it in for the citizen.
    pub assisted: bool,
    pub submitted_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentOut>,
}

/// The e-service submission of an errand: definition version and attached files.
/// The answers themselves are the errand's `form`. 404 for an errand that did
/// not come in through an e-service.
#[utoipa::path(get, path = "/api/v1/errands/{id}/submission", security(("api_key" = ["errands:read"])), tag = "errands", params(("id" = String, Path, description = "Public errand id")),
    responses((status = 200, body = SubmissionOut), (status = 403, description = "The key lacks the scope", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid API key", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn get_submission(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<SubmissionOut>> {
    let view = state.app.read_errand(&actor, parse_id(&id)?, Some("api")).await?;
    let record = state.app.submission(&actor, &view.errand).await?.ok_or(AppError::NotFound)?;
    let attachments = record
        .attachments
        .into_iter()
        .enumerate()
        .map(|(i, f)| AttachmentOut {
            url: format!("/api/v1/errands/{id}/attachments/{i}"),
            field: f.field,
            name: f.name,
            media_type: f.media_type,
            size: f.size,
            sha256: f.sha256,
        })
        .collect();
    Ok(Json(SubmissionOut {
        service_code: record.service_code,
        version: record.version,
        assisted: record.assisted_by.is_some(),
        submitted_at: record.submitted_at,
        attachments,
    }))
}

/// The content of one attached file, by its position in the submission.
#[utoipa::path(get, path = "/api/v1/errands/{id}/attachments/{n}", security(("api_key" = ["errands:read"])), tag = "errands",
    params(("id" = String, Path, description = "Public errand id"), ("n" = usize, Path, description = "Position of the file in the submission, from 0")),
    responses((status = 200, description = "The file, in the type told from its content", content(
        (FileContent = "application/pdf"), (FileContent = "image/png"), (FileContent = "image/jpeg"), (FileContent = "image/gif"), (FileContent = "image/webp"))), (status = 403, description = "The key lacks the scope", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 401, description = "No valid API key", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn get_attachment(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Response> {
    // A position that is not a number names no file: 404, like one past the end.
    let n: usize = n.parse().map_err(|_| AppError::NotFound)?;
    let (file, content) = state.app.attachment(&actor, parse_id(&id)?, n).await?;
    Ok(file_response(&file, content))
}

/// A stored file as a download: its checked media type, and a
/// `Content-Disposition: attachment` so that no browser renders it in place.
pub fn file_response(file: &FileRef, content: Vec<u8>) -> Response {
    let ascii: String =
        file.name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = file
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut res = content.into_response();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
