//! Search, from what a citizen types to ranked hits with snippets, on
//! arbitrary text: `SearchIndex::search_uncached` and `SearchIndex::suggest`
//! over an in-memory index of the demo city's services, knowledge articles
//! (five of them internal) and synonyms (crates/porten/demo/city.toml), built
//! once per process. This runs the private query parser
//! (`porten_search::query`: words, stems, diacritic folding, compounds,
//! synonyms, typo tolerance) and the analyzers (`analysis.rs`) the way the
//! portal does; they are not public, so they are fuzzed through the index.
//!
//! The input is the query text (invalid UTF-8 replaced); the language, the
//! filters, the page size and the offset are derived from its bytes, so the
//! corpus stays readable queries. Checks that:
//! - a search never fails; text without a letter or digit finds nothing;
//! - a page holds `min(limit, total - offset)` hits, best first, no internal
//!   one unless asked for, each with a snippet cut from that document's own
//!   texts (marked parts non-empty);
//! - the answer does not change when the text is trimmed and lower-cased,
//!   which the search cache (`SearchIndex::search`, keyed on exactly that)
//!   relies on;
//! - suggestions are at most `limit` (1–20) of the documents' titles.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use porten_search::{Doc, DocKind, SearchIndex, SearchQuery};
use toml::{Table, Value};

struct Demo {
    index: SearchIndex,
    /// Per document key: the texts a snippet may be cut from.
    texts: HashMap<String, Vec<String>>,
    internal: HashSet<String>,
    titles: HashSet<String>,
}

fn s(t: &Table, key: &str) -> String {
    t.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn list(t: &Table, key: &str) -> Vec<String> {
    t.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn tables<'a>(city: &'a Table, key: &str) -> impl Iterator<Item = &'a Table> {
    city.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_table)
}

/// The knowledge base's Markdown without its marks, as porten-search's
/// `analysis::plain` makes it for the stored opening.
fn plain(markdown: &str) -> String {
    markdown.lines().map(|l| l.trim_start_matches('#').trim_start_matches("- ").trim()).collect::<Vec<_>>().join("\n")
}

static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    let city: Table = include_str!("../../crates/porten/demo/city.toml").parse().expect("city.toml is TOML");
    let mut docs = Vec::new();
    // As porten-app's search::service_doc and search::article_doc make them.
    for t in tables(&city, "services") {
        let code = s(t, "code");
        docs.push(Doc {
            key: format!("service:{code}"),
            kind: DocKind::Service,
            url: format!("/services/{code}"),
            title_sv: s(t, "name_sv"),
            keywords: list(t, "keywords_sv"),
            body_sv: s(t, "description_sv"),
            title_en: s(t, "name_en"),
            body_en: s(t, "description_en"),
            audiences: list(t, "audiences"),
            unit: s(t, "unit"),
            helpfulness: 0.5,
            ..Default::default()
        });
    }
    for (i, t) in tables(&city, "kb").enumerate() {
        let slug = s(t, "slug");
        docs.push(Doc {
            key: format!("article:{slug}"),
            kind: DocKind::Article,
            internal: s(t, "visibility") == "internal",
            url: format!("/kunskap/{slug}"),
            title_sv: s(t, "title_sv"),
            summary_sv: s(t, "summary_sv"),
            keywords: list(t, "tags"),
            body_sv: s(t, "body_sv"),
            title_en: s(t, "title_en"),
            summary_en: s(t, "summary_en"),
            body_en: s(t, "body_en"),
            audiences: list(t, "audiences"),
            unit: "KC".into(),
            popularity: (i as u64 * 37) % 500,
            helpfulness: (i % 5) as f64 / 4.0,
        });
    }
    assert!(docs.len() > 50, "the demo city has its services and articles");
    let (index, _) = SearchIndex::open(None).expect("an index in memory");
    let mut texts = HashMap::new();
    let mut internal = HashSet::new();
    let mut titles = HashSet::new();
    for d in &docs {
        texts.insert(
            d.key.clone(),
            vec![
                format!("{}\n{}", d.summary_sv, plain(&d.body_sv)),
                format!("{}\n{}", d.summary_en, plain(&d.body_en)),
                d.summary_sv.clone(),
                d.summary_en.clone(),
            ],
        );
        if d.internal {
            internal.insert(d.key.clone());
        }
        titles.insert(d.title_sv.clone());
        titles.insert(d.title_en.clone());
    }
    index.apply(docs.into_iter().map(|d| (d.key.clone(), Some(d))).collect(), 1, true).expect("indexed");
    index.set_synonyms(tables(&city, "synonyms").map(|t| (s(t, "term"), list(t, "words"))));
    Demo { index, texts, internal, titles }
});

fuzz_target!(|data: &[u8]| {
    let demo = &*DEMO;
    let text = String::from_utf8_lossy(data).into_owned();
    // The knobs, from the bytes: any query text tries them all in time.
    let h = data.iter().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193));
    let q = SearchQuery {
        text,
        lang: if h & 1 == 1 { "en" } else { "sv" }.into(),
        include_internal: h & 2 == 2,
        audience: (h & 4 == 4).then(|| "resident".into()),
        unit: (h & 8 == 8).then(|| if h & 16 == 16 { "KC" } else { "TK" }.into()),
        limit: (h >> 5) as usize % 12,
        offset: if h & (7 << 9) == 0 { (h >> 12) as usize % 60 } else { 0 },
    };
    let results = demo.index.search_uncached(&q).expect("a search does not fail");
    let hits = &results.hits;

    if !q.text.chars().any(char::is_alphanumeric) {
        assert!(hits.is_empty() && results.total == 0, "no words, no hits");
    }
    let limit = q.limit.clamp(1, 100);
    assert_eq!(hits.len(), limit.min(results.total.saturating_sub(q.offset)), "a page of the matches");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "best first");
    for hit in hits {
        assert!(q.include_internal || !demo.internal.contains(&hit.key), "{} is internal", hit.key);
        assert_eq!(hit.internal, demo.internal.contains(&hit.key));
        let snippet: String = hit.snippet.iter().map(|s| s.text.as_str()).collect();
        assert!(hit.snippet.iter().all(|s| !s.mark || !s.text.is_empty()), "an empty marked part");
        let texts = &demo.texts[&hit.key];
        assert!(texts.iter().any(|t| t.contains(&snippet)), "{}: snippet {snippet:?} is not from its texts", hit.key);
    }

    // The search cache answers from a key of the trimmed, lower-cased text.
    let normalised = SearchQuery { text: q.text.trim().to_lowercase(), ..q.clone() };
    if normalised.text != q.text {
        let again = demo.index.search_uncached(&normalised).expect("a search does not fail");
        assert_eq!(again, results, "{:?} and {:?} share a cache entry but not an answer", q.text, normalised.text);
    }

    let suggest_limit = (h >> 16) as usize % 25;
    let suggestions = demo.index.suggest(&q.text, &q.lang, q.include_internal, suggest_limit).expect("suggestions");
    assert!(suggestions.len() <= suggest_limit.clamp(1, 20));
    assert!(suggestions.iter().all(|s| demo.titles.contains(&s.title)), "a suggestion is a title");
});
