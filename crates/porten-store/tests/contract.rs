//! The storage contract. Every test here runs against SQLite by default and
//! against PostgreSQL when `TEST_DATABASE_URL` is set; CI runs both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use porten_domain::errand::{ContactChannel, Direction, Party, PartyRole};
use porten_domain::{
    Actor, Audience, Channel, Command, Errand, EventKind, Lifecycle, NewErrand, PersonalIdentityNumber, Priority,
    PublicId, Role, Scope, Service, Unit, UnitCode,
};
use porten_store::testing::TestDb;
use porten_store::{AuditEntry, ErrandFilter, NewUser, Registration, Store, StoreError};

fn t(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

fn random_id() -> PublicId {
    PublicId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes())
}

fn allow(_: &Errand) -> bool {
    true
}

fn system() -> Actor {
    Actor::System { name: "contract-test".into() }
}

async fn seed(store: &dyn Store) {
    for (c, sv, en, cc) in
        [("TK", "Trafikkontoret", "Traffic Administration", false), ("KC", "Kontaktcenter", "Contact Center", true)]
    {
        store
            .upsert_unit(&Unit { code: code(c), name_sv: sv.into(), name_en: en.into(), contact_center: cc })
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
                confidential: false,
                status_names_sv: BTreeMap::from([(Lifecycle::InProgress, "Åtgärdas".to_owned())]),
            })
            .await
            .unwrap();
    }
}

fn new_errand(service: &str, title: &str, channel: Channel) -> NewErrand {
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
    }
}

async fn register(store: &dyn Store, service: &str, unit: &str, at: DateTime<Utc>) -> Errand {
    let new = new_errand(service, "Ärende", Channel::Web);
    store
        .register_errand(Registration { public_id: random_id(), errand: &new, unit: &code(unit), actor: &system(), at })
        .await
        .unwrap()
}

#[tokio::test]
async fn registry_numbers_are_per_unit_and_stockholm_year() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let a = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let b = register(s, "pothole", "TK", t(2026, 3, 1, 10)).await;
    let c = register(s, "general-question", "KC", t(2026, 3, 1, 10)).await;
    // 23:30 UTC on New Year's Eve is already 2027 in Stockholm.
    let d = register(s, "pothole", "TK", Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap()).await;
    let numbers: Vec<String> = [&a, &b, &c, &d].iter().map(|e| e.registry_number.to_string()).collect();
    assert_eq!(numbers, ["TK 2026/00001", "TK 2026/00002", "KC 2026/00001", "TK 2027/00001"]);
    db.cleanup().await;
}

#[tokio::test]
async fn concurrent_registrations_get_distinct_gapless_numbers() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let new = new_errand("pothole", "Samtidigt", Channel::Api);
            store
                .register_errand(Registration {
                    public_id: random_id(),
                    errand: &new,
                    unit: &code("TK"),
                    actor: &system(),
                    at: t(2026, 5, 5, 12),
                })
                .await
                .unwrap()
                .registry_number
                .serial
        }));
    }
    let mut serials = BTreeSet::new();
    for task in tasks {
        assert!(serials.insert(task.await.unwrap()), "serial handed out twice");
    }
    assert_eq!(serials, (1..=50).collect::<BTreeSet<u32>>());
    db.cleanup().await;
}

#[tokio::test]
async fn a_failed_registration_consumes_no_number() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let first = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    // Reusing a public id fails on the unique index after the counter was bumped:
    // the whole transaction, counter included, must roll back.
    let new = new_errand("pothole", "Dubblett", Channel::Web);
    let err = s
        .register_errand(Registration {
            public_id: first.public_id,
            errand: &new,
            unit: &code("TK"),
            actor: &system(),
            at: t(2026, 3, 1, 10),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    let unknown = new_errand("no-such-service", "x", Channel::Web);
    let err = s
        .register_errand(Registration {
            public_id: random_id(),
            errand: &unknown,
            unit: &code("TK"),
            actor: &system(),
            at: t(2026, 3, 1, 10),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownReference("service")), "{err:?}");
    let next = register(s, "pothole", "TK", t(2026, 3, 1, 11)).await;
    assert_eq!(next.registry_number.to_string(), "TK 2026/00002");
    db.cleanup().await;
}

#[tokio::test]
async fn errand_round_trips_with_parties_and_registered_event() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let mut new = new_errand("pothole", "Hål i vägen", Channel::Phone);
    new.parties = vec![Party {
        role: PartyRole::Reporter,
        name: "Tolvan Tolvansson".into(),
        personal_number: Some(PersonalIdentityNumber::parse("19121212-1212").unwrap()),
        organisation_number: None,
        contacts: vec![ContactChannel::Email("tolvan@example.com".into()), ContactChannel::Phone("070-1740605".into())],
    }];
    new.confidential = true;
    let at = t(2026, 4, 2, 8);
    let created = s
        .register_errand(Registration { public_id: random_id(), errand: &new, unit: &code("TK"), actor: &system(), at })
        .await
        .unwrap();
    let loaded = s.get_errand(created.public_id).await.unwrap().expect("stored");
    assert_eq!(loaded, created);
    assert!(loaded.has_personal_data());
    assert_eq!(loaded.parties[0].personal_number.as_ref().unwrap().expose(), "191212121212");
    let timeline = s.timeline(loaded.id).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(
        timeline[0].kind,
        EventKind::Registered { registry_number: "TK 2026/00001".into(), channel: Channel::Phone }
    );
    assert_eq!(timeline[0].actor_name, "contract-test");
    assert!(s.get_errand(random_id()).await.unwrap().is_none());
    db.cleanup().await;
}

