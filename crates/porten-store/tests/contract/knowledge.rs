//! The knowledge base: versioned articles and which version is published,
//! helpfulness answers and views, search synonyms, the commit-ordered change
//! feed every node's search index follows, the query log and the
//! self-service events deflection is measured from.

use porten_domain::knowledge::{ArticleContent, ArticleText, NewArticle, Synonym, Visibility};
use porten_store::{Change, Deflection, LoggedSearch, QueryStat, SelfServiceEvent};

use super::*;

fn article(slug: &str, unit: &str, title: &str) -> NewArticle {
    NewArticle {
        slug: slug.into(),
        unit: code(unit),
        topic: Some("trafik".into()),
        visibility: Visibility::Public,
        content: ArticleContent {
            sv: ArticleText {
                title: title.into(),
                summary: format!("Sammanfattning: {title}"),
                body: format!("## {title}\n\nBrödtext."),
            },
            en: None,
            keywords: vec!["gata".into()],
            audiences: vec![Audience::Resident],
            services: vec!["pothole".into()],
        },
    }
}

async fn editor(s: &dyn Store, username: &str) -> i64 {
    s.create_user(
        &NewUser {
            username: username.into(),
            display_name: format!("Redaktör {username}"),
            email: None,
            role: Role::UnitAdmin,
            unit: Some(code("TK")),
            password_hash: "h".into(),
        },
        t(2026, 1, 1, 0),
    )
    .await
    .unwrap()
}

/// The feed after `seq` as (kind, key) pairs, checking its numbers rise.
async fn feed_after(s: &dyn Store, seq: i64) -> Vec<(String, String)> {
    let changes = s.changes_after(seq, 10_000).await.unwrap();
    let mut last = seq;
    for c in &changes {
        assert!(c.seq > last, "feed numbers rise after {seq}: {changes:?}");
        last = c.seq;
    }
    changes.into_iter().map(|c| (c.kind, c.key)).collect()
}

fn kk(kind: &str, key: &str) -> (String, String) {
    (kind.to_owned(), key.to_owned())
}

