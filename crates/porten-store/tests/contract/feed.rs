//! The errand change feed: every committed write to an errand is seen once,
//! in commit order, whatever the backend and however the writers interleave.

use super::*;
use porten_store::{ErrandChange, FeedPosition};

/// Reads the whole feed after `from`, in pages of `page`.
async fn read_all(store: &dyn Store, mut from: FeedPosition, page: u32) -> (Vec<ErrandChange>, FeedPosition) {
    let mut seen = Vec::new();
    loop {
        let batch = store.errand_changes(from, page).await.unwrap();
        let Some(last) = batch.last() else { return (seen, from) };
        from = last.position;
        seen.extend(batch);
    }
}

/// Reads after `from` until no committed change is left unread. On
/// PostgreSQL a change becomes final only once every older transaction in
/// the cluster has ended (other tests' among them), so this polls until then.
async fn read_caught_up(store: &dyn Store, from: FeedPosition) -> (Vec<ErrandChange>, FeedPosition) {
    let (mut seen, mut at) = (Vec::new(), from);
    for _ in 0..3000 {
        let (batch, next) = read_all(store, at, 3).await;
        seen.extend(batch);
        at = next;
        if store.first_pending_at(at).await.unwrap().is_none() {
            return (seen, at);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the feed did not catch up in 30 s")
}

fn assert_in_feed_order(changes: &[ErrandChange]) {
    for pair in changes.windows(2) {
        assert!(pair[0].position < pair[1].position, "out of feed order: {pair:?}");
    }
}

#[tokio::test]
async fn every_errand_write_appends_one_change_in_order() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let a = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let b = register(s, "general-question", "KC", t(2026, 3, 1, 10)).await;
    let note = Command::AddNote { body: "Ringt upp".into() };
    s.apply_command(a.public_id, None, &system(), note, t(2026, 3, 1, 11), Arc::new(allow)).await.unwrap();
    let refused = Command::AddNote { body: String::new() };
    assert!(s.apply_command(a.public_id, None, &system(), refused, t(2026, 3, 1, 12), Arc::new(allow)).await.is_err());
    let status = Command::status(Lifecycle::Open, None);
    s.apply_command(b.public_id, Some(1), &system(), status, t(2026, 3, 1, 13), Arc::new(allow)).await.unwrap();

    let (changes, _) = read_caught_up(s, FeedPosition::default()).await;
    let seen: Vec<(PublicId, i64, &str)> = changes.iter().map(|c| (c.public_id, c.version, c.kind.as_str())).collect();
    assert_eq!(
        seen,
        [
            (a.public_id, 1, "registered"),
            (b.public_id, 1, "registered"),
            (a.public_id, 2, "note"),
            (b.public_id, 2, "status_changed"),
        ],
        "the refused command left no change"
    );
    assert_in_feed_order(&changes);
    assert_eq!(changes[2].at, t(2026, 3, 1, 11));
    assert_eq!(changes[0].errand_id, a.id);
    db.cleanup().await;
}

#[tokio::test]
async fn two_nodes_writing_at_once_lose_no_change_to_a_reader_following_them() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    // A second node: its own writer connection on the same database.
    let other = porten_store::open(&db.url).await.unwrap();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (store, done) = (db.store.clone(), done.clone());
        tokio::spawn(async move {
            let (mut seen, mut at) = (Vec::new(), FeedPosition::default());
            // Follow while the writers run, then once more after they stop.
            loop {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    seen.extend(read_caught_up(store.as_ref(), at).await.0);
                    return seen;
                }
                let (batch, next) = read_all(store.as_ref(), at, 7).await;
                seen.extend(batch);
                at = next;
                tokio::task::yield_now().await;
            }
        })
    };
    let mut writers = Vec::new();
    for node in [db.store.clone(), other.clone()] {
        for _ in 0..4 {
            let store = node.clone();
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..10 {
                    let e = try_register(store.as_ref(), "pothole", random_id(), t(2026, 5, 5, 12)).await.unwrap();
                    let note = Command::AddNote { body: format!("Anteckning {i}") };
                    store
                        .apply_command(e.public_id, None, &system(), note, t(2026, 5, 5, 13), Arc::new(allow))
                        .await
                        .unwrap();
                    ids.push(e.public_id);
                }
                ids
            }));
        }
    }
    let mut written = BTreeSet::new();
    for w in writers {
        for id in w.await.unwrap() {
            written.insert((id, 1));
            written.insert((id, 2));
        }
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    assert_in_feed_order(&seen);
    let seen_set: BTreeSet<(PublicId, i64)> = seen.iter().map(|c| (c.public_id, c.version)).collect();
    assert_eq!(seen.len(), seen_set.len(), "a change was seen twice");
    assert_eq!(seen_set, written, "every acknowledged write is in the feed, once");
    // An errand's changes come in the order of its versions.
    let mut last_version = BTreeMap::new();
    for c in &seen {
        let before = last_version.insert(c.public_id, c.version).unwrap_or(0);
        assert_eq!(c.version, before + 1, "{c:?}");
    }
    db.cleanup().await;
}

