//! # porten-store
//!
//! Storage for Porten behind one trait, [`Store`], with two implementations:
//! SQLite (the embedded default, a single file) and PostgreSQL (for several
//! nodes). Both run the same SQL text through one macro-generated
//! implementation (see `sql.rs`); what differs per backend (connection setup,
//! transaction start, row locks, migrations) lives in `sqlite.rs` and
//! `postgres.rs`. Nothing outside this crate writes SQL.
//!
//! Invariants every implementation keeps (the contract tests in
//! `tests/contract.rs` check them on both backends):
//! - A registry number is assigned in the transaction that stores the errand;
//!   serials are unique and gapless per unit and year, across processes.
//! - The errand row and its timeline events are written in one transaction,
//!   and the errand's version grows by one per applied command.
//! - A write is acknowledged only after it is durable (SQLite runs in WAL mode
//!   with `synchronous=FULL`; PostgreSQL commits synchronously).
//! - Times are stored as UTC microseconds since the Unix epoch.

mod postgres;
mod sql;
mod sqlite;
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use porten_domain::RegistryNumber;
use porten_domain::calendar::DayException;
use porten_domain::errand::CommandError;
use porten_domain::{
    Actor, Channel, Command, Errand, Lifecycle, LoggedContact, NewErrand, Priority, PublicId, Role, Scope, Service,
    TimelineEvent, Unit, UnitCode,
};

pub use porten_domain::planning::{AcdInterval, ContactCount, ServiceMix};
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

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
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
}

/// Which backend a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything needed to register an errand. The registry number and the row
/// id are assigned by the store.
#[derive(Clone, Debug)]
pub struct Registration<'a> {
    pub public_id: PublicId,
    pub errand: &'a NewErrand,
    /// The unit that owns the errand and whose registry series numbers it.
    pub unit: &'a UnitCode,
    pub actor: &'a Actor,
    pub at: DateTime<Utc>,
}

/// One row of an errand list: no parties, so listing reads no personal data.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrandSummary {
    pub public_id: PublicId,
    pub registry_number: RegistryNumber,
    pub service_code: String,
    pub title: String,
    pub channel: Channel,
    pub priority: Priority,
    pub lifecycle: Lifecycle,
    pub unit: UnitCode,
    pub assignee: Option<i64>,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing errands. All set filters must match.
#[derive(Clone, Debug, Default)]
pub struct ErrandFilter {
    pub unit: Option<UnitCode>,
    pub lifecycle: Option<Lifecycle>,
    /// Only errands the city still works on (not resolved or closed).
    pub active: Option<bool>,
    pub service_code: Option<String>,
    pub channel: Option<Channel>,
    pub assignee: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// When set, confidential errands are listed only if one of these units
    /// owns them (an empty list hides every confidential errand).
    pub confidential_units: Option<Vec<UnitCode>>,
}

/// A position in the newest-first order of errands: (created_at, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at_micros: i64,
    pub id: i64,
}

impl Cursor {
    /// Opaque text form used in API `next` links.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_micros, self.id)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        Some(Self { created_at_micros: a.parse().ok()?, id: b.parse().ok()? })
    }
}

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of errands matching the filter, over all pages.
    pub total: u64,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// An audit entry: who read or did what with which errand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// E.g. `errand.read`.
    pub action: String,
    pub errand_id: Option<i64>,
    pub purpose: Option<String>,
}

/// A contact logged by the contact center (*kontaktlogg*), as stored. No
/// personal data about the person who made contact; the agent's id and the
/// times are personal data about the employee, used only to show each
/// agent their own latest entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactLogEntry {
    pub contact: LoggedContact,
    pub started_at: DateTime<Utc>,
    /// The user who logged it.
    pub agent_id: Option<i64>,
}

