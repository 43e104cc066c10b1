//! The public portal: the start page (search and top tasks), browsing by
//! audience and by topic, service pages and the contact page. Lists are in
//! Swedish alphabetical order (å, ä, ö after z). Catalogue and articles
//! come from App's cache ([`porten_app::search::PortalData`]), not from the
//! database per request.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate};
use porten_app::search::PortalData;
use porten_domain::calendar::{Closure, swedish_holiday};
use porten_domain::knowledge::{Article, OpeningHours, Visibility, swedish_sort_key};
use porten_domain::{Audience, Channel, Service};

use crate::AppState;
use crate::auth::{CsrfToken, MaybeUser, Visitor};
use crate::i18n::Tr;
use crate::pages::*;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/", home)
        .get("/for/{audience}", audience_page)
        .get("/amne/{topic}", topic_page)
        .get("/services/{code}", service_page)
        .get("/kontakt", contact_page)
}

/// A link in a list: title and a one-sentence summary.
pub(crate) struct Link {
    pub href: String,
    pub title: String,
    pub summary: String,
}

fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_owned(),
        None => s.to_owned(),
    }
}

fn service_link(t: &Tr, s: &Service) -> Link {
    Link {
        href: format!("/services/{}", s.code),
        title: t.pick(&s.name_sv, &s.name_en).to_owned(),
        summary: first_sentence(t.pick(&s.description_sv, &s.description_en)),
    }
}

pub(crate) fn article_link(t: &Tr, a: &Article) -> Link {
    let text = a.content.text(t.lang.code());
    Link { href: format!("/kunskap/{}", a.meta.slug), title: text.title.clone(), summary: text.summary.clone() }
}

/// Sorts links the Swedish way by title.
pub(crate) fn sorted(mut links: Vec<Link>) -> Vec<Link> {
    links.sort_by_cached_key(|l| swedish_sort_key(&l.title));
    links
}

fn public_articles(data: &PortalData) -> impl Iterator<Item = &Article> {
    data.articles.iter().filter(|a| a.meta.visibility == Visibility::Public)
}

/// The name of an audience or topic, and where it is browsed.
struct Entry {
    href: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    nav: Nav,
    eservices: Vec<Link>,
    popular: Vec<Link>,
    audiences: Vec<Entry>,
    topics: Vec<Entry>,
    phone: Option<String>,
}

fn audiences(t: &Tr) -> Vec<Entry> {
    Audience::ALL
        .into_iter()
        .map(|a| Entry { href: format!("/for/{}", a.as_str()), name: t.get(&format!("audience-{}", a.as_str())) })
        .collect()
}

async fn home(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let eservices = sorted(
        data.services.iter().filter(|s| state.app.eservice(&s.code).is_some()).map(|s| service_link(&t, s)).collect(),
    );
    let mut popular: Vec<&Article> = public_articles(&data).collect();
    popular.sort_by_key(|a| std::cmp::Reverse(a.meta.views));
    let popular = popular.into_iter().take(6).map(|a| article_link(&t, a)).collect();
    let site = state.app.site();
    let topics = site
        .topics
        .iter()
        .map(|topic| Entry {
            href: format!("/amne/{}", topic.code),
            name: t.pick(&topic.name_sv, &topic.name_en).into(),
        })
        .collect();
    let phone = site.contact.as_ref().map(|c| c.phone.clone());
    HomePage { audiences: audiences(&t), t, nav, eservices, popular, topics, phone }.into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "browse.html")]
struct BrowsePage {
    t: Tr,
    nav: Nav,
    title: String,
    services: Vec<Link>,
    articles: Vec<Link>,
    others: Vec<Entry>,
}

async fn audience_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(audience): Path<String>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let Some(audience) = Audience::parse(&audience) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let services =
        sorted(data.services.iter().filter(|s| s.audiences.contains(&audience)).map(|s| service_link(&t, s)).collect());
    let articles = sorted(
        public_articles(&data)
            .filter(|a| a.content.audiences.contains(&audience))
            .map(|a| article_link(&t, a))
            .collect(),
    );
    let title = t.with1("browse-audience-title", "audience", t.get(&format!("audience-{}", audience.as_str())));
    let others = audiences(&t);
    BrowsePage { t, nav, title, services, articles, others }.into_response()
}

async fn topic_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let site = state.app.site();
    let Some(topic) = site.topics.iter().find(|x| x.code == code) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let services = sorted(
        data.services.iter().filter(|s| topic.services.contains(&s.code)).map(|s| service_link(&t, s)).collect(),
    );
    let articles = sorted(
        public_articles(&data)
            .filter(|a| a.meta.topic.as_deref() == Some(&topic.code))
            .map(|a| article_link(&t, a))
            .collect(),
    );
    let title = t.pick(&topic.name_sv, &topic.name_en).to_owned();
    let others = site
        .topics
        .iter()
        .map(|x| Entry { href: format!("/amne/{}", x.code), name: t.pick(&x.name_sv, &x.name_en).into() })
        .collect();
    BrowsePage { t, nav, title, services, articles, others }.into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "service.html")]
struct ServicePage {
    t: Tr,
    nav: Nav,
    name: String,
    description: String,
    unit_name: String,
    audiences: String,
    processing_time: Option<String>,
    /// The e-service's start page and title, when the service has one.
    eservice: Option<(String, String)>,
    phone: Option<String>,
    visit: Option<String>,
    email: Option<String>,
    articles: Vec<Link>,
}

