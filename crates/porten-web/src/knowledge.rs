//! Knowledge-base pages: an article (`/kunskap/{slug}`) with "Fick du svar
//! på din fråga?" and related articles, and the editors' pages under
//! `/staff/kunskap` (articles with versions, synonyms, and what people
//! search for and how self-help fares).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::user_actor;
use porten_app::knowledge::may_edit_knowledge;
use porten_domain::knowledge::{Article, RawArticle, Visibility};
use porten_domain::{Audience, Violations};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser, Visitor};
use crate::i18n::Tr;
use crate::pages::*;
use crate::portal::{Link, sorted};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/kunskap/{slug}", article_page)
        .post("/kunskap/{slug}/svar", feedback)
        .get("/staff/kunskap", editor_list)
        .post("/staff/kunskap", save)
        .get("/staff/kunskap/ny", new_article)
        .get("/staff/kunskap/{slug}", edit_article)
        .get("/staff/kunskap/{slug}/version/{version}", preview_article)
        .post("/staff/kunskap/{slug}/publicera", publish)
        .post("/staff/kunskap/{slug}/avpublicera", unpublish)
        .get("/staff/synonymer", synonyms_page)
        .post("/staff/synonymer", set_synonym)
        .post("/staff/synonymer/ta-bort", delete_synonym)
        .get("/staff/sokstatistik", insights_page)
}

/// A block of an article body (the knowledge base's Markdown subset).
pub(crate) enum Block {
    Heading(String),
    Paragraph(String),
    List(Vec<String>),
}

pub(crate) fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in markdown.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let mut paragraph: Vec<&str> = Vec::new();
        let mut list: Vec<String> = Vec::new();
        for line in chunk.lines().map(str::trim) {
            if let Some(h) = line.strip_prefix("## ") {
                out.push(Block::Heading(h.to_owned()));
            } else if let Some(item) = line.strip_prefix("- ") {
                list.push(item.to_owned());
            } else if !line.is_empty() {
                paragraph.push(line);
            }
        }
        if !paragraph.is_empty() {
            out.push(Block::Paragraph(paragraph.join(" ")));
        }
        if !list.is_empty() {
            out.push(Block::List(list));
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "article.html")]
struct ArticlePage {
    t: Tr,
    nav: Nav,
    slug: String,
    title: String,
    summary: String,
    body: Vec<Block>,
    /// The text is Swedish on an English page.
    swedish_only: bool,
    internal: bool,
    related: Vec<Link>,
    services: Vec<Link>,
    thanks: bool,
    comment: String,
    errors: Vec<ErrorLink>,
    comment_error: String,
    helpful_error: String,
    /// The version an editor previews (no feedback form then).
    preview: Option<u32>,
}

#[derive(Deserialize, Default)]
struct ArticleParams {
    tack: Option<String>,
}

/// What a reader answered to "Fick du svar på din fråga?", shown again.
#[derive(Default)]
struct Answer {
    thanks: bool,
    comment: String,
    errors: Option<Violations>,
}

async fn render_article(
    state: &AppState,
    tn: (Tr, Nav),
    actor: Option<&porten_domain::Actor>,
    slug: &str,
    answer: Answer,
) -> Response {
    match state.app.article(actor, slug).await {
        Ok(page) => show_article(state, tn, &page.article, &page.related, None, answer).await,
        Err(e) => app_error_page(tn.0, tn.1, e),
    }
}

/// The article page, for readers or (with `preview`) for its editor.
async fn show_article(
    state: &AppState,
    (t, nav): (Tr, Nav),
    a: &porten_domain::knowledge::Article,
    related: &[(String, String, Option<String>)],
    preview: Option<u32>,
    Answer { thanks, comment, errors }: Answer,
) -> Response {
    let data = match state.app.portal_data().await {
        Ok(d) => d,
        Err(e) => return app_error_page(t, nav, e),
    };
    let text = a.content.text(t.lang.code());
    let related = related
        .iter()
        .map(|(slug, sv, en)| Link {
            href: format!("/kunskap/{slug}"),
            title: match (t.lang.code(), en) {
                ("en", Some(en)) => en.clone(),
                _ => sv.clone(),
            },
            summary: String::new(),
        })
        .collect();
    let services = sorted(
        data.services
            .iter()
            .filter(|s| a.content.services.contains(&s.code))
            .map(|s| Link {
                href: format!("/services/{}", s.code),
                title: t.pick(&s.name_sv, &s.name_en).to_owned(),
                summary: String::new(),
            })
            .collect(),
    );
    let errors = errors.unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let form = FormErrors { t: &t, errors: &errors, prefix: "kb-feedback" };
    let (summary_links, comment_error, helpful_error) =
        (form.summary(&[]), form.field("comment"), form.field("helpful"));
    let page = ArticlePage {
        slug: a.meta.slug.clone(),
        title: text.title.clone(),
        summary: text.summary.clone(),
        body: blocks(&text.body),
        swedish_only: t.lang.code() == "en" && a.content.en.is_none(),
        internal: a.meta.visibility == Visibility::Internal,
        related,
        services,
        thanks,
        comment,
        errors: summary_links,
        comment_error,
        helpful_error,
        preview,
        t,
        nav,
    };
    (status, page).into_response()
}

