//! The index: its schema, keeping it current, and answering queries.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::{DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, Term};

use crate::Result;
use crate::analysis::{self, EN, FOLD, PLAIN, REVERSED, SV};
use crate::facets::{FacetTables, Gather, Gathered};
use crate::query::QueryBuilder;
use crate::snippets::{Highlighter, Openings};

/// How many of the best BM25 matches are re-ranked by popularity and
/// helpfulness.
const RERANK: usize = 50;

/// Bumped when the schema or the analyzers change: an index built by
/// another version is rebuilt.
const SCHEMA_VERSION: u32 = 5;

/// What the index holds about one service or article.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    /// `service:{code}` or `article:{slug}`: unique.
    pub key: String,
    pub kind: DocKind,
    /// Internal articles are found only by staff.
    pub internal: bool,
    /// Where the document is read, e.g. `/kunskap/hemtjanst`.
    pub url: String,
    pub title_sv: String,
    pub summary_sv: String,
    pub keywords: Vec<String>,
    /// Markdown subset or plain text.
    pub body_sv: String,
    /// Empty when there is no English text.
    pub title_en: String,
    pub summary_en: String,
    pub body_en: String,
    pub audiences: Vec<String>,
    pub unit: String,
    /// Page views.
    pub popularity: u64,
    /// Share of "helpful" answers, 0–1 (½ when unknown).
    pub helpfulness: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    #[default]
    Service,
    Article,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Article => "article",
        }
    }
}

/// A search.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub text: String,
    /// `"en"` searches the English texts first; anything else is Swedish.
    pub lang: String,
    pub include_internal: bool,
    pub audience: Option<String>,
    pub unit: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Part of a snippet: `mark` is true for the words that matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub key: String,
    pub kind: DocKind,
    pub internal: bool,
    pub url: String,
    pub title: String,
    pub snippet: Vec<Segment>,
    pub score: f32,
}

/// Results, with facet counts over every match (before the facet filters).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Matches with the facet filters applied.
    pub total: usize,
    pub audiences: Vec<(String, usize)>,
    pub units: Vec<(String, usize)>,
}

/// A title suggested while typing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub title: String,
    pub url: String,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    schema: u32,
    seq: i64,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub kind: Field,
    pub visibility: Field,
    pub url: Field,
    pub title_sv: Field,
    pub keywords_sv: Field,
    pub body_sv: Field,
    /// The body's opening, stored for snippets (the body is not stored).
    pub opening_sv: Field,
    pub summary_sv: Field,
    pub title_en: Field,
    pub body_en: Field,
    pub opening_en: Field,
    pub summary_en: Field,
    pub title_fold: Field,
    pub text_fold: Field,
    pub title_plain: Field,
    pub words: Field,
    pub words_reversed: Field,
    pub audience: Field,
    pub unit: Field,
    pub popularity: Field,
    pub helpfulness: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str, stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        visibility: b.add_text_field("visibility", STRING | STORED),
        url: b.add_text_field("url", STORED),
        title_sv: b.add_text_field("title_sv", text(SV, true)),
        keywords_sv: b.add_text_field("keywords_sv", text(SV, false)),
        body_sv: b.add_text_field("body_sv", text(SV, false)),
        opening_sv: b.add_text_field("opening_sv", STORED),
        summary_sv: b.add_text_field("summary_sv", STORED),
        title_en: b.add_text_field("title_en", text(EN, true)),
        body_en: b.add_text_field("body_en", text(EN, false)),
        opening_en: b.add_text_field("opening_en", STORED),
        summary_en: b.add_text_field("summary_en", STORED),
        title_fold: b.add_text_field("title_fold", text(FOLD, false)),
        text_fold: b.add_text_field("text_fold", text(FOLD, false)),
        title_plain: b.add_text_field("title_plain", text(PLAIN, false)),
        words: b.add_text_field("words", text(PLAIN, false)),
        words_reversed: b.add_text_field("words_reversed", text(REVERSED, false)),
        audience: b.add_text_field("audience", STRING | FAST),
        unit: b.add_text_field("unit", STRING | FAST),
        popularity: b.add_u64_field("popularity", FAST | INDEXED),
        helpfulness: b.add_f64_field("helpfulness", FAST),
    };
    (b.build(), f)
}

