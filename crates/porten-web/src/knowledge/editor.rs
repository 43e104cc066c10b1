//! The editors' pages: unit admins (their unit's articles) and system
//! admins list, write, save, publish, unpublish and preview articles.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_domain::knowledge::{Article, RawArticle, Visibility};
use porten_domain::{Audience, Violations};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::Tr;
use crate::pages::*;
use crate::staff::{KnowledgeEditors, Staff, StaffForm};

use super::article::{Answer, show_article};

struct ArticleRow {
    slug: String,
    title: String,
    unit: String,
    internal: bool,
    state: String,
    views: u64,
    helpful: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "kb_list.html")]
struct EditorList {
    t: Tr,
    nav: Nav,
    rows: Vec<ArticleRow>,
}

fn state_text(t: &Tr, a: &Article) -> String {
    match a.meta.published {
        Some(p) if p == a.meta.latest => t.with1("kb-state-published", "version", p),
        Some(p) => {
            t.with("kb-state-draft-after", &[("version", a.meta.latest.to_string()), ("published", p.to_string())])
        }
        None => t.with1("kb-state-draft", "version", a.meta.latest),
    }
}

pub(super) async fn editor_list(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<KnowledgeEditors>,
) -> Response {
    let articles = match state.app.editable_articles(&actor).await {
        Ok(a) => a,
        Err(e) => return app_error_page(t, nav, e),
    };
    let mut rows: Vec<ArticleRow> = articles
        .iter()
        .map(|a| ArticleRow {
            slug: a.meta.slug.clone(),
            title: a.content.sv.title.clone(),
            unit: a.meta.unit.to_string(),
            internal: a.meta.visibility == Visibility::Internal,
            state: state_text(&t, a),
            views: a.meta.views,
            helpful: match a.meta.helpful_yes + a.meta.helpful_no {
                0 => "–".into(),
                n => format!("{} % ({n})", (a.meta.helpful_yes * 100 + n / 2) / n),
            },
        })
        .collect();
    rows.sort_by_cached_key(|r| porten_domain::knowledge::swedish_sort_key(&r.title));
    EditorList { t, nav, rows }.into_response()
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// A text field of the editor (title, summary or body in one language).
struct TextField {
    name: &'static str,
    label: String,
    hint: Option<String>,
    value: String,
    rows: u32,
    error: String,
    described_by: String,
}

struct TextGroup {
    legend: String,
    hint: Option<String>,
    lang: &'static str,
    fields: Vec<TextField>,
}

struct Version {
    number: u32,
    at: String,
    published: bool,
    draft: bool,
    /// Who saved it (none for what Porten itself wrote, as the demo).
    author: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "kb_edit.html")]
struct EditPage {
    t: Tr,
    nav: Nav,
    existing: bool,
    form: RawArticle,
    texts: Vec<TextGroup>,
    keywords: String,
    units: Vec<Choice>,
    topics: Vec<Choice>,
    audiences: Vec<Choice>,
    services: Vec<Choice>,
    history: Vec<Version>,
    /// Whether a version is on the website.
    published: bool,
    comments: Vec<(bool, String, String)>,
    saved: Option<String>,
    errors: Vec<ErrorLink>,
    field_errors: std::collections::BTreeMap<String, String>,
}

impl EditPage {
    fn error(&self, field: &str) -> &str {
        self.field_errors.get(field).map(String::as_str).unwrap_or("")
    }
}

