//! # porten-store
//!
//! Storage for Porten, organised by capability. Each capability has its own
//! trait and SQL in its own file — [`CatalogueStore`] (`catalogue.rs`),
//! [`ErrandStore`] (`errands/`: errands and the registry),
//! [`IdentityStore`] (`identity.rs`: users, sessions, API keys),
//! [`ContactStore`] (`contacts.rs`), [`CalendarStore`] (`calendar.rs`),
//! [`PlanningStore`] (`planning.rs`), [`AuditStore`] (`audit.rs`),
//! [`JobStore`] (`jobs.rs`), [`EserviceStore`] (`eservices.rs`: drafts,
//! attachments, submissions), [`MailStore`] (`mail.rs`: the outbox), [`KnowledgeStore`] (`knowledge.rs`: articles,
//! synonyms, the search change feed), [`StatsStore`] (`stats.rs`: page views, the query log and
//! self-service events), [`FeedStore`] (`feed.rs`: the errand change feed and
//! its durable consumers' cursors), [`AssignmentStore`] (`assignment.rs`: staff
//! availability and automatic assignment's candidates) — and [`Store`] is their sum plus operations
//! (`ops.rs`). Each file's `impl_…!` macro expands the shared SQL for both
//! backends; SQL that must differ per backend sits in the capability file's
//! `sqlite` and `postgres` modules. Connection setup and migrations live in
//! `sqlite.rs` and `postgres.rs`. Nothing outside this crate writes SQL.
//!
//! Every write goes through the group-commit [`writer`]: commands arriving
//! together share one transaction and one fsync, each in its own savepoint.
//!
//! Invariants every implementation keeps (the contract tests in
//! `tests/contract/` check them on both backends):
//! - A registry number is assigned in the transaction that stores the errand;
//!   serials are unique and gapless per unit and year, across processes.
//! - The errand row and its timeline events are written in one transaction,
//!   and the errand's version grows by one per applied command.
//! - A write is acknowledged only after it is durable (SQLite runs in WAL mode
//!   with `synchronous=FULL`; PostgreSQL commits synchronously), and a write
//!   that fails leaves no trace while the others in its batch commit.
//! - Times are stored as UTC microseconds since the Unix epoch.

mod assignment;
mod audit;
mod calendar;
mod catalogue;
mod codec;
mod contacts;
mod errands;
mod eservices;
mod feed;
mod identity;
mod intake;
mod jobs;
mod knowledge;
pub mod load;
mod mail;
mod notices;
pub mod open311;
mod ops;
mod planning;
mod postgres;
mod reports;
mod sqlite;
mod stats;
pub mod testing;
pub mod writer;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::errand::CommandError;

