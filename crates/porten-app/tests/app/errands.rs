//! Errands through App, as a case officer depends on them: the registry
//! number an errand gets and what the officer reads, the list of their
//! unit's errands, assignment, a handover moving an errand (and who may see
//! it) to another unit, and optimistic locking. Who may do what is the table
//! in `access.rs`; the citizen's side (replies, a closed errand) is in
//! `eservices.rs`; numbering across the new year is the store's contract.

use chrono::Duration;
use porten_app::{AppError, ListQuery};
use porten_domain::errand::RawErrand;
use porten_domain::{Actor, Channel, Command, EventKind, Lifecycle, PublicId, RegistryNumber};
use porten_store::{ErrandFilter, ErrandSummary, Page};

use crate::support::{TestApp, code, system};

/// A fixture user's id.
fn id_of(t: &TestApp, username: &str) -> i64 {
    match t.user(username) {
        Actor::User { id, .. } => id,
        other => panic!("{other:?} is no user"),
    }
}

/// The registry numbers on a page, in its order.
fn numbers(page: &Page<ErrandSummary>) -> Vec<String> {
    page.items.iter().map(|s| s.registry_number.to_string()).collect()
}

/// The kinds of events on an errand's timeline, as `actor` reads it.
async fn timeline(t: &TestApp, actor: &Actor, id: PublicId) -> Vec<EventKind> {
    t.app.read_errand(actor, id, None).await.unwrap().timeline.into_iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_registered_errand_gets_its_units_next_registry_number_and_is_read_as_registered() {
    let t = TestApp::new().await;
    let first = t.errand("pothole", false).await;
    let question = t.errand("general-question", false).await;
    let second = t.errand("pothole", false).await;
    let got: Vec<String> = [&first, &question, &second].iter().map(|e| e.registry_number.to_string()).collect();
    assert_eq!(got, ["TK 2026/00001", "KC 2026/00001", "TK 2026/00002"], "each owning unit's series for the year");
    assert_eq!(RegistryNumber::parse(&got[0]), Ok(first.registry_number.clone()), "the number reads back");
    assert_eq!((&first.unit, &question.unit), (&code("TK"), &code("KC")), "the service's unit owns the errand");
    assert_eq!((first.lifecycle, first.version, first.created_at), (Lifecycle::New, 1, t.app.now()));

    // What the case officer opens: the errand as registered, one event naming
    // its number, and its service.
    let view = t.app.read_errand(&t.user("case_officer"), first.public_id, None).await.unwrap();
    assert_eq!(view.errand.registry_number, first.registry_number);
    assert_eq!(view.errand.parties[0].name, "Tolvan Tolvansson");
    assert_eq!(view.service.map(|s| s.code).as_deref(), Some("pothole"));
    let registered = EventKind::Registered { registry_number: "TK 2026/00001".into(), channel: Channel::Web };
    assert_eq!(view.timeline.iter().map(|e| &e.kind).collect::<Vec<_>>(), [&registered]);
    assert_eq!((view.timeline[0].at, view.timeline[0].actor_name.as_str()), (t.app.now(), "test"));

    // An unknown service is refused on its field, and takes no number.
    let raw = RawErrand {
        service_code: "nope".into(),
        title: "Fråga".into(),
        description: "Text".into(),
        channel: "web".into(),
        ..Default::default()
    };
    let refused = t.app.register_errand(&system(), raw).await;
    assert!(matches!(&refused, Err(AppError::Invalid(v)) if v.0[0].field == "service_code"), "{refused:?}");
    assert_eq!(t.errand("pothole", false).await.registry_number.to_string(), "TK 2026/00003");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_case_officer_lists_their_units_errands_newest_first_a_page_at_a_time() {
    let t = TestApp::new().await;
    let mut tk = Vec::new();
    for _ in 0..3 {
        tk.push(t.errand("pothole", false).await);
        t.clock.advance(Duration::minutes(1));
    }
    t.errand("general-question", false).await;
    // A personal identity number typed into a title.
    let raw = RawErrand {
        service_code: "pothole".into(),
        title: "Hål, anmält av 19121212-1212".into(),
        description: "Djupt hål".into(),
        channel: "phone".into(),
        ..Default::default()
    };
    t.app.register_errand(&system(), raw).await.unwrap();

    let officer = t.user("case_officer");
    let first = t.app.list_errands(&officer, ListQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(first.total, 4, "TK's four, not KC's question");
    assert_eq!(numbers(&first), ["TK 2026/00004", "TK 2026/00003"], "newest first");
    assert_eq!(first.items[0].title, "Hål, anmält av 19121212-****", "the list masks the number");
    let query = ListQuery { after: first.next, limit: 2, ..Default::default() };
    let rest = t.app.list_errands(&officer, query).await.unwrap();
    assert_eq!((numbers(&rest), rest.next), (vec!["TK 2026/00002".to_owned(), "TK 2026/00001".to_owned()], None));

    // Filtered on what they are working on.
    let working = Command::status(Lifecycle::InProgress, None);
    t.app.act_on_errand(&officer, tk[0].public_id, None, working).await.unwrap();
    let filter = ErrandFilter { lifecycle: Some(Lifecycle::InProgress), ..Default::default() };
    let page = t.app.list_errands(&officer, ListQuery { filter, limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((numbers(&page), page.total), (vec!["TK 2026/00001".to_owned()], 1));

    // Another unit's list is refused, not shown empty.
    let filter = ErrandFilter { unit: Some(code("KC")), ..Default::default() };
    let other = t.app.list_errands(&officer, ListQuery { filter, limit: 10, ..Default::default() }).await;
    assert!(matches!(other, Err(AppError::Forbidden)), "{other:?}");
    t.db.cleanup().await;
}

#[tokio::test]
async fn an_errand_is_assigned_only_to_staff_of_its_unit_or_the_contact_center() {
    let t = TestApp::new().await;
    let e = t.errand("pothole", false).await;
    let officer = t.user("case_officer");
    let assign = |name: &str| Command::Assign { assignee: Some(id_of(&t, name)) };

    // A citizen, and a system admin (of no unit), cannot be assignees; nor
    // can TK's case officer on KC's errand, even when Porten itself asks.
    for name in ["citizen", "system_admin"] {
        let refused = t.app.act_on_errand(&officer, e.public_id, None, assign(name)).await;
        assert!(matches!(&refused, Err(AppError::Invalid(v)) if v.0[0].field == "assignee"), "{name}: {refused:?}");
    }
    let question = t.errand("general-question", false).await;
    let refused = t.app.act_on_errand(&system(), question.public_id, None, assign("case_officer")).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");

    // The contact center's agent may hold TK's errand; the first assignment opens it.
    let held = t.app.act_on_errand(&officer, e.public_id, None, assign("agent")).await.unwrap();
    assert_eq!((held.assignee, held.lifecycle), (Some(id_of(&t, "agent")), Lifecycle::Open));
    let moved = t.app.act_on_errand(&officer, e.public_id, None, assign("case_officer")).await.unwrap();
    assert_eq!((moved.assignee, moved.version), (Some(id_of(&t, "case_officer")), 3));
    let again = t.app.act_on_errand(&officer, e.public_id, None, assign("case_officer")).await;
    assert!(matches!(again, Err(AppError::Refused { code: "no_change", .. })), "{again:?}");
    let people = t.app.errand_people(&moved).await.unwrap();
    assert_eq!(people.assignee_name.as_deref(), Some("case_officer"));
    assert_eq!(people.unit.map(|u| u.name_sv).as_deref(), Some("Enhet TK"));
    assert_eq!(timeline(&t, &officer, e.public_id).await.len(), 4, "registered, assigned, opened, reassigned");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_handover_moves_the_errand_and_who_may_see_it_to_the_new_unit() {
    let t = TestApp::new().await;
    // Confidential, so that only the owning unit's staff see it: not yet KC's agent.
    let e = t.errand("pothole", true).await;
    let officer = t.user("case_officer");
    let agent = t.user("agent");
    assert!(matches!(t.app.read_errand(&agent, e.public_id, None).await, Err(AppError::NotFound)));
    let take = Command::Assign { assignee: Some(id_of(&t, "case_officer")) };
    t.app.act_on_errand(&officer, e.public_id, None, take).await.unwrap();

    let hand_over = Command::HandOver { to_unit: code("KC"), reason: "Gäller parkering".into() };
    let handed = t.app.act_on_errand(&officer, e.public_id, None, hand_over).await.unwrap();
    assert_eq!(handed.unit, code("KC"));
    assert_eq!(handed.assignee, None, "TK's assignee does not follow it");
    assert_eq!(handed.registry_number.to_string(), "TK 2026/00001", "the number given at registration stays");

    // TK no longer reads, lists or works it ...
    assert!(matches!(t.app.read_errand(&officer, e.public_id, None).await, Err(AppError::NotFound)));
    let listed = t.app.list_errands(&officer, ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(listed.total, 0);
    let note = Command::AddNote { body: "Sent tillägg".into() };
    assert!(matches!(t.app.act_on_errand(&officer, e.public_id, None, note).await, Err(AppError::NotFound)));

    // ... and KC does, with the handover and its reason on the timeline.
    let events = timeline(&t, &agent, e.public_id).await;
    let expected =
        EventKind::HandedOver { from_unit: "TK".into(), to_unit: "KC".into(), reason: "Gäller parkering".into() };
    assert_eq!(events.last(), Some(&expected), "{events:?}");
    let listed = t.app.list_errands(&agent, ListQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(numbers(&listed), ["TK 2026/00001"]);
    let back_to_itself = Command::HandOver { to_unit: code("KC"), reason: "Igen".into() };
    let refused = t.app.act_on_errand(&agent, e.public_id, None, back_to_itself).await;
    assert!(matches!(refused, Err(AppError::Refused { code: "same_unit", .. })), "{refused:?}");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_change_made_on_a_stale_version_is_a_conflict_and_writes_nothing() {
    let t = TestApp::new().await;
    let e = t.errand("pothole", false).await;
    let officer = t.user("case_officer");
    let seen = t.app.read_errand(&officer, e.public_id, None).await.unwrap().errand.version;
    assert_eq!(seen, 1);
    // Meanwhile the contact center notes a call on the same version.
    let call = Command::AddNote { body: "Medborgaren ringde".into() };
    t.app.act_on_errand(&t.user("agent"), e.public_id, Some(&[seen]), call).await.unwrap();

    let resolve = || Command::resolve(porten_domain::Outcome::Answered, "Lagat");
    let stale = t.app.act_on_errand(&officer, e.public_id, Some(&[seen]), resolve()).await;
    assert!(matches!(stale, Err(AppError::Conflict { current: 2 })), "{stale:?}");
    let now = t.app.read_errand(&officer, e.public_id, None).await.unwrap();
    assert_eq!((now.errand.lifecycle, now.errand.version, now.timeline.len()), (Lifecycle::New, 2, 2));

    // With several versions (an If-Match list) any one of them will do.
    let none_current = t.app.act_on_errand(&officer, e.public_id, Some(&[1, 3]), resolve()).await;
    assert!(matches!(none_current, Err(AppError::Conflict { current: 2 })), "{none_current:?}");
    let resolved = t.app.act_on_errand(&officer, e.public_id, Some(&[1, 2]), resolve()).await.unwrap();
    assert_eq!((resolved.lifecycle, resolved.version), (Lifecycle::Resolved, 3));
    let nothing = t.app.act_on_errand(&officer, e.public_id, Some(&[]), Command::AddNote { body: "x".into() }).await;
    assert!(matches!(nothing, Err(AppError::Conflict { current: 3 })), "an empty list matches no version");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_skill_queue_holds_its_services_errands_and_counts_only_what_its_viewer_may_see() {
    let t = TestApp::new().await;
    t.errand("pothole", false).await;
    let open = t.errand("general-question", false).await;
    t.errand("general-question", true).await;
    let skill = ListQuery {
        filter: ErrandFilter { skill: Some("eservice-eid".into()), active: Some(true), ..Default::default() },
        limit: 50,
        ..Default::default()
    };
    let everything = ListQuery { limit: 50, ..Default::default() };
    let reader = t.key(&[porten_domain::Scope::ErrandsRead]).await;
    // The agent's unit (KC) owns both, secret or not; a TK case officer
    // sees neither; an API key never sees a confidential errand.
    for (who, actor, in_queue, all) in [
        ("agent", t.user("agent"), 2, 3),
        ("case_officer", t.user("case_officer"), 0, 1),
        ("system_admin", t.user("system_admin"), 2, 3),
        ("key", reader, 1, 2),
    ] {
        let counts = t.app.count_errands(&actor, &[skill.clone(), everything.clone()]).await.unwrap();
        assert_eq!(counts, vec![(in_queue, true), (all, true)], "{who}");
        let page = t.app.list_errands(&actor, skill.clone()).await.unwrap();
        assert_eq!((page.items.len() as u64, page.total), (in_queue, in_queue), "{who}: the list agrees");
        assert!(page.items.iter().all(|s| s.service_code == "general-question"), "{who}");
    }
    // A resolved errand leaves the queue.
    let closed = Command::ChangeStatus { to: Lifecycle::Closed, reason: Some("Dubblett".into()), decision: None };
    t.app.act_on_errand(&t.user("agent"), open.public_id, None, closed).await.unwrap();
    assert_eq!(t.app.count_errands(&t.user("agent"), &[skill]).await.unwrap(), vec![(1, true)]);
    let citizen = t.app.count_errands(&t.user("citizen"), &[everything]).await;
    assert!(matches!(citizen, Err(AppError::Forbidden)), "{citizen:?}");
}
