//! Tests of the real `porten serve` process: durability across `kill -9`,
//! and gapless registry numbers with two processes on one database. They run
//! on SQLite by default and on PostgreSQL when `TEST_DATABASE_URL` is set.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use porten_app::App;
use porten_domain::{Audience, Channel, Scope, Service, Unit, UnitCode};
use porten_store::testing::TestDb;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `porten serve` on a free port and waits until it says it listens.
    fn start(database_url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_porten"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", database_url])
            .env("PORTEN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start porten");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("porten listening on ") {
                        break url.trim().to_owned();
                    }
                }
                other => panic!("porten exited before listening: {other:?}"),
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, base }
    }

    /// SIGKILL: no shutdown hooks, no flushing.
    fn kill_hard(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database with one unit, one service and an API key; returns the key.
async fn prepare(db: &TestDb) -> String {
    let store = db.store.clone();
    store
        .upsert_unit(&Unit { code: UnitCode::parse("TK").unwrap(), name_sv: "Trafikkontoret".into(), name_en: "Traffic".into(), contact_center: false })
        .await
        .unwrap();
    store
        .upsert_service(&Service {
            code: "pothole".into(),
            unit: UnitCode::parse("TK").unwrap(),
            name_sv: "Potthål".into(),
            name_en: "Pothole".into(),
            description_sv: "Hål i vägen.".into(),
            description_en: "Hole in the road.".into(),
            audiences: vec![Audience::Resident],
            channels: vec![Channel::Web, Channel::Api],
            open311_code: Some("pothole".into()),
            confidential: false,
            status_names_sv: Default::default(),
        })
        .await
        .unwrap();
    App::new(store).create_api_key("Test", &Scope::ALL, None).await.unwrap()
}

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
