//! Throwaway databases for tests, on whichever backend the environment names.
//!
//! Without `TEST_DATABASE_URL`, a test gets a fresh SQLite file in a temporary
//! directory. With `TEST_DATABASE_URL=postgres://…`, it gets a freshly
//! created PostgreSQL database on that server (named `porten_test_…`), so
//! tests never see each other's data and can run in parallel.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Store, open};

/// A migrated, empty database for one test. Drop it to remove the SQLite
/// directory; PostgreSQL test databases are dropped by [`TestDb::cleanup`].
pub struct TestDb {
    pub store: Arc<dyn Store>,
    /// URL other processes can use to reach the same database.
    pub url: String,
    dir: Option<PathBuf>,
    admin_url: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let unique = format!("{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos);
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                let name = format!("porten_test_{unique}");
                let admin = open_admin(&base).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = replace_db_name(&base, &name);
                let store = open(&url).await.expect("open test database");
                store.migrate().await.expect("migrate");
                TestDb { store, url, dir: None, admin_url: Some((base, name)) }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("porten-test-{unique}"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}/porten.db", dir.display());
                let store = open(&url).await.expect("open sqlite");
                store.migrate().await.expect("migrate");
                TestDb { store, url, dir: Some(dir), admin_url: None }
            }
        }
    }

    /// Drops a PostgreSQL test database. Call at the end of a test; a test
    /// that panics leaves its database behind for inspection.
    pub async fn cleanup(self) {
        if let Some((base, name)) = &self.admin_url {
            let admin = open_admin(base).await;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&admin)
                .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn open_admin(base: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(base).await.expect("connect to TEST_DATABASE_URL")
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (without_query, query) = match url.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    match without_query[scheme_end..].find('/') {
        Some(slash) => format!("{}/{name}{query}", &without_query[..scheme_end + slash]),
        None => format!("{without_query}/{name}{query}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_name() {
        use super::replace_db_name as r;
        assert_eq!(r("postgres://postgres@127.0.0.1:5432/postgres", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(r("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(r("postgres://h", "x"), "postgres://h/x");
    }
}
