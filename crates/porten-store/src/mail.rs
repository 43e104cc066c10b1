//! The mail outbox: mail waits here until a `mail.send` job has handed it
//! to the SMTP server, so a server that is down loses nothing. Queuing a
//! mail writes the outbox row and its job in the same transaction as the
//! write it belongs to (a submission, a message to a citizen).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// The job kind that delivers one outbox mail; its payload is `{"mail": id}`.
pub const MAIL_JOB: &str = "mail.send";
/// How often delivery is tried: with the job runner's backoff, at the
/// one-hour ceiling after ten tries, for as long as it takes (a century).
/// The mail waits in the outbox until it is delivered or an administrator
/// gives it up; it never dies quietly.
pub const MAIL_ATTEMPTS: u32 = 1_000_000;

/// A mail to send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewMail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub thread: MailThread,
}

/// Where a mail stands in an errand's thread of mail: its own `Message-ID`
/// (recorded with the errand, so that a reply to it finds the errand), the
/// mail it answers (`In-Reply-To` and `References`), and whether a machine
/// sent it (`Auto-Submitted`: `auto-replied` or `auto-generated`; RFC 3834).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailThread {
    pub errand_id: Option<i64>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub auto_submitted: Option<String>,
}

impl MailThread {
    /// A notice or receipt Porten sends by itself (`auto-generated`).
    pub fn generated() -> Self {
        Self { auto_submitted: Some(AUTO_GENERATED.into()), ..Self::default() }
    }
}

/// `Auto-Submitted` of Porten's notices and receipts.
pub const AUTO_GENERATED: &str = "auto-generated";
/// `Auto-Submitted` of the answer to a mail that opened an errand; counted
/// against the cap of such answers per recipient and day.
pub const AUTO_REPLIED: &str = "auto-replied";

/// The limits on receipt mail (issue 17): per recipient address and, for
/// visitors not signed in, for the whole installation, each per hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptLimits {
    pub per_recipient_per_hour: u32,
    pub anonymous_per_hour: u32,
}

impl Default for ReceiptLimits {
    fn default() -> Self {
        Self { per_recipient_per_hour: 10, anonymous_per_hour: 200 }
    }
}

/// What became of a submission's receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptMail {
    /// No address was given (or the submit repeated an earlier one).
    None,
    Queued,
    /// Over a limit: the errand is registered, no mail goes out.
    Held,
}

/// An address as the limits count it: the address inside any `<…>`, in
/// lower case, without quotes and without a `+tag` in its local part, and
/// for Gmail without dots (`"Anna.B+1"@Googlemail.com`, `x<annab@gmail.com>`
/// and `annab@gmail.com` reach the same inbox).
pub fn recipient_key(address: &str) -> String {
    let mut address = address.trim();
    if let Some((_, inner)) = address.rsplit_once('<') {
        address = inner.split('>').next().unwrap_or(inner);
    }
    let address = address.to_lowercase().replace('"', "");
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            let domain = domain.trim_end_matches('.');
            match domain {
                "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
                _ => format!("{local}@{domain}"),
            }
        }
        None => address,
    }
}

/// What a mail is, for the limits: a receipt of an errand, sent for a
/// visitor who was not signed in or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailTag {
    pub anonymous: bool,
    pub receipt_of: Option<i64>,
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
    /// When an administrator gave it up: it is never sent.
    pub given_up_at: Option<DateTime<Utc>>,
    /// The relay refused it for good (a 5xx answer), and said this.
    pub refused: Option<String>,
    pub thread: MailThread,
}

impl Mail {
    /// Whether it still waits to go out.
    pub fn waiting(&self) -> bool {
        self.sent_at.is_none() && self.given_up_at.is_none() && self.refused.is_none()
    }
}

