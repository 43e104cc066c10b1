//! E-service submission through HTTP — the citizen's durable form post
//! (`POST /e/pothole/{draft}/submit`: check every answer, register the
//! errand with its answers and file reference, record the submission,
//! delete the draft, queue the receipt mail, one commit) — against API
//! registration (`POST /api/v1/errands`) on the same server and database,
//! in the same run.
//!
//! ```sh
//! cargo bench -p porten --bench eservice_submission                  # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p porten --bench eservice_submission                # PostgreSQL
//! ```
//! `BENCH_ERRANDS` (default 1000) and `BENCH_CONCURRENCY` (default 16) tune it.
//! The drafts are filled in (two step posts each, with a photo) before the
//! clock starts. See BENCHMARKS.md for results.

#[path = "../tests/cli/support.rs"]
#[allow(dead_code)] // shared with the CLI tests; this bench uses part of it
mod support;

mod common;

use common::{env_usize, measure, ms, register};

use porten_store::testing::TestDb;

/// A visitor of the pages: their cookie and the form token that goes with it.
struct Visitor {
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

impl Visitor {
    async fn new(base: &str) -> Visitor {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = client.get(format!("{base}/e/pothole")).send().await.unwrap();
        let cookie = res.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        let page = res.text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let at = page.find(marker).expect("a form") + marker.len();
        let csrf = page[at..].split('"').next().unwrap().to_owned();
        Visitor { client, cookie, csrf }
    }

    async fn post(&self, url: String, citizen: &str, form: reqwest::multipart::Form) -> String {
        let res = self
            .client
            .post(url)
            .header(reqwest::header::COOKIE, &self.cookie)
            .header("x-forwarded-for", citizen)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{:?}", res.text().await);
        res.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned()
    }

    /// Starts a draft and fills in both steps; the draft's submit address.
    /// Each draft comes from a citizen of its own, through the proxy; the
    /// draft's submit address and that citizen's address.
    async fn filled_draft(&self, base: &str, i: usize) -> (String, String) {
        let citizen = format!("10.{}.{}.{}", i / 62500, i / 250 % 250, i % 250 + 1);
        let started = self
            .client
            .post(format!("{base}/e/pothole/start"))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header("x-forwarded-for", &citizen)
            .form(&[("csrf", &self.csrf)])
            .send()
            .await
            .unwrap();
        let step = started.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned();
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("action", "next")
            .text("address", format!("Sjögatan {i}"));
        let next = self.post(format!("{base}{step}"), &citizen, form).await;
        let photo =
            reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR bild".to_vec()).file_name("hål.png");
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("action", "next")
            .text("fault", "pothole")
            .text("description", "Djupt hål i körbanan utanför nummer 14, cirka 30 cm brett. Farligt för cyklister.")
            .text("email", "test@example.com")
            .part("photo", photo);
        let review = self.post(format!("{base}{next}"), &citizen, form).await;
        (format!("{base}{}", review.replace("/review", "/submit")), citizen)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env_usize("BENCH_ERRANDS", 1000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 16);
    let db = TestDb::new().await;
    let backend = if db.url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" };
    let key = support::prepare(&db).await;
    let definitions = tempfile::tempdir().unwrap();
    std::fs::write(definitions.path().join("pothole.toml"), include_str!("../demo/eservices/pothole.toml")).unwrap();
    let dir = definitions.path().to_str().unwrap().to_owned();
    // The drafts come from a thousand citizens behind the city's proxy (one
    // address may start and submit only so many).
    let settings = tempfile::tempdir().unwrap();
    let config = settings.path().join("porten.toml");
    std::fs::write(&config, "trusted_proxies = [\"127.0.0.1\"]\n").unwrap();
    let config = config.to_str().unwrap().to_owned();
    let server = support::Server::start_with(&db.url, &[("PORTEN_ESERVICES_DIR", &dir), ("PORTEN_CONFIG", &config)]);
    let base = server.base.clone();
    let visitor = std::sync::Arc::new(Visitor::new(&base).await);

    let mut drafts = Vec::with_capacity(n + 50);
    for i in 0..n + 50 {
        drafts.push(visitor.filled_draft(&base, i).await);
    }
    let drafts = std::sync::Arc::new(drafts);
    let client = reqwest::Client::new();
    let api = {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        move |i: usize| register(client.clone(), base.clone(), key.clone(), i)
    };
    let submit = |offset: usize| {
        let (visitor, drafts) = (visitor.clone(), drafts.clone());
        move |i: usize| {
            let (visitor, drafts) = (visitor.clone(), drafts.clone());
            async move {
                let res = visitor
                    .client
                    .post(&drafts[offset + i].0)
                    .header("x-forwarded-for", &drafts[offset + i].1)
                    .header(reqwest::header::COOKIE, &visitor.cookie)
                    .form(&[("csrf", &visitor.csrf)])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 303);
                assert!(res.headers()[reqwest::header::LOCATION].to_str().unwrap().starts_with("/track/"));
            }
        }
    };
    // Warm up both paths, then measure them one after the other.
    measure(50, 4, api.clone()).await;
    measure(50, 4, submit(0)).await;
    let api_run = measure(n, concurrency, api).await;
    let submit_run = measure(n, concurrency, submit(50)).await;
    drop(server);

    println!("backend: {backend}, requests per run: {n}, clients: {concurrency}");
    println!("| run | per second | p50 | p99 | ratio to API registration |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r) in
        [("API registration (`POST /api/v1/errands`)", &api_run), ("e-service submit (form post)", &submit_run)]
    {
        println!(
            "| {name} | {:.0} | {} | {} | {:.2} |",
            r.per_second,
            ms(r.p50),
            ms(r.p99),
            r.per_second / api_run.per_second
        );
    }
    db.cleanup().await;
}
