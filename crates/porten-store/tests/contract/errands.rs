use super::*;

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
            let errand = try_register(store.as_ref(), "pothole", random_id(), t(2026, 5, 5, 12)).await;
            errand.unwrap().registry_number.serial
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
    assert!(matches!(err, StoreError::Duplicate("errand")), "{err:?}");
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
    assert_eq!(loaded.location, new.location, "the location, coordinates to the last digit");
    assert!(loaded.location.is_some());
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
async fn an_errand_of_a_service_made_confidential_is_confidential_whatever_the_caller_read() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let mut service = s.get_service("pothole").await.unwrap().unwrap();
    let before = register(s, "pothole", "TK", t(2026, 4, 2, 8)).await;
    assert!(!before.confidential);
    service.confidential = true;
    s.upsert_service(&service).await.unwrap();
    // The caller's copy of the service (a node's cache) still says open.
    let mut new = new_errand("pothole", "Efter ändringen", Channel::Web);
    new.parties = vec![Party {
        role: PartyRole::Applicant,
        name: "Tolvan Tolvansson".into(),
        personal_number: Some(PersonalIdentityNumber::parse("19121212-1212").unwrap()),
        organisation_number: None,
        contacts: vec![],
    }];
    let at = t(2026, 4, 2, 9);
    let after = s
        .register_errand(Registration { public_id: random_id(), errand: &new, unit: &code("TK"), actor: &system(), at })
        .await
        .unwrap();
    assert!(after.confidential, "the answer says confidential");
    assert!(s.get_errand(after.public_id).await.unwrap().unwrap().confidential, "and so does the stored errand");
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
        .apply_command(
            e.public_id,
            Some(1),
            &officer,
            Command::Assign { assignee: Some(officer_id) },
            now,
            Arc::new(allow),
        )
        .await
        .unwrap();
    assert_eq!((assigned.version, assigned.lifecycle, assigned.assignee), (2, Lifecycle::Open, Some(officer_id)));

    let stale = s
        .apply_command(
            e.public_id,
            Some(1),
            &officer,
            Command::AddNote { body: "Gammal version".into() },
            now,
            Arc::new(allow),
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { current: 2 }), "{stale:?}");

    let unknown_user = s
        .apply_command(e.public_id, None, &officer, Command::Assign { assignee: Some(9999) }, now, Arc::new(allow))
        .await;
    assert!(matches!(unknown_user, Err(StoreError::UnknownReference("user"))));

    s.apply_command(
        e.public_id,
        Some(2),
        &officer,
        Command::AddMessage { direction: Direction::Out, body: "Vi lagar hålet".into() },
        now,
        Arc::new(allow),
    )
    .await
    .unwrap();
    let resolved = s
        .apply_command(
            e.public_id,
            Some(3),
            &officer,
            Command::resolve(porten_domain::Outcome::Answered, "Lagat"),
            now,
            Arc::new(allow),
        )
        .await
        .unwrap();
    assert_eq!(resolved.resolved_at, Some(now));
    let closed = s
        .apply_command(e.public_id, None, &officer, Command::status(Lifecycle::Closed, None), now, Arc::new(allow))
        .await
        .unwrap();
    let illegal = s
        .apply_command(e.public_id, None, &officer, Command::status(Lifecycle::InProgress, None), now, Arc::new(allow))
        .await
        .unwrap_err();
    assert!(matches!(illegal, StoreError::Command(_)));

    // The stored row is exactly the state the timeline leads to.
    let loaded = s.get_errand(e.public_id).await.unwrap().unwrap();
    assert_eq!(loaded, closed);
    let timeline = s.timeline(loaded.id).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|ev| ev.kind.type_name()).collect();
    let expected =
        ["registered", "assigned", "status_changed", "message", "decided", "status_changed", "status_changed"];
    assert_eq!(kinds, expected);
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
            Arc::new(allow),
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
            Arc::new(allow),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownReference("unit")));
    let tk = s
        .list_errands(&ErrandFilter { unit: Some(code("TK")), ..Default::default() }, Sort::Newest, None, 10)
        .await
        .unwrap();
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
    let walk = |sort: Sort| {
        let filter = filter.clone();
        async move {
            let mut got = Vec::new();
            let mut after = None;
            loop {
                let page = s.list_errands(&filter, sort, after, 4).await.unwrap();
                assert!(page.items.len() <= 4);
                got.extend(page.items.iter().map(|x| x.public_id));
                match page.next {
                    Some(c) => after = Some(c),
                    None => break (got, page.total),
                }
            }
        }
    };
    let (got, total) = walk(Sort::Newest).await;
    assert_eq!(total as usize, want.len());
    assert_eq!(got, want.iter().map(|e| e.public_id).collect::<Vec<_>>());

    // Every queue order pages the same set in its own order: raise some
    // priorities (each raise is also the errand's latest activity).
    for (i, e) in expected.iter().enumerate().filter(|(i, _)| i % 3 != 0 && i % 2 == 1) {
        let priority = if i % 4 == 1 { Priority::High } else { Priority::Urgent };
        let at = start + Duration::days(2) - Duration::minutes(i as i64);
        let raise = Command::SetPriority { priority };
        s.apply_command(e.public_id, None, &system(), raise, at, Arc::new(allow)).await.unwrap();
    }
    let mut now = Vec::new();
    for e in want.iter() {
        now.push(s.get_errand(e.public_id).await.unwrap().unwrap());
    }
    let urgency = |e: &Errand| 3 - e.priority as i64;
    type Order = Box<dyn Fn(&Errand, &Errand) -> std::cmp::Ordering>;
    let orders: [(Sort, Order); 3] = [
        (Sort::Oldest, Box::new(|a, b| (a.created_at, a.id).cmp(&(b.created_at, b.id)))),
        (Sort::Priority, Box::new(move |a, b| (urgency(a), a.created_at, a.id).cmp(&(urgency(b), b.created_at, b.id)))),
        (Sort::LastActivity, Box::new(|a, b| (b.updated_at, b.id).cmp(&(a.updated_at, a.id)))),
    ];
    for (sort, order) in orders {
        now.sort_by(|a, b| order(a, b));
        let (got, _) = walk(sort).await;
        assert_eq!(got, now.iter().map(|e| e.public_id).collect::<Vec<_>>(), "{sort:?}");
    }
    // Due soonest first, then those without a running clock, by id; two
    // share a due time, so the id decides between them.
    let due = |i: usize| (i % 3 != 2).then(|| start + Duration::days(10) - Duration::hours((i % 4) as i64));
    let updates: Vec<ClockUpdate> =
        now.iter().enumerate().map(|(i, e)| ClockUpdate { errand_id: e.id, due_at: due(i), warn_at: due(i) }).collect();
    s.set_clocks(&updates).await.unwrap();
    let mut by_due: Vec<(Option<chrono::DateTime<chrono::Utc>>, i64, PublicId)> =
        now.iter().enumerate().map(|(i, e)| (due(i), e.id, e.public_id)).collect();
    by_due.sort_by_key(|(d, id, _)| (d.is_none(), *d, *id));
    let (got, total) = walk(Sort::Due).await;
    assert_eq!(total as usize, now.len());
    assert_eq!(got, by_due.iter().map(|x| x.2).collect::<Vec<_>>(), "due");

    let in_range = s
        .list_errands(
            &ErrandFilter {
                created_from: Some(start),
                created_to: Some(start + Duration::hours(2)),
                ..Default::default()
            },
            Sort::Newest,
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(in_range.total, 4);
    let none = s
        .list_errands(
            &ErrandFilter { lifecycle: Some(Lifecycle::Closed), ..Default::default() },
            Sort::Newest,
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!((none.total, none.items.len(), none.next), (0, 0, None));
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
        .apply_command(
            e.public_id,
            None,
            &system(),
            Command::AddNote { body: "x".into() },
            t(2026, 3, 1, 10),
            Arc::new(deny),
        )
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
        s.list_errands(&ErrandFilter { confidential_units: units, ..Default::default() }, Sort::Newest, None, 50)
            .await
            .unwrap()
            .total
    };
    assert_eq!(count(None).await, 2);
    assert_eq!(count(Some(vec![])).await, 1, "no confidential errands");
    assert_eq!(count(Some(vec![code("TK")])).await, 1, "confidential errands of other units are not counted");
    assert_eq!(count(Some(vec![code("TK"), code("KC")])).await, 2);
    db.cleanup().await;
}

