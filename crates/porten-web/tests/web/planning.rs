//! The supervisor planning page (`/staff/planning`) and its CSV export,
//! through the real router, on whichever backend `TEST_DATABASE_URL` names.

use crate::support::TestApp;
use axum::http::{StatusCode, header};
use chrono::{Duration, Timelike};
use porten_app::planning::{history_window, plannable_weeks};
use porten_domain::contact::ContactLogEntry;
use porten_domain::time::to_stockholm;
use porten_domain::{Channel, ContactOutcome, ContactTopic, LoggedContact};

#[tokio::test]
async fn only_agents_and_admins_see_the_planning_page() {
    let t = TestApp::new().await;
    let anonymous = t.get("/staff/planning", "").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header(header::LOCATION), "/login");
    let anonymous_csv = t.get("/staff/planning.csv", "").await;
    assert_eq!(anonymous_csv.status, StatusCode::SEE_OTHER);
    for who in ["citizen", "case_officer"] {
        let jar = t.sign_in(who).await;
        let page = t.get("/staff/planning", &jar).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(t.get("/staff/planning.csv", &jar).await.status, StatusCode::FORBIDDEN, "{who}");
        let home = t.get("/", &jar).await;
        assert!(!home.body.contains("href=\"/staff/planning\""), "{who} gets no link to a page they cannot open");
    }
    for who in ["agent", "unit_admin"] {
        let jar = t.sign_in(who).await;
        let page = t.get("/staff/planning", &jar).await;
        assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
        assert!(page.body.contains("href=\"/staff/planning\""), "{who} has the nav link");
        assert_eq!(page.body.matches("<h1").count(), 1);
    }
    t.cleanup().await;
}

#[tokio::test]
async fn without_history_the_page_explains_instead_of_failing() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    let page = t.get("/staff/planning", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Det finns inga mätta kontakter via telefon"), "{}", page.body);
    assert!(page.body.contains("Det finns inga mätta kontakter per tjänst"), "no scenario inputs without a mix");
    assert!(!page.body.contains("<svg"), "no charts without data");
    let csv = t.get("/staff/planning.csv", &jar).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 1, "only the header");

    // One week of phone contacts is not enough to forecast.
    t.seed_contacts(1, 1).await;
    let page = t.get("/staff/planning?lang=en", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("There are only 1 whole weeks of measured data"), "{}", page.body);
    t.cleanup().await;
}

/// Contacts logged as having become an errand: not counted twice, but their
/// handle time (six minutes each) is measured.
async fn log_errand_contacts(t: &TestApp) {
    let (_, to) = history_window(t.app.now());
    let entries: Vec<ContactLogEntry> = (1..=10)
        .map(|d| ContactLogEntry {
            contact: LoggedContact {
                channel: Channel::Phone,
                topic_code: "service:general-question".into(),
                topic: ContactTopic::Service("general-question".into()),
                outcome: ContactOutcome::Errand,
                handle_seconds: Some(360),
            },
            started_at: to - Duration::days(d) - Duration::hours(12),
            agent_id: None,
            errand_id: None,
            article: None,
        })
        .collect();
    t.app.import_contacts(&crate::support::system(), &entries).await.unwrap();
}

