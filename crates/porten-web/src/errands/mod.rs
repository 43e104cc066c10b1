//! The staff pages for errands: the list with filters (here), one errand with its
//! timeline, and the actions on it (note, status, assign to me).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::auth::Principal;
use porten_app::{AppError, auth::user_actor};
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
mod page;

use actions::*;
use page::*;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/errands", errand_list)
        .get("/staff/errands/{id}", errand_page)
        .post("/staff/errands/{id}/note", add_note)
        .post("/staff/errands/{id}/status", change_status)
        .post("/staff/errands/{id}/assign-me", assign_me)
        .post("/staff/errands/{id}/message", send_message)
        .post("/staff/errands/{id}/reveal", reveal)
        .get("/staff/errands/{id}/attachments/{n}", attachment)
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
}

#[derive(Template, WebTemplate)]
#[template(path = "errands.html")]
struct ErrandListPage {
    t: Tr,
    nav: Nav,
    units: Vec<SelectOption>,
    states: Vec<SelectOption>,
    channels: Vec<SelectOption>,
    rows: Vec<ErrandRow>,
    total: u64,
    error: Option<String>,
    paged: bool,
    first_href: String,
    next_href: Option<String>,
}

fn query_string(params: &[(&str, String)]) -> String {
    let set: Vec<_> = params.iter().filter(|(_, v)| !v.is_empty()).collect();
    if set.is_empty() { String::new() } else { format!("?{}", serde_urlencoded::to_string(set).unwrap_or_default()) }
}

async fn errand_list(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<AnyStaff>,
    Query(params): Query<ListParams>,
) -> Response {
    let actor = actor.clone();
    let (page, error) = match parse_filter(&ListParams { limit: Some(params.limit.unwrap_or(25)), ..params.clone() }) {
        Ok(q) => match state.app.list_errands(&actor, q).await {
            Ok(p) => (Some(p), None),
            Err(AppError::Forbidden) => return error_page(t, nav, StatusCode::FORBIDDEN),
            Err(e) => return app_error_page(t, nav, e),
        },
        Err(_) => (None, Some(t.get("errands-filter-invalid"))),
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
            label: t.get(&format!("state-{}", l.as_str())),
            selected: chosen(l.as_str(), &params.status),
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
    let base: Vec<(&str, String)> = vec![
        ("unit", params.unit.clone().unwrap_or_default()),
        ("status", params.status.clone().unwrap_or_default()),
        ("channel", params.channel.clone().unwrap_or_default()),
        ("limit", params.limit.map(|l| l.to_string()).unwrap_or_default()),
    ];
    let (rows, total, next_href) = match page {
        Some(p) => {
            let next_href = p.next.map(|c| {
                let mut q = base.clone();
                q.push(("cursor", c.encode()));
                format!("/staff/errands{}", query_string(&q))
            });
            let rows = p
                .items
                .into_iter()
                .map(|s| ErrandRow {
                    id: s.public_id.to_string(),
                    registry_number: s.registry_number.to_string(),
                    title: s.title,
                    status: t.get(&format!("state-{}", s.lifecycle.as_str())),
                    channel: t.get(&format!("channel-{}", s.channel.as_str())),
                    unit: s.unit.to_string(),
                    created: local_time(s.created_at),
                })
                .collect();
            (rows, p.total, next_href)
        }
        None => (Vec::new(), 0, None),
    };
    ErrandListPage {
        t,
        nav,
        units: unit_options,
        states,
        channels,
        rows,
        total,
        error,
        paged: params.cursor.is_some(),
        first_href: format!("/staff/errands{}", query_string(&base)),
        next_href,
    }
    .into_response()
}
