//! Search over a generated corpus (default 100,000 documents, `BENCH_DOCS`):
//! how long building the index takes, its size on disk and the memory it
//! uses, the latency of the demo city's relevance queries (p50, p99), and
//! how long an edit takes to become searchable.
//!
//! `cargo bench -p porten-search --bench search`
//!
//! The corpus is made of the demo city's own words
//! (`crates/porten/demo/city.toml`), Swedish from its Swedish texts and
//! English from its English ones, each drawn as often as the city uses it,
//! with a fixed seed: titles of 3–8 words, keywords, and bodies of 80–300
//! words, half the documents with an English version too; so term
//! statistics look like a municipal website's, only bigger.

use std::time::{Duration, Instant};

use porten_search::{Doc, DocKind, SearchIndex, SearchQuery};

const CITY: &str = include_str!("../../porten/demo/city.toml");
const RELEVANCE: &str = include_str!("../../porten/demo/relevance.toml");

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
}

/// The Swedish (`…_sv`) and English (`…_en`) texts of the demo city.
fn collect(value: &toml::Value, key: &str, sv: &mut String, en: &mut String) {
    match value {
        toml::Value::String(text) if key.ends_with("_sv") => {
            sv.push_str(text);
            sv.push('\n');
        }
        toml::Value::String(text) if key.ends_with("_en") => {
            en.push_str(text);
            en.push('\n');
        }
        toml::Value::Table(table) => table.iter().for_each(|(k, v)| collect(v, k, sv, en)),
        toml::Value::Array(items) => items.iter().for_each(|v| collect(v, key, sv, en)),
        _ => {}
    }
}

fn main() {
    let n: usize = std::env::var("BENCH_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    // Each language's words, as often as the demo city's texts use them.
    let city: toml::Value = toml::from_str(CITY).unwrap();
    let mut sv_text = String::new();
    let mut en_text = String::new();
    collect(&city, "", &mut sv_text, &mut en_text);
    let tokens = |text: &'static str| -> Vec<&'static str> {
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 3 && w.chars().next().is_some_and(char::is_lowercase))
            .collect()
    };
    let sv_text: &'static str = Box::leak(sv_text.into_boxed_str());
    let en_text: &'static str = Box::leak(en_text.into_boxed_str());
    let words = tokens(sv_text);
    let en_words = tokens(en_text);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pick = |k: usize, rng: &mut Rng, words: &[&str]| {
        (0..k).map(|_| words[rng.below(words.len())]).collect::<Vec<_>>().join(" ")
    };
    let audiences = ["resident", "parent", "pupil", "business", "senior"];
    let units = ["UTF", "SOF", "MF", "SBK", "TK", "KUF", "KC"];
    let dir = tempfile::tempdir().unwrap();
    let rss_before = rss_kib();
    let (index, _) = SearchIndex::open(Some(dir.path())).unwrap();
    let docs: Vec<(String, Option<Doc>)> = (0..n)
        .map(|i| {
            let title_len = 3 + rng.below(6);
            let body_len = 80 + rng.below(220);
            // Half the documents have an English version too.
            let english = i % 2 == 0;
            let doc = Doc {
                key: format!("article:a{i}"),
                kind: DocKind::Article,
                url: format!("/kunskap/a{i}"),
                title_sv: pick(title_len, &mut rng, &words),
                summary_sv: pick(15, &mut rng, &words),
                keywords: (0..4).map(|_| words[rng.below(words.len())].to_owned()).collect(),
                body_sv: pick(body_len, &mut rng, &words),
                title_en: if english { pick(title_len, &mut rng, &en_words) } else { String::new() },
                summary_en: if english { pick(15, &mut rng, &en_words) } else { String::new() },
                body_en: if english { pick(body_len, &mut rng, &en_words) } else { String::new() },
                audiences: vec![audiences[rng.below(5)].into()],
                unit: units[rng.below(units.len())].into(),
                popularity: rng.below(1000) as u64,
                helpfulness: 0.5,
                ..Default::default()
            };
            (doc.key.clone(), Some(doc))
        })
        .collect();
    let t = Instant::now();
    index.apply(docs, 1, true).unwrap();
    let build = t.elapsed();
    let segments = index.segments();
    let size = dir_size(dir.path());

    // The relevance suite's queries, each in its language.
    let cases: toml::Value = toml::from_str(RELEVANCE).unwrap();
    let queries: Vec<(String, String)> = cases["case"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let lang = c.get("lang").and_then(|l| l.as_str()).unwrap_or("sv");
            (c["query"].as_str().unwrap().to_owned(), lang.to_owned())
        })
        .collect();
    let search = |q: &str, lang: &str| {
        let query = SearchQuery { text: q.into(), lang: lang.into(), limit: 10, ..Default::default() };
        index.search_uncached(&query).unwrap()
    };
    for (q, lang) in &queries {
        search(q, lang);
    }
    let rss_after = rss_kib();
    let mut latencies = Vec::new();
    let mut per_query: Vec<(Duration, &str)> = queries.iter().map(|(q, _)| (Duration::ZERO, q.as_str())).collect();
    let t = Instant::now();
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    for _ in 0..rounds {
        for (i, (q, lang)) in queries.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(search(q, lang));
            latencies.push(t.elapsed());
            per_query[i].0 += t.elapsed();
        }
    }
    per_query.sort();
    if std::env::var("BENCH_VERBOSE").is_ok() {
        for (d, q) in per_query.iter().rev().take(8) {
            eprintln!("slowest: {q:?} {:.2} ms", d.as_secs_f64() * 100.0);
        }
    }
    let wall = t.elapsed();
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];

    // An edit: replace one document, commit, reload, and find it.
    let mut edits = Vec::new();
    for i in 0..20 {
        let doc = Doc {
            key: format!("article:a{i}"),
            kind: DocKind::Article,
            url: format!("/kunskap/a{i}"),
            title_sv: format!("Helt ny rubrik xqzedit{i}"),
            body_sv: "Ändrad text.".into(),
            unit: "KC".into(),
            helpfulness: 0.5,
            ..Default::default()
        };
        let t = Instant::now();
        index.apply(vec![(doc.key.clone(), Some(doc))], 2 + i as i64, false).unwrap();
        let found = search(&format!("xqzedit{i}"), "sv");
        edits.push(t.elapsed());
        assert_eq!(found.hits.first().map(|h| h.key.as_str()), Some(format!("article:a{i}").as_str()));
    }
    edits.sort();
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    println!("documents: {n}, queries: {} ({} distinct, the relevance suite's)", latencies.len(), queries.len());
    println!("| measure | value |");
    println!("|---|---:|");
    println!("| build (one commit, merged) | {:.1} s, {segments} segment(s) |", build.as_secs_f64());
    println!("| index on disk | {:.1} MB |", size as f64 / 1e6);
    println!(
        "| memory (RSS growth, index open and warm) | {:.1} MB |",
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0
    );
    println!("| search p50 | {} |", ms(at(0.5)));
    println!("| search p99 | {} |", ms(at(0.99)));
    println!("| search max | {} |", ms(*latencies.last().unwrap()));
    println!("| searches/s, one thread | {:.0} |", latencies.len() as f64 / wall.as_secs_f64());
    println!("| edit → searchable, median of 20 | {} |", ms(edits[edits.len() / 2]));
    println!("| edit → searchable, max | {} |", ms(*edits.last().unwrap()));
}
