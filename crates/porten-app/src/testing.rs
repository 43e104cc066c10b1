//! Test support (feature `testing`): the one fixture city that the app's and
//! the web's tests run on, and the throwaway database it lives in.
//!
//! [`FixtureCity`] is an [`App`] on a fresh, migrated [`TestDb`] (SQLite, or
//! PostgreSQL when `TEST_DATABASE_URL` names a server) with a
//! [`ManualClock`] standing at [`start_time`], 2026-11-03 09:00 UTC (a
//! Tuesday, 10:00 in Stockholm). Everything in it is set up through App, as
//! Porten itself would, never by writing to the store:
//!
//! | Unit  | Name                   | Contact center | Service                | Confidential |
//! |-------|------------------------|----------------|------------------------|--------------|
//! | `TK`  | Enhet TK / Unit TK     | no             | `pothole`              | no           |
//! | `KC`  | Enhet KC / Unit KC     | yes            | `general-question`     | no           |
//! | `SOF` | Enhet SOF / Unit SOF   | no             | `financial-assistance` | yes          |
//!
//! The services are for residents, on the web and by phone. `general-question`
//! is called *Allmän fråga* (*General question*); the others *Tjänst
//! {code}* (*Service {code}*). `general-question` needs the skill
//! `eservice-eid` (*E-tjänst och e-legitimation*); `pothole` has SLA targets.
//!
//! One user per role, each signing in with [`PASSWORD`]; a user's display
//! name is their username:
//!
//! | Username       | Role          | Unit |
//! |----------------|---------------|------|
//! | `citizen`      | citizen       | –    |
//! | `agent`        | agent         | KC   |
//! | `case_officer` | case officer  | TK   |
//! | `unit_admin`   | unit admin    | TK   |
//! | `system_admin` | system admin  | –    |
//!
//! [`FixtureCity::builder`] adds, when a suite needs them, the demo's
//! felanmälan e-service for `pothole` ([`CityBuilder::with_pothole_eservice`])
//! and the portal: the city's [`site`] and two published articles
//! ([`CityBuilder::with_portal`]). What only one layer needs (the web's
//! router, sessions and API key secrets; the app tests' SMTP sink) stays in
//! that suite's own support module, wrapping this city.
//!
//! ```ignore
//! let city = FixtureCity::new().await;
//! let errand = city.errand("pothole", false).await;
//! let view = city.app.read_errand(&city.user("case_officer"), errand.public_id, None).await?;
//! city.db.cleanup().await;
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use porten_domain::errand::{RawErrand, RawParty};
use porten_domain::knowledge::{RawArticle, Site};
use porten_domain::sla::{Sla, Targets};
use porten_domain::{Actor, Audience, Channel, Errand, Priority, Role, Scope, Service, Unit, UnitCode};

pub use porten_store::testing::TestDb;

use crate::{App, ManualClock};

/// Every fixture user's password.
pub const PASSWORD: &str = "correct horse battery";

/// The fixture users' usernames, one per role: citizen, agent (KC), case
/// officer (TK), unit admin (TK), system admin.
pub const USERNAMES: [&str; 5] = ["citizen", "agent", "case_officer", "unit_admin", "system_admin"];

/// The demo's felanmälan for `pothole`, as
/// [`CityBuilder::with_pothole_eservice`] offers it.
pub const POTHOLE_ESERVICE: &str = include_str!("../../porten/demo/eservices/pothole.toml");

/// Where the fixture's clock stands until a test moves it: Tuesday
/// 2026-11-03 09:00 UTC (10:00 in Stockholm).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap()
}

/// Porten itself, as the fixture's setup acts.
pub fn system() -> Actor {
    Actor::System { name: "test".into() }
}

/// A unit code the test knows to be well-formed (`TK`, `KC`, `SOF`).
pub fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

/// The fixture city's portal site, as [`CityBuilder::with_portal`] installs
/// it: *Teststaden*, its contact details and opening hours, and one topic,
/// `gator` (*Gator och trafik*), holding the `pothole` service.
pub fn site() -> Site {
    crate::knowledge::parse_site(
        r#"
[city]
name_sv = "Teststaden"
name_en = "Test City"

[contact]
phone = "070-174 06 05"
email = "kontakt@example.org"
visiting_address_sv = "Stadshuset, Torget 1"
visiting_address_en = "City Hall, Torget 1"
postal_address = "Box 1, 993 10 Teststaden"
phone_opens = "08:00"
phone_closes = "17:00"
phone_eve_closes = "13:00"
visit_opens = "09:00"
visit_closes = "16:00"
visit_eve_closes = "12:00"
chat_sv = "E-tjänsterna är öppna dygnet runt."
chat_en = "The e-services are open around the clock."
eid_help_sv = "Ring oss om du behöver hjälp med e-legitimation."
eid_help_en = "Call us if you need help with e-ID."

[[topics]]
code = "gator"
name_sv = "Gator och trafik"
name_en = "Streets and traffic"
services = ["pothole"]
"#,
    )
    .unwrap()
}

/// The one fixture city: App on a fresh database with a manual clock, three
/// units, a service per unit and a user per role (see the [module
/// docs](self)). Its fields are public so that a suite can wrap it, step the
/// clock, or swap `app` for one configured differently.
pub struct FixtureCity {
    /// The database; call [`TestDb::cleanup`] at the end of a test.
    pub db: TestDb,
    /// App on `db`, reading the time from `clock`.
    pub app: App,
    /// App's clock: stands at [`start_time`] until set or advanced.
    pub clock: Arc<ManualClock>,
    /// The signed-in actor of each user, by username (see [`USERNAMES`]).
    pub users: BTreeMap<&'static str, Actor>,
}