#[tokio::test]
async fn saving_makes_the_next_version_and_publishing_chooses_which_one_shows() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let v1 = article("laga-potthal", "TK", "Laga potthål");
    assert_eq!(s.save_article(&v1, None, false, t(2026, 5, 1, 9)).await.unwrap(), 1);
    let meta = s.article_meta("laga-potthal").await.unwrap().unwrap();
    assert_eq!((meta.latest, meta.published), (1, None), "a save without publish is a draft");
    assert_eq!((meta.views, meta.helpful_yes, meta.helpful_no), (0, 0, 0));
    assert_eq!(meta.unit, code("TK"));
    assert_eq!(meta.topic.as_deref(), Some("trafik"));
    assert_eq!(meta.visibility, Visibility::Public);

    assert_eq!(s.save_article(&v1, None, true, t(2026, 5, 1, 10)).await.unwrap(), 2, "publish saves a version too");
    let meta = s.article_meta("laga-potthal").await.unwrap().unwrap();
    assert_eq!((meta.latest, meta.published), (2, Some(2)));

    let mut v3 = article("laga-potthal", "KC", "Laga potthål i gatan");
    v3.topic = None;
    v3.visibility = Visibility::Internal;
    assert_eq!(s.save_article(&v3, None, false, t(2026, 5, 2, 9)).await.unwrap(), 3);
    let meta = s.article_meta("laga-potthal").await.unwrap().unwrap();
    assert_eq!((meta.latest, meta.published), (3, Some(2)), "the published version stays while a draft is saved");
    assert_eq!((&meta.unit, &meta.topic, meta.visibility), (&code("KC"), &None, Visibility::Internal));

    let old = s.article_version("laga-potthal", 2).await.unwrap().unwrap();
    assert_eq!((old.version, &old.content), (2, &v1.content));
    let new = s.article_version("laga-potthal", 3).await.unwrap().unwrap();
    assert_eq!((new.version, &new.content), (3, &v3.content));
    assert_eq!(new.meta, meta);
    assert_eq!(s.article_version("laga-potthal", 4).await.unwrap(), None);
    assert_eq!(s.article_version("finns-inte", 1).await.unwrap(), None);
    assert_eq!(s.article_meta("finns-inte").await.unwrap(), None);

    s.publish_article("laga-potthal", 3, t(2026, 5, 2, 10)).await.unwrap();
    assert_eq!(s.article_meta("laga-potthal").await.unwrap().unwrap().published, Some(3));
    s.publish_article("laga-potthal", 1, t(2026, 5, 2, 11)).await.unwrap();
    assert_eq!(s.article_meta("laga-potthal").await.unwrap().unwrap().published, Some(1), "back to an older one");

    for (slug, version) in [("laga-potthal", 4), ("laga-potthal", 0), ("finns-inte", 1)] {
        let err = s.publish_article(slug, version, t(2026, 5, 2, 12)).await;
        assert!(matches!(err, Err(StoreError::NotFound)), "{slug} v{version}: {err:?}");
    }
    let meta = s.article_meta("laga-potthal").await.unwrap().unwrap();
    assert_eq!((meta.latest, meta.published), (3, Some(1)), "a refused publish changes nothing");
    assert_eq!(s.article_meta("finns-inte").await.unwrap(), None);

    let before = s.last_change().await.unwrap();
    assert!(s.unpublish_article("laga-potthal", t(2026, 5, 3, 9)).await.unwrap());
    let meta = s.article_meta("laga-potthal").await.unwrap().unwrap();
    assert_eq!((meta.latest, meta.published), (3, None), "unpublished, every version kept");
    assert!(s.published_articles().await.unwrap().is_empty());
    assert_eq!(feed_after(s, before).await, [("article".to_owned(), "laga-potthal".to_owned())], "search hears of it");
    assert!(!s.unpublish_article("laga-potthal", t(2026, 5, 3, 10)).await.unwrap(), "nothing left to unpublish");
    assert!(!s.unpublish_article("finns-inte", t(2026, 5, 3, 10)).await.unwrap());
    assert_eq!(s.last_change().await.unwrap(), before + 1, "a no-op adds nothing to the feed");
    db.cleanup().await;
}

