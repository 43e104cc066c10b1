//! Jobs with leases: claimed by one node at a time, taken over when a
//! node's lease expires, retried with backoff, parked as dead.

use porten_store::{JobEnd, JobState, NewJob};

use super::*;

fn job(kind: &str, at: DateTime<Utc>) -> NewJob {
    NewJob { kind: kind.into(), payload: "{}".into(), unique_key: None, run_at: at, max_attempts: 3 }
}

#[tokio::test]
async fn a_due_job_is_claimed_once_and_a_future_one_waits() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let now = t(2026, 5, 4, 9);
    let due = s.enqueue_job(&job("a", now), now).await.unwrap().unwrap();
    s.enqueue_job(&job("later", now + Duration::hours(1)), now).await.unwrap().unwrap();
    let claimed = s.claim_job("node-1", now, now + Duration::seconds(30)).await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.kind.as_str(), claimed.attempts), (due, "a", 1));
    assert_eq!(claimed.state, JobState::Running);
    assert_eq!(claimed.lease_owner.as_deref(), Some("node-1"));
    assert!(s.claim_job("node-2", now, now + Duration::seconds(30)).await.unwrap().is_none(), "held and not due");
    assert!(s.end_job(due, "node-1", &JobEnd::Done, now).await.unwrap());
    let jobs = s.list_jobs(10).await.unwrap();
    assert_eq!(jobs.iter().find(|j| j.id == due).unwrap().state, JobState::Done);
    // An hour on, the later one is due.
    let later = s.claim_job("node-2", now + Duration::hours(1), now + Duration::hours(2)).await.unwrap().unwrap();
    assert_eq!(later.kind, "later");
    db.cleanup().await;
}

#[tokio::test]
async fn a_unique_job_is_enqueued_once() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let now = t(2026, 5, 4, 9);
    let recurring = NewJob { unique_key: Some("hourly".into()), ..job("retention", now) };
    assert!(s.enqueue_job(&recurring, now).await.unwrap().is_some());
    assert!(s.enqueue_job(&recurring, now).await.unwrap().is_none());
    assert_eq!(s.list_jobs(10).await.unwrap().len(), 1);
    db.cleanup().await;
}

#[tokio::test]
async fn two_nodes_never_claim_the_same_job() {
    let db = TestDb::new().await;
    let now = t(2026, 5, 4, 9);
    for i in 0..30 {
        db.store.enqueue_job(&job(&format!("job-{i}"), now), now).await.unwrap();
    }
    // A second store on the same database is a second node with its own writer.
    let other = porten_store::open(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for (node, store) in [("node-1", db.store.clone()), ("node-2", other)] {
        for worker in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let owner = format!("{node}-{worker}");
                let mut got = Vec::new();
                while let Some(j) = store.claim_job(&owner, now, now + Duration::minutes(5)).await.unwrap() {
                    got.push(j.id);
                }
                got
            }));
        }
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 30, "every job claimed");
    assert_eq!(distinct.len(), 30, "and none twice");
    db.cleanup().await;
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_end_the_job() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let now = t(2026, 5, 4, 9);
    let id = s.enqueue_job(&job("slow", now), now).await.unwrap().unwrap();
    s.claim_job("crashed", now, now + Duration::seconds(10)).await.unwrap().unwrap();
    let before_expiry = now + Duration::seconds(5);
    assert!(s.claim_job("survivor", before_expiry, before_expiry).await.unwrap().is_none());
    assert!(s.renew_job_lease(id, "crashed", now + Duration::seconds(20)).await.unwrap());
    let after = now + Duration::seconds(21);
    let taken = s.claim_job("survivor", after, after + Duration::seconds(10)).await.unwrap().unwrap();
    assert_eq!((taken.id, taken.attempts, taken.lease_owner.as_deref()), (id, 2, Some("survivor")));
    assert!(!s.renew_job_lease(id, "crashed", after + Duration::seconds(30)).await.unwrap());
    assert!(!s.end_job(id, "crashed", &JobEnd::Done, after).await.unwrap(), "the lost lease cannot end it");
    assert!(s.end_job(id, "survivor", &JobEnd::Done, after).await.unwrap());
    db.cleanup().await;
}

#[tokio::test]
async fn failures_retry_later_then_park_as_dead_until_retried() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let now = t(2026, 5, 4, 9);
    let id = s.enqueue_job(&job("flaky", now), now).await.unwrap().unwrap();
    s.claim_job("n", now, now + Duration::minutes(1)).await.unwrap().unwrap();
    let retry_at = now + Duration::seconds(30);
    let retry = JobEnd::Retry { error: "smtp timeout".into(), at: retry_at };
    assert!(s.end_job(id, "n", &retry, now).await.unwrap());
    assert!(s.claim_job("n", now, now + Duration::minutes(1)).await.unwrap().is_none(), "backing off");
    let second = s.claim_job("n", retry_at, retry_at + Duration::minutes(1)).await.unwrap().unwrap();
    assert_eq!((second.attempts, second.last_error.as_deref()), (2, Some("smtp timeout")));
    assert!(s.end_job(id, "n", &JobEnd::Dead { error: "gave up".into() }, retry_at).await.unwrap());
    let dead = s.list_jobs(10).await.unwrap().remove(0);
    assert_eq!((dead.state, dead.last_error.as_deref()), (JobState::Dead, Some("gave up")));
    let much_later = now + Duration::days(1);
    assert!(s.claim_job("n", much_later, much_later).await.unwrap().is_none(), "dead jobs stay parked");
    assert!(s.retry_job(id, much_later).await.unwrap());
    assert!(!s.retry_job(id, much_later).await.unwrap(), "only a dead job can be retried");
    let revived = s.claim_job("n", much_later, much_later + Duration::minutes(1)).await.unwrap().unwrap();
    assert_eq!(revived.attempts, 1);
    db.cleanup().await;
}

#[tokio::test]
async fn a_recurring_job_is_queued_again_with_its_attempts_reset() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let now = t(2026, 5, 4, 9);
    let id = s.enqueue_job(&job("hourly", now), now).await.unwrap().unwrap();
    s.claim_job("n", now, now + Duration::minutes(1)).await.unwrap().unwrap();
    let next = now + Duration::hours(1);
    assert!(s.end_job(id, "n", &JobEnd::Again(next), now).await.unwrap());
    let j = s.list_jobs(1).await.unwrap().remove(0);
    assert_eq!((j.state, j.run_at, j.attempts, j.lease_owner), (JobState::Queued, next, 0, None));
    db.cleanup().await;
}
