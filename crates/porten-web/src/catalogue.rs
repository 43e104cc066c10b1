//! The catalogue's public pages: the start page with services by audience,
//! and one page per service.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use porten_domain::Audience;

use crate::AppState;
use crate::auth::{CsrfToken, MaybeUser};
use crate::i18n::Tr;
use crate::pages::*;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/", home).get("/services/{code}", service_page)
}

struct ServiceLink {
    code: String,
    name: String,
    summary: String,
}

struct AudienceGroup {
    key: &'static str,
    title: String,
    services: Vec<ServiceLink>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    nav: Nav,
    groups: Vec<AudienceGroup>,
}

async fn home(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let services = match state.app.services(None).await {
        Ok(s) => s,
        Err(e) => return app_error_page(t, nav, e),
    };
    let groups = Audience::ALL
        .into_iter()
        .map(|a| AudienceGroup {
            key: a.as_str(),
            title: t.get(&format!("audience-{}", a.as_str())),
            services: services
                .iter()
                .filter(|s| s.audiences.contains(&a))
                .map(|s| ServiceLink {
                    code: s.code.clone(),
                    name: t.pick(&s.name_sv, &s.name_en).to_owned(),
                    summary: first_sentence(t.pick(&s.description_sv, &s.description_en)),
                })
                .collect(),
        })
        .filter(|g| !g.services.is_empty())
        .collect();
    HomePage { t, nav, groups }.into_response()
}

fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_owned(),
        None => s.to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "service.html")]
struct ServicePage {
    t: Tr,
    nav: Nav,
    name: String,
    description: String,
    unit_name: String,
    channels: String,
    /// The e-service's start page and title, when the service has one.
    eservice: Option<(String, String)>,
}

async fn service_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let (service, units) = match (state.app.service(None, &code).await, state.app.units(None).await) {
        (Ok(Some(s)), Ok(u)) => (s, u),
        (Ok(None), _) => return error_page(t, nav, StatusCode::NOT_FOUND),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
    };
    let unit_name = units
        .iter()
        .find(|u| u.code == service.unit)
        .map(|u| t.pick(&u.name_sv, &u.name_en).to_owned())
        .unwrap_or_else(|| service.unit.to_string());
    let channels =
        service.channels.iter().map(|c| t.get(&format!("channel-{}", c.as_str()))).collect::<Vec<_>>().join(", ");
    let eservice = state
        .app
        .eservice(&service.code)
        .map(|d| (format!("/e/{}", service.code), t.pick(&d.title.sv, &d.title.en).to_owned()));
    ServicePage {
        eservice,
        name: t.pick(&service.name_sv, &service.name_en).to_owned(),
        description: t.pick(&service.description_sv, &service.description_en).to_owned(),
        unit_name,
        channels,
        t,
        nav,
    }
    .into_response()
}
