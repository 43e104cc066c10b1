//! `application/problem+json` (RFC 9457) for every API error.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use porten_app::AppError;
use porten_domain::Violations;
use serde::Serialize;
use utoipa::ToSchema;

/// A problem detail. `violations` lists field-level errors for 422 answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Violation {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Problem {
            kind: format!("https://porten.example/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            violations: Vec::new(),
        }
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    pub fn invalid(v: Violations) -> Self {
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "The request has invalid fields");
        p.violations =
            v.0.into_iter()
                .map(|f| Violation { field: f.field, code: f.code.to_owned(), message: f.message })
                .collect();
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, axum::Json(self)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        res
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required")
                    .detail("send an API key as 'Authorization: Bearer porten_…'")
            }
            AppError::Forbidden => Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
            AppError::NotFound => Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found"),
            AppError::Invalid(v) => Problem::invalid(v),
            AppError::Conflict { current } => Problem::new(StatusCode::CONFLICT, "conflict", "The errand has changed")
                .detail(format!("current version is {current}; read the errand again and retry")),
            AppError::Rejected(msg) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", "The request was refused").detail(msg)
            }
            AppError::Store(err) => {
                tracing::error!(error = %err, "storage failure");
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Storage is unavailable")
            }
        }
    }
}

impl IntoResponse for AppErrorResponse {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// What an API handler fails with, so `?` works on `AppError` and on a
/// ready `Problem` alike.
pub struct AppErrorResponse(pub Problem);

impl From<AppError> for AppErrorResponse {
    fn from(e: AppError) -> Self {
        Self(e.into())
    }
}

impl From<Problem> for AppErrorResponse {
    fn from(p: Problem) -> Self {
        Self(p)
    }
}
