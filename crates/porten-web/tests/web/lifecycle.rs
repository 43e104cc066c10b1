//! The lifecycle as staff and citizens read it: one word per state and
//! audience on every surface, decisions, and the rules per role.

use axum::http::StatusCode;
use porten_domain::{Command, Lifecycle, Outcome, PublicId, Viewer};

use crate::support::{CSRF, TestApp, system};

/// The text right after `marker` up to the next tag.
fn after<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {body}")) + marker.len();
    body[start..].split('<').next().unwrap().trim()
}

/// The table row of the errand `id` in a list page.
fn row<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body.find(&format!("/staff/errands/{id}")).unwrap_or_else(|| panic!("no row for {id}"));
    &body[start..start + body[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn every_state_reads_the_same_on_every_surface_in_both_languages() {
    let t = TestApp::new().await;
    let (token, id) = crate::support::submitted_pothole(&t).await;
    let public_id = PublicId::parse(&id).unwrap();
    // The service names one state in its own citizen words, in both languages.
    let errand = t.app.read_errand(&system(), public_id, None).await.unwrap();
    let mut pothole = errand.service.unwrap();
    pothole.status_names_sv.insert(Lifecycle::InProgress, "Åtgärdas".into());
    pothole.status_names_en.insert(Lifecycle::InProgress, "Being fixed".into());
    t.app.define_service(&system(), &pothole).await.unwrap();

    let officer = t.sign_in("case_officer").await;
    let steps = [
        None,
        Some(Command::status(Lifecycle::Open, None)),
        Some(Command::status(Lifecycle::InProgress, None)),
        Some(Command::status(Lifecycle::WaitingForCitizen, None)),
        Some(Command::resolve(Outcome::Answered, "Hålet är lagat.")),
        Some(Command::status(Lifecycle::Closed, None)),
    ];
    for (state, step) in Lifecycle::ALL.into_iter().zip(steps) {
        if let Some(command) = step {
            t.app.act_on_errand(&t.user("case_officer"), public_id, None, command).await.unwrap();
        }
        for (lang, pick) in [("sv", 0), ("en", 1)] {
            let word = |viewer| {
                let (sv, en) = porten_domain::catalogue::status_words(Some(&pothole), state, viewer);
                [sv, en][pick]
            };
            let jar = format!("{officer}; lang={lang}");
            let list = t.get("/staff/errands", &jar).await;
            let staff_word = word(Viewer::Staff);
            assert!(row(&list.body, &id).contains(&format!("<td>{staff_word}</td>")), "{state:?} {lang} list");
            let page = t.get(&format!("/staff/errands/{id}"), &jar).await;
            assert_eq!(after(&page.body, "Status</dt><dd>"), staff_word, "{state:?} {lang} errand page");
            let track = t.get(&format!("/track/{token}"), &format!("porten_csrf={CSRF}; lang={lang}")).await;
            assert_eq!(after(&track.body, "<dd><strong>"), word(Viewer::Citizen), "{state:?} {lang} tracking");
        }
    }
    // The timelines name every state passed through, each in its audience's words.
    let page = t.get(&format!("/staff/errands/{id}"), &officer).await;
    let track = t.get(&format!("/track/{token}"), &format!("porten_csrf={CSRF}")).await;
    for state in &Lifecycle::ALL[1..] {
        assert!(page.body.contains(state.words(Viewer::Staff).0), "{state:?} on the staff timeline");
        let citizen = porten_domain::catalogue::status_words(Some(&pothole), *state, Viewer::Citizen).0;
        assert!(track.body.contains(&format!("Status: {citizen}")), "{state:?} on the tracking page");
    }
    assert!(page.body.contains("Beslut: Besvarat"), "the decision on the staff timeline");
    assert!(track.body.contains("Beslut: Besvarat: Hålet är lagat."), "the decision where the citizen reads it");
    t.cleanup().await;
}

#[tokio::test]
async fn the_contact_center_hands_over_but_cannot_close_another_units_errand() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let agent = t.sign_in("agent").await;
    let path = format!("/staff/errands/{}", errand.public_id);
    let page = t.get(&path, &agent).await;
    assert!(!page.body.contains("name=\"outcome\""), "no decision form for the contact center");
    assert!(!page.body.contains("<option value=\"closed\""), "no closing for the contact center");
    assert!(page.body.contains("<option value=\"in_progress\""));

    // Posted anyway, the move is refused with a message, and nothing changes.
    let form = format!("csrf={CSRF}&version=1&status=closed&reason=Dubblett");
    let refused = t.post_form(&format!("{path}/status"), &agent, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Din roll får inte göra den ändringen"), "{}", refused.body);
    let now = t.app.read_errand(&system(), errand.public_id, None).await.unwrap().errand;
    assert_eq!((now.lifecycle, now.version), (Lifecycle::New, 1));

    // The case officer resolves it with a decision; without one the form
    // comes back with the typed text kept.
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&path, &officer).await;
    assert!(page.body.contains("name=\"outcome\""), "the owning unit decides");
    let missing = format!("csrf={CSRF}&version=1&status=resolved&outcome=&decision=Lagas+i+veckan");
    let kept = t.post_form(&format!("{path}/status"), &officer, &missing).await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(kept.body.contains("Beslut måste fyllas i"), "{}", kept.body);
    assert!(kept.body.contains(">Lagas i veckan</textarea>"));
    let decided = format!("csrf={CSRF}&version=1&status=resolved&outcome=granted&decision=Lagas+i+veckan");
    let done = t.post_form(&format!("{path}/status"), &officer, &decided).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let now = t.app.read_errand(&system(), errand.public_id, None).await.unwrap().errand;
    assert_eq!(now.lifecycle, Lifecycle::Resolved);
    t.cleanup().await;
}

#[tokio::test]
async fn an_agent_assigns_hands_over_and_escalates_from_the_errand_page() {
    let t = TestApp::new().await;
    let question = t.errand("general-question", false).await;
    let agent = t.sign_in("agent").await;
    let path = format!("/staff/errands/{}", question.public_id);
    let page = t.get(&path, &agent).await;
    // KC's own errand: its colleagues are the contact center's agents; the
    // other units are there to hand over to.
    assert!(page.body.contains("<option value=\"TK\">Enhet TK</option>"), "{}", page.body);
    assert!(!page.body.contains("<option value=\"KC\""), "not the unit it is in");
    let officer_id = t.user("case_officer").id().unwrap();
    assert!(!page.body.contains(&format!("<option value=\"{officer_id}\"")), "TK's officer works TK's errands");

    let post = |what: &str, form: String| {
        let uri = format!("{path}/{what}");
        let jar = agent.clone();
        let t = &t;
        async move { t.post_form(&uri, &jar, &format!("csrf={CSRF}&{form}")).await }
    };
    assert_eq!(post("priority", "version=1&priority=high".into()).await.status, StatusCode::SEE_OTHER);
    let escalated = post("escalate", "version=2&reason=Tredje+samtalet".into()).await;
    assert_eq!(escalated.status, StatusCode::SEE_OTHER);
    // A handover without a reason comes back with the unit still chosen.
    let bare = post("handover", "version=3&unit=TK&reason=".into()).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("href=\"#handover-reason\""), "{}", bare.body);
    assert!(bare.body.contains("<option value=\"TK\" selected>"));
    let handed = post("handover", "version=3&unit=TK&reason=Gäller+gatan".into()).await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.body);

    let now = t.app.read_errand(&system(), question.public_id, None).await.unwrap();
    assert_eq!((now.errand.unit.as_str(), now.errand.priority), ("TK", porten_domain::Priority::Urgent));
    let kinds: Vec<&str> = now.timeline.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(kinds, ["registered", "priority_changed", "escalated", "handed_over"]);
    // Now TK's: its case officer assigns it to himself from the list of colleagues.
    let officer = t.sign_in("case_officer").await;
    let page = t.get(&path, &officer).await;
    assert!(page.body.contains(&format!("<option value=\"{officer_id}\">case_officer</option>")));
    let assign = format!("csrf={CSRF}&version=4&assignee={officer_id}");
    assert_eq!(t.post_form(&format!("{path}/assign"), &officer, &assign).await.status, StatusCode::SEE_OTHER);
    let now = t.app.read_errand(&system(), question.public_id, None).await.unwrap().errand;
    assert_eq!((now.assignee, now.lifecycle), (Some(officer_id), Lifecycle::Open));
    t.cleanup().await;
}

