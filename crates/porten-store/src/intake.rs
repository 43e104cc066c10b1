//! E-mail intake (issue 20): taking one inbound mail into the registry in
//! one transaction — the errand it opens (with its tracking link, its files
//! and its auto-reply) or the message it adds, and the mail's record in the
//! errand's thread. A mail's dedupe key is unique, so the same mail piped or
//! fetched twice is taken once: the second time answers with the errand the
//! first opened or joined.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::eservice::FileRef;
use porten_domain::{Actor, Command, Errand, PublicId};

use crate::Result;
use crate::errands::OwnedRegistration;
use crate::mail::NewMail;

/// Written in an auto-reply's subject and body where the registry number
/// goes, which is known only once the errand is registered.
pub const REGISTRY_NUMBER: &str = "{registry_number}";
/// Written in an auto-reply where its tracking link's token goes.
pub const TRACKING_TOKEN: &str = "{tracking_token}";

/// One inbound mail, as recorded in its errand's thread.
#[derive(Clone, Debug)]
pub struct InboundRecord {
    /// What makes the mail this mail: the same key is never taken twice.
    pub dedupe_key: String,
    /// Its `Message-ID` (or one made up from the dedupe key when it had none).
    pub message_id: String,
    pub at: DateTime<Utc>,
}

/// What the mail does.
#[derive(Clone, Debug)]
pub enum IntakeWrite {
    /// Registers a new errand, with a tracking token and the mail's files;
    /// `related` links it both ways to an errand the mail named; `notes` go on
    /// its timeline (why it was not joined to `related`, refused files);
    /// `reply` is the auto-reply, with [`REGISTRY_NUMBER`] and
    /// [`TRACKING_TOKEN`] in its text, queued unless its recipient has had
    /// `auto_replies_per_day` automatic mails in the last day; then
    /// `capped_note` goes on its timeline instead, so staff see why.
    Open {
        registration: Box<OwnedRegistration>,
        tracking_token: String,
        files: Vec<FileRef>,
        related: Option<PublicId>,
        notes: Vec<String>,
        reply: Option<NewMail>,
        auto_replies_per_day: u32,
        capped_note: String,
    },
    /// Applies `command` (the message, or a note for automatic mail) to an
    /// existing errand, adds the files to it, and `notes` after.
    Join { errand: PublicId, command: Command, files: Vec<FileRef>, notes: Vec<String> },
}

/// What became of a mail.
#[derive(Clone, Debug)]
pub struct Taken {
    pub errand: Errand,
    /// The mail had been taken before; nothing was written now.
    pub repeated: bool,
    /// An auto-reply was queued.
    pub replied: bool,
}

#[async_trait]
pub trait IntakeStore: Send + Sync {
    /// The errand whose thread holds one of these `Message-ID`s (the first
    /// found in the order given).
    async fn errand_of_messages(&self, message_ids: &[String]) -> Result<Option<PublicId>>;
    /// Takes a mail in, acting as `actor`, in one transaction with its record.
    async fn take_mail(&self, record: InboundRecord, write: IntakeWrite, actor: &Actor) -> Result<Taken>;
    /// The `Message-ID` of the newest mail the citizen sent on an errand.
    async fn last_inbound_message(&self, errand_id: i64) -> Result<Option<String>>;
}

