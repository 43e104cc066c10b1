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
            AppError::Expired => Problem::new(StatusCode::GONE, "expired", "Expired")
                .detail("the draft has expired or was never started; start again"),
            AppError::Closed => Problem::new(StatusCode::CONFLICT, "closed", "The errand is closed")
                .detail("a closed errand takes no replies; reopen it to change it"),
            // The move exists, but the caller's standing may not make it.
            AppError::Refused { code: code @ "not_permitted", message } => {
                Problem::new(StatusCode::FORBIDDEN, code, "Your role may not make this change").detail(message)
            }
            AppError::Refused { code, message } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, "The errand's state refuses the command")
                    .detail(message)
            }
            AppError::Duplicate { what } => Problem::new(StatusCode::CONFLICT, "duplicate", "It exists already")
                .detail(format!("a {what} like this exists already")),
            AppError::Unavailable(internal) => {
                tracing::error!(error = %internal, "a part Porten depends on failed");
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Temporarily unavailable")
                    .detail("try again in a moment")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_dependency_is_503_without_its_internal_message() {
        let problem = Problem::from(AppError::Unavailable("search index: No space left on device".into()));
        assert_eq!(problem.status, 503);
        assert!(problem.kind.ends_with("/unavailable"));
        let text = serde_json::to_string(&problem).unwrap();
        assert!(!text.contains("No space") && !text.contains("search index"), "{text}");
    }

    #[test]
    fn an_expired_draft_is_gone_and_a_closed_errand_a_conflict() {
        assert_eq!(Problem::from(AppError::Expired).status, 410);
        assert_eq!(Problem::from(AppError::Closed).status, 409);
        assert_eq!(Problem::from(AppError::Duplicate { what: "user" }).status, 409);
    }
}
