//! The city-wide search synonyms (`/staff/synonymer`): read by editors,
//! changed by a system admin.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::user_actor;
use porten_domain::Violations;
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::*;
use crate::staff::{KnowledgeEditors, Staff, StaffForm};

#[derive(Template, WebTemplate)]
#[template(path = "kb_synonyms.html")]
struct SynonymsPage {
    t: Tr,
    nav: Nav,
    synonyms: Vec<(String, String)>,
    /// Only a system admin changes the city-wide synonyms; others read them.
    may_edit: bool,
    term: String,
    words: String,
    errors: Vec<ErrorLink>,
    term_error: String,
    words_error: String,
}

async fn synonyms_render(
    state: &AppState,
    t: Tr,
    nav: Nav,
    user: &porten_app::auth::Principal,
    term: String,
    words: String,
    errors: Violations,
) -> Response {
    let actor = user_actor(user);
    let may_edit = porten_app::knowledge::edits_synonyms(&actor);
    let synonyms = match state.app.synonyms(&actor).await {
        Ok(s) => s.into_iter().map(|s| (s.term, s.words.join(", "))).collect(),
        Err(e) => return app_error_page(t, nav, e),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let form = FormErrors { t: &t, errors: &errors, prefix: "kb-synonym" };
    let (summary, term_error, words_error) = (form.summary(&[]), form.field("term"), form.field("words"));
    let page = SynonymsPage { t, nav, synonyms, may_edit, term, words, errors: summary, term_error, words_error };
    (status, page).into_response()
}

pub(super) async fn synonyms_page(
    State(state): State<AppState>,
    Staff { user, t, nav, .. }: Staff<KnowledgeEditors>,
) -> Response {
    synonyms_render(&state, t, nav, &user, String::new(), String::new(), Violations::new()).await
}

#[derive(Deserialize)]
pub(super) struct SynonymForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    words: String,
}

pub(super) async fn set_synonym(
    State(state): State<AppState>,
    StaffForm { staff: Staff { user, actor, t, nav, .. }, form }: StaffForm<KnowledgeEditors, SynonymForm>,
) -> Response {
    match state.app.set_synonym(&actor, &form.term, &form.words).await {
        Ok(_) => Redirect::to("/staff/synonymer").into_response(),
        Err(AppError::Invalid(v)) => synonyms_render(&state, t, nav, &user, form.term, form.words, v).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

pub(super) async fn delete_synonym(
    State(state): State<AppState>,
    StaffForm { staff: Staff { actor, t, nav, .. }, form }: StaffForm<KnowledgeEditors, SynonymForm>,
) -> Response {
    match state.app.delete_synonym(&actor, &form.term).await {
        Ok(_) => Redirect::to("/staff/synonymer").into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

crate::staff::token_forms!(SynonymForm);