#[tokio::test]
async fn commands_keep_state_and_timeline_in_step_with_optimistic_locking() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let officer_id = s
        .create_user(
            &NewUser {
                username: "officer".into(),
                display_name: "Olle Handläggare".into(),
                email: None,
                role: Role::CaseOfficer,
                unit: Some(code("TK")),
                password_hash: "x".into(),
            },
            t(2026, 1, 1, 0),
        )
        .await
        .unwrap();
    let officer = Actor::User {
        id: officer_id,
        name: "Olle Handläggare".into(),
        role: Role::CaseOfficer,
        unit: Some(code("TK")),
    };
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let now = t(2026, 3, 2, 9);

    let assigned = s
        .apply_command(e.public_id, Some(1), &officer, Command::Assign { assignee: Some(officer_id) }, now, &allow)
        .await
        .unwrap();
    assert_eq!((assigned.version, assigned.lifecycle, assigned.assignee), (2, Lifecycle::Open, Some(officer_id)));

    let stale = s
        .apply_command(e.public_id, Some(1), &officer, Command::AddNote { body: "Gammal version".into() }, now, &allow)
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { current: 2 }), "{stale:?}");

    let unknown_user =
        s.apply_command(e.public_id, None, &officer, Command::Assign { assignee: Some(9999) }, now, &allow).await;
    assert!(matches!(unknown_user, Err(StoreError::UnknownReference("user"))));

    s.apply_command(
        e.public_id,
        Some(2),
        &officer,
        Command::AddMessage { direction: Direction::Out, body: "Vi lagar hålet".into() },
        now,
        &allow,
    )
    .await
    .unwrap();
    let resolved = s
        .apply_command(
            e.public_id,
            Some(3),
            &officer,
            Command::ChangeStatus { to: Lifecycle::Resolved, reason: None },
            now,
            &allow,
        )
        .await
        .unwrap();
    assert_eq!(resolved.resolved_at, Some(now));
    let closed = s
        .apply_command(
            e.public_id,
            None,
            &officer,
            Command::ChangeStatus { to: Lifecycle::Closed, reason: None },
            now,
            &allow,
        )
        .await
        .unwrap();
    let illegal = s
        .apply_command(
            e.public_id,
            None,
            &officer,
            Command::ChangeStatus { to: Lifecycle::InProgress, reason: None },
            now,
            &allow,
        )
        .await
        .unwrap_err();
    assert!(matches!(illegal, StoreError::Command(_)));

    // The stored row is exactly the state the timeline leads to.
    let loaded = s.get_errand(e.public_id).await.unwrap().unwrap();
    assert_eq!(loaded, closed);
    let timeline = s.timeline(loaded.id).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|ev| ev.kind.type_name()).collect();
    assert_eq!(kinds, ["registered", "assigned", "status_changed", "message", "status_changed", "status_changed"]);
    let mut state = Lifecycle::New;
    for ev in &timeline {
        if let EventKind::StatusChanged { from, to, .. } = ev.kind {
            assert_eq!(from, state);
            state = to;
        }
    }
    assert_eq!(state, loaded.lifecycle);
    assert_eq!(timeline[1].actor_id, Some(officer_id));
    db.cleanup().await;
}

