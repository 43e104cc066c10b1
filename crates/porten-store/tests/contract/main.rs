//! The storage contract, one module per capability. Every test here runs
//! against SQLite by default and against PostgreSQL when `TEST_DATABASE_URL`
//! is set; CI runs both. One test binary, so one link step.

mod audit;
mod calendar;
mod contacts;
mod errands;
mod eservices;
mod feed;
mod identity;
mod jobs;
mod knowledge;
mod load;
mod ops;
mod planning;
mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use porten_domain::errand::{ContactChannel, Direction, Party, PartyRole};
use porten_domain::{
    Actor, Audience, Channel, Command, Errand, EventKind, Lifecycle, NewErrand, PersonalIdentityNumber, Priority,
    PublicId, Role, Scope, Service, Unit, UnitCode,
};
use porten_store::testing::TestDb;
use porten_store::{AuditEntry, ClockUpdate, ErrandFilter, NewUser, Registration, Sort, Store, StoreError};

pub fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

pub fn random_id() -> PublicId {
    PublicId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes())
}

pub fn allow(_: &Errand) -> bool {
    true
}

pub fn system() -> Actor {
    Actor::System { name: "contract-test".into() }
}

pub async fn seed(store: &dyn Store) {
    for (c, sv, en, cc) in
        [("TK", "Trafikkontoret", "Traffic Administration", false), ("KC", "Kontaktcenter", "Contact Center", true)]
    {
        store
            .upsert_unit(&Unit {
                code: code(c),
                name_sv: sv.into(),
                name_en: en.into(),
                contact_center: cc,
                routing: Default::default(),
            })
            .await
            .unwrap();
    }
    for (svc, unit) in [("pothole", "TK"), ("general-question", "KC")] {
        store
            .upsert_service(&Service {
                code: svc.into(),
                unit: code(unit),
                name_sv: format!("Tjänst {svc}"),
                name_en: format!("Service {svc}"),
                description_sv: "Beskrivning".into(),
                description_en: "Description".into(),
                audiences: vec![Audience::Resident],
                channels: vec![Channel::Web, Channel::Phone],
                open311_code: (svc == "pothole").then(|| "pothole".to_owned()),
                public_reports: svc == "pothole",
                confidential: false,
                status_names_sv: BTreeMap::from([(Lifecycle::InProgress, "Åtgärdas".to_owned())]),
                status_names_en: BTreeMap::from([(Lifecycle::InProgress, "Being fixed".to_owned())]),
                keywords: vec!["gatlampa".into()],
                processing_time_sv: None,
                processing_time_en: None,
                sla: None,
                skill: None,
            })
            .await
            .unwrap();
    }
}

pub fn new_errand(service: &str, title: &str, channel: Channel) -> NewErrand {
    NewErrand {
        service_code: service.into(),
        title: title.into(),
        description: "Beskrivning av ärendet".into(),
        channel,
        priority: Priority::Normal,
        parties: vec![],
        confidential: false,
        labels: vec!["väg".into()],
        form: BTreeMap::from([("plats".to_owned(), "Sjögatan 14".to_owned())]),
        location: Some(porten_domain::Location {
            address: Some("Sjögatan 14".into()),
            point: Some(porten_domain::Point { lat: 62.390_812, long: 17.306_927 }),
            place_ref: Some("stolpe 4711".into()),
        }),
    }
}

pub async fn register(store: &dyn Store, service: &str, unit: &str, at: DateTime<Utc>) -> Errand {
    let new = new_errand(service, "Ärende", Channel::Web);
    store
        .register_errand(Registration { public_id: random_id(), errand: &new, unit: &code(unit), actor: &system(), at })
        .await
        .unwrap()
}

/// Registers an API errand for `service` in TK, as one of many at once.
pub async fn try_register(
    store: &dyn Store,
    service: &str,
    public_id: PublicId,
    at: DateTime<Utc>,
) -> Result<Errand, StoreError> {
    let new = new_errand(service, "Samtidigt", Channel::Api);
    store.register_errand(Registration { public_id, errand: &new, unit: &code("TK"), actor: &system(), at }).await
}
