//! The analyzers: how text becomes index terms, in each language.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

/// Swedish: lower case, stop words, Snowball stemmer.
pub const SV: &str = "porten_sv";
/// English: lower case, stop words, Snowball stemmer.
pub const EN: &str = "porten_en";
/// Swedish without diacritics: for queries typed without å, ä and ö.
pub const FOLD: &str = "porten_fold";
/// Lower case only, for suggestions by prefix.
pub const PLAIN: &str = "porten_plain";
/// Lower case, each word reversed: a word's ending becomes a prefix, so
/// "ends with *skottning*" is a fast prefix lookup.
pub const REVERSED: &str = "porten_reversed";

fn stop(language: Language) -> StopWordFilter {
    StopWordFilter::new(language).expect("tantivy ships stop words for Swedish and English")
}

/// English stop words: Lucene's list (as tantivy's) and the question words people type
/// ("how do I…", "what does … cost").
fn english_stop() -> StopWordFilter {
    const WORDS: [&str; 49] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with", "how", "much", "do", "does", "what", "where", "when", "who", "can", "i", "my", "me", "you",
        "your", "get", "we",
    ];
    StopWordFilter::remove(WORDS.map(str::to_owned))
}

pub fn register(manager: &TokenizerManager) {
    let base =
        || TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(48)).filter(LowerCaser);
    manager.register(
        SV,
        base().filter(stop(Language::Swedish)).filter(DEFINITE).filter(Stemmer::new(Language::Swedish)).build(),
    );
    manager.register(EN, base().filter(english_stop()).filter(Stemmer::new(Language::English)).build());
    manager.register(
        FOLD,
        base()
            .filter(stop(Language::Swedish))
            .filter(DEFINITE)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::Swedish))
            .build(),
    );
    manager.register(PLAIN, base().filter(AsciiFoldingFilter).build());
    manager.register(REVERSED, base().filter(AsciiFoldingFilter).filter(REVERSE).build());
}

/// A token filter that rewrites each word with a plain function.
#[derive(Clone, Copy)]
pub struct WordFilter(fn(&mut String));

impl TokenFilter for WordFilter {
    type Tokenizer<T: Tokenizer> = WordFilterTokenizer<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordFilterTokenizer<T> {
        WordFilterTokenizer(tokenizer, self.0)
    }
}

#[derive(Clone)]
pub struct WordFilterTokenizer<T>(T, fn(&mut String));

impl<T: Tokenizer> Tokenizer for WordFilterTokenizer<T> {
    type TokenStream<'a> = WordFilterStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordFilterStream(self.0.token_stream(text), self.1)
    }
}

pub struct WordFilterStream<T>(T, fn(&mut String));

impl<T: TokenStream> TokenStream for WordFilterStream<T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        (self.1)(&mut self.0.token_mut().text);
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The Swedish Snowball stemmer leaves the definite *-an* and *-et* on:
/// *förskolan* would not meet *förskola*, nor *avloppet* *avlopp*. This
/// filter takes them off words of five letters or more first (*gatan* → *gat*,
/// *förskolan* → *förskol*, *bygglovet* → *bygglov*), where they are
/// nearly always that ending.
const DEFINITE: WordFilter = WordFilter(|text| {
    if (text.ends_with("an") || text.ends_with("et")) && text.chars().count() >= 5 {
        text.truncate(text.len() - 2);
    }
});

/// Reverses each word (see [`REVERSED`]).
const REVERSE: WordFilter = WordFilter(|text| *text = text.chars().rev().collect());

/// The terms `analyzer` makes of `text`.
pub fn terms(manager: &TokenizerManager, analyzer: &str, text: &str) -> Vec<String> {
    let mut a = manager.get(analyzer).expect("registered analyzer");
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The words of a query, lower-cased, before stop words and stemming. The
/// text is lower-cased before it is split, as the search cache's key is:
/// some letters lower-case to two characters (*İ* to *i* and a combining
/// dot, which is no letter), so the other order could split differently.
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .filter(|w| w.chars().count() <= 48)
        .take(12)
        .collect()
}

/// Text of the knowledge base's Markdown subset, without its marks.
pub fn plain(markdown: &str) -> String {
    markdown.lines().map(|l| l.trim_start_matches('#').trim_start_matches("- ").trim()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_words_meet_in_their_stems_and_without_diacritics() {
        let m = TokenizerManager::default();
        register(&m);
        assert_eq!(terms(&m, SV, "förskolan"), terms(&m, SV, "Förskola"));
        assert_eq!(terms(&m, SV, "hur söker jag"), ["sök"]);
        assert_eq!(terms(&m, FOLD, "forskola"), terms(&m, FOLD, "förskolan"));
        assert_eq!(words("Hur får jag en förskoleplats?"), ["hur", "får", "jag", "en", "förskoleplats"]);
    }

    #[test]
    fn a_query_splits_the_same_however_it_was_lower_cased() {
        // Found by fuzz/ (search_query): İ lower-cases to i and a combining
        // dot, so splitting first gave other words than the cache's key.
        assert_eq!(words("İstanbul"), words(&"İstanbul".to_lowercase()));
    }
}