/// PostgreSQL numbers a change when it is inserted, not when it commits.
/// Two transactions on two connections commit out of number order: a reader
/// that has read past the later number must still get the earlier one.
#[tokio::test]
async fn a_change_committed_late_is_not_skipped() {
    let db = TestDb::new().await;
    if !db.url.starts_with("postgres") {
        // One writer at a time on SQLite: numbers are taken in commit order.
        // What matters there is that a number is never reused (below).
        return;
    }
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let (_, start) = read_caught_up(s, FeedPosition::default()).await;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db.url).await.unwrap();
    let insert = |version: i64| {
        sqlx::query("INSERT INTO errand_changes (errand_id, version, kind, at) VALUES ($1, $2, 'note', 0)")
            .bind(e.id)
            .bind(version)
    };

    // Case 1: the first to take a number commits last.
    let mut early = pool.begin().await.unwrap();
    insert(2).execute(&mut *early).await.unwrap();
    let mut late = pool.begin().await.unwrap();
    insert(3).execute(&mut *late).await.unwrap();
    late.commit().await.unwrap();
    let (while_open, at) = read_all(s, start, 10).await;
    assert!(while_open.is_empty(), "a change after an open transaction's is held back: {while_open:?}");
    early.commit().await.unwrap();
    let (after, at) = read_caught_up(s, at).await;
    assert_eq!(after.iter().map(|c| c.version).collect::<Vec<_>>(), [2, 3]);

    // Case 2: a transaction with the older id takes the later number.
    let mut older = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()").execute(&mut *older).await.unwrap();
    let mut newer = pool.begin().await.unwrap();
    insert(4).execute(&mut *newer).await.unwrap();
    newer.commit().await.unwrap();
    insert(5).execute(&mut *older).await.unwrap();
    let (while_open, at) = read_all(s, at, 10).await;
    assert!(while_open.is_empty(), "{while_open:?}");
    older.commit().await.unwrap();
    let (after, _) = read_caught_up(s, at).await;
    let mut versions: Vec<i64> = after.iter().map(|c| c.version).collect();
    versions.sort();
    assert_eq!(versions, [4, 5], "both changes, once each");
    pool.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn a_durable_cursor_survives_a_restart_and_never_moves_back() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    register(db.store.as_ref(), "pothole", "TK", t(2026, 3, 1, 9)).await;
    register(db.store.as_ref(), "pothole", "TK", t(2026, 3, 1, 10)).await;
    let (changes, end) = read_caught_up(db.store.as_ref(), FeedPosition::default()).await;
    let first = changes[0].position;
    assert_eq!(db.store.consumer_position("webhooks").await.unwrap(), None);
    db.store.save_consumer_position("webhooks", first, t(2026, 3, 1, 11)).await.unwrap();
    db.store.save_consumer_position("sla", end, t(2026, 3, 1, 11)).await.unwrap();

    // Another node (or this one, restarted) opens the database afresh.
    let reopened = porten_store::open(&db.url).await.unwrap();
    assert_eq!(reopened.consumer_position("webhooks").await.unwrap(), Some(first));
    let (rest, _) = read_caught_up(reopened.as_ref(), first).await;
    assert_eq!(rest.len(), 1, "carries on after the first change");
    // A node that lost its lease saves an older position: it stays.
    reopened.save_consumer_position("sla", first, t(2026, 3, 1, 12)).await.unwrap();
    assert_eq!(reopened.consumer_position("sla").await.unwrap(), Some(end));
    let names: Vec<String> = reopened.consumer_positions().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["sla", "webhooks"]);
    db.cleanup().await;
}