/// Porten's storage. One implementation per backend; both pass the same
/// contract tests.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies pending migrations. Safe to call from several processes.
    async fn migrate(&self) -> Result<()>;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;

    // Catalogue.
    async fn upsert_unit(&self, unit: &Unit) -> Result<()>;
    async fn list_units(&self) -> Result<Vec<Unit>>;
    async fn upsert_service(&self, service: &Service) -> Result<()>;
    async fn list_services(&self) -> Result<Vec<Service>>;
    async fn get_service(&self, code: &str) -> Result<Option<Service>>;

    // Errands.
    /// Registers an errand: assigns its registry number and writes the row,
    /// its parties and the `registered` event in one durable transaction.
    async fn register_errand(&self, registration: Registration<'_>) -> Result<Errand>;
    async fn get_errand(&self, public_id: PublicId) -> Result<Option<Errand>>;
    async fn list_errands(
        &self,
        filter: &ErrandFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<ErrandSummary>>;
    async fn timeline(&self, errand_id: i64) -> Result<Vec<TimelineEvent>>;
    /// Contacts in `[from, to)` (see [`ContactCount`]: errands plus logged
    /// contacts that did not become one), counted per channel and per bucket
    /// of `bucket_minutes` (at least 1; buckets are aligned to the Unix epoch,
    /// so 60 gives whole UTC hours). Ordered by bucket, then channel; empty
    /// buckets are left out. Counts only: no personal data is read.
    async fn contact_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        bucket_minutes: u32,
    ) -> Result<Vec<ContactCount>>;
    /// Contacts per channel and service over `[from, to)` (see [`ServiceMix`]),
    /// most contacts first, contacts without a service last among equals.
    async fn contact_mix(&self, channel: Channel, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ServiceMix>>;
    /// When the first contact in `channel` was logged, if one was: before
    /// it, the channel's contacts were not logged, so counts are too low.
    async fn first_logged_contact(&self, channel: Channel) -> Result<Option<DateTime<Utc>>>;
    /// The decided exceptions to the business calendar on days in
    /// `[from, to)`, by date.
    async fn day_exceptions(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayException>>;
    /// Records (or replaces) the exception for its day, decided by user `by`.
    async fn set_day_exception(&self, exception: &DayException, by: i64, at: DateTime<Utc>) -> Result<()>;
    /// Removes the exception for `date`; whether there was one.
    async fn delete_day_exception(&self, date: NaiveDate) -> Result<bool>;
    /// Removes who logged the contacts started before `before` (retention
    /// of staff data); the counts stay. How many entries were changed.
    async fn forget_contact_agents(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Appends contacts to the contact log in one transaction.
    async fn log_contacts(&self, entries: &[ContactLogEntry]) -> Result<u64>;
    /// The latest contacts one user logged, newest first.
    async fn contacts_logged_by(&self, agent_id: i64, limit: u32) -> Result<Vec<ContactLogEntry>>;
    /// Stores imported ACD intervals in one transaction; an interval already
    /// stored for the same channel and start is replaced. Returns how many.
    async fn import_acd(&self, intervals: &[AcdInterval]) -> Result<u64>;
    /// Imported ACD intervals of a channel starting in `[from, to)`, in time order.
    async fn acd_intervals(&self, channel: Channel, from: DateTime<Utc>, to: DateTime<Utc>)
    -> Result<Vec<AcdInterval>>;
    /// Applies a command under a row lock. `authorize` is asked about the
    /// locked row; when it says no, the answer is [`StoreError::NotFound`].
    /// With `expected_version`, fails with [`StoreError::Conflict`] when the
    /// errand has moved on.
    async fn apply_command(
        &self,
        public_id: PublicId,
        expected_version: Option<i64>,
        actor: &Actor,
        command: Command,
        now: DateTime<Utc>,
        authorize: &(dyn for<'e> Fn(&'e Errand) -> bool + Send + Sync),
    ) -> Result<Errand>;

    // Users, sessions and API keys.
    async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<i64>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The user of an unexpired session.
    async fn session_user(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    async fn create_api_key(&self, name: &str, key_hash: &[u8], scopes: &[Scope], now: DateTime<Utc>) -> Result<i64>;
    async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKey>>;
    /// Revokes a key at once on every node. Returns false when no active key has that id.
    async fn revoke_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;

    // Audit.
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()>;
    async fn audit_for_errand(&self, errand_id: i64) -> Result<Vec<AuditEntry>>;

    /// Records `key` in the meta table unless present. Returns true to the
    /// one caller that inserted it: used to run one-time work such as demo
    /// seeding exactly once across processes.
    async fn claim_once(&self, key: &str, value: &str) -> Result<bool>;
    /// Writes a consistent copy of the whole database to a new file while the
    /// database stays in use (SQLite: `VACUUM INTO`). PostgreSQL answers
    /// [`StoreError::Unsupported`]: use `pg_dump` there.
    async fn backup(&self, target: &std::path::Path) -> Result<()>;
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
