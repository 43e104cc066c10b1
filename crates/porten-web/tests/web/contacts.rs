//! The contact log page (`/staff/contacts`) through the real router.

use crate::support::{CSRF, TestApp};
use axum::http::{StatusCode, header};
use porten_domain::Channel;

#[tokio::test]
async fn staff_log_contacts_that_count_toward_planning() {
    let t = TestApp::new().await;
    assert_eq!(t.get("/staff/contacts", "").await.header(header::LOCATION), "/login");
    let citizen = t.sign_in("citizen").await;
    assert_eq!(t.get("/staff/contacts", &citizen).await.status, StatusCode::FORBIDDEN);
    let form = format!("csrf={CSRF}&channel=phone&topic=tech_help&outcome=resolved&minutes=7");
    assert_eq!(t.post_form("/staff/contacts", &citizen, &form).await.status, StatusCode::FORBIDDEN);

    let jar = t.sign_in("agent").await;
    let page = t.get("/staff/contacts", &jar).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("href=\"/staff/contacts\""), "staff have the nav link");
    assert!(page.body.contains("<option value=\"service:general-question\">Allmän fråga</option>"));
    assert!(page.body.contains("Du har inte loggat några kontakter ännu."));

    // Without the form's CSRF token nothing is stored.
    let forged = t.post_form("/staff/contacts", &jar, "csrf=wrong&channel=phone&topic=general&outcome=resolved").await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);

    let saved = t.post_form("/staff/contacts", &jar, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.header(header::LOCATION), "/staff/contacts?saved=1");
    let after = t.get("/staff/contacts?saved=1", &jar).await;
    assert!(after.body.contains("Kontakten är sparad."));
    assert!(after.body.contains("<td>Telefon</td><td>Teknisk hjälp med e-tjänst eller e-legitimation</td><td>Löst vid första kontakten</td><td class=\"num\">7</td>"), "{}", after.body);

    // The contact counts as measured phone volume, with its handle time.
    let now = t.app.now();
    let mix = t.db.store.contact_mix(Channel::Phone, now - chrono::Duration::hours(1), now).await.unwrap();
    assert_eq!((mix.len(), mix[0].contacts, mix[0].timed, mix[0].handle_seconds), (1, 1, 1, 420.0));
    let officer = t.sign_in("case_officer").await;
    let theirs = t.get("/staff/contacts", &officer).await;
    assert!(theirs.body.contains("Du har inte loggat några kontakter ännu."), "each sees their own");

    // Retention: who logged it is forgotten, the contact still counts.
    assert_eq!(t.app.forget_old_contact_agents(u32::MAX).await.unwrap(), 0, "nothing is that old");
    assert_eq!(t.app.forget_old_contact_agents(0).await.unwrap(), 1);
    let mine = t.get("/staff/contacts", &jar).await;
    assert!(mine.body.contains("Du har inte loggat några kontakter ännu."), "{}", mine.body);
    let mix = t.db.store.contact_mix(Channel::Phone, now - chrono::Duration::hours(1), now).await.unwrap();
    assert_eq!(mix[0].contacts, 1);
    t.cleanup().await;
}

#[tokio::test]
async fn a_bad_contact_gets_an_error_summary_and_keeps_what_was_typed() {
    let t = TestApp::new().await;
    let jar = t.sign_in("agent").await;
    let form = format!("csrf={CSRF}&channel=phone&topic=service%3Anope&minutes=tio");
    let page = t.post_form("/staff/contacts", &jar, &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(body.contains("<title>Fel: "), "the title says something is wrong");
    assert!(body.contains("<a href=\"#topic\">Välj vad kontakten gällde.</a>"), "{body}");
    assert!(body.contains("<a href=\"#outcome-first\">Välj hur kontakten slutade.</a>"));
    assert!(body.contains("<a href=\"#minutes\">Hanteringstiden ska vara"));
    assert!(body.contains("id=\"channel-first\" value=\"phone\" checked"), "the chosen channel stays chosen");
    assert!(body.contains("value=\"tio\""), "{body}");
    assert!(body.contains("Du har inte loggat några kontakter ännu."), "nothing was stored");
    let empty = t.post_form("/staff/contacts?lang=en", &jar, &format!("csrf={CSRF}")).await;
    assert!(empty.body.contains("<a href=\"#channel-first\">Choose a channel.</a>"), "{}", empty.body);
    t.cleanup().await;
}
