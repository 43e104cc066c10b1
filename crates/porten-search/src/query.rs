//! From what a citizen typed to a tantivy query: for every word its stem in
//! each field (boosted title > keywords > body), its diacritic-free form,
//! its parts when it is a compound, its synonyms, and typo-tolerant forms
//! when the index does not know it; for neighbouring words, their compound.

use std::collections::HashMap;

use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Index, Searcher, Term};

use crate::analysis::{self, EN, FOLD, PLAIN, REVERSED, SV};
use crate::index::Fields;

const TITLE: f32 = 3.0;
const KEYWORDS: f32 = 2.0;
const BODY: f32 = 1.0;

pub(crate) struct QueryBuilder<'a> {
    pub index: &'a Index,
    pub searcher: &'a Searcher,
    pub fields: Fields,
    pub synonyms: &'a HashMap<String, Vec<String>>,
    pub en: bool,
    /// The analyzers this query has used, taken from the index once.
    pub analyzers: std::cell::RefCell<HashMap<&'static str, tantivy::tokenizer::TextAnalyzer>>,
}

type Clauses = Vec<(Occur, Box<dyn Query>)>;

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, boost))
}

fn should(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

impl QueryBuilder<'_> {
    fn analyze(&self, analyzer: &'static str, text: &str) -> Vec<String> {
        let mut analyzers = self.analyzers.borrow_mut();
        let a = analyzers
            .entry(analyzer)
            .or_insert_with(|| self.index.tokenizers().get(analyzer).expect("registered analyzer"));
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    fn term(&self, field: Field, text: &str) -> Term {
        Term::from_field_text(field, text)
    }

    fn known(&self, field: Field, text: &str) -> bool {
        self.searcher.doc_freq(&self.term(field, text)).unwrap_or(0) > 0
    }

    /// Whether a Swedish stem occurs anywhere in the Swedish texts.
    fn known_sv(&self, stem: &str) -> bool {
        let f = self.fields;
        [f.title_sv, f.keywords_sv, f.body_sv].into_iter().any(|field| self.known(field, stem))
    }

    fn term_query(&self, field: Field, text: &str, boost: f32) -> Box<dyn Query> {
        boosted(Box::new(TermQuery::new(self.term(field, text), IndexRecordOption::WithFreqs)), boost)
    }

    /// A term in a field, if the field has it: absent terms are left out,
    /// so the query stays one flat union of the terms that can match.
    fn present(&self, field: Field, text: &str, boost: f32) -> Option<Box<dyn Query>> {
        self.known(field, text).then(|| self.term_query(field, text, boost))
    }

    /// A Swedish stem's term queries in title, keywords and body (those the index has).
    fn sv_terms(&self, stem: &str, weight: f32) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        [(f.title_sv, TITLE), (f.keywords_sv, KEYWORDS), (f.body_sv, BODY)]
            .into_iter()
            .filter_map(|(field, boost)| self.present(field, stem, boost * weight))
            .collect()
    }

    /// A Swedish stem in title, keywords and body, as one query (for `Must`).
    fn sv_stem(&self, stem: &str, weight: f32) -> Box<dyn Query> {
        let f = self.fields;
        should(vec![
            self.term_query(f.title_sv, stem, TITLE * weight),
            self.term_query(f.keywords_sv, stem, KEYWORDS * weight),
            self.term_query(f.body_sv, stem, BODY * weight),
        ])
    }

    /// All of a phrase's Swedish stems (a synonym, a compound's parts).
    fn sv_all(&self, stems: &[String], weight: f32) -> Option<Box<dyn Query>> {
        if stems.is_empty() || !stems.iter().all(|s| self.known_sv(s)) {
            return None;
        }
        Some(Box::new(BooleanQuery::new(stems.iter().map(|s| (Occur::Must, self.sv_stem(s, weight))).collect())))
    }

    pub fn build(&self, text: &str) -> Option<Box<dyn Query>> {
        let words = analysis::words(text);
        let mut clauses: Clauses = Vec::new();
        let mut content_words = Vec::new();
        for word in &words {
            // Every alternative is a clause of one flat union: a word's
            // score is the sum of its matching forms, as in a nested one,
            // without a union (and its buffers) per word and field.
            let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
            let sv = self.analyze(SV, word);
            if let Some(stem) = sv.first() {
                content_words.push(word.clone());
                alternatives.extend(self.sv_terms(stem, if self.en { 0.6 } else { 1.0 }));
                let known_sv = !alternatives.is_empty();
                let mut known_en = false;
                if self.en {
                    let f = self.fields;
                    for en in self.analyze(EN, word) {
                        let found = [self.present(f.title_en, &en, TITLE), self.present(f.body_en, &en, BODY)];
                        for q in found.into_iter().flatten() {
                            known_en = true;
                            alternatives.push(q);
                        }
                    }
                }
                let mut known = known_sv || known_en;
                // A word typed without diacritics that Swedish texts have as
                // typed is taken as meant; otherwise its folded form is
                // looked for too ("forskola").
                if word.is_ascii() && !known_sv {
                    let f = self.fields;
                    for fold in self.analyze(FOLD, word) {
                        let found = [
                            self.present(f.title_fold, &fold, TITLE * 0.8),
                            self.present(f.text_fold, &fold, BODY * 0.8),
                        ];
                        for q in found.into_iter().flatten() {
                            known = true;
                            alternatives.push(q);
                        }
                    }
                }
                // An English word the English texts know is no Swedish compound.
                if !known_en && let Some(parts) = self.compound_parts(word) {
                    alternatives.push(parts);
                }
                if !known {
                    alternatives.extend(self.fuzzy(word));
                }
            }
            if let Some(words) = self.synonyms.get(word.as_str()) {
                for phrase in words {
                    if let Some(q) = self.sv_all(&self.analyze(SV, phrase), 1.0) {
                        alternatives.push(q);
                    }
                }
            }
            clauses.extend(alternatives.into_iter().map(|q| (Occur::Should, q)));
        }
        for pair in content_words.windows(2) {
            clauses.extend(self.compound_of(&pair[0], &pair[1]).into_iter().map(|q| (Occur::Should, q)));
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// Typo-tolerant forms of a word the index does not know: one edit from
    /// five letters, two from twelve, ignoring diacritics; none for numbers.
    fn fuzzy(&self, word: &str) -> Vec<Box<dyn Query>> {
        // A number one digit off is another number (a postcode, a case).
        if word.chars().any(|c| c.is_ascii_digit()) {
            return Vec::new();
        }
        let distance = match word.chars().count() {
            0..=4 => return Vec::new(),
            5..=11 => 1,
            _ => 2,
        };
        let f = self.fields;
        let fuzzy = |field: Field, text: &str, boost: f32| -> Box<dyn Query> {
            boosted(Box::new(FuzzyTermQuery::new(self.term(field, text), distance, true)), boost)
        };
        // The word as typed against the words as written, not the stems: a
        // typo can change what the stemmer makes of a word.
        let mut out = Vec::new();
        for plain in self.analyze(PLAIN, word) {
            out.push(fuzzy(f.title_plain, &plain, TITLE));
            out.push(fuzzy(f.words, &plain, BODY * 1.5));
        }
        out
    }

    /// A word that is two known words joined (*förskole|plats*, with the
    /// linking letters Swedish uses), as a query for both parts; failing
    /// that, for its longest known part (*lekplats|besiktning* finds
    /// *lekplatser* when no text says *besiktning*).
    fn compound_parts(&self, word: &str) -> Option<Box<dyn Query>> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 7 {
            return None;
        }
        let mut both: Option<(usize, Vec<String>)> = None;
        let mut one: Option<(usize, String)> = None;
        let mut unknown_head: Option<String> = None;
        for split in 3..=chars.len() - 3 {
            let head: String = chars[split..].iter().collect();
            let left: String = chars[..split].iter().collect();
            let head_stem = self.analyze(SV, &head).into_iter().next().filter(|s| self.known_sv(s));
            let left_stem = modifier_forms(&left)
                .into_iter()
                .filter_map(|m| self.analyze(SV, &m).into_iter().next())
                .find(|s| self.known_sv(s));
            match (left_stem, head_stem) {
                (Some(l), Some(h)) => {
                    let balance = split.min(chars.len() - split);
                    if both.as_ref().is_none_or(|(b, _)| balance > *b) {
                        both = Some((balance, vec![l, h]));
                    }
                }
                (left, right) => {
                    let head_unknown = left.is_some();
                    let Some(part) = left.or(right) else { continue };
                    let len = part.chars().count();
                    if len >= 4 && one.as_ref().is_none_or(|(b, _)| len > *b) {
                        unknown_head = head_unknown.then(|| head.clone());
                        one = Some((len, part));
                    }
                }
            }
        }
        match (both, one) {
            (Some((_, stems)), _) => self.sv_all(&stems, 0.8),
            (None, Some((_, stem))) => {
                let mut parts = vec![self.sv_stem(&stem, 0.6)];
                // A head no text has alone may end a compound one has
                // (*skottning* in *snöskottning*).
                if let Some(head) = unknown_head.filter(|h| h.chars().count() >= 6) {
                    for reversed in self.analyze(REVERSED, &head) {
                        let term = self.term(self.fields.words_reversed, &reversed);
                        parts.push(boosted(Box::new(FuzzyTermQuery::new_prefix(term, 0, false)), 4.0));
                    }
                }
                Some(should(parts))
            }
            (None, None) => None,
        }
    }

    /// The compound two neighbouring words make, if the index knows it:
    /// "tillstånd (för) parkering" → "parkeringstillstånd".
    fn compound_of(&self, a: &str, b: &str) -> Vec<Box<dyn Query>> {
        let candidates = [format!("{b}{a}"), format!("{b}s{a}"), format!("{a}{b}"), format!("{a}s{b}")];
        let stems: Vec<String> = candidates
            .iter()
            .filter_map(|c| self.analyze(SV, c).into_iter().next())
            .filter(|s| self.known_sv(s))
            .collect();
        stems.first().map(|first| self.sv_terms(first, 0.8)).unwrap_or_default()
    }
}

/// The forms the first part of a Swedish compound may stand for: as is,
/// without a linking *s*, and with its *e*/*a* ending restored
/// (*förskole* → *förskola*, *skole* → *skola*).
fn modifier_forms(left: &str) -> Vec<String> {
    let mut forms = vec![left.to_owned()];
    if let Some(stripped) = left.strip_suffix('s') {
        forms.push(stripped.to_owned());
    }
    if let Some(stripped) = left.strip_suffix('e') {
        forms.push(format!("{stripped}a"));
        forms.push(stripped.to_owned());
    }
    if let Some(stripped) = left.strip_suffix('a') {
        forms.push(stripped.to_owned());
    }
    forms.retain(|f| f.chars().count() >= 3);
    forms
}
