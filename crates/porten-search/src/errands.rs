//! The staff errand search: a node-local index of errands fed from the
//! errand change feed, with the portal's Swedish analysis.
//!
//! Access is part of the query: the caller's [`ErrandAccess`] becomes
//! clauses every hit must match, so a hit, and the count, only ever covers
//! errands the caller may open. Personal identity numbers are never given
//! to the index (the caller masks free text and leaves parties' numbers
//! out); names and e-mail addresses are, since staff find errands by them.

use std::collections::HashSet;
use std::sync::Mutex;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::Result;
use crate::analysis::{self, FOLD, PLAIN, SV};

/// One errand as the index takes it.
#[derive(Clone, Debug, Default)]
pub struct ErrandDoc {
    /// The errand's row id: the key a change replaces.
    pub id: i64,
    pub public_id: String,
    /// As displayed: `TK 2026/00254`.
    pub registry_number: String,
    pub title: String,
    /// Description, answers, messages and notes: free text, personal
    /// identity numbers masked.
    pub text: String,
    /// Parties' names, organisations and e-mail addresses.
    pub names: Vec<String>,
    pub unit: String,
    pub confidential: bool,
    pub lifecycle: String,
    pub channel: String,
    pub created_micros: i64,
}

/// Which errands a search may return: the access rule of the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrandAccess {
    /// `None`: any unit's errands; else only these units'.
    pub units: Option<Vec<String>>,
    /// Confidential errands: `None`: all within `units`; else only these units'.
    pub confidential_units: Option<Vec<String>>,
}

