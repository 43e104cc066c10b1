use super::*;

#[tokio::test]
async fn migrations_are_idempotent_and_data_survives_reopening() {
    let db = TestDb::new().await;
    seed(db.store.as_ref()).await;
    let e = register(db.store.as_ref(), "pothole", "TK", t(2026, 3, 1, 9)).await;
    let reopened = porten_store::open(&db.url).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.get_errand(e.public_id).await.unwrap().unwrap().registry_number, e.registry_number);
    reopened.ping().await.unwrap();
    db.cleanup().await;
}

#[tokio::test]
async fn a_backup_is_a_complete_database_or_a_clear_refusal() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let e = register(s, "pothole", "TK", t(2026, 3, 1, 9)).await;
    let dir = std::env::temp_dir().join(format!("porten-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("copy.db");
    match s.backend() {
        porten_store::Backend::Sqlite => {
            s.backup(&target).await.unwrap();
            let copy = porten_store::open(&format!("sqlite://{}", target.display())).await.unwrap();
            assert_eq!(copy.get_errand(e.public_id).await.unwrap().unwrap().registry_number, e.registry_number);
            assert!(matches!(s.backup(&target).await, Err(StoreError::Duplicate(_))), "never overwrites");
        }
        porten_store::Backend::Postgres => {
            assert!(matches!(s.backup(&target).await, Err(StoreError::Unsupported(_))));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    db.cleanup().await;
}

#[tokio::test]
async fn an_sqlite_file_made_without_auto_vacuum_is_switched_to_incremental_at_migration() {
    // Files made by earlier versions keep freed pages for good until one
    // full VACUUM switches them over (issue 17); a new file starts that way.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/old.db?mode=rwc", dir.path().display());
    let mode = |url: String| async move {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let mode: i64 = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&pool).await.unwrap();
        pool.close().await;
        mode
    };
    let old = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE left_over (x INTEGER)").execute(&old).await.unwrap();
    old.close().await;
    assert_eq!(mode(url.clone()).await, 0, "made without auto-vacuum");
    let store = porten_store::open(&format!("sqlite://{}/old.db", dir.path().display())).await.unwrap();
    store.migrate().await.unwrap();
    drop(store);
    assert_eq!(mode(url).await, 2, "incremental after the migration");
}
