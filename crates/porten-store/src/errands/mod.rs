//! Errands (*ärenden*) and the registry (*diariet*): registration with a
//! registry number (*diarienummer*), the timeline, commands, lists.
//!
//! The registry serial is taken from a counter row per (unit, year) inside
//! the transaction (here: the savepoint of the group commit) that inserts
//! the errand, so a command that fails gives its number back and serials
//! stay gapless across processes.
//!
//! What differs per backend is the row lock taken when a command reads the
//! errand it changes: see [`sqlite`] and [`postgres`] at the end of this file.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::{Actor, Command, Errand, Lifecycle, NewErrand, PublicId, RegistryNumber, TimelineEvent, UnitCode};

use crate::Result;

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

/// A registration that owns its parts, to move into a write.
#[derive(Clone, Debug)]
pub struct OwnedRegistration {
    pub public_id: PublicId,
    pub errand: NewErrand,
    pub unit: UnitCode,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

impl From<&Registration<'_>> for OwnedRegistration {
    fn from(r: &Registration<'_>) -> Self {
        Self {
            public_id: r.public_id,
            errand: r.errand.clone(),
            unit: r.unit.clone(),
            actor: r.actor.clone(),
            at: r.at,
        }
    }
}

pub use porten_domain::errand_list::{Cursor, ErrandFilter, ErrandSummary, MAX_PAGE_SIZE, Page, Sort};

/// Decides, on the locked row, whether a command may go ahead.
pub type Authorize = Arc<dyn Fn(&Errand) -> bool + Send + Sync>;

