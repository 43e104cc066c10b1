//! Administration for system admins (`/staff/admin`, issue 20): staff
//! accounts (create, role, unit, deactivate, a new password) and API keys
//! of external actors (create with scopes, revoke). A new password or key
//! is shown once, on the page that made it, never in a URL.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use porten_app::AppError;
use porten_app::admin::RawUser;
use porten_domain::{Role, Scope, Violations};
use serde::Deserialize;

use crate::AppState;
use crate::i18n::{Tr, local_time};
use crate::pages::{CsrfOnly, Done, ErrorLink, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Staff, StaffForm, SystemAdmins};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/admin", admin_page)
        .post("/staff/admin/users", add_user)
        .post("/staff/admin/users/{id}", change_user)
        .post("/staff/admin/users/{id}/password", reset_password)
        .post("/staff/admin/users/{id}/unbind", unbind_user)
        .post("/staff/admin/keys", add_key)
        .post("/staff/admin/keys/{id}/revoke", revoke_key)
}

const STAFF_ROLES: [Role; 4] = [Role::Agent, Role::CaseOfficer, Role::UnitAdmin, Role::SystemAdmin];

struct UserRow {
    id: i64,
    name: String,
    username: String,
    role: String,
    unit: String,
    active: bool,
    /// Bound to a person at the identity provider.
    bound: bool,
}

struct KeyRow {
    id: i64,
    name: String,
    scopes: String,
    created: String,
    revoked: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    t: Tr,
    nav: Nav,
    users: Vec<UserRow>,
    keys: Vec<KeyRow>,
    roles: Vec<(String, String)>,
    units: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    errors: Vec<ErrorLink>,
    /// What was typed into the new-user form.
    new_user: RawUser,
    new_key: String,
    /// A password or key made now, shown once, and what it is for.
    shown_once: Option<(String, String)>,
    done: String,
}

#[derive(Default)]
struct Outcome {
    errors: Vec<ErrorLink>,
    new_user: RawUser,
    new_key: String,
    shown_once: Option<(String, String)>,
}

/// Error-summary links for violations of a form whose fields have ids
/// `{prefix}{field}`.
fn links(t: &Tr, v: &Violations, prefix: &str) -> Vec<ErrorLink> {
    crate::pages::field_links(t, v, "admin", |field| format!("{prefix}{field}"))
}

async fn render(state: &AppState, staff: Staff<SystemAdmins>, outcome: Outcome, done: &str) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (users, keys, units) = match (
        state.app.staff_users(&actor).await,
        state.app.api_keys(&actor).await,
        state.app.units(Some(&actor)).await,
    ) {
        (Ok(u), Ok(k), Ok(n)) => (u, k, n),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return app_error_page(t, nav, e),
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.display_name,
            username: u.username,
            role: u.role.as_str().to_owned(),
            unit: u.unit.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            active: !u.disabled,
            bound: u.oidc_bound,
        })
        .collect();
    let keys = keys
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            scopes: k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            created: local_time(k.created_at),
            revoked: k.revoked_at.map(local_time).unwrap_or_default(),
        })
        .collect();
    let roles = STAFF_ROLES.iter().map(|r| (r.as_str().to_owned(), t.get(&format!("role-{}", r.as_str())))).collect();
    let units = units.iter().map(|u| (u.code.as_str().to_owned(), t.pick(&u.name_sv, &u.name_en).to_owned())).collect();
    let scopes = Scope::ALL.iter().map(|s| (s.as_str().replace(':', "-"), s.as_str().to_owned())).collect();
    let done = match done {
        "" => String::new(),
        d => t.get(&format!("admin-done-{d}")),
    };
    let status = if outcome.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AdminPage {
        users,
        keys,
        roles,
        units,
        scopes,
        errors: outcome.errors,
        new_user: outcome.new_user,
        new_key: outcome.new_key,
        shown_once: outcome.shown_once,
        done,
        t,
        nav,
    };
    (status, page).into_response()
}

async fn admin_page(State(state): State<AppState>, staff: Staff<SystemAdmins>, Query(q): Query<Done>) -> Response {
    let done = if ["changed", "revoked", "unbound"].contains(&q.done.as_str()) { q.done.as_str() } else { "" };
    render(&state, staff, Outcome::default(), done).await
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    #[serde(flatten)]
    user: RawUser,
}

#[derive(Deserialize)]
struct KeyForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "errands-read")]
    errands_read: String,
    #[serde(default, rename = "errands-write")]
    errands_write: String,
    #[serde(default, rename = "catalogue-read")]
    catalogue_read: String,
}

crate::staff::token_forms!(UserForm, KeyForm);

/// A path id; a malformed one is "no such".
fn id(raw: &str) -> i64 {
    raw.parse().unwrap_or(-1)
}

async fn add_user(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, UserForm>,
) -> Response {
    let t = staff.t.clone();
    let outcome = match state.app.add_staff_user(&staff.actor, &form.user).await {
        Ok((_, password)) => Outcome {
            shown_once: Some((t.with1("admin-password-for", "user", form.user.username.trim()), password)),
            ..Outcome::default()
        },
        Err(AppError::Invalid(v)) => {
            Outcome { errors: links(&t, &v, "new-"), new_user: form.user, ..Outcome::default() }
        }
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    render(&state, staff, outcome, "").await
}

async fn change_user(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, UserForm>,
) -> Response {
    let user = id(&raw_id);
    match state.app.change_staff_user(&staff.actor, user, &form.user).await {
        Ok(()) => Redirect::to("/staff/admin?done=changed").into_response(),
        Err(AppError::Invalid(v)) => {
            let errors = crate::pages::field_links(&staff.t, &v, "admin", |field| format!("{field}-{user}"));
            render(&state, staff, Outcome { errors, ..Outcome::default() }, "").await
        }
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    let user = id(&raw_id);
    match state.app.reset_staff_password(&staff.actor, user).await {
        Ok(password) => {
            let name = state.app.user_name(user).await.ok().flatten().unwrap_or_default();
            let what = staff.t.with1("admin-password-for", "user", name);
            render(&state, staff, Outcome { shown_once: Some((what, password)), ..Outcome::default() }, "").await
        }
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn unbind_user(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    match state.app.unbind_staff_oidc(&staff.actor, id(&raw_id)).await {
        Ok(()) => Redirect::to("/staff/admin?done=unbound").into_response(),
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn add_key(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<SystemAdmins, KeyForm>,
) -> Response {
    let chosen: Vec<String> = [
        (&form.errands_read, Scope::ErrandsRead),
        (&form.errands_write, Scope::ErrandsWrite),
        (&form.catalogue_read, Scope::CatalogueRead),
    ]
    .into_iter()
    .filter(|(on, _)| on.as_str() == "on")
    .map(|(_, s)| s.as_str().to_owned())
    .collect();
    let t = staff.t.clone();
    let outcome = match state.app.add_api_key(&staff.actor, &form.name, &chosen).await {
        Ok(key) => Outcome {
            shown_once: Some((t.with1("admin-key-for", "actor", form.name.trim()), key.secret)),
            ..Outcome::default()
        },
        Err(AppError::Invalid(v)) => {
            Outcome { errors: links(&t, &v, "key-"), new_key: form.name, ..Outcome::default() }
        }
        Err(e) => return app_error_page(staff.t, staff.nav, e),
    };
    render(&state, staff, outcome, "").await
}

async fn revoke_key(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    match state.app.revoke_api_key(&staff.actor, id(&raw_id)).await {
        Ok(()) => Redirect::to("/staff/admin?done=revoked").into_response(),
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
