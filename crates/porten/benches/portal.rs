//! Public pages' throughput against an axum hello-world page, with the same
//! load (N requests from C clients over keep-alive connections, a returning
//! visitor's cookie) in the same run: the start page, a service page, an
//! article, a search results page and the search API, on the demo city.
//!
//! `cargo bench -p porten --bench portal` (`BENCH_REQUESTS`, default 20000;
//! `BENCH_CONCURRENCY`, default 32). With `BENCH_CORPUS=100000` the demo
//! city first gets that many generated articles (`corpus/mod.rs` of the
//! search benchmark), and the searches are the relevance suite's queries,
//! answered from the cache and new to it. Requests come as from many citizens
//! behind a reverse proxy (`X-Forwarded-For`), as per-address limits apply. Porten runs as `porten serve --demo`
//! in its own process; the hello-world page is served by this benchmark's
//! binary started again as a separate process, so both servers get the same
//! treatment.

#[allow(dead_code)] // the registration helpers are for the other benchmarks
mod common;
#[path = "../../porten-search/benches/corpus/mod.rs"]
mod corpus;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{env_usize, measure, ms};

struct Process {
    child: Child,
    base: String,
    key: Option<String>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server and reads its address (and the demo API key) from its output.
#[allow(clippy::zombie_processes)] // the child is waited for when its `Process` drops
fn start(mut command: Command) -> Process {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut key = None;
    loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if let Some(k) = line.strip_prefix("demo api key: ") {
            key = Some(k.to_owned());
        }
        if let Some(base) = line.strip_prefix("porten listening on ") {
            std::thread::spawn(move || lines.for_each(drop));
            return Process { child, base: base.to_owned(), key };
        }
    }
}

