//! Identity and access on pages: signing in and signing out. The cookies,
//! bearer keys and CSRF token are in `auth.rs`.
//!
//! Failed sign-ins are limited per account and address, and slow down the
//! account as a whole and the client address: an attacker can neither lock
//! an owner (or a whole office behind one address) out nor guess on. Successful sign-ins count
//! toward nothing. Over-long fields are refused before anything is kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use serde::Deserialize;
use std::time::Duration;

use crate::AppState;
use crate::auth::{ClientIp, CsrfToken, MaybeUser};
use crate::i18n::Tr;
use crate::pages::*;
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/login", login_form).post("/login", login).post("/logout", logout)
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    nav: Nav,
    username: String,
    error: Option<String>,
    /// Where citizens sign in with e-ID, when offered.
    eid_login: Option<&'static str>,
    /// Whether staff may sign in through the city's identity provider.
    staff_login: bool,
}

/// Where citizens sign in with e-ID on this installation: the provider
/// when one is configured, else the demo's fictional people.
fn eid_login(state: &AppState) -> Option<&'static str> {
    if state.app.eid().is_some() { Some("/login/eid") } else { state.config.demo_eid.then_some("/login/demo-eid") }
}

impl LoginPage {
    /// The login page with what the installation offers besides passwords.
    fn new(state: &AppState, t: Tr, nav: Nav, username: String, error: Option<String>) -> Self {
        Self { t, nav, username, error, eid_login: eid_login(state), staff_login: state.app.staff_oidc().is_some() }
    }
}

async fn login_form(State(state): State<AppState>, t: Tr, csrf: CsrfToken, MaybeUser(user): MaybeUser) -> Response {
    LoginPage::new(&state, t, Nav::new(user.as_ref(), &csrf), String::new(), None).into_response()
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
    headers: axum::http::HeaderMap,
    Form(input): Form<LoginInput>,
) -> Response {
    let nav = Nav::new(None, &csrf);
    if !csrf.matches(&input.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    let limiter = &state.limiter;
    let client = limiter.key(("login-ip", ip));
    // An address with many failures (an office behind one NAT, or a script)
    // is slowed down, never refused: its people can still sign in.
    let slow_down = address_delay(limiter.count(client, LOGIN_WINDOW));
    if !slow_down.is_zero() {
        sign_in_event("login.slowed", "address", client);
        tokio::time::sleep(slow_down).await;
    }
    if input.username.len() > MAX_USERNAME_BYTES || input.password.len() > MAX_PASSWORD_BYTES {
        limiter.hit(client, LOGIN_WINDOW);
        sign_in_event("login.failed", "too long", client);
        let error = Some(t.get("login-failed"));
        return (StatusCode::UNAUTHORIZED, LoginPage::new(&state, t, nav, String::new(), error)).into_response();
    }
    let name = input.username.trim().to_lowercase();
    let pair = limiter.key(("login-pair", &name, ip));
    if limiter.count(pair, LOGIN_WINDOW) >= FAILURES_PER_ACCOUNT_AND_ADDRESS {
        sign_in_event("login.refused", "account and address", client);
        let error = Some(t.get("login-rate-limited"));
        return (StatusCode::TOO_MANY_REQUESTS, LoginPage::new(&state, t, nav, input.username, error)).into_response();
    }
    let account = limiter.key(("login-user", &name));
    tokio::time::sleep(account_delay(limiter.count(account, LOGIN_WINDOW))).await;
    match state.app.authenticate(&input.username, &input.password).await {
        Ok(user) => {
            let target = if user.role.is_staff() { "/staff/errands" } else { "/mina-arenden" };
            signed_in(&state, t, nav, &headers, &user, target).await
        }
        Err(AppError::Unauthenticated) => {
            for key in [client, pair, account] {
                limiter.hit(key, LOGIN_WINDOW);
            }
            sign_in_event("login.failed", "wrong username or password", client);
            let error = Some(t.get("login-failed"));
            (StatusCode::UNAUTHORIZED, LoginPage::new(&state, t, nav, input.username, error)).into_response()
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

/// Starts a session for a user who has just proved who they are (password
/// or e-ID) and sends them on to `target`. Signing in as someone else in
/// the same browser ends the session that was there.
pub(crate) async fn signed_in(
    state: &AppState,
    t: Tr,
    nav: Nav,
    headers: &axum::http::HeaderMap,
    user: &porten_app::auth::Principal,
    target: &str,
) -> Response {
    match state.app.start_session(user).await {
        Ok(token) => {
            if let Some(earlier) = crate::auth::cookie(headers, &state.cookies.session) {
                let _ = state.app.end_session(earlier).await;
            }
            let mut res = Redirect::to(target).into_response();
            if let Ok(v) = HeaderValue::from_str(&state.cookies.session_cookie(&token)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => app_error_page(t, nav, e),
    }
}

/// A security event about signing in. It names the client by its keyed
/// hash, never its address or the username typed.
fn sign_in_event(event: &'static str, reason: &'static str, client: u64) {
    tracing::warn!(target: "porten::security", event, reason, client = %format!("{client:016x}"));
}

/// How long failed sign-ins are remembered.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins from one address, over all accounts, before each further
/// attempt from it is slowed down.
const FAILURES_PER_ADDRESS: u32 = 100;
/// The longest pause an address is made to wait.
const MAX_ADDRESS_DELAY: Duration = Duration::from_secs(3);
/// Failed sign-ins to one account from one address before that pair is refused.
const FAILURES_PER_ACCOUNT_AND_ADDRESS: u32 = 10;
/// Longest username and password accepted (usernames are short; the password
/// allows long passphrases).
const MAX_USERNAME_BYTES: usize = 256;
const MAX_PASSWORD_BYTES: usize = 1024;

/// The pause before checking a password for an account that has failed
/// `failures` times in the window, from any address: none for the first ten,
/// then a quarter of a second doubling every ten failures, at most four
/// seconds. It slows guessing down without refusing the owner.
fn account_delay(failures: u32) -> Duration {
    match failures.checked_sub(FAILURES_PER_ACCOUNT_AND_ADDRESS) {
        None => Duration::ZERO,
        Some(over) => Duration::from_millis(250 << (over / 10).min(4)),
    }
}

/// The pause before any sign-in from an address that has failed `failures`
/// times in the window, over all accounts: none for the first hundred, then
/// 100 ms more for every ten further failures, at most three seconds.
fn address_delay(failures: u32) -> Duration {
    let over = failures.saturating_sub(FAILURES_PER_ADDRESS);
    (Duration::from_millis(100) * (over / 10)).min(MAX_ADDRESS_DELAY)
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
    if let Some(token) = crate::auth::cookie(&headers, &state.cookies.session) {
        let _ = state.app.end_session(token).await;
    }
    let mut res = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&state.cookies.clear_session_cookie()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_with_many_failures_is_slowed_to_at_most_three_seconds() {
        assert_eq!(address_delay(0), Duration::ZERO);
        assert_eq!(address_delay(FAILURES_PER_ADDRESS), Duration::ZERO);
        assert_eq!(address_delay(FAILURES_PER_ADDRESS + 10), Duration::from_millis(100));
        assert_eq!(address_delay(FAILURES_PER_ADDRESS + 100), Duration::from_secs(1));
        assert_eq!(address_delay(u32::MAX), MAX_ADDRESS_DELAY);
    }
}
