//! Highlighted snippets without analysing text again for every search.
//!
//! A snippet is the best fragment (about 220 characters) of a hit's opening,
//! scored by the query's words it holds, rarer words counting more: what
//! tantivy's `SnippetGenerator` does. That generator analyses the opening
//! again (tokenizer, stop words, stemmer) for every hit of every search;
//! here each document's opening is analysed once and its tokens kept
//! ([`Openings`]), and a search only adds up scores. They are kept per
//! segment and document number: a document in a segment never changes, so
//! a search that still reads an older segment finds that segment's text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, Score, Searcher, Term};

/// How many analysed openings a node keeps (about 2 kB each).
const KEPT: usize = 20_000;

/// An opening as its field's analyzer sees it: each token's byte range in
/// the text, and its analysed form (a range of `forms`).
struct Analysed {
    forms: String,
    tokens: Vec<(Range<u32>, Range<u32>)>,
}

/// The analysed openings of recently shown documents, by segment,
/// document and field.
#[derive(Default)]
pub(crate) struct Openings(Mutex<HashMap<(SegmentId, DocId, Field), Arc<Analysed>>>);

impl Openings {
    /// Forgets every opening (segments have been replaced).
    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn analysed(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        field: Field,
        text: &str,
    ) -> tantivy::Result<Arc<Analysed>> {
        let segment = searcher.segment_reader(address.segment_ord).segment_id();
        let cache_key = (segment, address.doc_id, field);
        if let Some(found) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&cache_key) {
            return Ok(found.clone());
        }
        let mut analyzer = searcher.index().tokenizer_for_field(field)?;
        let mut stream = analyzer.token_stream(text);
        let mut analysed = Analysed { forms: String::new(), tokens: Vec::new() };
        while let Some(token) = stream.next() {
            let start = analysed.forms.len() as u32;
            analysed.forms.push_str(&token.text);
            let form = start..analysed.forms.len() as u32;
            analysed.tokens.push((token.offset_from as u32..token.offset_to as u32, form));
        }
        let analysed = Arc::new(analysed);
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= KEPT {
            cache.clear();
        }
        cache.insert(cache_key, analysed.clone());
        Ok(analysed)
    }
}

/// What a search highlights in one field: the query's words there, each
/// scored `1 / (1 + documents with it)`, as tantivy scores them.
pub(crate) struct Highlighter {
    field: Field,
    words: BTreeMap<String, Score>,
    max_chars: usize,
}

/// A chosen fragment of a text and the byte ranges in it to highlight.
pub(crate) struct Fragment {
    pub text: String,
    pub highlighted: Vec<Range<usize>>,
}

impl Highlighter {
    pub(crate) fn new(searcher: &Searcher, query: &dyn Query, field: Field, max_chars: usize) -> tantivy::Result<Self> {
        let mut terms: BTreeSet<Term> = BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                terms.insert(term.clone());
            }
        });
        let mut words = BTreeMap::new();
        for term in terms {
            let Some(word) = term.value().as_str().map(str::to_owned) else { continue };
            let documents = searcher.doc_freq(&term)?;
            if documents > 0 {
                words.insert(word, 1.0 / (1.0 + documents as Score));
            }
        }
        Ok(Self { field, words, max_chars })
    }

    /// The best fragment of `text`, the opening stored with the document at
    /// `address`, or `None` when none of the query's words is in it.
    pub(crate) fn fragment(
        &self,
        openings: &Openings,
        searcher: &Searcher,
        address: DocAddress,
        text: &str,
    ) -> tantivy::Result<Option<Fragment>> {
        if self.words.is_empty() {
            return Ok(None);
        }
        let analysed = openings.analysed(searcher, address, self.field, text)?;
        let Some((range, highlighted)) = best(&analysed, &self.words, self.max_chars) else { return Ok(None) };
        // The ranges are the analyzer's, on this very text; `get` keeps a
        // mismatch a missing snippet rather than a panic.
        Ok(text.get(range.clone()).filter(|_| highlighted.iter().all(|h| text.get(h.clone()).is_some())).map(
            |fragment| Fragment {
                text: fragment.to_owned(),
                highlighted: highlighted.into_iter().map(|h| h.start - range.start..h.end - range.start).collect(),
            },
        ))
    }
}

/// Splits the tokens into fragments of at most `max_chars` bytes and picks
/// the highest-scoring one (the earliest of equals), with its matches.
fn best(
    analysed: &Analysed,
    words: &BTreeMap<String, Score>,
    max_chars: usize,
) -> Option<(Range<usize>, Vec<Range<usize>>)> {
    struct Candidate {
        score: Score,
        range: Range<usize>,
        highlighted: Vec<Range<usize>>,
    }
    let mut best: Option<Candidate> = None;
    let mut current = Candidate { score: 0.0, range: 0..0, highlighted: Vec::new() };
    let mut consider = |c: Candidate| {
        if c.score > 0.0 && best.as_ref().is_none_or(|b| c.score > b.score) {
            best = Some(c);
        }
    };
    for (bytes, form) in &analysed.tokens {
        let (from, to) = (bytes.start as usize, bytes.end as usize);
        if to - current.range.start > max_chars {
            let next = Candidate { score: 0.0, range: from..from, highlighted: Vec::new() };
            consider(std::mem::replace(&mut current, next));
        }
        current.range.end = to;
        if let Some(score) = words.get(&analysed.forms[form.start as usize..form.end as usize]) {
            current.score += score;
            // A word the analyzer gives several forms of is highlighted once.
            if current.highlighted.last().is_none_or(|h| h.end <= from) {
                current.highlighted.push(from..to);
            }
        }
    }
    consider(current);
    best.map(|b| (b.range, b.highlighted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysed(text: &str) -> Analysed {
        let mut a = Analysed { forms: String::new(), tokens: Vec::new() };
        let mut at = 0;
        for word in text.split(' ') {
            let start = a.forms.len() as u32;
            a.forms.push_str(&word.trim_matches(['.', ',']).to_lowercase());
            a.tokens.push((at as u32..(at + word.len()) as u32, start..a.forms.len() as u32));
            at += word.len() + 1;
        }
        a
    }

    #[test]
    fn the_fragment_with_the_most_and_rarest_words_wins_and_the_earliest_of_equals() {
        let text = "Bygglov behovs ofta. Ansok hos kommunen om bygglov. Bygglov tar tid.";
        let words = BTreeMap::from([("bygglov".to_owned(), 0.5), ("kommunen".to_owned(), 0.25)]);
        let (range, highlighted) = best(&analysed(text), &words, 30).unwrap();
        assert_eq!(&text[range], "kommunen om bygglov. Bygglov");
        let marked: Vec<&str> = highlighted.iter().map(|h| &text[h.clone()]).collect();
        assert_eq!(marked, ["kommunen", "bygglov.", "Bygglov"]);
        let equal = BTreeMap::from([("tid".to_owned(), 0.5), ("ofta".to_owned(), 0.5)]);
        assert_eq!(&text[best(&analysed(text), &equal, 30).unwrap().0], "Bygglov behovs ofta. Ansok hos");
        assert!(best(&analysed(text), &BTreeMap::from([("parkering".to_owned(), 1.0)]), 30).is_none());
    }
}
