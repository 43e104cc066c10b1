//! Search and the portal's cached view of the catalogue and knowledge base.
//!
//! Each node keeps its own [`SearchIndex`] (on local disk, or in memory),
//! derived from the database: at start it catches up from the position its
//! last commit recorded, or rebuilds everything when the index was missing,
//! damaged or of another version; then [`App::sync_search`] follows the
//! commit-ordered change feed (`porten serve` calls it twice a second), so
//! an edit on any node is searchable on every node within a second. The
//! same feed invalidates the portal's cache of services and articles, so
//! public pages do not read the catalogue from the database per request.
//!
//! Access rule: anyone may search public services and articles; staff also
//! find internal articles; an API key needs `catalogue:read`.
//!
//! Searches, clicks, page views and self-service events are counted in
//! memory and written in one batch by [`App::flush_portal_stats`] (every
//! few seconds in `porten serve`): they are statistics, not records, and a
//! crash loses at most those seconds. Queries that look like they hold
//! personal data (a personnummer, an e-mail address, a phone number) are not
//! logged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use porten_domain::knowledge::{Article, Site, Visibility};
use porten_domain::{Actor, Scope, Service, Unit};
pub use porten_search::WordList;
use porten_search::{Doc, DocKind, SearchIndex};
use porten_store::{CHANGE_ARTICLE, CHANGE_SERVICE, CHANGE_SYNONYMS, LoggedSearch, SelfServiceEvent, Store};
use unicode_normalization::UnicodeNormalization;

use crate::{App, AppError, Result};

pub use porten_search::{Hit, Results, SearchQuery, Segment, Suggestion};

/// The public catalogue and knowledge base as the portal shows them.
#[derive(Debug, Default)]
pub struct PortalData {
    pub units: Vec<Unit>,
    pub services: Vec<Service>,
    /// Published articles, public and internal, by slug.
    pub articles: Vec<Article>,
}

/// The portal's per-node state: the site settings, the search index, the
/// cache, and the statistics waiting to be written.
pub(crate) struct Portal {
    pub site: Arc<Site>,
    index_dir: Option<PathBuf>,
    index: tokio::sync::OnceCell<Arc<SearchIndex>>,
    /// The feed position the index has reached; `None` until it is opened.
    position: tokio::sync::Mutex<Option<i64>>,
    /// Whether the index has been built or caught up once, so searches need
    /// not wait for the position's lock (held while changes are applied).
    built: std::sync::atomic::AtomicBool,
    data: std::sync::RwLock<Option<Arc<PortalData>>>,
    /// The catalogue's services by code, for the errand paths (which need
    /// no articles); dropped with `data`.
    pub(crate) services: std::sync::RwLock<Option<Arc<HashMap<String, Service>>>>,
    /// How many times the caches were dropped: a cache loaded while they
    /// were dropped again is not kept (it may be from before the change).
    generation: std::sync::atomic::AtomicU64,
    /// The language's word list, for what the search statistics keep.
    words: std::sync::OnceLock<WordList>,
    views: Mutex<HashMap<String, u64>>,
    searches: Mutex<Vec<LoggedSearch>>,
    events: Mutex<Vec<SelfServiceEvent>>,
}

impl Portal {
    pub fn new(site: Site, index_dir: Option<PathBuf>) -> Self {
        Self {
            site: Arc::new(site),
            index_dir,
            index: Default::default(),
            position: Default::default(),
            built: Default::default(),
            data: Default::default(),
            services: Default::default(),
            generation: Default::default(),
            words: Default::default(),
            views: Default::default(),
            searches: Default::default(),
            events: Default::default(),
        }
    }

    pub fn index_open(&self) -> bool {
        self.index.initialized()
    }