/// A mail waiting in the outbox, with how its delivery has gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingMail {
    pub mail: Mail,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When delivery is tried next.
    pub next_try: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait MailStore: Send + Sync {
    /// Queues a mail and the job that sends it; the mail's id.
    async fn queue_mail(&self, mail: &NewMail, now: DateTime<Utc>) -> Result<i64>;
    async fn mail(&self, id: i64) -> Result<Option<Mail>>;
    /// Marks a mail as handed to the SMTP server.
    async fn mark_mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()>;
    /// The mail waiting to go out, oldest first, at most `limit`.
    async fn waiting_mail(&self, limit: u32) -> Result<Vec<WaitingMail>>;
    /// How many mails wait, and when the oldest was queued.
    async fn mail_backlog(&self) -> Result<(u64, Option<DateTime<Utc>>)>;
    /// Tries a waiting mail again at once; `false` when it does not wait.
    async fn retry_mail(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;
    /// Gives a waiting mail up: it is never sent and its job ends; `false`
    /// when it does not wait.
    async fn give_up_mail(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;
    /// Records that the relay refused a mail for good, with its answer.
    async fn refuse_mail(&self, id: i64, answer: &str, now: DateTime<Utc>) -> Result<()>;
}

/// The columns of [`Mail`], for the backends' reads.
pub(crate) const MAIL_COLUMNS: &str = "m.id, m.recipient, m.subject, m.body, m.created_at, m.sent_at, m.message_id, \
     m.in_reply_to, m.auto_submitted, m.errand_id, m.given_up_at, m.refused";
/// Mail that still waits to go out (the partial index `mail_outbox_waiting`).
pub(crate) const WAITING: &str = "m.sent_at IS NULL AND m.given_up_at IS NULL AND m.refused IS NULL";

/// Expands to `impl MailStore` for a backend, and `mail_sql::insert_mail`
/// for writes that queue a mail with something else.
macro_rules! impl_mail {
    ($store:ty, $db:ty, $row:ty) => {
        pub(crate) mod mail_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::mail::{MAIL_ATTEMPTS, MAIL_JOB, Mail, MailTag, MailThread, NewMail, ReceiptLimits, WaitingMail, recipient_key};
            use $crate::{NewJob, Result, from_micros, micros};

            fn mail_row(r: &$row) -> Result<Mail> {
                let at = |name: &str| -> Result<Option<DateTime<Utc>>> {
                    r.try_get::<Option<i64>, _>(name)?.map(from_micros).transpose()
                };
                Ok(Mail {
                    id: r.try_get("id")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    created_at: from_micros(r.try_get("created_at")?)?,
                    sent_at: at("sent_at")?,
                    given_up_at: at("given_up_at")?,
                    refused: r.try_get("refused")?,
                    thread: MailThread {
                        errand_id: r.try_get("errand_id")?,
                        message_id: r.try_get("message_id")?,
                        in_reply_to: r.try_get("in_reply_to")?,
                        auto_submitted: r.try_get("auto_submitted")?,
                    },
                })
            }

            /// Queues a mail and its job on the writer's connection.
            pub(crate) async fn insert_mail(
                c: &mut <$db as sqlx::Database>::Connection,
                mail: &NewMail,
                now: DateTime<Utc>,
                tag: MailTag,
            ) -> Result<i64> {
                let t = &mail.thread;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO mail_outbox (recipient, subject, body, created_at, recipient_key, anonymous, \
                     receipt_of, message_id, in_reply_to, auto_submitted) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(&mail.recipient)
                .bind(&mail.subject)
                .bind(&mail.body)
                .bind(micros(now))
                .bind(recipient_key(&mail.recipient))
                .bind(tag.anonymous)
                .bind(tag.receipt_of)
                .bind(&t.message_id)
                .bind(&t.in_reply_to)
                .bind(&t.auto_submitted)
                .fetch_one(&mut *c)
                .await?;
                if let (Some(errand_id), Some(message_id)) = (t.errand_id, &t.message_id) {
                    sqlx::query(
                        "INSERT INTO mail_messages (errand_id, message_id, inbound, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(errand_id)
                    .bind(message_id)
                    .bind(false)
                    .bind(micros(now))
                    .execute(&mut *c)
                    .await?;
                }
                let job = NewJob {
                    kind: MAIL_JOB.into(),
                    payload: format!(r#"{{"mail":{id}}}"#),
                    unique_key: None,
                    run_at: now,
                    max_attempts: MAIL_ATTEMPTS,
                };
                let job_id = job_sql::insert_job(c, &job, now).await?;
                sqlx::query("UPDATE mail_outbox SET job_id = $1, errand_id = $2 WHERE id = $3")
                    .bind(job_id)
                    .bind(tag.receipt_of.or(t.errand_id))
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(id)
            }

            /// Queues the receipt of errand `errand_id` unless its recipient
            /// has had `limits.per_recipient_per_hour` mails in the last hour,
            /// or, for an `anonymous` submitter, the installation has sent
            /// `limits.anonymous_per_hour` such mails. Counted in the
            /// submission's own transaction.
            pub(crate) async fn insert_receipt(
                c: &mut <$db as sqlx::Database>::Connection,
                mail: &NewMail,
                now: DateTime<Utc>,
                errand_id: i64,
                anonymous: bool,
                limits: ReceiptLimits,
            ) -> Result<bool> {
                let since = micros(now - chrono::Duration::hours(1));
                let to_recipient: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE recipient_key = $1 AND created_at > $2")
                        .bind(recipient_key(&mail.recipient))
                        .bind(since)
                        .fetch_one(&mut *c)
                        .await?;
                if to_recipient >= i64::from(limits.per_recipient_per_hour) {
                    return Ok(false);
                }
                if anonymous {
                    let sent: i64 =
                        sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE anonymous = $1 AND created_at > $2")
                            .bind(true)
                            .bind(since)
                            .fetch_one(&mut *c)
                            .await?;
                    if sent >= i64::from(limits.anonymous_per_hour) {
                        return Ok(false);
                    }
                }
                insert_mail(c, mail, now, MailTag { anonymous, receipt_of: Some(errand_id) }).await?;
                Ok(true)
            }

            #[async_trait::async_trait]
            impl $crate::MailStore for $store {
                async fn queue_mail(&self, mail: &NewMail, now: DateTime<Utc>) -> Result<i64> {
                    let mail = mail.clone();
                    self.writer()
                        .write(move |c| Box::pin(async move { insert_mail(c, &mail, now, MailTag::default()).await }))
                        .await
                }

                async fn mail(&self, id: i64) -> Result<Option<Mail>> {
                    let sql = format!("SELECT {} FROM mail_outbox m WHERE m.id = $1", $crate::mail::MAIL_COLUMNS);
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.reader()).await?;
                    row.as_ref().map(mail_row).transpose()
                }

                async fn waiting_mail(&self, limit: u32) -> Result<Vec<WaitingMail>> {
                    let sql = format!(
                        "SELECT {}, j.attempts, j.last_error, j.run_at FROM mail_outbox m \
                         LEFT JOIN jobs j ON j.id = m.job_id WHERE {} ORDER BY m.created_at, m.id LIMIT $1",
                        $crate::mail::MAIL_COLUMNS,
                        $crate::mail::WAITING
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(limit)).fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(WaitingMail {
                                mail: mail_row(r)?,
                                attempts: r.try_get::<Option<i64>, _>("attempts")?.unwrap_or(0).max(0) as u32,
                                last_error: r.try_get("last_error")?,
                                next_try: r.try_get::<Option<i64>, _>("run_at")?.map(from_micros).transpose()?,
                            })
                        })
                        .collect()
                }

                async fn mail_backlog(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
                    let sql = format!(
                        "SELECT count(*), min(m.created_at) FROM mail_outbox m WHERE {}",
                        $crate::mail::WAITING
                    );
                    let (n, oldest): (i64, Option<i64>) =
                        sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(self.reader()).await?;
                    Ok((n.max(0) as u64, oldest.map(from_micros).transpose()?))
                }

                async fn retry_mail(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let sql = format!(
                                    "UPDATE jobs SET state = 'queued', run_at = $1, lease_owner = NULL, updated_at = $1 \
                                     WHERE state IN ('queued', 'dead') AND id = \
                                     (SELECT m.job_id FROM mail_outbox m WHERE m.id = $2 AND {})",
                                    $crate::mail::WAITING
                                );
                                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                                    .bind(micros(now))
                                    .bind(id)
                                    .execute(&mut *c)
                                    .await?;
                                Ok(done.rows_affected() == 1)
                            })
                        })
                        .await
                }

                async fn give_up_mail(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let sql = format!(
                                    "UPDATE mail_outbox SET given_up_at = $1 \
                                     WHERE id = (SELECT m.id FROM mail_outbox m WHERE m.id = $2 AND {})",
                                    $crate::mail::WAITING
                                );
                                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                                    .bind(micros(now))
                                    .bind(id)
                                    .execute(&mut *c)
                                    .await?;
                                if done.rows_affected() == 0 {
                                    return Ok(false);
                                }
                                // A run under way finds the mail given up and sends nothing.
                                sqlx::query(
                                    "UPDATE jobs SET state = 'done', last_error = $1, updated_at = $2 \
                                     WHERE state IN ('queued', 'dead') AND id = (SELECT job_id FROM mail_outbox WHERE id = $3)",
                                )
                                .bind("given up by an administrator")
                                .bind(micros(now))
                                .bind(id)
                                .execute(&mut *c)
                                .await?;
                                Ok(true)
                            })
                        })
                        .await
                }

                async fn refuse_mail(&self, id: i64, answer: &str, _now: DateTime<Utc>) -> Result<()> {
                    let answer = answer.chars().take(1000).collect::<String>();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query("UPDATE mail_outbox SET refused = $1 WHERE id = $2")
                                    .bind(&answer)
                                    .bind(id)
                                    .execute(&mut *c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .await
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

#[cfg(test)]
mod tests {
    use super::recipient_key;

    #[test]
    fn addresses_that_reach_one_inbox_have_one_key() {
        for variant in [
            "victim@example.org",
            "Victim@Example.ORG",
            "victim+1@example.org",
            "\"victim\"@example.org",
            "<victim@example.org>",
            "7<victim@example.org>",
            "=?utf-8?q?x?=<victim@example.org>",
            "\"victim+x\"@example.org",
        ] {
            assert_eq!(recipient_key(variant), "victim@example.org", "{variant}");
        }
        assert_eq!(recipient_key("v.ictim+a@googlemail.com"), recipient_key("victim@gmail.com"));
        assert_ne!(recipient_key("v.ictim@example.org"), recipient_key("victim@example.org"), "dots count elsewhere");
    }
}