/// A node's search index, kept current from the database's change feed.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
    synonyms: RwLock<HashMap<String, Vec<String>>>,
    /// Answers to recent searches, for the index as it was when they were
    /// made: any change (documents, synonyms) starts a new generation.
    cache: Mutex<(u64, HashMap<CacheKey, Arc<Results>>)>,
    facet_tables: FacetTables,
    /// Hits' openings as analysed for snippets, until the documents change.
    openings: Openings,
    /// The lock on the index directory, held while the index is open.
    _owner: Option<std::fs::File>,
}

/// The file whose lock says which process owns an index directory.
const OWNER_LOCK: &str = "porten-owner.lock";

/// What a search's answer depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    text: String,
    lang: String,
    include_internal: bool,
    audience: Option<String>,
    unit: Option<String>,
    limit: usize,
    offset: usize,
}

/// Searches whose answers are kept; the cache starts over when full.
const CACHED_SEARCHES: usize = 2048;

impl SearchIndex {
    /// Opens the index in `dir` (created when missing), or one in memory.
    /// The second value is the change-feed position the index has reached,
    /// `None` when it is new (a missing, damaged or outdated index is
    /// started afresh): then feed it every document.
    pub fn open(dir: Option<&Path>) -> Result<(Self, Option<i64>)> {
        let (schema, fields) = schema();
        // A directory another process has open (a second node on the same
        // machine and folder) is left alone: this process keeps its index in
        // memory, rebuilt from the database like a missing one.
        let owner = match dir {
            None => None,
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let lock =
                    std::fs::File::options().create(true).truncate(false).write(true).open(dir.join(OWNER_LOCK))?;
                match lock.try_lock() {
                    Ok(()) => Some((dir, lock)),
                    Err(std::fs::TryLockError::WouldBlock) => {
                        tracing::warn!(dir = %dir.display(), "another process has this search index open; keeping this process's index in memory");
                        None
                    }
                    // A file system without locks (some network shares): the
                    // folder cannot be known to be this process's alone.
                    Err(std::fs::TryLockError::Error(e)) => {
                        tracing::warn!(dir = %dir.display(), error = %e, "cannot lock the search index folder; keeping this process's index in memory");
                        None
                    }
                }
            }
        };
        let (index, seq) = match &owner {
            None => (Index::create_in_ram(schema), None),
            Some((dir, _)) => match Self::reopen(dir) {
                Some(found) => found,
                None => {
                    for entry in std::fs::read_dir(dir)? {
                        let path = entry?.path();
                        if path.is_dir() {
                            std::fs::remove_dir_all(&path)?;
                        } else if !path.ends_with(OWNER_LOCK) {
                            std::fs::remove_file(&path)?;
                        }
                    }
                    (Index::create_in_dir(dir, schema)?, None)
                }
            },
        };
        analysis::register(index.tokenizers());
        let writer = index.writer_with_num_threads(1, 32_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let me = Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            synonyms: RwLock::default(),
            cache: Mutex::default(),
            facet_tables: FacetTables::default(),
            openings: Openings::default(),
            _owner: owner.map(|(_, lock)| lock),
        };
        Ok((me, seq))
    }

    /// The index in `dir` and its position, if it is whole and of this version.
    fn reopen(dir: &Path) -> Option<(Index, Option<i64>)> {
        let index = Index::open_in_dir(dir).ok()?;
        let payload: Payload = serde_json::from_str(index.load_metas().ok()?.payload.as_deref()?).ok()?;
        if payload.schema != SCHEMA_VERSION || index.schema() != schema().0 {
            return None;
        }
        // Reading every segment proves the files are whole.
        let reader = index.reader().ok()?;
        reader.searcher().search(&tantivy::query::AllQuery, &Count).ok()?;
        Some((index, Some(payload.seq)))
    }

    /// Replaces the documents with these keys (`None`: delete it), and
    /// records that the index has reached feed position `seq`. With
    /// `everything`, every other document is removed first (a rebuild).
    pub fn apply(&self, changes: Vec<(String, Option<Doc>)>, seq: i64, everything: bool) -> Result<()> {
        let f = self.fields;
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if everything {
            // No background merges while rebuilding: the segments are merged
            // into one at the end.
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            writer.delete_all_documents()?;
        }
        for (key, doc) in changes {
            writer.delete_term(Term::from_field_text(f.key, &key));
            if let Some(doc) = doc {
                writer.add_document(self.document(&doc))?;
            }
        }
        let payload = serde_json::to_string(&Payload { schema: SCHEMA_VERSION, seq }).expect("plain data");
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&payload);
        commit.commit()?;
        // A rebuild leaves a segment per flush of the writer's memory:
        // merged into one, every query looks each term up once, not once
        // per segment.
        let segments = self.index.searchable_segment_ids()?;
        if everything && segments.len() > 1 {
            writer.merge(&segments).wait()?;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
        }
        if everything {
            writer.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
        }
        self.reader.reload()?;
        let live: Vec<_> = self.reader.searcher().segment_readers().iter().map(|r| r.segment_id()).collect();
        self.facet_tables.keep(&live);
        self.openings.clear();
        self.forget_answers();
        Ok(())
    }

    /// Sets the synonyms: citizens' word → the city's words.
    pub fn set_synonyms(&self, synonyms: impl IntoIterator<Item = (String, Vec<String>)>) {
        *self.synonyms.write().unwrap_or_else(|e| e.into_inner()) = synonyms.into_iter().collect();
        self.forget_answers();
    }

    /// A query as the search statistics may keep it: each word that the
    /// indexed texts (in either language, with or without diacritics), the
    /// synonyms or the language's word list use is kept; any other word (a
    /// name, a street, a number) becomes "…", so that editors see what
    /// people miss without seeing who they are.
    pub fn vocabulary_only(&self, text: &str, words: Option<&crate::WordList>) -> String {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let synonyms = self.synonyms.read().unwrap_or_else(|e| e.into_inner());
        let in_index = |field, analyzer: &str, word: &str| {
            let terms = analysis::terms(self.index.tokenizers(), analyzer, word);
            !terms.is_empty()
                && terms.iter().all(|t| searcher.doc_freq(&Term::from_field_text(field, t)).is_ok_and(|n| n > 0))
        };
        let known = |word: &str| {
            words.is_some_and(|list| list.contains(word))
                || synonyms.contains_key(word)
                || synonyms.values().flatten().any(|w| w == word)
                || in_index(f.words, PLAIN, word)
                || in_index(f.title_plain, PLAIN, word)
                || in_index(f.text_fold, FOLD, word)
                || in_index(f.body_en, EN, word)
        };
        let mut kept: Vec<&str> = Vec::new();
        for word in text.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            let shown = if bare.is_empty() || known(&bare) { word } else { "…" };
            if !(shown == "…" && kept.last() == Some(&"…")) {
                kept.push(shown);
            }
        }
        kept.join(" ")
    }

    fn forget_answers(&self) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.0 += 1;
        cache.1.clear();
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How many segments the index is made of (fewer is faster to search).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, d: &Doc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &d.key);
        doc.add_text(f.kind, d.kind.as_str());
        doc.add_text(f.visibility, if d.internal { "internal" } else { "public" });
        doc.add_text(f.url, &d.url);
        doc.add_text(f.title_sv, &d.title_sv);
        doc.add_text(f.summary_sv, &d.summary_sv);
        let keywords = d.keywords.join("\n");
        doc.add_text(f.keywords_sv, &keywords);
        let body_sv = format!("{}\n{}", d.summary_sv, analysis::plain(&d.body_sv));
        doc.add_text(f.body_sv, &body_sv);
        doc.add_text(f.opening_sv, head(&body_sv));
        if !d.title_en.is_empty() {
            doc.add_text(f.title_en, &d.title_en);
            doc.add_text(f.summary_en, &d.summary_en);
            let body_en = format!("{}\n{}", d.summary_en, analysis::plain(&d.body_en));
            doc.add_text(f.opening_en, head(&body_en));
            doc.add_text(f.body_en, body_en);
        }
        doc.add_text(f.title_fold, &d.title_sv);
        doc.add_text(f.text_fold, format!("{keywords}\n{body_sv}"));
        doc.add_text(f.title_plain, &d.title_sv);
        let all_words = format!("{}\n{keywords}\n{body_sv}", d.title_sv);
        doc.add_text(f.words_reversed, &all_words);
        doc.add_text(f.words, all_words);
        if !d.title_en.is_empty() {
            doc.add_text(f.title_plain, &d.title_en);
        }
        for a in &d.audiences {
            doc.add_text(f.audience, a);
        }
        doc.add_text(f.unit, &d.unit);
        doc.add_u64(f.popularity, d.popularity);
        doc.add_f64(f.helpfulness, d.helpfulness.clamp(0.0, 1.0));
        doc
    }

    /// Answers a search: ranked hits with snippets, and facet counts. The
    /// same search again, before the index changes, is answered from memory
    /// (people search for the same few hundred things).
    pub fn search(&self, q: &SearchQuery) -> Result<Arc<Results>> {
        let key = CacheKey {
            text: q.text.trim().to_lowercase(),
            lang: q.lang.clone(),
            include_internal: q.include_internal,
            audience: q.audience.clone(),
            unit: q.unit.clone(),
            limit: q.limit,
            offset: q.offset,
        };
        let generation = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = cache.1.get(&key) {
                return Ok(found.clone());
            }
            cache.0
        };
        let results = Arc::new(self.search_uncached(q)?);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 == generation {
            if cache.1.len() >= CACHED_SEARCHES {
                cache.1.clear();
            }
            cache.1.insert(key, results.clone());
        }
        Ok(results)
    }

    /// Answers a search from the index itself.
    pub fn search_uncached(&self, q: &SearchQuery) -> Result<Results> {
        let searcher = self.reader.searcher();
        let en = q.lang == "en";
        let synonyms = self.synonyms.read().unwrap_or_else(|e| e.into_inner());
        let builder = QueryBuilder {
            index: &self.index,
            searcher: &searcher,
            fields: self.fields,
            synonyms: &synonyms,
            en,
            analyzers: Default::default(),
        };
        let Some(text_query) = builder.build(&q.text) else { return Ok(Results::default()) };
        let f = self.fields;
        let mut clauses = vec![(Occur::Must, text_query.box_clone())];
        if !q.include_internal {
            // Excluding the few internal documents costs less than
            // intersecting with every public one.
            clauses.push((Occur::MustNot, term(f.visibility, "internal")));
        }
        let limit = q.limit.clamp(1, 100);
        let offset = q.offset.min(1000);
        // One pass over the matches: the best by BM25 (re-ranked below by
        // popularity and helpfulness), the count, and the facets.
        let gather = Gather {
            limit: (offset + limit).max(RERANK),
            narrow: [q.audience.as_deref(), q.unit.as_deref()],
            tables: &self.facet_tables,
        };
        let Gathered { best, total, facets } = searcher.search(&BooleanQuery::new(clauses), &gather)?;
        let mut ranked: Vec<(Score, DocAddress)> = best
            .into_iter()
            .map(|(score, address)| {
                (rank(searcher.segment_reader(address.segment_ord))(address.doc_id, score), address)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let top: Vec<(Score, DocAddress)> = ranked.into_iter().skip(offset).take(limit).collect();
        // Snippets of the opening in the search's language; an English
        // search of a text that is only in Swedish shows the Swedish one.
        let highlighter = Highlighter::new(&searcher, &*text_query, if en { f.body_en } else { f.body_sv }, 220)?;
        let mut swedish_highlighter = None;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let title = match text(f.title_en) {
                t if en && !t.is_empty() => t,
                _ => text(f.title_sv),
            };
            let fragment = if !en || doc.get_first(f.opening_en).is_some() {
                highlighter.fragment(
                    &self.openings,
                    &searcher,
                    address,
                    &text(if en { f.opening_en } else { f.opening_sv }),
                )?
            } else {
                if swedish_highlighter.is_none() {
                    swedish_highlighter = Some(Highlighter::new(&searcher, &*text_query, f.body_sv, 220)?);
                }
                let swedish = swedish_highlighter.as_ref().expect("made above");
                swedish.fragment(&self.openings, &searcher, address, &text(f.opening_sv))?
            };
            let segments = match fragment {
                Some(fragment) => segments(&fragment.text, &fragment.highlighted),
                None => {
                    let summary =
                        text(if en && doc.get_first(f.summary_en).is_some() { f.summary_en } else { f.summary_sv });
                    vec![Segment { text: summary, mark: false }]
                }
            };
            hits.push(Hit {
                key: text(f.key),
                kind: if text(f.kind) == "article" { DocKind::Article } else { DocKind::Service },
                internal: text(f.visibility) == "internal",
                url: text(f.url),
                title,
                snippet: segments,
                score,
            });
        }
        let mut facets = facets.into_iter();
        let sorted = |m: Option<std::collections::BTreeMap<String, usize>>| {
            let mut v: Vec<_> = m.unwrap_or_default().into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Ok(Results { hits, total, audiences: sorted(facets.next()), units: sorted(facets.next()) })
    }

    /// Titles whose words start as the query does, for suggestions while typing.
    pub fn suggest(&self, text: &str, lang: &str, include_internal: bool, limit: usize) -> Result<Vec<Suggestion>> {
        let searcher = self.reader.searcher();
        let words = analysis::terms(self.index.tokenizers(), PLAIN, text);
        let Some((last, rest)) = words.split_last() else { return Ok(Vec::new()) };
        if last.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            rest.iter().map(|w| (Occur::Must, term(f.title_plain, w))).collect();
        clauses.push((
            Occur::Must,
            Box::new(tantivy::query::FuzzyTermQuery::new_prefix(Term::from_field_text(f.title_plain, last), 0, false)),
        ));
        if !include_internal {
            clauses.push((Occur::Must, term(f.visibility, "public")));
        }
        let top = TopDocs::with_limit(limit.clamp(1, 20)).tweak_score(|segment: &SegmentReader| {
            let popularity = segment.fast_fields().u64("popularity").ok().map(|c| c.first_or_default_col(0));
            move |doc: DocId, _score: Score| popularity.as_ref().map_or(0, |c| c.get_val(doc))
        });
        let top: Vec<(u64, DocAddress)> = searcher.search(&BooleanQuery::new(clauses), &top)?;
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                let title = match text(f.title_en) {
                    t if lang == "en" && !t.is_empty() => t,
                    _ => text(f.title_sv),
                };
                Ok(Suggestion { title, url: text(f.url) })
            })
            .collect()
    }
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