async fn edit_page(
    state: &AppState,
    Frame { t, nav }: Frame,
    actor: &porten_domain::Actor,
    form: RawArticle,
    existing: bool,
    saved: Option<String>,
    errors: Violations,
) -> Response {
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let (history, comments) = if existing {
        match (state.app.article_draft(actor, &form.slug).await, state.app.article_comments(actor, &form.slug).await) {
            (Ok(d), Ok(c)) => {
                let published = d.article.meta.published;
                let mut history = Vec::with_capacity(d.history.len());
                // A name is looked up once however many versions its editor saved.
                let mut names: std::collections::HashMap<i64, Option<String>> = std::collections::HashMap::new();
                for v in &d.history {
                    let author = match v.author_id {
                        Some(id) => match names.get(&id) {
                            Some(name) => name.clone(),
                            None => {
                                let name = state.app.user_name(id).await.ok().flatten();
                                names.insert(id, name.clone());
                                name
                            }
                        },
                        None => None,
                    };
                    history.push(Version {
                        number: v.version,
                        at: crate::i18n::local_time(v.created_at),
                        published: published == Some(v.version),
                        // Newer than what the website shows: an edit not yet published.
                        draft: published.is_none_or(|p| v.version > p),
                        author,
                    });
                }
                (history, c.into_iter().map(|(h, text, at)| (h, text, crate::i18n::local_time(at))).collect())
            }
            (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
        }
    } else {
        (Vec::new(), Vec::new())
    };
    let units = porten_app::knowledge::editable_units(actor, &data.units)
        .into_iter()
        .map(|u| Choice {
            value: u.code.to_string(),
            label: t.pick(&u.name_sv, &u.name_en).to_owned(),
            checked: form.unit == u.code.as_str(),
        })
        .collect();
    let topics = state
        .app
        .site()
        .topics
        .iter()
        .map(|x| Choice {
            value: x.code.clone(),
            label: t.pick(&x.name_sv, &x.name_en).to_owned(),
            checked: form.topic.as_deref() == Some(&x.code),
        })
        .collect();
    let audiences = Audience::ALL
        .into_iter()
        .map(|a| Choice {
            value: a.as_str().into(),
            label: t.get(&format!("audience-{}", a.as_str())),
            checked: form.audiences.iter().any(|x| x == a.as_str()),
        })
        .collect();
    let mut services: Vec<Choice> = data
        .services
        .iter()
        .map(|s| Choice {
            value: s.code.clone(),
            label: t.pick(&s.name_sv, &s.name_en).to_owned(),
            checked: form.services.contains(&s.code),
        })
        .collect();
    services.sort_by_cached_key(|c| porten_domain::knowledge::swedish_sort_key(&c.label));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let form_errors = FormErrors { t: &t, errors: &errors, prefix: "kb-edit" };
    let summary = form_errors.summary(&["visibility"]);
    let field_errors: std::collections::BTreeMap<String, String> =
        errors.0.iter().map(|v| (v.field.clone(), form_errors.field(&v.field))).collect();
    let field = |name: &'static str, value: &str, rows: u32, hint: bool| {
        let error = field_errors.get(name).cloned().unwrap_or_default();
        let described_by = [(hint, format!("{name}-hint")), (!error.is_empty(), format!("{name}-error"))]
            .into_iter()
            .filter_map(|(on, id)| on.then_some(id))
            .collect::<Vec<_>>()
            .join(" ");
        TextField {
            name,
            label: t.get(&format!("kb-field-{name}")),
            hint: hint.then(|| t.get("kb-field-body-hint")),
            value: value.to_owned(),
            rows,
            error,
            described_by,
        }
    };
    let texts = vec![
        TextGroup {
            legend: t.get("kb-swedish"),
            hint: None,
            lang: "sv",
            fields: vec![
                field("title_sv", &form.title_sv, 0, false),
                field("summary_sv", &form.summary_sv, 2, false),
                field("body_sv", &form.body_sv, 16, true),
            ],
        },
        TextGroup {
            legend: t.get("kb-english"),
            hint: Some(t.get("kb-english-hint")),
            lang: "en",
            fields: vec![
                field("title_en", form.title_en.as_deref().unwrap_or(""), 0, false),
                field("summary_en", form.summary_en.as_deref().unwrap_or(""), 2, false),
                field("body_en", form.body_en.as_deref().unwrap_or(""), 16, true),
            ],
        },
    ];
    let page = EditPage {
        texts,
        keywords: form.keywords.join(", "),
        t,
        nav,
        existing,
        form,
        units,
        topics,
        audiences,
        services,
        published: history.iter().any(|v| v.published),
        history,
        comments,
        saved,
        errors: summary,
        field_errors,
    };
    (status, page).into_response()
}

pub(super) async fn new_article(
    State(state): State<AppState>,
    Staff { user, actor, t, nav, .. }: Staff<KnowledgeEditors>,
) -> Response {
    let form = RawArticle {
        unit: user.unit.as_ref().map(|u| u.to_string()).unwrap_or_default(),
        visibility: "public".into(),
        ..Default::default()
    };
    edit_page(&state, Frame { t, nav }, &actor, form, false, None, Violations::new()).await
}

/// What the editor page confirms after a redirect: a version saved or
/// published, or the article unpublished.
#[derive(Deserialize, Default)]
pub(super) struct EditParams {
    saved: Option<u32>,
    publicerad: Option<u32>,
    avpublicerad: Option<String>,
}

