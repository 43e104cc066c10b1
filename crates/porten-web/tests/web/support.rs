//! The web tests' support: the one fixture city ([`porten_app::testing`])
//! behind the real router. [`TestApp`] wraps a [`FixtureCity`] with the
//! pothole e-service and the portal (App on a fresh database, SQLite or
//! PostgreSQL when `TEST_DATABASE_URL` is set, a manual clock at 2026-11-03
//! 09:00 UTC, three units, three services, one confidential, a user per
//! role, all set up through App) and adds only what the web needs: the
//! router, two API keys' secrets, signing in and sending requests.
#![allow(dead_code)]

use std::ops::Deref;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Timelike};
use porten_app::ManualClock;
use porten_app::testing::FixtureCity;
pub use porten_app::testing::{PASSWORD, code, system};
use porten_domain::errand::RawErrand;
use porten_domain::{Channel, Scope};
use serde_json::Value;
use tower::ServiceExt;

/// The visitor id the tests' cookie jars carry (`porten_csrf`). In a form
/// body sent with [`TestApp::post_form`] or [`TestApp::page`], `csrf=` and
/// this value stand for the jar's own form token, which is fetched from the
/// server as a browser would find it in the page (see [`form_token`]).
pub const CSRF: &str = "ccccccccccccccccccccccccccccccccccccccccccc";

/// The fixture city behind the real router. It derefs to the
/// [`FixtureCity`], so a test reaches `t.app`, `t.db`, `t.clock`,
/// `t.user(..)` and `t.errand(..)` directly; [`TestApp::cleanup`] drops the
/// database at the end.
pub struct TestApp {
    pub city: FixtureCity,
    /// The router on the city's App, with the default web configuration.
    pub router: axum::Router,
    /// An API key with `errands:read` and `errands:write` ("Contractor").
    pub key: String,
    /// An API key with `errands:read` only ("Dashboard").
    pub read_only_key: String,
}

impl Deref for TestApp {
    type Target = FixtureCity;

    fn deref(&self) -> &FixtureCity {
        &self.city
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
    }
}

impl TestApp {
    /// The fixture city with the pothole e-service and the portal, behind
    /// the router, with the two API keys.
    pub async fn new() -> TestApp {
        let city = FixtureCity::builder().with_pothole_eservice().with_portal().build().await;
        let system = system();
        let writes = [Scope::ErrandsRead, Scope::ErrandsWrite];
        let key = city.app.create_api_key(&system, "Contractor", &writes, None).await.unwrap().secret;
        let read_only_key =
            city.app.create_api_key(&system, "Dashboard", &[Scope::ErrandsRead], None).await.unwrap().secret;
        let state = porten_web::AppState::new(city.app.clone(), porten_web::WebConfig::default(), None);
        TestApp { router: porten_web::router(state), city, key, read_only_key }
    }

    /// Drops the test database (see [`porten_app::testing::TestDb::cleanup`]).
    pub async fn cleanup(self) {
        self.city.db.cleanup().await;
    }

    /// Phone contacts on weekdays 09–15 Stockholm time (`per_hour` each hour)
    /// and one web contact a day, over the `weeks` weeks before the planning
    /// window ends.
    pub async fn seed_contacts(&self, weeks: i64, per_hour: usize) {
        let (_, to) = porten_app::planning::history_window(self.app.now());
        let system = system();
        let clock = Arc::new(ManualClock::new(to));
        let past = self.app.on_clock(clock.clone());
        for h in 0..weeks * 168 {
            let at = to - Duration::hours(weeks * 168 - h);
            let local = porten_domain::time::to_stockholm(at);
            let weekday = chrono::Datelike::weekday(&local).num_days_from_monday();
            let mut channels = Vec::new();
            if weekday < 5 && (9..16).contains(&local.hour()) {
                channels.extend(std::iter::repeat_n(Channel::Phone, per_hour));
            }
            if local.hour() == 12 {
                channels.push(Channel::Web);
            }
            for (i, channel) in channels.into_iter().enumerate() {
                clock.set(at + Duration::minutes(5 * i as i64 + 1));
                let raw = RawErrand {
                    service_code: "general-question".into(),
                    title: "Fråga".into(),
                    description: "Fråga om parkering".into(),
                    channel: channel.as_str().into(),
                    ..Default::default()
                };
                past.register_errand(&system, raw).await.unwrap();
            }
        }
    }