impl ErrandAccess {
    pub const ALL: Self = Self { units: None, confidential_units: None };
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErrandHit {
    pub id: i64,
    pub public_id: String,
    pub registry_number: String,
    pub title: String,
    pub unit: String,
    pub lifecycle: String,
    pub channel: String,
    pub created_micros: i64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrandResults {
    pub hits: Vec<ErrandHit>,
    /// Every errand the caller may open that matches, over all pages.
    pub total: usize,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    public_id: Field,
    number: Field,
    number_display: Field,
    title: Field,
    text: Field,
    text_fold: Field,
    names: Field,
    unit: Field,
    confidential: Field,
    lifecycle: Field,
    channel: Field,
    created: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let f = Fields {
        id: b.add_i64_field("id", INDEXED | STORED),
        public_id: b.add_text_field("public_id", STORED),
        number: b.add_text_field("number", STRING),
        number_display: b.add_text_field("number_display", STORED),
        title: b.add_text_field("title", text(SV).set_stored()),
        text: b.add_text_field("text", text(SV)),
        text_fold: b.add_text_field("text_fold", text(FOLD)),
        names: b.add_text_field("names", text(PLAIN)),
        unit: b.add_text_field("unit", STRING | STORED),
        confidential: b.add_bool_field("confidential", INDEXED),
        lifecycle: b.add_text_field("lifecycle", STRING | STORED),
        channel: b.add_text_field("channel", STORED),
        created: b.add_i64_field("created", FAST | STORED),
    };
    (b.build(), f)
}

/// The forms of a registry number a search may use: `tk2026/00254`, and
/// `2026/00254` without the series.
fn number_terms(display: &str) -> Vec<String> {
    let compact: String = display.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    let mut terms = vec![compact.clone()];
    if let Some(start) = compact.find(|c: char| c.is_ascii_digit()) {
        terms.push(compact[start..].to_owned());
    }
    terms
}

/// What a query names as a registry number, in the index's form, if it is
/// one: letters, an optional space, a four-digit year, a slash, a serial
/// (`KC 2026/00080`, `kc2026/80`, `2026/80`).
pub fn registry_number_term(query: &str) -> Option<String> {
    let compact: String = query.trim().chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    let digits = compact.find(|c: char| c.is_ascii_digit())?;
    let (series, rest) = compact.split_at(digits);
    let (year, serial) = rest.split_once('/')?;
    let plain = |s: &str, n| !s.is_empty() && s.len() <= n && s.bytes().all(|b| b.is_ascii_digit());
    if !series.chars().all(char::is_alphabetic) || series.chars().count() > 10 || year.len() != 4 {
        return None;
    }
    if !plain(year, 4) || !plain(serial, 5) {
        return None;
    }
    let serial: u32 = serial.parse().ok()?;
    Some(format!("{series}{year}/{serial:05}"))
}

/// A node's errand index, in memory: rebuilt from the database at start.
pub struct ErrandIndex {
    index: Index,
    reader: IndexReader,
    /// The writer, and the ids it holds a document for: a new errand's
    /// document is added without a delete, which would cost a lookup in
    /// every segment at commit.
    writer: Mutex<(IndexWriter, HashSet<i64>)>,
    fields: Fields,
}

impl ErrandIndex {
    pub fn new() -> Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        analysis::register(index.tokenizers());
        // The smallest budget tantivy takes: its hash table is sized from
        // the budget and walked at every commit.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { index, reader, writer: Mutex::new((writer, HashSet::new())), fields })
    }

    /// Replaces these errands' documents (by id) and makes them searchable.
    /// With `everything`, every other document is removed first.
    pub fn apply(&self, docs: Vec<ErrandDoc>, everything: bool) -> Result<()> {
        let f = self.fields;
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (writer, indexed) = &mut *guard;
        if everything {
            writer.delete_all_documents()?;
            indexed.clear();
        }
        for d in docs {
            if !indexed.insert(d.id) {
                writer.delete_term(Term::from_field_i64(f.id, d.id));
            }
            let mut doc = TantivyDocument::default();
            doc.add_i64(f.id, d.id);
            doc.add_text(f.public_id, &d.public_id);
            for term in number_terms(&d.registry_number) {
                doc.add_text(f.number, &term);
            }
            doc.add_text(f.number_display, &d.registry_number);
            doc.add_text(f.title, &d.title);
            for field in [f.text, f.text_fold] {
                doc.add_text(field, &d.title);
                doc.add_text(field, &d.text);
            }
            for name in &d.names {
                doc.add_text(f.names, name);
            }
            doc.add_text(f.unit, &d.unit);
            doc.add_bool(f.confidential, d.confidential);
            doc.add_text(f.lifecycle, &d.lifecycle);
            doc.add_text(f.channel, &d.channel);
            doc.add_i64(f.created, d.created_micros);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        drop(guard);
        self.reader.reload()?;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Errands the caller may open that match every word of `text` (in the
    /// title, the free text or a party's name or address), or whose
    /// registry number it is; best first, then newest.
    pub fn search(&self, text: &str, access: &ErrandAccess, limit: usize, offset: usize) -> Result<ErrandResults> {
        let f = self.fields;
        let Some(matching) = self.matching(text) else { return Ok(ErrandResults::default()) };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matching)];
        let any_unit = |units: &[String]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                units.iter().map(|u| (Occur::Should, term(Term::from_field_text(f.unit, u)))).collect(),
            ))
        };
        if let Some(units) = &access.units {
            clauses.push((Occur::Must, any_unit(units)));
        }
        if let Some(units) = &access.confidential_units {
            let mut allowed = vec![(Occur::Should, term(Term::from_field_bool(f.confidential, false)))];
            if !units.is_empty() {
                allowed.push((Occur::Should, any_unit(units)));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(allowed))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let (top, total) =
            searcher.search(&query, &(TopDocs::with_limit(limit.max(1)).and_offset(offset).order_by_score(), Count))?;
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let int = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
            hits.push(ErrandHit {
                id: int(f.id),
                public_id: text(f.public_id),
                registry_number: text(f.number_display),
                title: text(f.title),
                unit: text(f.unit),
                lifecycle: text(f.lifecycle),
                channel: text(f.channel),
                created_micros: int(f.created),
            });
        }
        Ok(ErrandResults { hits, total })
    }

    /// The query for what was typed: a registry number, or every word.
    fn matching(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        if let Some(number) = registry_number_term(text) {
            return Some(term(Term::from_field_text(f.number, &number)));
        }
        let tokenizers = self.index.tokenizers();
        let mut words = Vec::new();
        for word in analysis::words(text) {
            // A stop word ("om", "och") narrows nothing.
            if analysis::terms(tokenizers, SV, &word).is_empty() {
                continue;
            }
            let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, analyzer) in [(f.text, SV), (f.text_fold, FOLD), (f.names, PLAIN)] {
                for t in analysis::terms(tokenizers, analyzer, &word) {
                    either.push((Occur::Should, term(Term::from_field_text(field, &t))));
                }
            }
            words.push((Occur::Must, Box::new(BooleanQuery::new(either)) as Box<dyn Query>));
        }
        (!words.is_empty()).then(|| Box::new(BooleanQuery::new(words)) as Box<dyn Query>)
    }
}