#[tokio::test]
async fn history_lists_every_version_newest_first_with_its_author() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let anna = editor(s, "anna").await;
    let bo = editor(s, "bo").await;
    let a = article("parkeringstillstand", "TK", "Parkeringstillstånd");
    s.save_article(&a, Some(anna), false, t(2026, 5, 1, 9)).await.unwrap();
    s.save_article(&a, Some(bo), true, t(2026, 5, 2, 9)).await.unwrap();
    s.save_article(&a, None, false, t(2026, 5, 3, 9)).await.unwrap();
    s.save_article(&article("annat", "TK", "Annat"), Some(bo), false, t(2026, 5, 4, 9)).await.unwrap();
    let history = s.article_history("parkeringstillstand").await.unwrap();
    let got: Vec<_> = history.iter().map(|h| (h.version, h.author_id, h.created_at)).collect();
    assert_eq!(got, [(3, None, t(2026, 5, 3, 9)), (2, Some(bo), t(2026, 5, 2, 9)), (1, Some(anna), t(2026, 5, 1, 9))]);
    assert!(s.article_history("finns-inte").await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn published_articles_show_their_published_version_and_latest_includes_drafts() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    assert!(s.published_articles().await.unwrap().is_empty());
    assert!(s.latest_articles().await.unwrap().is_empty());
    // "b-publicerad": v1 published, v2 a draft. "a-utkast": only a draft.
    // "c-ny": published at v2, its latest.
    let b1 = article("b-publicerad", "TK", "Publicerad v1");
    let b2 = article("b-publicerad", "TK", "Publicerad v2 (utkast)");
    s.save_article(&b1, None, true, t(2026, 5, 1, 9)).await.unwrap();
    s.save_article(&b2, None, false, t(2026, 5, 1, 10)).await.unwrap();
    let a1 = article("a-utkast", "KC", "Utkast");
    s.save_article(&a1, None, false, t(2026, 5, 1, 11)).await.unwrap();
    let c1 = article("c-ny", "TK", "Ny v1");
    let c2 = article("c-ny", "TK", "Ny v2");
    s.save_article(&c1, None, false, t(2026, 5, 1, 12)).await.unwrap();
    s.save_article(&c2, None, false, t(2026, 5, 1, 13)).await.unwrap();
    s.publish_article("c-ny", 2, t(2026, 5, 1, 14)).await.unwrap();

    let published = s.published_articles().await.unwrap();
    let got: Vec<_> = published
        .iter()
        .map(|a| (a.meta.slug.as_str(), a.version, a.content.sv.title.as_str(), a.meta.latest, a.meta.published))
        .collect();
    assert_eq!(got, [("b-publicerad", 1, "Publicerad v1", 2, Some(1)), ("c-ny", 2, "Ny v2", 2, Some(2))]);
    assert_eq!(published[0].content, b1.content);

    let latest = s.latest_articles().await.unwrap();
    let got: Vec<_> = latest.iter().map(|a| (a.meta.slug.as_str(), a.version, a.content.sv.title.as_str())).collect();
    assert_eq!(got, [("a-utkast", 1, "Utkast"), ("b-publicerad", 2, "Publicerad v2 (utkast)"), ("c-ny", 2, "Ny v2")]);
    assert_eq!(latest[1].content, b2.content);
    assert_eq!(latest[0].meta.published, None);

    s.publish_article("b-publicerad", 2, t(2026, 5, 2, 9)).await.unwrap();
    let published = s.published_articles().await.unwrap();
    assert_eq!(
        published.iter().map(|a| (a.meta.slug.as_str(), a.version)).collect::<Vec<_>>(),
        [("b-publicerad", 2), ("c-ny", 2)]
    );
    db.cleanup().await;
}

#[tokio::test]
async fn an_article_for_an_unknown_unit_is_refused_and_leaves_nothing_behind() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let before = s.last_change().await.unwrap();
    let err = s.save_article(&article("okand-enhet", "XYZ", "Okänd"), None, true, t(2026, 5, 1, 9)).await;
    assert!(matches!(err, Err(StoreError::UnknownReference("unit"))), "{err:?}");
    assert_eq!(s.article_meta("okand-enhet").await.unwrap(), None);
    assert!(s.article_history("okand-enhet").await.unwrap().is_empty());
    assert!(s.latest_articles().await.unwrap().is_empty());
    assert!(s.published_articles().await.unwrap().is_empty());
    assert_eq!(s.last_change().await.unwrap(), before, "a failed save adds no feed entry");
    assert!(s.changes_after(before, 100).await.unwrap().is_empty());
    // Nothing half-saved: the slug starts over at version 1.
    assert_eq!(s.save_article(&article("okand-enhet", "TK", "Känd"), None, true, t(2026, 5, 1, 10)).await.unwrap(), 1);
    assert_eq!(s.article_history("okand-enhet").await.unwrap().len(), 1);
    db.cleanup().await;
}

#[tokio::test]
async fn moving_an_existing_article_to_an_unknown_unit_is_refused_and_changes_nothing() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    s.save_article(&article("flytt", "TK", "Flytt"), None, true, t(2026, 5, 1, 9)).await.unwrap();
    let before = s.last_change().await.unwrap();
    let err = s.save_article(&article("flytt", "XYZ", "Flytt igen"), None, true, t(2026, 5, 1, 10)).await;
    assert!(matches!(err, Err(StoreError::UnknownReference("unit"))), "{err:?}");
    let meta = s.article_meta("flytt").await.unwrap().unwrap();
    assert_eq!((meta.unit, meta.latest, meta.published), (code("TK"), 1, Some(1)));
    assert_eq!(s.article_history("flytt").await.unwrap().len(), 1);
    assert_eq!(s.last_change().await.unwrap(), before, "a failed save adds no feed entry");
    db.cleanup().await;
}

