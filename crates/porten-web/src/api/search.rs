//! `GET /api/v1/search`: the portal's search over services and knowledge
//! articles, ranked, with snippets and facets.

use axum::Json;
use axum::extract::{Query, State};
use porten_app::AppError;
use porten_app::search::SearchQuery;
use porten_domain::{Audience, Violations};
use serde::{Deserialize, Serialize};

use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::AppState;
use crate::auth::ApiCaller;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to search for, 1–200 characters.
    #[param(min_length = 1, max_length = 200)]
    pub q: String,
    /// `sv` (default) or `en`.
    #[param(value_type = Option<super::values::Lang>)]
    pub lang: Option<String>,
    /// Only results for this audience.
    #[param(value_type = Option<super::values::Audience>)]
    pub audience: Option<String>,
    /// Only results of this unit (its code, e.g. `UTF`).
    pub unit: Option<String>,
    /// Results per page, 1–50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
    /// Results to skip, 0–1000.
    #[param(minimum = 0, maximum = 1000)]
    pub offset: Option<u32>,
}

/// What a result is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResultKind {
    Service,
    Article,
}

/// One ranked result.
#[derive(Serialize, ToSchema)]
pub struct SearchResultOut {
    /// `service:{code}` or `article:{slug}`.
    pub id: String,
    pub kind: ResultKind,
    pub title: String,
    /// The page's path on the portal, e.g. `/kunskap/behover-jag-bygglov`.
    pub url: String,
    /// A passage of the text around the words that matched.
    pub snippet: String,
    /// The same passage as HTML-escaped text with the matches in `<mark>`.
    pub snippet_html: String,
    pub score: f32,
}

/// A facet value and how many results have it.
#[derive(Serialize, ToSchema)]
pub struct FacetOut {
    pub value: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// Results matching the query and filters (all pages).
    pub total: u64,
    pub results: Vec<SearchResultOut>,
    /// Counts by audience and by unit over all matches, before the filters.
    pub audiences: Vec<FacetOut>,
    pub units: Vec<FacetOut>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Search services and knowledge articles.
#[utoipa::path(get, path = "/api/v1/search", security(("api_key" = ["catalogue:read"])), tag = "search", params(SearchParams),
    description = "Needs the `catalogue:read` scope. Swedish and English language handling: stemming, compound words, missing diacritics, typos and editor-managed synonyms. Internal articles are never returned to API keys.",
    responses((status = 200, body = SearchOut), (status = 401, body = crate::problem::Problem, content_type = "application/problem+json"), (status = 403, body = crate::problem::Problem, content_type = "application/problem+json"), (status = 422, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SearchOut>> {
    let Query(p) = params.map_err(|e| {
        let mut v = Violations::new();
        v.push("query", "malformed", e.body_text());
        AppError::Invalid(v)
    })?;
    let mut v = Violations::new();
    let q = p.q.trim();
    if q.is_empty() || q.chars().count() > 200 {
        v.push("q", "invalid", "must be 1–200 characters");
    }
    if p.limit.is_some_and(|l| !(1..=50).contains(&l)) {
        v.push("limit", "invalid", "must be 1–50");
    }
    if p.offset.is_some_and(|o| o > 1000) {
        v.push("offset", "invalid", "must be 0–1000");
    }
    if p.unit.as_deref().is_some_and(|u| u.is_empty() || u.len() > 5) {
        v.push("unit", "invalid", "must be a unit code");
    }
    let lang = match p.lang.as_deref() {
        None | Some("sv") => "sv",
        Some("en") => "en",
        Some(_) => {
            v.push("lang", "invalid", "must be sv or en");
            "sv"
        }
    };
    let audience = p.audience.as_deref().map(|a| {
        Audience::parse(a).unwrap_or_else(|| {
            v.push("audience", "invalid", "must be resident, parent, pupil, business or senior");
            Audience::Resident
        })
    });
    if !v.is_empty() {
        return Err(AppError::Invalid(v).into());
    }
    let query = SearchQuery {
        text: q.to_owned(),
        lang: lang.into(),
        audience: audience.map(|a| a.as_str().to_owned()),
        unit: p.unit,
        limit: p.limit.unwrap_or(10) as usize,
        offset: p.offset.unwrap_or(0) as usize,
        ..Default::default()
    };
    let results = state.app.search(Some(&caller), query).await?;
    let facets = |f: &[(String, usize)]| {
        f.iter().map(|(value, n)| FacetOut { value: value.clone(), count: *n as u64 }).collect()
    };
    Ok(Json(SearchOut {
        total: results.total as u64,
        results: results
            .hits
            .iter()
            .map(|h| SearchResultOut {
                kind: match h.kind.as_str() {
                    "article" => ResultKind::Article,
                    _ => ResultKind::Service,
                },
                snippet: h.snippet.iter().map(|s| s.text.as_str()).collect(),
                snippet_html: h
                    .snippet
                    .iter()
                    .map(|s| if s.mark { format!("<mark>{}</mark>", escape(&s.text)) } else { escape(&s.text) })
                    .collect(),
                id: h.key.clone(),
                title: h.title.clone(),
                url: h.url.clone(),
                score: h.score,
            })
            .collect(),
        audiences: facets(&results.audiences),
        units: facets(&results.units),
    }))
}
