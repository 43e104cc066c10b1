//! # porten-web
//!
//! The HTTP layer, kept thin: handlers parse requests into domain input,
//! call `porten-app`, and render the result as HTML (askama templates with
//! Fluent text), JSON (`/api/v1`, with an OpenAPI document generated from
//! the handlers) or plain text (operations endpoints). No SQL and no access
//! rules live here beyond "who is calling".

mod admin;
mod api;
mod audit;
mod auth;
mod budget;
mod calendar;
mod catalogue_admin;
mod citizen;
mod compare;
mod contacts;
mod eid;
mod errands;
mod eservices;
mod hours;
mod i18n;
mod knowledge;
mod notices;
mod open311;
mod ops;
mod outbox;
mod pages;
mod planning;
mod portal;
mod problem;
mod ratelimit;
mod reports;
mod routes;
mod search;
mod serve;
mod session;
mod staff;
mod staff_login;
mod topics;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use porten_app::App;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::openapi_json;
pub use ops::install_metrics;
pub use serve::{ServeLimits, serve};

/// Settings the HTTP layer needs.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Shown in page titles and headers, e.g. "Norrhamns stad".
    pub city_name_sv: String,
    pub city_name_en: String,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address citizens use, e.g. `https://porten.lindhamn.se`. One that
    /// starts with `https` makes every cookie `Secure` and turns on HSTS.
    pub public_url: Option<String>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// The Open311 `jurisdiction_id` answered to (issue 21); by default the
    /// host of `public_url`. Another one is not found; none given is fine.
    pub open311_jurisdiction: Option<String>,
    /// Offer the demo's e-ID login with fictional people (`--demo` only).
    pub demo_eid: bool,
    /// Bytes of files anyone but staff may upload from one
    /// client address in a day (issue 17).
    pub upload_bytes_per_address_per_day: u32,
}

impl WebConfig {
    /// The Open311 `jurisdiction_id`: the one configured, else the host of
    /// `public_url`.
    pub fn jurisdiction(&self) -> Option<String> {
        self.open311_jurisdiction.clone().or_else(|| {
            let url = self.public_url.as_deref()?;
            let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
            (!host.is_empty()).then(|| host.to_owned())
        })
    }

    /// Whether pages are served over HTTPS, so cookies must be `Secure`.
    pub fn https(&self) -> bool {
        self.secure_cookies || self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            city_name_sv: "Porten".into(),
            city_name_en: "Porten".into(),
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            public_url: None,
            metrics_token: None,
            open311_jurisdiction: None,
            demo_eid: false,
            upload_bytes_per_address_per_day: 200 * 1024 * 1024,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    limiter: Arc<ratelimit::RateLimiter>,
    cookies: Arc<auth::CookieNames>,
    form_secret: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// When this node started serving: Open311's discovery `changeset`.
    pub started: chrono::DateTime<chrono::Utc>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig, metrics: Option<metrics_exporter_prometheus::PrometheusHandle>) -> Self {
        Self {
            app,
            cookies: Arc::new(auth::CookieNames::new(config.https())),
            config: Arc::new(config),
            metrics,
            limiter: Arc::new(ratelimit::RateLimiter::default()),
            form_secret: Arc::new(tokio::sync::OnceCell::new()),
            started: chrono::Utc::now(),
        }
    }

    /// The secret form tokens are made with, read once from the database.
    async fn form_secret(&self) -> Option<Vec<u8>> {
        let secret = self.form_secret.get_or_try_init(|| self.app.form_secret()).await;
        secret.inspect_err(|e| tracing::warn!(error = %e, "no form secret")).ok().cloned()
    }
}

/// Largest request body accepted anywhere (uploads come with their own limits).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Every route of the server: the pages (behind the CSRF and language
/// layers), the JSON API under `/api/v1`, and the operations endpoints.
fn all_routes() -> (routes::Routes, routes::Routes, routes::Routes) {
    let pages = pages::routes()
        .merge(portal::routes())
        .merge(search::routes())
        .merge(knowledge::routes())
        .merge(compare::routes())
        .merge(session::routes())
        .merge(eservices::routes())
        .merge(citizen::routes())
        .merge(eid::routes())
        .merge(errands::routes())
        .merge(planning::routes())
        .merge(contacts::routes())
        .merge(notices::routes())
        .merge(outbox::routes())
        .merge(reports::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .merge(topics::routes())
        .merge(staff_login::routes())
        .merge(catalogue_admin::routes())
        .merge(calendar::routes())
        .merge(hours::routes());
    // Open311 clients post without cookies or form tokens: beside the API.
    (pages, api::routes(), ops::routes().merge(open311::routes()))
}

/// Where the JSON API lives.
const API_PREFIX: &str = "/api/v1";

/// Each (method, path) the server answers, as registered.
pub fn route_table() -> Vec<(&'static str, String)> {
    let (pages, api, ops) = all_routes();
    pages.merge(routes::Routes::new().nest(API_PREFIX, api)).merge(ops).table
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    // Over HTTPS, browsers are told to come back only over HTTPS (a year).
    let hsts = state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let (pages, api, ops) = all_routes();
    let router = Router::new()
        .merge(
            pages
                .router
                .fallback(pages::not_found)
                .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf_cookie))
                .layer(axum::middleware::from_fn(i18n::remember_lang)),
        )
        .nest(API_PREFIX, api.router.fallback(api::not_found))
        .merge(ops.router)
        // Every response: no sniffing, no framing, no referrer (URLs hold errand ids),
        // and a content policy that allows only our own assets.
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        // Pages and answers hold personal data: keep them out of shared caches
        // and the browser's history cache (static assets set their own policy).
        .layer(header_layer(header::CACHE_CONTROL, "no-store"))
        .layer(header_layer(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ))
        .layer(axum::middleware::from_fn(ops::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let router = if hsts {
        router.layer(header_layer(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"))
    } else {
        router
    };
    router.with_state(state)
}

fn header_layer(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
