//! The job runner on one node, on a manual clock: what becomes of a job
//! that works, fails, panics, or that this node does not know.

use std::time::Duration as StdDuration;

use chrono::Duration;
use porten_app::jobs::{Finished, JobRunner, RECURRING};
use porten_store::{JobState, NewJob};

use crate::support::{TestApp, system};

fn job(kind: &str, at: chrono::DateTime<chrono::Utc>) -> NewJob {
    NewJob { kind: kind.into(), payload: "{}".into(), unique_key: None, run_at: at, max_attempts: 2 }
}

async fn state(t: &TestApp, id: i64) -> porten_store::Job {
    t.app.jobs(&system(), 100).await.unwrap().into_iter().find(|j| j.id == id).unwrap()
}

#[tokio::test]
async fn failures_and_panics_are_retried_with_backoff_then_parked_and_retried_by_hand() {
    let t = TestApp::new().await;
    let runner = JobRunner::new(t.app.clone(), StdDuration::from_secs(60), 30)
        .handle("test.fails", |_| async { Err::<Finished, _>("the mail server said no".to_owned()) })
        .handle("test.panics", |_| async { panic!("a bug in a handler") });
    let fails = t.app.enqueue_job(&system(), &job("test.fails", t.app.now())).await.unwrap().unwrap();
    let panics = t.app.enqueue_job(&system(), &job("test.panics", t.app.now())).await.unwrap().unwrap();
    assert!(runner.run_one().await.unwrap());
    assert!(runner.run_one().await.unwrap());
    assert!(!runner.run_one().await.unwrap(), "both are backing off");
    let (f, p) = (state(&t, fails).await, state(&t, panics).await);
    assert_eq!((f.state, f.attempts, f.last_error.as_deref()), (JobState::Queued, 1, Some("the mail server said no")));
    assert_eq!((p.state, p.last_error.as_deref()), (JobState::Queued, Some("the job panicked")));
    assert_eq!(f.run_at, t.app.now() + Duration::seconds(10), "first backoff: ten seconds");

    t.clock.advance(Duration::seconds(10));
    assert!(runner.run_one().await.unwrap());
    assert!(runner.run_one().await.unwrap());
    let f = state(&t, fails).await;
    assert_eq!((f.state, f.attempts), (JobState::Dead, 2), "parked after max_attempts");
    t.clock.advance(Duration::days(1));
    assert!(!runner.run_one().await.unwrap(), "dead jobs wait for a person");
    t.app.retry_job(&system(), fails).await.unwrap();
    assert!(runner.run_one().await.unwrap());
    assert_eq!(state(&t, fails).await.attempts, 1);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_kind_this_node_does_not_know_is_put_back_without_using_an_attempt() {
    let t = TestApp::new().await;
    let runner = JobRunner::new(t.app.clone(), StdDuration::from_secs(60), 30);
    let id = t.app.enqueue_job(&system(), &job("newer.kind", t.app.now())).await.unwrap().unwrap();
    assert!(runner.run_one().await.unwrap());
    let j = state(&t, id).await;
    assert_eq!((j.state, j.attempts, j.run_at), (JobState::Queued, 0, t.app.now() + Duration::minutes(1)));
    t.db.cleanup().await;
}

#[tokio::test]
async fn recurring_jobs_are_scheduled_once_and_run_every_hour() {
    let t = TestApp::new().await;
    let runner = JobRunner::new(t.app.clone(), StdDuration::from_secs(60), 30);
    runner.schedule_recurring().await.unwrap();
    runner.schedule_recurring().await.unwrap();
    let jobs = t.app.jobs(&system(), 100).await.unwrap();
    // The hourly housekeeping, and the feed consumers `sla`, `assign` and
    // `notify`, which look for new changes every second.
    let consumers = [porten_app::sla::CONSUMER, porten_app::assignment::CONSUMER, porten_app::notices::CONSUMER]
        .map(porten_app::feed::job_kind);
    for kind in RECURRING.into_iter().chain(consumers.iter().map(String::as_str)) {
        assert_eq!(jobs.iter().filter(|j| j.kind == kind).count(), 1, "{kind}: one per database");
    }
    for _ in 0..RECURRING.len() + consumers.len() {
        assert!(runner.run_one().await.unwrap());
    }
    for j in t.app.jobs(&system(), 100).await.unwrap() {
        let next = if consumers.contains(&j.kind) { Duration::seconds(1) } else { Duration::hours(1) };
        assert_eq!((j.state, j.run_at), (JobState::Queued, t.app.now() + next), "{}", j.kind);
    }
    assert!(!runner.run_one().await.unwrap(), "not due again until the clock moves");
    t.db.cleanup().await;
}
