//! Identity and access on pages: signing in (with rate limits per account
//! and per client address) and signing out. The cookies, bearer keys and
//! CSRF token are in `auth.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use porten_app::AppError;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser, clear_session_cookie, session_cookie};
use crate::i18n::Tr;
use crate::pages::*;

pub fn routes() -> Router<AppState> {
    Router::new().route("/login", get(login_form).post(login)).route("/logout", post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    nav: Nav,
    username: String,
    error: Option<String>,
}

async fn login_form(t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    LoginPage { nav: Nav::new(user.as_ref(), &csrf), t, username: String::new(), error: None }.into_response()
}

#[derive(Deserialize)]
struct LoginInput {
    csrf: String,
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    Form(input): Form<LoginInput>,
) -> Response {
    let nav = Nav::new(None, &csrf);
    if !csrf.matches(&input.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    // Per account (against guessing one password) and per client address
    // (against trying many accounts); the address is the socket's, not a header.
    let window = std::time::Duration::from_secs(15 * 60);
    let account = format!("login-user:{}", input.username.trim().to_lowercase());
    let client = format!("login-ip:{}", ip.map(|i| i.to_string()).unwrap_or_default());
    let allowed = state.limiter.allow(&account, 10, window) & state.limiter.allow(&client, 100, window);
    if !allowed {
        let error = Some(t.get("login-rate-limited"));
        return (StatusCode::TOO_MANY_REQUESTS, LoginPage { t, nav, username: input.username, error }).into_response();
    }
    match state.app.authenticate(&input.username, &input.password).await {
        Ok(user) => match state.app.start_session(&user).await {
            Ok(token) => {
                let target = if user.role.is_staff() { "/staff/errands" } else { "/" };
                let mut res = Redirect::to(target).into_response();
                if let Ok(v) = HeaderValue::from_str(&session_cookie(&token, state.config.secure_cookies)) {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
                res
            }
            Err(e) => app_error_page(t, nav, e),
        },
        Err(AppError::Unauthenticated) => {
            let error = Some(t.get("login-failed"));
            (StatusCode::UNAUTHORIZED, LoginPage { t, nav, username: input.username, error }).into_response()
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    headers: axum::http::HeaderMap,
    Form(input): Form<CsrfOnly>,
) -> Response {
    if !csrf.matches(&input.csrf) {
        return error_page(t, Nav::new(None, &csrf), StatusCode::BAD_REQUEST);
    }
    if let Some(token) = crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE) {
        let _ = state.app.end_session(token).await;
    }
    let mut res = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_session_cookie()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
