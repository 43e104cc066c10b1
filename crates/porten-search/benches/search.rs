//! Search over a generated corpus (default 100,000 documents, `BENCH_DOCS`):
//! how long building the index takes, its size on disk and the memory it
//! uses, the latency of the demo city's relevance queries (p50, p99), and
//! how long an edit takes to become searchable.
//!
//! `cargo bench -p porten-search --bench search`
//!
//! The corpus is described in `corpus/mod.rs`.

mod corpus;

use std::time::{Duration, Instant};

use porten_search::{Doc, DocKind, SearchIndex, SearchQuery};

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

fn main() {
    let n: usize = std::env::var("BENCH_DOCS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    // BENCH_INDEX_DIR keeps the index between runs (built when missing).
    let temp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("BENCH_INDEX_DIR").map(std::path::PathBuf::from);
    let dir = kept.as_deref().unwrap_or(temp.path());
    let rss_before = rss_kib();
    let (index, position) = SearchIndex::open(Some(dir)).unwrap();
    let docs = || -> Vec<(String, Option<Doc>)> {
        corpus::pages(n)
            .enumerate()
            .map(|(i, page)| {
                let doc = Doc {
                    key: format!("article:a{i}"),
                    kind: DocKind::Article,
                    url: format!("/kunskap/a{i}"),
                    title_sv: page.title_sv,
                    summary_sv: page.summary_sv,
                    keywords: page.keywords,
                    body_sv: page.body_sv,
                    title_en: page.title_en,
                    summary_en: page.summary_en,
                    body_en: page.body_en,
                    audiences: vec![page.audience.into()],
                    unit: page.unit.into(),
                    popularity: page.popularity,
                    helpfulness: 0.5,
                    ..Default::default()
                };
                (doc.key.clone(), Some(doc))
            })
            .collect()
    };
    let mut build = Duration::ZERO;
    if position.is_none() {
        let batch = docs();
        let t = Instant::now();
        index.apply(batch, 1, true).unwrap();
        build = t.elapsed();
    }
    let segments = index.segments();
    let size = dir_size(dir);

    let queries = corpus::queries();
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
    let at = |p: f64| {
        let last = latencies.len().saturating_sub(1) as f64;
        latencies.get((last * p).round() as usize).copied().unwrap_or_default()
    };

    // An edit: replace one document, commit, reload, and find it.
    // BENCH_EDITS=0 leaves a kept index as it was built.
    let edit_count: usize = std::env::var("BENCH_EDITS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut edits = Vec::new();
    for i in 0..edit_count {
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
    println!("| search max | {} |", ms(at(1.0)));
    println!("| searches/s, one thread | {:.0} |", latencies.len() as f64 / wall.as_secs_f64());
    if let Some(max) = edits.last() {
        println!("| edit → searchable, median of {} | {} |", edits.len(), ms(edits[edits.len() / 2]));
        println!("| edit → searchable, max | {} |", ms(*max));
    }
}
