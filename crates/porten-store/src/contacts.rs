//! The contact log (*kontaktlogg*): staff record each contact they handle
//! (channel, topic, outcome, handle time), without personal data about the
//! public. Who logged an entry is forgotten after a retention period.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::Channel;

use crate::Result;

pub use porten_domain::contact::ContactLogEntry;

#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Appends contacts to the contact log in one transaction.
    async fn log_contacts(&self, entries: &[ContactLogEntry]) -> Result<u64>;
    /// The latest contacts one user logged, newest first.
    async fn contacts_logged_by(&self, agent_id: i64, limit: u32) -> Result<Vec<ContactLogEntry>>;
    /// Removes who logged the contacts started before `before` (retention
    /// of staff data); the counts stay. How many entries were changed.
    async fn forget_contact_agents(&self, before: DateTime<Utc>) -> Result<u64>;
    /// When the first contact in `channel` was logged, if one was: before
    /// it, the channel's contacts were not logged, so counts are too low.
    async fn first_logged_contact(&self, channel: Channel) -> Result<Option<DateTime<Utc>>>;
}

/// Expands to `impl ContactStore` for a backend.
macro_rules! impl_contacts {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};

            use $crate::codec::*;
            use $crate::{from_micros, micros, ContactLogEntry, Result};

            #[async_trait::async_trait]
            impl $crate::ContactStore for $store {
                async fn log_contacts(&self, entries: &[ContactLogEntry]) -> Result<u64> {
                    let entries = entries.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        for chunk in entries.chunks(500) {
                            let mut q = QueryBuilder::<$db>::new(
                                "INSERT INTO contact_log (channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id, \
                                 errand_id, article_slug) ",
                            );
                            q.push_values(chunk, |mut b, e| {
                                let (service, tech) = match &e.contact.topic {
                                    porten_domain::ContactTopic::Service(code) => (Some(code.clone()), false),
                                    porten_domain::ContactTopic::General => (None, false),
                                    porten_domain::ContactTopic::TechHelp => (None, true),
                                };
                                b.push_bind(e.contact.channel.as_str())
                                    .push_bind(service)
                                    .push_bind(tech)
                                    .push_bind(e.contact.outcome.as_str())
                                    .push_bind(e.contact.handle_seconds.map(i64::from))
                                    .push_bind(micros(e.started_at))
                                    .push_bind(e.agent_id)
                                    .push_bind(e.errand_id)
                                    .push_bind(e.article.clone());
                            });
                            q.build().execute(&mut *c).await?;
                        }
                        Ok(entries.len() as u64)
                    })).await
                }

                async fn contacts_logged_by(&self, agent_id: i64, limit: u32) -> Result<Vec<ContactLogEntry>> {
                    let rows = sqlx::query(
                        "SELECT channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id, errand_id, article_slug \
                         FROM contact_log WHERE agent_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
                    )
                    .bind(agent_id)
                    .bind(i64::from(limit))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let service: Option<String> = r.try_get("service_code")?;
                            let topic = match (service, r.try_get::<bool, _>("tech_help")?) {
                                (Some(code), _) => porten_domain::ContactTopic::Service(code),
                                (None, true) => porten_domain::ContactTopic::TechHelp,
                                (None, false) => porten_domain::ContactTopic::General,
                            };
                            let outcome: String = r.try_get("outcome")?;
                            let seconds: Option<i64> = r.try_get("handle_seconds")?;
                            Ok(ContactLogEntry {
                                contact: porten_domain::LoggedContact {
                                    channel: channel(r.try_get("channel")?)?,
                                    topic,
                                    outcome: porten_domain::ContactOutcome::parse(&outcome)
                                        .ok_or_else(|| corrupt("contact outcome"))?,
                                    handle_seconds: seconds
                                        .map(|s| u32::try_from(s).map_err(|_| corrupt("handle time")))
                                        .transpose()?,
                                },
                                started_at: from_micros(r.try_get("started_at")?)?,
                                agent_id: r.try_get("agent_id")?,
                                errand_id: r.try_get("errand_id")?,
                                article: r.try_get("article_slug")?,
                            })
                        })
                        .collect()
                }

                async fn forget_contact_agents(&self, before: DateTime<Utc>) -> Result<u64> {
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE contact_log SET agent_id = NULL WHERE agent_id IS NOT NULL AND started_at < $1")
                            .bind(micros(before))
                            .execute(&mut *c)
                            .await?;
                        Ok(done.rows_affected())
                    })).await
                }

                async fn first_logged_contact(&self, channel_: porten_domain::Channel) -> Result<Option<DateTime<Utc>>> {
                    let first: Option<i64> = sqlx::query_scalar("SELECT MIN(started_at) FROM contact_log WHERE channel = $1")
                        .bind(channel_.as_str())
                        .fetch_one(self.reader())
                        .await?;
                    first.map(from_micros).transpose()
                }
            }
        };
    };
}

pub(crate) use impl_contacts;
