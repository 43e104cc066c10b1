//! Contact topics for system admins (`/staff/admin/topics`, issue 20): the
//! managed taxonomy agents choose from when they log a contact. Add,
//! rename, retire (and bring back), and merge one into another, which moves
//! its history to the survivor. The rules live in `porten_app::contacts`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_domain::{ContactTopic, RawTopic, Violations};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{CsrfOnly, Done, ErrorLink, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Staff, StaffForm, SystemAdmins};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/admin/topics", topics_page)
        .post("/staff/admin/topics", add_topic)
        .post("/staff/admin/topics/{code}/rename", rename_topic)
        .post("/staff/admin/topics/{code}/retire", retire_topic)
        .post("/staff/admin/topics/{code}/restore", restore_topic)
        .post("/staff/admin/topics/merge", merge_topics)
}

struct TopicRow {
    code: String,
    /// The code as an id in the page (`service:pothole` → `service-pothole`).
    key: String,
    name: String,
    name_sv: String,
    name_en: String,
    counts_as: String,
    /// Empty while in use; otherwise retired, or merged into another.
    state: String,
    retired: bool,
    merged: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_topics.html")]
struct TopicsPage {
    t: Tr,
    nav: Nav,
    topics: Vec<TopicRow>,
    /// Topics in use (code, name), for the merge form.
    in_use: Vec<(String, String)>,
    /// What a new topic may count as (value, label).
    classes: Vec<(String, String)>,
    errors: Vec<ErrorLink>,
    new_topic: RawTopic,
    merge_from: String,
    merge_into: String,
    done: String,
}

impl TopicsPage {
    /// The error text beside the field with `id`, or "".
    fn error(&self, id: &str) -> &str {
        crate::pages::error_for(&self.errors, id)
    }
}

#[derive(Default)]
struct Outcome {
    errors: Vec<ErrorLink>,
    new_topic: RawTopic,
    /// A rename refused: the topic's code and what was typed.
    renamed: Option<(String, RawTopic)>,
    merge: (String, String),
    done: String,
}

fn key(code: &str) -> String {
    code.replace(':', "-")
}

/// Error-summary links for a form's violations; its fields have ids
/// `{field}{suffix}`.
fn links(t: &Tr, v: &Violations, suffix: &str) -> Vec<ErrorLink> {
    crate::pages::field_links(t, v, "topics", |field| format!("{field}{suffix}"))
}

async fn render(state: &AppState, staff: Staff<SystemAdmins>, outcome: Outcome) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (topics, services) = match (state.app.contact_topics(&actor).await, state.app.services(Some(&actor)).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
    };
    let name_of = |code: &str| {
        topics
            .iter()
            .find(|x| x.code == code)
            .map_or_else(|| code.to_owned(), |x| t.pick(&x.name_sv, &x.name_en).to_owned())
    };
    let service_name = |code: &str| {
        services
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_owned(), |s| t.pick(&s.name_sv, &s.name_en).to_owned())
    };
    let class_label = |c: &ContactTopic| match c {
        ContactTopic::Service(code) => t.with1("topics-counts-service", "name", service_name(code)),
        other => t.get(&format!("topics-counts-{}", other.code())),
    };
    let mut rows: Vec<TopicRow> = topics
        .iter()
        .map(|x| TopicRow {
            code: x.code.clone(),
            key: key(&x.code),
            name: t.pick(&x.name_sv, &x.name_en).to_owned(),
            name_sv: match &outcome.renamed {
                Some((code, typed)) if *code == x.code => typed.name_sv.clone(),
                _ => x.name_sv.clone(),
            },
            name_en: match &outcome.renamed {
                Some((code, typed)) if *code == x.code => typed.name_en.clone(),
                _ => x.name_en.clone(),
            },
            counts_as: class_label(&x.counts_as),
            state: match (&x.merged_into, x.retired) {
                (Some(into), _) => t.with1("topics-merged-into", "name", name_of(into)),
                (None, true) => t.get("topics-retired"),
                (None, false) => String::new(),
            },
            retired: x.retired,
            merged: x.merged_into.is_some(),
        })
        .collect();
    // Those in use first, by name; then the retired.
    rows.sort_by(|a, b| (a.retired, &a.name).cmp(&(b.retired, &b.name)));
    let in_use = rows.iter().filter(|r| !r.retired).map(|r| (r.code.clone(), r.name.clone())).collect();
    let mut classes = vec![
        ("general".to_owned(), class_label(&ContactTopic::General)),
        ("tech_help".to_owned(), class_label(&ContactTopic::TechHelp)),
    ];
    let mut by_service: Vec<(String, String)> = services
        .iter()
        .map(|s| (format!("service:{}", s.code), class_label(&ContactTopic::Service(s.code.clone()))))
        .collect();
    by_service.sort_by(|a, b| a.1.cmp(&b.1));
    classes.extend(by_service);
    let status = if outcome.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = TopicsPage {
        topics: rows,
        in_use,
        classes,
        errors: outcome.errors,
        new_topic: outcome.new_topic,
        merge_from: outcome.merge.0,
        merge_into: outcome.merge.1,
        done: outcome.done,
        t,
        nav,
    };
    (status, page).into_response()
}

