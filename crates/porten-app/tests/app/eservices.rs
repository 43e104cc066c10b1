//! E-services through App: a citizen fills in the demo's felanmälan step by
//! step, submits once however often they press the button, follows the
//! errand by its tracking link, and replies to the case officer, whose
//! message goes out by mail through the outbox.

use chrono::Duration;

use porten_app::eservices::{CitizenAccess, CitizenEvent, Upload};
use porten_app::jobs::JobRunner;
use porten_app::mail::SmtpSettings;
use porten_app::{AppError, ListQuery};
use porten_domain::errand::Direction;
use porten_domain::eservice::Answers;
use porten_domain::{Actor, Channel, Command, Lifecycle};
use porten_store::{ErrandFilter, MAIL_JOB};

use crate::support::*;

const POTHOLE: &str = include_str!("../../../porten/demo/eservices/pothole.toml");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR bild";

async fn eservice_app() -> TestApp {
    let mut t = TestApp::new().await;
    let definition = porten_app::eservices::parse_definition("pothole.toml", POTHOLE).unwrap();
    t.app = t.app.with_eservices(vec![definition]).with_public_url("https://porten.example");
    t
}

async fn user(t: &TestApp, name: &str) -> Actor {
    t.app.authenticate(name, PASSWORD).await.unwrap().actor()
}

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect()
}

fn photo(content: &[u8], name: &str) -> Vec<Upload> {
    vec![Upload { field: "photo".into(), name: name.into(), content: content.to_vec() }]
}

/// Fills in both steps of the felanmälan anonymously; the draft's id.
async fn filled_in(t: &TestApp, who: &Actor) -> String {
    let id = t.app.start_draft(who, "pothole", None).await.unwrap().draft.id;
    let a = answers(&[("address", "Sjögatan 14")]);
    let out = t.app.save_step(who, &id, "where", a, vec![]).await.unwrap();
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let a = answers(&[("fault", "pothole"), ("description", "Djupt hål"), ("email", "anna@example.se")]);
    let out = t.app.save_step(who, &id, "what", a, photo(PNG, "C:\\bilder\\hål.png")).await.unwrap();
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    id
}

