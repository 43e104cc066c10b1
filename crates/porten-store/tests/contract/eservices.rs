//! E-services: drafts, content-addressed files, a submission that registers
//! its errand once however often it is sent, the mail outbox, and the
//! citizen's own errands.

use porten_store::{
    Backend, Draft, FileRef, MAIL_JOB, NewMail, OwnedRegistration, ReceiptLimits, ReceiptMail, Submission,
};

use super::*;

fn draft(id: &str, now: DateTime<Utc>, files: Vec<FileRef>) -> Draft {
    Draft {
        id: id.into(),
        service_code: "pothole".into(),
        version: 1,
        answers: BTreeMap::from([("address".to_owned(), vec!["Sjögatan 14".to_owned()])]),
        files,
        owner: None,
        assisted_by: None,
        assisted_channel: None,
        created_at: now,
        updated_at: now,
        expires_at: now + Duration::days(30),
    }
}

fn photo(content: &[u8]) -> FileRef {
    use sha2::Digest;
    FileRef {
        field: "photo".into(),
        name: "hål.png".into(),
        sha256: format!("{:x}", sha2::Sha256::digest(content)),
        media_type: "image/png".into(),
        size: content.len() as u64,
    }
}

fn submission(draft_id: &str, at: DateTime<Utc>, files: Vec<FileRef>, mail: Option<NewMail>) -> Submission {
    Submission {
        draft_id: draft_id.into(),
        version: 1,
        registration: OwnedRegistration {
            public_id: random_id(),
            errand: new_errand("pothole", "Felanmälan", Channel::Web),
            unit: code("TK"),
            actor: system(),
            at,
        },
        tracking_token: format!("track-{draft_id}"),
        owner: None,
        assisted_by: None,
        files,
        mail,
        receipt_limits: ReceiptLimits::default(),
    }
}

#[tokio::test]
async fn a_draft_is_saved_resumed_and_replaced() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let mut d = draft("d-1", now, vec![]);
    s.save_draft(&d).await.unwrap();
    assert_eq!(s.get_draft("d-1").await.unwrap().as_ref(), Some(&d));
    d.answers.insert("fault".into(), vec!["pothole".into()]);
    d.updated_at = now + Duration::minutes(5);
    s.save_draft(&d).await.unwrap();
    assert_eq!(s.get_draft("d-1").await.unwrap(), Some(d));
    assert_eq!(s.get_draft("d-2").await.unwrap(), None);
    db.cleanup().await;
}

#[tokio::test]
async fn a_submitted_draft_registers_one_errand_with_its_files_and_receipt_mail() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let file = photo(b"\x89PNG\r\n\x1a\nbild");
    s.put_attachment(&file, b"\x89PNG\r\n\x1a\nbild".to_vec(), now).await.unwrap();
    s.put_attachment(&file, b"\x89PNG\r\n\x1a\nbild".to_vec(), now).await.unwrap();
    s.save_draft(&draft("d-1", now, vec![file.clone()])).await.unwrap();
    let mail = NewMail {
        recipient: "anna@example.se".into(),
        subject: "Kvitto".into(),
        body: "Tack".into(),
        ..Default::default()
    };
    let first = s.submit_draft(submission("d-1", now, vec![file.clone()], Some(mail.clone()))).await.unwrap();
    assert!(!first.repeated);
    assert_eq!(first.errand.registry_number.to_string(), "TK 2026/00001");
    assert_eq!(s.get_draft("d-1").await.unwrap(), None, "the draft is gone once submitted");
    // The same draft again: the same errand and token, nothing new registered or mailed.
    let again = s.submit_draft(submission("d-1", now, vec![file.clone()], Some(mail.clone()))).await.unwrap();
    assert!(again.repeated);
    assert_eq!((again.errand.id, &again.tracking_token), (first.errand.id, &first.tracking_token));
    assert_eq!(s.list_errands(&ErrandFilter::default(), Sort::Newest, None, 10).await.unwrap().total, 1);
    let record = s.submission(first.errand.id).await.unwrap().unwrap();
    assert_eq!((record.service_code.as_str(), record.version), ("pothole", 1));
    assert_eq!(record.attachments, vec![file.clone()]);
    assert_eq!(s.attachment_content(&file.sha256).await.unwrap().unwrap(), b"\x89PNG\r\n\x1a\nbild");
    assert_eq!(s.errand_by_tracking_token("track-d-1").await.unwrap(), Some(first.errand.public_id));
    assert_eq!(s.errand_by_tracking_token("track-d-2").await.unwrap(), None);
    // One receipt mail, queued with the job that sends it.
    let jobs = s.list_jobs(10).await.unwrap();
    let mail_jobs: Vec<_> = jobs.iter().filter(|j| j.kind == MAIL_JOB).collect();
    assert_eq!(mail_jobs.len(), 1);
    let id: i64 = serde_json::from_str::<serde_json::Value>(&mail_jobs[0].payload).unwrap()["mail"].as_i64().unwrap();
    let queued = s.mail(id).await.unwrap().unwrap();
    assert_eq!((queued.recipient.as_str(), queued.sent_at), ("anna@example.se", None));
    s.mark_mail_sent(id, now).await.unwrap();
    assert_eq!(s.mail(id).await.unwrap().unwrap().sent_at, Some(now));
    db.cleanup().await;
}

