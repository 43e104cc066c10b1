//! The knowledge base (*kunskapsbank*): articles citizens read on the
//! portal and agents use in the contact center, their helpfulness answers,
//! and the editors' tools (versions, synonyms, the query log and deflection).
//!
//! Access rules:
//! - a published public article is for everyone; a published internal one
//!   for signed-in staff only (anyone else is told it does not exist);
//! - unit admins write and publish the articles of their own unit, system
//!   admins (and Porten itself) all of them; each save and publication is
//!   audited (`knowledge.save`, `knowledge.publish`);
//! - synonyms, the query log and deflection figures are for the same editors.

use chrono::Duration;
use porten_domain::knowledge::{
    Article, ContactDetails, NewArticle, OpeningHours, RawArticle, Site, Synonym, Topic, Visibility,
};
use porten_domain::{Actor, Role, UnitCode};
use porten_store::{ArticleVersionInfo, Deflection, QueryStat};

use crate::search::{PortalData, sees_internal};
use crate::{App, AppError, Result};

/// Whether a user in `role` edits the knowledge base (their unit's
/// articles, or all for system admins).
pub fn may_edit_knowledge(role: Role) -> bool {
    matches!(role, Role::UnitAdmin | Role::SystemAdmin)
}

/// Whether `actor` edits the knowledge base at all.
pub fn is_editor(actor: &Actor) -> bool {
    matches!(actor, Actor::System { .. } | Actor::User { role: Role::SystemAdmin | Role::UnitAdmin, .. })
}

/// Whether `actor` may edit an article of `unit`.
fn may_edit(actor: &Actor, unit: &UnitCode) -> Result<()> {
    match actor {
        Actor::System { .. } | Actor::User { role: Role::SystemAdmin, .. } => Ok(()),
        Actor::User { role: Role::UnitAdmin, unit: Some(own), .. } if own == unit => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The units whose articles `actor` may edit, of these: a unit admin's own,
/// everyone's for a system admin, none for others.
pub fn editable_units<'a>(actor: &Actor, units: &'a [porten_domain::Unit]) -> Vec<&'a porten_domain::Unit> {
    units.iter().filter(|u| may_edit(actor, &u.code).is_ok()).collect()
}