#[tokio::test]
async fn a_step_with_errors_keeps_what_was_typed_and_the_accepted_file() {
    let t = eservice_app().await;
    let id = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    // No description, a bad e-mail address, and an .exe called .png.
    let a = answers(&[("fault", "pothole"), ("email", "anna")]);
    let out = t.app.save_step(&Actor::Visitor, &id, "what", a, photo(b"MZ\x90\0", "bild.png")).await.unwrap();
    let fields: Vec<(&str, &str)> = out.violations.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
    assert_eq!(fields, [("photo", "file_type"), ("description", "required"), ("email", "invalid")]);
    let draft = t.app.open_draft(&Actor::Visitor, &id).await.unwrap().draft;
    assert_eq!(draft.answers["email"], ["anna"], "what was typed is kept, wrong or not");
    assert!(draft.files.is_empty());
    // A good photo with a still-missing description: the photo is kept.
    let a = answers(&[("fault", "pothole"), ("email", "anna@example.se")]);
    let out = t.app.save_step(&Actor::Visitor, &id, "what", a, photo(PNG, "hål.png")).await.unwrap();
    assert_eq!(out.violations.0.len(), 1);
    assert_eq!(t.app.open_draft(&Actor::Visitor, &id).await.unwrap().draft.files[0].media_type, "image/png");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_submitted_felanmalan_is_registered_once_with_its_answers_and_photo() {
    let t = eservice_app().await;
    let id = filled_in(&t, &Actor::Visitor).await;
    let (_, problems) = t.app.review_draft(&Actor::Visitor, &id).await.unwrap();
    assert!(problems.is_empty());
    let token = t.app.submit_draft(&Actor::Visitor, &id, false).await.unwrap();
    assert_eq!(
        t.app.submit_draft(&Actor::Visitor, &id, false).await.unwrap(),
        token,
        "a double submit: the same receipt"
    );
    let officer = t.user("case_officer");
    let page =
        t.app.list_errands(&officer, ListQuery { filter: ErrandFilter::default(), limit: 10, ..Default::default() });
    let page = page.await.unwrap();
    assert_eq!(page.total, 1, "one errand in the owning unit's queue");
    let view = t.app.read_errand(&officer, page.items[0].public_id, None).await.unwrap();
    assert_eq!(view.errand.channel, Channel::Web);
    assert_eq!(view.errand.form["address"], "Sjögatan 14");
    assert_eq!(view.errand.form["photo"], "hål.png", "the file's own name, without the folder");
    let record = t.app.submission(&officer, &view.errand).await.unwrap().unwrap();
    assert_eq!(record.version, 1);
    let (file, content) = t.app.attachment(&officer, view.errand.public_id, 0).await.unwrap();
    assert_eq!((file.media_type.as_str(), content.as_slice()), ("image/png", PNG));
    // Another unit's case officer sees neither the errand nor its file.
    let other = porten_domain::Actor::User {
        id: 999,
        name: "x".into(),
        role: porten_domain::Role::CaseOfficer,
        unit: Some(code("SOF")),
    };
    assert!(matches!(t.app.attachment(&other, view.errand.public_id, 0).await, Err(AppError::NotFound)));
    // The receipt mail is queued, in Swedish, with the tracking link.
    let mails = t.db.store.list_jobs(10).await.unwrap().into_iter().filter(|j| j.kind == MAIL_JOB).count();
    assert_eq!(mails, 1);
    let mail = t.db.store.mail(1).await.unwrap().unwrap();
    assert!(mail.body.contains(&format!("https://porten.example/track/{token}")), "{}", mail.body);
    t.db.cleanup().await;
}

#[tokio::test]
async fn what_a_step_keeps_is_bounded() {
    let t = eservice_app().await;
    let id = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    let mut a = Answers::new();
    a.insert("address".into(), vec!["Torget 1".into(), "Torget 2".into(), "Torget 3".into()]);
    let out = t.app.save_step(&Actor::Visitor, &id, "where", a, vec![]).await.unwrap();
    assert_eq!(out.view.draft.answers["address"], ["Torget 1"], "one answer per field");
    let mut a = Answers::new();
    a.insert("address".into(), vec!["x".repeat(1_000_000)]);
    let out = t.app.save_step(&Actor::Visitor, &id, "where", a, vec![]).await.unwrap();
    assert_eq!(out.view.draft.answers["address"][0].chars().count(), 300, "the field's 200 and a margin");
    assert_eq!(out.violations.0[0].code, "too_long", "and the citizen is told");
    t.db.cleanup().await;
}

#[tokio::test]
async fn an_expired_draft_says_so_and_a_new_one_keeps_the_step_just_sent() {
    let t = eservice_app().await;
    let id = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    t.clock.advance(Duration::days(31));
    assert!(matches!(t.app.open_draft(&Actor::Visitor, &id).await, Err(AppError::Expired)));
    assert!(matches!(t.app.submit_draft(&Actor::Visitor, &id, false).await, Err(AppError::Expired)));
    let a = answers(&[("address", "Sjögatan 14")]);
    assert!(matches!(t.app.save_step(&Actor::Visitor, &id, "where", a.clone(), vec![]).await, Err(AppError::Expired)));
    let out = t.app.restart_step(&Actor::Visitor, "pothole", "where", a, vec![]).await.unwrap();
    assert!(out.restarted);
    assert_ne!(out.view.draft.id, id);
    assert_eq!(out.view.draft.answers["address"], ["Sjögatan 14"]);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_signed_in_citizens_draft_opens_only_for_them_and_their_errand_is_in_mina_arenden() {
    let t = eservice_app().await;
    let anna = t.app.sign_in_with_eid("198112189876", "Anna Andersson").await.unwrap().actor();
    let id = filled_in(&t, &anna).await;
    let unfinished = t.app.my_drafts(&anna).await.unwrap();
    assert_eq!(unfinished.iter().map(|d| d.draft.id.as_str()).collect::<Vec<_>>(), [id.as_str()], "hers to resume");
    assert!(
        matches!(t.app.open_draft(&Actor::Visitor, &id).await, Err(AppError::NotFound)),
        "the link alone is not enough"
    );
    let citizen = user(&t, "citizen").await;
    assert!(matches!(t.app.open_draft(&citizen, &id).await, Err(AppError::NotFound)));
    let token = t.app.submit_draft(&anna, &id, false).await.unwrap();
    assert!(t.app.my_drafts(&anna).await.unwrap().is_empty(), "submitted, no longer a draft");
    assert_eq!(t.app.submitted_draft(&anna, &id).await.unwrap(), Some(token), "back to her receipt");
    assert_eq!(
        t.app.submitted_draft(&Actor::Visitor, &id).await.unwrap(),
        None,
        "the draft's link leads no one else there"
    );
    let mine = t.app.my_errands(&anna).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status.sv, "Mottaget");
    assert!(t.app.my_errands(&citizen).await.unwrap().is_empty());
    // The case officer sees her as the applicant, by personnummer (masked).
    let officer = t.user("case_officer");
    let view = t.app.read_errand(&officer, mine[0].summary.public_id, None).await.unwrap();
    assert_eq!(view.errand.parties[0].name, "Anna Andersson");
    assert!(view.errand.parties[0].personal_number.is_some());
    // The full number takes a reason, which the audit trail keeps.
    let id = mine[0].summary.public_id;
    assert!(matches!(t.app.reveal_errand(&officer, id, " ").await, Err(AppError::Invalid(_))));
    assert!(matches!(
        t.app.reveal_errand(&t.key(&[porten_domain::Scope::ErrandsRead]).await, id, "x").await,
        Err(AppError::Forbidden)
    ));
    let revealed = t.app.reveal_errand(&officer, id, "Handläggning av anmälan").await.unwrap();
    assert_eq!(revealed.errand.parties[0].personal_number.as_ref().unwrap().expose(), "198112189876");
    let trail = t.app.audit_trail(&t.user("system_admin"), &revealed.errand).await.unwrap();
    assert!(
        trail.iter().any(|e| e.action == "errand.reveal" && e.purpose.as_deref() == Some("Handläggning av anmälan"))
    );
    // Someone else's errand is not hers to read.
    let other = CitizenAccess::SignedIn(&citizen, mine[0].summary.public_id);
    assert!(matches!(t.app.citizen_errand(other).await, Err(AppError::NotFound)));
    t.db.cleanup().await;
}

#[tokio::test]
async fn an_agent_fills_in_a_form_for_a_caller_and_the_errand_says_so() {
    let t = eservice_app().await;
    let agent = user(&t, "agent").await;
    assert!(matches!(t.app.start_draft(&agent, "pothole", None).await, Err(AppError::Invalid(_))));
    let id = t.app.start_draft(&agent, "pothole", Some(Channel::Phone)).await.unwrap().draft.id;
    assert!(matches!(t.app.open_draft(&Actor::Visitor, &id).await, Err(AppError::NotFound)));
    let a = answers(&[("address", "Torget")]);
    t.app.save_step(&agent, &id, "where", a, vec![]).await.unwrap();
    let a = answers(&[("fault", "sign"), ("description", "Skylten är nere")]);
    t.app.save_step(&agent, &id, "what", a, vec![]).await.unwrap();
    let token = t.app.submit_draft(&agent, &id, false).await.unwrap();
    let view = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap();
    let staff = t.app.read_errand(&t.user("case_officer"), view.public_id, None).await.unwrap();
    assert_eq!(staff.errand.channel, Channel::Phone);
    assert_eq!(staff.timeline[0].actor_name, "agent", "registered by the agent who helped");
    let record = t.app.submission(&t.user("case_officer"), &staff.errand).await.unwrap().unwrap();
    assert_eq!(record.assisted_by, agent.id());
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_citizen_and_the_case_officer_write_to_each_other_and_mail_goes_out_when_smtp_is_back() {
    let t = eservice_app().await;
    let id = filled_in(&t, &Actor::Visitor).await;
    let token = t.app.submit_draft(&Actor::Visitor, &id, true).await.unwrap();
    let officer = t.user("case_officer");
    let errand = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap().public_id;
    let msg = Command::AddMessage { direction: Direction::Out, body: "Vilken sida av gatan?".into() };
    t.app.act_on_errand(&officer, errand, None, msg).await.unwrap();
    let to_waiting = Command::status(Lifecycle::WaitingForCitizen, None);
    t.app.act_on_errand(&officer, errand, None, to_waiting).await.unwrap();
    let view = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap();
    assert_eq!(view.status.en, "Waiting for your reply");
    assert!(
        view.events
            .iter()
            .any(|(_, e)| *e == CitizenEvent::Message { from_city: true, body: "Vilken sida av gatan?".into() })
    );
    t.app.citizen_reply(CitizenAccess::Token(&token), "Norra sidan").await.unwrap();
    let staff = t.app.read_errand(&officer, errand, None).await.unwrap();
    assert_eq!(staff.errand.lifecycle, Lifecycle::InProgress, "the reply goes back to the case officer");
    let reply = staff.timeline.iter().find(|e| {
        matches!(&e.kind,
        porten_domain::EventKind::Message { direction: Direction::In, body } if body == "Norra sidan")
    });
    let reply = reply.expect("the reply is on the timeline");
    assert_eq!(
        (reply.actor_kind.as_str(), reply.actor_id),
        ("tracking_link", None),
        "by the link's holder, not a user"
    );
    let trail = t.app.audit_trail(&system(), &staff.errand).await.unwrap();
    assert!(trail.iter().any(|e| e.actor_kind == "tracking_link" && e.action == "errand.read"), "{trail:?}");
    assert!(matches!(t.app.citizen_reply(CitizenAccess::Token("guess"), "x").await, Err(AppError::NotFound)));

    // Two mails wait: the receipt (in English) and the message notice. The
    // SMTP server is down: the jobs fail and stay; when it is up they go out.
    let port = SmtpSink::free_port();
    let settings = SmtpSettings::new(&format!("smtp://127.0.0.1:{port}"), "Lindhamns stad <noreply@example.se>");
    let runner =
        JobRunner::new(t.app.clone(), std::time::Duration::from_secs(60), 30).with_mail(Some(settings.unwrap()));
    while runner.run_one().await.unwrap() {}
    assert!(t.db.store.mail(1).await.unwrap().unwrap().sent_at.is_none(), "nothing sent, nothing lost");
    let sink = SmtpSink::start_on(port).await;
    t.clock.advance(Duration::minutes(5));
    while runner.run_one().await.unwrap() {}
    let got = sink.messages();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].contains("Subject: We have received your errand"), "{}", got[0]);
    assert!(got[0].contains(&format!("/track/{token}")));
    assert!(!got[1].contains("Vilken sida"), "the message itself stays out of the mail");
    t.db.cleanup().await;
}

