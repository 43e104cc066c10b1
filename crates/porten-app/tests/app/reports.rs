//! Supervisors' reports (issue 20): the figures a supervisor reads, from
//! errands and contacts made through App, and who may read them.

use chrono::Duration;
use porten_app::AppError;
use porten_domain::contact::RawLoggedContact;
use porten_domain::errand::Direction;
use porten_domain::report::RawReportFilter;
use porten_domain::{Command, Outcome};

use crate::support::TestApp;

fn contact(channel: &str, outcome: &str, errand: Option<String>) -> RawLoggedContact {
    RawLoggedContact {
        channel: Some(channel.into()),
        topic: Some("general".into()),
        outcome: Some(outcome.into()),
        minutes: Some("3".into()),
        errand,
        article: None,
    }
}

#[tokio::test]
async fn the_report_counts_backlog_channels_first_contact_resolution_and_handle_time() {
    let t = TestApp::new().await;
    let agent = t.user("agent");
    let officer = t.user("case_officer");
    let answered = t.errand("pothole", false).await;
    let _waiting = t.errand("pothole", false).await;
    let _question = t.errand("general-question", false).await;
    for (channel, outcome) in [("phone", "resolved"), ("phone", "resolved"), ("visit", "referred")] {
        t.app.log_contact(&agent, &contact(channel, outcome, None)).await.unwrap();
    }
    // One errand is answered once and decided two days later.
    t.clock.advance(Duration::days(2));
    let reply = Command::AddMessage { direction: Direction::Out, body: "Hålet lagas i veckan.".into() };
    t.app.act_on_errand(&officer, answered.public_id, None, reply).await.unwrap();
    let decide = Command::resolve(Outcome::Answered, "Lagat");
    t.app.act_on_errand(&officer, answered.public_id, None, decide).await.unwrap();

    let report = t.app.report(&t.user("system_admin"), &RawReportFilter::default()).await.unwrap();
    let active: u64 = report.backlog.iter().map(|c| c.count).sum();
    assert_eq!(active, 2, "two errands still open");
    assert!(report.backlog.iter().all(|c| c.band == 1), "registered two days ago: 1–3 days");
    let errands: u64 = report.volume.iter().filter(|v| v.channel == "web").map(|v| v.errands).sum();
    let phone: u64 = report.volume.iter().filter(|v| v.channel == "phone").map(|v| v.contacts).sum();
    assert_eq!((errands, phone), (3, 2));
    assert!(report.contact_outcomes.contains(&("resolved".into(), 2)));
    let (pothole, has_sla) = report.resolutions.iter().find(|(r, _)| r.service == "pothole").unwrap();
    assert!(has_sla, "the pothole service has a target");
    assert_eq!((pothole.resolved, pothole.first_reply, pothole.breached), (1, 1, 0));
    assert_eq!(pothole.handle_seconds, 2 * 86_400);

    // A unit admin's report is their unit's: KC's question is not in TK's.
    let tk = t.app.report(&t.user("unit_admin"), &RawReportFilter::default()).await.unwrap();
    assert_eq!(tk.backlog.iter().map(|c| c.count).sum::<u64>(), 1);
    assert!(tk.backlog.iter().all(|c| c.unit == "TK"));
    let other = RawReportFilter { unit: "KC".into(), ..Default::default() };
    assert!(matches!(t.app.report(&t.user("unit_admin"), &other).await, Err(AppError::Forbidden)));
    assert!(matches!(t.app.report(&agent, &RawReportFilter::default()).await, Err(AppError::Forbidden)));

    // The export pages through everything, 1,000 at a time.
    let export = t.app.start_export(&t.user("system_admin"), &RawReportFilter::default(), None).await.unwrap();
    assert_eq!(export.rows, 3);
    let page = t.app.export_page(&t.user("system_admin"), &export, None).await.unwrap();
    assert_eq!(page.len(), 3);
    assert!(
        page.windows(2).all(|w| (w[0].created_at, w[0].id) < (w[1].created_at, w[1].id)),
        "in the order they came in"
    );
    assert!(page.iter().all(|r| r.title.is_empty() && r.parties.is_empty()), "no personal data unless chosen");
    let after = porten_app::reports::ExportCursor::after(&page[2]);
    assert!(t.app.export_page(&t.user("system_admin"), &export, Some(after)).await.unwrap().is_empty());
    t.db.cleanup().await;
}