fn editor(actor: &Actor) -> Result<()> {
    if is_editor(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Whether `actor` edits the city-wide search synonyms: a system admin.
pub fn edits_synonyms(actor: &Actor) -> bool {
    matches!(actor, Actor::System { .. } | Actor::User { role: Role::SystemAdmin, .. })
}

fn synonym_editor(actor: &Actor) -> Result<()> {
    if edits_synonyms(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// An article as a reader sees it, with related articles.
#[derive(Clone, Debug)]
pub struct ArticlePage {
    pub article: Article,
    /// Published articles on the same services or topic: (slug, Swedish title, English title).
    pub related: Vec<(String, String, Option<String>)>,
}

/// An article as its editor sees it: the newest version and the history.
#[derive(Clone, Debug)]
pub struct ArticleDraft {
    pub article: Article,
    pub history: Vec<ArticleVersionInfo>,
}

/// A published article `actor` may read: internal ones are for staff, and
/// anyone else is told they do not exist.
pub(crate) fn readable<'a>(data: &'a PortalData, actor: Option<&Actor>, slug: &str) -> Result<&'a Article> {
    data.articles
        .iter()
        .find(|a| a.meta.slug == slug)
        .filter(|a| a.meta.visibility == Visibility::Public || sees_internal(actor))
        .ok_or(AppError::NotFound)
}

impl App {
    /// A published article, if `actor` may read it; counts the view.
    pub async fn article(&self, actor: Option<&Actor>, slug: &str) -> Result<ArticlePage> {
        let data = self.portal_data().await?;
        let article = readable(&data, actor, slug)?;
        let shares = |other: &Article| {
            other.content.services.iter().any(|s| article.content.services.contains(s))
                || (other.meta.topic.is_some() && other.meta.topic == article.meta.topic)
        };
        let mut related: Vec<&Article> = data
            .articles
            .iter()
            .filter(|a| a.meta.slug != slug && a.meta.visibility == article.meta.visibility && shares(a))
            .collect();
        // Those sharing a service first, then the most read.
        related.sort_by_key(|a| {
            let same_service = a.content.services.iter().any(|s| article.content.services.contains(s));
            (!same_service, std::cmp::Reverse(a.meta.views))
        });
        let related = related
            .into_iter()
            .take(5)
            .map(|a| (a.meta.slug.clone(), a.content.sv.title.clone(), a.content.en.as_ref().map(|e| e.title.clone())))
            .collect();
        self.count_view(slug);
        Ok(ArticlePage { article: article.clone(), related })
    }

    /// Records "Fick du svar på din fråga?" for a published article the
    /// actor may read. A comment is at most 1,000 characters.
    pub async fn article_feedback(
        &self,
        actor: Option<&Actor>,
        slug: &str,
        helpful: bool,
        comment: Option<&str>,
        visitor: &str,
    ) -> Result<()> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > 1000) {
            let mut v = porten_domain::Violations::new();
            v.push("comment", "too_long", "must be at most 1000 characters");
            return Err(AppError::Invalid(v));
        }
        readable(&*self.portal_data().await?, actor, slug)?;
        self.store.record_feedback(slug, helpful, comment, self.now()).await?;
        let doc = format!("article:{slug}");
        self.self_service(visitor, if helpful { "helpful" } else { "not_helpful" }, Some(&doc));
        Ok(())
    }

    /// Every article the editor may edit, drafts too, at its newest version.
    pub async fn editable_articles(&self, actor: &Actor) -> Result<Vec<Article>> {
        editor(actor)?;
        let all = self.store.latest_articles().await?;
        Ok(all.into_iter().filter(|a| may_edit(actor, &a.meta.unit).is_ok()).collect())
    }

    /// An article's newest version and its history, for its editor.
    pub async fn article_draft(&self, actor: &Actor, slug: &str) -> Result<ArticleDraft> {
        let meta = self.editable_meta(actor, slug).await?;
        let article = self.saved_version(slug, meta.latest).await?;
        let history = self.store.article_history(slug).await?;
        Ok(ArticleDraft { article, history })
    }

    /// One saved version of an article, as the public would see it if it
    /// were published: a preview for its editors.
    pub async fn article_preview(&self, actor: &Actor, slug: &str, version: u32) -> Result<Article> {
        self.editable_meta(actor, slug).await?;
        self.saved_version(slug, version).await
    }

    /// Two saved versions of an article, for its editors to compare: by
    /// default the newest against the published one (or the one before it).
    pub async fn versions_to_compare(
        &self,
        actor: &Actor,
        slug: &str,
        from: Option<u32>,
        to: Option<u32>,
    ) -> Result<(Article, Article)> {
        let meta = self.editable_meta(actor, slug).await?;
        let to = to.unwrap_or(meta.latest);
        let from = from.unwrap_or_else(|| meta.published.filter(|v| *v != to).unwrap_or(to.saturating_sub(1).max(1)));
        Ok((self.saved_version(slug, from).await?, self.saved_version(slug, to).await?))
    }

    /// An article's settings, when the actor may edit it.
    async fn editable_meta(&self, actor: &Actor, slug: &str) -> Result<porten_domain::knowledge::ArticleMeta> {
        editor(actor)?;
        let meta = self.store.article_meta(slug).await?.ok_or(AppError::NotFound)?;
        may_edit(actor, &meta.unit)?;
        Ok(meta)
    }

    async fn saved_version(&self, slug: &str, version: u32) -> Result<Article> {
        self.store.article_version(slug, version).await?.ok_or(AppError::NotFound)
    }

    /// Saves an article as its next version, published at once when
    /// `publish`. Its unit must be one the editor may edit, and so must the
    /// unit of the article it replaces. The version's number.
    pub async fn save_article(&self, actor: &Actor, raw: &RawArticle, publish: bool) -> Result<u32> {
        editor(actor)?;
        let article = NewArticle::parse(raw).map_err(AppError::Invalid)?;
        may_edit(actor, &article.unit)?;
        if let Some(existing) = self.store.article_meta(&article.slug).await? {
            may_edit(actor, &existing.unit)?;
        }
        let mut unknown = porten_domain::Violations::new();
        let data = self.portal_data().await?;
        if article.topic.as_ref().is_some_and(|t| !self.site().topics.iter().any(|x| &x.code == t)) {
            unknown.push("topic", "unknown", "no such topic");
        }
        if article.content.services.iter().any(|s| !data.services.iter().any(|x| &x.code == s)) {
            unknown.push("services", "unknown", "no such service");
        }
        if !unknown.is_empty() {
            return Err(AppError::Invalid(unknown));
        }
        let action = if publish { "knowledge.publish" } else { "knowledge.save" };
        let version = self
            .audited(actor, action, &article.slug, self.store.save_article(&article, actor.id(), publish, self.now()))
            .await?;
        self.after_edit().await;
        Ok(version)
    }

    /// Saves a new article: like [`App::save_article`], but an address
    /// another article already has is refused rather than taken over.
    pub async fn create_article(&self, actor: &Actor, raw: &RawArticle, publish: bool) -> Result<u32> {
        editor(actor)?;
        if self.store.article_meta(raw.slug.trim()).await?.is_some() {
            let mut v = porten_domain::Violations::new();
            v.push("slug", "taken", "an article already has this address");
            return Err(AppError::Invalid(v));
        }
        self.save_article(actor, raw, publish).await
    }

    /// Publishes a saved version (a newer draft, or an older one to go back).
    pub async fn publish_article(&self, actor: &Actor, slug: &str, version: u32) -> Result<()> {
        self.editable_meta(actor, slug).await?;
        let purpose = format!("{slug} v{version}");
        self.audited(actor, "knowledge.publish", &purpose, self.store.publish_article(slug, version, self.now()))
            .await?;
        self.after_edit().await;
        Ok(())
    }

    /// Takes a published article off the portal and out of search; its
    /// versions stay, and publishing one puts it back. False when it was not
    /// published (nothing changed, nothing audited).
    pub async fn unpublish_article(&self, actor: &Actor, slug: &str) -> Result<bool> {
        self.editable_meta(actor, slug).await?;
        let done =
            self.audited(actor, "knowledge.unpublish", slug, self.store.unpublish_article(slug, self.now())).await?;
        self.after_edit().await;
        Ok(done)
    }

    /// Comments readers left on an article, newest first.
    pub async fn article_comments(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<Vec<(bool, String, chrono::DateTime<chrono::Utc>)>> {
        self.article_draft(actor, slug).await?;
        Ok(self.store.feedback_comments(slug, 50).await?)
    }

    pub async fn synonyms(&self, actor: &Actor) -> Result<Vec<Synonym>> {
        editor(actor)?;
        Ok(self.store.synonyms().await?)
    }

    /// Sets the words a term also finds (`dagis` → `förskola`). The
    /// synonyms serve the whole city, so only a system admin sets them.
    pub async fn set_synonym(&self, actor: &Actor, term: &str, words: &str) -> Result<Synonym> {
        synonym_editor(actor)?;
        let synonym = Synonym::parse(term, words).map_err(AppError::Invalid)?;
        self.audited(actor, "search.synonym", &synonym.term, self.store.set_synonym(&synonym)).await?;
        self.after_edit().await;
        Ok(synonym)
    }

    pub async fn delete_synonym(&self, actor: &Actor, term: &str) -> Result<bool> {
        synonym_editor(actor)?;
        let gone = self.audited(actor, "search.synonym.delete", term, self.store.delete_synonym(term)).await?;
        self.after_edit().await;
        Ok(gone)
    }

    /// What people searched for in the last `days` days, and how self-help
    /// fared: per page, visitors, "helpful" answers and deflections.
    pub async fn search_insights(&self, actor: &Actor, days: i64) -> Result<(Vec<QueryStat>, Vec<Deflection>)> {
        editor(actor)?;
        self.flush_portal_stats().await?;
        let since = self.now() - Duration::days(days.clamp(1, 30));
        Ok((self.store.query_stats(since, 200).await?, self.store.deflection(since).await?))
    }

    /// Makes this node's index and cache current after an edit here (other
    /// nodes follow the change feed).
    async fn after_edit(&self) {
        self.portal.invalidate();
        if !self.portal.index_open() {
            return;
        }
        if let Err(e) = self.sync_search().await {
            tracing::warn!(error = %e, "search index not updated after an edit; the next sync retries");
        }
    }
}

/// The site settings file (`site_file`): `[city]` with `name_sv` and
/// `name_en`, an optional `[contact]` and `[[topics]]`. Other tables are
/// ignored, so the demo's `city.toml` is one too.
pub fn parse_site(text: &str) -> std::result::Result<Site, String> {
    #[derive(serde::Deserialize)]
    struct City {
        name_sv: String,
        name_en: String,
    }
    #[derive(serde::Deserialize)]
    struct Contact {
        phone: String,
        email: String,
        visiting_address_sv: String,
        visiting_address_en: String,
        postal_address: String,
        phone_opens: String,
        phone_closes: String,
        phone_eve_closes: String,
        visit_opens: String,
        visit_closes: String,
        visit_eve_closes: String,
        chat_sv: String,
        chat_en: String,
        eid_help_sv: String,
        eid_help_en: String,
    }
    #[derive(serde::Deserialize)]
    struct SiteFile {
        city: City,
        contact: Option<Contact>,
        #[serde(default)]
        topics: Vec<Topic>,
    }
    let file: SiteFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let time = |field: &str, s: &str| {
        chrono::NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("contact.{field}: write the time as HH:MM"))
    };
    let contact = match file.contact {
        None => None,
        Some(c) => Some(ContactDetails {
            phone_hours: OpeningHours {
                opens: time("phone_opens", &c.phone_opens)?,
                closes: time("phone_closes", &c.phone_closes)?,
                eve_closes: time("phone_eve_closes", &c.phone_eve_closes)?,
            },
            visit_hours: OpeningHours {
                opens: time("visit_opens", &c.visit_opens)?,
                closes: time("visit_closes", &c.visit_closes)?,
                eve_closes: time("visit_eve_closes", &c.visit_eve_closes)?,
            },
            phone: c.phone,
            email: c.email,
            visiting_address_sv: c.visiting_address_sv,
            visiting_address_en: c.visiting_address_en,
            postal_address: c.postal_address,
            chat_sv: c.chat_sv,
            chat_en: c.chat_en,
            eid_help_sv: c.eid_help_sv,
            eid_help_en: c.eid_help_en,
        }),
    };
    for t in &file.topics {
        if !porten_domain::knowledge::is_slug(&t.code) {
            return Err(format!("topics: {:?} is not a code of a–z, 0–9 and hyphens", t.code));
        }
    }
    Ok(Site { name_sv: file.city.name_sv, name_en: file.city.name_en, contact, topics: file.topics })
}

