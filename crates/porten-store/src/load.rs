//! Bulk loading of generated errands, for scale benchmarks
//! (`porten load-errands`): many rows per statement, ids and registry
//! serials taken in the batch's transaction. Run it while no server writes
//! to the database. Loaded errands reach the staff search index when a node
//! starts (it rebuilds from the errands table), not through the feed, so
//! the durable feed consumers do not replay a million registrations.

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Utc};
use porten_domain::{Channel, EventKind, Lifecycle, Party, Priority, PublicId, UnitCode};

use crate::Result;

/// A generated errand with its parties and history, as it would stand after
/// being worked. The store gives it its id and registry serial.
#[derive(Clone, Debug)]
pub struct LoadedErrand {
    pub public_id: PublicId,
    pub unit: UnitCode,
    pub service_code: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub priority: Priority,
    pub lifecycle: Lifecycle,
    pub assignee: Option<i64>,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub parties: Vec<Party>,
    /// The timeline, oldest first: when, the actor's name, and what.
    pub events: Vec<(DateTime<Utc>, String, EventKind)>,
}

impl LoadedErrand {
    /// The registry year: the year the errand was registered.
    pub fn year(&self) -> i64 {
        i64::from(porten_domain::time::to_stockholm(self.created_at).year())
    }
}

#[async_trait]
pub trait LoadStore: Send + Sync {
    /// Inserts a batch of generated errands (in order of registration) in
    /// one transaction; returns their ids, in the same order.
    async fn load_errands(&self, batch: Vec<LoadedErrand>) -> Result<Vec<i64>>;
}

/// Rows per multi-row INSERT (errands bind 18 values a row: well under
/// SQLite's and PostgreSQL's limits on bound parameters).
pub(crate) const ROWS: usize = 500;