fn term(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(
        id: i64,
        number: &str,
        unit: &str,
        confidential: bool,
        title: &str,
        text: &str,
        names: &[&str],
    ) -> ErrandDoc {
        ErrandDoc {
            id,
            public_id: format!("p{id}"),
            registry_number: number.into(),
            title: title.into(),
            text: text.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            unit: unit.into(),
            confidential,
            lifecycle: "open".into(),
            channel: "web".into(),
            created_micros: id,
        }
    }

    fn index() -> ErrandIndex {
        let index = ErrandIndex::new().unwrap();
        index
            .apply(
                vec![
                    doc(
                        1,
                        "TK 2026/00254",
                        "TK",
                        false,
                        "Potthål på Sjögatan",
                        "Stort hål vid busshållplatsen",
                        &["Anna Svensson", "anna@example.se"],
                    ),
                    doc(
                        2,
                        "SOC 2026/00003",
                        "SOC",
                        true,
                        "Ansökan om hemtjänst",
                        "Behöver hjälp med städning",
                        &["Anna Berg"],
                    ),
                    doc(3, "KC 2026/00080", "KC", false, "Fråga om bygglov", "Hur söker jag bygglov för altan?", &[]),
                ],
                true,
            )
            .unwrap();
        index
    }

    fn numbers(r: &ErrandResults) -> Vec<&str> {
        r.hits.iter().map(|h| h.registry_number.as_str()).collect()
    }

    #[test]
    fn finds_by_registry_number_as_written_without_space_or_in_lower_case() {
        let index = index();
        for q in ["KC 2026/00080", "KC2026/00080", "kc 2026/00080", "kc2026/80", "2026/00080"] {
            assert_eq!(numbers(&index.search(q, &ErrandAccess::ALL, 10, 0).unwrap()), ["KC 2026/00080"], "{q}");
        }
        assert_eq!(registry_number_term("KC 2026/000801"), None);
        assert_eq!(registry_number_term("bygglov"), None);
    }

    #[test]
    fn finds_by_words_in_swedish_forms_and_by_name_or_address() {
        let index = index();
        let found = |q: &str| numbers(&index.search(q, &ErrandAccess::ALL, 10, 0).unwrap()).join(",");
        assert_eq!(found("potthålet sjögatan"), "TK 2026/00254", "Swedish stems");
        assert_eq!(found("sjogatan"), "TK 2026/00254", "without diacritics");
        assert_eq!(found("anna@example.se"), "TK 2026/00254");
        assert_eq!(found("svensson"), "TK 2026/00254");
        assert_eq!(found("bygglovet altan"), "KC 2026/00080");
        assert_eq!(found("fråga om bygglov"), "KC 2026/00080", "stop words narrow nothing");
        assert_eq!(found("bygglov sjögatan"), "", "every word must match");
    }

    #[test]
    fn access_is_applied_inside_the_search_counts_included() {
        let index = index();
        let agent = ErrandAccess { units: None, confidential_units: Some(vec!["KC".into()]) };
        let anna = index.search("anna", &agent, 10, 0).unwrap();
        assert_eq!(
            (numbers(&anna), anna.total),
            (vec!["TK 2026/00254"], 1),
            "no hit or count for SOC's confidential errand"
        );
        assert_eq!(index.search("SOC 2026/00003", &agent, 10, 0).unwrap(), ErrandResults::default());
        let soc_officer = ErrandAccess { units: Some(vec!["SOC".into()]), confidential_units: None };
        assert_eq!(numbers(&index.search("anna", &soc_officer, 10, 0).unwrap()), ["SOC 2026/00003"]);
        let api_key = ErrandAccess { units: None, confidential_units: Some(vec![]) };
        assert_eq!(index.search("städning", &api_key, 10, 0).unwrap().total, 0);
        assert_eq!(index.search("anna", &ErrandAccess::ALL, 10, 0).unwrap().total, 2);
    }

    #[test]
    fn a_change_replaces_the_errands_document() {
        let index = index();
        index.apply(vec![doc(1, "TK 2026/00254", "KC", false, "Potthål", "Lagat", &[])], false).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(
            index.search("anna@example.se", &ErrandAccess::ALL, 10, 0).unwrap().total,
            0,
            "the removed address left"
        );
        let tk = ErrandAccess { units: Some(vec!["TK".into()]), confidential_units: None };
        assert_eq!(index.search("potthål", &tk, 10, 0).unwrap().total, 0, "handed over to KC");
    }
}
