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

#[tokio::test]
async fn a_logged_contact_links_to_its_errand_or_the_article_that_answered_it() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let agent = t.sign_in("agent").await;
    // From the errand page the agent opens the contact log with the number filled in.
    let page = t.get(&format!("/staff/errands/{}", errand.public_id), &agent).await;
    let number = errand.registry_number.to_string();
    let link = format!("/staff/contacts?errand={}", number.replace(' ', "%20"));
    assert!(page.body.contains(&link), "{}", page.body);
    let form = t.get(&link, &agent).await;
    assert!(form.body.contains(&format!("value=\"{number}\"")), "the number is filled in");
    // From the receipt of an errand registered for the caller, the outcome too.
    let registered = t.get(&format!("{link}&outcome=errand"), &agent).await;
    assert!(registered.body.contains("value=\"errand\" checked"), "{}", registered.body);

    let log = |fields: String| {
        let jar = agent.clone();
        let t = &t;
        async move {
            t.post_form("/staff/contacts", &jar, &format!("csrf={CSRF}&channel=phone&topic=general&{fields}")).await
        }
    };
    // An errand registered needs its number; a wrong one is named.
    let missing = log("outcome=errand".into()).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("href=\"#errand\""), "{}", missing.body);
    let typed = number.to_lowercase().replace(' ', "");
    let linked = log(format!("outcome=referred&errand={}", typed.replace('/', "%2F"))).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    let page = t.get(&format!("/staff/errands/{}", errand.public_id), &agent).await;
    assert!(page.body.contains("Kontakt loggad (telefon)"), "{}", page.body);
    // Resolved on the spot, citing the article by its address.
    let unknown = log("outcome=resolved&article=%2Fkunskap%2Ffinns-inte".into()).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("Ingen publicerad artikel"));
    let cited = log("outcome=resolved&article=https%3A%2F%2Fexample.org%2Fkunskap%2Fhal-i-gatan".into()).await;
    assert_eq!(cited.status, StatusCode::SEE_OTHER, "{}", cited.body);
    let mine = t.app.my_logged_contacts(&t.user("agent")).await.unwrap();
    assert_eq!(mine[0].article.as_deref(), Some("hal-i-gatan"));
    assert_eq!(mine[1].errand_id, Some(errand.id));
    t.cleanup().await;
}

#[tokio::test]
async fn an_admin_adds_renames_retires_and_merges_contact_topics() {
    let t = TestApp::new().await;
    let agent = t.sign_in("agent").await;
    assert_eq!(t.get("/staff/admin/topics", &agent).await.status, StatusCode::FORBIDDEN, "system admins only");
    let admin = t.sign_in("system_admin").await;
    let page = t.get("/staff/admin/topics", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<th scope=\"row\">Allmän fråga</th>"), "{}", page.body);

    // A new topic; an empty name is refused with what was typed kept.
    let bad = t
        .post_form("/staff/admin/topics", &admin, &format!("csrf={CSRF}&name_sv=&name_en=Parking&counts_as=general"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#name_sv-new\"") && bad.body.contains("value=\"Parking\""), "{}", bad.body);
    let added = t
        .post_form(
            "/staff/admin/topics",
            &admin,
            &format!("csrf={CSRF}&name_sv=Parkering&name_en=Parking&counts_as=general"),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.body.contains("Kontaktorsaken Parkering är tillagd."));
    let again = t
        .post_form("/staff/admin/topics", &admin, &format!("csrf={CSRF}&name_sv=Parkering&name_en=&counts_as=general"))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "one topic per name");
    assert!(again.body.contains("aria-describedby=\"name_sv-new-error\""), "the error is told beside the field");

    // The agent logs two calls about it.
    let form = format!("csrf={CSRF}&channel=phone&topic=topic%3Aparkering&outcome=resolved&minutes=3");
    assert!(
        t.get("/staff/contacts", &agent).await.body.contains("<option value=\"topic:parkering\">Parkering</option>")
    );
    for _ in 0..2 {
        assert_eq!(t.post_form("/staff/contacts", &agent, &form).await.status, StatusCode::SEE_OTHER);
    }
    let empty = format!("csrf={CSRF}&name_sv=&name_en=Parking+typed");
    let refused_rename = t.post_form("/staff/admin/topics/topic:parkering/rename", &admin, &empty).await;
    assert_eq!(refused_rename.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused_rename.body.contains("href=\"#name_sv-topic-parkering\""), "{}", refused_rename.body);
    assert!(refused_rename.body.contains("value=\"Parking typed\""), "what was typed is kept");
    let renamed = t
        .post_form(
            "/staff/admin/topics/topic:parkering/rename",
            &admin,
            &format!("csrf={CSRF}&name_sv=Parkering+och+p-tillst%C3%A5nd&name_en=Parking+and+permits"),
        )
        .await;
    assert_eq!(renamed.header(header::LOCATION), "/staff/admin/topics?done=renamed");
    assert!(
        t.get("/staff/contacts", &agent).await.body.contains("<td>Parkering och p-tillstånd</td>"),
        "history shows the new name"
    );

    // Merged into the parking permit's topic: retired, its calls counted there.
    let into_itself = format!("csrf={CSRF}&from=topic%3Aparkering&into=topic%3Aparkering");
    let refused = t.post_form("/staff/admin/topics/merge", &admin, &into_itself).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("href=\"#into-merge\""));
    let merge = format!("csrf={CSRF}&from=topic%3Aparkering&into=service%3Apothole");
    let merged = t.post_form("/staff/admin/topics/merge", &admin, &merge).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert!(merged.body.contains("2 loggade kontakter räknas nu på den som blev kvar."), "{}", merged.body);
    let now = t.app.now();
    let mix = t.db.store.contact_mix(Channel::Phone, now - chrono::Duration::hours(1), now).await.unwrap();
    let got: Vec<_> = mix.iter().map(|m| (m.service_code.as_deref(), m.contacts)).collect();
    assert_eq!(got, [(Some("pothole"), 2)], "the history counts under the survivor");
    let offered = t.get("/staff/contacts", &agent).await.body;
    assert!(!offered.contains("value=\"topic:parkering\""), "a merged topic is not offered");
    let bad_log = t.post_form("/staff/contacts", &agent, &form).await;
    assert_eq!(bad_log.status, StatusCode::UNPROCESSABLE_ENTITY, "nor accepted");

    // Retired and brought back.
    let retired = t.post_form("/staff/admin/topics/tech_help/retire", &admin, &format!("csrf={CSRF}")).await;
    assert_eq!(retired.header(header::LOCATION), "/staff/admin/topics?done=retired");
    assert!(!t.get("/staff/contacts", &agent).await.body.contains("value=\"tech_help\""));
    t.post_form("/staff/admin/topics/tech_help/restore", &admin, &format!("csrf={CSRF}")).await;
    assert!(t.get("/staff/contacts", &agent).await.body.contains("value=\"tech_help\""));

    // Every change is in the audit log.
    let audit = t.get("/staff/audit", &admin).await;
    assert!(audit.body.contains("topic:parkering into service:pothole"), "{}", audit.body);
    t.cleanup().await;
}
