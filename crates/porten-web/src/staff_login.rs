//! Staff sign-in through the city's identity provider over OpenID Connect
//! (`porten_app::staff_oidc`): `/login/staff` sends the browser to the
//! provider, `/login/staff/callback` takes it back, the same way as the
//! citizen's e-ID (`eid.rs`) but with its own signed cookie. A staff
//! member lands on their workspace.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::AppState;
use crate::auth::CsrfToken;
use crate::eid::{Callback, Flow, clear, returned, start};
use crate::i18n::Tr;
use crate::pages::{Nav, app_error_page, error_page};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/login/staff", begin).get("/login/staff/callback", callback)
}

/// Staff ask for `email` too: an address the provider verified may be the username.
const STAFF: Flow = Flow { cookie: "porten_staff_login", purpose: "staff login", scopes: &["email"] };

async fn begin(State(state): State<AppState>, t: Tr, csrf: CsrfToken) -> Response {
    let nav = Nav::new(None, &csrf);
    let Some(oidc) = state.app.staff_oidc() else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    start(&state, t, nav, &oidc.client, STAFF).await
}

async fn callback(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let nav = Nav::new(None, &csrf);
    let Some(oidc) = state.app.staff_oidc() else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let Some((pending, code, returned_state)) = returned(&state, &headers, STAFF, q).await else {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    };
    let who =
        match oidc.client.finish_claims(pending, &code, &returned_state).await.and_then(|c| oidc.claims.identity(&c)) {
            Ok(who) => who,
            Err(e) => {
                tracing::warn!(target: "porten::security", event = "staff_oidc.failed", error = %e);
                return error_page(t, nav, StatusCode::BAD_REQUEST);
            }
        };
    let user = match state.app.sign_in_staff_with_oidc(&who).await {
        Ok(u) => u,
        Err(e) => return app_error_page(t, nav, e),
    };
    let res = crate::session::signed_in(&state, t, nav, &headers, &user, "/staff/errands").await;
    clear(&state, STAFF, res)
}
