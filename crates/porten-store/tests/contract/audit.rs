use super::*;

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
    let citizen = |s| services[1].status_words(s, porten_domain::Viewer::Citizen);
    assert_eq!(citizen(Lifecycle::InProgress), ("Åtgärdas", "Being fixed"));
    assert_eq!(citizen(Lifecycle::New), ("Mottaget", "Received"));
    db.cleanup().await;
}

#[tokio::test]
async fn an_audit_entry_attached_to_a_write_commits_with_it_or_not_at_all() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let entry = |action: &str| AuditEntry {
        at: t(2026, 3, 1, 10),
        actor_kind: "system".into(),
        actor_id: None,
        actor_name: "contract-test".into(),
        action: action.into(),
        errand_id: Some(e.id),
        purpose: None,
    };
    let note = || Command::AddNote { body: "Anteckning".into() };
    let actor = system();
    let ok = s.apply_command(e.public_id, Some(1), &actor, note(), t(2026, 3, 1, 10), Arc::new(allow));
    porten_store::with_audit(entry("note.added"), ok).await.unwrap();
    let stale = s.apply_command(e.public_id, Some(1), &actor, note(), t(2026, 3, 1, 11), Arc::new(allow));
    let refused = porten_store::with_audit(entry("note.refused"), stale).await;
    assert!(matches!(refused, Err(StoreError::Conflict { current: 2 })));
    let trail: Vec<String> = s.audit_for_errand(e.id).await.unwrap().into_iter().map(|a| a.action).collect();
    assert_eq!(trail, ["note.added"], "the refused write left no entry");
    db.cleanup().await;
}

#[tokio::test]
async fn a_registration_can_carry_an_audit_entry() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let first = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let entry = AuditEntry {
        at: t(2026, 3, 1, 10),
        actor_kind: "system".into(),
        actor_id: None,
        actor_name: "contract-test".into(),
        action: "errand.related".into(),
        errand_id: Some(first.id),
        purpose: Some("Import".into()),
    };
    // Registration is a direct command on SQLite, which carries nothing
    // along: with an entry to carry it goes the ordinary way, and both commit.
    let registered = porten_store::with_audit(entry.clone(), register(s, "pothole", "TK", t(2026, 3, 1, 10))).await;
    assert_eq!(registered.registry_number.serial, 2);
    assert!(s.get_errand(registered.public_id).await.unwrap().is_some());
    assert_eq!(s.audit_for_errand(first.id).await.unwrap(), [entry]);
    db.cleanup().await;
}
