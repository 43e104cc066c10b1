//! Durable errand registration through the HTTP API, against a raw durable
//! insert loop of the same rows on the same database, in the same run.
//!
//! ```sh
//! cargo bench -p porten --bench registration                      # SQLite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p porten --bench registration                    # PostgreSQL
//! ```
//! `BENCH_ERRANDS` (default 2000) and `BENCH_CONCURRENCY` (default 16) tune it.
//! See BENCHMARKS.md for results.

#[path = "../tests/cli/support.rs"]
mod support;

mod common;

use common::{Run, env_usize, errand_body, measure, ms, register, summarize};

use std::time::Instant;

use porten_store::testing::TestDb;
use sqlx::Connection;

async fn http_run(base: &str, key: &str, n: usize, concurrency: usize) -> Run {
    let (client, base, key) = (reqwest::Client::new(), base.to_owned(), key.to_owned());
    measure(n, concurrency, move |i| register(client.clone(), base.clone(), key.clone(), i)).await
}

/// The baseline: one INSERT of the same fields per committed transaction, on
/// one connection with the same durability settings, no HTTP, no validation.
async fn raw_run(url: &str, n: usize) -> Run {
    const CREATE: &str = "CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, public_id TEXT NOT NULL, service_code TEXT NOT NULL, \
        title TEXT NOT NULL, description TEXT NOT NULL, channel TEXT NOT NULL, party TEXT NOT NULL, created_at BIGINT NOT NULL)";
    const INSERT: &str = "INSERT INTO bench_raw (id, public_id, service_code, title, description, channel, party, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let mut latencies = Vec::with_capacity(n);
    let start;
    macro_rules! inserts {
        ($conn:expr) => {{
            sqlx::query(CREATE).execute(&mut $conn).await.unwrap();
            start = Instant::now();
            for i in 0..n {
                let b = errand_body(i);
                let t = Instant::now();
                let mut tx = $conn.begin().await.unwrap();
                sqlx::query(INSERT)
                    .bind(i as i64)
                    .bind(format!("{i:026}"))
                    .bind("pothole")
                    .bind(b["title"].as_str().unwrap())
                    .bind(b["description"].as_str().unwrap())
                    .bind("web")
                    .bind(b["stakeholders"].to_string())
                    .bind(i as i64)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                latencies.push(t.elapsed());
            }
        }};
    }
    if url.starts_with("sqlite:") {
        use std::str::FromStr;
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .unwrap()
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        inserts!(conn);
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        inserts!(conn);
    }
    summarize(latencies, start.elapsed())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env_usize("BENCH_ERRANDS", 2000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 16);
    let db = TestDb::new().await;
    let backend = if db.url.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" };
    let key = support::prepare(&db).await;
    let server = support::Server::start(&db.url);
    let base = server.base.clone();

    // Warm up connections and caches, then measure.
    http_run(&base, &key, 50, 4).await;
    let raw = raw_run(&db.url, n).await;
    let serial = http_run(&base, &key, n, 1).await;
    let parallel = http_run(&base, &key, n, concurrency).await;
    drop(server);

    println!("backend: {backend}, errands per run: {n}");
    println!("| run | errands/s | p50 | p99 | ratio to raw insert loop |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| raw durable INSERT loop, 1 connection | {:.0} | {} | {} | 1.00 |",
        raw.per_second,
        ms(raw.p50),
        ms(raw.p99)
    );
    for (name, r) in [("HTTP API, 1 client", &serial), (&*format!("HTTP API, {concurrency} clients"), &parallel)] {
        println!(
            "| {name} | {:.0} | {} | {} | {:.2} |",
            r.per_second,
            ms(r.p50),
            ms(r.p99),
            r.per_second / raw.per_second
        );
    }
    db.cleanup().await;
}