/// The hello-world server: `BENCH_HELLO=1` runs this binary as one.
async fn hello() {
    let app =
        axum::Router::new().route("/", axum::routing::get(|| async { axum::response::Html("<p>Hello, world!</p>") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("porten listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var("BENCH_HELLO").is_ok() {
        return hello().await;
    }
    let n = env_usize("BENCH_REQUESTS", 20_000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 32);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/portal.db", dir.path().display());
    // Citizens come through a reverse proxy, each from their own address
    // (X-Forwarded-For), so per-address limits count them one by one.
    let config = dir.path().join("porten.toml");
    std::fs::write(&config, "trusted_proxies = [\"127.0.0.1\"]\n").unwrap();
    let porten_command = || {
        let mut porten = Command::new(env!("CARGO_BIN_EXE_porten"));
        porten
            .args([
                "--config",
                config.to_str().unwrap(),
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
            ])
            .env("PORTEN_LOG", "warn")
            .env("PORTEN_SEARCH_DIR", dir.path().join("search"));
        porten
    };
    let corpus_size = env_usize("BENCH_CORPUS", 0);
    if corpus_size > 0 {
        drop(start(porten_command())); // the demo city
        seed(&url, corpus_size).await;
        // The node rebuilds its index from the database at its first search.
        std::fs::remove_dir_all(dir.path().join("search")).unwrap();
    }
    // `BENCH_PORTEN=http://…` measures a server already running (for a profiler).
    let porten = match std::env::var("BENCH_PORTEN") {
        Ok(base) => {
            Process { child: Command::new("true").spawn().unwrap(), base, key: std::env::var("BENCH_KEY").ok() }
        }
        Err(_) => start(porten_command()),
    };
    if corpus_size > 0 {
        let t = std::time::Instant::now();
        let res = reqwest::get(format!("{}/sok?q=bygglov", porten.base)).await.unwrap();
        assert_eq!(res.status(), 200);
        println!(
            "index of {corpus_size} generated articles and the demo built at the first search in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let mut hello = Command::new(std::env::current_exe().unwrap());
    hello.env("BENCH_HELLO", "1");
    let hello = start(hello);
    let key = porten.key.clone().unwrap();
    let cookie = format!("porten_csrf={}", "v".repeat(43));
    let mut pages = vec![
        ("axum hello world", format!("{}/", hello.base)),
        ("start page `/`", format!("{}/", porten.base)),
        ("service page `/services/building-permit`", format!("{}/services/building-permit", porten.base)),
        ("article `/kunskap/behover-jag-bygglov`", format!("{}/kunskap/behover-jag-bygglov", porten.base)),
        ("search page `/sok?q=bygglov`", format!("{}/sok?q=bygglov", porten.base)),
        ("search page `/sok?q=förskoleplats`", format!("{}/sok?q=f%C3%B6rskoleplats", porten.base)),
        ("search API `/api/v1/search?q=bygglov`", format!("{}/api/v1/search?q=bygglov", porten.base)),
        // `{i}` becomes the request's number: every search is new to the cache.
        ("search page, uncached (`/sok?q=bygglov+{i}`)", format!("{}/sok?q=bygglov+{{i}}", porten.base)),
        // `{q}` becomes the relevance suite's queries in turn, with their language.
        ("search page, the relevance queries in turn", format!("{}/sok?q={{q}}&lang={{lang}}", porten.base)),
        ("search page, the relevance queries, uncached", format!("{}/sok?q={{q}}+{{i}}&lang={{lang}}", porten.base)),
        (
            "search API, the relevance queries, uncached",
            format!("{}/api/v1/search?q={{q}}+{{i}}&lang={{lang}}", porten.base),
        ),
    ];
    if corpus_size > 0 {
        pages.retain(|(name, _)| name.contains("hello") || name.contains("relevance"));
    }
    // Each query, encoded for a URL, with its language.
    let queries: std::sync::Arc<Vec<(String, String)>> = std::sync::Arc::new(
        corpus::queries()
            .into_iter()
            .map(|(q, lang)| {
                let mut url = reqwest::Url::parse("http://x/").unwrap();
                url.query_pairs_mut().append_pair("q", &q);
                (url.query().unwrap()[2..].to_owned(), lang)
            })
            .collect(),
    );
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let only = std::env::var("BENCH_PAGES").unwrap_or_default();
    let mut results = Vec::new();
    for (name, url) in
        pages.iter().filter(|(name, _)| only.is_empty() || name.contains(&only) || name.contains("hello"))
    {
        let get = {
            let (client, url, cookie, key) = (client.clone(), url.clone(), cookie.clone(), key.clone());
            let queries = queries.clone();
            move |i: usize| {
                let (client, url, cookie, key) = (client.clone(), url.clone(), cookie.clone(), key.clone());
                let (q, lang) = &queries[i % queries.len()];
                let url = url.replace("{q}", q).replace("{lang}", lang).replace("{i}", &i.to_string());
                async move {
                    let citizen = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                    let mut req = client.get(&url).header("cookie", &cookie).header("x-forwarded-for", citizen);
                    if url.contains("/api/") {
                        req = req.bearer_auth(&key);
                    }
                    let res = req.send().await.unwrap();
                    assert_eq!(res.status(), 200, "{url}");
                    let _ = res.bytes().await.unwrap();
                }
            }
        };
        measure(n / 10, concurrency, get.clone()).await; // warm-up
        results.push((name, measure(n, concurrency, get).await));
    }
    let baseline = results[0].1.per_second;
    println!("requests per page: {n}, clients: {concurrency}");
    println!("| page | requests/s | p50 | p99 | share of hello world |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r) in &results {
        println!(
            "| {name} | {:.0} | {} | {} | {:.0} % |",
            r.per_second,
            ms(r.p50),
            ms(r.p99),
            100.0 * r.per_second / baseline
        );
    }
}

/// Saves and publishes `n` generated articles straight into the store.
async fn seed(url: &str, n: usize) {
    use porten_domain::knowledge::{NewArticle, RawArticle};
    let store = porten_store::open(url).await.unwrap();
    let mut views = Vec::new();
    let articles: Vec<NewArticle> = corpus::pages(n)
        .enumerate()
        .map(|(i, page)| {
            views.push((format!("generated-{i}"), page.popularity));
            let optional = |text: String| (!text.is_empty()).then_some(text);
            NewArticle::parse(&RawArticle {
                slug: format!("generated-{i}"),
                unit: page.unit.into(),
                topic: None,
                visibility: "public".into(),
                title_sv: page.title_sv,
                summary_sv: page.summary_sv,
                body_sv: page.body_sv,
                title_en: optional(page.title_en),
                summary_en: optional(page.summary_en),
                body_en: optional(page.body_en),
                keywords: page.keywords,
                audiences: vec![page.audience.into()],
                services: Vec::new(),
            })
            .unwrap()
        })
        .collect();
    let articles = std::sync::Arc::new(articles);
    let t = std::time::Instant::now();
    let saving = store.clone();
    measure(n, 64, move |i| {
        let (store, articles) = (saving.clone(), articles.clone());
        async move {
            store.save_article(&articles[i], None, true, chrono::Utc::now()).await.unwrap();
        }
    })
    .await;
    store.add_article_views(&views).await.unwrap();
    println!("{n} generated articles saved and published in {:.1} s", t.elapsed().as_secs_f64());
}
