//! The staff pages for errands: the list with filters (here), one errand with its
//! timeline, and the actions on it (note, status, assign to me).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::auth::Principal;
use porten_app::{AppError, auth::user_actor};
use porten_domain::errand_list::{LIST_PARAMETERS, Sort};
use porten_domain::{Channel, Command, EventKind, Lifecycle, PublicId};
use serde::Deserialize;

use crate::AppState;
use crate::api::{ListParams, parse_filter};
use crate::auth::CsrfToken;
use crate::i18n::{Tr, local_time};
use crate::pages::*;
use crate::routes::Routes;
use crate::staff::{AnyStaff, Staff};

mod actions;
mod documents;
mod page;
mod person;
mod queues;

use actions::*;
pub(crate) use documents::pdf_response;
use page::*;
use person::person_search;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/errands", errand_list)
        .post("/staff/errands/person", person_search)
        .post("/staff/presence", queues::set_presence)
        .get("/staff/errands/{id}", errand_page)
        .post("/staff/errands/{id}/note", add_note)
        .post("/staff/errands/{id}/status", change_status)
        .post("/staff/errands/{id}/assign-me", assign_me)
        .post("/staff/errands/{id}/assign", assign)
        .post("/staff/errands/{id}/handover", hand_over)
        .post("/staff/errands/{id}/priority", set_priority)
        .post("/staff/errands/{id}/escalate", escalate)
        .post("/staff/errands/{id}/demand", demand_decision)
        .post("/staff/errands/{id}/link", link)
        .post("/staff/errands/{id}/message", send_message)
        .post("/staff/errands/{id}/reveal", reveal)
        .get("/staff/errands/{id}/attachments/{n}", attachment)
        .post_with_limit(
            "/staff/errands/{id}/document",
            documents::attach_document,
            axum::extract::DefaultBodyLimit::max(documents::MAX_DOCUMENT_POST),
        )
        .get("/staff/errands/{id}/documents/{n}", documents::document)
}

struct SelectOption {
    value: String,
    label: String,
    selected: bool,
}

struct ErrandRow {
    id: String,
    registry_number: String,
    title: String,
    status: String,
    channel: String,
    unit: String,
    created: String,
    /// When the SLA's resolution is due (empty without a running clock).
    due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "errands.html")]
struct ErrandListPage {
    t: Tr,
    nav: Nav,
    /// What was searched for (empty: the filtered list).
    q: String,
    units: Vec<SelectOption>,
    states: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    sorts: Vec<SelectOption>,
    queues: Vec<queues::QueueLink>,
    /// Present or away, where the unit hands out errands automatically.
    presence: Option<queues::Presence>,
    /// "Notiser (3 nya)" when the person has unseen notices.
    notices: Option<String>,
    /// The heading of a person search's results ("Ärenden för 19121212-****").
    person: Option<String>,
    rows: Vec<ErrandRow>,
    total: u64,
    /// False when more errands match than `total` (counts stop at a cap).
    total_exact: bool,
    error: Option<String>,
    paged: bool,
    first_href: String,
    next_href: Option<String>,
}

fn query_string(params: &[(&str, String)]) -> String {
    let set: Vec<_> = params.iter().filter(|(_, v)| !v.is_empty()).collect();
    if set.is_empty() { String::new() } else { format!("?{}", serde_urlencoded::to_string(set).unwrap_or_default()) }
}

/// A search of the errands (`q`), paged by `offset`.
#[derive(Deserialize, Default)]
struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: usize,
}

/// Hits a search page shows.
const HITS_PER_PAGE: usize = 25;

