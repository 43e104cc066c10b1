//! The citizen's e-service pages over HTTP, as a browser without
//! JavaScript uses them: start from the service page, fill in each step
//! (with a file), get errors that link to their fields and keep what was
//! typed, check the answers, submit once however often the button is
//! pressed, and land on the receipt. The case officer then sees the answers
//! and the file, on the errand page and through the API.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{CSRF, PNG, TestApp, form_token, multipart};

/// Posts one step's form as `multipart/form-data` with the jar's form token.
async fn post_step(
    t: &TestApp,
    uri: &str,
    jar: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> crate::support::Reply {
    let csrf = form_token(&t.router, jar).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let (kind, body) = multipart(&all, files);
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, jar)
        .header(header::CONTENT_TYPE, kind)
        .body(Body::from(body))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn a_citizen_reports_a_pothole_without_signing_in_and_follows_it_by_link() {
    let t = TestApp::new().await;
    let jar = format!("porten_csrf={CSRF}");
    let service = t.get("/services/pothole", &jar).await;
    assert!(service.body.contains("href=\"/e/pothole\""), "the service page's button starts the e-service");
    let general = t.get("/services/general-question", &jar).await;
    assert!(!general.body.contains("href=\"/e/"), "no button where there is no e-service");
    assert!(t.get("/e/pothole", &jar).await.body.contains("Felanmälan gata och park"));

    let started = t.post_form("/e/pothole/start", &jar, &format!("csrf={CSRF}")).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let where_step = started.header(header::LOCATION).to_owned();
    assert!(where_step.ends_with("/step/where"), "{where_step}");
    let draft = where_step.split('/').nth(3).unwrap().to_owned();

    // Nothing typed: the error summary links to the field.
    let empty = post_step(&t, &where_step, &jar, &[("action", "next")], &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("href=\"#f-address\""), "{}", empty.body);
    assert!(empty.body.contains("Fyll i ”Adress eller plats”."));
    let next = post_step(&t, &where_step, &jar, &[("action", "next"), ("address", "Sjögatan 14")], &[]).await;
    let what_step = next.header(header::LOCATION).to_owned();
    assert!(what_step.ends_with("/step/what"));

    // A program named like a photo, a bad e-mail address: errors, and what was typed is kept.
    let fields = [
        ("action", "next"),
        ("fault", "pothole"),
        ("description", "Djupt hål vid övergångsstället"),
        ("email", "anna"),
    ];
    let bad = post_step(&t, &what_step, &jar, &fields, &[("photo", "hål.png", b"MZ\x90\0not a picture")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#f-photo\"") && bad.body.contains("href=\"#f-email\""));
    assert!(bad.body.contains("Djupt hål vid övergångsstället</textarea>"), "typed text kept");
    assert!(bad.body.contains("value=\"anna\""));
    let fields = [
        ("action", "next"),
        ("fault", "pothole"),
        ("description", "Djupt hål vid övergångsstället"),
        ("email", "anna@example.se"),
    ];
    let good = post_step(&t, &what_step, &jar, &fields, &[("photo", "hål.png", PNG)]).await;
    assert_eq!(good.header(header::LOCATION), format!("/e/pothole/{draft}/review"));

    let review = t.get(&format!("/e/pothole/{draft}/review"), &jar).await;
    assert!(
        review.body.contains("Sjögatan 14") && review.body.contains("Hål i vägen") && review.body.contains("hål.png")
    );
    let submit = format!("/e/pothole/{draft}/submit");
    let sent = t.post_form(&submit, &jar, &format!("csrf={CSRF}")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let receipt = sent.header(header::LOCATION).to_owned();
    assert!(receipt.starts_with("/track/") && receipt.ends_with("?received=1"), "{receipt}");
    let again = t.post_form(&submit, &jar, &format!("csrf={CSRF}")).await;
    assert_eq!(again.header(header::LOCATION), receipt, "a double submit leads to the same receipt");
    let back = t.get(&what_step, &jar).await;
    assert_eq!(back.header(header::LOCATION), receipt.trim_end_matches("?received=1"), "back after submitting");
    let page = t.get(&receipt, "").await;
    assert!(page.body.contains("TK 20") && page.body.contains("Mottaget"), "{}", page.body);

    // The case officer sees the answers and the photo; so does an integration through the API.
    assert!(!page.body.contains("/staff/contacts"), "the citizen's receipt offers no contact log");
    let officer = t.sign_in("case_officer").await;
    // Staff who registered an errand for a caller log the call from its receipt, linked.
    let staff_receipt = t.get(&receipt, &officer).await;
    assert!(staff_receipt.body.contains("/staff/contacts?errand=TK%202026"), "{}", staff_receipt.body);
    assert!(staff_receipt.body.contains("&amp;outcome=errand\">Logga samtalet eller besöket"));
    let list = t.api("GET", "/api/v1/errands", Some(&t.key), None).await.json();
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let staff = t.get(&format!("/staff/errands/{id}"), &officer).await;
    assert!(staff.body.contains("Adress eller plats") && staff.body.contains("Djupt hål vid övergångsstället"));
    let file = t.get(&format!("/staff/errands/{id}/attachments/0"), &officer).await;
    assert_eq!((file.status, file.header(header::CONTENT_TYPE)), (StatusCode::OK, "image/png"));
    assert_eq!(file.bytes, PNG);
    assert!(file.header(header::CONTENT_DISPOSITION).starts_with("attachment;"));
    let submission =
        t.api("GET", &format!("/api/v1/errands/{id}/submission"), Some(&t.read_only_key), None).await.json();
    assert_eq!(submission["version"], 1);
    assert_eq!(submission["attachments"][0]["media_type"], "image/png");
    let url = submission["attachments"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(t.api("GET", &url, Some(&t.read_only_key), None).await.bytes, PNG);
    t.cleanup().await;
}

#[tokio::test]
async fn a_draft_saved_for_later_opens_from_its_link_and_an_unknown_one_says_it_is_gone() {
    let t = TestApp::new().await;
    let jar = format!("porten_csrf={CSRF}");
    let started = t.post_form("/e/pothole/start", &jar, &format!("csrf={CSRF}")).await;
    let step = started.header(header::LOCATION).to_owned();
    let saved = post_step(&t, &step, &jar, &[("action", "save"), ("address", "Torget")], &[]).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(saved.body.contains("Utkastet är sparat"));
    // Later, in another browser: the link is enough for a draft started without signing in.
    let resumed = t.get(&step, "").await;
    assert!(resumed.body.contains("value=\"Torget\""));
    let gone = t.get("/e/pothole/no-such-draft/step/where", &jar).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.body.contains("Utkastet finns inte längre"));
    // A forged form is refused.
    let forged = multipart(&[("csrf", "forged"), ("address", "x")], &[]);
    let req = Request::builder()
        .method("POST")
        .uri(&step)
        .header(header::COOKIE, &jar)
        .header(header::CONTENT_TYPE, forged.0)
        .body(Body::from(forged.1))
        .unwrap();
    assert_eq!(t.send(req).await.status, StatusCode::BAD_REQUEST);
    t.cleanup().await;
}

#[tokio::test]
async fn one_address_cannot_start_drafts_without_end() {
    let t = TestApp::new().await;
    let jar = format!("porten_csrf={CSRF}");
    for _ in 0..60 {
        let started = t.post_form("/e/pothole/start", &jar, &format!("csrf={CSRF}")).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
    }
    let refused = t.post_form("/e/pothole/start", &jar, &format!("csrf={CSRF}")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("För många försök"));
    // Nor through a step posted to a draft that does not exist (which starts a new one).
    let made_up = post_step(&t, "/e/pothole/made-up/step/where", &jar, &[("address", "x")], &[]).await;
    assert_eq!(made_up.status, StatusCode::TOO_MANY_REQUESTS);
    t.cleanup().await;
}

#[tokio::test]
async fn a_case_officer_sees_a_personnummer_in_full_only_after_saying_why() {
    let t = TestApp::new().await;
    let body = serde_json::json!({
        "service_code": "pothole", "title": "Hål", "description": "Djupt hål", "channel": "phone",
        "stakeholders": [{"role": "reporter", "name": "Tolvan Tolvansson", "personal_number": "19121212-1212"}]
    });
    let id = t.api("POST", "/api/v1/errands", Some(&t.key), Some(body)).await.json()["id"].as_str().unwrap().to_owned();
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&format!("/staff/errands/{id}"), &officer).await;
    assert!(page.body.contains("19121212-****") && !page.body.contains("191212121212"));
    let reveal = format!("/staff/errands/{id}/reveal");
    let no_reason = t.post_form(&reveal, &officer, &format!("csrf={CSRF}&purpose=+")).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("href=\"#purpose\"") && !no_reason.body.contains("191212121212"));
    let shown = t.post_form(&reveal, &officer, &format!("csrf={CSRF}&purpose=Handl%C3%A4ggning")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("191212121212") && shown.body.contains("Visningen är loggad"));
    let again = t.get(&format!("/staff/errands/{id}"), &officer).await;
    assert!(!again.body.contains("191212121212"), "the next view masks the number again");
    t.cleanup().await;
}

#[tokio::test]
async fn the_case_officer_attaches_the_decisions_pdf_and_the_citizen_fetches_it_by_the_tracking_link() {
    let t = TestApp::new().await;
    let jar = format!("porten_csrf={CSRF}");
    let started = t.post_form("/e/pothole/start", &jar, &format!("csrf={CSRF}")).await;
    let where_step = started.header(header::LOCATION).to_owned();
    let what = post_step(&t, &where_step, &jar, &[("action", "next"), ("address", "Sjögatan 14")], &[]).await;
    let what_step = what.header(header::LOCATION).to_owned();
    let fields = [("action", "next"), ("fault", "pothole"), ("description", "Djupt hål"), ("email", "anna@example.se")];
    let review = post_step(&t, &what_step, &jar, &fields, &[]).await.header(header::LOCATION).to_owned();
    let submit = review.replace("/review", "/submit");
    let sent = t.post_form(&submit, &jar, &format!("csrf={CSRF}")).await;
    let tracking = sent.header(header::LOCATION).trim_end_matches("?received=1").to_owned();

    let list = t.api("GET", "/api/v1/errands", Some(&t.key), None).await.json();
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let officer = t.sign_in("case_officer").await;
    let page = format!("/staff/errands/{id}");
    assert!(!t.get(&page, &officer).await.body.contains("/document\""), "no document before the decision");
    let decide = porten_domain::Command::resolve(porten_domain::Outcome::Granted, "Vi lagar hålet i veckan.");
    t.app
        .act_on_errand(&t.user("case_officer"), porten_domain::PublicId::parse(&id).unwrap(), None, decide)
        .await
        .unwrap();
    let decided = t.get(&page, &officer).await;
    assert!(decided.body.contains("enctype=\"multipart/form-data\""), "{}", decided.body);

    // A picture named .pdf: the error summary names the field.
    let upload = format!("{page}/document");
    let picture = post_step(&t, &upload, &officer, &[], &[("document", "beslut.pdf", PNG)]).await;
    assert_eq!(picture.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        picture.body.contains("href=\"#document\"") && picture.body.contains("måste vara en PDF"),
        "{}",
        picture.body
    );
    let pdf: &[u8] = b"%PDF-1.7\n% beslut om potthal";
    let attached = post_step(&t, &upload, &officer, &[], &[("document", "Beslut TK.pdf", pdf)]).await;
    assert_eq!(attached.status, StatusCode::SEE_OTHER, "{}", attached.body);
    let decided = t.get(&page, &officer).await;
    assert!(decided.body.contains(&format!("<a href=\"/staff/errands/{id}/documents/0\">Beslut TK.pdf</a>")));
    let staff_copy = t.get(&format!("/staff/errands/{id}/documents/0"), &officer).await;
    assert_eq!((staff_copy.header(header::CONTENT_TYPE), staff_copy.bytes.as_slice()), ("application/pdf", pdf));

    // The citizen, by the tracking link alone.
    let tracked = t.get(&tracking, "").await;
    assert!(tracked.body.contains(&format!("<a href=\"{tracking}/documents/0\">Beslutsdokument: Beslut TK.pdf</a>")));
    let copy = t.get(&format!("{tracking}/documents/0"), "").await;
    assert_eq!((copy.status, copy.bytes.as_slice()), (StatusCode::OK, pdf));
    assert!(copy.header(header::CONTENT_DISPOSITION).starts_with("attachment;"));
    assert_eq!(t.get(&format!("{tracking}/documents/1"), "").await.status, StatusCode::NOT_FOUND);
    t.cleanup().await;
}
