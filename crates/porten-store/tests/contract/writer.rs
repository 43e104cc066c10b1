//! The group-commit writer: commands that arrive together commit together,
//! each with its own outcome.

use super::*;

#[tokio::test]
async fn a_failing_command_in_a_batch_leaves_the_others_and_their_numbers_intact() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    // Forty registrations at once; every fourth names a service that does not
    // exist and fails inside the batch after the others have started.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let service = if i % 4 == 3 { "no-such-service" } else { "pothole" };
            try_register(store.as_ref(), service, random_id(), t(2026, 5, 4, 9)).await
        }));
    }
    let mut serials = BTreeSet::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(e) => assert!(serials.insert(e.registry_number.serial)),
            Err(StoreError::UnknownReference("service")) => refused += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 10);
    assert_eq!(serials, (1..=30).collect::<BTreeSet<u32>>(), "gapless despite the failures");
    let page = db.store.list_errands(&ErrandFilter::default(), Sort::Newest, None, 200).await.unwrap();
    assert_eq!(page.total, 30, "a failed registration leaves no errand behind");
    let next = register(db.store.as_ref(), "pothole", "TK", t(2026, 5, 4, 10)).await;
    assert_eq!(next.registry_number.serial, 31);
    db.cleanup().await;
}

#[tokio::test]
async fn registrations_and_other_commands_arriving_together_all_commit() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    seed(s.as_ref()).await;
    let first = register(s.as_ref(), "pothole", "TK", t(2026, 5, 4, 9)).await;
    // Registrations (direct commands on SQLite) and notes (sqlx commands)
    // interleaved: the writer commits each run of one kind in order.
    let mut registrations = Vec::new();
    let mut notes = Vec::new();
    for i in 0..20 {
        let store = s.clone();
        registrations.push(tokio::spawn(async move {
            try_register(store.as_ref(), "pothole", random_id(), t(2026, 5, 4, 10)).await.unwrap()
        }));
        let store = s.clone();
        notes.push(tokio::spawn(async move {
            let note = Command::AddNote { body: format!("Anteckning {i}") };
            store.apply_command(first.public_id, None, &system(), note, t(2026, 5, 4, 10), Arc::new(allow)).await
        }));
    }
    let mut serials = BTreeSet::new();
    for task in registrations {
        let errand = task.await.unwrap();
        assert!(serials.insert(errand.registry_number.serial));
        let stored = s.get_errand(errand.public_id).await.unwrap().expect("acknowledged means committed");
        assert_eq!(stored, errand, "the answer is what was stored");
    }
    for task in notes {
        task.await.unwrap().unwrap();
    }
    assert_eq!(serials, (2..=21).collect::<BTreeSet<u32>>());
    assert_eq!(s.timeline(first.id).await.unwrap().len(), 21, "registered plus twenty notes");
    db.cleanup().await;
}

#[tokio::test]
async fn concurrent_commands_on_one_errand_each_get_their_own_outcome() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    seed(s.as_ref()).await;
    let e = register(s.as_ref(), "pothole", "TK", t(2026, 5, 4, 9)).await;
    // Ten notes against version 1 at once: exactly one wins, the rest conflict.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = s.clone();
        tasks.push(tokio::spawn(async move {
            store
                .apply_command(
                    e.public_id,
                    Some(1),
                    &system(),
                    Command::AddNote { body: format!("Anteckning {i}") },
                    t(2026, 5, 4, 10),
                    Arc::new(allow),
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(errand) => {
                won += 1;
                assert_eq!(errand.version, 2);
            }
            Err(StoreError::Conflict { current: 2 }) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(won, 1);
    let timeline = s.timeline(e.id).await.unwrap();
    assert_eq!(timeline.len(), 2, "registered plus the one note that won");
    db.cleanup().await;
}

#[tokio::test]
async fn a_command_failing_after_taking_its_number_gives_the_number_back() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    seed(s.as_ref()).await;
    let taken = register(s.as_ref(), "pothole", "TK", t(2026, 5, 4, 9)).await;
    // Registrations that reuse a public id fail on the errand's unique key,
    // after the counter row has handed them a serial.
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = s.clone();
        tasks.push(tokio::spawn(async move {
            let public_id = if i % 3 == 0 { taken.public_id } else { random_id() };
            let errand = try_register(store.as_ref(), "pothole", public_id, t(2026, 5, 4, 10)).await;
            errand.map(|e| e.registry_number.serial)
        }));
    }
    let mut serials = BTreeSet::from([taken.registry_number.serial]);
    let mut failed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(serial) => assert!(serials.insert(serial)),
            Err(StoreError::Duplicate("errand")) => failed += 1,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(failed, 4);
    assert_eq!(serials, (1..=9).collect::<BTreeSet<u32>>(), "the failed ones took no number for good");
    db.cleanup().await;
}

#[tokio::test]
async fn a_command_that_panics_fails_alone_and_the_store_keeps_writing() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    seed(s.as_ref()).await;
    let e = register(s.as_ref(), "pothole", "TK", t(2026, 5, 4, 9)).await;
    let note = || Command::AddNote { body: "Anteckning".into() };
    let panicking: porten_store::Authorize = Arc::new(|_| panic!("a broken access rule"));
    let outcome = s.apply_command(e.public_id, None, &system(), note(), t(2026, 5, 4, 10), panicking).await;
    assert!(matches!(outcome, Err(StoreError::BatchFailed(_))), "{outcome:?}");
    let after = s.apply_command(e.public_id, Some(1), &system(), note(), t(2026, 5, 4, 11), Arc::new(allow)).await;
    assert_eq!(after.unwrap().version, 2, "nothing of the panicked command was kept");
    let next = register(s.as_ref(), "pothole", "TK", t(2026, 5, 4, 12)).await;
    assert_eq!(next.registry_number.serial, 2);
    s.ping().await.unwrap();
    db.cleanup().await;
}
