//! PostgreSQL backend, for several Porten nodes sharing one database.
//!
//! Registry counters and errands are locked with row locks inside the
//! writing transaction (`INSERT … ON CONFLICT DO UPDATE … RETURNING` on the
//! counter, `SELECT … FOR UPDATE` on the errand). Migrations take sqlx's
//! advisory lock, so nodes may start at the same time.

use std::collections::BTreeMap;

use sqlx::postgres::{PgPool, PgPoolOptions};

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn open(url: &str) -> crate::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // An acknowledged write must be on disk whatever the server's default is.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET synchronous_commit = on").execute(conn).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn backup_to(&self, _target: &std::path::Path) -> crate::Result<()> {
        Err(crate::StoreError::Unsupported("back up PostgreSQL with pg_dump"))
    }

    async fn run_migrations(&self) -> crate::Result<()> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }
}

crate::sql::impl_store!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::postgres::PgRow,
    Backend::Postgres,
    for_update = " FOR UPDATE"
);
