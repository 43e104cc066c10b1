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