    pub fn invalidate(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.data.write().unwrap_or_else(|e| e.into_inner()) = None;
        *self.services.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The caches' generation, read before loading one.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Keeps `value` in `slot` if nothing was dropped since `generation`.
    pub(crate) fn keep<T>(&self, slot: &std::sync::RwLock<Option<T>>, generation: u64, value: T) {
        let mut slot = slot.write().unwrap_or_else(|e| e.into_inner());
        if self.generation() == generation {
            *slot = Some(value);
        }
    }
}

impl Default for Portal {
    fn default() -> Self {
        Self::new(Site::default(), None)
    }
}

/// Whether a query may hold personal data and so must not be logged.
fn looks_personal(query: &str) -> bool {
    query.contains('@') || query.chars().filter(char::is_ascii_digit).count() >= 6
}

/// Whether `actor` finds internal articles: signed-in staff.
pub fn sees_internal(actor: Option<&Actor>) -> bool {
    matches!(actor, Some(Actor::User { role, .. }) if role.is_staff())
}

fn may_search(actor: Option<&Actor>) -> Result<()> {
    match actor {
        Some(key @ Actor::ApiKey { .. }) if !key.has_scope(Scope::CatalogueRead) => Err(AppError::Forbidden),
        _ => Ok(()),
    }
}

/// A service as the index holds it.
pub(crate) fn service_doc(s: &Service) -> Doc {
    Doc {
        key: format!("service:{}", s.code),
        kind: DocKind::Service,
        internal: false,
        url: format!("/services/{}", s.code),
        title_sv: s.name_sv.clone(),
        summary_sv: String::new(),
        keywords: s.keywords.clone(),
        body_sv: s.description_sv.clone(),
        title_en: s.name_en.clone(),
        summary_en: String::new(),
        body_en: s.description_en.clone(),
        audiences: s.audiences.iter().map(|a| a.as_str().to_owned()).collect(),
        unit: s.unit.to_string(),
        popularity: 0,
        helpfulness: 0.5,
    }
}

/// A published article as the index holds it.
pub(crate) fn article_doc(a: &Article) -> Doc {
    let c = &a.content;
    let en = c.en.as_ref();
    Doc {
        key: format!("article:{}", a.meta.slug),
        kind: DocKind::Article,
        internal: a.meta.visibility == porten_domain::knowledge::Visibility::Internal,
        url: format!("/kunskap/{}", a.meta.slug),
        title_sv: c.sv.title.clone(),
        summary_sv: c.sv.summary.clone(),
        keywords: c.keywords.clone(),
        body_sv: c.sv.body.clone(),
        title_en: en.map(|t| t.title.clone()).unwrap_or_default(),
        summary_en: en.map(|t| t.summary.clone()).unwrap_or_default(),
        body_en: en.map(|t| t.body.clone()).unwrap_or_default(),
        audiences: c.audiences.iter().map(|a| a.as_str().to_owned()).collect(),
        unit: a.meta.unit.to_string(),
        popularity: a.meta.views,
        helpfulness: a.meta.helpfulness(),
    }
}

async fn doc_for(store: &dyn Store, kind: &str, key: &str) -> Result<Option<Doc>> {
    Ok(match kind {
        CHANGE_SERVICE => store.get_service(key).await?.as_ref().map(service_doc),
        CHANGE_ARTICLE => match store.article_meta(key).await? {
            Some(meta) => match meta.published {
                Some(v) => store.article_version(key, v).await?.as_ref().map(article_doc),
                None => None,
            },
            None => None,
        },
        _ => None,
    })
}

impl App {
    /// The site's settings: the city's name, contact details and topics.
    pub fn site(&self) -> &Site {
        &self.portal.site
    }

    /// The same App with these site settings, keeping its search index in
    /// `index_dir` (in memory when `None`).
    pub fn with_portal(mut self, site: Site, index_dir: Option<PathBuf>) -> Self {
        self.portal = Arc::new(Portal::new(site, index_dir));
        self
    }

    /// The same App keeping, in the search statistics, the words of this
    /// word list too (see [`WordList`]). Call after [`App::with_portal`].
    pub fn with_word_list(self, words: WordList) -> Self {
        let _ = self.portal.words.set(words);
        self
    }

    async fn index(&self) -> Result<Arc<SearchIndex>> {
        let index = self
            .portal
            .index
            .get_or_try_init(|| async {
                let dir = self.portal.index_dir.clone();
                let (index, seq) = tokio::task::spawn_blocking(move || SearchIndex::open(dir.as_deref()))
                    .await
                    .map_err(|e| AppError::Unavailable(format!("search index: {e}")))?
                    .map_err(|e| AppError::Unavailable(format!("search index: {e}")))?;
                *self.portal.position.lock().await = seq;
                Ok::<_, AppError>(Arc::new(index))
            })
            .await?;
        Ok(index.clone())
    }

