//! The knowledge base (*kunskapsbank*) and what search needs from the
//! database: versioned articles, their helpfulness answers, the synonyms
//! editors manage, the commit-ordered change feed every node's search index
//! follows, the query log and the self-service events deflection is measured
//! from.
//!
//! The change feed must be read in commit order, or a node could skip a
//! change committed late with a lower number. SQLite has one writer, so
//! numbers are assigned in commit order; PostgreSQL nodes write at once, so
//! a write that adds to the feed first takes a transaction-scoped advisory
//! lock ([`postgres::LOCK_FEED`]), held to its commit.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::knowledge::{Article, ArticleMeta, NewArticle, Synonym};

use crate::Result;

/// Feed kinds: what a change's key names.
pub const CHANGE_ARTICLE: &str = "article";
pub const CHANGE_SERVICE: &str = "service";
pub const CHANGE_SYNONYMS: &str = "synonyms";
/// A unit changed: nothing to index, but caches of unit names are stale.
pub const CHANGE_UNIT: &str = "unit";

/// One entry of the search change feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub kind: String,
    pub key: String,
}

/// One saved version of an article, for its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleVersionInfo {
    pub version: u32,
    pub author_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait KnowledgeStore: Send + Sync {
    /// Saves `article` as its next version (creating the article), and
    /// publishes that version when `publish`. The version's number.
    async fn save_article(
        &self,
        article: &NewArticle,
        author: Option<i64>,
        publish: bool,
        now: DateTime<Utc>,
    ) -> Result<u32>;
    /// Publishes an earlier or later saved version ([`crate::StoreError::NotFound`] if none).
    async fn publish_article(&self, slug: &str, version: u32, now: DateTime<Utc>) -> Result<()>;
    /// Takes a published article off the portal (its versions stay); false
    /// when it was not published.
    async fn unpublish_article(&self, slug: &str, now: DateTime<Utc>) -> Result<bool>;
    async fn article_meta(&self, slug: &str) -> Result<Option<ArticleMeta>>;
    /// One version of an article with its content.
    async fn article_version(&self, slug: &str, version: u32) -> Result<Option<Article>>;
    /// Every version, newest first.
    async fn article_history(&self, slug: &str) -> Result<Vec<ArticleVersionInfo>>;
    /// Every published article at its published version, by slug.
    async fn published_articles(&self) -> Result<Vec<Article>>;
    /// Every article, drafts too, at its latest version, by slug.
    async fn latest_articles(&self) -> Result<Vec<Article>>;
    /// Records a "Fick du svar på din fråga?" answer.
    async fn record_feedback(&self, slug: &str, helpful: bool, comment: Option<&str>, now: DateTime<Utc>)
    -> Result<()>;
    /// The latest comments on an article, newest first.
    async fn feedback_comments(&self, slug: &str, limit: u32) -> Result<Vec<(bool, String, DateTime<Utc>)>>;

    async fn synonyms(&self) -> Result<Vec<Synonym>>;
    async fn set_synonym(&self, synonym: &Synonym) -> Result<()>;
    /// True when the term had synonyms.
    async fn delete_synonym(&self, term: &str) -> Result<bool>;

    /// Feed entries after `seq`, oldest first.
    async fn changes_after(&self, seq: i64, limit: u32) -> Result<Vec<Change>>;
    /// The newest feed entry's number (0 when empty).
    async fn last_change(&self) -> Result<i64>;
}

/// No lock is needed on SQLite: the writer holds the database's write lock.
pub(crate) mod sqlite {
    pub const LOCK_FEED: &str = "";
}

/// PostgreSQL: writers to the feed take turns, so numbers follow commits.
pub(crate) mod postgres {
    pub const LOCK_FEED: &str = "SELECT pg_advisory_xact_lock(7303311)";
}

