//! E-mail intake (issue 20): mails as Gmail, Outlook and Apple Mail write
//! them (fixtures in `mail/`, sent over the wire with CRLF) open errands,
//! thread back to them only from their parties, never loop with machines,
//! and answers by mail thread back.

use chrono::Duration;
use porten_app::intake::{Intake, IntakeSettings};
use porten_app::jobs::JobRunner;
use porten_app::mail::SmtpSettings;
use porten_domain::errand::{Direction, EventKind};
use porten_domain::mail::NotJoined;
use porten_domain::{Channel, Command, Errand, Lifecycle, TimelineEvent};

use crate::support::{SmtpSink, TestApp, system};

/// A fixture with the errand's number and the auto-reply's Message-ID put
/// in, as it comes over the wire.
fn fixture(name: &str, number: &str, message_id: &str) -> Vec<u8> {
    let path = format!("{}/tests/app/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.replace("{{NUMBER}}", number).replace("{{MESSAGE_ID}}", message_id).replace('\n', "\r\n").into_bytes()
}

fn settings() -> IntakeSettings {
    IntakeSettings {
        routes: vec![("gator@example.org".into(), "pothole".into())],
        own_addresses: vec!["noreply@example.org".into()],
        ..IntakeSettings::default()
    }
}

async fn timeline(t: &TestApp, errand: &Errand) -> Vec<TimelineEvent> {
    t.app.read_errand(&system(), errand.public_id, None).await.unwrap().timeline
}

fn inbound(events: &[TimelineEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Message { direction: Direction::In, body } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

fn notes(events: &[TimelineEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Note { body } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

/// Opens an errand with Anna's first mail: the errand, and the auto-reply's Message-ID.
async fn opened(t: &TestApp) -> (Errand, String) {
    let mail = fixture("new-gmail.eml", "", "");
    let Intake::Opened { errand, replied: true, linked_to: None } =
        t.app.receive_mail(&mail, &settings()).await.unwrap()
    else {
        panic!("the first mail opens an errand and is answered")
    };
    let reply = t.db.store.mail(1).await.unwrap().expect("the auto-reply is in the outbox");
    (errand, reply.thread.message_id.expect("the auto-reply has a Message-ID"))
}

#[tokio::test]
async fn a_new_mail_opens_an_errand_with_its_file_and_an_auto_reply_threaded_to_it() {
    let t = TestApp::new().await;
    let (errand, _) = opened(&t).await;
    assert_eq!((errand.unit.as_str(), errand.channel), ("KC", Channel::Email), "the default route: the contact center");
    assert_eq!(errand.registry_number.to_string(), "KC 2026/00001");
    assert_eq!(errand.title, "Fråga om parkeringstillstånd på Sjögatan", "the encoded subject, decoded");
    assert!(
        errand.description.contains("Sjögatan 14 och undrar hur jag söker boendeparkering"),
        "{}",
        errand.description
    );
    let party = &errand.parties[0];
    assert_eq!(party.name, "Anna Berg");
    assert!(porten_domain::mail::is_party(&errand, "anna.berg@example.se"), "the sender is a party to answer");
    let record = t.app.submission(&system(), &errand).await.unwrap().expect("a tracking link and the files");
    assert_eq!(record.version, 0, "no form");
    let names: Vec<_> = record.attachments.iter().map(|f| (f.name.as_str(), f.media_type.as_str())).collect();
    assert_eq!(names, [("ansökan 2025.pdf", "application/pdf")]);

    let reply = t.db.store.mail(1).await.unwrap().unwrap();
    assert_eq!(reply.recipient, "anna.berg@example.se");
    assert!(reply.subject.starts_with("[KC 2026/00001] "), "{}", reply.subject);
    assert!(reply.body.contains(&format!("/track/{}", record.tracking_token)), "{}", reply.body);
    assert_eq!(reply.thread.in_reply_to.as_deref(), Some("CAHx8yV3n0Q-first@mail.gmail.com"));
    assert_eq!(reply.thread.auto_submitted.as_deref(), Some("auto-replied"));

    // The MTA delivers it again (or to a second address): taken once.
    let again = t.app.receive_mail(&fixture("new-gmail.eml", "", ""), &settings()).await.unwrap();
    assert!(matches!(again, Intake::Repeated(e) if e.public_id == errand.public_id));
    assert!(t.db.store.mail(2).await.unwrap().is_none(), "no second auto-reply");

    // An address with a route lands in its service's queue.
    let to_streets = String::from_utf8(fixture("new-gmail.eml", "", "")).unwrap().replace("kontaktcenter@", "gator@");
    let to_streets = to_streets.replace("first@mail.gmail.com", "other@mail.gmail.com");
    let Intake::Opened { errand: pothole, .. } = t.app.receive_mail(to_streets.as_bytes(), &settings()).await.unwrap()
    else {
        panic!("a new mail opens an errand")
    };
    assert_eq!((pothole.unit.as_str(), pothole.service_code.as_str()), ("TK", "pothole"));
    t.db.cleanup().await;
}

#[tokio::test]
async fn replies_from_gmail_outlook_and_apple_mail_thread_back_to_the_errand() {
    let t = TestApp::new().await;
    let (errand, id) = opened(&t).await;
    let number = errand.registry_number.to_string();
    // The agent asks for more; the reply puts the errand back to work.
    let ask = Command::ChangeStatus { to: Lifecycle::WaitingForCitizen, reason: None, decision: None };
    t.app.act_on_errand(&t.user("agent"), errand.public_id, None, ask).await.unwrap();

    for (name, expected) in [
        ("reply-gmail-headers.eml", "Jag glömde: registreringsnumret är ABC 123."),
        ("reply-outlook-token.eml", "Hej igen,"),
        ("reply-apple.eml", "Här är ett foto av skylten."),
    ] {
        let got = t.app.receive_mail(&fixture(name, &number, &id), &settings()).await.unwrap();
        let Intake::Joined(joined) = got else { panic!("{name}: {got:?}") };
        assert_eq!(joined.public_id, errand.public_id, "{name}");
        let last = inbound(&timeline(&t, &errand).await).pop().unwrap();
        assert!(last.starts_with(expected), "{name}: {last:?}");
        for quoted in ["Tack för ditt meddelande", "Skickat", "skrev"] {
            assert!(!last.contains(quoted), "{name}: the quote is left out: {last:?}");
        }
    }
    let now = t.app.read_errand(&system(), errand.public_id, None).await.unwrap().errand;
    assert_eq!(now.lifecycle, Lifecycle::InProgress, "the citizen's answer resumes the work");
    let record = t.app.submission(&system(), &errand).await.unwrap().unwrap();
    let names: Vec<_> = record.attachments.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["ansökan 2025.pdf", "skylt.png"], "Apple Mail's inline photo is kept with the errand");
    assert!(t.db.store.mail(2).await.unwrap().is_none(), "a reply gets no auto-reply");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_stranger_naming_an_errand_by_subject_or_forged_headers_joins_nothing() {
    let t = TestApp::new().await;
    let (errand, id) = opened(&t).await;
    let number = errand.registry_number.to_string();
    for name in ["stranger-token.eml", "stranger-forged-headers.eml"] {
        let got = t.app.receive_mail(&fixture(name, &number, &id), &settings()).await.unwrap();
        let Intake::Opened { errand: new, replied, linked_to } = got else { panic!("{name}: {got:?}") };
        assert_ne!(new.public_id, errand.public_id, "{name}");
        assert_eq!((replied, linked_to), (false, Some(NotJoined::OtherSender)), "{name}: no answer to a stranger");
        let why = notes(&timeline(&t, &new).await).join("\n");
        assert!(why.contains(&number) && why.contains("inte part"), "{name}: the agent sees why: {why}");
        let linked = timeline(&t, &errand).await.iter().any(
            |e| matches!(&e.kind, EventKind::Linked { other } if other.registry_number == new.registry_number.to_string()),
        );
        assert!(linked, "{name}: the first errand points to the new one");
    }
    assert!(inbound(&timeline(&t, &errand).await).is_empty(), "nothing joined Anna's errand");
    t.db.cleanup().await;
}

#[tokio::test]
async fn machines_never_open_move_or_answer_anything() {
    let t = TestApp::new().await;
    let (errand, id) = opened(&t).await;
    let number = errand.registry_number.to_string();
    let before = t.app.read_errand(&system(), errand.public_id, None).await.unwrap().errand;

    let got = t.app.receive_mail(&fixture("auto-reply-outlook.eml", &number, &id), &settings()).await.unwrap();
    assert!(matches!(&got, Intake::Noted(e) if e.public_id == errand.public_id), "{got:?}");
    let after = t.app.read_errand(&system(), errand.public_id, None).await.unwrap().errand;
    assert_eq!((after.lifecycle, after.assignee), (before.lifecycle, before.assignee), "state and owner unchanged");
    assert!(notes(&timeline(&t, &errand).await).iter().any(|n| n.contains("Automatiskt") && n.contains("semester")));
    assert!(inbound(&timeline(&t, &errand).await).is_empty(), "noted, not a message from the citizen");

    let got = t.app.receive_mail(&fixture("bounce.eml", &number, &id), &settings()).await.unwrap();
    assert!(matches!(got, Intake::Dropped(_)), "a bounce opens nothing: {got:?}");
    // Porten's own mail coming back, and mail from its own address.
    let own = String::from_utf8(fixture("new-gmail.eml", "", "")).unwrap().replacen(
        "MIME-Version",
        "X-Porten-Loop: porten\r\nMIME-Version",
        1,
    );
    assert!(matches!(t.app.receive_mail(own.as_bytes(), &settings()).await.unwrap(), Intake::Dropped(_)));
    let from_self = String::from_utf8(fixture("stranger-token.eml", &number, &id))
        .unwrap()
        .replace("From: Mallory <mallory@example.net>", "From: noreply@example.org");
    assert!(matches!(t.app.receive_mail(from_self.as_bytes(), &settings()).await.unwrap(), Intake::Dropped(_)));
    assert!(t.db.store.mail(2).await.unwrap().is_none(), "no machine got an answer");
    let all = t.app.list_errands(&system(), Default::default()).await.unwrap();
    assert_eq!(all.total, 1, "nothing but Anna's errand was opened");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_refused_attachment_is_noted_and_the_mail_kept() {
    let t = TestApp::new().await;
    let got = t.app.receive_mail(&fixture("refused-attachment.eml", "", ""), &settings()).await.unwrap();
    let Intake::Opened { errand, .. } = got else { panic!("{got:?}") };
    let record = t.app.submission(&system(), &errand).await.unwrap().unwrap();
    let names: Vec<_> = record.attachments.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["kvitto.pdf"], "told by content: the PDF sent as octet-stream is kept, the program is not");
    let said = notes(&timeline(&t, &errand).await).join("\n");
    assert!(said.contains("faktura.pdf.exe") && said.contains("bara PDF"), "{said}");

    // A file over 10 MB: the mail is kept, the file is not.
    let big = format!("%PDF-1.4\n{}", "0".repeat(10 * 1024 * 1024 + 1));
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(big);
    let lines: Vec<&str> = encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
    let mail = format!(
        "From: Anna Berg <anna.berg@example.se>\r\nTo: kontaktcenter@example.org\r\nSubject: Ritningar\r\n\
         Message-ID: <big-1@example.se>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRitningarna bifogas.\r\n\
         --B\r\nContent-Type: application/pdf; name=\"ritning.pdf\"\r\nContent-Disposition: attachment; filename=\"ritning.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        lines.join("\r\n")
    );
    let Intake::Opened { errand, .. } = t.app.receive_mail(mail.as_bytes(), &settings()).await.unwrap() else {
        panic!("the mail is kept")
    };
    assert!(errand.description.contains("Ritningarna bifogas"));
    assert!(notes(&timeline(&t, &errand).await).join("\n").contains("större än 10 MB"));
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_trusted_server_must_vouch_for_the_sender_before_a_mail_joins() {
    let t = TestApp::new().await;
    let (errand, id) = opened(&t).await;
    let number = errand.registry_number.to_string();
    let trusting = IntakeSettings { trusted_authserv_id: Some("mx.example.org".into()), ..settings() };
    let reply = String::from_utf8(fixture("reply-gmail-headers.eml", &number, &id)).unwrap();
    let with = |header: &str, n: usize| format!("{header}\r\n{}", reply.replace("second@", &format!("second{n}@")));
    for (n, header) in
        ["X-Nothing: 1", "Authentication-Results: evil.example; dmarc=pass header.from=example.se"].iter().enumerate()
    {
        let got = t.app.receive_mail(with(header, n).as_bytes(), &trusting).await.unwrap();
        assert!(
            matches!(got, Intake::Opened { linked_to: Some(NotJoined::Unauthenticated), replied: false, .. }),
            "{header}: {got:?}"
        );
    }
    let vouched = with(
        "Authentication-Results: mx.example.org; dkim=pass header.d=example.se; dmarc=pass header.from=example.se",
        9,
    );
    let got = t.app.receive_mail(vouched.as_bytes(), &trusting).await.unwrap();
    assert!(matches!(got, Intake::Joined(e) if e.public_id == errand.public_id));
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_mail_to_a_closed_errand_opens_a_follow_up_and_auto_replies_are_capped() {
    let t = TestApp::new().await;
    let (errand, id) = opened(&t).await;
    let close =
        Command::ChangeStatus { to: Lifecycle::Closed, reason: Some("Besvarad i telefon".into()), decision: None };
    t.app.act_on_errand(&t.user("agent"), errand.public_id, None, close).await.unwrap();
    let got = t
        .app
        .receive_mail(&fixture("reply-gmail-headers.eml", &errand.registry_number.to_string(), &id), &settings())
        .await
        .unwrap();
    let Intake::Opened { errand: follow_up, replied: true, linked_to: Some(NotJoined::Closed) } = got else {
        panic!("{got:?}")
    };
    assert!(notes(&timeline(&t, &follow_up).await).join("\n").contains("avslutat"));

    // The cap: two auto-replies a day to one address, then none.
    let capped = IntakeSettings { auto_replies_per_day: 2, ..settings() };
    let mut replied = Vec::new();
    for n in 0..2 {
        let mail = String::from_utf8(fixture("refused-attachment.eml", "", ""))
            .unwrap()
            .replace("files-1@", &format!("files-{n}x@"));
        match t.app.receive_mail(mail.as_bytes(), &capped).await.unwrap() {
            Intake::Opened { replied: r, errand, .. } => {
                replied.push(r);
                let said = notes(&timeline(&t, &errand).await).join("\n");
                assert!(said.contains("Inget automatiskt svar skickades"), "the errand says why: {said}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(replied, [false, false], "Anna had two auto-replies today: the errands open, unanswered");
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    let mail =
        String::from_utf8(fixture("refused-attachment.eml", "", "")).unwrap().replace("files-1@", "files-tomorrow@");
    assert!(matches!(
        t.app.receive_mail(mail.as_bytes(), &capped).await.unwrap(),
        Intake::Opened { replied: true, .. }
    ));
    t.db.cleanup().await;
}

#[tokio::test]
async fn an_answer_by_mail_is_the_text_threaded_to_the_citizens_mail_and_survives_a_relay_down_for_days() {
    let t = TestApp::new().await;
    let (errand, _) = opened(&t).await;
    let answer = "Du söker boendeparkering i e-tjänsten Boendeparkering.";
    let message = Command::AddMessage { direction: Direction::Out, body: answer.into() };
    t.app.act_on_errand(&t.user("agent"), errand.public_id, None, message).await.unwrap();
    let mail = t.db.store.mail(2).await.unwrap().expect("the answer is in the outbox");
    assert!(mail.body.starts_with(answer), "the citizen chose mail: the text itself goes: {}", mail.body);
    assert_eq!(mail.subject, "Re: [KC 2026/00001] Fråga om parkeringstillstånd på Sjögatan");
    assert_eq!(mail.thread.in_reply_to.as_deref(), Some("CAHx8yV3n0Q-first@mail.gmail.com"));
    assert_eq!(mail.thread.auto_submitted, None, "a person wrote it");

    // The relay is down for three days, longer than the old budget of 20
    // tries (about a day): the mails wait, none is given up.
    let port = SmtpSink::free_port();
    let smtp = SmtpSettings::new(&format!("smtp://127.0.0.1:{port}"), "Lindhamns stad <noreply@example.org>").unwrap();
    let runner = JobRunner::new(t.app.clone(), std::time::Duration::from_secs(60), 30).with_mail(Some(smtp));
    for _ in 0..72 {
        while runner.run_one().await.unwrap() {}
        t.clock.advance(Duration::hours(1));
    }
    let jobs = t.app.jobs(&system(), 50).await.unwrap();
    let mail_jobs: Vec<_> = jobs.iter().filter(|j| j.kind == porten_store::MAIL_JOB).collect();
    assert_eq!(mail_jobs.len(), 2);
    assert!(mail_jobs.iter().all(|j| j.attempts > 20 && j.state.as_str() != "dead"), "{mail_jobs:?}");
    assert!(t.db.store.mail(2).await.unwrap().unwrap().sent_at.is_none(), "waiting, not lost");

    let sink = SmtpSink::start_on(port).await;
    t.clock.advance(Duration::hours(1));
    while runner.run_one().await.unwrap() {}
    let sent = sink.messages();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let auto = sent.iter().find(|m| m.contains("Vi har tagit emot")).unwrap();
    assert!(auto.contains("Auto-Submitted: auto-replied") && auto.contains("X-Porten-Loop: porten"), "{auto}");
    let human = sent.iter().find(|m| m.contains("boendeparkering i e-tj")).unwrap();
    assert!(human.contains("In-Reply-To: <CAHx8yV3n0Q-first@mail.gmail.com>"), "{human}");
    assert!(human.contains("References: <CAHx8yV3n0Q-first@mail.gmail.com>"), "{human}");
    assert!(!human.contains("Auto-Submitted"), "{human}");

    // Anna answers the answer: it threads back by its Message-ID.
    let answered_id = mail.thread.message_id.unwrap();
    let reply = fixture("reply-gmail-headers.eml", "", &answered_id);
    assert!(
        matches!(t.app.receive_mail(&reply, &settings()).await.unwrap(), Intake::Joined(e) if e.public_id == errand.public_id)
    );
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_outbox_shows_waiting_mail_an_admin_gives_up_or_retries_and_a_refusal_shows_on_the_errand() {
    let t = TestApp::new().await;
    let (errand, _) = opened(&t).await;
    let message = Command::AddMessage { direction: Direction::Out, body: "Vi ringer dig i morgon.".into() };
    t.app.act_on_errand(&t.user("agent"), errand.public_id, None, message).await.unwrap();
    let admin = t.user("system_admin");
    assert!(matches!(t.app.outbox(&t.user("agent"), 10).await, Err(porten_app::AppError::Forbidden)));
    let waiting = t.app.outbox(&admin, 10).await.unwrap();
    assert_eq!(waiting.iter().map(|w| w.mail.id).collect::<Vec<_>>(), [1, 2], "oldest first");
    t.clock.advance(Duration::hours(2));
    let (n, age) = t.app.mail_backlog(&admin).await.unwrap();
    assert_eq!((n, age), (2, 7200.0));

    t.app.give_up_mail(&admin, 2).await.unwrap();
    assert!(matches!(t.app.give_up_mail(&admin, 2).await, Err(porten_app::AppError::NotFound)), "given up once");
    assert_eq!(t.app.outbox(&admin, 10).await.unwrap().len(), 1);

    // The recipient's server refuses the auto-reply for good: it stops
    // waiting, and the errand says so.
    let port = SmtpSink::free_port();
    let _refusing = SmtpSink::start_refusing(port).await;
    let smtp = SmtpSettings::new(&format!("smtp://127.0.0.1:{port}"), "Lindhamns stad <noreply@example.org>").unwrap();
    let runner = JobRunner::new(t.app.clone(), std::time::Duration::from_secs(60), 30).with_mail(Some(smtp));
    t.app.retry_mail(&admin, 1).await.unwrap();
    while runner.run_one().await.unwrap() {}
    assert!(t.app.outbox(&admin, 10).await.unwrap().is_empty(), "nothing waits");
    let refused = t.db.store.mail(1).await.unwrap().unwrap();
    assert!(refused.refused.as_deref().is_some_and(|r| r.contains("550")), "{refused:?}");
    assert!(t.db.store.mail(2).await.unwrap().unwrap().sent_at.is_none(), "the given-up mail was not sent");
    let said = notes(&timeline(&t, &errand).await).join("\n");
    assert!(said.contains("kunde inte levereras") && said.contains("anna.berg@example.se"), "{said}");
    t.db.cleanup().await;
}
