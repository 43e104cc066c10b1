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
    assert_eq!(services[1].status_name_sv(Lifecycle::InProgress), "Åtgärdas");
    assert_eq!(services[1].status_name_sv(Lifecycle::New), "Ny");
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
