//! The staff handlers' preamble as extractors, so a handler starts with
//! what it needs: [`Staff<R>`] is a signed-in user whose role the rule `R`
//! (App's, e.g. `may_edit_calendar`) lets use the page, with their actor,
//! navigation and language; [`StaffForm<R, F>`] is the same for a form post
//! whose form token matches. A visitor not signed in is sent to sign in,
//! another role gets 403, a missing or wrong form token 400.

use std::marker::PhantomData;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use porten_app::auth::Principal;
use porten_domain::{Actor, Role};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::{CsrfToken, MaybeUser};
use crate::i18n::Tr;
use crate::pages::{Nav, error_page, require_role};

/// Which roles may use a group of staff pages: App's rule, named as a type.
pub(crate) trait Rule: Send + Sync + 'static {
    fn allows(role: Role) -> bool;
}

macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident => $rule:expr;)*) => {$(
        $(#[$doc])*
        pub(crate) struct $name;
        impl Rule for $name {
            fn allows(role: Role) -> bool {
                $rule(role)
            }
        }
    )*};
}

rules! {
    /// Everyone who works for the city.
    AnyStaff => Role::is_staff;
    /// Who may plan the contact center.
    Planners => porten_app::planning::may_plan;
    /// Who decides the business calendar's exceptions.
    CalendarEditors => porten_app::calendar::may_edit_calendar;
    /// Who logs contacts.
    ContactLoggers => porten_app::contacts::may_log_contacts;
    /// Who edits the knowledge base.
    KnowledgeEditors => porten_app::knowledge::may_edit_knowledge;
    /// Who reads the supervisors' reports.
    Reporters => porten_app::reports::may_report;
    /// Who administers the installation (the outbox).
    SystemAdmins => |role| role == Role::SystemAdmin;
}

/// A staff page's caller, checked against the rule `R`.
pub(crate) struct Staff<R> {
    pub user: Principal,
    pub actor: Actor,
    pub nav: Nav,
    pub t: Tr,
    pub csrf: CsrfToken,
    rule: PhantomData<R>,
}

impl<R: Rule> FromRequestParts<AppState> for Staff<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(t) = Tr::from_request_parts(parts, state).await;
        let Ok(csrf) = CsrfToken::from_request_parts(parts, state).await;
        let Ok(MaybeUser(user)) = MaybeUser::from_request_parts(parts, state).await;
        let user = require_role(user, &t, &csrf, R::allows).map_err(|res| *res)?;
        Ok(Self { nav: Nav::new(Some(&user), &csrf), actor: user.actor(), user, t, csrf, rule: PhantomData })
    }
}

/// A form whose hidden `csrf` field carries the form token.
pub(crate) trait TokenForm {
    fn token(&self) -> &str;
}

/// Implements [`TokenForm`] for forms whose token field is `csrf`.
macro_rules! token_forms {
    ($($form:ty),* $(,)?) => {$(
        impl $crate::staff::TokenForm for $form {
            fn token(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}
pub(crate) use token_forms;

/// A staff form post: the caller as [`Staff`], and the form, whose token matches.
pub(crate) struct StaffForm<R, F> {
    pub staff: Staff<R>,
    pub form: F,
}

impl<R: Rule, F: DeserializeOwned + TokenForm + Send + 'static> FromRequest<AppState> for StaffForm<R, F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::<R>::from_request_parts(&mut parts, state).await?;
        let Form(form) = Form::<F>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !staff.csrf.matches(form.token()) {
            return Err(error_page(staff.t, staff.nav, StatusCode::BAD_REQUEST));
        }
        Ok(Self { staff, form })
    }
}