#[tokio::test]
async fn an_unknown_filter_or_sort_is_refused_with_the_allowed_ones() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let api = t.api("GET", "/api/v1/errands?registry_number=TK+2026%2F00001", Some(&t.key), None).await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
    assert_eq!(api.header(axum::http::header::CONTENT_TYPE), "application/problem+json");
    let v = &api.json()["violations"][0];
    assert_eq!((v["field"].as_str(), v["code"].as_str()), (Some("registry_number"), Some("unknown")));
    assert!(v["message"].as_str().unwrap().contains("unit, status, active"), "{v}");
    let sort = t.api("GET", "/api/v1/errands?sort=due_date", Some(&t.key), None).await;
    assert_eq!(sort.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(sort.body.contains("newest, oldest, priority, last_activity"), "{}", sort.body);
    let sorted = t.api("GET", "/api/v1/errands?sort=priority&limit=1", Some(&t.key), None).await;
    assert_eq!(sorted.status, StatusCode::OK, "{}", sorted.body);

    let agent = t.sign_in("agent").await;
    let page = t.get("/staff/errands?registry_number=TK", &agent).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Okänt filter: registry_number"), "{}", page.body);
    assert!(!page.body.contains(&format!("/staff/errands/{}", errand.public_id)), "no list of everything");
    let oldest = t.get("/staff/errands?sort=oldest", &agent).await;
    assert_eq!(oldest.status, StatusCode::OK);
    assert!(oldest.body.contains("<option value=\"oldest\" selected>"));
    t.cleanup().await;
}