#[tokio::test]
async fn an_expired_draft_cannot_be_submitted_and_a_failed_submit_keeps_the_draft() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    assert!(matches!(s.submit_draft(submission("never", now, vec![], None)).await, Err(StoreError::NotFound)));
    // A file that was never stored: the submit fails as a whole and the draft stays.
    let missing = photo(b"not stored");
    s.save_draft(&draft("d-1", now, vec![missing.clone()])).await.unwrap();
    let failed = s.submit_draft(submission("d-1", now, vec![missing], None)).await;
    assert!(matches!(failed, Err(StoreError::UnknownReference("attachment"))), "{failed:?}");
    assert!(s.get_draft("d-1").await.unwrap().is_some());
    assert_eq!(
        s.list_errands(&ErrandFilter::default(), Sort::Newest, None, 10).await.unwrap().total,
        0,
        "no errand, no gap"
    );
    // Drafts past their expiry are purged with the files only they used.
    let kept = photo(b"\x89PNG\r\n\x1a\nkept");
    s.put_attachment(&kept, b"\x89PNG\r\n\x1a\nkept".to_vec(), now).await.unwrap();
    s.save_draft(&draft("d-2", now, vec![kept.clone()])).await.unwrap();
    assert_eq!(s.purge_drafts(now + Duration::days(31)).await.unwrap(), 2);
    assert_eq!(s.get_draft("d-2").await.unwrap(), None);
    assert_eq!(s.attachment_content(&kept.sha256).await.unwrap(), None);
    db.cleanup().await;
}

#[tokio::test]
async fn a_citizen_sees_what_they_submitted_and_errands_naming_them() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let anna = s.citizen_by_personal_number("198112189876", "Anna Andersson", now).await.unwrap();
    let again = s.citizen_by_personal_number("198112189876", "Anna B. Andersson", now).await.unwrap();
    assert_eq!((again.id, again.display_name.as_str(), again.role), (anna.id, "Anna B. Andersson", Role::Citizen));
    assert_eq!(s.personal_number_of(anna.id).await.unwrap().as_deref(), Some("198112189876"));
    // One she submitted signed in, one a case officer registered naming her, one about someone else.
    s.save_draft(&Draft { owner: Some(anna.id), ..draft("d-1", now, vec![]) }).await.unwrap();
    let submitted =
        s.submit_draft(Submission { owner: Some(anna.id), ..submission("d-1", now, vec![], None) }).await.unwrap();
    let mut named = new_errand("pothole", "Per telefon", Channel::Phone);
    named.parties = vec![Party {
        role: PartyRole::Applicant,
        name: "Anna".into(),
        personal_number: Some(PersonalIdentityNumber::parse("198112189876").unwrap()),
        organisation_number: None,
        contacts: vec![],
    }];
    let later = now + Duration::hours(1);
    let phoned = s
        .register_errand(Registration {
            public_id: random_id(),
            errand: &named,
            unit: &code("TK"),
            actor: &system(),
            at: later,
        })
        .await
        .unwrap();
    register(s, "pothole", "TK", later).await;
    // Named as a contact, or as the applicant of a confidential errand: not hers to follow.
    let mut as_contact = named.clone();
    as_contact.parties[0].role = PartyRole::Contact;
    let mut secret = named.clone();
    secret.confidential = true;
    for e in [&as_contact, &secret] {
        let reg = Registration { public_id: random_id(), errand: e, unit: &code("TK"), actor: &system(), at: later };
        s.register_errand(reg).await.unwrap();
    }
    let mine: Vec<PublicId> = s.citizen_errands(anna.id).await.unwrap().into_iter().map(|e| e.public_id).collect();
    assert_eq!(mine, vec![phoned.public_id, submitted.errand.public_id]);
    db.cleanup().await;
}

#[tokio::test]
async fn a_mail_carried_by_a_write_commits_with_it_or_not_at_all() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let errand = register(s, "pothole", "TK", now).await;
    let mail = NewMail {
        recipient: "anna@example.se".into(),
        subject: "Nytt meddelande".into(),
        body: "Läs det".into(),
        ..Default::default()
    };
    let message = || Command::AddMessage { direction: Direction::Out, body: "Vilken sida av gatan?".into() };
    let mail_jobs = || async { s.list_jobs(10).await.unwrap().into_iter().filter(|j| j.kind == MAIL_JOB).count() };
    let refused = porten_store::with_mail(
        mail.clone(),
        now,
        s.apply_command(errand.public_id, None, &system(), message(), now, Arc::new(|_: &Errand| false)),
    )
    .await;
    assert!(matches!(refused, Err(StoreError::NotFound)));
    assert_eq!(mail_jobs().await, 0, "a refused write queues no mail");
    porten_store::with_mail(
        mail,
        now,
        s.apply_command(errand.public_id, None, &system(), message(), now, Arc::new(allow)),
    )
    .await
    .unwrap();
    assert_eq!(mail_jobs().await, 1, "the message and its mail commit together");
    db.cleanup().await;
}

