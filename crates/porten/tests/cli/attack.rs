//! Issue 17, finding 1, at the level it was found: 48 clients at once each
//! post a 24 MB "photo" with a wrong form token to an e-service step of a
//! real `porten serve`, without signing in. The server's resident memory
//! may grow by at most 300 MB at its peak, and must be back within 100 MB
//! of where it started within ten seconds.

use std::time::{Duration, Instant};

use porten_store::testing::TestDb;

use crate::support::Server;

const CLIENTS: usize = 48;
const BODY_BYTES: usize = 24 * 1024 * 1024;
const PEAK_BOUND: u64 = 300 * 1024 * 1024;
const SETTLED_BOUND: u64 = 100 * 1024 * 1024;

/// A field of `/proc/{pid}/status` in bytes (`VmRSS`, `VmHWM`).
fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    let line = status.lines().find(|l| l.starts_with(field)).expect("field present");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("a number of kB");
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_large_bodies_with_a_bad_token_leaves_memory_bounded() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc on this system to read the server's memory from");
        return;
    }
    let db = TestDb::new().await;
    let eservices = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/eservices");
    let server = Server::start_with(&db.url, &[("PORTEN_ESERVICES_DIR", eservices)]);
    let client = reqwest::Client::new();
    let health = client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert!(health.status().is_success());
    let before = memory(server.pid(), "VmRSS:");

    let mut photo = b"\x89PNG\r\n\x1a\n".to_vec();
    photo.resize(BODY_BYTES, 0x5a);
    let photo: &'static [u8] = Box::leak(photo.into_boxed_slice());
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let client = client.clone();
        let url = format!("{}/e/pothole/x{i}/step/what", server.base);
        tasks.push(tokio::spawn(async move {
            let part = reqwest::multipart::Part::bytes(photo).file_name("a.png").mime_str("image/png").unwrap();
            let form = reqwest::multipart::Form::new().text("csrf", "x").part("photo", part);
            client.post(url).multipart(form).send().await.map(|r| r.status().as_u16())
        }));
    }
    let mut answered = 0;
    for task in tasks {
        // A server may close a connection before it has read the body it refused.
        if let Ok(status) = task.await.unwrap() {
            assert!(status == 400 || status == 503, "refused, not taken: {status}");
            answered += 1;
        }
    }
    eprintln!("{answered} of {CLIENTS} posts answered 400 or 503, the others cut off");
    let peak = memory(server.pid(), "VmHWM:").saturating_sub(before);
    eprintln!("resident before {} MB, peak growth {} MB", before >> 20, peak >> 20);
    assert!(peak <= PEAK_BOUND, "peak growth {} MB over the bound", peak / (1024 * 1024));

    // Memory handed back: poll for up to ten seconds, as an operator would watch it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let settled = loop {
        let grown = memory(server.pid(), "VmRSS:").saturating_sub(before);
        if grown <= SETTLED_BOUND || Instant::now() > deadline {
            break grown;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("growth once settled {} MB", settled >> 20);
    assert!(settled <= SETTLED_BOUND, "still {} MB above the start after ten seconds", settled / (1024 * 1024));
    drop(server);
    db.cleanup().await;
}
