//! Notices to staff and SLA alerts: an errand assigned to someone, the
//! citizen's answer, and the SLA clock's warning and breach reach the
//! people they concern once, in their workspace and by e-mail if they
//! chose it; a breach escalates to the unit's administrators; an alert
//! whose clock has since stood still is not raised.

use porten_app::ListQuery;
use porten_app::jobs::JobRunner;
use porten_app::notices;
use porten_domain::errand_list::{ErrandFilter, Sort};
use porten_domain::notice::NoticeKind;
use porten_domain::sla::Alert;
use porten_domain::{Actor, Command, Direction, Errand, EventKind, Lifecycle, Role};
use porten_store::NewUser;

use crate::support::{TestApp, code, system};

fn id(actor: &Actor) -> i64 {
    match actor {
        Actor::User { id, .. } => *id,
        _ => unreachable!(),
    }
}

/// Runs a durable consumer until `done` holds (PostgreSQL shows a change
/// to the feed once no older transaction is open); whether it did.
macro_rules! consume_until {
    ($t:expr, $consumer:ident, $done:expr) => {{
        let mut held = false;
        for _ in 0..3000 {
            $t.app.consume_feed(porten_app::$consumer::CONSUMER, porten_app::$consumer::consume).await.unwrap();
            if $done {
                held = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        held
    }};
}

/// The due time the queue orders an errand by.
async fn kept_due(t: &TestApp, e: &Errand) -> Option<chrono::DateTime<chrono::Utc>> {
    let q = ListQuery { filter: ErrandFilter::default(), breaching: false, sort: Sort::Due, limit: 50, after: None };
    let page = t.app.list_errands(&t.user("unit_admin"), q).await.unwrap();
    page.items.iter().find(|i| i.public_id == e.public_id).and_then(|i| i.due_at)
}

/// The SLA alerts on an errand's timeline.
async fn alerts(t: &TestApp, e: &Errand) -> Vec<(Alert, chrono::DateTime<chrono::Utc>)> {
    let view = t.app.read_errand(&t.user("unit_admin"), e.public_id, None).await.unwrap();
    view.timeline
        .iter()
        .filter_map(|ev| match ev.kind {
            EventKind::SlaAlert { alert, due } => Some((alert, due)),
            _ => None,
        })
        .collect()
}

async fn kinds(t: &TestApp, actor: &Actor) -> Vec<NoticeKind> {
    t.app.notices(actor).await.unwrap().list.iter().map(|n| n.kind).collect()
}

async fn assign(t: &TestApp, by: &Actor, errand: &Errand, to: &Actor) {
    let command = Command::Assign { assignee: Some(id(to)) };
    t.app.act_on_errand(by, errand.public_id, None, command).await.unwrap();
}

#[tokio::test]
async fn an_assignment_and_the_citizens_answer_reach_the_assignee_once_until_they_open_the_errand() {
    let t = TestApp::new().await;
    let e = t.errand("pothole", false).await;
    let (admin, officer) = (t.user("unit_admin"), t.user("case_officer"));
    assign(&t, &admin, &e, &officer).await;
    let answer = Command::AddMessage { direction: Direction::In, body: "Hålet är djupt.".into() };
    t.app.act_on_errand(&system(), e.public_id, None, answer).await.unwrap();

    assert!(consume_until!(t, notices, t.app.unseen_notices(&officer).await.unwrap() == 2));
    assert_eq!(kinds(&t, &officer).await, [NoticeKind::Answered, NoticeKind::Assigned], "newest first");
    assert_eq!(t.app.unseen_notices(&admin).await.unwrap(), 0, "who assigned is not noticed of it");
    // The whole feed handled again adds nothing.
    let floor = t.db.store.feed_floor().await.unwrap();
    let again = t.db.store.errand_changes(floor, 500).await.unwrap();
    porten_app::notices::consume(t.app.clone(), again).await.unwrap();
    assert_eq!(t.app.notices(&officer).await.unwrap().list.len(), 2);

    // Opening the errand is seeing its notices; taking an errand oneself notices nobody.
    let view = t.app.read_errand(&officer, e.public_id, None).await.unwrap();
    assert_eq!(t.app.mark_notices_seen(&officer, Some(view.errand.id)).await.unwrap(), 2);
    assert_eq!(t.app.unseen_notices(&officer).await.unwrap(), 0);
    let other = t.errand("pothole", false).await;
    assign(&t, &officer, &other, &officer).await;
    let mut handled = 0;
    for _ in 0..3000 {
        handled += t.app.consume_feed(notices::CONSUMER, notices::consume).await.unwrap();
        if handled >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(handled, 2, "the registration and the assignment");
    assert_eq!(t.app.unseen_notices(&officer).await.unwrap(), 0);
    // A citizen has no notices.
    assert!(t.app.notices(&t.user("citizen")).await.is_err());
    t.db.cleanup().await;
}

#[tokio::test]
async fn notices_by_email_need_an_address_and_carry_the_number_and_a_link_but_not_the_errand() {
    let t = TestApp::new().await;
    let officer = t.user("case_officer");
    assert!(matches!(t.app.set_notify_by_email(&officer, true).await, Err(porten_app::AppError::Invalid(_))));
    let user = NewUser {
        username: "mailed".into(),
        display_name: "Mailad Handläggare".into(),
        email: Some("mailad@lindhamn.se".into()),
        role: Role::CaseOfficer,
        unit: Some(code("TK")),
        password_hash: "x".into(),
    };
    let mailed_id = t.db.store.create_user(&user, t.app.now()).await.unwrap();
    let mailed = Actor::User { id: mailed_id, name: "mailed".into(), role: Role::CaseOfficer, unit: Some(code("TK")) };
    t.app.set_notify_by_email(&mailed, true).await.unwrap();
    assert!(t.app.notify_by_email(&mailed).await.unwrap());
    let e = t.errand("pothole", false).await;
    assign(&t, &t.user("unit_admin"), &e, &mailed).await;
    assert!(consume_until!(t, notices, t.app.unseen_notices(&mailed).await.unwrap() == 1));
    let jobs = t.db.store.list_jobs(50).await.unwrap();
    let mails: Vec<i64> = jobs
        .iter()
        .filter(|j| j.kind == porten_store::MAIL_JOB)
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(&j.payload).ok()?["mail"].as_i64())
        .collect();
    assert_eq!(mails.len(), 1, "one mail for one notice");
    let mail = t.db.store.mail(mails[0]).await.unwrap().unwrap();
    assert_eq!(mail.recipient, "mailad@lindhamn.se");
    let number = e.registry_number.to_string();
    assert!(mail.subject.contains(&number) && mail.body.contains(&format!("/staff/errands/{}", e.public_id)));
    assert!(!mail.body.contains(&e.title) && !mail.body.contains(&e.description), "no content of the errand");
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_sla_warns_the_assignee_then_escalates_a_breach_to_the_units_administrators() {
    let t = TestApp::new().await;
    let (admin, officer) = (t.user("unit_admin"), t.user("case_officer"));
    let running = t.errand("pothole", false).await;
    let waiting = t.errand("pothole", false).await;
    assign(&t, &admin, &running, &officer).await;
    assign(&t, &admin, &waiting, &officer).await;
    // The `sla` consumer keeps the due times and queues each alert's job.
    assert!(consume_until!(t, sla, kept_due(&t, &running).await.is_some()));
    let view = t.app.read_errand(&admin, running.public_id, None).await.unwrap();
    let clocks = t.app.errand_clocks(&view).await.unwrap();
    let (warn_at, due_at) = (clocks.warn_at.unwrap(), clocks.resolution.unwrap().at.unwrap());
    // The other errand waits for the citizen: its clock stands still.
    let wait = Command::status(Lifecycle::WaitingForCitizen, Some("Vi behöver en bild"));
    t.app.act_on_errand(&officer, waiting.public_id, None, wait).await.unwrap();
    assert!(consume_until!(t, sla, kept_due(&t, &waiting).await.is_none()));

    let runner = JobRunner::new(t.app.clone(), std::time::Duration::from_secs(60), 30);
    t.clock.set(warn_at - chrono::Duration::seconds(1));
    while runner.run_one().await.unwrap() {}
    assert_eq!(alerts(&t, &running).await, [], "not before its time");
    t.clock.set(warn_at);
    while runner.run_one().await.unwrap() {}
    assert_eq!(alerts(&t, &running).await, [(Alert::Warning, warn_at)]);
    t.clock.set(due_at);
    while runner.run_one().await.unwrap() {}
    assert_eq!(alerts(&t, &running).await, [(Alert::Warning, warn_at), (Alert::Breached, due_at)]);
    assert_eq!(alerts(&t, &waiting).await, [], "a paused clock raises nothing");
    // The alerts' jobs run again (a node died after writing) raise nothing twice.
    assert!(!t.app.raise_alert(running.id, Alert::Breached, due_at).await.unwrap());

    assert!(consume_until!(t, notices, t.app.unseen_notices(&admin).await.unwrap() == 1));
    assert_eq!(kinds(&t, &admin).await, [NoticeKind::Breached], "the escalation");
    let officer_kinds = kinds(&t, &officer).await;
    assert_eq!(officer_kinds[..2], [NoticeKind::Breached, NoticeKind::Warning]);
    t.db.cleanup().await;
}