#[tokio::test]
async fn feedback_counts_answers_and_keeps_comments_newest_first() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    s.save_article(&article("sophamtning", "TK", "Sophämtning"), None, true, t(2026, 5, 1, 9)).await.unwrap();
    s.save_article(&article("annan", "TK", "Annan"), None, true, t(2026, 5, 1, 9)).await.unwrap();
    s.record_feedback("sophamtning", true, None, t(2026, 5, 2, 9)).await.unwrap();
    s.record_feedback("sophamtning", false, Some("Hittade inte blanketten"), t(2026, 5, 2, 10)).await.unwrap();
    s.record_feedback("annan", false, Some("Fel artikel"), t(2026, 5, 2, 10)).await.unwrap();
    s.record_feedback("sophamtning", true, Some("Tack, nu vet jag"), t(2026, 5, 2, 11)).await.unwrap();
    s.record_feedback("sophamtning", false, None, t(2026, 5, 2, 12)).await.unwrap();
    s.record_feedback("sophamtning", true, None, t(2026, 5, 2, 13)).await.unwrap();

    let meta = s.article_meta("sophamtning").await.unwrap().unwrap();
    assert_eq!((meta.helpful_yes, meta.helpful_no), (3, 2));
    assert_eq!((meta.latest, meta.published), (1, Some(1)), "feedback makes no version");
    let other = s.article_meta("annan").await.unwrap().unwrap();
    assert_eq!((other.helpful_yes, other.helpful_no), (0, 1));

    assert_eq!(
        s.feedback_comments("sophamtning", 10).await.unwrap(),
        [
            (true, "Tack, nu vet jag".to_owned(), t(2026, 5, 2, 11)),
            (false, "Hittade inte blanketten".to_owned(), t(2026, 5, 2, 10)),
        ]
    );
    assert_eq!(
        s.feedback_comments("sophamtning", 1).await.unwrap(),
        [(true, "Tack, nu vet jag".to_owned(), t(2026, 5, 2, 11))]
    );
    assert_eq!(s.feedback_comments("annan", 10).await.unwrap(), [(false, "Fel artikel".to_owned(), t(2026, 5, 2, 10))]);
    assert!(s.feedback_comments("finns-inte", 10).await.unwrap().is_empty());

    let before = s.last_change().await.unwrap();
    for helpful in [true, false] {
        let err = s.record_feedback("finns-inte", helpful, Some("?"), t(2026, 5, 3, 9)).await;
        assert!(matches!(err, Err(StoreError::NotFound)), "{err:?}");
    }
    assert_eq!(s.last_change().await.unwrap(), before, "refused feedback adds no feed entry");
    db.cleanup().await;
}

#[tokio::test]
async fn views_are_added_to_what_was_counted_before() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    s.save_article(&article("a", "TK", "A"), None, true, t(2026, 5, 1, 9)).await.unwrap();
    s.save_article(&article("b", "TK", "B"), None, false, t(2026, 5, 1, 9)).await.unwrap();
    s.add_article_views(&[("a".into(), 3), ("b".into(), 5)]).await.unwrap();
    s.add_article_views(&[("a".into(), 2), ("finns-inte".into(), 4)]).await.unwrap();
    s.add_article_views(&[]).await.unwrap();
    assert_eq!(s.article_meta("a").await.unwrap().unwrap().views, 5);
    assert_eq!(s.article_meta("b").await.unwrap().unwrap().views, 5);
    assert_eq!(s.article_meta("finns-inte").await.unwrap(), None, "views never create an article");
    let a = s.published_articles().await.unwrap();
    assert_eq!(a[0].meta.views, 5);
    db.cleanup().await;
}

