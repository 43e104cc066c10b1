//! The supervisor planning page (`/staff/planning`) and its CSV export,
//! through the real router, on whichever backend `TEST_DATABASE_URL` names.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Timelike};
use porten_app::App;
use porten_domain::errand::NewErrand;
use porten_domain::{Actor, Audience, Channel, Priority, PublicId, Role, Service, Unit, UnitCode};
use porten_store::Registration;
use porten_store::testing::TestDb;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

struct TestApp {
    db: TestDb,
    app: App,
    router: axum::Router,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap_or("").to_owned())
    }
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

impl TestApp {
    async fn new() -> TestApp {
        let db = TestDb::new().await;
        let store = db.store.clone();
        for (c, cc) in [("TK", false), ("KC", true)] {
            store
                .upsert_unit(&Unit {
                    code: code(c),
                    name_sv: format!("Enhet {c}"),
                    name_en: format!("Unit {c}"),
                    contact_center: cc,
                })
                .await
                .unwrap();
        }
        store
            .upsert_service(&Service {
                code: "general-question".into(),
                unit: code("KC"),
                name_sv: "Allmän fråga".into(),
                name_en: "General question".into(),
                description_sv: "Beskrivning.".into(),
                description_en: "Description.".into(),
                audiences: vec![Audience::Resident],
                channels: vec![Channel::Web, Channel::Phone],
                open311_code: None,
                confidential: false,
                status_names_sv: BTreeMap::new(),
            })
            .await
            .unwrap();
        let app = App::new(store);
        for (username, role, unit) in [
            ("agent", Role::Agent, Some("KC")),
            ("officer", Role::CaseOfficer, Some("TK")),
            ("unitadmin", Role::UnitAdmin, Some("TK")),
            ("citizen", Role::Citizen, None),
        ] {
            app.create_user(username, &format!("User {username}"), role, unit.map(code), PASSWORD).await.unwrap();
        }
        let state = porten_web::AppState::new(app.clone(), porten_web::WebConfig::default(), None);
        TestApp { db, router: porten_web::router(state), app }
    }

    /// Phone contacts on weekdays 09–15 Stockholm time (`per_hour` each hour)
    /// and one web contact a day, over the `weeks` weeks before the planning
    /// window ends.
    async fn seed_contacts(&self, weeks: i64, per_hour: usize) {
        let (_, to) = porten_app::planning::history_window(chrono::Utc::now());
        let system = Actor::System { name: "test".into() };
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
                let new = NewErrand {
                    service_code: "general-question".into(),
                    title: "Fråga".into(),
                    description: "Fråga om parkering".into(),
                    channel,
                    priority: Priority::Normal,
                    parties: vec![],
                    confidential: false,
                    labels: vec![],
                    form: BTreeMap::new(),
                };
                self.app
                    .store()
                    .register_errand(Registration {
                        public_id: PublicId::from_random_bytes(porten_app::random_bytes()),
                        errand: &new,
                        unit: &code("KC"),
                        actor: &system,
                        at: at + Duration::minutes(5 * i as i64 + 1),
                    })
                    .await
                    .unwrap();
            }
        }
    }

    async fn get(&self, uri: &str, cookies: &str) -> Reply {
        let req = Request::builder().uri(uri).header(header::COOKIE, cookies).body(Body::empty()).unwrap();
        self.send(req).await
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    /// Signs in through the real form and returns the cookie header to send afterwards.
    async fn sign_in(&self, username: &str) -> String {
        let csrf = "c".repeat(43);
        let jar = format!("porten_csrf={csrf}");
        let req = Request::builder()
            .method("POST")
            .uri("/login")
            .header(header::COOKIE, &jar)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&username={username}&password={}", PASSWORD.replace(' ', "+"))))
            .unwrap();
        let res = self.send(req).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        format!("{jar}; porten_session={}", res.cookie("porten_session").expect("session cookie"))
    }
}

#[tokio::test]
async fn only_agents_and_admins_see_the_planning_page() {
    let t = TestApp::new().await;
    let anonymous = t.get("/staff/planning", "").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header(header::LOCATION), "/login");
    let anonymous_csv = t.get("/staff/planning.csv", "").await;
    assert_eq!(anonymous_csv.status, StatusCode::SEE_OTHER);
    for who in ["citizen", "officer"] {
        let jar = t.sign_in(who).await;
        let page = t.get("/staff/planning", &jar).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(t.get("/staff/planning.csv", &jar).await.status, StatusCode::FORBIDDEN, "{who}");
        let home = t.get("/", &jar).await;
        assert!(!home.body.contains("href=\"/staff/planning\""), "{who} gets no link to a page they cannot open");
    }
    for who in ["agent", "unitadmin"] {
        let jar = t.sign_in(who).await;
        let page = t.get("/staff/planning", &jar).await;
        assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
        assert!(page.body.contains("href=\"/staff/planning\""), "{who} has the nav link");
        assert_eq!(page.body.matches("<h1").count(), 1);
    }
    t.db.cleanup().await;
}

#[tokio::test]
async fn without_history_the_page_explains_instead_of_failing() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    let page = t.get("/staff/planning", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Det finns inga registrerade kontakter via telefon"), "{}", page.body);
    assert!(!page.body.contains("<svg"), "no charts without data");
    let csv = t.get("/staff/planning.csv", &jar).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 1, "only the header");

    // One week of phone contacts is not enough to forecast.
    t.seed_contacts(1, 1).await;
    let page = t.get("/staff/planning?lang=en", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("There are only 1 whole weeks of measured data"), "{}", page.body);
    t.db.cleanup().await;
}

