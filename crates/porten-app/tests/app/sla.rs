//! Kept due times: the `sla` consumer computes each errand's resolution due
//! time and warning time from its timeline, for the queue's due order and
//! its breaching-soon filter.

use porten_app::ListQuery;
use porten_domain::errand_list::{ErrandFilter, Sort};
use porten_domain::{Command, Lifecycle, Priority};

use crate::support::TestApp;

fn queue(sort: Sort, breaching: bool) -> ListQuery {
    ListQuery { filter: ErrandFilter::default(), breaching, sort, limit: 50, after: None }
}

#[tokio::test]
async fn the_due_queue_orders_running_clocks_and_the_breaching_queue_warns_in_time() {
    // Tuesday 3 November 2026, 10:00 in Stockholm. The fixture pothole
    // service resolves within 40 business hours, urgent ones within 8; the
    // warning comes at 75 %.
    let t = TestApp::new().await;
    let normal = t.errand("pothole", false).await;
    let urgent = t.errand("pothole", false).await;
    let question = t.errand("general-question", false).await; // no SLA
    let officer = t.user("case_officer");
    let raise = Command::SetPriority { priority: Priority::Urgent };
    t.app.act_on_errand(&officer, urgent.public_id, None, raise).await.unwrap();

    // The consumer reads the feed from its start and keeps every due time.
    let mut handled = 0;
    for _ in 0..3000 {
        handled += t.app.consume_feed(porten_app::sla::CONSUMER, porten_app::sla::consume).await.unwrap();
        if handled >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(handled, 4, "three registrations and a priority change");
    let agent = t.user("agent");
    let due = t.app.list_errands(&agent, queue(Sort::Due, false)).await.unwrap();
    let order: Vec<_> = due.items.iter().map(|e| e.public_id).collect();
    assert_eq!(order, [urgent.public_id, normal.public_id, question.public_id], "no clock, last");
    let local = |d, h, m| {
        porten_domain::time::from_stockholm_local(
            chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(h, m, 0).unwrap(),
        )
    };
    // Urgent: 8 h from Tuesday 10:00 is 6.5 h on Tuesday and 1.5 h on
    // Wednesday, 09:30; normal: Monday 9 November 16:00.
    assert_eq!(due.items[0].due_at, local(4, 9, 30));
    assert_eq!(due.items[1].due_at, local(9, 16, 0));
    assert_eq!(due.items[2].due_at, None);

    // 75 % of 8 h (6 h) is reached on Tuesday at 16:00. Before it the
    // urgent errand is not breaching.
    t.clock.set(local(3, 15, 59).unwrap());
    assert_eq!(t.app.list_errands(&agent, queue(Sort::Due, true)).await.unwrap().total, 0);
    t.clock.set(local(3, 16, 0).unwrap());
    let breaching = t.app.list_errands(&agent, queue(Sort::Due, true)).await.unwrap();
    assert_eq!(breaching.items.iter().map(|e| e.public_id).collect::<Vec<_>>(), [urgent.public_id]);

    // Waiting for the citizen takes the errand out of both: the clock stands still.
    let wait = Command::status(Lifecycle::WaitingForCitizen, None);
    let waited = t.app.act_on_errand(&officer, urgent.public_id, None, wait).await.unwrap();
    t.app.refresh_clocks(&[waited.id], true).await.unwrap();
    assert_eq!(t.app.list_errands(&agent, queue(Sort::Due, true)).await.unwrap().total, 0);
    let due = t.app.list_errands(&agent, queue(Sort::Due, false)).await.unwrap();
    assert_eq!(due.items.iter().filter(|e| e.due_at.is_some()).count(), 1);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_units_service_hours_with_a_lunch_break_move_its_open_errands_due_times() {
    // Tuesday 3 November 2026, 10:00 in Stockholm; the pothole service
    // resolves within 40 business hours, on TK's hours.
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let admin = t.user("unit_admin");
    let local = |d, h| {
        porten_domain::time::from_stockholm_local(
            chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(h, 0, 0).unwrap(),
        )
    };

    // The city's office hours, 08:00–16:30: Monday 9 November at 16:00.
    assert_eq!(due(&t, &errand).await, local(9, 16));

    // TK opens 08:00–12:00 and 13:00–16:00 on weekdays, 7 hours a day:
    // 5 hours on Tuesday, then 7 a day, so Tuesday 10 November at 16:00.
    let day = "08:00–12:00, 13:00–16:00".to_string();
    let days = [day.clone(), day.clone(), day.clone(), day.clone(), day, String::new(), String::new()];
    let hours = t.app.set_service_hours(&admin, &porten_app::testing::code("TK"), &days).await.unwrap();
    assert_eq!(hours.week[0].len(), 2, "a lunch break");
    assert_eq!(due(&t, &errand).await, local(10, 16));
    // The kept due time, which orders the queue, follows through the recompute job.
    let runner = porten_app::jobs::JobRunner::new(t.app.clone(), std::time::Duration::from_secs(60), 30);
    while runner.run_one().await.unwrap() {}
    let kept = t.app.list_errands(&admin, queue(Sort::Due, false)).await.unwrap();
    let item = kept.items.iter().find(|i| i.public_id == errand.public_id).unwrap();
    assert_eq!(item.due_at, local(10, 16));

    // Only the unit's own administrator (or a system admin) decides its hours.
    let sof = porten_app::testing::code("SOF");
    let refused = t.app.set_service_hours(&admin, &sof, &days).await;
    assert!(matches!(refused, Err(porten_app::AppError::Forbidden)));
    let refused = t.app.set_service_hours(&t.user("case_officer"), &porten_app::testing::code("TK"), &days).await;
    assert!(matches!(refused, Err(porten_app::AppError::Forbidden)));
    t.app.set_service_hours(&t.user("system_admin"), &sof, &days).await.unwrap();
    let mut bad = days.clone();
    bad[2] = "efter lunch".into();
    match t.app.set_service_hours(&admin, &porten_app::testing::code("TK"), &bad).await {
        Err(porten_app::AppError::Invalid(v)) => assert_eq!(v.0[0].field, "hours-wed"),
        other => panic!("expected the bad day named, got {other:?}"),
    }
    t.db.cleanup().await;
}

/// An errand's resolution due time, as its page computes it.
async fn due(t: &TestApp, errand: &porten_domain::Errand) -> Option<chrono::DateTime<chrono::Utc>> {
    let view = t.app.read_errand(&t.user("unit_admin"), errand.public_id, None).await.unwrap();
    t.app.errand_clocks(&view).await.unwrap().resolution.unwrap().at
}
