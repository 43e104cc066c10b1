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
    // The feed's lag is in the metrics.
    let metrics = client.get(format!("{}/metrics", server.base)).send().await.unwrap().text().await.unwrap();
    for name in ["porten_feed_errand_index_lag_seconds", "porten_db_oldest_transaction_seconds"] {
        assert!(metrics.contains(name), "{name} in {metrics}");
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_events_are_logged_without_personal_data() {
    let db = TestDb::new().await;
    let key = prepare(&db).await;
    let app = porten_app::App::new(db.store.clone());
    let system = porten_domain::Actor::System { name: "test".into() };
    let password = "correct horse battery";
    app.create_user(&system, "agent", "Aziz Agent", porten_domain::Role::Agent, None, password).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("porten.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging(&db.url, &[("PORTEN_LOG", "warn,porten::security=info")], log);
    let client = reqwest::Client::new();
    // The form token, as a browser finds it in the sign-in page.
    let jar = format!("porten_csrf={}", "v".repeat(43));
    let page = client.get(format!("{}/login", server.base)).header("cookie", &jar).send().await.unwrap();
    let page = page.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form") + marker.len();
    let csrf = page[start..].split('"').next().unwrap().to_owned();
    let login = |password: &str| {
        client
            .post(format!("{}/login", server.base))
            .header("cookie", &jar)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&username=agent&password={}", password.replace(' ', "+")))
            .send()
    };
    for _ in 0..10 {
        assert_eq!(login("wrong password!").await.unwrap().status(), 401);
    }
    assert_eq!(login(password).await.unwrap().status(), 429, "locked for this address");
    let with_key = client.get(format!("{}/api/v1/errands", server.base)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(with_key.status(), 200);
    let without = client.get(format!("{}/api/v1/errands", server.base)).send().await.unwrap();
    assert_eq!(without.status(), 401);
    server.kill_hard();

    let text = std::fs::read_to_string(&log_path).unwrap();
    let security: Vec<&str> = text.lines().filter(|l| l.contains("porten::security")).collect();
    let count = |event: &str| security.iter().filter(|l| l.contains(&format!("event=\"{event}\""))).count();
    assert_eq!(count("login.failed"), 10, "{text}");
    assert_eq!(count("login.refused"), 1, "{text}");
    assert_eq!(count("apikey.used"), 1, "{text}");
    assert!(security.iter().any(|l| l.contains("access.refused") && l.contains("route=/api/v1/errands")), "{text}");
    for personal in ["agent", "Aziz", "127.0.0.1", &key[..20]] {
        assert!(!security.iter().any(|l| l.contains(personal)), "a security event names {personal}:\n{text}");
    }
    db.cleanup().await;
}

#[test]
fn a_broken_eservice_definition_stops_the_start_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = include_str!("../../demo/eservices/pothole.toml");
    std::fs::write(dir.path().join("pothole.toml"), good).unwrap();
    let broken = include_str!("../../demo/eservices/e-id-help.toml").replace(
        "show_if = { field = \"area\", equals = \"eservice\" }",
        "show_if = { field = \"arena\", equals = \"x\" }",
    );
    std::fs::write(dir.path().join("e-id-help.toml"), broken).unwrap();
    let db = dir.path().join("porten.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porten"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &format!("sqlite://{}", db.display())])
        .arg("--eservices-dir")
        .arg(dir.path())
        .env("PORTEN_LOG", "warn")
        .output()
        .expect("run porten");
    assert!(!out.status.success(), "it must not start");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("e-id-help.toml: steps[0].fields[1].show_if.field: must name a field that comes earlier"),
        "{said}"
    );
    assert!(!said.contains("pothole.toml:"), "the good file is fine: {said}");
}

/// Registers errands on 16 connections until the server dies; the ids it
/// acknowledged.
async fn register_until_killed(client: &reqwest::Client, base: &str, key: &str) -> Vec<String> {
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, base, key) = (client.clone(), base.to_owned(), key.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0.. {
                let sent = client
                    .post(format!("{base}/api/v1/errands"))
                    .bearer_auth(&key)
                    .json(&json!({"service_code": "pothole", "title": format!("Hål {worker}-{i}"), "description": "x"}))
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status() == 201 => match res.json::<Value>().await {
                        Ok(body) => acknowledged.push(body["id"].as_str().unwrap().to_owned()),
                        Err(_) => break,
                    },
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kill_9_mid_batch_loses_no_change_of_an_acknowledged_write() {
    use porten_store::FeedPosition;
    let db = TestDb::new().await;
    let key = prepare(&db).await;
    let client = reqwest::Client::new();
    let server = Server::start(&db.url);
    let writers = tokio::spawn({
        let (client, base, key) = (client.clone(), server.base.clone(), key.clone());
        async move { register_until_killed(&client, &base, &key).await }
    });
    // Kill once the writers are well under way: group-commit batches are in flight.
    let store = db.store.clone();
    for _ in 0.. {
        if store.list_errands(&Default::default(), Default::default(), None, 1).await.unwrap().total >= 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill_hard();
    let acknowledged = writers.await.unwrap();
    assert!(!acknowledged.is_empty(), "the server acknowledged registrations before it was killed");

    // Every errand in the database, acknowledged or not, has its change, and
    // there is no change without its errand.
    let (mut changes, mut at) = (BTreeSet::new(), FeedPosition::default());
    loop {
        let batch = store.errand_changes(at, 500).await.unwrap();
        if let Some(last) = batch.last() {
            at = last.position;
            changes.extend(batch.iter().map(|c| c.public_id.to_string()));
        } else if store.first_pending_at(at).await.unwrap().is_none() {
            break;
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let (mut errands, mut after) = (BTreeSet::new(), None);
    loop {
        let page = store.list_errands(&Default::default(), Default::default(), after, 200).await.unwrap();
        errands.extend(page.items.iter().map(|e| e.public_id.to_string()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(changes, errands, "a change for every errand, and only for them");
    let missing: Vec<_> = acknowledged.iter().filter(|id| !changes.contains(*id)).collect();
    assert!(missing.is_empty(), "acknowledged but not in the feed: {missing:?}");
    db.cleanup().await;
}
