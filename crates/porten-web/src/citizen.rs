//! What citizens follow: the tracking page of an errand (`/track/{token}`,
//! no login: the receipt after a submit), Mina ärenden (`/mina-arenden`,
//! signed in), a reply to the case officer from either, and the demo's
//! e-ID login (`/login/demo-eid`, only with `--demo`). The rules live in
//! `porten_app::eservices`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::Principal;
use porten_app::eservices::{CitizenAccess, CitizenEvent, CitizenView};
use porten_domain::{PublicId, Role};

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser};
use crate::i18n::{Tr, local_time};
use crate::pages::{ErrorLink, Frame, Nav, app_error_page, error_page};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/track/{token}", track_page)
        .post("/track/{token}/reply", track_reply)
        .get("/mina-arenden", my_errands)
        .get("/mina-arenden/{id}", my_errand)
        .get("/mina-arenden/{id}/documents/{n}", my_document)
        .get("/track/{token}/documents/{n}", track_document)
        .post("/mina-arenden/{id}/reply", my_reply)
        .get("/login/demo-eid", demo_eid_page)
        .post("/login/demo-eid", demo_eid_login)
}

/// Longest reply a citizen may send.
const MAX_REPLY_CHARS: usize = 5_000;
/// Replies one client address may send per ten minutes.
const REPLIES_PER_ADDRESS: u32 = 30;
const REPLY_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

struct EventRow {
    at: String,
    text: String,
    /// Where the text links to (the decision's document).
    href: Option<String>,
    /// `city`, `you` or `status`.
    who: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "track.html")]
struct TrackPage {
    t: Tr,
    nav: Nav,
    received: bool,
    /// The receipt was held back (over a limit): no mail went out.
    mail_held: bool,
    replied: bool,
    registry_number: String,
    title: String,
    status: String,
    /// "Besked senast …": the date a decision is promised by.
    promise: Option<String>,
    created: String,
    events: Vec<EventRow>,
    reply_action: String,
    /// The tracking link to keep, on the receipt.
    link: String,
    /// The receipt of an errand staff registered for a caller: a link
    /// to log the contact, linked to the errand.
    log_contact: bool,
    /// The errand is closed: no reply form, but how to reach the city.
    closed: bool,
    /// The city's phone and e-mail, for a closed errand.
    phone: String,
    phone_tel: String,
    email: String,
    errors: Vec<ErrorLink>,
    reply: String,
}

#[derive(serde::Deserialize, Default)]
struct Flags {
    received: Option<String>,
    mail: Option<String>,
    replied: Option<String>,
}

/// The reply form under an errand: where it posts, and after a problem
/// its errors and what was typed.
struct ReplyState {
    action: String,
    errors: Vec<ErrorLink>,
    text: String,
}

impl ReplyState {
    fn empty(action: String) -> Self {
        Self { action, errors: Vec::new(), text: String::new() }
    }
}

fn render_view(state: &AppState, t: Tr, nav: Nav, view: CitizenView, flags: &Flags, form: ReplyState) -> Response {
    let ReplyState { action: reply_action, errors, text: reply } = form;
    // The page's own address: the reply form posts below it, and so do its documents lie.
    let here = reply_action.strip_suffix("/reply").unwrap_or_default();
    let events = view
        .events
        .iter()
        .map(|(at, e)| {
            let mut href = None;
            let (who, text) = match e {
                CitizenEvent::Document { name, number } => {
                    href = Some(format!("{here}/documents/{number}"));
                    ("city", format!("{}: {name}", t.get("track-event-document")))
                }
                CitizenEvent::Registered => ("status", t.get("track-event-registered")),
                CitizenEvent::Status(s) => ("status", t.with1("track-event-status", "status", t.pick(&s.sv, &s.en))),
                CitizenEvent::Decision { outcome, text } => {
                    let (sv, en) = outcome.words();
                    ("city", format!("{}: {text}", t.with1("track-event-decision", "outcome", t.pick(sv, en))))
                }
                CitizenEvent::Message { from_city: true, body } => ("city", body.clone()),
                CitizenEvent::Message { from_city: false, body } => ("you", body.clone()),
            };
            EventRow { at: local_time(*at), text, href, who }
        })
        .collect();
    let status_code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let contact = state.app.site().contact.as_ref();
    let page = TrackPage {
        received: flags.received.is_some(),
        mail_held: flags.mail.as_deref() == Some("held"),
        replied: flags.replied.is_some(),
        registry_number: view.registry_number,
        title: view.service.as_ref().map(|s| t.pick(&s.name_sv, &s.name_en).to_owned()).unwrap_or(view.title),
        status: t.pick(&view.status.sv, &view.status.en).to_owned(),
        promise: view.promise.map(|p| porten_domain::time::to_stockholm(p).format("%Y-%m-%d").to_string()),
        created: local_time(view.created_at),
        events,
        link: view.tracking_token.map(|tok| format!("/track/{tok}")).unwrap_or_default(),
        log_contact: flags.received.is_some() && nav.is_staff,
        closed: view.lifecycle == porten_domain::Lifecycle::Closed,
        phone: contact.map(|c| c.phone.clone()).unwrap_or_default(),
        phone_tel: contact
            .map(|c| c.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect())
            .unwrap_or_default(),
        email: contact.map(|c| c.email.clone()).unwrap_or_default(),
        reply_action,
        errors,
        reply,
        t,
        nav,
    };
    (status_code, page).into_response()
}

