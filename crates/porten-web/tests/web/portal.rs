//! The public portal and the knowledge base over HTTP: browsing in Swedish
//! order, service and contact pages, search (pages and API), article
//! feedback, and the editors' draft → publish → search loop.

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use chrono::TimeZone;
use porten_domain::{Audience, Channel, Scope, Service};

use crate::support::{CSRF, TestApp, code, system};

fn anon() -> String {
    format!("porten_csrf={CSRF}")
}

/// The visible text of a page, tags removed and spaces collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Posts a form; `csrf=x` stands for the jar's own form token.
async fn post(t: &TestApp, uri: &str, jar: &str, body: &str) -> crate::support::Reply {
    t.post_form(uri, jar, &body.replacen("csrf=x", &format!("csrf={CSRF}"), 1)).await
}

async fn add_service(t: &TestApp, code_: &str, name: &str) {
    let service = Service {
        code: code_.into(),
        unit: code("TK"),
        name_sv: name.into(),
        name_en: format!("{name} (en)"),
        description_sv: format!("{name} gäller gator. Mer text."),
        description_en: "About streets.".into(),
        audiences: vec![Audience::Resident, Audience::Senior],
        channels: vec![Channel::Web, Channel::Phone, Channel::Open311, Channel::Api],
        open311_code: None,
        public_reports: false,
        confidential: false,
        status_names_sv: BTreeMap::new(),
        status_names_en: BTreeMap::new(),
        keywords: vec!["gatsten".into()],
        processing_time_sv: Some("Vi svarar inom två veckor.".into()),
        processing_time_en: Some("We answer within two weeks.".into()),
        sla: None,
        skill: None,
    };
    t.app.define_service(&system(), &service).await.unwrap();
}