#[tokio::test]
async fn measured_volumes_are_forecast_staffed_compared_and_exported() {
    let t = TestApp::new().await;
    t.seed_contacts(4, 3).await;
    log_errand_contacts(&t).await;
    let jar = t.sign_in("agent").await;
    let query = "channel=phone&shift1-general-question=0%2C5&shift2-general-question=0.1";
    let page = t.get(&format!("/staff/planning?{query}"), &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    // 3 calls an hour, 09–16 on weekdays, for 4 weeks; the logged contacts that became errands are not added.
    assert!(body.contains("Kontakter via telefon: 420 under 4 hela veckor"), "{body}");
    assert!(body.contains("Hanteringstid: 360 sekunder, uppmätt i kontaktloggen."), "{body}");
    assert!(body.contains("Erlang C"));
    // Staffing table: the open hours only, 08–17 on weekdays, with the handle time used. 3 calls of 360 s in an hour
    // need 2 agents for 80 % in 20 s, 3 scheduled after 30 % shrinkage; an open, quiet hour has 1.
    assert_eq!(body.matches("<tr><td>").count(), 45, "one row per open hour");
    let row = |time: &str, calls: &str, agents: u32, scheduled: u32| {
        format!(
            "<th scope=\"row\">{time}</th><td class=\"num\">{calls}</td><td class=\"num\">360</td><td class=\"num\">{agents}</td><td class=\"num\">{scheduled}</td>"
        )
    };
    assert!(body.contains(&row("10:00", "3,0", 2, 3)), "{body}");
    assert!(body.contains(&row("08:00", "0,0", 1, 2)), "{body}");
    assert!(!body.contains(">03:00</th>"), "closed hours are not staffed");
    // Charts are images with a name and a description, and tables carry their data.
    assert_eq!(body.matches("role=\"img\"").count(), 2);
    assert!(body.contains("aria-labelledby=\"heatmap-svg-title heatmap-svg-desc\""));
    assert!(body.contains("<title id=\"chart-svg-title\">"));
    assert!(body.contains("Prognostiserade kontakter per veckodag och timme</caption>"));
    assert!(body.contains("Avvikelse (WAPE): "), "a backtest on the held-out week");
    // Two scenarios side by side with now: half, and a tenth, of the general questions move.
    assert!(body.contains("<th scope=\"col\" class=\"num\">Nuläge</th><th scope=\"col\" class=\"num\">Scenario 1</th><th scope=\"col\" class=\"num\">Scenario 2</th>"), "{body}");
    assert!(body.contains("Scenario 1: när 50,0 % av kontakterna flyttar"), "{body}");
    // A tenth barely lowers the line staffing, while each moved contact still takes digital time: the cost rises.
    let second = body.split("Scenario 2: när 10,0 % av kontakterna flyttar behövs ").nth(1).unwrap_or_default();
    assert!(second.split('.').next().unwrap_or_default().contains("fler timmar"), "{body}");
    assert!(second.contains("och kostnaden ökar med"), "{body}");
    assert!(body.contains("id=\"shift1-general-question\" name=\"shift1-general-question\" type=\"text\" inputmode=\"decimal\" size=\"5\" value=\"0,5\""), "the typed value is kept");
    assert!(body.contains("href=\"/staff/planning.csv?channel=phone&#38;shift1-general-question=0%2C5"), "{body}");

    assert!(body.contains("href=\"/staff/planning.csv?channel=phone&#38;shift1-general-question=0%2C5&#38;shift2-general-question=0.1&#38;csv=sv\""), "{body}");
    let swedish = t.get(&format!("/staff/planning.csv?{query}&csv=sv"), &jar).await;
    assert!(
        swedish.body.starts_with("interval_start;weekday;hour;open;forecast_contacts;aht_seconds;"),
        "{}",
        swedish.body
    );
    assert!(
        swedish.body.lines().any(|l| l.contains("T10:00:00") && l.contains(";true;3,00;360;2;3;")),
        "{}",
        swedish.body
    );
    let csv = t.get(&format!("/staff/planning.csv?{query}"), &jar).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header(header::CONTENT_TYPE), "text/csv; charset=utf-8");
    let week = plannable_weeks(to_stockholm(t.app.now()).date_naive())[0];
    let disposition = format!("attachment; filename=\"porten-staffing-phone-{week}.csv\"");
    assert_eq!(csv.header(header::CONTENT_DISPOSITION), disposition);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!((167..=169).contains(&(lines.len() - 1)), "one row per hour of the week");
    assert!(
        lines[0].starts_with("interval_start,weekday,hour,open,forecast_contacts,aht_seconds,agents,scheduled_agents")
    );
    assert!(lines[0].ends_with(",scenario2_contacts,scenario2_agents,scenario2_scheduled_agents"));
    // 1.5 calls of 360 s an hour need only one agent (two scheduled).
    assert!(
        lines
            .iter()
            .any(|l| l.contains("T10:00:00") && l.contains(",true,3.00,360,2,3,") && l.contains(",1.50,1,2,2.70,2,3")),
        "{}",
        csv.body
    );

    let quarters = t.get("/staff/planning?interval=15", &jar).await;
    assert_eq!(quarters.body.matches("<tr><td>").count(), 180, "{}", quarters.body);
    let patient = t.get("/staff/planning?patience_seconds=60&max_abandon=0%2C05&lang=en", &jar).await;
    assert!(patient.body.contains("Staffing uses Erlang A"), "{}", patient.body);
    assert!(patient.body.contains("Abandoned (%)") && patient.body.contains("Forecast against actual"));
    t.cleanup().await;
}

