//! The one test app of the app tests: App on a fresh database and a manual
//! clock, with three units (TK, KC the contact center, SOF), a service per
//! unit (SOF's confidential) and a user per role, set up through App.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use porten_app::{App, ManualClock};
use porten_domain::errand::{RawErrand, RawParty};
use porten_domain::{Actor, Audience, Channel, Errand, Role, Scope, Service, Unit, UnitCode};
use porten_store::testing::TestDb;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub db: TestDb,
    pub app: App,
    pub clock: Arc<ManualClock>,
    /// One signed-in user per role, by role: agent in KC, case officer and
    /// unit admin in TK.
    pub users: BTreeMap<&'static str, Actor>,
}

pub fn system() -> Actor {
    Actor::System { name: "test".into() }
}

pub fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

impl TestApp {
    pub async fn new() -> TestApp {
        let db = TestDb::new().await;
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap()));
        let app = App::with_clock(db.store.clone(), clock.clone());
        let system = system();
        for (c, cc) in [("TK", false), ("KC", true), ("SOF", false)] {
            let unit =
                Unit { code: code(c), name_sv: format!("Enhet {c}"), name_en: format!("Unit {c}"), contact_center: cc };
            app.define_unit(&system, &unit).await.unwrap();
        }
        for (service, unit, confidential) in
            [("pothole", "TK", false), ("general-question", "KC", false), ("financial-assistance", "SOF", true)]
        {
            let service = Service {
                code: service.into(),
                unit: code(unit),
                name_sv: format!("Tjänst {service}"),
                name_en: format!("Service {service}"),
                description_sv: "Beskrivning.".into(),
                description_en: "Description.".into(),
                audiences: vec![Audience::Resident],
                channels: vec![Channel::Web],
                open311_code: None,
                confidential,
                status_names_sv: BTreeMap::new(),
                keywords: Vec::new(),
                processing_time_sv: None,
                processing_time_en: None,
            };
            app.define_service(&system, &service).await.unwrap();
        }
        let mut users = BTreeMap::new();
        for (name, role, unit) in [
            ("citizen", Role::Citizen, None),
            ("agent", Role::Agent, Some("KC")),
            ("case_officer", Role::CaseOfficer, Some("TK")),
            ("unit_admin", Role::UnitAdmin, Some("TK")),
            ("system_admin", Role::SystemAdmin, None),
        ] {
            let unit = unit.map(code);
            let id = app.create_user(&system, name, name, role, unit.clone(), PASSWORD).await.unwrap();
            users.insert(name, Actor::User { id, name: name.into(), role, unit });
        }
        TestApp { db, app, clock, users }
    }

    pub fn user(&self, name: &str) -> Actor {
        self.users[name].clone()
    }

    /// An API key's actor with the given scopes.
    pub async fn key(&self, scopes: &[Scope]) -> Actor {
        let issued = self.app.create_api_key(&system(), "Test system", scopes, None).await.unwrap();
        self.app.api_key_actor(&issued.secret).await.unwrap()
    }

    /// Registers an errand for `service` with a named party (personal data)
    /// and makes it confidential when asked.
    pub async fn errand(&self, service: &str, confidential: bool) -> Errand {
        let raw = RawErrand {
            service_code: service.into(),
            title: format!("Ärende om {service}"),
            description: "Beskrivning".into(),
            channel: "web".into(),
            parties: vec![RawParty {
                role: Some("applicant".into()),
                name: "Tolvan Tolvansson".into(),
                ..Default::default()
            }],
            confidential: Some(confidential),
            ..Default::default()
        };
        self.app.register_errand(&system(), raw).await.unwrap()
    }
}

/// An SMTP sink on loopback: it speaks enough SMTP for a real client
/// (lettre) to deliver to it, and keeps each message's text.
pub struct SmtpSink {
    messages: Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// A loopback port nothing listens on (yet): a mail server that is down.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    /// A sink listening on `port`.
    pub async fn start_on(port: u16) -> SmtpSink {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let messages = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP\r\n").await.ok();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let answer: &[u8] = match verb.as_str() {
                            "DATA" => {
                                write.write_all(b"354 end with .\r\n").await.ok();
                                let mut text = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    text.push_str(&l);
                                    text.push('\n');
                                }
                                kept.lock().unwrap().push(text);
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                write.write_all(b"221 bye\r\n").await.ok();
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        write.write_all(answer).await.ok();
                    }
                });
            }
        });
        SmtpSink { messages, task }
    }

    /// The messages received so far, headers and body, in order.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