pub use assignment::AssignmentStore;
pub use audit::{AuditEntry, AuditQuery, AuditRow, AuditStore};
pub use calendar::CalendarStore;
pub use catalogue::CatalogueStore;
pub use contacts::{ContactLogEntry, ContactStore, MergeRefused};
pub use errands::{
    Authorize, ClockUpdate, Cursor, ErrandFilter, ErrandStore, ErrandSummary, MAX_PAGE_SIZE, OwnedRegistration, Page,
    Registration, Sort,
};
pub use eservices::{Draft, EserviceStore, FileRef, Receipt, Submission, SubmissionRecord, SubmittedDraft};
pub use feed::{ConsumerPosition, ErrandChange, FeedPosition, FeedStore};
pub use identity::{ApiKey, ApiKeyRecord, IdentityStore, NewUser, User, UserChange};
pub use intake::{InboundRecord, IntakeStore, IntakeWrite, REGISTRY_NUMBER, TRACKING_TOKEN, Taken};
pub use jobs::{Job, JobEnd, JobState, JobStore, NewJob};
pub use knowledge::{ArticleVersionInfo, CHANGE_ARTICLE, CHANGE_SERVICE, CHANGE_SYNONYMS, Change, KnowledgeStore};
pub use load::{LoadStore, LoadedErrand};
pub use mail::{
    AUTO_GENERATED, AUTO_REPLIED, MAIL_ATTEMPTS, MAIL_JOB, Mail, MailStore, MailTag, MailThread, NewMail,
    ReceiptLimits, ReceiptMail, WaitingMail, recipient_key,
};
pub use notices::{NewNotice, Notice, NoticeStore, UNSEEN_CAP};
pub use open311::{Open311Store, PublicQuery, PublicReport, PublicUpdate};
pub use planning::PlanningStore;
pub use porten_domain::planning::{AcdInterval, ContactCount, ServiceMix};
pub use postgres::PostgresStore;
pub use reports::{BacklogCell, ExportRow, ReportStore, Resolutions, VolumeCell};
pub use sqlite::SqliteStore;
pub use stats::{Deflection, LoggedSearch, QueryStat, SelfServiceEvent, StatsStore};
pub use writer::{with_audit, with_idempotency, with_mail};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Errors from the storage layer. Messages never contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Optimistic locking failed: the caller's version is stale.
    #[error("the errand has changed (current version {current})")]
    Conflict { current: i64 },
    /// A referenced row (unit, service, user) does not exist.
    #[error("unknown {0}")]
    UnknownReference(&'static str),
    #[error("already exists: {0}")]
    Duplicate(&'static str),
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An error from a direct command on SQLite (see the writer).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
    /// The batch this write was to be committed with failed as a whole. The
    /// write was rolled back, unless the connection broke during the commit
    /// itself, when the database may have committed it.
    #[error("the write was not confirmed: {0}")]
    BatchFailed(String),
    /// The writer task has stopped (the runtime is shutting down).
    #[error("the store's writer has stopped")]
    WriterGone,
}

/// Which backend a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Porten's storage: the sum of the capability traits, plus operations.
/// One implementation per backend; both pass the same contract tests.
#[async_trait]
pub trait Store:
    CatalogueStore
    + ErrandStore
    + IdentityStore
    + ContactStore
    + CalendarStore
    + PlanningStore
    + AuditStore
    + JobStore
    + EserviceStore
    + MailStore
    + KnowledgeStore
    + StatsStore
    + FeedStore
    + IntakeStore
    + ReportStore
    + AssignmentStore
    + LoadStore
    + NoticeStore
    + open311::Open311Store
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Applies pending migrations. Safe to call from several processes.
    async fn migrate(&self) -> Result<()>;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// Records `key` in the meta table unless present. Returns true to the
    /// one caller that inserted it: used to run one-time work such as demo
    /// seeding exactly once across processes.
    async fn claim_once(&self, key: &str, value: &str) -> Result<bool>;
    /// Writes a consistent copy of the whole database to a new file while the
    /// database stays in use (SQLite: `VACUUM INTO`). PostgreSQL answers
    /// [`StoreError::Unsupported`]: use `pg_dump` there.
    async fn backup(&self, target: &std::path::Path) -> Result<()>;
    /// Hands the space of deleted rows back to the file system, a little at
    /// a time (SQLite: `PRAGMA incremental_vacuum`, with the file switched to
    /// incremental auto-vacuum at migration). PostgreSQL's autovacuum makes
    /// such space reusable by new rows; shrinking its files needs
    /// `VACUUM FULL` or `pg_repack` in a maintenance window, so it answers 0.
    /// The bytes given back.
    async fn reclaim_space(&self) -> Result<u64>;
    /// Refreshes the query planner's statistics after a bulk load
    /// (PostgreSQL: `ANALYZE`; SQLite plans without them, see its store).
    async fn refresh_statistics(&self) -> Result<()>;
    async fn meta(&self, key: &str) -> Result<Option<String>>;
}

/// Opens a store for a database URL (`sqlite://…` or `postgres://…`).
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(m: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(m).ok_or_else(|| StoreError::Corrupt(format!("timestamp {m}")))
}
