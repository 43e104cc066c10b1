//! E-services (*e-tjänster*): drafts, content-addressed attachments, and the
//! submission that registers an errand from a draft.
//!
//! A draft's id is an unguessable token; whoever holds it may resume the
//! draft. Submitting registers the errand, records the submission (the
//! definition version, a tracking token, who assisted), links the draft's
//! files to the errand, deletes the draft and queues the receipt mail, all
//! in one savepoint. Submitting the same draft again finds the first
//! submission instead of registering a second errand: the draft row is
//! deleted first, so a concurrent second submit on another node waits for
//! the first to commit, then finds no draft and reads the submission.
//!
//! Files are stored in the database, keyed by their SHA-256, so every node
//! of a PostgreSQL installation reads the same files and the same file
//! uploaded twice is stored once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::eservice::Answers;
use porten_domain::{Channel, Errand};

use crate::Result;
use crate::errands::OwnedRegistration;
use crate::mail::{NewMail, ReceiptLimits, ReceiptMail};

pub use porten_domain::eservice::FileRef;

/// A form being filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The unguessable token that names the draft.
    pub id: String,
    pub service_code: String,
    /// The definition version the draft was started on.
    pub version: u32,
    pub answers: Answers,
    pub files: Vec<FileRef>,
    /// The signed-in citizen who started it.
    pub owner: Option<i64>,
    /// The contact-center agent filling it in for a citizen, and how the
    /// citizen reached them (phone or visit).
    pub assisted_by: Option<i64>,
    pub assisted_channel: Option<Channel>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Submitting a draft: the errand to register and what goes with it.
#[derive(Clone, Debug)]
pub struct Submission {
    pub draft_id: String,
    pub version: u32,
    pub registration: OwnedRegistration,
    pub tracking_token: String,
    pub owner: Option<i64>,
    pub assisted_by: Option<i64>,
    pub files: Vec<FileRef>,
    /// The receipt, when the citizen gave an e-mail address.
    pub mail: Option<NewMail>,
    /// The limits the receipt is held back by (counted in the submission's
    /// transaction); a draft with neither owner nor helper counts as anonymous.
    pub receipt_limits: ReceiptLimits,
}

/// What a submit answers: the errand and its tracking token, and whether
/// this was a repeat of an earlier submit of the same draft.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub errand: Errand,
    pub tracking_token: String,
    pub repeated: bool,
    pub mail: ReceiptMail,
}

/// A draft that has been submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmittedDraft {
    pub tracking_token: String,
    pub owner: Option<i64>,
    pub assisted_by: Option<i64>,
}

/// How an errand came in through an e-service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionRecord {
    pub service_code: String,
    pub version: u32,
    pub tracking_token: String,
    pub owner: Option<i64>,
    pub assisted_by: Option<i64>,
    pub submitted_at: DateTime<Utc>,
    pub attachments: Vec<FileRef>,
}

