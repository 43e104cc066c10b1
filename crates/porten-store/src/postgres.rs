//! PostgreSQL backend, for several Porten nodes sharing one database.
//!
//! Writes go through the group-commit writer. Registry counters and errands
//! are locked with row locks inside the writing transaction (`INSERT … ON CONFLICT DO UPDATE … RETURNING` on the
//! counter, `SELECT … FOR UPDATE` on the errand). Migrations take sqlx's
//! advisory lock, so nodes may start at the same time.

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::writer::Writer;

pub struct PostgresStore {
    pool: PgPool,
    writer: Writer<sqlx::Postgres>,
}

impl PostgresStore {
    /// Readers share a pool of 16 connections; the writer has its own
    /// connection, so reads never wait for it and never see its batch.
    pub async fn open(url: &str) -> crate::Result<Self> {
        let pool = Self::pool(url, 16).await?;
        let writer = Writer::spawn(Self::pool(url, 1).await?, "BEGIN", Self::attach, None);
        Ok(Self { pool, writer })
    }

    async fn pool(url: &str, size: u32) -> crate::Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(size)
            // An acknowledged write must be on disk whatever the server's default is.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("SET synchronous_commit = on").execute(&mut *conn).await?;
                    // A transaction left idle holds back the errand feed
                    // (see feed.rs) and every node's readers: end it.
                    sqlx::query("SET idle_in_transaction_session_timeout = '60s'").execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?)
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &Writer<sqlx::Postgres> {
        &self.writer
    }

    async fn backup_to(&self, _target: &std::path::Path) -> crate::Result<()> {
        Err(crate::StoreError::Unsupported("back up PostgreSQL with pg_dump"))
    }

    /// Autovacuum makes deleted rows' space reusable; nothing shrinks here.
    async fn reclaim(&self) -> crate::Result<u64> {
        Ok(0)
    }

    /// Autovacuum keeps the statistics and the visibility map; after a bulk
    /// load both are brought up to date at once (`VACUUM (ANALYZE)`), as
    /// autovacuum would in time. Until then a queue's capped count reads a
    /// thousand table rows instead of its index alone (8 ms instead of 0.3
    /// at a million errands).
    async fn analyze(&self) -> crate::Result<()> {
        sqlx::query("VACUUM (ANALYZE) errands").execute(&self.pool).await?;
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    async fn run_migrations(&self) -> crate::Result<()> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        for rebase in crate::feed::postgres::REBASE {
            sqlx::query(rebase).execute(&self.pool).await?;
        }
        Ok(())
    }
}

crate::ops::impl_ops!(PostgresStore, crate::Backend::Postgres);
crate::catalogue::impl_catalogue!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::errands::impl_errands!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, postgres);
crate::identity::impl_identity!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::contacts::impl_contacts!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::load::impl_load!(PostgresStore, sqlx::Postgres);
crate::assignment::impl_assignment!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::calendar::impl_calendar!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::planning::impl_planning!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::audit::impl_audit!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::jobs::impl_jobs!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, postgres);
crate::mail::impl_mail!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::intake::impl_intake!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::reports::impl_reports!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::open311::impl_open311!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::notices::impl_notices!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::eservices::impl_eservices!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::knowledge::impl_knowledge!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, postgres);
crate::stats::impl_stats!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
crate::feed::impl_feed!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow, postgres);