#[tokio::test]
async fn synonyms_are_set_replaced_listed_by_term_and_deleted() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    assert!(s.synonyms().await.unwrap().is_empty());
    let syn = |term: &str, words: &[&str]| Synonym {
        term: term.into(),
        words: words.iter().map(|w| (*w).to_owned()).collect(),
    };
    s.set_synonym(&syn("soptunna", &["avfallskärl"])).await.unwrap();
    s.set_synonym(&syn("dagis", &["förskola"])).await.unwrap();
    s.set_synonym(&syn("bibliotek", &["biblioteket", "lånekort"])).await.unwrap();
    s.set_synonym(&syn("dagis", &["förskola", "förskoleklass"])).await.unwrap();
    assert_eq!(
        s.synonyms().await.unwrap(),
        [
            syn("bibliotek", &["biblioteket", "lånekort"]),
            syn("dagis", &["förskola", "förskoleklass"]),
            syn("soptunna", &["avfallskärl"]),
        ]
    );
    assert!(s.delete_synonym("dagis").await.unwrap());
    assert!(!s.delete_synonym("dagis").await.unwrap(), "already gone");
    assert!(!s.delete_synonym("aldrig").await.unwrap());
    assert_eq!(
        s.synonyms().await.unwrap(),
        [syn("bibliotek", &["biblioteket", "lånekort"]), syn("soptunna", &["avfallskärl"])]
    );
    db.cleanup().await;
}

#[tokio::test]
async fn every_searchable_change_appends_to_the_feed_in_order() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let start = s.last_change().await.unwrap();
    let existing = s.changes_after(0, 10_000).await.unwrap();
    assert_eq!(start, existing.last().map_or(0, |c| c.seq), "the newest entry's number, or 0 when empty");

    seed(s).await;
    s.save_article(&article("bygglov", "TK", "Bygglov"), None, false, t(2026, 5, 1, 9)).await.unwrap();
    s.publish_article("bygglov", 1, t(2026, 5, 1, 10)).await.unwrap();
    s.record_feedback("bygglov", true, None, t(2026, 5, 1, 11)).await.unwrap();
    s.set_synonym(&Synonym { term: "dagis".into(), words: vec!["förskola".into()] }).await.unwrap();
    s.delete_synonym("dagis").await.unwrap();
    let mut pothole = s.list_services().await.unwrap().into_iter().find(|x| x.code == "pothole").unwrap();
    pothole.name_sv = "Potthål i gatan".into();
    s.upsert_service(&pothole).await.unwrap();
    s.upsert_unit(&Unit {
        code: code("TK"),
        name_sv: "Trafikkontoret".into(),
        name_en: "Traffic Office".into(),
        contact_center: false,
        routing: Default::default(),
    })
    .await
    .unwrap();
    // Writes that fail or touch nothing searchable add nothing.
    assert!(s.save_article(&article("fel", "XYZ", "Fel"), None, true, t(2026, 5, 1, 12)).await.is_err());
    assert!(s.publish_article("bygglov", 7, t(2026, 5, 1, 12)).await.is_err());
    assert!(s.record_feedback("finns-inte", false, None, t(2026, 5, 1, 12)).await.is_err());

    let expected = [
        kk("unit", "TK"),
        kk("unit", "KC"),
        kk("service", "pothole"),
        kk("service", "general-question"),
        kk("article", "bygglov"),
        kk("article", "bygglov"),
        kk("article", "bygglov"),
        kk("synonyms", "dagis"),
        kk("synonyms", "dagis"),
        kk("service", "pothole"),
        kk("unit", "TK"),
    ];
    assert_eq!(feed_after(s, start).await, expected);
    let all = s.changes_after(start, 10_000).await.unwrap();
    let last = s.last_change().await.unwrap();
    assert_eq!(last, all.last().unwrap().seq, "last_change is the newest entry");

    // A follower reading in pages of three sees the same feed.
    let (mut seen, mut after) = (Vec::<Change>::new(), start);
    loop {
        let page = s.changes_after(after, 3).await.unwrap();
        assert!(page.len() <= 3, "the limit is honoured");
        let Some(end) = page.last() else { break };
        after = end.seq;
        seen.extend(page);
    }
    assert_eq!(seen, all);
    assert_eq!(s.changes_after(all[4].seq, 2).await.unwrap(), all[5..7]);
    assert!(s.changes_after(last, 10).await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn concurrent_saves_each_add_one_entry_and_failed_ones_none() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    let start = db.store.last_change().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store: Arc<dyn Store> = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let unit = if i % 5 == 4 { "XYZ" } else { "TK" };
            let slug = format!("artikel-{i:02}");
            let r = store.save_article(&article(&slug, unit, "Samtidigt"), None, true, t(2026, 5, 1, 9)).await;
            (slug, r)
        }));
    }
    let mut saved = BTreeSet::new();
    for task in tasks {
        match task.await.unwrap() {
            (slug, Ok(1)) => assert!(saved.insert(slug)),
            (_, Err(StoreError::UnknownReference("unit"))) => {}
            (slug, other) => panic!("{slug}: unexpected {other:?}"),
        }
    }
    assert_eq!(saved.len(), 24);
    let feed = feed_after(db.store.as_ref(), start).await;
    assert_eq!(feed.len(), 24, "one entry per saved article, none for the refused: {feed:?}");
    assert!(feed.iter().all(|(kind, _)| kind == "article"));
    assert_eq!(feed.into_iter().map(|(_, key)| key).collect::<BTreeSet<_>>(), saved);
    db.cleanup().await;
}