async fn article_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(params): Query<ArticleParams>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let actor = user.as_ref().map(user_actor);
    state.app.self_service(&visitor.0, "view", Some(&format!("article:{slug}")));
    let answer = Answer { thanks: params.tack.is_some(), ..Answer::default() };
    render_article(&state, (t, nav), actor.as_ref(), &slug, answer).await
}

#[derive(Deserialize)]
struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    helpful: Option<String>,
    #[serde(default)]
    comment: String,
}

async fn feedback(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    (visitor, ClientIp(ip)): (Visitor, ClientIp),
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    // Answers per client address and ten minutes, so that one client
    // cannot skew an article's figures.
    let key = state.limiter.key(("feedback", ip));
    if !state.limiter.allow(key, std::time::Duration::from_secs(600), 30) {
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    let actor = user.as_ref().map(user_actor);
    let helpful = match form.helpful.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => {
            let mut v = Violations::new();
            v.push("helpful", "required", "choose yes or no");
            let answer = Answer { comment: form.comment, errors: Some(v), ..Answer::default() };
            return render_article(&state, (t, nav), actor.as_ref(), &slug, answer).await;
        }
    };
    let comment = Some(form.comment.as_str());
    match state.app.article_feedback(actor.as_ref(), &slug, helpful, comment, &visitor.0).await {
        Ok(()) => Redirect::to(&format!("/kunskap/{slug}?tack=1#feedback")).into_response(),
        Err(AppError::Invalid(v)) => {
            let answer = Answer { comment: form.comment, errors: Some(v), ..Answer::default() };
            render_article(&state, (t, nav), actor.as_ref(), &slug, answer).await
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

// ---------------------------------------------------------------------------
// Editors: unit admins (their unit's articles) and system admins.
// ---------------------------------------------------------------------------

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

async fn editor_list(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let articles = match state.app.editable_articles(&user_actor(&user)).await {
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
    (t, nav): (Tr, Nav),
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
    let own_unit = match actor {
        porten_domain::Actor::User { role: porten_domain::Role::UnitAdmin, unit, .. } => unit.clone(),
        _ => None,
    };
    let units = data
        .units
        .iter()
        .filter(|u| own_unit.as_ref().is_none_or(|own| own == &u.code))
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

async fn new_article(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let form = RawArticle {
        unit: user.unit.as_ref().map(|u| u.to_string()).unwrap_or_default(),
        visibility: "public".into(),
        ..Default::default()
    };
    edit_page(&state, (t, nav), &user_actor(&user), form, false, None, Violations::new()).await
}

/// What the editor page confirms after a redirect: a version saved or
/// published, or the article unpublished.
#[derive(Deserialize, Default)]
struct EditParams {
    saved: Option<u32>,
    publicerad: Option<u32>,
    avpublicerad: Option<String>,
}

async fn edit_article(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
    Query(params): Query<EditParams>,
) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let actor = user_actor(&user);
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
    edit_page(&state, (t, nav), &actor, form, true, saved, Violations::new()).await
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

async fn save(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    body: Bytes,
) -> Response {
    let (token, existing, publish, raw) = article_form(&body);
    let (user, nav) = match require_role_post(user, &t, &csrf, may_edit_knowledge, &token) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let actor = user_actor(&user);
    let saved = match existing.is_empty() {
        true => state.app.create_article(&actor, &raw, publish).await,
        false => state.app.save_article(&actor, &raw, publish).await,
    };
    match saved {
        Ok(version) => Redirect::to(&format!("/staff/kunskap/{}?saved={version}", raw.slug.trim())).into_response(),
        Err(AppError::Invalid(v)) => edit_page(&state, (t, nav), &actor, raw, !existing.is_empty(), None, v).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn preview_article(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((slug, version)): Path<(String, String)>,
) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    // A version that is not a number is no version: the page is missing.
    let Ok(version) = version.parse::<u32>() else { return app_error_page(t, nav, AppError::NotFound) };
    match state.app.article_preview(&user_actor(&user), &slug, version).await {
        Ok(article) => show_article(&state, (t, nav), &article, &[], Some(version), Answer::default()).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn unpublish(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    let (user, nav) = match require_role_post(user, &t, &csrf, may_edit_knowledge, &form.csrf) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match state.app.unpublish_article(&user_actor(&user), &slug).await {
        Ok(_) => Redirect::to(&format!("/staff/kunskap/{slug}?avpublicerad=1")).into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    csrf: String,
    version: u32,
}

async fn publish(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path(slug): Path<String>,
    axum::Form(form): axum::Form<PublishForm>,
) -> Response {
    let (user, nav) = match require_role_post(user, &t, &csrf, may_edit_knowledge, &form.csrf) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match state.app.publish_article(&user_actor(&user), &slug, form.version).await {
        Ok(()) => Redirect::to(&format!("/staff/kunskap/{slug}?publicerad={}", form.version)).into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

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
    user: &porten_store::User,
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

async fn synonyms_page(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    synonyms_render(&state, t, nav, &user, String::new(), String::new(), Violations::new()).await
}

#[derive(Deserialize)]
struct SynonymForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    words: String,
}

async fn set_synonym(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    axum::Form(form): axum::Form<SynonymForm>,
) -> Response {
    let (user, nav) = match require_role_post(user, &t, &csrf, may_edit_knowledge, &form.csrf) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match state.app.set_synonym(&user_actor(&user), &form.term, &form.words).await {
        Ok(_) => Redirect::to("/staff/synonymer").into_response(),
        Err(AppError::Invalid(v)) => synonyms_render(&state, t, nav, &user, form.term, form.words, v).await,
        Err(e) => app_error_page(t, nav, e),
    }
}

async fn delete_synonym(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    axum::Form(form): axum::Form<SynonymForm>,
) -> Response {
    let (user, nav) = match require_role_post(user, &t, &csrf, may_edit_knowledge, &form.csrf) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match state.app.delete_synonym(&user_actor(&user), &form.term).await {
        Ok(_) => Redirect::to("/staff/synonymer").into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}

struct DeflectionRow {
    label: String,
    href: String,
    visitors: u64,
    helpful: u64,
    deflected: u64,
    rate: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "kb_insights.html")]
struct InsightsPage {
    t: Tr,
    nav: Nav,
    days: i64,
    zero: Vec<(String, u64)>,
    unclicked: Vec<(String, u64, u32)>,
    top: Vec<(String, u64, u64)>,
    rows: Vec<DeflectionRow>,
    chart: Vec<(String, u64, u64)>,
}

#[derive(Deserialize, Default)]
struct InsightParams {
    days: Option<i64>,
}

async fn insights_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(p): Query<InsightParams>,
) -> Response {
    let user = match require_role(user, &t, &csrf, may_edit_knowledge) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let nav = Nav::new(Some(&user), &csrf);
    let days = p.days.unwrap_or(30).clamp(1, 30);
    let ((queries, deflection), data) =
        match (state.app.search_insights(&user_actor(&user), days).await, state.app.portal_data().await) {
            (Ok(x), Ok(d)) => (x, d),
            (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
        };
    let zero = queries.iter().filter(|q| q.results == 0).map(|q| (q.query.clone(), q.searches)).take(50).collect();
    let unclicked = queries
        .iter()
        .filter(|q| q.results > 0 && q.clicks == 0)
        .map(|q| (q.query.clone(), q.searches, q.results))
        .take(50)
        .collect();
    let top = queries.iter().take(20).map(|q| (q.query.clone(), q.searches, q.clicks)).collect();
    let label = |doc: &str| -> (String, String) {
        match doc.split_once(':') {
            Some(("article", slug)) => (
                data.articles
                    .iter()
                    .find(|a| a.meta.slug == slug)
                    .map(|a| a.content.text(t.lang.code()).title.clone())
                    .unwrap_or_else(|| slug.to_owned()),
                format!("/kunskap/{slug}"),
            ),
            Some(("service", code)) => (
                data.services
                    .iter()
                    .find(|s| s.code == code)
                    .map(|s| t.pick(&s.name_sv, &s.name_en).to_owned())
                    .unwrap_or_else(|| code.to_owned()),
                format!("/services/{code}"),
            ),
            _ => (doc.to_owned(), String::new()),
        }
    };
    let rows: Vec<DeflectionRow> = deflection
        .iter()
        .map(|d| {
            let (label, href) = label(&d.doc);
            DeflectionRow {
                label,
                href,
                visitors: d.visitors,
                helpful: d.helpful,
                deflected: d.deflected,
                rate: (d.deflected * 100).checked_div(d.visitors).unwrap_or(0),
            }
        })
        .collect();
    let chart = rows.iter().take(12).map(|r| (r.label.clone(), r.rate, r.visitors)).collect();
    InsightsPage { t, nav, days, zero, unclicked, top, rows, chart }.into_response()
}
