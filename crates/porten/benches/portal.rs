//! Public pages' throughput against an axum hello-world page, with the same
//! load (N requests from C clients over keep-alive connections, a returning
//! visitor's cookie) in the same run: the start page, a service page, an
//! article, a search results page and the search API, on the demo city.
//!
//! `cargo bench -p porten --bench portal` (`BENCH_REQUESTS`, default 20000;
//! `BENCH_CONCURRENCY`, default 32). Requests come as from many citizens
//! behind a reverse proxy (`X-Forwarded-For`), as per-address limits apply. Porten runs as `porten serve --demo`
//! in its own process; the hello-world page is served by this benchmark's
//! binary started again as a separate process, so both servers get the same
//! treatment.

#[allow(dead_code)] // the registration helpers are for the other benchmarks
mod common;

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
        .env("PORTEN_LOG", "warn");
    // `BENCH_PORTEN=http://…` measures a server already running (for a profiler).
    let porten = match std::env::var("BENCH_PORTEN") {
        Ok(base) => {
            Process { child: Command::new("true").spawn().unwrap(), base, key: std::env::var("BENCH_KEY").ok() }
        }
        Err(_) => start(porten),
    };
    let mut hello = Command::new(std::env::current_exe().unwrap());
    hello.env("BENCH_HELLO", "1");
    let hello = start(hello);
    let key = porten.key.clone().unwrap();
    let cookie = format!("porten_csrf={}", "v".repeat(43));
    let pages = [
        ("axum hello world", format!("{}/", hello.base)),
        ("start page `/`", format!("{}/", porten.base)),
        ("service page `/services/building-permit`", format!("{}/services/building-permit", porten.base)),
        ("article `/kunskap/behover-jag-bygglov`", format!("{}/kunskap/behover-jag-bygglov", porten.base)),
        ("search page `/sok?q=bygglov`", format!("{}/sok?q=bygglov", porten.base)),
        ("search page `/sok?q=förskoleplats`", format!("{}/sok?q=f%C3%B6rskoleplats", porten.base)),
        ("search API `/api/v1/search?q=bygglov`", format!("{}/api/v1/search?q=bygglov", porten.base)),
        // `{i}` becomes the request's number: every search is new to the cache.
        ("search page, uncached (`/sok?q=bygglov+{i}`)", format!("{}/sok?q=bygglov+{{i}}", porten.base)),
    ];
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let only = std::env::var("BENCH_PAGES").unwrap_or_default();
    let mut results = Vec::new();
    for (name, url) in
        pages.iter().filter(|(name, _)| only.is_empty() || name.contains(&only) || name.contains("hello"))
    {
        let get = {
            let (client, url, cookie, key) = (client.clone(), url.clone(), cookie.clone(), key.clone());
            move |i: usize| {
                let (client, url, cookie, key) = (client.clone(), url.clone(), cookie.clone(), key.clone());
                let url = url.replace("{i}", &i.to_string());
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