async fn errand_list(
    State(state): State<AppState>,
    Staff { actor, user, t, nav, .. }: Staff<AnyStaff>,
    RawQuery(raw): RawQuery,
    Query(params): Query<ListParams>,
    Query(search): Query<SearchParams>,
) -> Response {
    let allowed: Vec<&str> = LIST_PARAMETERS.into_iter().chain(["q", "offset", "lang"]).collect();
    let unknown = crate::api::known_parameters(raw.as_deref(), &allowed).err();
    let q = search.q.trim().to_owned();
    if !q.is_empty() && unknown.is_none() {
        return search_page(&state, &actor, t, nav, q, search.offset).await;
    }
    let filter = parse_filter(&ListParams { limit: Some(params.limit.unwrap_or(25)), ..params.clone() });
    let (page, error) = match (unknown, filter) {
        (Some(v), _) => {
            let names: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
            let message =
                t.with("errands-filter-unknown", &[("names", names.join(", ")), ("allowed", allowed.join(", "))]);
            (None, Some(message))
        }
        (None, Ok(q)) => match state.app.list_errands(&actor, q).await {
            Ok(p) => (Some(p), None),
            Err(AppError::Forbidden) => return error_page(t, nav, StatusCode::FORBIDDEN),
            Err(e) => return app_error_page(t, nav, e),
        },
        (None, Err(_)) => (None, Some(t.get("errands-filter-invalid"))),
    };
    let units = match state.app.workable_units(&actor).await {
        Ok(u) => u,
        Err(e) => return app_error_page(t, nav, e),
    };
    let chosen = |value: &str, param: &Option<String>| param.as_deref() == Some(value);
    let unit_options = units
        .iter()
        .map(|u| SelectOption {
            value: u.code.to_string(),
            label: t.pick(&u.name_sv, &u.name_en).to_owned(),
            selected: chosen(u.code.as_str(), &params.unit),
        })
        .collect();
    let states = Lifecycle::ALL
        .into_iter()
        .map(|l| SelectOption {
            value: l.as_str().into(),
            label: t.staff_status(l).to_owned(),
            selected: chosen(l.as_str(), &params.status),
        })
        .collect();
    let sorts = Sort::ALL
        .into_iter()
        .map(|s| SelectOption {
            value: s.as_str().into(),
            label: t.get(&format!("errands-sort-{}", s.as_str())),
            selected: chosen(s.as_str(), &params.sort),
        })
        .collect();
    let channels = Channel::ALL
        .into_iter()
        .map(|c| SelectOption {
            value: c.as_str().into(),
            label: t.get(&format!("channel-{}", c.as_str())),
            selected: chosen(c.as_str(), &params.channel),
        })
        .collect();
    let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
    let base: Vec<(&str, String)> = vec![
        ("unit", params.unit.clone().unwrap_or_default()),
        ("status", params.status.clone().unwrap_or_default()),
        ("skill", params.skill.clone().unwrap_or_default()),
        ("channel", params.channel.clone().unwrap_or_default()),
        ("assignee_id", params.assignee_id.map(|a| a.to_string()).unwrap_or_default()),
        ("unassigned", flag(params.unassigned)),
        ("breaching", flag(params.breaching)),
        ("active", flag(params.active)),
        ("sort", params.sort.clone().unwrap_or_default()),
        ("limit", params.limit.map(|l| l.to_string()).unwrap_or_default()),
    ];
    let queues = match queues::queue_links(&state, &actor, user.id, &t, raw.as_deref()).await {
        Ok(q) => q,
        Err(e) => return app_error_page(t, nav, e),
    };
    let presence = match queues::presence(&state, &actor, &t).await {
        Ok(p) => p,
        Err(e) => return app_error_page(t, nav, e),
    };
    // New notices, as a link to them.
    let notices = match state.app.unseen_notices(&actor).await {
        Ok(0) => None,
        Ok(n) => Some(t.count("notices-link", "count", u64::from(n))),
        Err(e) => return app_error_page(t, nav, e),
    };
    let total_exact = page.as_ref().is_none_or(|p| p.total_exact);
    let (rows, total, next_href) = match page {
        Some(p) => {
            let next_href = p.next.map(|c| {
                let mut q = base.clone();
                q.push(("cursor", c.encode()));
                format!("/staff/errands{}", query_string(&q))
            });
            let rows = p.items.into_iter().map(|s| row(&t, s)).collect();
            (rows, p.total, next_href)
        }
        None => (Vec::new(), 0, None),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ErrandListPage {
        t,
        nav,
        q: String::new(),
        units: unit_options,
        states,
        channels,
        sorts,
        queues,
        presence,
        notices,
        person: None,
        rows,
        total,
        total_exact,
        error,
        paged: params.cursor.is_some(),
        first_href: format!("/staff/errands{}", query_string(&base)),
        next_href,
    };
    (status, page).into_response()
}

/// The hits of a staff search: by registry number, a party's name or
/// address, or words of the errand. A personal identity number is not
/// searched here, where it would sit in the address bar and in histories.
async fn search_page(
    state: &AppState,
    actor: &porten_domain::Actor,
    t: Tr,
    nav: Nav,
    q: String,
    offset: usize,
) -> Response {
    if !porten_domain::personnummer::find_personal_numbers(&q).is_empty() {
        let page = ErrandListPage {
            error: Some(t.get("errands-search-no-personnummer")),
            ..search_results(t, nav, String::new(), Vec::new(), 0, None)
        };
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    let results = match state.app.search_errands(actor, &q, HITS_PER_PAGE, offset).await {
        Ok(r) => r,
        Err(e) => return app_error_page(t, nav, e),
    };
    let rows = results
        .hits
        .into_iter()
        .map(|h| ErrandRow {
            id: h.public_id,
            registry_number: h.registry_number,
            title: h.title,
            status: Lifecycle::parse(&h.lifecycle).map(|l| t.staff_status(l)).unwrap_or_default().to_owned(),
            channel: t.get(&format!("channel-{}", h.channel)),
            unit: h.unit,
            created: chrono::DateTime::from_timestamp_micros(h.created_micros).map(local_time).unwrap_or_default(),
            due: String::new(),
        })
        .collect::<Vec<_>>();
    let next = offset + rows.len();
    let next_href = (next < results.total && !rows.is_empty())
        .then(|| format!("/staff/errands{}", query_string(&[("q", q.clone()), ("offset", next.to_string())])));
    let page = ErrandListPage { paged: offset > 0, ..search_results(t, nav, q, rows, results.total, next_href) };
    page.into_response()
}

/// A row of an errand list.
fn row(t: &Tr, s: porten_domain::errand_list::ErrandSummary) -> ErrandRow {
    ErrandRow {
        id: s.public_id.to_string(),
        registry_number: s.registry_number.to_string(),
        title: s.title,
        status: t.staff_status(s.lifecycle).to_owned(),
        channel: t.get(&format!("channel-{}", s.channel.as_str())),
        unit: s.unit.to_string(),
        created: local_time(s.created_at),
        due: s.due_at.map(local_time).unwrap_or_default(),
    }
}

/// A list page holding search hits (no filters chosen).
fn search_results(
    t: Tr,
    nav: Nav,
    q: String,
    rows: Vec<ErrandRow>,
    total: usize,
    next_href: Option<String>,
) -> ErrandListPage {
    ErrandListPage {
        first_href: format!("/staff/errands{}", query_string(&[("q", q.clone())])),
        t,
        nav,
        q,
        units: Vec::new(),
        states: Vec::new(),
        channels: Vec::new(),
        sorts: Vec::new(),
        queues: Vec::new(),
        presence: None,
        notices: None,
        person: None,
        rows,
        total: total as u64,
        total_exact: true,
        error: None,
        paged: false,
        next_href,
    }
}
