//! Server-rendered pages: what every page shares. Every flow works without
//! JavaScript: forms post, the server redirects (post/redirect/get) or
//! re-renders with an error summary that keeps what the user typed. The
//! pages of each capability live in its own module (`catalogue.rs`,
//! `session.rs`, `errands.rs`, `contacts.rs`, `calendar.rs`, `planning.rs`).

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::auth::Principal;
use porten_domain::{Role, Violations};

use crate::auth::{CsrfToken, MaybeUser};
use crate::i18n::Tr;
use crate::routes::Routes;

/// The shared assets.
pub fn routes() -> Routes {
    Routes::new().get("/static/porten.css", css).get("/static/suggest.js", suggest_js).get("/favicon.ico", favicon)
}

/// No icon: an empty answer, so that browsers that ask anyway (pages say
/// `rel=icon href=data:,`) get no error.
async fn favicon() -> Response {
    (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, "public, max-age=86400")]).into_response()
}

/// What a page is rendered in: its language and the layout's navigation.
pub(crate) struct Frame {
    pub t: Tr,
    pub nav: Nav,
}

/// What the layout needs on every page.
pub struct Nav {
    pub user_name: Option<String>,
    pub is_staff: bool,
    pub is_citizen: bool,
    pub can_plan: bool,
    pub can_edit_calendar: bool,
    pub can_edit_knowledge: bool,
    pub is_system_admin: bool,
    pub can_report: bool,
    pub csrf: String,
}

impl Nav {
    pub(crate) fn new(user: Option<&Principal>, csrf: &CsrfToken) -> Self {
        Nav {
            user_name: user.map(|u| u.display_name.clone()),
            is_staff: user.is_some_and(|u| u.role.is_staff()),
            is_citizen: user.is_some_and(|u| u.role == Role::Citizen),
            can_plan: user.is_some_and(|u| porten_app::planning::may_plan(u.role)),
            can_edit_calendar: user.is_some_and(|u| porten_app::calendar::may_edit_calendar(u.role)),
            can_edit_knowledge: user.is_some_and(|u| porten_app::knowledge::may_edit_knowledge(u.role)),
            is_system_admin: user.is_some_and(|u| u.role == Role::SystemAdmin),
            can_report: user.is_some_and(|u| porten_app::reports::may_report(u.role)),
            csrf: csrf.0.clone(),
        }
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/porten.css"),
    )
        .into_response()
}

/// Suggestions while typing in a search box: a progressive enhancement,
/// the search works without it.
async fn suggest_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/suggest.js"),
    )
        .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    nav: Nav,
    title: String,
    text: String,
}

pub(crate) fn error_page(t: Tr, nav: Nav, status: StatusCode) -> Response {
    let key = match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::BAD_REQUEST => "csrf",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "rate-limited",
        StatusCode::GONE => "not-found",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ => "internal",
    };
    // Someone signed in is not asked to sign in: their account lacks the right.
    let text = match (key, &nav.user_name) {
        ("forbidden", Some(_)) => t.get("error-forbidden-signed-in-text"),
        _ => t.get(&format!("error-{key}-text")),
    };
    let page = ErrorPage { title: t.get(&format!("error-{key}-title")), text, t, nav };
    (status, page).into_response()
}

/// What a page redirected to after a change says was done (`?done=…`),
/// which the page turns into its status message.
#[derive(serde::Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    pub done: String,
}

/// A form whose only field is its CSRF token (a button: sign out, submit).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// One line of a page's error summary: a link to the field and what is wrong.
pub(crate) struct ErrorLink {
    pub id: String,
    pub message: String,
}

/// Error-summary links for a form's violations: each field's message is
/// the Fluent text `{messages}-error-{field}`, and `id` gives the id of the
/// field in the page (pages with many forms tell them apart by id).
pub(crate) fn field_links(t: &Tr, v: &Violations, messages: &str, id: impl Fn(&str) -> String) -> Vec<ErrorLink> {
    v.0.iter()
        .map(|f| ErrorLink { id: id(&f.field), message: t.get(&format!("{messages}-error-{}", f.field)) })
        .collect()
}

/// The message of the summary's link to the field with `id`, or "" when it
/// has none: the text shown beside the field (pages with many forms, whose
/// fields' ids tell the forms apart).
pub(crate) fn error_for<'a>(errors: &'a [ErrorLink], id: &str) -> &'a str {
    errors.iter().find(|e| e.id == id).map_or("", |e| e.message.as_str())
}

/// A simple form's errors, with each field's text in the Fluent message
/// `{prefix}-error-{field}`.
pub(crate) struct FormErrors<'a> {
    pub t: &'a Tr,
    pub errors: &'a Violations,
    pub prefix: &'static str,
}

impl FormErrors<'_> {
    /// The text shown by `field`, empty when it is fine.
    pub fn field(&self, field: &str) -> String {
        match self.errors.0.iter().any(|v| v.field == field) {
            true => self.t.get(&format!("{}-error-{field}", self.prefix)),
            false => String::new(),
        }
    }

    /// The error summary; a radio group in `radio_groups` is reached
    /// through its first button (id `{field}-first`).
    pub fn summary(&self, radio_groups: &[&str]) -> Vec<ErrorLink> {
        self.errors
            .0
            .iter()
            .map(|v| ErrorLink {
                id: match radio_groups.contains(&v.field.as_str()) {
                    true => format!("{}-first", v.field),
                    false => v.field.clone(),
                },
                message: self.field(&v.field),
            })
            .collect()
    }
}

pub(crate) fn app_error_page(t: Tr, nav: Nav, e: AppError) -> Response {
    let status = match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden | AppError::Unauthenticated => StatusCode::FORBIDDEN,
        AppError::Store(ref err) => {
            tracing::error!(error = %err, "storage failure on page");
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Unavailable(ref internal) => {
            tracing::error!(error = %internal, "a part Porten depends on failed, on a page");
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Expired => StatusCode::GONE,
        AppError::Closed | AppError::Conflict { .. } | AppError::Duplicate { .. } => StatusCode::CONFLICT,
        AppError::Invalid(_) | AppError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    error_page(t, nav, status)
}

/// The answer for every unknown path.
pub async fn not_found(t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    error_page(t, Nav::new(user.as_ref(), &csrf), StatusCode::NOT_FOUND)
}

/// The signed-in user if `allowed` accepts their role; otherwise the answer to
/// send instead: anonymous visitors sign in first, other roles get 403.
pub(crate) fn require_role(
    user: Option<Principal>,
    t: &Tr,
    csrf: &CsrfToken,
    allowed: fn(Role) -> bool,
) -> Result<Principal, Box<Response>> {
    match user {
        None => Err(Box::new(Redirect::to("/login").into_response())),
        Some(u) if !allowed(u.role) => {
            Err(Box::new(error_page(t.clone(), Nav::new(Some(&u), csrf), StatusCode::FORBIDDEN)))
        }
        Some(u) => Ok(u),
    }
}
