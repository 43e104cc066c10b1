//! The mail outbox: mail waits here until a `mail.send` job has handed it
//! to the SMTP server, so a server that is down loses nothing. Queuing a
//! mail writes the outbox row and its job in the same transaction as the
//! write it belongs to (a submission, a message to a citizen).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// The job kind that delivers one outbox mail; its payload is `{"mail": id}`.
pub const MAIL_JOB: &str = "mail.send";
/// How often delivery is tried before the mail's job is parked as dead
/// (with the job runner's backoff, about a day).
pub const MAIL_ATTEMPTS: u32 = 20;

/// A mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait MailStore: Send + Sync {
    /// Queues a mail and the job that sends it; the mail's id.
    async fn queue_mail(&self, mail: &NewMail, now: DateTime<Utc>) -> Result<i64>;
    async fn mail(&self, id: i64) -> Result<Option<Mail>>;
    /// Marks a mail as handed to the SMTP server.
    async fn mark_mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()>;
}

/// Expands to `impl MailStore` for a backend, and `mail_sql::insert_mail`
/// for writes that queue a mail with something else.
macro_rules! impl_mail {
    ($store:ty, $db:ty, $row:ty) => {
        pub(crate) mod mail_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::mail::{MAIL_ATTEMPTS, MAIL_JOB, Mail, NewMail};
            use $crate::{NewJob, Result, from_micros, micros};

            /// Queues a mail and its job on the writer's connection.
            pub(crate) async fn insert_mail(
                c: &mut <$db as sqlx::Database>::Connection,
                mail: &NewMail,
                now: DateTime<Utc>,
            ) -> Result<i64> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO mail_outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id",
                )
                .bind(&mail.recipient)
                .bind(&mail.subject)
                .bind(&mail.body)
                .bind(micros(now))
                .fetch_one(&mut *c)
                .await?;
                let job = NewJob {
                    kind: MAIL_JOB.into(),
                    payload: format!(r#"{{"mail":{id}}}"#),
                    unique_key: None,
                    run_at: now,
                    max_attempts: MAIL_ATTEMPTS,
                };
                job_sql::insert_job(c, &job, now).await?;
                Ok(id)
            }

            #[async_trait::async_trait]
            impl $crate::MailStore for $store {
                async fn queue_mail(&self, mail: &NewMail, now: DateTime<Utc>) -> Result<i64> {
                    let mail = mail.clone();
                    self.writer().write(move |c| Box::pin(async move { insert_mail(c, &mail, now).await })).await
                }

                async fn mail(&self, id: i64) -> Result<Option<Mail>> {
                    let row = sqlx::query(
                        "SELECT id, recipient, subject, body, created_at, sent_at FROM mail_outbox WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some(Mail {
                        id: r.try_get("id")?,
                        recipient: r.try_get("recipient")?,
                        subject: r.try_get("subject")?,
                        body: r.try_get("body")?,
                        created_at: from_micros(r.try_get("created_at")?)?,
                        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(from_micros).transpose()?,
                    }))
                }

                async fn mark_mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query("UPDATE mail_outbox SET sent_at = $1 WHERE id = $2")
                                    .bind(micros(now))
                                    .bind(id)
                                    .execute(&mut *c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use impl_mail;
