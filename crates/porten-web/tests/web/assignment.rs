//! Present or away on the workspace: where the unit hands out errands, the
//! queue page says how and offers the toggle; becoming present hands out
//! what waits, and the errand's timeline says why it came.

use porten_domain::assignment::{Routing, Strategy};
use porten_domain::{Errand, Unit};

use crate::support::{CSRF, TestApp, system};

async fn round_robin_tk(t: &TestApp) {
    let routing = Routing { strategy: Strategy::RoundRobin, max_open: Some(5) };
    let code = porten_domain::UnitCode::parse("TK").unwrap();
    let unit = Unit { code, name_sv: "Enhet TK".into(), name_en: "Unit TK".into(), contact_center: false, routing };
    t.city.app.define_unit(&system(), &unit).await.unwrap();
}

#[tokio::test]
async fn an_officer_becomes_present_and_is_handed_the_waiting_errand_with_the_reason() {
    let t = TestApp::new().await;
    let officer = t.sign_in("case_officer").await;
    let page = t.get("/staff/errands", &officer).await;
    assert!(!page.body.contains("action=\"/staff/presence\""), "a manual unit has no toggle");

    round_robin_tk(&t).await;
    let errand: Errand = t.city.errand("pothole", false).await;
    let page = t.get("/staff/errands", &officer).await;
    assert!(page.body.contains("Du är borta och får inga nya ärenden."), "{}", page.body);
    assert!(page.body.contains("Din enhet fördelar ärenden i tur och ordning, högst 5 pågående per person."));
    assert!(page.body.contains(r#"name="presence" value="present""#));

    let done = t.post_form("/staff/presence", &officer, &format!("csrf={CSRF}&presence=present")).await;
    assert_eq!(done.status, 303);
    let page = t.get("/staff/errands", &officer).await;
    assert!(page.body.contains("Du är på plats och får nya ärenden."));
    assert!(page.body.contains(r#"name="presence" value="away""#));
    let errand_page = t.get(&format!("/staff/errands/{}", errand.public_id), &officer).await;
    assert!(errand_page.body.contains("Automatiskt, i tur och ordning."), "{}", errand_page.body);

    let bad = t.post_form("/staff/presence", &officer, &format!("csrf={CSRF}&presence=maybe")).await;
    assert_eq!(bad.status, 422);
    let admin = t.sign_in("unit_admin").await;
    let refused = t.post_form("/staff/presence", &admin, &format!("csrf={CSRF}&presence=present")).await;
    assert_eq!(refused.status, 403, "a supervisor is handed no errands");
    t.cleanup().await;
}

#[tokio::test]
async fn an_errand_assigned_to_an_officer_shows_in_their_notices_until_they_open_it() {
    let t = TestApp::new().await;
    let officer = t.sign_in("case_officer").await;
    let admin = t.sign_in("unit_admin").await;
    let errand: Errand = t.city.errand("pothole", false).await;
    let officer_id = match t.city.user("case_officer") {
        porten_domain::Actor::User { id, .. } => id,
        _ => unreachable!(),
    };
    let form = format!("csrf={CSRF}&assignee={officer_id}");
    let assigned = t.post_form(&format!("/staff/errands/{}/assign", errand.public_id), &admin, &form).await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let mut listed = false;
    for _ in 0..3000 {
        t.city.app.consume_feed(porten_app::notices::CONSUMER, porten_app::notices::consume).await.unwrap();
        if t.get("/staff/errands", &officer).await.body.contains("Notiser (1 nya)") {
            listed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(listed, "the workspace links the new notice");
    let page = t.get("/staff/notices", &officer).await;
    assert!(page.body.contains("Du har en ny notis."), "{}", page.body);
    assert!(page.body.contains(&errand.registry_number.to_string()) && page.body.contains("Tilldelat dig"));
    t.get(&format!("/staff/errands/{}", errand.public_id), &officer).await;
    assert!(t.get("/staff/notices", &officer).await.body.contains("Du har inga nya notiser."));

    // Notices by e-mail need an address: the error says so and keeps the page.
    let refused = t.post_form("/staff/notices/email", &officer, &format!("csrf={CSRF}&email=on")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Det finns ingen e-postadress för dig."), "{}", refused.body);
    assert!(refused.body.contains(r##"href="#email""##), "the summary links the box");
    t.cleanup().await;
}
