//! What people search for and how self-help fares (`/staff/sokstatistik`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::*;
use crate::staff::{KnowledgeEditors, Staff};

struct DeflectionRow {
    label: String,
    href: String,
    visitors: u64,
    helpful: u64,
    deflected: u64,
    rate: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "kb_insights.html")]
struct InsightsPage {
    t: Tr,
    nav: Nav,
    days: i64,
    zero: Vec<(String, u64)>,
    unclicked: Vec<(String, u64, u32)>,
    top: Vec<(String, u64, u64)>,
    rows: Vec<DeflectionRow>,
    chart: Vec<(String, u64, u64)>,
}

#[derive(Deserialize, Default)]
pub(super) struct InsightParams {
    days: Option<i64>,
}

pub(super) async fn insights_page(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<KnowledgeEditors>,
    Query(p): Query<InsightParams>,
) -> Response {
    let days = p.days.unwrap_or(30).clamp(1, 30);
    let ((queries, deflection), data) =
        match (state.app.search_insights(&actor, days).await, state.app.portal_data().await) {
            (Ok(x), Ok(d)) => (x, d),
            (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
        };
    let zero = queries.iter().filter(|q| q.results == 0).map(|q| (q.query.clone(), q.searches)).take(50).collect();
    let unclicked = queries
        .iter()
        .filter(|q| q.results > 0 && q.clicks == 0)
        .map(|q| (q.query.clone(), q.searches, q.results))
        .take(50)
        .collect();
    let top = queries.iter().take(20).map(|q| (q.query.clone(), q.searches, q.clicks)).collect();
    let label = |doc: &str| -> (String, String) {
        match doc.split_once(':') {
            Some(("article", slug)) => (
                data.articles
                    .iter()
                    .find(|a| a.meta.slug == slug)
                    .map(|a| a.content.text(t.lang.code()).title.clone())
                    .unwrap_or_else(|| slug.to_owned()),
                format!("/kunskap/{slug}"),
            ),
            Some(("service", code)) => (
                data.services
                    .iter()
                    .find(|s| s.code == code)
                    .map(|s| t.pick(&s.name_sv, &s.name_en).to_owned())
                    .unwrap_or_else(|| code.to_owned()),
                format!("/services/{code}"),
            ),
            _ => (doc.to_owned(), String::new()),
        }
    };
    let rows: Vec<DeflectionRow> = deflection
        .iter()
        .map(|d| {
            let (label, href) = label(&d.doc);
            DeflectionRow {
                label,
                href,
                visitors: d.visitors,
                helpful: d.helpful,
                deflected: d.deflected,
                rate: (d.deflected * 100).checked_div(d.visitors).unwrap_or(0),
            }
        })
        .collect();
    let chart = rows.iter().take(12).map(|r| (r.label.clone(), r.rate, r.visitors)).collect();
    InsightsPage { t, nav, days, zero, unclicked, top, rows, chart }.into_response()
}