fn search(query: &str, results: u32, clicked: Option<&str>, at: DateTime<Utc>) -> LoggedSearch {
    LoggedSearch { query: query.into(), lang: "sv".into(), results, clicked: clicked.map(str::to_owned), at }
}

#[tokio::test]
async fn query_stats_count_searches_and_clicks_per_query_since_a_time() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let since = t(2026, 5, 1, 0);
    assert!(s.query_stats(since, 10).await.unwrap().is_empty());
    s.log_searches(&[
        search("bygglov", 1, None, t(2026, 4, 30, 23)),
        search("bygglov", 12, None, t(2026, 5, 2, 10)),
        search("bygglov", 8, None, t(2026, 5, 3, 10)),
        search("bygglov", 0, Some("article:bygglov"), t(2026, 5, 3, 10)),
        search("bygglov", 10, None, t(2026, 5, 4, 10)),
        search("dagis", 3, None, t(2026, 5, 2, 9)),
        search("dagis", 0, Some("article:forskola"), t(2026, 5, 2, 9)),
        search("dagis", 5, None, t(2026, 5, 2, 10)),
        search("dagis", 0, Some("service:forskoleplats"), t(2026, 5, 2, 10)),
        search("dagis", 0, Some("article:forskola"), t(2026, 4, 1, 10)),
    ])
    .await
    .unwrap();
    s.log_searches(&[search("soptömning", 0, None, since), search("gammal", 4, None, t(2026, 4, 2, 9))]).await.unwrap();
    s.log_searches(&[]).await.unwrap();
    let stat = |query: &str, searches, results, clicks| QueryStat { query: query.into(), searches, results, clicks };
    assert_eq!(
        s.query_stats(since, 10).await.unwrap(),
        [stat("bygglov", 3, 8, 1), stat("dagis", 2, 3, 2), stat("soptömning", 1, 0, 0),]
    );
    assert_eq!(s.query_stats(since, 2).await.unwrap(), [stat("bygglov", 3, 8, 1), stat("dagis", 2, 3, 2)]);
    assert_eq!(s.query_stats(t(2026, 5, 3, 0), 10).await.unwrap(), [stat("bygglov", 2, 8, 1)]);
    assert!(s.query_stats(t(2026, 6, 1, 0), 10).await.unwrap().is_empty());
    db.cleanup().await;
}

fn event(visitor: &str, kind: &'static str, doc: Option<&str>, at: DateTime<Utc>) -> SelfServiceEvent {
    SelfServiceEvent { visitor: visitor.into(), kind, doc: doc.map(str::to_owned), at }
}