    pub async fn get(&self, uri: &str, cookies: &str) -> Reply {
        let req = Request::builder().uri(uri).header(header::COOKIE, cookies).body(Body::empty()).unwrap();
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        send(&self.router, req).await
    }

    /// Posts a form (`application/x-www-form-urlencoded`) with the cookies of `jar`.
    pub async fn post_form(&self, uri: &str, jar: &str, body: &str) -> Reply {
        let body = &with_form_token(&self.router, jar, body).await;
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::COOKIE, jar)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(req).await
    }

    /// Signs in through the real form and returns the cookie header to send afterwards.
    pub async fn sign_in(&self, username: &str) -> String {
        sign_in(&self.router, username).await
    }

    /// Calls the JSON API with an optional bearer key and JSON body.
    pub async fn api(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(k) = key {
            req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    /// Sends a page request with cookies and, for a form, its body.
    pub async fn page(&self, method: &str, uri: &str, cookies: &str, form: Option<&str>) -> Reply {
        let form = match form {
            Some(f) => Some(with_form_token(&self.router, cookies, f).await),
            None => None,
        };
        let form = form.as_deref();
        let mut req = Request::builder().method(method).uri(uri).header(header::COOKIE, cookies);
        if form.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        self.send(req.body(form.map(|f| Body::from(f.to_owned())).unwrap_or_default()).unwrap()).await
    }
}

/// Sends a request through the router and reads the whole answer.
pub async fn send(router: &axum::Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
    // A downloaded file is not text: its bytes stay in `bytes`.
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
}

/// Signs in through the real login form (password [`PASSWORD`]) and returns
/// the cookie header to send afterwards.
pub async fn sign_in(router: &axum::Router, username: &str) -> String {
    let jar = format!("porten_csrf={CSRF}");
    let form = format!("csrf={CSRF}&username={username}&password={}", PASSWORD.replace(' ', "+"));
    let form = with_form_token(router, &jar, &form).await;
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::COOKIE, &jar)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let res = send(router, req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    format!("{jar}; porten_session={}", res.cookie("porten_session").expect("session cookie"))
}

/// The form token the server gives the holder of `jar`, read from the
/// sign-in page's form as a browser would.
pub async fn form_token(router: &axum::Router, jar: &str) -> String {
    let req = Request::builder().uri("/login").header(header::COOKIE, jar).body(Body::empty()).unwrap();
    let page = send(router, req).await.body;
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("the page has a form") + marker.len();
    page[start..].split('"').next().unwrap_or_default().to_owned()
}

/// A `multipart/form-data` body of text fields and files `(field, file name,
/// content)`: its content type and bytes.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----porten-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    for (name, file, content) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// `body` with the placeholder token (`csrf=` and [`CSRF`]) replaced by the
/// jar's own form token; other bodies (a forged token) are sent as they are.
pub async fn with_form_token(router: &axum::Router, jar: &str, body: &str) -> String {
    let placeholder = format!("csrf={CSRF}");
    if !body.contains(&placeholder) {
        return body.to_owned();
    }
    body.replace(&placeholder, &format!("csrf={}", form_token(router, jar).await))
}

/// A PNG file's first bytes, enough for its type to be told from its content.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// Submits a complete felanmälan with a photo anonymously through App; its
/// tracking token and the errand's public id.
pub async fn submitted_pothole(t: &TestApp) -> (String, String) {
    let app = &t.app;
    let id = app.start_draft(&porten_domain::Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    let one = |k: &str, v: &str| (k.to_owned(), vec![v.to_owned()]);
    let answers = [one("address", "Sjögatan 14")].into_iter().collect();
    app.save_step(&porten_domain::Actor::Visitor, &id, "where", answers, vec![]).await.unwrap();
    let answers = [one("fault", "pothole"), one("description", "Djupt hål")].into_iter().collect();
    let photo = porten_app::eservices::Upload { field: "photo".into(), name: "hål.png".into(), content: PNG.to_vec() };
    app.save_step(&porten_domain::Actor::Visitor, &id, "what", answers, vec![photo]).await.unwrap();
    let token = app.submit_draft(&porten_domain::Actor::Visitor, &id, false).await.unwrap();
    let access = porten_app::eservices::CitizenAccess::Token(&token);
    let errand = app.citizen_errand(access).await.unwrap().public_id.to_string();
    (token, errand)
}