#[tokio::test]
async fn receipts_are_held_back_over_the_limits_per_recipient_and_for_anonymous_mail() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let limits = ReceiptLimits { per_recipient_per_hour: 3, anonymous_per_hour: 5 };
    let submit = |n: u32, to: &str, owner: Option<i64>, at: DateTime<Utc>| {
        let id = format!("d-{n}");
        let mail =
            NewMail { recipient: to.into(), subject: "Kvitto".into(), body: "Tack".into(), ..Default::default() };
        let mut sub = submission(&id, at, vec![], Some(mail));
        sub.owner = owner;
        sub.receipt_limits = limits;
        (id, sub)
    };
    let mut outcomes = Vec::new();
    // One inbox, however its address is written.
    for (n, to) in
        [(1, "offer@example.org"), (2, "Offer@Example.ORG"), (3, "offer+2@example.org"), (4, "offer@example.org")]
    {
        let (id, sub) = submit(n, to, None, now);
        s.save_draft(&draft(&id, now, vec![])).await.unwrap();
        outcomes.push(s.submit_draft(sub).await.unwrap().mail);
    }
    assert_eq!(outcomes, [ReceiptMail::Queued, ReceiptMail::Queued, ReceiptMail::Queued, ReceiptMail::Held]);
    assert_eq!(
        s.list_errands(&ErrandFilter::default(), Sort::Newest, None, 10).await.unwrap().total,
        4,
        "every errand registered"
    );
    // Other recipients, until the anonymous budget of five is spent; a signed-in citizen's receipt still goes.
    let mut outcomes = Vec::new();
    for n in 5..8 {
        let (id, sub) = submit(n, &format!("person{n}@example.org"), None, now);
        s.save_draft(&draft(&id, now, vec![])).await.unwrap();
        outcomes.push(s.submit_draft(sub).await.unwrap().mail);
    }
    assert_eq!(outcomes, [ReceiptMail::Queued, ReceiptMail::Queued, ReceiptMail::Held]);
    let anna = s.citizen_by_personal_number("198112189876", "Anna Andersson", now).await.unwrap();
    let (id, sub) = submit(8, "signed-in@example.org", Some(anna.id), now);
    s.save_draft(&Draft { owner: Some(anna.id), ..draft(&id, now, vec![]) }).await.unwrap();
    assert_eq!(s.submit_draft(sub).await.unwrap().mail, ReceiptMail::Queued);
    // An hour later the recipient gets receipts again.
    let later = now + Duration::minutes(61);
    let (id, sub) = submit(9, "offer@example.org", None, later);
    s.save_draft(&draft(&id, later, vec![])).await.unwrap();
    assert_eq!(s.submit_draft(sub).await.unwrap().mail, ReceiptMail::Queued);
    db.cleanup().await;
}

#[tokio::test]
async fn space_of_purged_drafts_goes_back_to_the_file_system() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let content: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let file = photo(&content);
    s.put_attachment(&file, content, now).await.unwrap();
    s.save_draft(&draft("d-1", now, vec![file])).await.unwrap();
    assert_eq!(s.purge_drafts(now + Duration::days(31)).await.unwrap(), 1);
    let freed = s.reclaim_space().await.unwrap();
    match s.backend() {
        Backend::Sqlite => assert!(freed >= 4 * 1024 * 1024, "the file's pages are freed: {freed}"),
        Backend::Postgres => assert_eq!(freed, 0, "autovacuum's business"),
    }
    db.cleanup().await;
}

#[tokio::test]
async fn a_decisions_document_outlives_the_purge_of_draft_files() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let now = t(2026, 5, 4, 9);
    let e = register(s, "pothole", "TK", now).await;
    let resolve = porten_domain::Command::resolve(porten_domain::Outcome::Granted, "Beviljas");
    s.apply_command(e.public_id, None, &system(), resolve, now, Arc::new(allow)).await.unwrap();
    let pdf = b"%PDF-1.7 beslut".to_vec();
    let file = FileRef { field: "decision".into(), media_type: "application/pdf".into(), ..photo(&pdf) };
    s.put_attachment(&file, pdf.clone(), now).await.unwrap();
    let document = porten_domain::DecisionDocument { name: "beslut.pdf".into(), sha256: file.sha256.clone(), size: 15 };
    let attach = porten_domain::Command::AttachDocument { document };
    s.apply_command(e.public_id, None, &system(), attach, now, Arc::new(allow)).await.unwrap();
    // A file no errand, decision or draft refers to goes after an hour; the decision's stays.
    let stray = photo(b"\x89PNG\r\n\x1a\nstray");
    s.put_attachment(&stray, b"\x89PNG\r\n\x1a\nstray".to_vec(), now).await.unwrap();
    s.purge_drafts(now + Duration::hours(2)).await.unwrap();
    assert_eq!(s.attachment_content(&stray.sha256).await.unwrap(), None);
    assert_eq!(s.attachment_content(&file.sha256).await.unwrap(), Some(pdf));
    db.cleanup().await;
}
