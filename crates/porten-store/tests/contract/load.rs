//! Bulk loading (`porten load-errands`) and lists at scale: loaded errands
//! continue the registry series, carry their parties and timelines, and a
//! list's count stops at the cap and says so.

use porten_domain::errand_list::COUNT_CAP;
use porten_domain::{Channel, EventKind, Lifecycle, Party, Priority};
use porten_store::LoadedErrand;

use super::*;

fn loaded(at: DateTime<Utc>, lifecycle: Lifecycle) -> LoadedErrand {
    let party = Party {
        role: PartyRole::Reporter,
        name: "Anna Berg".into(),
        personal_number: None,
        organisation_number: None,
        contacts: vec![ContactChannel::Email("anna.berg@example.se".into())],
    };
    let registered = EventKind::Registered { registry_number: String::new(), channel: Channel::Web };
    LoadedErrand {
        public_id: random_id(),
        unit: code("TK"),
        service_code: "pothole".into(),
        title: "Potthål – Sjögatan 14".into(),
        description: "Djupt hål".into(),
        channel: Channel::Web,
        priority: Priority::Normal,
        lifecycle,
        assignee: None,
        confidential: false,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        parties: vec![party],
        events: vec![(at, "e-tjänst".into(), registered)],
    }
}

#[tokio::test]
async fn loaded_errands_continue_the_series_and_counts_stop_at_the_cap() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let first = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    assert_eq!(first.registry_number.to_string(), "TK 2026/00001");

    let active = COUNT_CAP as usize + 1;
    let mut batch: Vec<LoadedErrand> = (0..active).map(|_| loaded(t(2026, 3, 2, 9), Lifecycle::Open)).collect();
    batch.push(loaded(t(2026, 3, 3, 9), Lifecycle::Closed));
    let ids = s.load_errands(batch.clone()).await.unwrap();
    assert_eq!(ids.len(), active + 1);
    let last = s.get_errand(batch[active].public_id).await.unwrap().unwrap();
    assert_eq!(last.registry_number.to_string(), format!("TK 2026/{:05}", active + 2), "after the registered one");
    assert_eq!(last.parties[0].name, "Anna Berg");
    let timeline = s.timelines_of(&[last.id]).await.unwrap();
    let events: Vec<&EventKind> = timeline[&last.id].iter().map(|e| &e.kind).collect();
    assert!(
        matches!(events[..], [EventKind::Registered { registry_number, .. }] if *registry_number == last.registry_number.to_string()),
        "{events:?}"
    );
    // The next registration takes the next number.
    let next = register(s, "pothole", "TK", t(2026, 3, 4, 9)).await;
    assert_eq!(next.registry_number.to_string(), format!("TK 2026/{:05}", active + 3));

    let all = s.list_errands(&ErrandFilter::default(), Sort::Oldest, None, 10).await.unwrap();
    assert_eq!((all.total, all.total_exact), (COUNT_CAP, false), "more than the cap: the count says so");
    let closed = ErrandFilter { active: Some(false), ..Default::default() };
    let page = s.list_errands(&closed, Sort::Oldest, None, 10).await.unwrap();
    assert_eq!((page.total, page.total_exact), (1, true));
    // The queues' counts, in one read, agree with the lists' own.
    let other_unit = ErrandFilter { unit: Some(code("KC")), ..Default::default() };
    let counts = s.count_errands(&[ErrandFilter::default(), closed.clone(), other_unit]).await.unwrap();
    assert_eq!(counts, vec![(COUNT_CAP, false), (1, true), (0, true)]);
    // Due order puts errands without a running clock last, and pages through them.
    let open = ErrandFilter { lifecycle: Some(Lifecycle::Open), ..Default::default() };
    let mut seen = 0;
    let mut after = None;
    loop {
        let page = s.list_errands(&open, Sort::Due, after, 200).await.unwrap();
        seen += page.items.len();
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, active, "every loaded open errand once");
    db.cleanup().await;
}
