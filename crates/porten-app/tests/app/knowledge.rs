//! The knowledge base and search through App: several nodes following one
//! change feed, an index rebuilt when it is missing or damaged, the access
//! rules of editors and readers, and statistics without personal data.

use porten_app::search::SearchQuery;
use porten_app::{App, AppError};
use porten_domain::knowledge::RawArticle;

use crate::support::{TestApp, system};

fn article(slug: &str, unit: &str, title: &str, body: &str) -> RawArticle {
    RawArticle {
        slug: slug.into(),
        unit: unit.into(),
        visibility: "public".into(),
        title_sv: title.into(),
        summary_sv: "Kort om saken.".into(),
        body_sv: body.into(),
        audiences: vec!["resident".into()],
        ..Default::default()
    }
}

async fn keys(app: &App, text: &str) -> Vec<String> {
    let q = SearchQuery { text: text.into(), lang: "sv".into(), limit: 5, ..Default::default() };
    app.search(None, q).await.unwrap().hits.iter().map(|h| h.key.clone()).collect()
}

#[tokio::test]
async fn an_edit_on_one_node_is_found_on_another_after_it_follows_the_feed() {
    let t = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Two nodes: each its own index, one database.
    let a = t.app.clone().with_portal(Default::default(), Some(dir.path().join("a")));
    let b = t.app.clone().with_portal(Default::default(), Some(dir.path().join("b")));
    assert!(keys(&b, "snöröjning").await.is_empty());
    a.save_article(&system(), &article("snorojning", "TK", "Snöröjning på din gata", "Vi plogar."), true)
        .await
        .unwrap();
    assert_eq!(keys(&a, "snöröjningen").await, ["article:snorojning"], "the editing node at once");
    assert!(b.sync_search().await.unwrap() >= 1);
    assert_eq!(keys(&b, "snöröjningen").await, ["article:snorojning"], "the other node after following the feed");
    // Unpublishing is not possible, but a new draft does not change what is found.
    a.save_article(&system(), &article("snorojning", "TK", "Sandning", "Vi sandar."), false).await.unwrap();
    b.sync_search().await.unwrap();
    assert_eq!(keys(&b, "snöröjning").await, ["article:snorojning"]);
    assert!(keys(&b, "sandning").await.is_empty(), "a draft is not searchable");
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_damaged_index_is_rebuilt_from_the_database_and_a_whole_one_is_reused() {
    let t = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    t.app
        .save_article(&system(), &article("bygglov", "TK", "Behöver jag bygglov?", "Bygglov krävs."), true)
        .await
        .unwrap();
    {
        let node = t.app.clone().with_portal(Default::default(), Some(path.clone()));
        assert!(node.sync_search().await.unwrap() > 0, "a new index is built from the database");
        assert_eq!(keys(&node, "bygglovet").await, ["article:bygglov"]);
    }
    // Restarted on a whole index: nothing to rebuild, nothing to catch up.
    let node = t.app.clone().with_portal(Default::default(), Some(path.clone()));
    assert_eq!(node.sync_search().await.unwrap(), 0);
    assert_eq!(keys(&node, "bygglov").await, ["article:bygglov"]);
    drop(node);
    // Damage every file of the index: the next start rebuilds it.
    for entry in std::fs::read_dir(&path).unwrap() {
        let file = entry.unwrap().path();
        if file.is_file() {
            std::fs::write(&file, b"garbage").unwrap();
        }
    }
    let node = t.app.clone().with_portal(Default::default(), Some(path.clone()));
    assert!(node.sync_search().await.unwrap() > 0, "rebuilt");
    assert_eq!(keys(&node, "bygglov").await, ["article:bygglov"]);
    t.db.cleanup().await;
}

#[tokio::test]
async fn editors_write_for_their_own_unit_and_internal_articles_are_for_staff() {
    let t = TestApp::new().await;
    let admin = t.user("unit_admin");
    assert!(matches!(
        t.app.save_article(&admin, &article("bistand", "SOF", "Bistånd", "Text."), true).await,
        Err(AppError::Forbidden)
    ));
    t.app.save_article(&admin, &article("gatan", "TK", "Gatan", "Text."), true).await.unwrap();
    for role in ["agent", "case_officer", "citizen"] {
        let who = t.user(role);
        assert!(matches!(
            t.app.save_article(&who, &article("x", "TK", "X", "Y"), true).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(t.app.editable_articles(&who).await, Err(AppError::Forbidden)));
    }
    let internal =
        RawArticle { visibility: "internal".into(), ..article("rutin", "TK", "Rutin för gatuhål", "Intern.") };
    t.app.save_article(&system(), &internal, true).await.unwrap();
    assert!(matches!(t.app.article(None, "rutin").await, Err(AppError::NotFound)));
    assert!(matches!(t.app.article(Some(&t.user("citizen")), "rutin").await, Err(AppError::NotFound)));
    assert!(t.app.article(Some(&t.user("agent")), "rutin").await.is_ok());
    let staff_search = SearchQuery { text: "rutin".into(), limit: 5, ..Default::default() };
    let found = t.app.search(Some(&t.user("agent")), staff_search.clone()).await.unwrap();
    assert_eq!(found.hits.len(), 1);
    assert!(found.hits[0].internal);
    assert!(t.app.search(None, staff_search).await.unwrap().hits.is_empty());
    t.db.cleanup().await;
}

#[tokio::test]
async fn deflection_counts_a_helpful_visit_without_a_contact_within_a_day() {
    let t = TestApp::new().await;
    t.app.save_article(&system(), &article("hemtjanst", "TK", "Hemtjänst", "Text."), true).await.unwrap();
    for visitor in ["v1", "v2", "v3"] {
        t.app.self_service(visitor, "view", Some("article:hemtjanst"));
    }
    t.app.article_feedback(None, "hemtjanst", true, None, "v1").await.unwrap();
    t.app.article_feedback(None, "hemtjanst", true, Some("Bra!"), "v2").await.unwrap();
    t.clock.advance(chrono::Duration::hours(2));
    t.app.self_service("v2", "contact", None);
    let (_, deflection) = t.app.search_insights(&system(), 30).await.unwrap();
    let d = deflection.iter().find(|d| d.doc == "article:hemtjanst").unwrap();
    assert_eq!((d.visitors, d.helpful, d.deflected), (3, 2, 1));
    t.db.cleanup().await;
}