async fn service_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let Some(service) = data.services.iter().find(|s| s.code == code) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    state.app.self_service(&visitor.0, "view", Some(&format!("service:{code}")));
    let unit_name = data
        .units
        .iter()
        .find(|u| u.code == service.unit)
        .map(|u| t.pick(&u.name_sv, &u.name_en).to_owned())
        .unwrap_or_else(|| service.unit.to_string());
    let audiences = service
        .audiences
        .iter()
        .map(|a| t.get(&format!("audience-{}", a.as_str())).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    let eservice = state
        .app
        .eservice(&service.code)
        .map(|d| (format!("/e/{}", service.code), t.pick(&d.title.sv, &d.title.en).to_owned()));
    let contact = state.app.site().contact.as_ref();
    let has = |c: Channel| service.channels.contains(&c);
    let articles = sorted(
        public_articles(&data)
            .filter(|a| a.content.services.contains(&service.code))
            .map(|a| article_link(&t, a))
            .collect(),
    );
    let processing_time = match t.lang.code() {
        "en" => service.processing_time_en.clone(),
        _ => service.processing_time_sv.clone(),
    };
    ServicePage {
        eservice,
        name: t.pick(&service.name_sv, &service.name_en).to_owned(),
        description: t.pick(&service.description_sv, &service.description_en).to_owned(),
        unit_name,
        audiences,
        processing_time,
        phone: contact.filter(|_| has(Channel::Phone)).map(|c| c.phone.clone()),
        visit: contact
            .filter(|_| has(Channel::Visit))
            .map(|c| t.pick(&c.visiting_address_sv, &c.visiting_address_en).to_owned()),
        email: contact.filter(|_| has(Channel::Email)).map(|c| c.email.clone()),
        articles,
        t,
        nav,
    }
    .into_response()
}

/// One day of the contact page's opening hours.
struct DayHours {
    label: String,
    today: bool,
    phone: String,
    visit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contact.html")]
struct ContactPage {
    t: Tr,
    nav: Nav,
    contact: Option<ContactView>,
    days: Vec<DayHours>,
    today: Option<String>,
    eid_articles: Vec<Link>,
    eid_service: bool,
}

struct ContactView {
    phone: String,
    phone_href: String,
    email: String,
    visiting_address: String,
    postal_address: String,
    web: String,
    eid_help: String,
}

fn hours(t: &Tr, h: &OpeningHours, eve: bool) -> String {
    let closes = if eve { h.eve_closes } else { h.closes };
    t.with(
        "contact-hours",
        &[("opens", h.opens.format("%H.%M").to_string()), ("closes", closes.format("%H.%M").to_string())],
    )
}

async fn contact_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    visitor: Visitor,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    state.app.self_service(&visitor.0, "contact", None);
    let today = porten_domain::time::to_stockholm(state.app.now()).date_naive();
    let calendar = match state.app.business_calendar(today, today + Duration::days(8)).await {
        Ok(c) => c,
        Err(e) => return app_error_page(t, nav, e),
    };
    let contact = state.app.site().contact.clone();
    let mut days = Vec::new();
    let mut today_text = None;
    if let Some(c) = &contact {
        for i in 0..7 {
            let date = today + Duration::days(i);
            let weekday = t.get(&format!("weekday-{}", date.weekday().number_from_monday()));
            let label = format!("{weekday} {}", date.format("%-d/%-m"));
            let closed = match calendar.closure(date) {
                Some(Closure::Holiday(key)) => {
                    Some(t.with1("contact-closed-holiday", "day", t.get(&format!("holiday-{key}"))))
                }
                Some(Closure::Decided(note)) if note.is_empty() => Some(t.get("contact-closed")),
                Some(Closure::Decided(note)) => Some(format!("{} ({note})", t.get("contact-closed"))),
                None if date.weekday().number_from_monday() > 5 && calendar.kept_open(date).is_none() => {
                    Some(t.get("contact-closed"))
                }
                None => None,
            };
            let eve = is_eve(date, &calendar);
            let (phone, visit) = match &closed {
                Some(text) => (text.clone(), text.clone()),
                None => (hours(&t, &c.phone_hours, eve), hours(&t, &c.visit_hours, eve)),
            };
            if i == 0 {
                today_text = Some(match &closed {
                    Some(text) => t.with1("contact-today-closed", "text", text),
                    None => t.with1("contact-today-open", "hours", &phone),
                });
            }
            days.push(DayHours { label, today: i == 0, phone, visit });
        }
    }
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let eid_articles = sorted(
        public_articles(&data)
            .filter(|a| a.content.services.iter().any(|s| s == "e-id-help"))
            .map(|a| article_link(&t, a))
            .collect(),
    );
    let eid_service = state.app.eservice("e-id-help").is_some();
    let contact = contact.map(|c| ContactView {
        phone_href: format!(
            "tel:{}",
            c.phone.chars().filter(|ch| ch.is_ascii_digit() || *ch == '+').collect::<String>()
        ),
        phone: c.phone.clone(),
        email: c.email.clone(),
        visiting_address: t.pick(&c.visiting_address_sv, &c.visiting_address_en).to_owned(),
        postal_address: c.postal_address.clone(),
        web: t.pick(&c.chat_sv, &c.chat_en).to_owned(),
        eid_help: t.pick(&c.eid_help_sv, &c.eid_help_en).to_owned(),
    });
    ContactPage { t, nav, contact, days, today: today_text, eid_articles, eid_service }.into_response()
}

/// A working day before a public holiday (*dag före helgdag*) closes early.
fn is_eve(date: NaiveDate, calendar: &porten_domain::calendar::BusinessCalendar) -> bool {
    let next = date + Duration::days(1);
    swedish_holiday(next).is_some() && calendar.is_closed(next)
}