#[async_trait]
pub trait EserviceStore: Send + Sync {
    /// Creates or replaces a draft.
    async fn save_draft(&self, draft: &Draft) -> Result<()>;
    async fn get_draft(&self, id: &str) -> Result<Option<Draft>>;
    /// A signed-in citizen's drafts that have not expired at `now`, newest first.
    async fn drafts_of(&self, owner: i64, now: DateTime<Utc>) -> Result<Vec<Draft>>;
    /// Deletes the drafts that expired before `now` and the files nothing
    /// refers to any more; how many drafts.
    async fn purge_drafts(&self, now: DateTime<Utc>) -> Result<u64>;
    /// Stores a file under its SHA-256 (once, however often it comes).
    async fn put_attachment(&self, file: &FileRef, content: Vec<u8>, now: DateTime<Utc>) -> Result<()>;
    /// A stored file's content.
    async fn attachment_content(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// Registers the errand of a draft, once: see the module documentation.
    /// [`crate::StoreError::NotFound`] when neither the draft nor an earlier
    /// submission of it exists (the draft expired).
    async fn submit_draft(&self, submission: Submission) -> Result<Receipt>;
    async fn submission(&self, errand_id: i64) -> Result<Option<SubmissionRecord>>;
    /// The errand a draft was submitted as: its tracking token, and who
    /// submitted it signed in or assisted (as the draft had them).
    async fn submitted_draft(&self, draft_id: &str) -> Result<Option<SubmittedDraft>>;
    /// The errand a tracking token belongs to.
    async fn errand_by_tracking_token(&self, token: &str) -> Result<Option<porten_domain::PublicId>>;
}

/// Expands to `impl EserviceStore` for a backend.
macro_rules! impl_eservices {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::eservices::{Draft, FileRef, Receipt, Submission, SubmissionRecord, SubmittedDraft};
            use $crate::mail::ReceiptMail;
            use $crate::{Result, StoreError, from_micros, micros};

            const DRAFT_COLUMNS: &str = "id, service_code, version, answers, files, owner_id, assisted_by, \
                 assisted_channel, created_at, updated_at, expires_at";

            fn version(v: i64) -> Result<u32> {
                u32::try_from(v).map_err(|_| corrupt("definition version"))
            }

            fn draft_row(r: &$row) -> Result<Draft> {
                Ok(Draft {
                    id: r.try_get("id")?,
                    service_code: r.try_get("service_code")?,
                    version: version(r.try_get("version")?)?,
                    answers: from_json(r.try_get("answers")?, "draft answers")?,
                    files: from_json(r.try_get("files")?, "draft files")?,
                    owner: r.try_get("owner_id")?,
                    assisted_by: r.try_get("assisted_by")?,
                    assisted_channel: r.try_get::<Option<&str>, _>("assisted_channel")?.map(channel).transpose()?,
                    created_at: from_micros(r.try_get("created_at")?)?,
                    updated_at: from_micros(r.try_get("updated_at")?)?,
                    expires_at: from_micros(r.try_get("expires_at")?)?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::EserviceStore for $store {
                async fn save_draft(&self, draft: &Draft) -> Result<()> {
                    let d = draft.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO eservice_drafts (id, service_code, version, answers, files, owner_id, \
                                     assisted_by, assisted_channel, created_at, updated_at, expires_at) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                                     ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                                     answers = excluded.answers, files = excluded.files, \
                                     updated_at = excluded.updated_at, expires_at = excluded.expires_at",
                                )
                                .bind(&d.id)
                                .bind(&d.service_code)
                                .bind(i64::from(d.version))
                                .bind(json(&d.answers))
                                .bind(json(&d.files))
                                .bind(d.owner)
                                .bind(d.assisted_by)
                                .bind(d.assisted_channel.map(|c| c.as_str()))
                                .bind(micros(d.created_at))
                                .bind(micros(d.updated_at))
                                .bind(micros(d.expires_at))
                                .execute(&mut *c)
                                .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn get_draft(&self, id: &str) -> Result<Option<Draft>> {
                    let sql = format!("SELECT {DRAFT_COLUMNS} FROM eservice_drafts WHERE id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.reader()).await?;
                    row.as_ref().map(draft_row).transpose()
                }

                async fn drafts_of(&self, owner: i64, now: DateTime<Utc>) -> Result<Vec<Draft>> {
                    let sql = format!(
                        "SELECT {DRAFT_COLUMNS} FROM eservice_drafts WHERE owner_id = $1 AND expires_at >= $2 \
                         ORDER BY updated_at DESC, id LIMIT 50"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(owner)
                        .bind(micros(now))
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter().map(draft_row).collect()
                }

                async fn purge_drafts(&self, now: DateTime<Utc>) -> Result<u64> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let drafts = sqlx::query("DELETE FROM eservice_drafts WHERE expires_at < $1")
                                    .bind(micros(now))
                                    .execute(&mut *c)
                                    .await?
                                    .rows_affected();
                                // A file no errand, no decision and no draft refers to (drafts
                                // keep their files in JSON, so the check is a text search),
                                // uploaded over an hour ago, so that an upload whose draft (or
                                // decision) is being saved stays.
                                sqlx::query(
                                    "DELETE FROM attachments WHERE created_at < $1 AND NOT EXISTS \
                                     (SELECT 1 FROM errand_attachments e WHERE e.sha256 = attachments.sha256) \
                                     AND NOT EXISTS (SELECT 1 FROM errand_documents d WHERE d.sha256 = attachments.sha256) \
                                     AND NOT EXISTS (SELECT 1 FROM eservice_drafts d \
                                     WHERE d.files LIKE '%' || attachments.sha256 || '%')",
                                )
                                .bind(micros(now - chrono::Duration::hours(1)))
                                .execute(&mut *c)
                                .await?;
                                Ok(drafts)
                            })
                        })
                        .await
                }

                async fn put_attachment(&self, file: &FileRef, content: Vec<u8>, now: DateTime<Utc>) -> Result<()> {
                    let file = file.clone();
                    let content = std::sync::Arc::new(content);
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO attachments (sha256, media_type, size, content, created_at) \
                                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
                                )
                                .bind(&file.sha256)
                                .bind(&file.media_type)
                                .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
                                .bind(content.as_slice())
                                .bind(micros(now))
                                .execute(&mut *c)
                                .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn attachment_content(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
                    Ok(sqlx::query_scalar("SELECT content FROM attachments WHERE sha256 = $1")
                        .bind(sha256)
                        .fetch_optional(self.reader())
                        .await?)
                }

                async fn submit_draft(&self, submission: Submission) -> Result<Receipt> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let s = submission;
                                let deleted = sqlx::query("DELETE FROM eservice_drafts WHERE id = $1")
                                    .bind(&s.draft_id)
                                    .execute(&mut *c)
                                    .await?
                                    .rows_affected();
                                if deleted == 0 {
                                    // Submitted before, or expired.
                                    let (errand_id, tracking_token): (i64, String) = sqlx::query_as(
                                        "SELECT errand_id, tracking_token FROM eservice_submissions WHERE draft_id = $1",
                                    )
                                    .bind(&s.draft_id)
                                    .fetch_optional(&mut *c)
                                    .await?
                                    .ok_or(StoreError::NotFound)?;
                                    let sql = format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE id = $1");
                                    let row =
                                        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(errand_id).fetch_one(&mut *c).await?;
                                    let mut errand = errand_sql::errand_row(&row)?;
                                    errand.parties = errand_sql::load_parties(&mut *c, errand_id).await?;
                                    return Ok(Receipt {
                                        errand,
                                        tracking_token,
                                        repeated: true,
                                        mail: ReceiptMail::None,
                                    });
                                }
                                let at = s.registration.at;
                                let errand = errand_sql::insert_errand(c, s.registration).await?;
                                sqlx::query(
                                    "INSERT INTO eservice_submissions (errand_id, service_code, version, tracking_token, \
                                     draft_id, owner_id, assisted_by, submitted_at) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                                )
                                .bind(errand.id)
                                .bind(&errand.service_code)
                                .bind(i64::from(s.version))
                                .bind(&s.tracking_token)
                                .bind(&s.draft_id)
                                .bind(s.owner)
                                .bind(s.assisted_by)
                                .bind(micros(at))
                                .execute(&mut *c)
                                .await?;
                                for (position, f) in s.files.iter().enumerate() {
                                    sqlx::query(
                                        "INSERT INTO errand_attachments (errand_id, position, field, file_name, sha256) \
                                         VALUES ($1, $2, $3, $4, $5)",
                                    )
                                    .bind(errand.id)
                                    .bind(position as i64)
                                    .bind(&f.field)
                                    .bind(&f.name)
                                    .bind(&f.sha256)
                                    .execute(&mut *c)
                                    .await
                                    .map_err(|e| match e {
                                        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                                            StoreError::UnknownReference("attachment")
                                        }
                                        other => other.into(),
                                    })?;
                                }
                                let anonymous = s.owner.is_none() && s.assisted_by.is_none();
                                let mail = match &s.mail {
                                    None => ReceiptMail::None,
                                    Some(mail) => {
                                        let limits = s.receipt_limits;
                                        match mail_sql::insert_receipt(c, mail, at, errand.id, anonymous, limits).await? {
                                            true => ReceiptMail::Queued,
                                            false => ReceiptMail::Held,
                                        }
                                    }
                                };
                                Ok(Receipt { errand, tracking_token: s.tracking_token, repeated: false, mail })
                            })
                        })
                        .await
                }

                async fn submission(&self, errand_id: i64) -> Result<Option<SubmissionRecord>> {
                    let Some(r) = sqlx::query(
                        "SELECT service_code, version, tracking_token, owner_id, assisted_by, submitted_at \
                         FROM eservice_submissions WHERE errand_id = $1",
                    )
                    .bind(errand_id)
                    .fetch_optional(self.reader())
                    .await?
                    else {
                        return Ok(None);
                    };
                    let files = sqlx::query(
                        "SELECT e.field, e.file_name, e.sha256, a.media_type, a.size FROM errand_attachments e \
                         JOIN attachments a ON a.sha256 = e.sha256 WHERE e.errand_id = $1 ORDER BY e.position",
                    )
                    .bind(errand_id)
                    .fetch_all(self.reader())
                    .await?;
                    let attachments = files
                        .iter()
                        .map(|f| {
                            Ok(FileRef {
                                field: f.try_get("field")?,
                                name: f.try_get("file_name")?,
                                sha256: f.try_get("sha256")?,
                                media_type: f.try_get("media_type")?,
                                size: u64::try_from(f.try_get::<i64, _>("size")?).map_err(|_| corrupt("file size"))?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(Some(SubmissionRecord {
                        service_code: r.try_get("service_code")?,
                        version: version(r.try_get("version")?)?,
                        tracking_token: r.try_get("tracking_token")?,
                        owner: r.try_get("owner_id")?,
                        assisted_by: r.try_get("assisted_by")?,
                        submitted_at: from_micros(r.try_get("submitted_at")?)?,
                        attachments,
                    }))
                }

                async fn submitted_draft(&self, draft_id: &str) -> Result<Option<SubmittedDraft>> {
                    let row = sqlx::query(
                        "SELECT tracking_token, owner_id, assisted_by FROM eservice_submissions WHERE draft_id = $1",
                    )
                    .bind(draft_id)
                    .fetch_optional(self.reader())
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some(SubmittedDraft {
                        tracking_token: r.try_get("tracking_token")?,
                        owner: r.try_get("owner_id")?,
                        assisted_by: r.try_get("assisted_by")?,
                    }))
                }

                async fn errand_by_tracking_token(&self, token: &str) -> Result<Option<porten_domain::PublicId>> {
                    let id: Option<String> = sqlx::query_scalar(
                        "SELECT e.public_id FROM eservice_submissions s JOIN errands e ON e.id = s.errand_id \
                         WHERE s.tracking_token = $1",
                    )
                    .bind(token)
                    .fetch_optional(self.reader())
                    .await?;
                    id.as_deref().map(public_id).transpose()
                }
            }
        };
    };
}

pub(crate) use impl_eservices;