#[tokio::test]
async fn lists_are_in_swedish_order_and_service_pages_say_how_to_apply() {
    let t = TestApp::new().await;
    for (c, name) in [("oversyn", "Översyn av gatan"), ("asfalt", "Asfaltering"), ("atervinning", "Återvinning")] {
        add_service(&t, c, name).await;
    }
    let page = text(&t.get("/for/senior", &anon()).await.body);
    let positions: Vec<usize> =
        ["Asfaltering", "Återvinning", "Översyn av gatan"].iter().map(|n| page.find(n).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "Swedish order (å, ä, ö after z): {page}");

    let service = text(&t.get("/services/asfalt", &anon()).await.body);
    assert!(service.contains("Ring Kontaktcenter på 070-174 06 05"), "{service}");
    assert!(service.contains("Vi svarar inom två veckor."), "{service}");
    assert!(service.contains("Enhet TK"), "{service}");
    assert!(!service.contains("systemintegration") && !service.contains("Open311"), "internal channels: {service}");
    let english = text(&t.get("/services/asfalt?lang=en", &anon()).await.body);
    assert!(english.contains("We answer within two weeks."), "{english}");

    let home = t.get("/", &anon()).await;
    assert!(home.body.contains(r#"action="/sok""#) && home.body.contains(r#"href="/amne/gator""#));
    assert!(home.body.contains(r#"href="/kontakt""#), "the contact page is linked from every page");
    assert_eq!(t.get("/for/aliens", &anon()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/amne/nothing", &anon()).await.status, StatusCode::NOT_FOUND);
    t.cleanup().await;
}

#[tokio::test]
async fn the_contact_page_shows_the_calendars_holidays_and_eves() {
    let t = TestApp::new().await;
    t.clock.set(chrono::Utc.with_ymd_and_hms(2026, 12, 23, 9, 0, 0).unwrap());
    let page = text(&t.get("/kontakt", &anon()).await.body);
    assert!(page.contains("onsdag 23/12 (idag) 08.00–13.00 09.00–12.00"), "the day before julafton: {page}");
    assert!(page.contains("torsdag 24/12 Stängt julafton"), "{page}");
    assert!(page.contains("fredag 25/12 Stängt juldagen"), "{page}");
    assert!(page.contains("Idag har vi öppet i telefon 08.00–13.00."), "{page}");
    assert!(page.contains("Få hjälp med e-legitimation eller inloggning"), "{page}");
    t.cleanup().await;
}

#[tokio::test]
async fn search_finds_by_stem_shows_internal_articles_to_staff_only_and_logs_no_personal_data() {
    let t = TestApp::new().await;
    let found = t.get("/sok?q=gatorna", &anon()).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Hål i gatan – så anmäler du"), "{}", found.body);
    assert!(found.body.contains("<mark>"), "highlighted snippet");
    assert!(!found.body.contains("Rutin för samtal"), "internal articles are for staff");
    let agent = t.sign_in("agent").await;
    assert!(t.get("/sok?q=rutin", &agent).await.body.contains("Rutin för samtal om gatuhål"));
    assert_eq!(t.get("/kunskap/intern-rutin", &anon()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/kunskap/intern-rutin", &agent).await.status, StatusCode::OK);

    // Following a result goes to it; a made-up key goes nowhere.
    let follow = t.get("/sok/till?q=gatan&key=article%3Ahal-i-gatan", &anon()).await;
    assert_eq!(follow.header(header::LOCATION), "/kunskap/hal-i-gatan");
    assert_eq!(t.get("/sok/till?q=x&key=article%3Aintern-rutin", &anon()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/sok/till?q=x&key=https%3A%2F%2Fevil.example", &anon()).await.status, StatusCode::NOT_FOUND);

    // Editors see what was searched, the words the index knows; never a
    // personnummer (full-width digits too), and no name or street.
    t.get("/sok?q=akut+xyzzyplugh", &anon()).await;
    // A word of the language's word list is kept though no text uses it; a
    // name in the list (capitalised there) is not.
    let _ = t.app.clone().with_word_list(porten_app::search::WordList::parse(b"parkering\nAnna\n"));
    t.get("/sok?q=anna+parkering", &anon()).await;
    t.get("/sok?q=191212121212", &anon()).await;
    t.get("/sok?q=%EF%BC%91%EF%BC%99%EF%BC%91%EF%BC%92%EF%BC%91%EF%BC%92%EF%BC%91%EF%BC%92-%EF%BC%91%EF%BC%92%EF%BC%91%EF%BC%92", &anon()).await;
    t.get("/sok?q=anna+andersson+sjogatan+fem+g%C3%A5ngv%C3%A4gen", &anon()).await;
    let admin = t.sign_in("unit_admin").await;
    let insights = t.get("/staff/sokstatistik", &admin).await;
    assert_eq!(insights.status, StatusCode::OK);
    assert!(insights.body.contains("akut …"), "the known word kept, the unknown masked: {}", insights.body);
    assert!(insights.body.contains("… parkering"), "a word of the word list kept: {}", insights.body);
    for personal in ["xyzzyplugh", "191212121212", "１９１２", "anna", "andersson", "sjogatan"] {
        assert!(!insights.body.contains(personal), "{personal} was kept");
    }
    t.cleanup().await;
}

#[tokio::test]
async fn the_search_api_answers_ranked_results_and_problems_for_bad_input() {
    let t = TestApp::new().await;
    let key = t.app.create_api_key(&system(), "Webbplats", &[Scope::CatalogueRead], None).await.unwrap().secret;
    let reply = t.api("GET", "/api/v1/search?q=h%C3%A5l+i+gatan&lang=sv", Some(&key), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["results"][0]["id"], "article:hal-i-gatan");
    assert_eq!(json["results"][0]["kind"], "article");
    assert_eq!(json["results"][0]["url"], "/kunskap/hal-i-gatan");
    assert!(json["results"][0]["snippet_html"].as_str().unwrap().contains("<mark>"));
    assert!(json["results"].as_array().unwrap().iter().all(|r| r["id"] != "article:intern-rutin"));
    let bad = t.api("GET", "/api/v1/search?q=&lang=fi&limit=500", Some(&key), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.header(header::CONTENT_TYPE), "application/problem+json");
    let fields: Vec<String> =
        bad.json()["violations"].as_array().unwrap().iter().map(|v| v["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["q", "limit", "lang"]);
    t.cleanup().await;
}

#[tokio::test]
async fn an_article_takes_an_answer_and_keeps_a_comment_that_is_too_long() {
    let t = TestApp::new().await;
    let page = t.get("/kunskap/hal-i-gatan", &anon()).await;
    assert!(page.body.contains("Fick du svar på din fråga?"));
    assert!(page.body.contains("<h2>Akut</h2>") && page.body.contains("<li>Ring trafikjouren</li>"));
    let sent = post(&t, "/kunskap/hal-i-gatan/svar", &anon(), "csrf=x&helpful=no&comment=Saknar+telefonnummer").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(sent.header(header::LOCATION), "/kunskap/hal-i-gatan?tack=1#feedback");
    assert!(t.get("/kunskap/hal-i-gatan?tack=1", &anon()).await.body.contains("Tack för ditt svar!"));
    let admin = t.sign_in("unit_admin").await;
    let editor = t.get("/staff/kunskap/hal-i-gatan", &admin).await;
    assert!(editor.body.contains("Saknar telefonnummer"), "editors read the comments");

    let long = "x".repeat(1001);
    let refused = post(&t, "/kunskap/hal-i-gatan/svar", &anon(), &format!("csrf=x&helpful=yes&comment={long}")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(&long), "what was typed is kept");
    assert!(refused.body.contains("Skriv högst 1 000 tecken"));
    let unanswered = post(&t, "/kunskap/hal-i-gatan/svar", &anon(), "csrf=x&comment=Hmm").await;
    assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unanswered.body.contains("Välj ja eller nej") && unanswered.body.contains(">Hmm</textarea>"));
    assert!(
        unanswered.body.contains(r#"<p class="error-message" id="helpful-error">"#),
        "the message by the question too"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn editors_draft_publish_and_roll_back_and_only_published_text_is_public_and_searchable() {
    let t = TestApp::new().await;
    let admin = t.sign_in("unit_admin").await;
    let form = "csrf=x&slug=vinterdack&unit=TK&topic=gator&visibility=public&title_sv=Vinterd%C3%A4ck+p%C3%A5+bussen\
                &summary_sv=Om+d%C3%A4cken.&body_sv=Bussarna+har+vinterd%C3%A4ck.&audiences=resident&audiences=senior\
                &services=pothole&keywords=dubbdäck&action=save";
    let saved = post(&t, "/staff/kunskap", &admin, form).await;
    assert_eq!(saved.header(header::LOCATION), "/staff/kunskap/vinterdack?saved=1");
    assert_eq!(t.get("/kunskap/vinterdack", &anon()).await.status, StatusCode::NOT_FOUND, "a draft is not public");
    assert!(!t.get("/sok?q=vinterd%C3%A4ck", &anon()).await.body.contains("Vinterdäck på bussen"));

    let published =
        post(&t, "/staff/kunskap", &admin, &format!("{}&existing=1", form.replace("action=save", "action=publish")))
            .await;
    assert_eq!(published.header(header::LOCATION), "/staff/kunskap/vinterdack?saved=2");
    assert!(t.get("/kunskap/vinterdack", &anon()).await.body.contains("Bussarna har vinterdäck."));
    assert!(
        t.get("/sok?q=dubbd%C3%A4ck", &anon()).await.body.contains("Vinterdäck på bussen"),
        "keywords are searched"
    );

    let changed = form
        .replace("Bussarna+har+vinterd%C3%A4ck.", "Bussarna+har+dubbfria+d%C3%A4ck.")
        .replace("action=save", "action=publish");
    let changed = format!("{changed}&existing=1");
    assert_eq!(post(&t, "/staff/kunskap", &admin, &changed).await.status, StatusCode::SEE_OTHER);
    assert!(t.get("/kunskap/vinterdack", &anon()).await.body.contains("dubbfria"));
    let back = post(&t, "/staff/kunskap/vinterdack/publicera", &admin, "csrf=x&version=2").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(t.get("/kunskap/vinterdack", &anon()).await.body.contains("Bussarna har vinterdäck."), "rolled back");
    let editor = t.get("/staff/kunskap/vinterdack", &admin).await.body;
    assert!(editor.contains("Publicera version 3") && editor.contains("Version 1"), "history: {editor}");
    assert!(editor.contains("utkast, inte publicerad"), "version 3 is newer than the published one: {editor}");
    assert!(editor.contains(", unit_admin – "), "each version names who saved it: {editor}");

    // An editor previews any version as the public would see it.
    let preview = t.get("/staff/kunskap/vinterdack/version/3", &admin).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("dubbfria") && preview.body.contains("Förhandsgranskning av version 3"));
    assert!(!preview.body.contains("Fick du svar"), "no feedback form on a preview");
    assert_eq!(t.get("/staff/kunskap/vinterdack/version/9", &admin).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/staff/kunskap/vinterdack/version/abc", &admin).await.status, StatusCode::NOT_FOUND);
    // And sees what changed between two versions, word by word.
    let compared = t.get("/staff/kunskap/vinterdack/jamfor?fran=2&till=3", &admin).await;
    assert_eq!(compared.status, StatusCode::OK);
    assert!(compared.body.contains("Bussarna har <del>"), "{}", compared.body);
    assert!(compared.body.contains("vinterdäck.</del><ins>") && compared.body.contains("dubbfria däck.</ins>"));
    assert!(!compared.body.contains("Rubrik</h2>"), "an unchanged title is not listed");
    let editor = t.get("/staff/kunskap/vinterdack", &admin).await.body;
    assert!(editor.contains("/staff/kunskap/vinterdack/jamfor?fran=2&amp;till=3"));
    let to_published = t.get("/staff/kunskap/vinterdack/jamfor", &admin).await.body;
    assert!(to_published.contains("från version 2 till version 3"), "newest against the published one");

    // Unpublished, it leaves the website and search; its versions stay, and
    // publishing one brings it back.
    let gone = post(&t, "/staff/kunskap/vinterdack/avpublicera", &admin, "csrf=x").await;
    assert_eq!(gone.header(header::LOCATION), "/staff/kunskap/vinterdack?avpublicerad=1");
    assert_eq!(t.get("/kunskap/vinterdack", &anon()).await.status, StatusCode::NOT_FOUND);
    assert!(!t.get("/sok?q=dubbd%C3%A4ck", &anon()).await.body.contains("Vinterdäck på bussen"));
    let editor = t.get("/staff/kunskap/vinterdack?avpublicerad=1", &admin).await.body;
    assert!(editor.contains("Artikeln är avpublicerad"), "the editor is told it happened");
    assert!(editor.contains("inte publicerad") && editor.contains("Publicera version 2"), "{editor}");
    assert!(!editor.contains(r#"href="/kunskap/vinterdack""#), "no link to a page that is gone");
    let again = post(&t, "/staff/kunskap/vinterdack/publicera", &admin, "csrf=x&version=2").await;
    assert_eq!(again.header(header::LOCATION), "/staff/kunskap/vinterdack?publicerad=2");
    assert!(t.get("/kunskap/vinterdack", &anon()).await.body.contains("Bussarna har vinterdäck."));
    assert!(t.get("/sok?q=dubbd%C3%A4ck", &anon()).await.body.contains("Vinterdäck på bussen"));

    // A new article may not take an existing address; errors keep what was typed.
    let taken = post(&t, "/staff/kunskap", &admin, form).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("Vinterdäck på bussen") && taken.body.contains(r##"href="#slug""##));
    let empty = post(&t, "/staff/kunskap", &admin, "csrf=x&slug=tom&unit=TK&visibility=public&title_en=Only").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title_sv", "summary_sv", "body_sv", "summary_en", "body_en"] {
        assert!(empty.body.contains(&format!(r##"href="#{field}""##)), "{field} in the summary");
    }
    // A unit admin writes for their own unit only.
    let other = post(
        &t,
        "/staff/kunskap",
        &admin,
        &form.replace("slug=vinterdack", "slug=bistand").replace("unit=TK", "unit=SOF"),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.body.contains("Ditt konto har inte tillgång"), "a signed-in editor is not asked to sign in");
    t.cleanup().await;
}

#[tokio::test]
async fn a_synonym_an_editor_adds_finds_the_citys_word() {
    let t = TestApp::new().await;
    assert!(!t.get("/sok?q=potth%C3%A5l", &anon()).await.body.contains("Hål i gatan"));
    // A unit admin reads the city-wide synonyms but does not change them.
    let unit_admin = t.sign_in("unit_admin").await;
    let refused = post(&t, "/staff/synonymer", &unit_admin, "csrf=x&term=Potth%C3%A5l&words=h%C3%A5l").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!t.get("/staff/synonymer", &unit_admin).await.body.contains("action=\"/staff/synonymer\""));
    let admin = t.sign_in("system_admin").await;
    let added = post(&t, "/staff/synonymer", &admin, "csrf=x&term=Potth%C3%A5l&words=h%C3%A5l").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(t.get("/staff/synonymer", &admin).await.body.contains("potthål"));
    assert!(t.get("/sok?q=potth%C3%A5l", &anon()).await.body.contains("Hål i gatan"));
    let bad = post(&t, "/staff/synonymer", &admin, "csrf=x&term=tv%C3%A5+ord&words=").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("två ord"), "what was typed is kept");
    post(&t, "/staff/synonymer/ta-bort", &admin, "csrf=x&term=potth%C3%A5l").await;
    assert!(!t.get("/sok?q=potth%C3%A5l", &anon()).await.body.contains("Hål i gatan"));
    t.cleanup().await;
}
