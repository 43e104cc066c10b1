//! The errand list of the API (`GET /api/v1/errands`), whose parameters
//! the staff list shares: filters, sorts, keyset pages, and unknown
//! parameters refused with the allowed ones.

use axum::Json;
use axum::extract::{Query, RawQuery, State};
use chrono::{DateTime, Utc};
use porten_app::{AppError, ListQuery};
use porten_domain::Violations;
use porten_domain::errand_list::{ErrandSummary, RawListQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, values};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::problem::Problem;

#[derive(Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Owning unit code.
    pub unit: Option<String>,
    /// Lifecycle class.
    #[param(value_type = Option<values::Status>)]
    pub status: Option<String>,
    /// true: only errands still being worked; false: only resolved or closed.
    pub active: Option<bool>,
    pub service_code: Option<String>,
    /// Only errands of services that need this skill (a skill queue).
    pub skill: Option<String>,
    #[param(value_type = Option<values::Channel>)]
    pub channel: Option<String>,
    pub assignee_id: Option<i64>,
    /// true: only errands no one is assigned.
    pub unassigned: Option<bool>,
    /// true: only errands past their SLA warning share (breaching soon) or late.
    pub breaching: Option<bool>,
    /// Registered at or after (RFC 3339).
    pub created_from: Option<DateTime<Utc>>,
    /// Registered before (RFC 3339).
    pub created_to: Option<DateTime<Utc>>,
    /// The order: `newest` (default), `oldest` (the queue's age order),
    /// `priority` (most urgent, then oldest, first) or `last_activity`.
    #[param(value_type = Option<values::Sort>)]
    pub sort: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page (of the same sort).
    pub cursor: Option<String>,
}

/// Refuses query parameters that are not `allowed` (a mistyped filter
/// would otherwise list everything), naming the allowed ones.
pub fn known_parameters(query: Option<&str>, allowed: &[&str]) -> Result<(), Violations> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
    let v = porten_domain::errand_list::unknown_parameters(pairs.iter().map(|(k, _)| k.as_str()), allowed);
    v.into_result(())
}

#[derive(Serialize, ToSchema)]
pub struct ErrandListItem {
    pub id: String,
    pub registry_number: String,
    pub service_code: String,
    /// Replaced by a neutral text for confidential errands the caller may not read.
    pub title: String,
    #[schema(value_type = values::Channel)]
    pub channel: String,
    #[schema(value_type = values::Priority)]
    pub priority: String,
    #[schema(value_type = values::Status)]
    pub status: String,
    pub unit: String,
    pub assignee_id: Option<i64>,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the SLA's resolution target is due, while its clock runs.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrandPage {
    pub items: Vec<ErrandListItem>,
    /// Number of errands matching the filters, over all pages; counting
    /// stops at 1,000.
    pub total: u64,
    /// False when more errands match than `total` says (more than 1,000).
    pub total_exact: bool,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Checks list parameters (the domain's rules), collecting every violation.
pub fn parse_filter(p: &ListParams) -> Result<ListQuery, Violations> {
    ListQuery::parse(&RawListQuery {
        unit: p.unit.clone(),
        status: p.status.clone(),
        active: p.active,
        service_code: p.service_code.clone(),
        skill: p.skill.clone(),
        channel: p.channel.clone(),
        assignee_id: p.assignee_id,
        unassigned: p.unassigned,
        breaching: p.breaching,
        created_from: p.created_from,
        created_to: p.created_to,
        sort: p.sort.clone(),
        limit: p.limit,
        cursor: p.cursor.clone(),
    })
}

fn list_item(s: ErrandSummary) -> ErrandListItem {
    ErrandListItem {
        id: s.public_id.to_string(),
        registry_number: s.registry_number.to_string(),
        service_code: s.service_code,
        title: s.title,
        channel: s.channel.as_str().to_owned(),
        priority: s.priority.as_str().to_owned(),
        status: s.lifecycle.as_str().to_owned(),
        unit: s.unit.to_string(),
        assignee_id: s.assignee,
        confidential: s.confidential,
        created_at: s.created_at,
        updated_at: s.updated_at,
        due_at: s.due_at,
    }
}

/// List errands, newest first, with filters and keyset pagination.
#[utoipa::path(get, path = "/api/v1/errands", security(("api_key" = ["errands:read"])), tag = "errands", params(ListParams),
    responses((status = 200, body = ErrandPage), (status = 403, description = "The key lacks the scope", body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_errands(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    RawQuery(raw): RawQuery,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ErrandPage>> {
    known_parameters(raw.as_deref(), &porten_domain::errand_list::LIST_PARAMETERS).map_err(AppError::Invalid)?;
    let Query(params) = params.map_err(|e| {
        let mut v = Violations::new();
        v.push("query", "malformed", e.body_text());
        AppError::Invalid(v)
    })?;
    let query = parse_filter(&params).map_err(AppError::Invalid)?;
    let page = state.app.list_errands(&actor, query).await?;
    Ok(Json(ErrandPage {
        items: page.items.into_iter().map(list_item).collect(),
        total: page.total,
        total_exact: page.total_exact,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