#[tokio::test]
async fn handover_moves_errand_to_existing_units_only() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "general-question", "KC", t(2026, 3, 1, 9)).await;
    let moved = s
        .apply_command(
            e.public_id,
            None,
            &system(),
            Command::HandOver { to_unit: code("TK"), reason: "Gäller vägunderhåll".into() },
            t(2026, 3, 1, 10),
            &allow,
        )
        .await
        .unwrap();
    assert_eq!(moved.unit, code("TK"));
    assert_eq!(moved.registry_number.to_string(), "KC 2026/00001", "the registry number never changes");
    let err = s
        .apply_command(
            e.public_id,
            None,
            &system(),
            Command::HandOver { to_unit: code("XYZ"), reason: "x".into() },
            t(2026, 3, 1, 10),
            &allow,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownReference("unit")));
    let tk = s.list_errands(&ErrandFilter { unit: Some(code("TK")), ..Default::default() }, None, 10).await.unwrap();
    assert_eq!(tk.total, 1);
    db.cleanup().await;
}

#[tokio::test]
async fn keyset_pages_cover_every_match_once_with_a_total() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let start = t(2026, 2, 1, 8);
    let mut expected = Vec::new();
    for i in 0..23 {
        // Pairs of errands share a timestamp, to exercise the id tie-break.
        let e = register(
            s,
            if i % 3 == 0 { "general-question" } else { "pothole" },
            if i % 3 == 0 { "KC" } else { "TK" },
            start + Duration::hours(i / 2),
        )
        .await;
        expected.push(e);
    }
    let filter = ErrandFilter { unit: Some(code("TK")), ..Default::default() };
    let mut want: Vec<_> = expected.iter().filter(|e| e.unit.as_str() == "TK").collect();
    want.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_errands(&filter, after, 4).await.unwrap();
        assert_eq!(page.total as usize, want.len());
        assert!(page.items.len() <= 4);
        got.extend(page.items.iter().map(|x| x.public_id));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(got, want.iter().map(|e| e.public_id).collect::<Vec<_>>());

    let in_range = s
        .list_errands(
            &ErrandFilter {
                created_from: Some(start),
                created_to: Some(start + Duration::hours(2)),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(in_range.total, 4);
    let none = s
        .list_errands(&ErrandFilter { lifecycle: Some(Lifecycle::Closed), ..Default::default() }, None, 100)
        .await
        .unwrap();
    assert_eq!((none.total, none.items.len(), none.next), (0, 0, None));
    db.cleanup().await;
}

#[tokio::test]
async fn sessions_expire_and_api_keys_resolve_by_hash() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let id = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "Agnes".into(),
                email: Some("agnes@example.com".into()),
                role: Role::Agent,
                unit: Some(code("KC")),
                password_hash: "h".into(),
            },
            t(2026, 1, 1, 0),
        )
        .await
        .unwrap();
    let dup = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "X".into(),
                email: None,
                role: Role::Agent,
                unit: None,
                password_hash: "h".into(),
            },
            t(2026, 1, 1, 0),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate("username"))));
    let token = [7u8; 32];
    s.create_session(&token, id, t(2026, 1, 1, 0), t(2026, 1, 1, 8)).await.unwrap();
    assert_eq!(s.session_user(&token, t(2026, 1, 1, 7)).await.unwrap().map(|u| u.username), Some("agent".into()));
    assert!(s.session_user(&token, t(2026, 1, 1, 9)).await.unwrap().is_none(), "expired session");
    s.delete_session(&token).await.unwrap();
    assert!(s.session_user(&token, t(2026, 1, 1, 7)).await.unwrap().is_none());

    let key_id = s
        .create_api_key("Entreprenör AB", &[1u8; 32], &[Scope::ErrandsWrite, Scope::ErrandsRead], t(2026, 1, 1, 0))
        .await
        .unwrap();
    let key = s.api_key_by_hash(&[1u8; 32]).await.unwrap().unwrap();
    assert_eq!((key.id, key.scopes), (key_id, vec![Scope::ErrandsWrite, Scope::ErrandsRead]));
    assert!(s.api_key_by_hash(&[2u8; 32]).await.unwrap().is_none());
    assert!(s.revoke_api_key(key_id, t(2026, 1, 2, 0)).await.unwrap());
    assert!(s.api_key_by_hash(&[1u8; 32]).await.unwrap().is_none(), "a revoked key no longer works");
    assert!(!s.revoke_api_key(key_id, t(2026, 1, 2, 0)).await.unwrap(), "revoking twice reports nothing to do");
    db.cleanup().await;
}