async fn topics_page(State(state): State<AppState>, staff: Staff<SystemAdmins>, Query(q): Query<Done>) -> Response {
    let done = match q.done.as_str() {
        d @ ("renamed" | "retired" | "restored") => staff.t.get(&format!("topics-done-{d}")),
        _ => String::new(),
    };
    render(&state, staff, Outcome { done, ..Outcome::default() }).await
}

#[derive(Deserialize)]
struct TopicForm {
    csrf: String,
    #[serde(flatten)]
    topic: RawTopic,
}

#[derive(Deserialize)]
struct MergeForm {
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    into: String,
}

crate::staff::token_forms!(TopicForm, MergeForm);

async fn add_topic(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, TopicForm>,
) -> Response {
    let outcome = match state.app.add_contact_topic(&staff.actor, &form.topic).await {
        Ok(topic) => Outcome { done: staff.t.with1("topics-done-added", "name", topic.name_sv), ..Outcome::default() },
        Err(AppError::Invalid(v)) => {
            Outcome { errors: links(&staff.t, &v, "-new"), new_topic: form.topic, ..Outcome::default() }
        }
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    render(&state, staff, outcome).await
}

async fn rename_topic(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, TopicForm>,
) -> Response {
    match state.app.rename_contact_topic(&staff.actor, &code, &form.topic).await {
        Ok(()) => Redirect::to("/staff/admin/topics?done=renamed").into_response(),
        Err(AppError::Invalid(v)) => {
            let errors = links(&staff.t, &v, &format!("-{}", key(&code)));
            render(&state, staff, Outcome { errors, renamed: Some((code, form.topic)), ..Outcome::default() }).await
        }
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn set_retired(state: &AppState, staff: Staff<SystemAdmins>, code: &str, retired: bool) -> Response {
    match state.app.retire_contact_topic(&staff.actor, code, retired).await {
        Ok(()) => {
            let done = if retired { "retired" } else { "restored" };
            Redirect::to(&format!("/staff/admin/topics?done={done}")).into_response()
        }
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn retire_topic(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    set_retired(&state, staff, &code, true).await
}

async fn restore_topic(
    State(state): State<AppState>,
    Path(code): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    set_retired(&state, staff, &code, false).await
}

async fn merge_topics(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, MergeForm>,
) -> Response {
    let outcome = match state.app.merge_contact_topic(&staff.actor, &form.from, &form.into).await {
        Ok(moved) => {
            let done = staff.t.with1("topics-done-merged", "count", moved);
            Outcome { done, ..Outcome::default() }
        }
        Err(AppError::Invalid(v)) => {
            Outcome { errors: links(&staff.t, &v, "-merge"), merge: (form.from, form.into), ..Outcome::default() }
        }
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    render(&state, staff, outcome).await
}