#[tokio::test]
async fn pruning_keeps_what_a_durable_consumer_has_not_passed_and_never_reuses_a_number() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    for h in 1..=3 {
        register(s, "pothole", "TK", t(2026, 3, 1, h)).await;
    }
    let (changes, end) = read_caught_up(s, FeedPosition::default()).await;
    assert_eq!(s.feed_floor().await.unwrap(), FeedPosition::default());
    // The slow consumer has read one change; retention has run out for all.
    s.save_consumer_position("slow", changes[0].position, t(2026, 3, 2, 0)).await.unwrap();
    assert_eq!(s.prune_errand_changes(t(2026, 4, 1, 0)).await.unwrap(), 1);
    assert_eq!(s.feed_floor().await.unwrap(), changes[0].position);
    let (left, _) = read_caught_up(s, FeedPosition::default()).await;
    assert_eq!(left, changes[1..], "what the slow consumer has not read is kept");
    // Retention decides too: nothing younger than the cut is removed.
    s.save_consumer_position("slow", end, t(2026, 3, 2, 0)).await.unwrap();
    assert_eq!(s.prune_errand_changes(t(2026, 3, 1, 3)).await.unwrap(), 1);
    assert_eq!(s.prune_errand_changes(t(2026, 4, 1, 0)).await.unwrap(), 1);
    assert_eq!(s.errand_changes(FeedPosition::default(), 10).await.unwrap(), []);
    assert_eq!(s.first_pending_at(end).await.unwrap(), None);
    assert!(s.feed_head().await.unwrap() >= s.feed_floor().await.unwrap(), "the head never lies below the floor");
    // The feed is empty now; a new change still comes after the old end,
    // so a consumer standing there gets it.
    let e = register(s, "pothole", "TK", t(2026, 4, 2, 9)).await;
    assert_eq!(s.first_pending_at(end).await.unwrap(), Some(t(2026, 4, 2, 9)));
    let (next, _) = read_caught_up(s, end).await;
    assert_eq!(next.iter().map(|c| c.public_id).collect::<Vec<_>>(), [e.public_id]);
    assert!(next[0].position > end);
    db.cleanup().await;
}

#[tokio::test]
async fn the_head_lies_before_every_change_not_yet_read() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let head = s.feed_head().await.unwrap();
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 10)).await;
    let (after, _) = read_caught_up(s, head).await;
    assert!(after.iter().any(|c| c.public_id == e.public_id), "a change after the head is read from it");
    if db.url.starts_with("postgres") {
        assert!(s.oldest_transaction_seconds().await.unwrap().is_none_or(|age| age >= 0.0));
    } else {
        assert_eq!(s.oldest_transaction_seconds().await.unwrap(), None);
    }
    db.cleanup().await;
}

/// A `pg_dump` restored into another cluster brings transaction ids that
/// cluster has not reached: at start they move to 0, so the feed and its
/// cursors carry on with the new cluster's changes.
#[tokio::test]
async fn after_a_restore_into_another_cluster_the_feed_carries_on() {
    let db = TestDb::new().await;
    if !db.url.starts_with("postgres") {
        return;
    }
    let s = db.store.as_ref();
    seed(s).await;
    let old = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&db.url).await.unwrap();
    // As restored: the old cluster's ids, far ahead of this one's.
    let ahead: i64 = 1 << 40;
    sqlx::query("UPDATE errand_changes SET txid = $1").bind(ahead).execute(&pool).await.unwrap();
    let seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM errand_changes").fetch_one(&pool).await.unwrap();
    s.save_consumer_position("webhooks", FeedPosition { txid: ahead, seq }, t(2026, 3, 1, 10)).await.unwrap();
    s.migrate().await.unwrap();
    let at = s.consumer_position("webhooks").await.unwrap().unwrap();
    assert_eq!(at, FeedPosition { txid: 0, seq });
    let new = register(s, "pothole", "TK", t(2026, 3, 2, 9)).await;
    let (after, _) = read_caught_up(s, at).await;
    assert_eq!(after.iter().map(|c| c.public_id).collect::<Vec<_>>(), [new.public_id], "not {}", old.public_id);
    pool.close().await;
    db.cleanup().await;
}
