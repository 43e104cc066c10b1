//! Search pages: the results page (`/sok`, with facets by audience and
//! unit, highlighted snippets and pages of ten), suggestions while typing
//! (`/sok/forslag`, JSON for `suggest.js`) and `/sok/till`, which records
//! that a result was followed and goes there.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::auth::user_actor;
use porten_app::search::{SearchQuery, Segment};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser};
use crate::i18n::Tr;
use crate::pages::*;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/sok", search_page).get("/sok/forslag", suggest).get("/sok/till", follow)
}

const PAGE_SIZE: usize = 10;

/// Searches (pages and suggestions) per client address and minute: far
/// above what people type, even many behind one address, but a bound on
/// what one client can make the node compute.
const SEARCHES_PER_MINUTE: u32 = 600;

/// Whether the client may search now; counts the search.
fn allowed(state: &AppState, ip: Option<std::net::IpAddr>) -> bool {
    let key = state.limiter.key(("search", ip));
    state.limiter.allow(key, std::time::Duration::from_secs(60), SEARCHES_PER_MINUTE)
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchParams {
    #[serde(default)]
    q: String,
    audience: Option<String>,
    unit: Option<String>,
    #[serde(default)]
    page: Option<usize>,
}

struct ResultView {
    href: String,
    title: String,
    kind: String,
    internal: bool,
    snippet: Vec<Segment>,
}

struct Facet {
    label: String,
    count: usize,
    href: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    t: Tr,
    nav: Nav,
    q: String,
    searched: bool,
    total: u64,
    results: Vec<ResultView>,
    audiences: Vec<Facet>,
    units: Vec<Facet>,
    filtered: bool,
    clear_href: String,
    prev: Option<String>,
    next: Option<String>,
}

fn href(q: &str, audience: Option<&str>, unit: Option<&str>, page: usize) -> String {
    let mut pairs = vec![("q", q.to_owned())];
    if let Some(a) = audience {
        pairs.push(("audience", a.to_owned()));
    }
    if let Some(u) = unit {
        pairs.push(("unit", u.to_owned()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    format!("/sok?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

async fn search_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Query(p): Query<SearchParams>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let q: String = p.q.trim().chars().take(200).collect();
    if !q.is_empty() && !allowed(&state, ip) {
        return error_page(t, nav, axum::http::StatusCode::TOO_MANY_REQUESTS);
    }
    let page = p.page.unwrap_or(1).clamp(1, 50);
    let (audience, unit) =
        (p.audience.as_deref().filter(|a| !a.is_empty()), p.unit.as_deref().filter(|u| !u.is_empty()));
    let empty = SearchPage {
        t: t.clone(),
        nav,
        q: q.clone(),
        searched: false,
        total: 0,
        results: Vec::new(),
        audiences: Vec::new(),
        units: Vec::new(),
        filtered: false,
        clear_href: String::new(),
        prev: None,
        next: None,
    };
    if q.is_empty() {
        return empty.into_response();
    }
    let actor = user.as_ref().map(user_actor);
    let query = SearchQuery {
        text: q.clone(),
        lang: t.lang.code().to_owned(),
        audience: audience.map(str::to_owned),
        unit: unit.map(str::to_owned),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        ..Default::default()
    };
    let (results, data) = match (state.app.search(actor.as_ref(), query).await, state.app.portal_data().await) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, empty.nav, e),
    };
    let follow = |key: &str| {
        format!("/sok/till?{}", serde_urlencoded::to_string([("q", q.as_str()), ("key", key)]).unwrap_or_default())
    };
    let views = results
        .hits
        .iter()
        .map(|h| ResultView {
            href: follow(&h.key),
            title: h.title.clone(),
            kind: t.get(&format!("search-kind-{}", h.kind.as_str())),
            internal: h.internal,
            snippet: h.snippet.clone(),
        })
        .collect();
    let audiences = results
        .audiences
        .iter()
        .map(|(a, n)| Facet {
            label: t.get(&format!("audience-{a}")),
            count: *n,
            href: href(&q, if audience == Some(a) { None } else { Some(a) }, unit, 1),
            selected: audience == Some(a),
        })
        .collect();
    let units = results
        .units
        .iter()
        .map(|(u, n)| Facet {
            label: data
                .units
                .iter()
                .find(|x| x.code.as_str() == u)
                .map(|x| t.pick(&x.name_sv, &x.name_en).to_owned())
                .unwrap_or_else(|| u.clone()),
            count: *n,
            href: href(&q, audience, if unit == Some(u) { None } else { Some(u) }, 1),
            selected: unit == Some(u),
        })
        .collect();
    let pages = results.total.div_ceil(PAGE_SIZE);
    SearchPage {
        searched: true,
        total: results.total as u64,
        results: views,
        audiences,
        units,
        filtered: audience.is_some() || unit.is_some(),
        clear_href: href(&q, None, None, 1),
        prev: (page > 1).then(|| href(&q, audience, unit, page - 1)),
        next: (page < pages).then(|| href(&q, audience, unit, page + 1)),
        ..empty
    }
    .into_response()
}

#[derive(Deserialize)]
struct SuggestParams {
    #[serde(default)]
    q: String,
}

async fn suggest(
    State(state): State<AppState>,
    t: Tr,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Query(p): Query<SuggestParams>,
) -> Response {
    if !allowed(&state, ip) {
        return axum::http::StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    let actor = user.as_ref().map(user_actor);
    let q: String = p.q.chars().take(100).collect();
    match state.app.suggest(actor.as_ref(), &q, t.lang.code()).await {
        Ok(s) => Json(s).into_response(),
        Err(_) => Json(Vec::<porten_app::search::Suggestion>::new()).into_response(),
    }
}

#[derive(Deserialize)]
struct FollowParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    key: String,
}

async fn follow(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Query(p): Query<FollowParams>,
) -> Response {
    // A followed result counts in the statistics: limited like a search.
    if !allowed(&state, ip) {
        return error_page(t, Nav::new(user.as_ref(), &csrf), axum::http::StatusCode::TOO_MANY_REQUESTS);
    }
    let actor = user.as_ref().map(user_actor);
    match state.app.follow_result(actor.as_ref(), &p.q, &p.key).await {
        Ok(Some(url)) => Redirect::to(&url).into_response(),
        Ok(None) => error_page(t, Nav::new(user.as_ref(), &csrf), axum::http::StatusCode::NOT_FOUND),
        Err(e) => app_error_page(t, Nav::new(user.as_ref(), &csrf), e),
    }
}