#[tokio::test]
async fn a_batch_of_errands_is_read_with_parties_and_timelines_and_every_id_walked() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let a = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let b = register(s, "general-question", "KC", t(2026, 3, 1, 10)).await;
    let note = Command::AddNote { body: "Uppringd".into() };
    s.apply_command(b.public_id, None, &system(), note, t(2026, 3, 1, 11), Arc::new(allow)).await.unwrap();

    let ids = [b.id, a.id, b.id + 1000];
    let mut timelines = s.timelines_of(&ids).await.unwrap();
    let read: Vec<_> = s
        .errands_by_ids(&ids)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let timeline = timelines.remove(&e.id).unwrap_or_default();
            (e, timeline)
        })
        .collect();
    assert_eq!(read.iter().map(|(e, _)| e.id).collect::<Vec<_>>(), [a.id, b.id], "by id; an unknown id is left out");
    for (errand, timeline) in &read {
        let one = s.get_errand(errand.public_id).await.unwrap().unwrap();
        assert_eq!(errand, &one, "as get_errand reads it, parties included");
        assert_eq!(timeline, &s.timeline(errand.id).await.unwrap());
    }
    assert_eq!(read[1].1.len(), 2, "registered, then the note");
    assert!(s.errands_by_ids(&[]).await.unwrap().is_empty() && s.timelines_of(&[]).await.unwrap().is_empty());

    assert_eq!(s.errand_ids(0, 1).await.unwrap(), [a.id]);
    assert_eq!(s.errand_ids(a.id, 10).await.unwrap(), [b.id]);
    assert!(s.errand_ids(b.id, 10).await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn commands_on_several_errands_are_written_together_or_not_at_all() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let a = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let b = register(s, "pothole", "TK", t(2026, 3, 1, 10)).await;
    let note = |body: &str| Command::AddNote { body: body.into() };
    let refused = s
        .apply_commands(
            vec![(a.public_id, note("Kopplat")), (b.public_id, note(" "))],
            &system(),
            t(2026, 3, 2, 9),
            Arc::new(allow),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Command(_))), "{refused:?}");
    for e in [&a, &b] {
        assert_eq!(s.timeline(e.id).await.unwrap().len(), 1, "nothing written");
    }
    let done = s
        .apply_commands(
            vec![(b.public_id, note("Ett")), (a.public_id, note("Två"))],
            &system(),
            t(2026, 3, 2, 9),
            Arc::new(allow),
        )
        .await
        .unwrap();
    assert_eq!(done.iter().map(|e| (e.public_id, e.version)).collect::<Vec<_>>(), [(b.public_id, 2), (a.public_id, 2)]);
    db.cleanup().await;
}