#[tokio::test]
async fn an_eservice_errand_reads_as_what_it_is_with_labels_and_the_reporters_address() {
    let t = TestApp::new().await;
    let visitor = porten_domain::Actor::Visitor;
    let id = t.app.start_draft(&visitor, "pothole", None).await.unwrap().draft.id;
    let one = |k: &str, v: &str| (k.to_owned(), vec![v.to_owned()]);
    let answers = [one("address", "Sjögatan 14")].into_iter().collect();
    t.app.save_step(&visitor, &id, "where", answers, vec![]).await.unwrap();
    let answers = [one("fault", "pothole"), one("description", "Djupt hål"), one("email", "anna@example.org")];
    t.app.save_step(&visitor, &id, "what", answers.into_iter().collect(), vec![]).await.unwrap();
    let token = t.app.submit_draft(&visitor, &id, false).await.unwrap();
    let access = porten_app::eservices::CitizenAccess::Token(&token);
    let errand = t.app.citizen_errand(access).await.unwrap().public_id;

    let officer = t.sign_in("case_officer").await;
    let list = t.get("/staff/errands", &officer).await;
    assert!(row(&list.body, &errand.to_string()).contains("Hål i vägen – Sjögatan 14"), "{}", list.body);
    let page = t.get(&format!("/staff/errands/{errand}"), &officer).await;
    assert!(page.body.contains("<dd class=\"prewrap\">Hål i vägen</dd>"), "the label, not the code");
    assert!(page.body.contains("Namn ej angivet (anmälare), anna@example.org"), "{}", page.body);
    let english = t.get(&format!("/staff/errands/{errand}"), &format!("{officer}; lang=en")).await;
    assert!(english.body.contains("<dd class=\"prewrap\">Pothole</dd>"));
    t.cleanup().await;
}

