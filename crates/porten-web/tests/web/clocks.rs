//! An errand's clocks on the pages: the SLA targets in business hours, the
//! pause while the errand waits for the citizen, the citizen's promise, and
//! the legal clock of förvaltningslagen 12 §.

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use porten_domain::{Command, Lifecycle, PublicId};

use crate::support::{CSRF, TestApp};

/// The clock rows of a staff errand page: (label, value).
fn clock_rows(body: &str) -> Vec<(String, String)> {
    let start = body.find("<dl class=\"details clocks\">").expect("a clocks list");
    let list = &body[start..start + body[start..].find("</dl>").unwrap()];
    list.split("<dt>")
        .skip(1)
        .map(|item| {
            let (label, rest) = item.split_once("</dt>").unwrap();
            let value = rest.split_once('>').unwrap().1.split("</dd>").next().unwrap();
            (label.to_owned(), value.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_sla_clock_counts_business_hours_pauses_for_the_citizen_and_promises_a_date() {
    // Registered Tuesday 3 November 2026 at 10:00 in Stockholm; the fixture
    // pothole service answers within 8 and resolves within 40 business hours.
    let t = TestApp::new().await;
    let (token, id) = crate::support::submitted_pothole(&t).await;
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&format!("/staff/errands/{id}"), &officer).await;
    let rows = clock_rows(&page.body);
    assert_eq!(rows[0], ("Första svar senast".into(), "2026-11-04 09:30".into()), "{rows:?}");
    assert_eq!(rows[1], ("Avgörs senast".into(), "2026-11-09 16:00".into()));
    assert_eq!(rows[2], ("Sex månader (förvaltningslagen 12 §)".into(), "2027-05-03 10:00".into()));
    let jar = format!("porten_csrf={CSRF}");
    let track = t.get(&format!("/track/{token}"), &jar).await;
    assert!(track.body.contains("<dt>Besked senast</dt><dd>2026-11-09</dd>"), "{}", track.body);

    // Waiting for the citizen from Wednesday 08:00 stops the clock: no promise.
    let public_id = PublicId::parse(&id).unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2026, 11, 4, 7, 0, 0).unwrap());
    let ask = Command::status(Lifecycle::WaitingForCitizen, None);
    t.app.act_on_errand(&t.user("case_officer"), public_id, None, ask).await.unwrap();
    let track = t.get(&format!("/track/{token}"), &jar).await;
    assert!(!track.body.contains("Besked senast"), "no promise while the city waits for the citizen");
    // (A new day, a new sign-in: sessions end when idle.)
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&format!("/staff/errands/{id}"), &officer).await;
    assert!(clock_rows(&page.body)[1].1.contains("Klockan står still"), "{:?}", clock_rows(&page.body));

    // The citizen answers on Monday 9 November at 08:00: the two waiting
    // days do not count. 6.5 h were used on Tuesday, so 33.5 h remain:
    // Monday to Thursday 8.5 h each is 34 h, so Thursday 12 November 16:00.
    t.clock.set(Utc.with_ymd_and_hms(2026, 11, 9, 7, 0, 0).unwrap());
    let form = format!("csrf={CSRF}&message=H%C3%A4r+%C3%A4r+bilden");
    let reply = t.post_form(&format!("/track/{token}/reply"), &jar, &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&format!("/staff/errands/{id}"), &officer).await;
    assert_eq!(clock_rows(&page.body)[1].1, "2026-11-12 16:00", "{:?}", clock_rows(&page.body));
    for segment in [
        "Klockan gick 2026-11-03 10:00 – 2026-11-04 08:00 (registrerat)",
        "Klockan stod still 2026-11-04 08:00 – 2026-11-09 08:00 (väntar på invånaren)",
        "Klockan gick 2026-11-09 08:00 – nu (invånaren svarade)",
    ] {
        assert!(page.body.contains(segment), "{segment}");
    }
    let track = t.get(&format!("/track/{token}"), &jar).await;
    assert!(track.body.contains("<dd>2026-11-12</dd>"));
    t.cleanup().await;
}

#[tokio::test]
async fn after_six_months_a_demand_for_a_decision_is_recorded_with_its_four_weeks() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let officer = t.sign_in("case_officer").await;
    let path = format!("/staff/errands/{}", errand.public_id);
    let page = t.get(&path, &officer).await;
    assert!(!page.body.contains("/demand\""), "not before six months");
    t.clock.advance(Duration::days(182));
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&path, &officer).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let legal = clock_rows(&page.body).into_iter().find(|(l, _)| l.starts_with("Sex månader")).unwrap();
    assert_eq!(legal.1, "2027-05-03 10:00");
    assert!(page.body.contains("class=\"clock-breached\">2027-05-03 10:00"), "past six months shows as late");
    // Recorded on 4 May 2027 at 11:00 (summer time): four weeks later.
    let demanded = t.post_form(&format!("{path}/demand"), &officer, &format!("csrf={CSRF}&version=1")).await;
    assert_eq!(demanded.status, StatusCode::SEE_OTHER, "{}", demanded.body);
    let page = t.get(&path, &officer).await;
    let rows = clock_rows(&page.body);
    assert_eq!(rows.last().unwrap(), &("Beslut senast efter begäran (12 §)".to_owned(), "2027-06-01 11:00".to_owned()));
    assert!(page.body.contains("Parten begär avgörande (12 §)"));
    assert!(!page.body.contains("/demand\""), "recorded once");
    t.cleanup().await;
}

#[tokio::test]
async fn the_queues_above_the_list_count_and_open_their_errands() {
    let t = TestApp::new().await;
    let mine = t.errand("general-question", false).await;
    t.errand("pothole", false).await;
    let agent_actor = t.user("agent");
    let me = Command::Assign { assignee: agent_actor.id() };
    t.app.act_on_errand(&agent_actor, mine.public_id, None, me).await.unwrap();
    let agent = t.sign_in("agent").await;
    let list = t.get("/staff/errands", &agent).await;
    assert!(list.body.contains("Mina ärenden <span class=\"count\">(1)</span>"), "{}", list.body);
    assert!(list.body.contains("Otilldelade <span class=\"count\">(1)</span>"));
    assert!(list.body.contains("Alla öppna, äldsta först <span class=\"count\">(2)</span>"));
    // The general question needs the skill "e-tjänst och e-legitimation".
    assert!(list.body.contains("Kompetens: E-tjänst och e-legitimation <span class=\"count\">(1)</span>"));
    let skill = t.get("/staff/errands?skill=eservice-eid&active=true&sort=oldest", &agent).await;
    assert!(skill.body.contains("aria-current=\"page\">Kompetens: E-tjänst"), "{}", skill.body);
    assert!(skill.body.contains(&format!("/staff/errands/{}", mine.public_id)));
    assert_eq!(skill.body.matches("<tr").count(), 2, "a header and the one errand of the skill");
    let href = list.body.split("href=\"").find(|h| h.starts_with("/staff/errands?assignee_id=")).unwrap();
    let href = href.split('"').next().unwrap().replace("&#38;", "&");
    let queue = t.get(&href, &agent).await;
    assert_eq!(queue.status, StatusCode::OK, "{href}: {}", queue.body);
    assert!(queue.body.contains("aria-current=\"page\">Mina ärenden"));
    assert!(queue.body.contains(&format!("/staff/errands/{}", mine.public_id)));
    t.cleanup().await;
}