#[tokio::test]
async fn audit_entries_and_one_time_claims() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let entry = AuditEntry {
        at: t(2026, 3, 1, 10),
        actor_kind: "user".into(),
        actor_id: None,
        actor_name: "Agnes".into(),
        action: "errand.read".into(),
        errand_id: Some(e.id),
        purpose: Some("Samtal från invånare".into()),
    };
    s.record_audit(&entry).await.unwrap();
    assert_eq!(s.audit_for_errand(e.id).await.unwrap(), vec![entry]);
    assert!(s.claim_once("demo_seeded", "1").await.unwrap());
    assert!(!s.claim_once("demo_seeded", "2").await.unwrap());
    assert_eq!(s.meta("demo_seeded").await.unwrap().as_deref(), Some("1"));
    let services = s.list_services().await.unwrap();
    assert_eq!(services.len(), 2);
    assert_eq!(services[1].status_name_sv(Lifecycle::InProgress), "Åtgärdas");
    assert_eq!(services[1].status_name_sv(Lifecycle::New), "Ny");
    db.cleanup().await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_data_survives_reopening() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    let e = register(db.store.as_ref(), "pothole", "TK", t(2026, 3, 1, 9)).await;
    let reopened = porten_store::open(&db.url).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.get_errand(e.public_id).await.unwrap().unwrap().registry_number, e.registry_number);
    reopened.ping().await.unwrap();
    db.cleanup().await;
}

#[tokio::test]
async fn a_later_registration_never_rewrites_an_earlier_party() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let party = |name: &str, email: &str| Party {
        role: PartyRole::Applicant,
        name: name.into(),
        personal_number: Some(PersonalIdentityNumber::parse("19121212-1212").unwrap()),
        organisation_number: None,
        contacts: vec![ContactChannel::Email(email.into())],
    };
    let mut first = new_errand("pothole", "Första", Channel::Web);
    first.parties = vec![party("Tolvan Tolvansson", "tolvan@example.com")];
    let mut second = new_errand("pothole", "Andra", Channel::Web);
    second.parties = vec![party("Någon Annan", "annan@example.com")];
    let mut stored = Vec::new();
    for new in [&first, &second] {
        stored.push(
            s.register_errand(Registration {
                public_id: random_id(),
                errand: new,
                unit: &code("TK"),
                actor: &system(),
                at: t(2026, 3, 1, 9),
            })
            .await
            .unwrap(),
        );
    }
    let reread = s.get_errand(stored[0].public_id).await.unwrap().unwrap();
    assert_eq!(reread.parties, first.parties, "the first errand keeps the name and contacts it was registered with");
    let reread = s.get_errand(stored[1].public_id).await.unwrap().unwrap();
    assert_eq!(reread.parties[0].name, "Någon Annan");
    db.cleanup().await;
}

#[tokio::test]
async fn commands_are_authorized_on_the_locked_row_and_confidential_lists_are_filtered() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let deny = |_: &Errand| false;
    let refused = s
        .apply_command(e.public_id, None, &system(), Command::AddNote { body: "x".into() }, t(2026, 3, 1, 10), &deny)
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound)));
    assert_eq!(s.timeline(e.id).await.unwrap().len(), 1, "a refused command leaves no event");

    let mut secret = new_errand("general-question", "Hemligt", Channel::Phone);
    secret.confidential = true;
    s.register_errand(Registration {
        public_id: random_id(),
        errand: &secret,
        unit: &code("KC"),
        actor: &system(),
        at: t(2026, 3, 1, 9),
    })
    .await
    .unwrap();
    let count = |units: Option<Vec<UnitCode>>| async move {
        s.list_errands(&ErrandFilter { confidential_units: units, ..Default::default() }, None, 50).await.unwrap().total
    };
    assert_eq!(count(None).await, 2);
    assert_eq!(count(Some(vec![])).await, 1, "no confidential errands");
    assert_eq!(count(Some(vec![code("TK")])).await, 1, "confidential errands of other units are not counted");
    assert_eq!(count(Some(vec![code("TK"), code("KC")])).await, 2);
    db.cleanup().await;
}