    /// Brings this node's search index up to date with the change feed
    /// (rebuilding it when it is new). The number of changes applied.
    pub async fn sync_search(&self) -> Result<usize> {
        let index = self.index().await?;
        let mut position = self.portal.position.lock().await;
        let store = self.store.as_ref();
        let mut applied = 0;
        if position.is_none() {
            let seq = store.last_change().await?;
            let mut docs: Vec<(String, Option<Doc>)> = Vec::new();
            for s in store.list_services().await? {
                let d = service_doc(&s);
                docs.push((d.key.clone(), Some(d)));
            }
            for a in store.published_articles().await? {
                let d = article_doc(&a);
                docs.push((d.key.clone(), Some(d)));
            }
            index.set_synonyms(store.synonyms().await?.into_iter().map(|s| (s.term, s.words)));
            applied = docs.len();
            let index = index.clone();
            spawn_index(move || index.apply(docs, seq, true)).await?;
            *position = Some(seq);
            self.portal.invalidate();
        }
        loop {
            let from = position.unwrap_or(0);
            let changes = store.changes_after(from, 500).await?;
            let Some(last) = changes.last().map(|c| c.seq) else { break };
            let mut docs: Vec<(String, Option<Doc>)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for change in changes.iter().rev() {
                if change.kind == CHANGE_SYNONYMS {
                    if seen.insert(CHANGE_SYNONYMS.to_owned()) {
                        index.set_synonyms(store.synonyms().await?.into_iter().map(|s| (s.term, s.words)));
                    }
                    continue;
                }
                let key = format!("{}:{}", change.kind, change.key);
                if seen.insert(key.clone()) {
                    docs.push((key, doc_for(store, &change.kind, &change.key).await?));
                }
            }
            applied += changes.len();
            let index = index.clone();
            spawn_index(move || index.apply(docs, last, false)).await?;
            *position = Some(last);
            self.portal.invalidate();
        }
        self.portal.built.store(true, std::sync::atomic::Ordering::Release);
        Ok(applied)
    }

    /// The index, built from the database on first use.
    async fn ready_index(&self) -> Result<Arc<SearchIndex>> {
        let index = self.index().await?;
        if !self.portal.built.load(std::sync::atomic::Ordering::Acquire) {
            self.sync_search().await?;
        }
        Ok(index)
    }

    /// Notes a search (or, with `clicked`, a followed result) for the query
    /// log, unless it looks like it holds personal data; of the rest, only
    /// the words the index knows are kept (issue 17). The text is
    /// normalised (NFKC) first, so full-width digits count as digits.
    fn log_search(&self, index: &SearchIndex, query: &str, lang: &str, results: usize, clicked: Option<&str>) {
        let query: String = query.trim().nfkc().collect();
        if query.is_empty() || looks_personal(&query) {
            return;
        }
        let query = index.vocabulary_only(&query.to_lowercase(), self.portal.words.get());
        self.portal.searches.lock().unwrap_or_else(|e| e.into_inner()).push(LoggedSearch {
            query: query.chars().take(100).collect(),
            lang: if lang == "en" { "en".into() } else { "sv".into() },
            results: results as u32,
            clicked: clicked.map(str::to_owned),
            at: self.now(),
        });
    }

    /// Searches services and articles (and internal articles for staff).
    pub async fn search(&self, actor: Option<&Actor>, mut query: SearchQuery) -> Result<Arc<Results>> {
        may_search(actor)?;
        query.include_internal = sees_internal(actor);
        let index = self.ready_index().await?;
        let results = index.search(&query).map_err(|e| AppError::Unavailable(format!("search index: {e}")))?;
        if query.offset == 0 && !matches!(actor, Some(Actor::ApiKey { .. })) {
            self.log_search(&index, &query.text, &query.lang, results.total, None);
        }
        Ok(results)
    }

    /// Titles for suggestions while typing.
    pub async fn suggest(&self, actor: Option<&Actor>, text: &str, lang: &str) -> Result<Vec<Suggestion>> {
        may_search(actor)?;
        let index = self.ready_index().await?;
        index
            .suggest(text, lang, sees_internal(actor), 8)
            .map_err(|e| AppError::Unavailable(format!("search index: {e}")))
    }