async fn track_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(token): Path<String>,
    Query(flags): Query<Flags>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    match state.app.citizen_errand(CitizenAccess::Token(&token)).await {
        Ok(view) => render_view(&state, t, nav, view, &flags, ReplyState::empty(format!("/track/{token}/reply"))),
        Err(e) => app_error_page(t, nav, e),
    }
}

#[derive(serde::Deserialize)]
struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    message: String,
}

/// Sends a reply; on a problem, shows the page again with what was typed.
async fn reply(
    state: &AppState,
    Frame { t, nav }: Frame,
    ip: Option<std::net::IpAddr>,
    access: CitizenAccess<'_>,
    here: String,
    form: ReplyForm,
) -> Response {
    let key = state.limiter.key(("reply", ip));
    if !state.limiter.allow(key, REPLY_WINDOW, REPLIES_PER_ADDRESS) {
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    let message = form.message.trim();
    let problem = if message.is_empty() {
        Some("track-reply-error-empty")
    } else if message.chars().count() > MAX_REPLY_CHARS {
        Some("track-reply-error-long")
    } else {
        None
    };
    if problem.is_none() {
        match state.app.citizen_reply(access, message).await {
            Ok(()) => return Redirect::to(&format!("{here}?replied=1")).into_response(),
            // Closed meanwhile: the page says so and how to reach the city.
            Err(AppError::Closed) => {
                return match state.app.citizen_errand(access).await {
                    Ok(view) => {
                        let form = ReplyState::empty(format!("{here}/reply"));
                        let page = render_view(state, t, nav, view, &Flags::default(), form);
                        (StatusCode::CONFLICT, page).into_response()
                    }
                    Err(e) => app_error_page(t, nav, e),
                };
            }
            Err(e) => return app_error_page(t, nav, e),
        }
    }
    let errors = vec![ErrorLink { id: "message".into(), message: t.get(problem.unwrap_or_default()) }];
    match state.app.citizen_errand(access).await {
        Ok(view) => {
            let reply = ReplyState { action: format!("{here}/reply"), errors, text: form.message };
            render_view(state, t.at(here.clone()), nav, view, &Flags::default(), reply)
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn track_reply(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    reply(&state, Frame { t, nav }, ip, CitizenAccess::Token(&token), format!("/track/{token}"), form).await
}

/// The signed-in citizen, or where to send them instead.
fn citizen(user: Option<Principal>, t: &Tr, csrf: &CsrfToken) -> Result<Principal, Box<Response>> {
    match user {
        None => Err(Box::new(Redirect::to("/login").into_response())),
        Some(u) if u.role != Role::Citizen => {
            Err(Box::new(error_page(t.clone(), Nav::new(Some(&u), csrf), StatusCode::FORBIDDEN)))
        }
        Some(u) => Ok(u),
    }
}

struct MyRow {
    href: String,
    registry_number: String,
    title: String,
    status: String,
    created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_errands.html")]
struct MyErrandsPage {
    t: Tr,
    nav: Nav,
    rows: Vec<MyRow>,
    /// Unfinished applications: (link to continue, title, kept until).
    drafts: Vec<(String, String, String)>,
}

async fn my_errands(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let user = match citizen(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let drafts = match state.app.my_drafts(&user.actor()).await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let drafts = drafts
        .iter()
        .map(|v| {
            let step = v.definition.steps.first().map(|s| s.id.as_str()).unwrap_or_default();
            let href = format!("/e/{}/{}/step/{step}", v.draft.service_code, v.draft.id);
            let title = t.pick(&v.definition.title.sv, &v.definition.title.en).to_owned();
            (href, title, local_time(v.draft.expires_at)[..10].to_owned())
        })
        .collect();
    match state.app.my_errands(&user.actor()).await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|e| MyRow {
                    href: format!("/mina-arenden/{}", e.summary.public_id),
                    registry_number: e.summary.registry_number.to_string(),
                    title: e.service.as_ref().map_or(e.summary.title, |s| t.pick(&s.name_sv, &s.name_en).to_owned()),
                    status: t.pick(&e.status.sv, &e.status.en).to_owned(),
                    created: local_time(e.summary.created_at),
                })
                .collect();
            MyErrandsPage { t, nav, rows, drafts }.into_response()
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn my_errand(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    Query(flags): Query<Flags>,
) -> Response {
    let user = match citizen(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let Ok(public_id) = PublicId::parse(&id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    match state.app.citizen_errand(CitizenAccess::SignedIn(&user.actor(), public_id)).await {
        Ok(view) => render_view(&state, t, nav, view, &flags, ReplyState::empty(format!("/mina-arenden/{id}/reply"))),
        Err(e) => app_error_page(t, nav, e),
    }
}

/// A decision's document of an errand followed by its link.
async fn track_document(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((token, n)): Path<(String, usize)>,
) -> Response {
    match state.app.citizen_document(CitizenAccess::Token(&token), n).await {
        Ok(doc) => crate::errands::pdf_response(doc),
        Err(e) => app_error_page(t, Nav::new(user.as_ref(), &csrf), e),
    }
}

/// A decision's document of one of the signed-in citizen's errands.
async fn my_document(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((id, n)): Path<(String, usize)>,
) -> Response {
    let user = match citizen(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let Ok(public_id) = PublicId::parse(&id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    match state.app.citizen_document(CitizenAccess::SignedIn(&user.actor(), public_id), n).await {
        Ok(doc) => crate::errands::pdf_response(doc),
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn my_reply(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    let user = match citizen(user, &t, &csrf) {
        Ok(u) => u,
        Err(res) => return *res,
    };
    let nav = Nav::new(Some(&user), &csrf);
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    let Ok(public_id) = PublicId::parse(&id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    reply(
        &state,
        Frame { t, nav },
        ip,
        CitizenAccess::SignedIn(&user.actor(), public_id),
        format!("/mina-arenden/{id}"),
        form,
    )
    .await
}

/// The fictional people of the demo's e-ID login: (personnummer, name).
/// Their numbers are Skatteverket's published test numbers.
pub const DEMO_PEOPLE: [(&str, &str); 3] =
    [("198112189876", "Anna Andersson"), ("194107086995", "Gustav Lind"), ("200208302380", "Sara Nilsson")];

#[derive(Template, WebTemplate)]
#[template(path = "demo_eid.html")]
struct DemoEidPage {
    t: Tr,
    nav: Nav,
    people: Vec<(usize, String, String)>,
}

async fn demo_eid_page(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    if !state.config.demo_eid {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    }
    let people = DEMO_PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (number, name))| {
            let birth = format!("{}-{}-{}", &number[..4], &number[4..6], &number[6..8]);
            (i, (*name).to_owned(), birth)
        })
        .collect();
    DemoEidPage { t, nav, people }.into_response()
}

#[derive(serde::Deserialize)]
struct DemoEidForm {
    #[serde(default)]
    csrf: String,
    person: Option<usize>,
}

async fn demo_eid_login(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    headers: axum::http::HeaderMap,
    Form(form): Form<DemoEidForm>,
) -> Response {
    let nav = Nav::new(None, &csrf);
    if !state.config.demo_eid {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    }
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    let Some((number, name)) = form.person.and_then(|i| DEMO_PEOPLE.get(i)) else {
        return Redirect::to("/login/demo-eid").into_response();
    };
    match state.app.sign_in_with_eid(number, name).await {
        Ok(user) => crate::session::signed_in(&state, t, nav, &headers, &user, "/mina-arenden").await,
        Err(e) => app_error_page(t, nav, e),
    }
}