/// Expands to `impl IntakeStore` for a backend.
macro_rules! impl_intake {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::errand::ErrandRef;
            use porten_domain::{Actor, Command, PublicId};

            use $crate::intake::{InboundRecord, IntakeWrite, REGISTRY_NUMBER, TRACKING_TOKEN, Taken};
            use $crate::mail::{MailTag, recipient_key};
            use $crate::{Authorize, FileRef, Result, StoreError, micros};

            async fn add_files(
                c: &mut <$db as sqlx::Database>::Connection,
                errand_id: i64,
                files: &[FileRef],
            ) -> Result<()> {
                let next: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM errand_attachments WHERE errand_id = $1")
                        .bind(errand_id)
                        .fetch_one(&mut *c)
                        .await?;
                for (i, f) in files.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO errand_attachments (errand_id, position, field, file_name, sha256) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(errand_id)
                    .bind(next + i as i64)
                    .bind(&f.field)
                    .bind(&f.name)
                    .bind(&f.sha256)
                    .execute(&mut *c)
                    .await?;
                }
                Ok(())
            }

            async fn record(
                c: &mut <$db as sqlx::Database>::Connection,
                errand_id: i64,
                r: &InboundRecord,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO mail_messages (errand_id, message_id, inbound, dedupe_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(errand_id)
                .bind(&r.message_id)
                .bind(true)
                .bind(&r.dedupe_key)
                .bind(micros(r.at))
                .execute(&mut *c)
                .await?;
                Ok(())
            }

            /// The errand with this public id as it stands in the transaction.
            async fn errand_with_parties(
                c: &mut <$db as sqlx::Database>::Connection,
                public_id: &str,
            ) -> Result<porten_domain::Errand> {
                let sql = format!("SELECT {} FROM errands WHERE public_id = $1", $crate::codec::ERRAND_COLUMNS);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(public_id.to_owned()).fetch_one(&mut *c).await?;
                let mut errand = errand_sql::errand_row(&row)?;
                errand.parties = errand_sql::load_parties(&mut *c, errand.id).await?;
                Ok(errand)
            }

            async fn notes(
                c: &mut <$db as sqlx::Database>::Connection,
                id: PublicId,
                notes: &[String],
                actor: &Actor,
                now: DateTime<Utc>,
                anyone: &Authorize,
            ) -> Result<()> {
                for body in notes {
                    let note = Command::AddNote { body: body.clone() };
                    errand_sql::apply_locked(c, id, None, actor, note, now, anyone).await?;
                }
                Ok(())
            }

            #[async_trait::async_trait]
            impl $crate::IntakeStore for $store {
                async fn errand_of_messages(&self, message_ids: &[String]) -> Result<Option<PublicId>> {
                    for id in message_ids.iter().take(50) {
                        let found: Option<String> = sqlx::query_scalar(
                            "SELECT e.public_id FROM mail_messages m JOIN errands e ON e.id = m.errand_id \
                             WHERE m.message_id = $1 ORDER BY m.id DESC LIMIT 1",
                        )
                        .bind(id)
                        .fetch_optional(self.reader())
                        .await?;
                        if let Some(p) = found {
                            return Ok(Some($crate::codec::public_id(&p)?));
                        }
                    }
                    Ok(None)
                }

                async fn last_inbound_message(&self, errand_id: i64) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT message_id FROM mail_messages WHERE errand_id = $1 AND inbound = $2 \
                         ORDER BY id DESC LIMIT 1",
                    )
                    .bind(errand_id)
                    .bind(true)
                    .fetch_optional(self.reader())
                    .await?)
                }

                async fn take_mail(&self, record_: InboundRecord, write: IntakeWrite, actor: &Actor) -> Result<Taken> {
                    let actor = actor.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let r = record_;
                                let anyone: Authorize = std::sync::Arc::new(|_| true);
                                let seen: Option<String> = sqlx::query_scalar(
                                    "SELECT e.public_id FROM mail_messages m JOIN errands e ON e.id = m.errand_id \
                                     WHERE m.dedupe_key = $1",
                                )
                                .bind(&r.dedupe_key)
                                .fetch_optional(&mut *c)
                                .await?;
                                if let Some(p) = seen {
                                    let errand = errand_with_parties(c, &p).await?;
                                    return Ok(Taken { errand, repeated: true, replied: false });
                                }
                                match write {
                                    IntakeWrite::Open {
                                        registration,
                                        tracking_token,
                                        files,
                                        related,
                                        notes: to_note,
                                        reply,
                                        auto_replies_per_day,
                                        capped_note,
                                    } => {
                                        let at = registration.at;
                                        let errand = errand_sql::insert_errand(c, *registration).await?;
                                        sqlx::query(
                                            "INSERT INTO eservice_submissions (errand_id, service_code, version, \
                                             tracking_token, draft_id, submitted_at) VALUES ($1, $2, $3, $4, $5, $6)",
                                        )
                                        .bind(errand.id)
                                        .bind(&errand.service_code)
                                        .bind(0_i64)
                                        .bind(&tracking_token)
                                        .bind(format!("mail:{}", r.dedupe_key))
                                        .bind(micros(at))
                                        .execute(&mut *c)
                                        .await?;
                                        add_files(c, errand.id, &files).await?;
                                        record(c, errand.id, &r).await?;
                                        if let Some(other) = related {
                                            let that = errand_with_parties(c, &other.to_string()).await?;
                                            let link = Command::Link { other: ErrandRef::of(&that) };
                                            errand_sql::apply_locked(c, errand.public_id, None, &actor, link, at, &anyone)
                                                .await?;
                                            let back = Command::Link { other: ErrandRef::of(&errand) };
                                            errand_sql::apply_locked(c, other, None, &actor, back, at, &anyone).await?;
                                        }
                                        notes(c, errand.public_id, &to_note, &actor, at, &anyone).await?;
                                        let mut replied = false;
                                        if let Some(mut mail) = reply {
                                            let since = micros(at - chrono::Duration::days(1));
                                            let sent: i64 = sqlx::query_scalar(
                                                "SELECT count(*) FROM mail_outbox WHERE recipient_key = $1 \
                                                 AND created_at > $2 AND auto_submitted = $3",
                                            )
                                            .bind(recipient_key(&mail.recipient))
                                            .bind(since)
                                            .bind($crate::mail::AUTO_REPLIED)
                                            .fetch_one(&mut *c)
                                            .await?;
                                            if sent < i64::from(auto_replies_per_day) {
                                                let number = errand.registry_number.to_string();
                                                for text in [&mut mail.subject, &mut mail.body] {
                                                    *text = text
                                                        .replace(REGISTRY_NUMBER, &number)
                                                        .replace(TRACKING_TOKEN, &tracking_token);
                                                }
                                                mail.thread.errand_id = Some(errand.id);
                                                mail_sql::insert_mail(c, &mail, at, MailTag::default()).await?;
                                                replied = true;
                                            } else {
                                                tracing::warn!(
                                                    target: "porten::security",
                                                    event = "mail.auto_reply_capped",
                                                    "a sender reached the cap of auto-replies per day; no reply"
                                                );
                                                // Staff see it where they work: on the errand.
                                                notes(c, errand.public_id, &[capped_note], &actor, at, &anyone).await?;
                                            }
                                        }
                                        let errand = errand_with_parties(c, &errand.public_id.to_string()).await?;
                                        Ok(Taken { errand, repeated: false, replied })
                                    }
                                    IntakeWrite::Join { errand, command, files, notes: to_note } => {
                                        let at = r.at;
                                        let joined =
                                            errand_sql::apply_locked(c, errand, None, &actor, command, at, &anyone).await?;
                                        add_files(c, joined.id, &files).await?;
                                        record(c, joined.id, &r).await?;
                                        notes(c, errand, &to_note, &actor, at, &anyone).await?;
                                        Ok(Taken { errand: joined, repeated: false, replied: false })
                                    }
                                }
                            })
                        })
                        .await
                        .map_err(|e| match e {
                            StoreError::Database(d) if d.as_database_error().is_some_and(|x| x.is_unique_violation()) => {
                                StoreError::Conflict { current: 0 }
                            }
                            other => other,
                        })
                }
            }
        };
    };
}

pub(crate) use impl_intake;