#[tokio::test]
async fn errands_are_linked_both_ways_and_a_duplicate_merged_into_its_survivor() {
    let t = TestApp::new().await;
    let a = t.errand("pothole", false).await;
    let b = t.errand("pothole", false).await;
    let dup = t.errand("pothole", false).await;
    let officer = t.sign_in("case_officer").await;
    let post = |id: &porten_domain::PublicId, form: String| {
        let (uri, jar) = (format!("/staff/errands/{id}/link"), officer.clone());
        let t = &t;
        async move { t.post_form(&uri, &jar, &format!("csrf={CSRF}&{form}")).await }
    };
    // Typed as people type it: lower case, no space, no leading zeros.
    let typed = b.registry_number.to_string().to_lowercase().replace(' ', "").replace("/0000", "/");
    let linked = post(&a.public_id, format!("other={}&action=link", typed.replace('/', "%2F"))).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{typed}: {}", linked.body);
    for (page, other) in [(&a, &b), (&b, &a)] {
        let body = t.get(&format!("/staff/errands/{}", page.public_id), &officer).await.body;
        assert!(body.contains(&format!(
            "<a href=\"/staff/errands/{}\">{}</a> – relaterat",
            other.public_id, other.registry_number
        )));
    }
    let unknown = post(&a.public_id, "other=TK+2026%2F09999&action=link".into()).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("Inget ärende med det diarienumret"));
    assert!(unknown.body.contains("value=\"TK 2026/09999\""), "what was typed is kept");

    // The contact center may not close TK's errand, so it may not merge it:
    // neither errand changes.
    let agent = t.sign_in("agent").await;
    let form = format!(
        "csrf={CSRF}&other={}&action=merge",
        a.registry_number.to_string().replace(' ', "+").replace('/', "%2F")
    );
    let refused = t.post_form(&format!("/staff/errands/{}/link", dup.public_id), &agent, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let survivor_version = t.app.read_errand(&t.user("case_officer"), a.public_id, None).await.unwrap().errand.version;
    assert_eq!(survivor_version, 2, "only the link so far");

    let merged = t.post_form(&format!("/staff/errands/{}/link", dup.public_id), &officer, &form).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let dup_now = t.app.read_errand(&t.user("case_officer"), dup.public_id, None).await.unwrap();
    assert_eq!(dup_now.errand.lifecycle, Lifecycle::Closed);
    assert_eq!(dup_now.errand.registry_number, dup.registry_number, "it keeps its number");
    let page = t.get(&format!("/staff/errands/{}", dup.public_id), &officer).await;
    assert!(page.body.contains("detta ärende är en dubblett av det"));
    assert!(page.body.contains(&format!("Dubblett av {}", a.registry_number)));
    let survivor = t.get(&format!("/staff/errands/{}", a.public_id), &officer).await;
    assert!(survivor.body.contains("dubblett sammanslagen hit"));
    t.cleanup().await;
}

#[tokio::test]
async fn a_reply_is_drafted_from_a_public_article_and_edited_before_it_is_sent() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let agent = t.sign_in("agent").await;
    let path = format!("/staff/errands/{}", errand.public_id);
    let page = t.get(&path, &agent).await;
    assert!(page.body.contains("<option value=\"hal-i-gatan\">Hål i gatan – så anmäler du</option>"));
    assert!(!page.body.contains("value=\"intern-rutin\""), "internal guidance is never a reply");
    let drafted = t.get(&format!("{path}?reply=hal-i-gatan"), &agent).await;
    assert_eq!(drafted.status, StatusCode::OK);
    let textarea = drafted.body.split("name=\"body\" rows=\"12\"").nth(1).expect("the message, drafted");
    let textarea = textarea.replace("&#x2f;", "/").replace("&#47;", "/");
    assert!(textarea.contains("Hej!\n\nSå gör du när du ser ett hål i gatan."), "{textarea}");
    assert!(
        textarea.contains("Läs mer: http://localhost:8080/kunskap/hal-i-gatan"),
        "a link on the portal: {textarea}"
    );
    assert_eq!(t.get(&format!("{path}?reply=intern-rutin"), &agent).await.status, StatusCode::NOT_FOUND);
    // Edited, then sent: the citizen gets the edited text.
    let body = "Hej! Vi lagar hålet i veckan. Läs mer: /kunskap/hal-i-gatan";
    let form = format!("csrf={CSRF}&version=1&body={}", body.replace(' ', "+").replace('/', "%2F").replace('!', "%21"));
    let sent = t.post_form(&format!("{path}/message"), &agent, &form).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let view = t.app.read_errand(&system(), errand.public_id, None).await.unwrap();
    let last = view.timeline.last().map(|e| e.kind.clone());
    assert_eq!(
        last,
        Some(porten_domain::EventKind::Message { direction: porten_domain::Direction::Out, body: body.into() })
    );
    t.cleanup().await;
}
