//! The article page (`/kunskap/{slug}`) with "Fick du svar på din fråga?"
//! and related articles, for readers and (as a preview) for its editor.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::user_actor;
use porten_domain::Violations;
use porten_domain::knowledge::Visibility;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser, Visitor};
use crate::i18n::Tr;
use crate::pages::*;
use crate::portal::{Link, sorted};

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
pub(super) struct ArticleParams {
    tack: Option<String>,
}

/// What a reader answered to "Fick du svar på din fråga?", shown again.
#[derive(Default)]
pub(super) struct Answer {
    thanks: bool,
    comment: String,
    errors: Option<Violations>,
}

async fn render_article(
    state: &AppState,
    frame: Frame,
    actor: Option<&porten_domain::Actor>,
    slug: &str,
    answer: Answer,
) -> Response {
    match state.app.article(actor, slug).await {
        Ok(page) => show_article(state, frame, &page.article, &page.related, None, answer).await,
        Err(e) => app_error_page(frame.t, frame.nav, e),
    }
}

/// The article page, for readers or (with `preview`) for its editor.
pub(super) async fn show_article(
    state: &AppState,
    Frame { t, nav }: Frame,
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

pub(super) async fn article_page(
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
    render_article(&state, Frame { t, nav }, actor.as_ref(), &slug, answer).await
}

#[derive(Deserialize)]
pub(super) struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    helpful: Option<String>,
    #[serde(default)]
    comment: String,
}

pub(super) async fn feedback(
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
            return render_article(&state, Frame { t, nav }, actor.as_ref(), &slug, answer).await;
        }
    };
    let comment = Some(form.comment.as_str());
    match state.app.article_feedback(actor.as_ref(), &slug, helpful, comment, &visitor.0).await {
        Ok(()) => Redirect::to(&format!("/kunskap/{slug}?tack=1#feedback")).into_response(),
        Err(AppError::Invalid(v)) => {
            let answer = Answer { comment: form.comment, errors: Some(v), ..Answer::default() };
            render_article(&state, Frame { t, nav }, actor.as_ref(), &slug, answer).await
        }
        Err(e) => app_error_page(t, nav, e),
    }
}