/// The ranking beyond BM25: a little for popularity (logarithmic) and for
/// helpfulness (an unhelpful page drops, a helpful one rises, ±20 %).
fn rank(segment: &SegmentReader) -> impl Fn(DocId, Score) -> Score + use<> {
    let popularity = segment.fast_fields().u64("popularity").ok().map(|c| c.first_or_default_col(0));
    let helpfulness = segment.fast_fields().f64("helpfulness").ok().map(|c| c.first_or_default_col(0.5));
    move |doc, score| {
        let views = popularity.as_ref().map_or(0, |c| c.get_val(doc)) as f32;
        let helpful = helpfulness.as_ref().map_or(0.5, |c| c.get_val(doc)) as f32;
        score * (1.0 + 0.04 * (1.0 + views).ln()) * (0.8 + 0.4 * helpful)
    }
}

/// The first part of a text, where a snippet is looked for: the summary and
/// the opening paragraphs hold what a page is about, and storing and
/// tokenizing the rest of every hit would cost more than it adds.
fn head(text: &str) -> &str {
    const SNIPPET_SOURCE: usize = 600;
    match text.char_indices().nth(SNIPPET_SOURCE) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Splits a snippet's fragment at its highlighted byte ranges.
fn segments(fragment: &str, highlighted: &[std::ops::Range<usize>]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for r in highlighted {
        if r.start < at || r.end > fragment.len() {
            continue;
        }
        if r.start > at {
            out.push(Segment { text: fragment[at..r.start].to_owned(), mark: false });
        }
        out.push(Segment { text: fragment[r.clone()].to_owned(), mark: true });
        at = r.end;
    }
    if at < fragment.len() {
        out.push(Segment { text: fragment[at..].to_owned(), mark: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(key: &str, title: &str, body: &str) -> Doc {
        Doc {
            key: key.into(),
            kind: DocKind::Article,
            url: format!("/kunskap/{key}"),
            title_sv: title.into(),
            body_sv: body.into(),
            unit: "KC".into(),
            audiences: vec!["resident".into()],
            helpfulness: 0.5,
            ..Default::default()
        }
    }

    fn keys(index: &SearchIndex, text: &str) -> Vec<String> {
        let q = SearchQuery { text: text.into(), lang: "sv".into(), limit: 3, ..Default::default() };
        index.search(&q).unwrap().hits.iter().map(|h| h.key.clone()).collect()
    }

    #[test]
    fn swedish_queries_find_their_documents() {
        let (index, seq) = SearchIndex::open(None).unwrap();
        assert_eq!(seq, None);
        let docs = vec![
            doc("avlopp", "Enskilt avlopp", "Har du ett enskilt avlopp på landet behöver du tillstånd."),
            doc("forskola", "Ansök om plats i förskolan", "Barn får plats i förskolan från ett års ålder."),
            doc("modersmal", "Modersmålsundervisning", "Elever kan få modersmålsundervisning."),
            doc("bygglov", "Behöver jag bygglov?", "Bygglov krävs för att bygga nytt."),
            doc("sno", "Snöskottning utanför ditt hus", "Fastighetsägaren ska skotta trottoaren."),
            doc("gata", "Gator", "Trottoaren lagas av staden. Trottoarer och gator."),
        ];
        index.apply(docs.into_iter().map(|d| (d.key.clone(), Some(d))).collect(), 7, true).unwrap();
        assert_eq!(keys(&index, "avloppet på landet")[0], "avlopp");
        assert_eq!(keys(&index, "förskoleplats")[0], "forskola");
        assert_eq!(keys(&index, "forskola")[0], "forskola");
        assert_eq!(keys(&index, "bygglv")[0], "bygglov");
        assert_eq!(keys(&index, "modersmålsundervisnig")[0], "modersmal");
        assert_eq!(keys(&index, "trottoarskottning")[0], "sno");
    }

    #[test]
    fn a_narrowed_search_counts_what_it_shows_and_facets_what_each_choice_would_give() {
        let (index, _) = SearchIndex::open(None).unwrap();
        let with = |key: &str, audience: &str, unit: &str, internal: bool| Doc {
            audiences: vec![audience.into()],
            unit: unit.into(),
            internal,
            ..doc(key, "Parkering", "Om parkering i staden.")
        };
        let docs = vec![
            with("a", "resident", "TK", false),
            with("b", "resident", "SBK", false),
            with("c", "business", "TK", false),
            with("d", "resident", "TK", true),
            doc("e", "Bygglov", "Om bygglov."),
        ];
        // More documents than one candidate list holds, so counting cannot
        // lean on the candidates alone.
        let many = (0..RERANK + 5).map(|i| with(&format!("m{i}"), "senior", "KUF", false));
        let all = docs.into_iter().chain(many).map(|d| (d.key.clone(), Some(d))).collect();
        index.apply(all, 1, true).unwrap();
        let search = |audience: Option<&str>, unit: Option<&str>, include_internal: bool| {
            let q = SearchQuery {
                text: "parkering".into(),
                lang: "sv".into(),
                limit: 10,
                audience: audience.map(str::to_owned),
                unit: unit.map(str::to_owned),
                include_internal,
                ..Default::default()
            };
            index.search_uncached(&q).unwrap()
        };
        let everything = search(None, None, false);
        assert_eq!(everything.total, 3 + RERANK + 5, "every public match, not the internal one");
        assert_eq!(everything.hits.len(), 10);
        let narrowed = search(Some("resident"), Some("TK"), false);
        let mut shown: Vec<_> = narrowed.hits.iter().map(|h| h.key.as_str()).collect();
        shown.sort();
        assert_eq!((narrowed.total, shown), (1, vec!["a"]));
        // The facets count the matches before narrowing.
        let count = |facets: &[(String, usize)], value: &str| facets.iter().find(|f| f.0 == value).map(|f| f.1);
        assert_eq!(count(&narrowed.audiences, "resident"), Some(2));
        assert_eq!(count(&narrowed.audiences, "senior"), Some(RERANK + 5));
        assert_eq!(count(&narrowed.units, "SBK"), Some(1));
        assert_eq!(search(Some("resident"), Some("TK"), true).total, 2, "staff see the internal one");
        assert_eq!(search(Some("nobody"), None, false).total, 0);
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    #[test]
    fn a_rebuild_ends_in_one_segment() {
        let (index, _) = SearchIndex::open(None).unwrap();
        for round in 0..3 {
            let docs = (0..50)
                .map(|i| {
                    let d = Doc {
                        key: format!("article:{round}-{i}"),
                        title_sv: "Bygglov".into(),
                        unit: "KC".into(),
                        ..Default::default()
                    };
                    (d.key.clone(), Some(d))
                })
                .collect();
            index.apply(docs, round, false).unwrap();
        }
        assert!(index.segments() > 1);
        let docs = (0..50)
            .map(|i| {
                let d = Doc {
                    key: format!("article:{i}"),
                    title_sv: "Bygglov".into(),
                    unit: "KC".into(),
                    ..Default::default()
                };
                (d.key.clone(), Some(d))
            })
            .collect();
        index.apply(docs, 9, true).unwrap();
        assert_eq!(index.segments(), 1);
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn a_cached_answer_is_forgotten_when_the_index_or_the_synonyms_change() {
        let (index, _) = SearchIndex::open(None).unwrap();
        let doc = |key: &str, title: &str| {
            let d = Doc { key: key.into(), title_sv: title.into(), unit: "KC".into(), ..Default::default() };
            (d.key.clone(), Some(d))
        };
        index.apply(vec![doc("article:a", "Förskola")], 1, true).unwrap();
        let q = SearchQuery { text: "förskola".into(), lang: "sv".into(), limit: 5, ..Default::default() };
        assert_eq!(index.search(&q).unwrap().total, 1);
        index.apply(vec![doc("article:b", "Förskolan")], 2, false).unwrap();
        assert_eq!(index.search(&q).unwrap().total, 2, "a new document is found at once");
        let dagis = SearchQuery { text: "dagis".into(), ..q.clone() };
        assert_eq!(index.search(&dagis).unwrap().total, 0);
        index.set_synonyms([("dagis".to_owned(), vec!["förskola".to_owned()])]);
        assert_eq!(index.search(&dagis).unwrap().total, 2, "a new synonym is used at once");
    }

    #[test]
    fn a_second_process_on_the_same_folder_keeps_its_index_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let doc =
            |key: &str| Doc { key: key.into(), title_sv: "Förskola".into(), unit: "KC".into(), ..Default::default() };
        let (first, _) = SearchIndex::open(Some(dir.path())).unwrap();
        first.apply(vec![("article:a".into(), Some(doc("article:a")))], 7, true).unwrap();
        // Another open of the folder (another process, or here another file
        // handle) finds it taken: it neither fails nor touches the files.
        let (second, seq) = SearchIndex::open(Some(dir.path())).unwrap();
        assert_eq!(seq, None, "starts empty, to be built from the database");
        second.apply(vec![("article:b".into(), Some(doc("article:b")))], 8, true).unwrap();
        let q = SearchQuery { text: "förskola".into(), lang: "sv".into(), limit: 5, ..Default::default() };
        assert_eq!(first.search(&q).unwrap().total, 1);
        assert_eq!(second.search(&q).unwrap().total, 1);
        drop((first, second));
        // Once the owner has gone, the folder's index opens where it was.
        let (again, seq) = SearchIndex::open(Some(dir.path())).unwrap();
        assert_eq!(seq, Some(7));
        assert_eq!(again.search(&q).unwrap().total, 1);
    }
}