/// An errand's SLA due time and its warning time, as computed from its timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockUpdate {
    pub errand_id: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ErrandStore: Send + Sync {
    /// Registers an errand: assigns its registry number and writes the row,
    /// its parties and the `registered` event in one durable transaction.
    async fn register_errand(&self, registration: Registration<'_>) -> Result<Errand>;
    async fn get_errand(&self, public_id: PublicId) -> Result<Option<Errand>>;
    /// The errands that have a party with this personal identity number
    /// (as stored: `expose()`), newest first, at most `limit`, each with its
    /// internal id (for the audit entry of each one shown).
    async fn errands_of_person(&self, personal_number: &str, limit: u32) -> Result<Vec<(i64, ErrandSummary)>>;
    /// The errand with this registry number, with its parties.
    async fn errand_by_number(&self, number: &RegistryNumber) -> Result<Option<Errand>>;
    async fn list_errands(
        &self,
        filter: &ErrandFilter,
        sort: Sort,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<ErrandSummary>>;
    /// How many errands match each filter, counted up to one past
    /// [`COUNT_CAP`](porten_domain::errand_list::COUNT_CAP) each, in one
    /// statement: `(count, exact)` per filter, in order (the queues' counts).
    async fn count_errands(&self, filters: &[ErrandFilter]) -> Result<Vec<(u64, bool)>>;
    async fn timeline(&self, errand_id: i64) -> Result<Vec<TimelineEvent>>;
    /// Keeps errands' SLA due times (by the `sla` feed consumer): they
    /// serve the queue's due order and its breaching-soon filter.
    async fn set_clocks(&self, clocks: &[ClockUpdate]) -> Result<()>;
    /// Errand ids after `after`, ascending, at most `limit`: a walk over
    /// every errand (a consumer of the feed rebuilding).
    async fn errand_ids(&self, after: i64, limit: u32) -> Result<Vec<i64>>;
    /// These errands with their parties, in two reads (for a consumer of
    /// the change feed that handles a batch). Ids that name no errand are
    /// left out; the rest come by id.
    async fn errands_by_ids(&self, ids: &[i64]) -> Result<Vec<Errand>>;
    /// The timelines of these errands, by errand id, in one read.
    async fn timelines_of(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<TimelineEvent>>>;
    /// The errands of a citizen (*Mina ärenden*), newest first, at most
    /// [`MAX_PAGE_SIZE`]: those they submitted signed in, and those that are
    /// not confidential where they are the applicant by personnummer. Being
    /// named as a reporter or a contact makes no errand theirs to follow.
    async fn citizen_errands(&self, user_id: i64) -> Result<Vec<ErrandSummary>>;
    /// Applies a command under a row lock. `authorize` is asked about the
    /// locked row; when it says no, the answer is [`crate::StoreError::NotFound`].
    /// With `expected_version`, fails with [`crate::StoreError::Conflict`] when the
    /// errand has moved on.
    async fn apply_command(
        &self,
        public_id: PublicId,
        expected_version: Option<i64>,
        actor: &Actor,
        command: Command,
        now: DateTime<Utc>,
        authorize: Authorize,
    ) -> Result<Errand>;
    /// Applies commands to several errands in one transaction (linking two
    /// errands, merging a duplicate into its survivor): all, or none.
    /// `authorize` is asked about each locked row.
    async fn apply_commands(
        &self,
        commands: Vec<(PublicId, Command)>,
        actor: &Actor,
        now: DateTime<Utc>,
        authorize: Authorize,
    ) -> Result<Vec<Errand>>;
}

/// The row lock a command takes on SQLite: none is needed, the writer holds
/// the database's write lock (`BEGIN IMMEDIATE`) for the whole batch.
pub(crate) mod sqlite {
    pub const LOCK_ROW: &str = "";
    /// The unit filter beside a skill's: SQLite's unary `+` keeps its
    /// planner from the index by unit (every active errand of the unit,
    /// 20–45 ms at a million) for the index by service, which holds the unit.
    pub const UNIT_BESIDE_SKILL: &str = " AND +unit_code = ";
}

/// The row lock a command takes on PostgreSQL, so that commands on one
/// errand from several nodes run one after the other.
pub(crate) mod postgres {
    pub const LOCK_ROW: &str = " FOR UPDATE";
    pub const UNIT_BESIDE_SKILL: &str = " AND unit_code = ";
}

/// The statements of a registration, run through sqlx (`insert_errand`) or
/// directly on SQLite ([`register_direct`]). Parameters are numbered in the
/// order they first appear, so they bind by position in both.
pub(crate) mod registration {
    use super::*;
    use crate::StoreError;

    /// The next serial of the unit's series for the year, taken only when the
    /// service and the unit exist. The counter row is locked until commit,
    /// so no other transaction can take the same serial, and a rollback gives
    /// the serial back.
    pub const TAKE_SERIAL: &str = "INSERT INTO registry_counters (unit_code, year, last_serial) SELECT $1, $2, 1 \
         WHERE EXISTS (SELECT 1 FROM services WHERE code = $3) AND EXISTS (SELECT 1 FROM units WHERE code = $1) \
         ON CONFLICT (unit_code, year) DO UPDATE SET last_serial = registry_counters.last_serial + 1 \
         RETURNING last_serial";
    /// When no serial was taken: does the service exist (else the unit is missing)?
    pub const COUNT_SERVICE: &str = "SELECT COUNT(*) FROM services WHERE code = $1";
    /// An errand of a confidential service is confidential, as the service
    /// is at this commit (the caller may have read it earlier).
    pub const INSERT_ERRAND: &str = "INSERT INTO errands (public_id, registry_unit, registry_year, registry_serial, \
         service_code, title, description, channel, priority, lifecycle, unit_code, assignee_id, confidential, labels, \
         form, version, created_at, updated_at, resolved_at, location_address, location_lat, location_long, location_ref) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, \
         $12 OR EXISTS (SELECT 1 FROM services WHERE code = $5 AND confidential), $13, $14, 1, $15, $15, NULL, \
         $16, $17, $18, $19) \
         RETURNING id, confidential";
    /// The no-op update makes RETURNING give the existing row's id too.
    pub const UPSERT_PARTY: &str = "INSERT INTO parties (personal_number) VALUES ($1) ON CONFLICT (personal_number) \
         DO UPDATE SET personal_number = excluded.personal_number RETURNING id";
    pub const INSERT_ERRAND_PARTY: &str = "INSERT INTO errand_parties (errand_id, position, party_id, role, name, \
         organisation_number, contacts) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const INSERT_EVENT: &str = "INSERT INTO timeline (errand_id, at, actor_kind, actor_id, actor_name, kind, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)";

    pub fn unknown_reference(services_with_the_code: i64) -> StoreError {
        StoreError::UnknownReference(if services_with_the_code == 0 { "service" } else { "unit" })
    }

    impl OwnedRegistration {
        /// The errand this registration became.
        pub(crate) fn into_errand(self, id: i64, registry_number: RegistryNumber, confidential: bool) -> Errand {
            let new = self.errand;
            // As stored: to the microsecond.
            let at = DateTime::from_timestamp_micros(self.at.timestamp_micros()).unwrap_or(self.at);
            Errand {
                id,
                public_id: self.public_id,
                registry_number,
                service_code: new.service_code,
                title: new.title,
                description: new.description,
                channel: new.channel,
                priority: new.priority,
                lifecycle: Lifecycle::New,
                unit: self.unit,
                assignee: None,
                parties: new.parties,
                confidential,
                labels: new.labels,
                form: new.form,
                version: 1,
                created_at: at,
                updated_at: at,
                resolved_at: None,
                location: new.location,
            }
        }
    }
}

mod direct;
mod sql;
pub(crate) use direct::register_direct;
pub(crate) use sql::impl_errands;