/// A reply to a citizen drafted from a public knowledge article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedReply {
    pub slug: String,
    pub title: String,
}

impl App {
    /// The public articles that help with `service`: replies staff may
    /// start from. Internal articles are the contact center's own guidance
    /// and are never offered as a reply to a citizen.
    pub async fn canned_replies(&self, actor: &Actor, service: &str) -> Result<Vec<CannedReply>> {
        if !matches!(actor, Actor::User { role, .. } if role.is_staff()) {
            return Err(AppError::Forbidden);
        }
        let data = self.portal_data().await?;
        let mut replies: Vec<CannedReply> = data
            .articles
            .iter()
            .filter(|a| a.meta.visibility == Visibility::Public && a.content.services.iter().any(|s| s == service))
            .map(|a| CannedReply { slug: a.meta.slug.clone(), title: a.content.sv.title.clone() })
            .collect();
        replies.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(replies)
    }

    /// The text of a reply drafted from the public article `slug`, for the
    /// staff member to edit before sending: its summary, its text and a
    /// link to it on the portal.
    pub async fn canned_reply(&self, actor: &Actor, slug: &str) -> Result<String> {
        if !matches!(actor, Actor::User { role, .. } if role.is_staff()) {
            return Err(AppError::Forbidden);
        }
        let data = self.portal_data().await?;
        let article = data
            .articles
            .iter()
            .find(|a| a.meta.slug == slug && a.meta.visibility == Visibility::Public)
            .ok_or(AppError::NotFound)?;
        let text = &article.content.sv;
        let body = text.body.lines().map(|l| l.strip_prefix("## ").unwrap_or(l)).collect::<Vec<_>>().join("\n");
        let link = self.link(&format!("/kunskap/{slug}"));
        Ok(format!("Hej!\n\n{}\n\n{}\n\nLäs mer: {link}\n\nVänliga hälsningar", text.summary, body.trim()))
    }
}