/// Options of a [`FixtureCity`] beyond the plain city; see
/// [`FixtureCity::builder`].
#[derive(Clone, Debug)]
pub struct CityBuilder {
    at: DateTime<Utc>,
    pothole_eservice: bool,
    portal: bool,
}

impl CityBuilder {
    /// Starts the clock at `at` instead of [`start_time`].
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }

    /// Offers the demo's felanmälan ([`POTHOLE_ESERVICE`]) as the `pothole`
    /// service's e-service.
    pub fn with_pothole_eservice(mut self) -> Self {
        self.pothole_eservice = true;
        self
    }

    /// Installs the portal: the city's [`site`] (with an in-memory search
    /// index) and two published articles in topic `gator`, for residents
    /// and about `pothole`: `hal-i-gatan`, TK's public *Hål i gatan – så
    /// anmäler du*, and `intern-rutin`, KC's internal *Rutin för samtal om
    /// gatuhål*, which only staff may read.
    pub fn with_portal(mut self) -> Self {
        self.portal = true;
        self
    }

    /// Builds the city on a fresh database.
    pub async fn build(self) -> FixtureCity {
        let db = TestDb::new().await;
        let clock = Arc::new(ManualClock::new(self.at));
        let mut app = App::with_clock(db.store.clone(), clock.clone());
        if self.pothole_eservice {
            let definition = crate::eservices::parse_definition("pothole.toml", POTHOLE_ESERVICE).unwrap();
            app = app.with_eservices(vec![definition]);
        }
        if self.portal {
            app = app.with_portal(site(), None);
        }
        let system = system();
        for (c, contact_center) in [("TK", false), ("KC", true), ("SOF", false)] {
            let (name_sv, name_en) = (format!("Enhet {c}"), format!("Unit {c}"));
            let unit = Unit { code: code(c), name_sv, name_en, contact_center, routing: Default::default() };
            app.define_unit(&system, &unit).await.unwrap();
        }
        let skill = porten_domain::Skill {
            code: "eservice-eid".into(),
            name_sv: "E-tjänst och e-legitimation".into(),
            name_en: "E-services and e-ID".into(),
        };
        app.define_skill(&system, &skill).await.unwrap();
        for (service, unit, name_sv, name_en, confidential) in [
            ("pothole", "TK", "Tjänst pothole", "Service pothole", false),
            ("general-question", "KC", "Allmän fråga", "General question", false),
            ("financial-assistance", "SOF", "Tjänst financial-assistance", "Service financial-assistance", true),
        ] {
            let service = Service {
                code: service.into(),
                unit: code(unit),
                name_sv: name_sv.into(),
                name_en: name_en.into(),
                description_sv: "Beskrivning.".into(),
                description_en: "Description.".into(),
                audiences: vec![Audience::Resident],
                channels: vec![Channel::Web, Channel::Phone],
                open311_code: (service == "pothole").then(|| "pothole".into()),
                public_reports: service == "pothole",
                confidential,
                status_names_sv: BTreeMap::new(),
                status_names_en: BTreeMap::new(),
                keywords: Vec::new(),
                processing_time_sv: None,
                processing_time_en: None,
                sla: (service == "pothole").then(|| Sla {
                    normal: Targets { first_response_hours: Some(8), resolution_hours: 40 },
                    by_priority: BTreeMap::from([(
                        Priority::Urgent,
                        Targets { first_response_hours: Some(2), resolution_hours: 8 },
                    )]),
                    warn_percent: 75,
                }),
                skill: (service == "general-question").then(|| skill.code.clone()),
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
        if self.portal {
            for (slug, unit, visibility, title) in [
                ("hal-i-gatan", "TK", "public", "Hål i gatan – så anmäler du"),
                ("intern-rutin", "KC", "internal", "Rutin för samtal om gatuhål"),
            ] {
                let raw = RawArticle {
                    slug: slug.into(),
                    unit: unit.into(),
                    topic: Some("gator".into()),
                    visibility: visibility.into(),
                    title_sv: title.into(),
                    summary_sv: "Så gör du när du ser ett hål i gatan.".into(),
                    body_sv: "Anmäl hålet i e-tjänsten.\n\n## Akut\n\n- Ring trafikjouren".into(),
                    audiences: vec!["resident".into()],
                    services: vec!["pothole".into()],
                    ..Default::default()
                };
                app.save_article(&system, &raw, true).await.unwrap();
            }
        }
        FixtureCity { db, app, clock, users }
    }
}

impl FixtureCity {
    /// The plain city: units, services and users, no e-service, no portal,
    /// the clock at [`start_time`].
    pub async fn new() -> FixtureCity {
        Self::builder().build().await
    }

    /// A city with options (an e-service, the portal, another start time).
    pub fn builder() -> CityBuilder {
        CityBuilder { at: start_time(), pothole_eservice: false, portal: false }
    }

    /// The actor of the fixture user `username`, as App would authenticate
    /// them. Panics for a name not in [`USERNAMES`].
    pub fn user(&self, username: &str) -> Actor {
        self.users.get(username).unwrap_or_else(|| panic!("no fixture user {username:?}; see USERNAMES")).clone()
    }

    /// The actor of a new API key (named *Test system*) with these scopes.
    pub async fn key(&self, scopes: &[Scope]) -> Actor {
        let issued = self.app.create_api_key(&system(), "Test system", scopes, None).await.unwrap();
        self.app.api_key_actor(&issued.secret).await.unwrap()
    }

    /// Registers, as Porten itself and on the web, an errand for `service`
    /// titled *Ärende om {service}* with one party, the applicant *Tolvan
    /// Tolvansson* (so reading it is a read of personal data), marked
    /// confidential when asked (a confidential service's errands are
    /// anyway). It is owned by the service's unit.
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