#[tokio::test]
async fn contact_counts_group_errands_per_bucket_and_channel() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    for (when, channel) in [
        (at(8, 0), Channel::Phone),
        (at(8, 59), Channel::Phone),
        (at(8, 30), Channel::Web),
        (at(9, 15), Channel::Phone),
        (at(11, 45), Channel::Email),
        (at(7, 59), Channel::Phone), // before the window
        (at(12, 0), Channel::Phone), // the window's end is exclusive
    ] {
        let new = new_errand("general-question", "Samtal", channel);
        s.register_errand(Registration {
            public_id: random_id(),
            errand: &new,
            unit: &code("KC"),
            actor: &system(),
            at: when,
        })
        .await
        .unwrap();
    }
    let counts = s.contact_counts(at(8, 0), at(12, 0), 60).await.unwrap();
    let got: Vec<(DateTime<Utc>, Channel, u64)> = counts.iter().map(|c| (c.bucket_start, c.channel, c.count)).collect();
    assert_eq!(
        got,
        [
            (at(8, 0), Channel::Phone, 2),
            (at(8, 0), Channel::Web, 1),
            (at(9, 0), Channel::Phone, 1),
            (at(11, 0), Channel::Email, 1)
        ]
    );
    let quarters = s.contact_counts(at(8, 0), at(9, 0), 15).await.unwrap();
    let got: Vec<(DateTime<Utc>, u64)> = quarters.iter().map(|c| (c.bucket_start, c.count)).collect();
    assert_eq!(got, [(at(8, 0), 1), (at(8, 30), 1), (at(8, 45), 1)]);
    assert!(s.contact_counts(at(13, 0), at(14, 0), 60).await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn a_backup_is_a_complete_database_or_a_clear_refusal() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let dir = std::env::temp_dir().join(format!("porten-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("copy.db");
    match s.backend() {
        porten_store::Backend::Sqlite => {
            s.backup(&target).await.unwrap();
            let copy = porten_store::open(&format!("sqlite://{}", target.display())).await.unwrap();
            assert_eq!(copy.get_errand(e.public_id).await.unwrap().unwrap().registry_number, e.registry_number);
            assert!(matches!(s.backup(&target).await, Err(StoreError::Duplicate(_))), "never overwrites");
        }
        porten_store::Backend::Postgres => {
            assert!(matches!(s.backup(&target).await, Err(StoreError::Unsupported(_))));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    db.cleanup().await;
}

#[tokio::test]
async fn imported_acd_intervals_are_stored_replaced_and_read_back_by_channel() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let row = |h: u32, offered: f64, channel: Channel| porten_store::AcdInterval {
        channel,
        start: t(2026, 3, 2, h),
        minutes: 60,
        offered,
        answered: offered - 1.0,
        abandoned: 1.0,
        aht_seconds: 287.5,
    };
    let first = vec![row(8, 10.0, Channel::Phone), row(9, 20.0, Channel::Phone), row(9, 3.0, Channel::Visit)];
    assert_eq!(s.import_acd(&first).await.unwrap(), 3);
    // Importing the same interval again replaces it.
    s.import_acd(&[row(9, 25.0, Channel::Phone)]).await.unwrap();
    let phone = s.acd_intervals(Channel::Phone, t(2026, 3, 2, 0), t(2026, 3, 3, 0)).await.unwrap();
    assert_eq!(phone, vec![row(8, 10.0, Channel::Phone), row(9, 25.0, Channel::Phone)]);
    let window = s.acd_intervals(Channel::Phone, t(2026, 3, 2, 9), t(2026, 3, 2, 10)).await.unwrap();
    assert_eq!(window.len(), 1, "the window is half-open");
    db.cleanup().await;
}

#[tokio::test]
async fn logged_contacts_count_once_and_give_the_service_mix() {
    use porten_domain::{ContactOutcome, ContactTopic, LoggedContact};
    use porten_store::ContactLogEntry;
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    let agent = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "Agent".into(),
                email: None,
                role: Role::Agent,
                unit: Some(code("KC")),
                password_hash: "x".into(),
            },
            at(7, 0),
        )
        .await
        .unwrap();
    let entry = |h, m, channel, topic, outcome, minutes: Option<u32>| ContactLogEntry {
        contact: LoggedContact { channel, topic, outcome, handle_seconds: minutes.map(|m| m * 60) },
        started_at: at(h, m),
        agent_id: Some(agent),
    };
    let pothole = || ContactTopic::Service("pothole".into());
    let entries = [
        entry(8, 5, Channel::Phone, pothole(), ContactOutcome::Resolved, Some(4)),
        entry(8, 20, Channel::Phone, ContactTopic::TechHelp, ContactOutcome::Resolved, Some(10)),
        entry(8, 40, Channel::Phone, pothole(), ContactOutcome::Referred, None),
        // Became an errand: counted through the errand registered below.
        entry(9, 10, Channel::Phone, pothole(), ContactOutcome::Errand, Some(6)),
        entry(9, 30, Channel::Visit, ContactTopic::General, ContactOutcome::Resolved, Some(15)),
    ];
    assert_eq!(s.log_contacts(&entries).await.unwrap(), 5);
    let new = new_errand("pothole", "Hål i vägen", Channel::Phone);
    s.register_errand(Registration {
        public_id: random_id(),
        errand: &new,
        unit: &code("TK"),
        actor: &system(),
        at: at(9, 12),
    })
    .await
    .unwrap();

    let counts = s.contact_counts(at(8, 0), at(10, 0), 60).await.unwrap();
    let got: Vec<(DateTime<Utc>, Channel, u64)> = counts.iter().map(|c| (c.bucket_start, c.channel, c.count)).collect();
    assert_eq!(got, [(at(8, 0), Channel::Phone, 3), (at(9, 0), Channel::Phone, 1), (at(9, 0), Channel::Visit, 1)]);

    let mix = s.contact_mix(Channel::Phone, at(8, 0), at(10, 0)).await.unwrap();
    let got: Vec<(Option<&str>, u64, u64, f64)> =
        mix.iter().map(|m| (m.service_code.as_deref(), m.contacts, m.timed, m.handle_seconds)).collect();
    // pothole: two logged (resolved, referred) + one errand; the errand's logged 6 minutes still count as work.
    assert_eq!(got, [(Some("pothole"), 3, 2, 600.0), (None, 1, 1, 600.0)]);
    assert!(s.contact_mix(Channel::Email, at(8, 0), at(10, 0)).await.unwrap().is_empty());
    assert_eq!(s.first_logged_contact(Channel::Visit).await.unwrap(), Some(at(9, 30)));
    assert_eq!(s.first_logged_contact(Channel::Phone).await.unwrap(), Some(at(8, 5)));
    assert_eq!(s.first_logged_contact(Channel::Email).await.unwrap(), None);

    let mine = s.contacts_logged_by(agent, 2).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!((mine[0].started_at, mine[0].contact.topic.clone()), (at(9, 30), ContactTopic::General));
    assert_eq!(mine[1].contact, entries[3].contact, "read back as written");
    assert!(s.contacts_logged_by(agent + 1, 10).await.unwrap().is_empty());

    // Retention: who logged the early contacts is forgotten; they still count.
    assert_eq!(s.forget_contact_agents(at(8, 30)).await.unwrap(), 2);
    assert_eq!(s.forget_contact_agents(at(8, 30)).await.unwrap(), 0, "nothing left to forget");
    assert_eq!(s.contacts_logged_by(agent, 10).await.unwrap().len(), 3);
    let mix = s.contact_mix(Channel::Phone, at(8, 0), at(10, 0)).await.unwrap();
    assert_eq!(mix.iter().map(|m| m.contacts).sum::<u64>(), 4);
    db.cleanup().await;
}

#[tokio::test]
async fn day_exceptions_are_set_replaced_listed_and_removed() {
    use chrono::NaiveDate;
    use porten_domain::calendar::DayException;
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let admin = s
        .create_user(
            &NewUser {
                username: "admin".into(),
                display_name: "Admin".into(),
                email: None,
                role: Role::SystemAdmin,
                unit: None,
                password_hash: "x".into(),
            },
            t(2026, 11, 1, 8),
        )
        .await
        .unwrap();
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let exception = |m, d, open, note: &str| DayException { date: day(m, d), open, note: note.into() };
    s.set_day_exception(&exception(12, 24, false, "Stängt"), admin, t(2026, 11, 2, 9)).await.unwrap();
    s.set_day_exception(&exception(5, 15, false, "Klämdag"), admin, t(2026, 11, 2, 9)).await.unwrap();
    s.set_day_exception(&exception(12, 24, true, "Öppet ändå"), admin, t(2026, 11, 3, 9)).await.unwrap();
    assert_eq!(
        s.day_exceptions(day(1, 1), day(12, 31)).await.unwrap(),
        [exception(5, 15, false, "Klämdag"), exception(12, 24, true, "Öppet ändå")],
        "by date; the later decision replaced the earlier one"
    );
    assert_eq!(s.day_exceptions(day(5, 16), day(12, 24)).await.unwrap(), [], "[from, to)");
    assert!(s.delete_day_exception(day(5, 15)).await.unwrap());
    assert!(!s.delete_day_exception(day(5, 15)).await.unwrap(), "nothing left to remove");
    assert_eq!(s.day_exceptions(day(1, 1), day(12, 31)).await.unwrap().len(), 1);
    db.cleanup().await;
}
