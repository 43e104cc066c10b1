//! Shared by the process tests and the registration benchmark: start a real
//! `porten serve`, and prepare a database with one service and an API key.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use porten_app::App;
use porten_domain::{Actor, Audience, Channel, Scope, Service, Unit, UnitCode};
use porten_store::testing::TestDb;

/// A running `porten serve`; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `porten serve` on a free port and waits until it says it listens
    /// (it prints `porten listening on http://…` once ready).
    pub fn start(database_url: &str) -> Server {
        Self::start_with(database_url, &[])
    }

    /// Starts `porten serve` with extra environment variables.
    pub fn start_with(database_url: &str, env: &[(&str, &str)]) -> Server {
        Self::start_logging(database_url, env, Stdio::inherit())
    }

    /// Starts `porten serve` with its log (stderr) going to `log`.
    pub fn start_logging(database_url: &str, env: &[(&str, &str)], log: impl Into<Stdio>) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_porten"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url", database_url])
            .env("PORTEN_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
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

    /// The process id, to read its memory from `/proc`.
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown hooks, no flushing.
    #[allow(dead_code)]
    pub fn kill_hard(mut self) {
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

/// Gives the database one unit (TK) with one service (`pothole`) and returns
/// a new API key with every scope, all through App.
pub async fn prepare(db: &TestDb) -> String {
    let app = App::new(db.store.clone());
    let system = Actor::System { name: "test".into() };
    let unit = Unit {
        code: UnitCode::parse("TK").unwrap(),
        name_sv: "Trafikkontoret".into(),
        name_en: "Traffic".into(),
        contact_center: false,
        routing: Default::default(),
    };
    app.define_unit(&system, &unit).await.unwrap();
    let service = Service {
        code: "pothole".into(),
        unit: UnitCode::parse("TK").unwrap(),
        name_sv: "Potthål".into(),
        name_en: "Pothole".into(),
        description_sv: "Hål i vägen.".into(),
        description_en: "Hole in the road.".into(),
        audiences: vec![Audience::Resident],
        channels: vec![Channel::Web, Channel::Api],
        open311_code: Some("pothole".into()),
        public_reports: true,
        confidential: false,
        status_names_sv: Default::default(),
        status_names_en: Default::default(),
        keywords: Vec::new(),
        processing_time_sv: None,
        processing_time_en: None,
        sla: None,
        skill: None,
    };
    app.define_service(&system, &service).await.unwrap();
    app.create_api_key(&system, "Test", &Scope::ALL, None).await.unwrap().secret
}
