//! Citizen login with e-ID through OpenID Connect (`porten_app::eid`):
//! `/login/eid` sends the browser to the provider, `/login/eid/callback`
//! takes it back. Between the two, the login's state, nonce and PKCE
//! verifier wait in a short-lived cookie signed with the installation's
//! secret (HMAC), so any node can finish a login another node began.
//! The cookie is `SameSite=Lax`: the provider's redirect back is a
//! top-level navigation from another site.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use porten_app::eid::{Eid, PendingLogin};

use crate::AppState;
use crate::auth::{CsrfToken, cookie, secret_eq};
use crate::i18n::Tr;
use crate::pages::{Nav, error_page};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/login/eid", begin).get("/login/eid/callback", callback)
}

/// How long a person has at the provider before the login must start over.
const PENDING_SECONDS: u64 = 600;

/// One OpenID Connect login flow of the site: the citizen's e-ID, or staff
/// sign-in through the city's identity provider. Each keeps its pending
/// login in its own cookie, signed for its own purpose.
#[derive(Clone, Copy)]
pub(crate) struct Flow {
    /// The cookie's name without the `__Host-` prefix.
    pub cookie: &'static str,
    /// What the signature is for, so one flow's cookie is no other's.
    pub purpose: &'static str,
    /// Scopes asked for beside `openid` and `profile`.
    pub scopes: &'static [&'static str],
}

const EID: Flow = Flow { cookie: "porten_eid", purpose: "e-id login", scopes: &[] };

fn cookie_name(state: &AppState, flow: Flow) -> String {
    if state.config.https() { format!("__Host-{}", flow.cookie) } else { flow.cookie.to_owned() }
}

async fn sign(state: &AppState, flow: Flow, payload: &str) -> Option<String> {
    let secret = state.form_secret().await?;
    Some(porten_app::auth::form_token(&secret, &format!("{} {payload}", flow.purpose)))
}

/// Sends the browser to the provider, keeping the pending login in the
/// flow's signed cookie.
pub(crate) async fn start(state: &AppState, t: Tr, nav: Nav, client: &Eid, flow: Flow) -> Response {
    let (url, pending) = match client.begin_with(flow.scopes).await {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(error = %e, flow = flow.purpose, "an OpenID Connect login could not start");
            return error_page(t, nav, StatusCode::SERVICE_UNAVAILABLE);
        }
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&pending).unwrap_or_default());
    let Some(signature) = sign(state, flow, &payload).await else {
        return error_page(t, nav, StatusCode::SERVICE_UNAVAILABLE);
    };
    let secure = if state.config.https() { "; Secure" } else { "" };
    let value = format!(
        "{}={payload}.{signature}; Path=/; HttpOnly; SameSite=Lax; Max-Age={PENDING_SECONDS}{secure}",
        cookie_name(state, flow)
    );
    let mut res = Redirect::to(&url).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// What the provider sent the browser back with.
#[derive(serde::Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The pending login of the flow's cookie, and the code and state the
/// provider sent back; `None` (logged) when any is missing or forged.
pub(crate) async fn returned(
    state: &AppState,
    headers: &HeaderMap,
    flow: Flow,
    q: Callback,
) -> Option<(PendingLogin, String, String)> {
    let pending = match cookie(headers, &cookie_name(state, flow)).and_then(|c| c.split_once('.')) {
        Some((payload, signature)) => match sign(state, flow, payload).await {
            Some(expected) if secret_eq(&expected, signature) => {
                URL_SAFE_NO_PAD.decode(payload).ok().and_then(|b| serde_json::from_slice::<PendingLogin>(&b).ok())
            }
            _ => None,
        },
        None => None,
    };
    match (pending, q.code, q.state) {
        (Some(pending), Some(code), Some(returned_state)) => Some((pending, code, returned_state)),
        _ => {
            if let Some(error) = q.error {
                tracing::info!(target: "porten::security", event = "oidc.cancelled", flow = flow.purpose,
                    error = %error.chars().take(64).collect::<String>());
            }
            None
        }
    }
}

/// Removes the flow's cookie from a response.
pub(crate) fn clear(state: &AppState, flow: Flow, mut res: Response) -> Response {
    let clear = format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0", cookie_name(state, flow));
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn begin(State(state): State<AppState>, t: Tr, csrf: CsrfToken) -> Response {
    let nav = Nav::new(None, &csrf);
    let Some(eid) = state.app.eid() else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    start(&state, t, nav, eid, EID).await
}

async fn callback(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let nav = Nav::new(None, &csrf);
    let Some(eid) = state.app.eid() else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let Some((pending, code, returned_state)) = returned(&state, &headers, EID, q).await else {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    };
    let person = match eid.finish(pending, &code, &returned_state).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(target: "porten::security", event = "eid.failed", error = %e);
            return error_page(t, nav, StatusCode::BAD_REQUEST);
        }
    };
    let user = match state.app.sign_in_with_eid(&person.personal_number, &person.name).await {
        Ok(u) => u,
        Err(e) => return crate::pages::app_error_page(t, nav, e),
    };
    let res = crate::session::signed_in(&state, t, nav, &headers, &user, "/mina-arenden").await;
    clear(&state, EID, res)
}
