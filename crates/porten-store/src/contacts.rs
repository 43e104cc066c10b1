//! The contact log (*kontaktlogg*): staff record each contact they handle
//! (channel, topic, outcome, handle time), without personal data about the
//! public. Who logged an entry is forgotten after a retention period.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::Channel;

use crate::Result;

use porten_domain::TopicRecord;
pub use porten_domain::contact::ContactLogEntry;

/// Why a topic could not be merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeRefused {
    /// One of the two topics does not exist.
    Unknown,
    /// The surviving topic is retired, or is the topic itself.
    Target,
}

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
    /// Every contact topic, retired and merged ones too, by code.
    async fn contact_topics(&self) -> Result<Vec<TopicRecord>>;
    /// Adds a topic; false when its code is taken.
    async fn add_contact_topic(&self, topic: &TopicRecord) -> Result<bool>;
    /// Renames a topic; false when there is none.
    async fn rename_contact_topic(&self, code: &str, name_sv: &str, name_en: &str) -> Result<bool>;
    /// Retires a topic or brings it back (not a merged one); false when
    /// there is no such topic to change.
    async fn retire_contact_topic(&self, code: &str, retired: bool) -> Result<bool>;
    /// Merges `from` into `into` in one transaction: `from` is retired and
    /// points to `into`, and every contact logged under it (and under topics
    /// merged into it before) now counts under `into`. How many contacts moved.
    async fn merge_contact_topic(&self, from: &str, into: &str) -> Result<std::result::Result<u64, MergeRefused>>;
}