    /// Records that a search's result was followed: the page's address, if
    /// `key` names a document the actor may see.
    pub async fn follow_result(&self, actor: Option<&Actor>, query: &str, key: &str) -> Result<Option<String>> {
        let data = self.portal_data().await?;
        let url = match key.split_once(':') {
            Some(("service", code)) => {
                data.services.iter().find(|s| s.code == code).map(|s| format!("/services/{}", s.code))
            }
            Some(("article", slug)) => data
                .articles
                .iter()
                .find(|a| a.meta.slug == slug && (sees_internal(actor) || a.meta.visibility == Visibility::Public))
                .map(|a| format!("/kunskap/{}", a.meta.slug)),
            _ => None,
        };
        if url.is_some() {
            let index = self.ready_index().await?;
            self.log_search(&index, query, "sv", 0, Some(key));
        }
        Ok(url)
    }

    /// The catalogue and published articles, from this node's cache (read
    /// again from the database after any change in the feed).
    pub async fn portal_data(&self) -> Result<Arc<PortalData>> {
        if let Some(data) = self.portal.data.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(data.clone());
        }
        let generation = self.portal.generation();
        let data = Arc::new(PortalData {
            units: self.store.list_units().await?,
            services: self.store.list_services().await?,
            articles: self.store.published_articles().await?,
        });
        self.portal.keep(&self.portal.data, generation, data.clone());
        Ok(data)
    }

    /// Counts a page view of an article (written in the next flush).
    pub(crate) fn count_view(&self, slug: &str) {
        *self.portal.views.lock().unwrap_or_else(|e| e.into_inner()).entry(slug.to_owned()).or_default() += 1;
    }

    /// Notes a self-service event for deflection: `visitor` is an opaque
    /// id, `kind` one of `view`, `helpful`, `not_helpful`, `contact`.
    pub fn self_service(&self, visitor: &str, kind: &'static str, doc: Option<&str>) {
        if visitor.is_empty() {
            return;
        }
        self.portal.events.lock().unwrap_or_else(|e| e.into_inner()).push(SelfServiceEvent {
            visitor: visitor.to_owned(),
            kind,
            doc: doc.map(str::to_owned),
            at: self.now(),
        });
    }

    /// Writes the counted views, searches and self-service events.
    pub async fn flush_portal_stats(&self) -> Result<()> {
        let views: Vec<(String, u64)> =
            std::mem::take(&mut *self.portal.views.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect();
        let searches = std::mem::take(&mut *self.portal.searches.lock().unwrap_or_else(|e| e.into_inner()));
        let events = std::mem::take(&mut *self.portal.events.lock().unwrap_or_else(|e| e.into_inner()));
        if !views.is_empty() {
            self.store.add_article_views(&views).await?;
        }
        if !searches.is_empty() {
            self.store.log_searches(&searches).await?;
        }
        if !events.is_empty() {
            self.store.record_self_service(&events).await?;
        }
        Ok(())
    }
}

/// A round of the errand index this large means the city writes fast.
const BUSY_ROUND: usize = 500;

impl App {
    /// Keeps this node's search index and cache current and writes the
    /// counted statistics, until the process ends: the feed is read twice a
    /// second, statistics written every five seconds.
    pub async fn follow_changes(self) {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut n, mut errands_at): (u64, u64) = (0, 0);
        loop {
            tick.tick().await;
            if let Err(e) = self.sync_search().await {
                tracing::warn!(error = %e, "following the search change feed");
            }
            // Under a flood of writes the errand index waits two seconds
            // between rounds: fewer, larger commits cost the node less
            // (BENCHMARKS.md); otherwise it follows twice a second.
            if n >= errands_at {
                match self.sync_errand_index().await {
                    Ok(indexed) if indexed >= BUSY_ROUND => errands_at = n + 4,
                    Ok(_) => errands_at = n + 1,
                    Err(e) => tracing::warn!(error = %e, "following the errand change feed"),
                }
            }
            n += 1;
            if n.is_multiple_of(10)
                && let Err(e) = self.flush_portal_stats().await
            {
                tracing::warn!(error = %e, "writing portal statistics");
            }
        }
    }
}

pub(crate) async fn spawn_index(f: impl FnOnce() -> porten_search::Result<()> + Send + 'static) -> Result<()> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Unavailable(format!("search index: {e}")))?
        .map_err(|e| AppError::Unavailable(format!("search index: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_with_personal_data_are_not_logged() {
        assert!(super::looks_personal("19121212-1212"));
        assert!(super::looks_personal("anna@example.com"));
        assert!(super::looks_personal("070-174 06 10"));
        assert!(!super::looks_personal("bygglov 2026"));
    }
}
