//! The errand change feed's consumers: the staff errand index on each node
//! (access inside the search, no personal identity numbers) and durable
//! consumers under the job runner's lease.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::Duration;
use porten_app::feed::job_kind;
use porten_app::jobs::JobRunner;
use porten_domain::errand::{RawErrand, RawParty};
use porten_domain::{Actor, Command, Errand, PublicId, Scope};
use porten_store::NewJob;

use crate::support::{TestApp, system};

/// Brings the node's errand index up to every committed change.
async fn caught_up(t: &TestApp) {
    for _ in 0..3000 {
        t.app.sync_errand_index().await.unwrap();
        if !t.app.errand_index_pending().await.unwrap() {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("the errand index did not catch up in 30 s");
}

async fn found(t: &TestApp, actor: &Actor, text: &str) -> (Vec<String>, usize) {
    let results = t.app.search_errands(actor, text, 20, 0).await.unwrap();
    (results.hits.into_iter().map(|h| h.registry_number).collect(), results.total)
}

async fn errand_of(t: &TestApp, service: &str, title: &str, name: &str, email: &str, pnr: Option<&str>) -> Errand {
    let raw = RawErrand {
        service_code: service.into(),
        title: title.into(),
        description: format!("Uppringd av {name}. Personnummer 19121212-1212 enligt samtalet."),
        channel: "phone".into(),
        parties: vec![RawParty {
            role: Some("applicant".into()),
            name: name.into(),
            email: Some(email.into()),
            personal_number: pnr.map(str::to_owned),
            ..Default::default()
        }],
        ..Default::default()
    };
    t.app.register_errand(&system(), raw).await.unwrap()
}

#[tokio::test]
async fn staff_find_errands_by_number_name_address_or_words_within_their_access() {
    let t = TestApp::new().await;
    let pothole = errand_of(&t, "pothole", "Potthål på Sjögatan", "Astrid Lindqvist", "astrid@example.se", None).await;
    let secret = errand_of(
        &t,
        "financial-assistance",
        "Ansökan om bistånd",
        "Astrid Berg",
        "berg@example.se",
        Some("19121212-1212"),
    )
    .await;
    caught_up(&t).await;
    let number = pothole.registry_number.to_string();
    let agent = t.user("agent");
    for q in [number.clone(), number.replace(' ', ""), number.to_lowercase()] {
        assert_eq!(found(&t, &agent, &q).await, (vec![number.clone()], 1), "{q}");
    }
    assert_eq!(found(&t, &agent, "astrid@example.se").await.0, std::slice::from_ref(&number));
    assert_eq!(found(&t, &agent, "sjögatan potthålet").await.0, std::slice::from_ref(&number));
    // SOF's confidential errand: not by number, name or word, not even as a count.
    for q in [secret.registry_number.to_string(), "Berg".into(), "bistånd".into(), "astrid".into()] {
        let (hits, total) = found(&t, &agent, &q).await;
        assert!(!hits.contains(&secret.registry_number.to_string()), "{q}");
        assert_eq!(total, hits.len(), "{q}");
    }
    assert_eq!(found(&t, &t.user("case_officer"), "astrid").await, (vec![number.clone()], 1), "TK's own only");
    assert_eq!(found(&t, &t.user("system_admin"), "astrid").await.1, 2);
    let key = t.key(&[Scope::ErrandsRead]).await;
    assert_eq!(found(&t, &key, "astrid").await.1, 1, "an API key never sees confidential errands");
    assert!(matches!(
        t.app.search_errands(&t.user("citizen"), "astrid", 10, 0).await,
        Err(porten_app::AppError::Forbidden)
    ));

    // No personal identity number is in the index, whoever searches.
    for q in ["19121212-1212", "191212121212", "1212121212", "19121212", "121212"] {
        assert_eq!(found(&t, &t.user("system_admin"), q).await.1, 0, "{q}");
    }
    // Each hit is audited on its errand.
    let trail = t.app.audit_trail(&system(), &pothole).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "errand.search_hit" && e.actor_name == "agent"), "{trail:?}");
    t.db.cleanup().await;
}