/// An App offering, as the pothole service's e-service, a form of one step
/// `step` with these fields (TOML `[[steps.fields]]` tables).
fn with_form(t: &mut TestApp, step: &str, fields: &str) {
    let definition = porten_app::eservices::parse_definition("test.toml", &form_toml(step, fields)).unwrap();
    t.app = t.app.clone().with_eservices(vec![definition]);
}

/// The TOML of a one-step form with these fields.
fn form_toml(step: &str, fields: &str) -> String {
    format!(
        "service_code = \"pothole\"\nversion = 1\ntitle = {{ sv = \"Prov\", en = \"Test\" }}\n\
         intro = {{ sv = \"Prov.\", en = \"Test.\" }}\n\n[[steps]]\nid = \"{step}\"\n\
         title = {{ sv = \"Steg\", en = \"Step\" }}\n{fields}"
    )
}

#[tokio::test]
async fn a_drafts_files_have_a_quota_and_an_anonymous_draft_lives_days_not_a_month() {
    let mut t = TestApp::new().await;
    // Seven photo fields on one step, to fill a draft's quota.
    let fields: String = (1..=7)
        .map(|i| format!("\n[[steps.fields]]\nname = \"photo{i}\"\nkind = \"file\"\nlabel = {{ sv = \"Bild {i}\", en = \"Photo {i}\" }}\n"))
        .collect();
    with_form(&mut t, "photos", &fields);
    let draft = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft;
    assert_eq!(draft.expires_at - draft.created_at, Duration::days(3), "anonymous: three days");
    let citizen = user(&t, "citizen").await;
    let own = t.app.start_draft(&citizen, "pothole", None).await.unwrap().draft;
    assert_eq!(own.expires_at - own.created_at, Duration::days(30), "signed in: a month");

    // Seven 9 MiB photos: six fit in the 60 MiB quota, the seventh is refused.
    let mut big = PNG.to_vec();
    big.resize(9 * 1024 * 1024, 7);
    let uploads: Vec<Upload> = (1..=7)
        .map(|i| {
            let mut content = big.clone();
            content[100] = i;
            Upload { field: format!("photo{i}"), name: format!("{i}.png"), content }
        })
        .collect();
    let out = t.app.save_step(&Actor::Visitor, &draft.id, "photos", Answers::new(), uploads).await.unwrap();
    let refused: Vec<(&str, &str)> = out.violations.0.iter().map(|v| (v.field.as_str(), v.code)).collect();
    assert_eq!(refused, [("photo7", "quota")]);
    assert_eq!(out.view.draft.files.len(), 6);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_file_of_a_field_hidden_at_submit_is_not_attached() {
    let mut t = TestApp::new().await;
    let fields = r#"
[[steps.fields]]
name = "kind"
kind = "single_choice"
required = true
label = { sv = "Vad?", en = "What?" }
options = [
  { value = "photo", label = { sv = "Med bild", en = "With a photo" } },
  { value = "text", label = { sv = "Bara text", en = "Text only" } },
]

[[steps.fields]]
name = "photo"
kind = "file"
label = { sv = "Bild", en = "Photo" }
show_if = { field = "kind", equals = "photo" }
"#;
    with_form(&mut t, "what", fields);
    let id = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    t.app.save_step(&Actor::Visitor, &id, "what", answers(&[("kind", "photo")]), photo(PNG, "hål.png")).await.unwrap();
    // The citizen changes their mind: text only. The photo stays in the draft but is not sent.
    t.app.save_step(&Actor::Visitor, &id, "what", answers(&[("kind", "text")]), vec![]).await.unwrap();
    let token = t.app.submit_draft(&Actor::Visitor, &id, false).await.unwrap();
    let errand = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap();
    let staff = t.app.read_errand(&t.user("case_officer"), errand.public_id, None).await.unwrap();
    let record = t.app.submission(&t.user("case_officer"), &staff.errand).await.unwrap().unwrap();
    assert!(record.attachments.is_empty(), "{:?}", record.attachments);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_draft_an_agent_fills_in_opens_for_that_agent_and_the_contact_center_only() {
    let t = eservice_app().await;
    let agent = user(&t, "agent").await;
    let id = t.app.start_draft(&agent, "pothole", Some(Channel::Phone)).await.unwrap().draft.id;
    let system = porten_domain::Actor::System { name: "test".into() };
    let kc = porten_domain::UnitCode::parse("KC").unwrap();
    let tk = porten_domain::UnitCode::parse("TK").unwrap();
    t.app.create_user(&system, "colleague", "Kollega", porten_domain::Role::Agent, Some(kc), PASSWORD).await.unwrap();
    let colleague = user(&t, "colleague").await;
    assert!(t.app.open_draft(&colleague, &id).await.is_ok(), "the contact center takes over a call");
    for name in ["case_officer", "unit_admin", "system_admin"] {
        let other = user(&t, name).await;
        assert!(matches!(t.app.open_draft(&other, &id).await, Err(AppError::NotFound)), "{name}");
    }
    t.app.create_user(&system, "tk-agent", "TK", porten_domain::Role::Agent, Some(tk), PASSWORD).await.unwrap();
    let elsewhere = user(&t, "tk-agent").await;
    assert!(matches!(t.app.open_draft(&elsewhere, &id).await, Err(AppError::NotFound)), "another unit's agent");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_personnummer_answer_becomes_a_party_and_the_answers_keep_only_a_reference() {
    let mut t = TestApp::new().await;
    let fields = r#"
[[steps.fields]]
name = "child_name"
kind = "text"
required = true
label = { sv = "Barnets namn", en = "The child's name" }

[[steps.fields]]
name = "child_personnummer"
kind = "personnummer"
required = true
party_role = "concerned"
party_name_field = "child_name"
label = { sv = "Barnets personnummer", en = "The child's personnummer" }
"#;
    with_form(&mut t, "child", fields);
    let id = t.app.start_draft(&Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    let a = answers(&[("child_name", "Lo Andersson"), ("child_personnummer", "20230415-2388")]);
    let out = t.app.save_step(&Actor::Visitor, &id, "child", a, vec![]).await.unwrap();
    assert!(out.violations.is_empty(), "{:?}", out.violations);
    let token = t.app.submit_draft(&Actor::Visitor, &id, false).await.unwrap();
    let public_id = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap().public_id;
    let staff = t.app.read_errand(&t.user("case_officer"), public_id, None).await.unwrap();
    let party = &staff.errand.parties[0];
    assert_eq!(party.role, porten_domain::errand::PartyRole::Concerned);
    assert_eq!(party.name, "Lo Andersson");
    assert_eq!(party.personal_number.as_ref().map(|p| p.expose()), Some("202304152388"));
    assert_eq!(staff.errand.form.get("child_personnummer").map(String::as_str), Some("Se part 1 (berörd)"));
    let form = serde_json::to_string(&staff.errand.form).unwrap();
    assert!(!form.contains("2388") && !form.contains("20230415"), "no personnummer in the answers: {form}");

    // A definition may not make a party of another kind of field, nor take the name from a later field.
    let party_of_text = fields
        .replace("kind = \"text\"\nrequired = true", "kind = \"text\"\nparty_role = \"concerned\"\nrequired = true");
    let later_name = fields.replace("party_name_field = \"child_name\"", "party_name_field = \"nickname\"")
        + "\n[[steps.fields]]\nname = \"nickname\"\nkind = \"text\"\nlabel = { sv = \"Smeknamn\", en = \"Nickname\" }\n";
    for bad in [party_of_text, later_name] {
        assert!(porten_app::eservices::parse_definition("bad.toml", &form_toml("child", &bad)).is_err(), "{bad}");
    }
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_decisions_document_reaches_the_citizen_by_their_link_and_only_deciders_attach_it() {
    let t = eservice_app().await;
    let id = filled_in(&t, &Actor::Visitor).await;
    let token = t.app.submit_draft(&Actor::Visitor, &id, true).await.unwrap();
    let errand = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap().public_id;
    let officer = t.user("case_officer");
    let pdf = b"%PDF-1.7\n% beslut".to_vec();
    let early = t.app.attach_decision_document(&officer, errand, None, "beslut.pdf", pdf.clone()).await;
    assert!(matches!(&early, Err(AppError::Invalid(v)) if v.0[0].code == "no_decision"), "{:?}", early.err());
    let decide = Command::resolve(porten_domain::Outcome::Granted, "Vi lagar hålet i veckan.");
    t.app.act_on_errand(&officer, errand, None, decide).await.unwrap();
    // A picture named .pdf is told by its content.
    let png = t.app.attach_decision_document(&officer, errand, None, "beslut.pdf", PNG.to_vec()).await;
    assert!(matches!(&png, Err(AppError::Invalid(v)) if v.0[0].code == "file_type"), "{:?}", png.err());
    // The contact center helps; it does not decide, so it attaches no decision's document.
    let agent = t.app.attach_decision_document(&t.user("agent"), errand, None, "beslut.pdf", pdf.clone()).await;
    assert!(matches!(agent, Err(AppError::Refused { code: "not_permitted", .. })), "{:?}", agent.err());
    t.app.attach_decision_document(&officer, errand, None, "C:\\Beslut\\beslut TK.pdf", pdf.clone()).await.unwrap();

    let view = t.app.citizen_errand(CitizenAccess::Token(&token)).await.unwrap();
    let document = CitizenEvent::Document { name: "beslut TK.pdf".into(), number: 0 };
    assert!(view.events.iter().any(|(_, e)| *e == document), "{:?}", view.events);
    let fetched = t.app.citizen_document(CitizenAccess::Token(&token), 0).await.unwrap();
    assert_eq!((fetched.name.as_str(), &fetched.content), ("beslut TK.pdf", &pdf));
    assert!(matches!(t.app.citizen_document(CitizenAccess::Token(&token), 1).await, Err(AppError::NotFound)));
    assert!(matches!(t.app.citizen_document(CitizenAccess::Token("guess"), 0).await, Err(AppError::NotFound)));
    // Only through the errand's own access: not as a signed-in citizen who did not send it.
    let stranger = t.app.decision_document(&t.user("citizen"), errand, 0).await;
    assert!(stranger.is_err(), "a stranger read the decision's document");
    assert_eq!(t.app.decision_document(&officer, errand, 0).await.unwrap().content, pdf);
    t.db.cleanup().await;
}
