//! The business calendar page (`/staff/calendar`) through the real router.

use crate::support::{CSRF, TestApp};
use axum::http::{StatusCode, header};
use chrono::{Datelike, Duration};
use porten_app::planning::plannable_weeks;
use porten_domain::time::to_stockholm;

#[tokio::test]
async fn admins_decide_days_that_planning_then_keeps_closed() {
    let t = TestApp::new().await;
    t.seed_contacts(4, 3).await;
    assert_eq!(t.get("/staff/calendar", "").await.header(header::LOCATION), "/login");
    let agent = t.sign_in("agent").await;
    assert_eq!(t.get("/staff/calendar", &agent).await.status, StatusCode::FORBIDDEN);
    let today = to_stockholm(t.app.now()).date_naive();
    let wednesday = plannable_weeks(today)[0] + Duration::days(2);
    let form = format!("csrf={CSRF}&date={wednesday}&open=closed&note=St%C3%A4ngt+f%C3%B6r+utbildning");
    assert_eq!(t.post_form("/staff/calendar", &agent, &form).await.status, StatusCode::FORBIDDEN);

    let jar = t.sign_in("unit_admin").await;
    let page = t.get("/staff/calendar", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("href=\"/staff/calendar\""), "admins have the nav link");
    let year = today.year();
    let eve = chrono::NaiveDate::from_ymd_opt(year, 12, 24).unwrap();
    let weekday = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
        [eve.weekday().num_days_from_monday() as usize];
    let row =
        format!("<th scope=\"row\">{eve}</th><td>{weekday}</td><td>julafton</td><td>Stängt (helgdag eller afton)</td>");
    assert!(page.body.contains(&row), "{}", page.body);
    let forged = format!("csrf=wrong&date={wednesday}&open=closed");
    assert_eq!(t.post_form("/staff/calendar", &jar, &forged).await.status, StatusCode::BAD_REQUEST);

    let saved = t.post_form(&format!("/staff/calendar?year={year}"), &jar, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let year_of_day = wednesday.year();
    assert_eq!(saved.header(header::LOCATION), format!("/staff/calendar?year={year_of_day}&saved=1"));
    let after = t.get(&format!("/staff/calendar?year={year_of_day}&saved=1"), &jar).await;
    assert!(after.body.contains("Beslutet är sparat."));
    assert!(after.body.contains("<td>Stängt: Stängt för utbildning</td>"), "{}", after.body);
    assert!(after.body.contains(&format!("name=\"date\" value=\"{wednesday}\"")), "a remove button per decision");

    // Planning keeps the decided day closed and says why.
    let monday = wednesday - Duration::days(2);
    let plan = t.get(&format!("/staff/planning?week={monday}"), &jar).await;
    assert!(plan.body.contains(&format!("onsdag {wednesday}: Stängt för utbildning")), "{}", plan.body);
    let csv = t.get(&format!("/staff/planning.csv?week={monday}"), &jar).await;
    let day_rows: Vec<&str> = csv.body.lines().filter(|l| l.starts_with(&wednesday.to_string())).collect();
    assert_eq!(day_rows.len(), 24);
    assert!(day_rows.iter().all(|l| l.contains(",false,")), "no open hour on a closed day");

    // A week with every weekday closed staffs nobody, and says so.
    for d in 0..5 {
        let day = monday + Duration::days(d);
        let close = format!("csrf={CSRF}&date={day}&open=closed&note=St%C3%A4ngt+f%C3%B6r+utbildning");
        assert_eq!(t.post_form("/staff/calendar", &jar, &close).await.status, StatusCode::SEE_OTHER);
    }
    let closed = t.get(&format!("/staff/planning?week={monday}"), &jar).await;
    assert!(closed.body.contains("Kanalen har inga öppna intervall den här veckan"), "{}", closed.body);
    for d in [0, 1, 3, 4] {
        let day = monday + Duration::days(d);
        t.post_form("/staff/calendar/remove", &jar, &format!("csrf={CSRF}&date={day}")).await;
    }
    let garbage = t.post_form("/staff/calendar/remove", &jar, &format!("csrf={CSRF}&date=garbage")).await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);

    // Removing the decision brings the computed calendar back.
    let removed = t.post_form("/staff/calendar/remove", &jar, &format!("csrf={CSRF}&date={wednesday}")).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let again = t.get(&format!("/staff/planning?week={monday}"), &jar).await;
    assert!(!again.body.contains("Stängt för utbildning"));
    let twice = t.post_form("/staff/calendar/remove", &jar, &format!("csrf={CSRF}&date={wednesday}")).await;
    assert_eq!(
        twice.header(header::LOCATION),
        format!("/staff/calendar?year={year_of_day}"),
        "nothing to remove, nothing saved"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_bad_decision_gets_an_error_summary_and_keeps_what_was_typed() {
    let t = TestApp::new().await;
    let jar = t.sign_in("unit_admin").await;
    let long = "x".repeat(201);
    let page = t.post_form("/staff/calendar", &jar, &format!("csrf={CSRF}&date=2026-02-30&note={long}")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(body.contains("<title>Fel: Verksamhetskalender"), "the title says something is wrong");
    assert!(body.contains("<a href=\"#date\">Skriv ett datum som ÅÅÅÅ-MM-DD"), "{body}");
    assert!(body.contains("<a href=\"#open-first\">Välj om dagen är öppen eller stängd.</a>"));
    assert!(body.contains("<a href=\"#note\">Anteckningen får vara högst 200 tecken.</a>"));
    assert!(body.contains("value=\"2026-02-30\" aria-describedby=\"date-hint date-error\" aria-invalid=\"true\""));
    assert!(body.contains(&format!("value=\"{long}\"")), "the note is kept");
    assert!(!body.contains("calendar/remove\""), "nothing was stored");
    assert_eq!(t.get("/staff/calendar?year=1999", &jar).await.status, StatusCode::NOT_FOUND);
    t.cleanup().await;
}

#[tokio::test]
async fn a_unit_admin_sets_opening_hours_with_a_lunch_break_and_a_mistake_keeps_what_was_typed() {
    let t = TestApp::new().await;
    let jar = t.sign_in("unit_admin").await;
    let page = t.get("/staff/calendar/hours", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Öppettider för Enhet TK"));
    assert!(page.body.contains(r#"name="hours-mon" type="text" size="30" autocomplete="off" value="08:00–16:30""#));
    assert!(!page.body.contains(r#"id="unit-choice""#), "a unit admin has one unit");

    let bad = format!("csrf={CSRF}&unit=TK&hours-mon=08%3A00-12%3A00%2C+13%3A00-16%3A00&hours-wed=efter+lunch");
    let refused = t.post_form("/staff/calendar/hours", &jar, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r##"<a href="#hours-wed">Skriv tiderna för onsdag"##), "{}", refused.body);
    assert!(
        refused.body.contains(r#"value="efter lunch""#) && refused.body.contains(r#"value="08:00-12:00, 13:00-16:00""#)
    );

    let good = format!("csrf={CSRF}&unit=TK&hours-mon=08%3A00-12%3A00%2C+13%3A00-16%3A00&hours-fri=8-15");
    let saved = t.post_form("/staff/calendar/hours", &jar, &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = t.get(saved.header(header::LOCATION), &jar).await;
    assert!(page.body.contains("Öppettiderna är sparade."));
    assert!(page.body.contains(r#"value="08:00–12:00, 13:00–16:00""#) && page.body.contains(r#"value="08:00–15:00""#));
    // Another unit's hours are not theirs to see or decide.
    assert_eq!(t.get("/staff/calendar/hours?unit=SOF", &jar).await.status, StatusCode::NOT_FOUND);
    let other = format!("csrf={CSRF}&unit=SOF&hours-mon=08%3A00-16%3A00");
    assert_eq!(t.post_form("/staff/calendar/hours", &jar, &other).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}