#[tokio::test]
async fn deflection_counts_helpful_visitors_who_did_not_contact_within_a_day() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let since = t(2026, 5, 1, 0);
    assert!(s.deflection(since).await.unwrap().is_empty());
    let doc = Some("article:bygglov");
    let at = |d, h, m| t(2026, 5, d, h) + Duration::minutes(m);
    s.record_self_service(&[
        // v1 found it helpful but phoned the same evening: not deflected.
        event("v1", "view", doc, at(2, 9, 0)),
        event("v1", "view", doc, at(2, 9, 2)),
        event("v1", "helpful", doc, at(2, 9, 5)),
        event("v1", "contact", None, at(2, 20, 0)),
        // v2 contacted 25 hours after: deflected.
        event("v2", "view", doc, at(2, 10, 0)),
        event("v2", "helpful", doc, at(2, 10, 5)),
        event("v2", "contact", None, at(3, 11, 5)),
        // v3 never contacted after (only before): deflected.
        event("v3", "contact", None, at(2, 8, 0)),
        event("v3", "view", doc, at(2, 11, 0)),
        event("v3", "helpful", doc, at(2, 11, 5)),
        // v4 viewed and contacted; found another page helpful.
        event("v4", "view", doc, at(2, 12, 0)),
        event("v4", "contact", None, at(2, 12, 30)),
        event("v4", "helpful", Some("article:annat"), at(2, 13, 0)),
    ])
    .await
    .unwrap();
    s.record_self_service(&[
        // v5 did not find it helpful.
        event("v5", "view", doc, at(2, 14, 0)),
        event("v5", "not_helpful", doc, at(2, 14, 5)),
        event("v1", "view", Some("service:pothole"), at(3, 9, 0)),
        event("v6", "view", Some("service:pothole"), at(3, 9, 0)),
        event("v6", "view", Some("service:pothole"), at(3, 9, 1)),
        event("v7", "view", Some("article:gammal"), t(2026, 4, 20, 9)),
        event("v7", "helpful", Some("article:gammal"), t(2026, 4, 20, 9)),
    ])
    .await
    .unwrap();
    let d = |doc: &str, visitors, helpful, deflected| Deflection { doc: doc.into(), visitors, helpful, deflected };
    assert_eq!(s.deflection(since).await.unwrap(), [d("article:bygglov", 5, 3, 2), d("service:pothole", 2, 0, 0)]);
    assert_eq!(s.deflection(t(2026, 5, 3, 0)).await.unwrap(), [d("service:pothole", 2, 0, 0)]);
    db.cleanup().await;
}

#[tokio::test]
async fn purging_forgets_old_events_and_logged_searches() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let (old, new, cutoff) = (t(2026, 4, 1, 9), t(2026, 5, 2, 9), t(2026, 5, 1, 0));
    s.record_self_service(&[
        event("v1", "view", Some("article:a"), old),
        event("v1", "helpful", Some("article:a"), old),
        event("v2", "contact", None, cutoff - Duration::seconds(1)),
        event("v3", "view", Some("article:a"), cutoff),
        event("v3", "view", Some("article:b"), new),
    ])
    .await
    .unwrap();
    s.log_searches(&[
        search("gammal", 1, None, old),
        search("gammal", 0, Some("article:a"), old),
        search("ny", 2, None, new),
    ])
    .await
    .unwrap();
    assert_eq!(s.purge_self_service(cutoff).await.unwrap(), 5);
    assert_eq!(s.purge_self_service(cutoff).await.unwrap(), 0, "nothing left to forget");
    let since = t(2026, 1, 1, 0);
    let d = |doc: &str| Deflection { doc: doc.into(), visitors: 1, helpful: 0, deflected: 0 };
    assert_eq!(s.deflection(since).await.unwrap(), [d("article:a"), d("article:b")]);
    assert_eq!(
        s.query_stats(since, 10).await.unwrap(),
        [QueryStat { query: "ny".into(), searches: 1, results: 2, clicks: 0 }]
    );
    db.cleanup().await;
}
