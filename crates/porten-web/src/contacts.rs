//! The contact log page (`/staff/contacts`): staff log every phone call,
//! visit, e-mail or chat they handle, without personal data, and see their
//! latest entries. The rules live in `porten_app::contacts`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::Principal;
use porten_app::auth::user_actor;
use porten_domain::contact::ContactLogEntry;
use porten_domain::contact::LOGGED_CHANNELS;
use porten_domain::{ContactOutcome, RawLoggedContact, TopicRecord, Violations};

use crate::AppState;
use crate::i18n::{Tr, local_time};
use crate::pages::{ErrorLink, FormErrors, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{ContactLoggers, Staff, StaffForm};

pub fn routes() -> Routes {
    Routes::new().get("/staff/contacts", contacts_page).post("/staff/contacts", log_contact)
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

struct Row {
    at: String,
    channel: String,
    topic: String,
    outcome: String,
    minutes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts.html")]
struct ContactsPage {
    t: Tr,
    nav: Nav,
    saved: bool,
    errors: Vec<ErrorLink>,
    /// Inline error text per field (empty: no error).
    channel_error: String,
    topic_error: String,
    outcome_error: String,
    minutes_error: String,
    errand_error: String,
    article_error: String,
    channels: Vec<Choice>,
    topics: Vec<Choice>,
    outcomes: Vec<Choice>,
    minutes: String,
    errand: String,
    article: String,
    recent: Vec<Row>,
}

#[derive(serde::Deserialize)]
struct Saved {
    saved: Option<String>,
    /// The errand the contact is about, from the errand page's link.
    errand: Option<String>,
    /// What came of it, from the receipt of an errand registered for the caller.
    outcome: Option<String>,
}

#[derive(serde::Deserialize)]
struct LogForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    contact: RawLoggedContact,
}

/// A topic's name in the viewer's language; a merged topic's contacts
/// show under the survivor, so an unknown code shows as itself.
fn topic_name(t: &Tr, topics: &[TopicRecord], code: &str) -> String {
    topics
        .iter()
        .find(|x| x.code == code)
        .map_or_else(|| code.to_owned(), |x| t.pick(&x.name_sv, &x.name_en).to_owned())
}

async fn render(
    state: &AppState,
    t: Tr,
    nav: Nav,
    user: &Principal,
    typed: &RawLoggedContact,
    errors: &Violations,
    saved: bool,
) -> Response {
    let all_topics = match state.app.contact_topics(&user_actor(user)).await {
        Ok(s) => s,
        Err(e) => return app_error_page(t, nav, e),
    };
    let mut names: Vec<(String, String)> = all_topics
        .iter()
        .filter(|x| !x.retired)
        .map(|x| (x.code.clone(), t.pick(&x.name_sv, &x.name_en).to_owned()))
        .collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    let recent = match state.app.my_logged_contacts(&user_actor(user)).await {
        Ok(r) => r,
        Err(e) => return app_error_page(t, nav, e),
    };
    let choose = |typed: &Option<String>, options: Vec<(String, String)>| -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, label)| Choice { checked: typed.as_deref() == Some(value.as_str()), value, label })
            .collect()
    };
    let channels = LOGGED_CHANNELS
        .iter()
        .map(|c| (c.as_str().to_owned(), t.get(&format!("contacts-channel-{}", c.as_str()))))
        .collect();
    let mut topics = vec![(String::new(), t.get("contacts-topic-choose"))];
    topics.extend(names);
    let outcomes =
        ContactOutcome::ALL.iter().map(|o| (o.as_str().to_owned(), t.get(&format!("contacts-outcome-{}", o.as_str()))));
    let row = |e: &ContactLogEntry| Row {
        at: local_time(e.started_at),
        channel: t.get(&format!("contacts-channel-{}", e.contact.channel.as_str())),
        topic: topic_name(&t, &all_topics, &e.contact.topic_code),
        outcome: t.get(&format!("contacts-outcome-{}", e.contact.outcome.as_str())),
        minutes: e.contact.handle_seconds.map(|s| (s / 60).to_string()).unwrap_or_else(|| "–".into()),
    };
    let form = FormErrors { t: &t, errors, prefix: "contacts" };
    let page = ContactsPage {
        channel_error: form.field("channel"),
        topic_error: form.field("topic"),
        outcome_error: form.field("outcome"),
        minutes_error: form.field("minutes"),
        errand_error: form.field("errand"),
        article_error: form.field("article"),
        saved,
        errors: form.summary(&["channel", "outcome"]),
        channels: choose(&typed.channel, channels),
        topics: choose(&typed.topic, topics),
        outcomes: choose(&typed.outcome, outcomes.collect()),
        minutes: typed.minutes.clone().unwrap_or_default(),
        errand: typed.errand.clone().unwrap_or_default(),
        article: typed.article.clone().unwrap_or_default(),
        recent: recent.iter().map(row).collect(),
        t,
        nav,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

async fn contacts_page(
    State(state): State<AppState>,
    Staff { user, t, nav, .. }: Staff<ContactLoggers>,
    Query(q): Query<Saved>,
) -> Response {
    let typed = RawLoggedContact { errand: q.errand, outcome: q.outcome, ..Default::default() };
    render(&state, t, nav, &user, &typed, &Violations::new(), q.saved.is_some()).await
}

async fn log_contact(
    State(state): State<AppState>,
    StaffForm { staff: Staff { user, actor, t, nav, .. }, form }: StaffForm<ContactLoggers, LogForm>,
) -> Response {
    match state.app.log_contact(&actor, &form.contact).await {
        Ok(_) => Redirect::to("/staff/contacts?saved=1").into_response(),
        Err(AppError::Invalid(v)) => render(&state, t, nav, &user, &form.contact, &v, false).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

crate::staff::token_forms!(LogForm);