/// Expands to `impl ContactStore` for a backend.
macro_rules! impl_contacts {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};

            use $crate::codec::*;
            use $crate::{from_micros, micros, ContactLogEntry, Result};

            fn topic_row(r: &$row) -> Result<porten_domain::TopicRecord> {
                Ok(porten_domain::TopicRecord {
                    code: r.try_get("code")?,
                    name_sv: r.try_get("name_sv")?,
                    name_en: r.try_get("name_en")?,
                    counts_as: topic_class(r.try_get("service_code")?, r.try_get("tech_help")?),
                    retired: r.try_get("retired")?,
                    merged_into: r.try_get("merged_into")?,
                })
            }

            fn topic_class(service: Option<String>, tech_help: bool) -> porten_domain::ContactTopic {
                match (service, tech_help) {
                    (Some(code), _) => porten_domain::ContactTopic::Service(code),
                    (None, true) => porten_domain::ContactTopic::TechHelp,
                    (None, false) => porten_domain::ContactTopic::General,
                }
            }

            fn class_columns(t: &porten_domain::ContactTopic) -> (Option<String>, bool) {
                match t {
                    porten_domain::ContactTopic::Service(code) => (Some(code.clone()), false),
                    porten_domain::ContactTopic::General => (None, false),
                    porten_domain::ContactTopic::TechHelp => (None, true),
                }
            }

            #[async_trait::async_trait]
            impl $crate::ContactStore for $store {
                async fn log_contacts(&self, entries: &[ContactLogEntry]) -> Result<u64> {
                    let entries = entries.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        for chunk in entries.chunks(500) {
                            let mut q = QueryBuilder::<$db>::new(
                                "INSERT INTO contact_log (channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id, \
                                 errand_id, article_slug, topic_code) ",
                            );
                            q.push_values(chunk, |mut b, e| {
                                let (service, tech) = class_columns(&e.contact.topic);
                                b.push_bind(e.contact.channel.as_str())
                                    .push_bind(service)
                                    .push_bind(tech)
                                    .push_bind(e.contact.outcome.as_str())
                                    .push_bind(e.contact.handle_seconds.map(i64::from))
                                    .push_bind(micros(e.started_at))
                                    .push_bind(e.agent_id)
                                    .push_bind(e.errand_id)
                                    .push_bind(e.article.clone())
                                    .push_bind(e.contact.topic_code.clone());
                            });
                            q.build().execute(&mut *c).await?;
                        }
                        Ok(entries.len() as u64)
                    })).await
                }

                async fn contacts_logged_by(&self, agent_id: i64, limit: u32) -> Result<Vec<ContactLogEntry>> {
                    let rows = sqlx::query(
                        "SELECT channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id, errand_id, article_slug, topic_code \
                         FROM contact_log WHERE agent_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
                    )
                    .bind(agent_id)
                    .bind(i64::from(limit))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let topic = topic_class(r.try_get("service_code")?, r.try_get("tech_help")?);
                            let topic_code: Option<String> = r.try_get("topic_code")?;
                            let outcome: String = r.try_get("outcome")?;
                            let seconds: Option<i64> = r.try_get("handle_seconds")?;
                            Ok(ContactLogEntry {
                                contact: porten_domain::LoggedContact {
                                    channel: channel(r.try_get("channel")?)?,
                                    topic_code: topic_code.unwrap_or_else(|| topic.code()),
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

                async fn contact_topics(&self) -> Result<Vec<porten_domain::TopicRecord>> {
                    let rows = sqlx::query("SELECT * FROM contact_topics ORDER BY code").fetch_all(self.reader()).await?;
                    rows.iter().map(topic_row).collect()
                }

                async fn add_contact_topic(&self, t: &porten_domain::TopicRecord) -> Result<bool> {
                    let t = t.clone();
                    self.writer().write(move |c| Box::pin(async move {
                        let (service, tech) = class_columns(&t.counts_as);
                        let done = sqlx::query(
                            "INSERT INTO contact_topics (code, name_sv, name_en, service_code, tech_help) \
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING",
                        )
                        .bind(&t.code)
                        .bind(&t.name_sv)
                        .bind(&t.name_en)
                        .bind(service)
                        .bind(tech)
                        .execute(&mut *c)
                        .await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn rename_contact_topic(&self, code: &str, name_sv: &str, name_en: &str) -> Result<bool> {
                    let (code, sv, en) = (code.to_owned(), name_sv.to_owned(), name_en.to_owned());
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE contact_topics SET name_sv = $1, name_en = $2 WHERE code = $3")
                            .bind(sv)
                            .bind(en)
                            .bind(code)
                            .execute(&mut *c)
                            .await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn retire_contact_topic(&self, code: &str, retired: bool) -> Result<bool> {
                    let code = code.to_owned();
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query(
                            "UPDATE contact_topics SET retired = $1 WHERE code = $2 AND merged_into IS NULL",
                        )
                        .bind(retired)
                        .bind(code)
                        .execute(&mut *c)
                        .await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn merge_contact_topic(
                    &self,
                    from: &str,
                    into: &str,
                ) -> Result<std::result::Result<u64, $crate::MergeRefused>> {
                    let (from, into) = (from.to_owned(), into.to_owned());
                    self.writer().write(move |c| Box::pin(async move {
                        let rows = sqlx::query("SELECT * FROM contact_topics WHERE code IN ($1, $2)")
                            .bind(&from)
                            .bind(&into)
                            .fetch_all(&mut *c)
                            .await?;
                        let topics = rows.iter().map(topic_row).collect::<Result<Vec<_>>>()?;
                        let (Some(source), Some(target)) =
                            (topics.iter().find(|t| t.code == from), topics.iter().find(|t| t.code == into))
                        else {
                            return Ok(Err($crate::MergeRefused::Unknown));
                        };
                        if from == into || target.retired || source.merged_into.is_some() {
                            return Ok(Err($crate::MergeRefused::Target));
                        }
                        // Topics merged into this one before follow it.
                        sqlx::query("UPDATE contact_topics SET merged_into = $1 WHERE merged_into = $2")
                            .bind(&into)
                            .bind(&from)
                            .execute(&mut *c)
                            .await?;
                        sqlx::query("UPDATE contact_topics SET retired = TRUE, merged_into = $1 WHERE code = $2")
                            .bind(&into)
                            .bind(&from)
                            .execute(&mut *c)
                            .await?;
                        let (service, tech) = class_columns(&target.counts_as);
                        let moved = sqlx::query(
                            "UPDATE contact_log SET topic_code = $1, service_code = $2, tech_help = $3 WHERE topic_code = $4",
                        )
                        .bind(&into)
                        .bind(service)
                        .bind(tech)
                        .bind(&from)
                        .execute(&mut *c)
                        .await?;
                        Ok(Ok(moved.rows_affected()))
                    })).await
                }
            }
        };
    };
}

pub(crate) use impl_contacts;