pub(super) async fn edit_article(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<KnowledgeEditors>,
    Path(slug): Path<String>,
    Query(params): Query<EditParams>,
) -> Response {
    let actor = actor.clone();
    let draft = match state.app.article_draft(&actor, &slug).await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let a = &draft.article;
    let en = a.content.en.as_ref();
    let form = RawArticle {
        slug: a.meta.slug.clone(),
        unit: a.meta.unit.to_string(),
        topic: a.meta.topic.clone(),
        visibility: a.meta.visibility.as_str().into(),
        title_sv: a.content.sv.title.clone(),
        summary_sv: a.content.sv.summary.clone(),
        body_sv: a.content.sv.body.clone(),
        title_en: en.map(|e| e.title.clone()),
        summary_en: en.map(|e| e.summary.clone()),
        body_en: en.map(|e| e.body.clone()),
        keywords: a.content.keywords.clone(),
        audiences: a.content.audiences.iter().map(|x| x.as_str().to_owned()).collect(),
        services: a.content.services.clone(),
    };
    let saved = match (params.saved, params.publicerad, params.avpublicerad) {
        (Some(v), _, _) => Some(t.with1("kb-saved", "version", v)),
        (_, Some(v), _) => Some(t.with1("kb-published-notice", "version", v)),
        (_, _, Some(_)) => Some(t.get("kb-unpublished-notice")),
        _ => None,
    };
    edit_page(&state, Frame { t, nav }, &actor, form, true, saved, Violations::new()).await
}

/// The editor's form: repeated keys (audiences, services) as lists.
fn article_form(body: &[u8]) -> (String, String, bool, RawArticle) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut raw = RawArticle::default();
    let (mut csrf, mut existing, mut publish) = (String::new(), String::new(), false);
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = v,
            "existing" => existing = v,
            "action" => publish = v == "publish",
            "slug" => raw.slug = v,
            "unit" => raw.unit = v,
            "topic" => raw.topic = Some(v),
            "visibility" => raw.visibility = v,
            "title_sv" => raw.title_sv = v,
            "summary_sv" => raw.summary_sv = v,
            "body_sv" => raw.body_sv = v.replace("\r\n", "\n"),
            "title_en" => raw.title_en = Some(v),
            "summary_en" => raw.summary_en = Some(v),
            "body_en" => raw.body_en = Some(v.replace("\r\n", "\n")),
            "keywords" => raw.keywords = v.split(',').map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect(),
            "audiences" => raw.audiences.push(v),
            "services" => raw.services.push(v),
            _ => {}
        }
    }
    (csrf, existing, publish, raw)
}

pub(super) async fn save(
    State(state): State<AppState>,
    Staff { actor, t, nav, csrf, .. }: Staff<KnowledgeEditors>,
    body: Bytes,
) -> Response {
    // The form has repeated fields (services), so it is read by hand.
    let (token, existing, publish, raw) = article_form(&body);
    if !csrf.matches(&token) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    let saved = match existing.is_empty() {
        true => state.app.create_article(&actor, &raw, publish).await,
        false => state.app.save_article(&actor, &raw, publish).await,
    };
    match saved {
        Ok(version) => Redirect::to(&format!("/staff/kunskap/{}?saved={version}", raw.slug.trim())).into_response(),
        Err(AppError::Invalid(v)) => {
            edit_page(&state, Frame { t, nav }, &actor, raw, !existing.is_empty(), None, v).await
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

pub(super) async fn preview_article(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<KnowledgeEditors>,
    Path((slug, version)): Path<(String, String)>,
) -> Response {
    // A version that is not a number is no version: the page is missing.
    let Ok(version) = version.parse::<u32>() else { return app_error_page(t, nav, AppError::NotFound) };
    match state.app.article_preview(&actor, &slug, version).await {
        Ok(article) => show_article(&state, Frame { t, nav }, &article, &[], Some(version), Answer::default()).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

pub(super) async fn unpublish(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff: Staff { actor, t, nav, .. }, form: _ }: StaffForm<KnowledgeEditors, CsrfOnly>,
) -> Response {
    match state.app.unpublish_article(&actor, &slug).await {
        Ok(_) => Redirect::to(&format!("/staff/kunskap/{slug}?avpublicerad=1")).into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

#[derive(Deserialize)]
pub(super) struct PublishForm {
    #[serde(default)]
    csrf: String,
    version: u32,
}

pub(super) async fn publish(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff: Staff { actor, t, nav, .. }, form }: StaffForm<KnowledgeEditors, PublishForm>,
) -> Response {
    match state.app.publish_article(&actor, &slug, form.version).await {
        Ok(()) => Redirect::to(&format!("/staff/kunskap/{slug}?publicerad={}", form.version)).into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

crate::staff::token_forms!(CsrfOnly, PublishForm);