#[tokio::test]
async fn the_index_follows_every_change_on_the_errand() {
    let t = TestApp::new().await;
    let e = errand_of(&t, "pothole", "Trasig gatlampa", "Bo Ek", "bo@example.se", None).await;
    caught_up(&t).await;
    let note = Command::AddNote { body: "Elektrikern beställd till fredag".into() };
    t.app.act_on_errand(&system(), e.public_id, None, note).await.unwrap();
    let hand_over = Command::HandOver { to_unit: crate::support::code("KC"), reason: "Fel enhet".into() };
    t.app.act_on_errand(&system(), e.public_id, None, hand_over).await.unwrap();
    // Before the index has read the handover, TK's search still finds no
    // hit: each hit is checked against the errand as it is now.
    assert!(found(&t, &t.user("case_officer"), "gatlampa").await.0.is_empty(), "a stale hit");
    caught_up(&t).await;
    let number = e.registry_number.to_string();
    assert_eq!(found(&t, &t.user("agent"), "elektrikern").await.0, std::slice::from_ref(&number), "a note's words");
    assert_eq!(found(&t, &t.user("case_officer"), "gatlampa").await.1, 0, "TK no longer owns it");

    // A node that starts later builds its index from the database.
    let other = porten_app::App::with_clock(t.db.store.clone(), t.clock.clone());
    other.sync_errand_index().await.unwrap();
    let results = other.search_errands(&system(), "elektrikern", 10, 0).await.unwrap();
    assert_eq!(results.hits.iter().map(|h| h.registry_number.clone()).collect::<Vec<_>>(), [number]);
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_durable_consumer_handles_each_change_once_across_nodes_and_restarts() {
    let t = TestApp::new().await;
    let seen: Arc<Mutex<Vec<(PublicId, i64)>>> = Arc::default();
    let node = |app: porten_app::App| {
        let seen = seen.clone();
        JobRunner::new(app, StdDuration::from_secs(60), 30).consume("test", move |_, batch| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().extend(batch.iter().map(|c| (c.public_id, c.version)));
                Ok(())
            }
        })
    };
    let job = NewJob {
        kind: job_kind("test"),
        payload: "{}".into(),
        unique_key: Some(job_kind("test")),
        run_at: t.app.now(),
        max_attempts: 5,
    };
    t.app.enqueue_job(&system(), &job).await.unwrap();
    let mut written = BTreeMap::new();
    let run_until_current = |runner: JobRunner| {
        let store = t.db.store.clone();
        let clock = t.clock.clone();
        async move {
            for _ in 0..3000 {
                while runner.run_one().await.unwrap() {}
                let at = store.consumer_position("test").await.unwrap().unwrap_or_default();
                if store.first_pending_at(at).await.unwrap().is_none() {
                    return;
                }
                clock.advance(Duration::seconds(1));
                tokio::time::sleep(StdDuration::from_millis(10)).await;
            }
            panic!("the consumer did not catch up");
        }
    };
    for _ in 0..3 {
        let e = t.errand("pothole", false).await;
        written.insert((e.public_id, 1), ());
    }
    run_until_current(node(t.app.clone())).await;
    // Another node, on a store opened afresh, carries on where the first stopped.
    let reopened = porten_store::open(&t.db.url).await.unwrap();
    let second = porten_app::App::with_clock(reopened, t.clock.clone());
    let e = t.errand("pothole", false).await;
    written.insert((e.public_id, 1), ());
    t.app.act_on_errand(&system(), e.public_id, None, Command::AddNote { body: "Ringt".into() }).await.unwrap();
    written.insert((e.public_id, 2), ());
    t.clock.advance(Duration::seconds(1));
    run_until_current(node(second)).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.iter().map(|s| (*s, ())).collect::<BTreeMap<_, _>>(), written);
    assert_eq!(seen.len(), written.len(), "each change once");
    let status = t.app.feed_status(&system()).await.unwrap();
    assert_eq!(status.consumers, [("test".to_owned(), 0.0)]);
    t.db.cleanup().await;
}