#[tokio::test]
async fn measured_volumes_are_forecast_staffed_compared_and_exported() {
    let t = TestApp::new().await;
    t.seed_contacts(4, 3).await;
    let jar = t.sign_in("agent").await;
    let page = t.get("/staff/planning?channel=phone&shift=0%2C5", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("Kontakter via telefon: 420 under 4 hela veckor"), "{body}");
    // Staffing table: 168 forecast hours; a weekday 10:00 hour with 3 calls of 300 s needs
    // 2 agents for 80 % in 20 s, 3 scheduled after 30 % shrinkage.
    assert_eq!(body.matches("<tr><td>").count(), 168, "one row per forecast hour");
    assert!(
        body.contains("<td>10:00</td><td class=\"num\">3,0</td><td class=\"num\">2</td><td class=\"num\">3</td>"),
        "{body}"
    );
    assert!(body.contains("<td>03:00</td><td class=\"num\">0,0</td><td class=\"num\">0</td><td class=\"num\">0</td>"));
    // Charts are images with a name and a description, and tables carry their data.
    assert_eq!(body.matches("role=\"img\"").count(), 2);
    assert!(body.contains("aria-labelledby=\"heatmap-svg-title heatmap-svg-desc\""));
    assert!(body.contains("<title id=\"chart-svg-title\">"));
    assert!(body.contains("Prognostiserade kontakter per veckodag och timme</caption>"));
    assert!(body.contains("Avvikelse (WAPE): "), "a backtest on the held-out week");
    // The scenario: half of the phone contacts move to self-help.
    assert!(body.contains("Med 50 % kanalflytt"), "{body}");
    assert!(body.contains("kostnaden minskar med "), "{body}");
    assert!(body.contains("value=\"0,5\""), "the typed value is kept");
    assert!(body.contains("href=\"/staff/planning.csv?channel=phone&#38;service_level=0.8"), "{body}");

    let csv = t.get("/staff/planning.csv?channel=phone&shift=0.5", &jar).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header(header::CONTENT_TYPE), "text/csv; charset=utf-8");
    assert_eq!(csv.header(header::CONTENT_DISPOSITION), "attachment; filename=\"porten-staffing-phone.csv\"");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 169);
    assert!(lines[0].starts_with("interval_start,weekday,hour,forecast_contacts,agents,scheduled_agents"));
    assert!(lines.iter().any(|l| l.contains(" 10:00,") && l.contains(",3.00,2,3,1.50,")), "{}", csv.body);

    let small_shift = t.get("/staff/planning?shift=0.1", &jar).await;
    assert!(small_shift.body.contains("En kanalflytt på 10 % sänker inte kostnaden"), "{}", small_shift.body);

    let en = t.get("/staff/planning?lang=en", &jar).await;
    assert!(en.body.contains("Forecast against actual") && en.body.contains("Agents on the line"));
    t.db.cleanup().await;
}

#[tokio::test]
async fn bad_input_gets_an_error_summary_and_keeps_what_was_typed() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    let page = t.get("/staff/planning?channel=fax&service_level=2&aht_seconds=abc&shrinkage=", &jar).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(body.contains("class=\"error-summary\" role=\"alert\""));
    assert!(body.contains("<a href=\"#channel\">Välj en kanal i listan.</a>"));
    assert!(body.contains("<a href=\"#service_level\">Servicenivå måste vara ett tal"));
    assert!(body.contains("<a href=\"#aht_seconds\">"));
    assert!(body.contains("<a href=\"#shrinkage\">"));
    assert!(body.contains("value=\"abc\" aria-describedby=\"aht_seconds-hint\" aria-invalid=\"true\""), "{body}");
    assert!(
        body.contains("id=\"service_level\" name=\"service_level\" type=\"text\" inputmode=\"decimal\" value=\"2\"")
    );
    assert!(body.contains("value=\"20\" aria-describedby=\"target_seconds-hint\">"), "untouched fields keep defaults");
    let csv = t.get("/staff/planning.csv?service_level=2", &jar).await;
    assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY);
    t.db.cleanup().await;
}

#[tokio::test]
async fn imported_acd_statistics_replace_errand_counts_for_their_channel() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    // Four weeks of ACD data: 20 offered calls in every weekday office hour,
    // in quarter-hours, far more than the (zero) phone errands.
    let (_, to) = porten_app::planning::history_window(chrono::Utc::now());
    let mut intervals = Vec::new();
    for q in 0..4 * 168 * 4 {
        let start = to - Duration::minutes(15 * (4 * 168 * 4 - q));
        let local = porten_domain::time::to_stockholm(start);
        let weekday = chrono::Datelike::weekday(&local).num_days_from_monday();
        let offered = if weekday < 5 && (9..16).contains(&local.hour()) { 5.0 } else { 0.0 };
        intervals.push(porten_store::AcdInterval {
            channel: Channel::Phone,
            start,
            minutes: 15,
            offered,
            answered: offered,
            abandoned: 0.0,
            aht_seconds: 240.0,
        });
    }
    t.app.store().import_acd(&intervals).await.unwrap();
    let page = t.get("/staff/planning", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("importerad samtalsstatistik (ACD)"), "{}", page.body);
    assert!(page.body.contains("uppmätta hanteringstiden i statistiken är 240 sekunder"), "{}", page.body);
    let csv = t.get("/staff/planning.csv", &jar).await;
    // 20 calls an hour at 300 s (the form's AHT) is 1.67 Erlang: 80 % within 20 s needs 4 agents.
    assert!(csv.body.lines().any(|l| l.contains(" 10:00,") && l.contains(",20.00,4,")), "{}", csv.body);
    // The web channel still plans from errands.
    let web = t.get("/staff/planning?channel=web", &jar).await;
    assert!(web.body.contains("ärenden som registrerats via kanalen"), "{}", web.body);
    t.db.cleanup().await;
}