/// Expands to `impl KnowledgeStore` for a backend, and
/// `search_sql::insert_change` for other writes that change searchable data.
macro_rules! impl_knowledge {
    ($store:ty, $db:ty, $row:ty, $dialect:ident) => {
        pub(crate) mod search_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use porten_domain::knowledge::{Article, ArticleContent, ArticleMeta, NewArticle, Synonym, Visibility};
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::knowledge::$dialect::LOCK_FEED;
            use $crate::knowledge::*;
            use $crate::{Result, StoreError, from_micros, micros};

            /// Adds an entry to the search change feed in the caller's transaction.
            pub(crate) async fn insert_change(
                c: &mut <$db as sqlx::Database>::Connection,
                kind: &str,
                key: &str,
            ) -> Result<()> {
                if !LOCK_FEED.is_empty() {
                    sqlx::query(LOCK_FEED).execute(&mut *c).await?;
                }
                sqlx::query("INSERT INTO search_changes (kind, key) VALUES ($1, $2)")
                    .bind(kind)
                    .bind(key)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            }

            const META: &str = "SELECT a.id, a.slug, a.unit_code, a.topic, a.visibility, a.latest, a.published, \
                                a.views, a.helpful_yes, a.helpful_no";

            fn meta_row(r: &$row) -> Result<ArticleMeta> {
                let count = |c: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(c)?.max(0) as u64) };
                Ok(ArticleMeta {
                    slug: r.try_get("slug")?,
                    unit: unit_code(r.try_get("unit_code")?)?,
                    topic: r.try_get("topic")?,
                    visibility: parse_with(r.try_get("visibility")?, Visibility::parse, "visibility")?,
                    latest: r.try_get::<i64, _>("latest")? as u32,
                    published: r.try_get::<Option<i64>, _>("published")?.map(|v| v as u32),
                    views: count("views")?,
                    helpful_yes: count("helpful_yes")?,
                    helpful_no: count("helpful_no")?,
                })
            }

            fn article_row(r: &$row) -> Result<Article> {
                let content: ArticleContent = from_json(r.try_get("content")?, "article content")?;
                Ok(Article { meta: meta_row(r)?, version: r.try_get::<i64, _>("version")? as u32, content })
            }

            #[async_trait::async_trait]
            impl $crate::KnowledgeStore for $store {
                async fn save_article(
                    &self,
                    article: &NewArticle,
                    author: Option<i64>,
                    publish: bool,
                    now: DateTime<Utc>,
                ) -> Result<u32> {
                    let a = article.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let unit_exists: Option<i64> =
                                    sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM units WHERE code = $1")
                                        .bind(a.unit.as_str())
                                        .fetch_optional(&mut *c)
                                        .await?;
                                if unit_exists.is_none() {
                                    return Err(StoreError::UnknownReference("unit"));
                                }
                                let existing: Option<(i64, i64)> =
                                    sqlx::query_as("SELECT id, latest FROM articles WHERE slug = $1")
                                        .bind(&a.slug)
                                        .fetch_optional(&mut *c)
                                        .await?;
                                let (id, version) = match existing {
                                    Some((id, latest)) => {
                                        sqlx::query(
                                            "UPDATE articles SET unit_code = $1, topic = $2, visibility = $3, \
                                             latest = $4, updated_at = $5 WHERE id = $6",
                                        )
                                        .bind(a.unit.as_str())
                                        .bind(&a.topic)
                                        .bind(a.visibility.as_str())
                                        .bind(latest + 1)
                                        .bind(micros(now))
                                        .bind(id)
                                        .execute(&mut *c)
                                        .await?;
                                        (id, latest + 1)
                                    }
                                    None => {
                                        let id: i64 = sqlx::query_scalar(
                                            "INSERT INTO articles (slug, unit_code, topic, visibility, latest, \
                                             updated_at) VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
                                        )
                                        .bind(&a.slug)
                                        .bind(a.unit.as_str())
                                        .bind(&a.topic)
                                        .bind(a.visibility.as_str())
                                        .bind(micros(now))
                                        .fetch_one(&mut *c)
                                        .await?;
                                        (id, 1)
                                    }
                                };
                                sqlx::query(
                                    "INSERT INTO article_versions (article_id, version, content, author_id, \
                                     created_at) VALUES ($1, $2, $3, $4, $5)",
                                )
                                .bind(id)
                                .bind(version)
                                .bind(json(&a.content))
                                .bind(author)
                                .bind(micros(now))
                                .execute(&mut *c)
                                .await?;
                                if publish {
                                    sqlx::query("UPDATE articles SET published = $1 WHERE id = $2")
                                        .bind(version)
                                        .bind(id)
                                        .execute(&mut *c)
                                        .await?;
                                }
                                insert_change(c, CHANGE_ARTICLE, &a.slug).await?;
                                Ok(version as u32)
                            })
                        })
                        .await
                }

                async fn publish_article(&self, slug: &str, version: u32, now: DateTime<Utc>) -> Result<()> {
                    let slug = slug.to_owned();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE articles SET published = $1, updated_at = $2 WHERE slug = $3 AND \
                                     EXISTS (SELECT 1 FROM article_versions v WHERE v.article_id = articles.id \
                                     AND v.version = $1)",
                                )
                                .bind(version as i64)
                                .bind(micros(now))
                                .bind(&slug)
                                .execute(&mut *c)
                                .await?;
                                if done.rows_affected() == 0 {
                                    return Err(StoreError::NotFound);
                                }
                                insert_change(c, CHANGE_ARTICLE, &slug).await
                            })
                        })
                        .await
                }

                async fn unpublish_article(&self, slug: &str, now: DateTime<Utc>) -> Result<bool> {
                    let slug = slug.to_owned();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "UPDATE articles SET published = NULL, updated_at = $1 \
                                     WHERE slug = $2 AND published IS NOT NULL",
                                )
                                .bind(micros(now))
                                .bind(&slug)
                                .execute(&mut *c)
                                .await?;
                                if done.rows_affected() == 0 {
                                    return Ok(false);
                                }
                                insert_change(c, CHANGE_ARTICLE, &slug).await.map(|()| true)
                            })
                        })
                        .await
                }

                async fn article_meta(&self, slug: &str) -> Result<Option<ArticleMeta>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{META} FROM articles a WHERE a.slug = $1")))
                        .bind(slug)
                        .fetch_optional(self.reader())
                        .await?;
                    row.as_ref().map(meta_row).transpose()
                }

                async fn article_version(&self, slug: &str, version: u32) -> Result<Option<Article>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{META}, v.version, v.content FROM articles a JOIN article_versions v \
                         ON v.article_id = a.id WHERE a.slug = $1 AND v.version = $2"
                    )))
                    .bind(slug)
                    .bind(version as i64)
                    .fetch_optional(self.reader())
                    .await?;
                    row.as_ref().map(article_row).transpose()
                }

                async fn article_history(&self, slug: &str) -> Result<Vec<ArticleVersionInfo>> {
                    let rows = sqlx::query(
                        "SELECT v.version, v.author_id, v.created_at FROM article_versions v \
                         JOIN articles a ON a.id = v.article_id WHERE a.slug = $1 ORDER BY v.version DESC",
                    )
                    .bind(slug)
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ArticleVersionInfo {
                                version: r.try_get::<i64, _>("version")? as u32,
                                author_id: r.try_get("author_id")?,
                                created_at: from_micros(r.try_get("created_at")?)?,
                            })
                        })
                        .collect()
                }

                async fn published_articles(&self) -> Result<Vec<Article>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{META}, v.version, v.content FROM articles a JOIN article_versions v \
                         ON v.article_id = a.id AND v.version = a.published ORDER BY a.slug"
                    )))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter().map(article_row).collect()
                }

                async fn latest_articles(&self) -> Result<Vec<Article>> {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{META}, v.version, v.content FROM articles a JOIN article_versions v \
                         ON v.article_id = a.id AND v.version = a.latest ORDER BY a.slug"
                    )))
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter().map(article_row).collect()
                }

                async fn record_feedback(
                    &self,
                    slug: &str,
                    helpful: bool,
                    comment: Option<&str>,
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    let (slug, comment) = (slug.to_owned(), comment.map(str::to_owned));
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let sql = if helpful {
                                    "UPDATE articles SET helpful_yes = helpful_yes + 1 WHERE slug = $1 RETURNING id"
                                } else {
                                    "UPDATE articles SET helpful_no = helpful_no + 1 WHERE slug = $1 RETURNING id"
                                };
                                let id: Option<i64> =
                                    sqlx::query_scalar(sql).bind(&slug).fetch_optional(&mut *c).await?;
                                let id = id.ok_or(StoreError::NotFound)?;
                                sqlx::query(
                                    "INSERT INTO article_feedback (article_id, helpful, comment, created_at) \
                                     VALUES ($1, $2, $3, $4)",
                                )
                                .bind(id)
                                .bind(helpful)
                                .bind(&comment)
                                .bind(micros(now))
                                .execute(&mut *c)
                                .await?;
                                insert_change(c, CHANGE_ARTICLE, &slug).await
                            })
                        })
                        .await
                }

                async fn feedback_comments(
                    &self,
                    slug: &str,
                    limit: u32,
                ) -> Result<Vec<(bool, String, DateTime<Utc>)>> {
                    let rows = sqlx::query(
                        "SELECT f.helpful, f.comment, f.created_at FROM article_feedback f \
                         JOIN articles a ON a.id = f.article_id WHERE a.slug = $1 AND f.comment IS NOT NULL \
                         ORDER BY f.id DESC LIMIT $2",
                    )
                    .bind(slug)
                    .bind(limit as i64)
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok((r.try_get("helpful")?, r.try_get("comment")?, from_micros(r.try_get("created_at")?)?))
                        })
                        .collect()
                }

                async fn synonyms(&self) -> Result<Vec<Synonym>> {
                    let rows = sqlx::query("SELECT term, words FROM search_synonyms ORDER BY term")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Synonym { term: r.try_get("term")?, words: from_json(r.try_get("words")?, "words")? })
                        })
                        .collect()
                }

                async fn set_synonym(&self, synonym: &Synonym) -> Result<()> {
                    let s = synonym.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO search_synonyms (term, words) VALUES ($1, $2) \
                                     ON CONFLICT (term) DO UPDATE SET words = excluded.words",
                                )
                                .bind(&s.term)
                                .bind(json(&s.words))
                                .execute(&mut *c)
                                .await?;
                                insert_change(c, CHANGE_SYNONYMS, &s.term).await
                            })
                        })
                        .await
                }

                async fn delete_synonym(&self, term: &str) -> Result<bool> {
                    let term = term.to_owned();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query("DELETE FROM search_synonyms WHERE term = $1")
                                    .bind(&term)
                                    .execute(&mut *c)
                                    .await?;
                                insert_change(c, CHANGE_SYNONYMS, &term).await?;
                                Ok(done.rows_affected() > 0)
                            })
                        })
                        .await
                }

                async fn changes_after(&self, seq: i64, limit: u32) -> Result<Vec<Change>> {
                    let rows =
                        sqlx::query("SELECT seq, kind, key FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
                            .bind(seq)
                            .bind(limit as i64)
                            .fetch_all(self.reader())
                            .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Change { seq: r.try_get("seq")?, kind: r.try_get("kind")?, key: r.try_get("key")? })
                        })
                        .collect()
                }

                async fn last_change(&self) -> Result<i64> {
                    let seq: Option<i64> =
                        sqlx::query_scalar("SELECT MAX(seq) FROM search_changes").fetch_one(self.reader()).await?;
                    Ok(seq.unwrap_or(0))
                }
            }
        }
    };
}

pub(crate) use impl_knowledge;