/// Expands to `impl LoadStore` for a backend.
macro_rules! impl_load {
    ($store:ty, $db:ty) => {
        const _: () = {
            use std::collections::BTreeMap;

            use sqlx::QueryBuilder;

            use $crate::codec::*;
            use $crate::load::{LoadedErrand, ROWS};
            use $crate::{Backend, Result, Store, micros};

            #[async_trait::async_trait]
            impl $crate::LoadStore for $store {
                async fn load_errands(&self, batch: Vec<LoadedErrand>) -> Result<Vec<i64>> {
                    let postgres = self.backend() == Backend::Postgres;
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM errands")
                                    .fetch_one(&mut *c)
                                    .await?;
                                let first = max.unwrap_or(0) + 1;
                                let ids: Vec<i64> = (first..).take(batch.len()).collect();
                                // Serials continue each (unit, year) series.
                                let mut serials: BTreeMap<(String, i64), i64> = BTreeMap::new();
                                let mut numbered = Vec::with_capacity(batch.len());
                                for e in &batch {
                                    let key = (e.unit.to_string(), e.year());
                                    if !serials.contains_key(&key) {
                                        let last: Option<i64> = sqlx::query_scalar(
                                            "SELECT last_serial FROM registry_counters WHERE unit_code = $1 AND year = $2",
                                        )
                                        .bind(&key.0)
                                        .bind(key.1)
                                        .fetch_optional(&mut *c)
                                        .await?;
                                        serials.insert(key.clone(), last.unwrap_or(0));
                                    }
                                    let serial = serials.get_mut(&key).expect("inserted above");
                                    *serial += 1;
                                    numbered.push(*serial);
                                }
                                let mut batch = batch;
                                for (e, serial) in batch.iter_mut().zip(&numbered) {
                                    let number = registry_number(e.unit.as_str(), e.year(), *serial)?.to_string();
                                    for (_, _, kind) in &mut e.events {
                                        if let porten_domain::EventKind::Registered { registry_number, .. } = kind {
                                            registry_number.clone_from(&number);
                                        }
                                    }
                                }
                                let rows: Vec<(i64, i64, &LoadedErrand)> =
                                    ids.iter().zip(&numbered).zip(&batch).map(|((i, s), e)| (*i, *s, e)).collect();
                                for chunk in rows.chunks(ROWS) {
                                    let mut qb = QueryBuilder::<$db>::new(
                                        "INSERT INTO errands (id, public_id, registry_unit, registry_year, registry_serial, \
                                         service_code, title, description, channel, priority, lifecycle, unit_code, \
                                         assignee_id, confidential, labels, form, version, created_at, updated_at, resolved_at) ",
                                    );
                                    qb.push_values(chunk, |mut row, (id, serial, e)| {
                                        row.push_bind(*id)
                                            .push_bind(e.public_id.to_string())
                                            .push_bind(e.unit.to_string())
                                            .push_bind(e.year())
                                            .push_bind(*serial)
                                            .push_bind(&e.service_code)
                                            .push_bind(&e.title)
                                            .push_bind(&e.description)
                                            .push_bind(e.channel.as_str())
                                            .push_bind(e.priority.as_str())
                                            .push_bind(e.lifecycle.as_str())
                                            .push_bind(e.unit.to_string())
                                            .push_bind(e.assignee)
                                            .push_bind(e.confidential)
                                            .push_bind("[]")
                                            .push_bind("{}")
                                            .push_bind(e.events.len() as i64)
                                            .push_bind(micros(e.created_at))
                                            .push_bind(micros(e.updated_at))
                                            .push_bind(e.resolved_at.map(micros));
                                    });
                                    qb.build().persistent(false).execute(&mut *c).await?;
                                }
                                let parties: Vec<(i64, usize, &porten_domain::Party)> = rows
                                    .iter()
                                    .flat_map(|(id, _, e)| e.parties.iter().enumerate().map(move |(i, p)| (*id, i, p)))
                                    .collect();
                                for chunk in parties.chunks(ROWS) {
                                    let mut qb = QueryBuilder::<$db>::new(
                                        "INSERT INTO errand_parties (errand_id, position, party_id, role, name, \
                                         organisation_number, contacts) ",
                                    );
                                    qb.push_values(chunk, |mut row, (id, position, p)| {
                                        row.push_bind(*id)
                                            .push_bind(*position as i64)
                                            .push_bind(None::<i64>)
                                            .push_bind(p.role.as_str())
                                            .push_bind(&p.name)
                                            .push_bind(p.organisation_number.as_ref().map(|n| n.as_str().to_owned()))
                                            .push_bind(json(&p.contacts));
                                    });
                                    qb.build().persistent(false).execute(&mut *c).await?;
                                }
                                let events: Vec<(i64, &(chrono::DateTime<chrono::Utc>, String, porten_domain::EventKind))> =
                                    rows.iter().flat_map(|(id, _, e)| e.events.iter().map(move |ev| (*id, ev))).collect();
                                for chunk in events.chunks(ROWS) {
                                    let mut qb = QueryBuilder::<$db>::new(
                                        "INSERT INTO timeline (errand_id, at, actor_kind, actor_id, actor_name, kind, data) ",
                                    );
                                    qb.push_values(chunk, |mut row, (id, (at, actor, kind))| {
                                        row.push_bind(*id)
                                            .push_bind(micros(*at))
                                            .push_bind("system")
                                            .push_bind(None::<i64>)
                                            .push_bind(actor)
                                            .push_bind(kind.type_name())
                                            .push_bind(json(kind));
                                    });
                                    qb.build().persistent(false).execute(&mut *c).await?;
                                }
                                for ((unit, year), last) in serials {
                                    sqlx::query(
                                        "INSERT INTO registry_counters (unit_code, year, last_serial) VALUES ($1, $2, $3) \
                                         ON CONFLICT (unit_code, year) DO UPDATE SET last_serial = excluded.last_serial",
                                    )
                                    .bind(unit)
                                    .bind(year)
                                    .bind(last)
                                    .execute(&mut *c)
                                    .await?;
                                }
                                if postgres {
                                    sqlx::query("SELECT setval(pg_get_serial_sequence('errands', 'id'), (SELECT MAX(id) FROM errands))")
                                        .execute(&mut *c)
                                        .await?;
                                }
                                Ok(ids)
                            })
                        })
                        .await
                }
            }
        };
    };
}
pub(crate) use impl_load;
