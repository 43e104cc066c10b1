//! The job runner in real processes: two `porten serve` on one database run
//! each job exactly once, a job held by a `kill -9`ed process is finished by
//! the other once its lease expires, and `porten jobs` shows and retries
//! jobs. On SQLite by default, on PostgreSQL with `TEST_DATABASE_URL`.

use std::collections::BTreeSet;
use std::process::Command;

use porten_store::testing::TestDb;
use porten_store::{JobEnd, JobState};
use serde_json::json;

use crate::support::Server;

/// Queues a probe job (see `porten_app::jobs::PROBE`) that logs to `log`.
async fn enqueue_probe(db: &TestDb, log: &std::path::Path, hold_while: Option<&std::path::Path>) -> i64 {
    let payload = json!({"log": log, "hold_while": hold_while});
    let now = chrono::Utc::now();
    let job = porten_store::NewJob {
        kind: porten_app::jobs::PROBE.into(),
        payload: payload.to_string(),
        unique_key: None,
        run_at: now,
        max_attempts: 3,
    };
    db.store.enqueue_job(&job, now).await.unwrap().unwrap()
}

/// Waits, polling, until `ready` holds; fails after a minute.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut ready: impl FnMut() -> F) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_run_each_job_exactly_once() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("probe.log");
    let mut ids = BTreeSet::new();
    for _ in 0..20 {
        ids.insert(enqueue_probe(&db, &log, None).await);
    }
    let (a, b) = (Server::start(&db.url), Server::start(&db.url));
    let store = db.store.clone();
    let probes_done = || async {
        let jobs = store.list_jobs(100).await.unwrap();
        jobs.iter().filter(|j| ids.contains(&j.id)).all(|j| j.state == JobState::Done)
    };
    until("every probe job is done", probes_done).await;
    drop((a, b));
    let text = read(&log);
    for id in &ids {
        let starts = text.lines().filter(|l| l.starts_with("start ") && l.split(' ').nth(2) == Some(&id.to_string()));
        assert_eq!(starts.count(), 1, "job {id} started exactly once:\n{text}");
    }
    let jobs = db.store.list_jobs(100).await.unwrap();
    assert!(jobs.iter().filter(|j| ids.contains(&j.id)).all(|j| j.attempts == 1), "no job was taken over");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_held_by_a_killed_process_is_finished_by_the_other_once_its_lease_expires() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (log, hold) = (dir.path().join("probe.log"), dir.path().join("hold"));
    std::fs::write(&hold, "").unwrap();
    let id = enqueue_probe(&db, &log, Some(&hold)).await;
    let lease = [("PORTEN_JOB_LEASE_SECONDS", "2")];
    let first = Server::start_with(&db.url, &lease);
    until("the first process has started the job", || async { read(&log).contains("start ") }).await;
    first.kill_hard();
    std::fs::remove_file(&hold).unwrap();
    let second = Server::start_with(&db.url, &lease);
    let store = db.store.clone();
    until("the job is done", || async {
        store.list_jobs(100).await.unwrap().iter().any(|j| j.id == id && j.state == JobState::Done)
    })
    .await;
    drop(second);
    let text = read(&log);
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 3, "start, start again, end:\n{text}");
    let (killed, survivor) = (lines[0][1], lines[1][1]);
    assert_ne!(killed, survivor, "another process took it over");
    assert_eq!((lines[1][0], lines[1][3]), ("start", "2"), "as the job's second attempt");
    assert_eq!((lines[2][0], lines[2][1]), ("end", survivor));
    db.cleanup().await;
}

#[tokio::test]
async fn porten_jobs_lists_jobs_and_retries_a_dead_one() {
    let db = TestDb::new().await;
    let now = chrono::Utc::now();
    let job = porten_store::NewJob {
        kind: "mail.send".into(),
        payload: "{}".into(),
        unique_key: None,
        run_at: now,
        max_attempts: 1,
    };
    let id = db.store.enqueue_job(&job, now).await.unwrap().unwrap();
    db.store.claim_job("test", now, now + chrono::Duration::minutes(1)).await.unwrap().unwrap();
    let dead = JobEnd::Dead { error: "smtp: connection refused".into() };
    assert!(db.store.end_job(id, "test", &dead, now).await.unwrap());
    let porten = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_porten"))
            .args(args)
            .args(["--database-url", &db.url])
            .env("PORTEN_LOG", "warn")
            .output()
            .expect("run porten");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, listed, _) = porten(&["jobs"]);
    assert!(ok);
    let line = listed.lines().find(|l| l.starts_with(&format!("{id}\t"))).expect("the job is listed");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!((fields[1], fields[2], fields[3], fields[6]), ("mail.send", "dead", "1/1", "smtp: connection refused"));
    let (ok, said, _) = porten(&["jobs", "retry", "--id", &id.to_string()]);
    assert!(ok);
    assert_eq!(said.trim(), format!("job {id} queued again"));
    let job = db.store.list_jobs(10).await.unwrap().into_iter().find(|j| j.id == id).unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Queued, 0));
    let (ok, _, error) = porten(&["jobs", "retry", "--id", &id.to_string()]);
    assert!(!ok, "only a dead job can be retried");
    assert!(error.contains(&format!("no dead job has id {id}")), "{error}");
    db.cleanup().await;
}