#[tokio::test]
async fn bad_input_gets_an_error_summary_and_keeps_what_was_typed() {
    let t = TestApp::new().await;
    t.seed_contacts(1, 1).await;
    let jar = t.sign_in("agent").await;
    let page = t
        .get(
            "/staff/planning?channel=fax&service_level=2&aht_seconds=abc&shrinkage=&max_abandon=0.1&week=1999-01-04&shift1-general-question=2",
            &jar,
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(body.contains("class=\"error-summary\" role=\"alert\""));
    assert!(body.contains("<a href=\"#channel\">Välj en kanal i listan.</a>"));
    assert!(body.contains("<a href=\"#service_level\">Servicenivå måste vara ett tal"));
    assert!(body.contains("<a href=\"#aht_seconds\">"));
    assert!(body.contains("<a href=\"#shrinkage\">"));
    assert!(body.contains("<a href=\"#week\">Välj en vecka i listan.</a>"));
    assert!(body.contains("<a href=\"#max_abandon\">En högsta andel som lägger på kräver att tålamod anges.</a>"));
    assert!(
        body.contains(
            "<a href=\"#shift1-general-question\">Scenario 1: andel av Allmän fråga som flyttar: Andelen som flyttar"
        ),
        "the summary names the cell: {body}"
    );
    assert!(
        body.contains("value=\"abc\" aria-describedby=\"aht_seconds-hint aht_seconds-error\" aria-invalid=\"true\""),
        "{body}"
    );
    assert!(
        body.contains("<p id=\"aht_seconds-error\" class=\"error-message\">Hanteringstid måste vara"),
        "inline too"
    );
    // The summary follows the form's order: the channel and week before the service level.
    let at = |needle: &str| body.find(needle).unwrap_or(usize::MAX);
    assert!(at("<a href=\"#channel\">") < at("<a href=\"#week\">"));
    assert!(at("<a href=\"#week\">") < at("<a href=\"#service_level\">"), "{body}");
    assert!(
        body.contains("id=\"service_level\" name=\"service_level\" type=\"text\" inputmode=\"decimal\" value=\"2\"")
    );
    assert!(
        body.contains(
            "size=\"5\" value=\"2\" aria-describedby=\"shift-hint shift1-general-question-error\" aria-invalid=\"true\""
        ),
        "{body}"
    );
    assert!(body.contains("<div class=\"error-message\"><p>Andelen som flyttar"), "{body}");
    assert!(body.contains("value=\"20\" aria-describedby=\"target_seconds-hint\">"), "untouched fields keep defaults");
    let csv = t.get("/staff/planning.csv?service_level=2", &jar).await;
    assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY);
    t.cleanup().await;
}

#[tokio::test]
async fn imported_acd_statistics_replace_platform_counts_for_their_channel() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    // Four weeks of ACD data: 20 offered calls in every weekday office hour,
    // in quarter-hours, far more than the (zero) phone errands; calls take
    // 240 s in the morning and 480 s after noon.
    let (_, to) = history_window(t.app.now());
    let mut intervals = Vec::new();
    for q in 0..4 * 168 * 4 {
        let start = to - Duration::minutes(15 * (4 * 168 * 4 - q));
        let local = to_stockholm(start);
        let weekday = chrono::Datelike::weekday(&local).num_days_from_monday();
        let offered = if weekday < 5 && (9..16).contains(&local.hour()) { 5.0 } else { 0.0 };
        intervals.push(porten_domain::planning::AcdInterval {
            channel: Channel::Phone,
            start,
            minutes: 15,
            offered,
            answered: offered,
            abandoned: 0.0,
            aht_seconds: if local.hour() < 12 { 240.0 } else { 480.0 },
        });
    }
    t.app.import_acd(&crate::support::system(), &intervals).await.unwrap();
    let page = t.get("/staff/planning", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("importerad samtalsstatistik (ACD)"), "{}", page.body);
    // (3 hours · 240 s + 4 hours · 480 s) / 7 hours = 377 s on average.
    assert!(page.body.contains("i genomsnitt 377 sekunder"), "{}", page.body);
    // Each interval is planned with its own measured handle time: 20 calls
    // an hour at 240 s is 1.33 Erlang: 80 % within 20 s needs 3 agents, 5
    // scheduled; at 480 s 2.67 Erlang needs 5 agents, 8 scheduled.
    let csv = t.get("/staff/planning.csv", &jar).await;
    let line = |body: &str, time: &str, rest: &str| body.lines().any(|l| l.contains(time) && l.contains(rest));
    assert!(line(&csv.body, "T10:00:00", ",true,20.00,240,3,5,"), "{}", csv.body);
    assert!(line(&csv.body, "T14:00:00", ",true,20.00,480,5,8,"), "{}", csv.body);
    // A typed handle time wins: 300 s is 1.67 Erlang, 4 agents, 6 scheduled.
    let typed = t.get("/staff/planning.csv?aht_seconds=300", &jar).await;
    assert!(line(&typed.body, "T10:00:00", ",true,20.00,300,4,6,"), "{}", typed.body);
    assert!(line(&typed.body, "T14:00:00", ",true,20.00,300,4,6,"), "{}", typed.body);
    // The web channel still plans from the platform's own contacts.
    let web = t.get("/staff/planning?channel=web", &jar).await;
    assert!(web.body.contains("de kontakter som kontaktcenter loggat"), "{}", web.body);
    assert!(web.body.contains("Kanalens kontakter väntar i en ärendekö"), "a backlog channel: {}", web.body);
    t.cleanup().await;
}