#[tokio::test]
async fn an_idempotency_key_registers_one_errand_even_when_a_retry_races_past_the_check() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let key_id = s
        .create_api_key("Entreprenör", b"hash-1", &[porten_domain::Scope::ErrandsWrite], t(2026, 3, 1, 8))
        .await
        .unwrap();
    let new = new_errand("pothole", "Hål", Channel::Open311);
    let at = t(2026, 3, 1, 9);
    let (unit, actor) = (code("TK"), system());
    let register = |id| s.register_errand(Registration { public_id: id, errand: &new, unit: &unit, actor: &actor, at });
    let first_id = random_id();
    let first = porten_store::with_idempotency(key_id, "fms-1", first_id, at, register(first_id)).await.unwrap();
    assert_eq!(s.idempotent_errand(key_id, "fms-1").await.unwrap(), Some(first.public_id));
    assert_eq!(s.idempotent_errand(key_id, "fms-2").await.unwrap(), None);
    // A retry that did not see the key registers nothing: the whole write fails.
    let retry_id = random_id();
    let retry = porten_store::with_idempotency(key_id, "fms-1", retry_id, at, register(retry_id)).await;
    assert!(matches!(retry, Err(StoreError::Duplicate("idempotency key"))), "{retry:?}");
    assert!(s.get_errand(retry_id).await.unwrap().is_none(), "not registered");
    let next = register(random_id()).await.unwrap();
    assert_eq!(next.registry_number.serial, first.registry_number.serial + 1, "its number was given back");
    db.cleanup().await;
}
