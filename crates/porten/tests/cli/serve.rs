//! Tests of the real `porten serve` process: durability across `kill -9`,
//! and gapless registry numbers with two processes on one database. They run
//! on SQLite by default and on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::collections::BTreeSet;

use crate::support::{Server, prepare};
use porten_store::testing::TestDb;
use serde_json::{Value, json};

async fn register(client: &reqwest::Client, base: &str, key: &str, title: &str) -> Value {
    let res = client
        .post(format!("{base}/api/v1/errands"))
        .bearer_auth(key)
        .json(&json!({"service_code": "pothole", "title": title, "description": "Djupt hål"}))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_acknowledged_errand_survives_kill_9() {
    let db = TestDb::new().await;
    let key = prepare(&db).await;
    let client = reqwest::Client::new();
    let server = Server::start(&db.url);
    let created = register(&client, &server.base, &key, "Före krasch").await;
    server.kill_hard();

    let server = Server::start(&db.url);
    let id = created["id"].as_str().unwrap();
    let res = client.get(format!("{}/api/v1/errands/{id}", server.base)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["registry_number"], created["registry_number"]);
    assert_eq!(read["title"], "Före krasch");
    drop(server);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_hand_out_fifty_distinct_gapless_numbers() {
    let db = TestDb::new().await;
    let key = prepare(&db).await;
    let (a, b) = (Server::start(&db.url), Server::start(&db.url));
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (client, key) = (client.clone(), key.clone());
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        tasks.push(tokio::spawn(async move { register(&client, &base, &key, &format!("Samtidigt {i}")).await }));
    }
    let mut numbers = BTreeSet::new();
    let mut year = None;
    for t in tasks {
        let body = t.await.unwrap();
        let number = porten_domain::RegistryNumber::parse(body["registry_number"].as_str().unwrap()).unwrap();
        assert_eq!(*year.get_or_insert(number.year), number.year);
        assert!(numbers.insert(number.serial), "registry number handed out twice");
    }
    assert_eq!(numbers, (1..=50).collect::<BTreeSet<u32>>(), "distinct and gapless");
    drop((a, b));
    db.cleanup().await;
}

#[test]
fn two_processes_can_start_together_on_a_fresh_sqlite_file() {
    // Both migrate at start; sqlx takes no migration lock on SQLite, so the
    // store retries when it loses the race. Neither process may fail.
    let dir = std::env::temp_dir().join(format!("porten-fresh-{}", std::process::id()));
    let url = format!("sqlite://{}/porten.db", dir.display());
    let starters: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn({
                let url = url.clone();
                move || Server::start(&url)
            })
        })
        .collect();
    let servers: Vec<Server> = starters.into_iter().map(|h| h.join().expect("server started")).collect();
    assert_eq!(servers.len(), 2);
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}

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
        jobs.iter().filter(|j| ids.contains(&j.id)).all(|j| j.state == porten_store::JobState::Done)
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
        store.list_jobs(100).await.unwrap().iter().any(|j| j.id == id && j.state == porten_store::JobState::Done)
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
