//! The server loop's limits (issue 8, finding 8), on a real socket: a client
//! that never finishes its headers is cut off, and connections beyond the cap
//! wait until one closes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::TestApp;

async fn start(t: &TestApp, limits: porten_web::ServeLimits) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = porten_web::router(porten_web::AppState::new(t.app.clone(), porten_web::WebConfig::default(), None));
    tokio::spawn(porten_web::serve(listener, router, limits, std::future::pending()));
    addr
}

/// Reads until the server closes the connection (or a minute passes).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut buf)).await.expect("closed in time");
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let t = TestApp::new().await;
    let limits = porten_web::ServeLimits { header_timeout: Duration::from_millis(500), ..Default::default() };
    let addr = start(&t, limits).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\nX-Slow: ").await.unwrap();
    let answer = read_to_close(&mut slow).await;
    assert!(!answer.contains("200 OK"), "the request was never completed: {answer}");
    t.cleanup().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_for_one_to_close() {
    let t = TestApp::new().await;
    let limits = porten_web::ServeLimits { max_connections: 1, ..Default::default() };
    let addr = start(&t, limits).await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\n").await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    second.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\nConnection: close\r\n\r\n").await.unwrap();
    // While the first connection holds the only place, the second gets nothing.
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), second.read(&mut byte)).await;
    assert!(early.is_err(), "answered while the first connection was still open");
    drop(first);
    let answer = read_to_close(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "served once the first connection had gone: {answer}");
    t.cleanup().await;
}

#[tokio::test]
async fn cleartext_http2_is_served_only_when_turned_on() {
    let t = TestApp::new().await;
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
    for (http2, answers) in [(false, false), (true, true)] {
        let addr = start(&t, porten_web::ServeLimits { http2, ..Default::default() }).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(PREFACE).await.unwrap();
        let mut head = [0u8; 9];
        let read = tokio::time::timeout(Duration::from_secs(30), client.read_exact(&mut head)).await.unwrap();
        // An HTTP/2 server's first frame is its SETTINGS (type 4); an
        // HTTP/1.1-only server answers 400 or closes.
        let settings = read.is_ok() && head[3] == 4 && !head.starts_with(b"HTTP/1.1");
        assert_eq!(settings, answers, "http2 = {http2}: {head:?}");
    }
    t.cleanup().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let t = TestApp::new().await;
    let limits = porten_web::ServeLimits { max_connections_per_address: 2, ..Default::default() };
    let addr = start(&t, limits).await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\nX-Slow: ").await.unwrap();
        slow.push(s);
    }
    let mut third = TcpStream::connect(addr).await.unwrap();
    let _ = third.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\nConnection: close\r\n\r\n").await;
    assert_eq!(read_to_close(&mut third).await, "", "closed unanswered while the address holds its two");
    slow.pop();
    // The slot is given back when the server sees the close; a new client gets in once it has.
    let answer = loop {
        let mut next = TcpStream::connect(addr).await.unwrap();
        let _ = next.write_all(b"GET /healthz HTTP/1.1\r\nHost: porten\r\nConnection: close\r\n\r\n").await;
        let answer = read_to_close(&mut next).await;
        if !answer.is_empty() {
            break answer;
        }
        tokio::task::yield_now().await;
    };
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    t.cleanup().await;
}

#[tokio::test]
async fn request_bodies_beyond_the_budget_get_503_and_retry_after() {
    let t = TestApp::new().await;
    let limits = porten_web::ServeLimits { body_budget_bytes: 1024 * 1024, ..Default::default() };
    let addr = start(&t, limits).await;
    // A client that announces a body of the whole budget and sends none of it yet.
    let mut holder = TcpStream::connect(addr).await.unwrap();
    holder
        .write_all(
            b"POST /e/pothole/x/step/what HTTP/1.1\r\nHost: porten\r\n\
              Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1048576\r\n\r\n",
        )
        .await
        .unwrap();
    let post = b"POST /login HTTP/1.1\r\nHost: porten\r\nConnection: close\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 28\r\n\r\n\
                 csrf=x&username=a&password=b";
    let mut other = TcpStream::connect(addr).await.unwrap();
    other.write_all(post).await.unwrap();
    let refused = read_to_close(&mut other).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.to_lowercase().contains("retry-after: 5"), "{refused}");
    // Once the holder is gone, the budget is free again.
    drop(holder);
    let answer = loop {
        let mut next = TcpStream::connect(addr).await.unwrap();
        next.write_all(post).await.unwrap();
        let answer = read_to_close(&mut next).await;
        if !answer.starts_with("HTTP/1.1 503") {
            break answer;
        }
    };
    assert!(answer.starts_with("HTTP/1.1 400"), "the form was read, and its forged token refused: {answer}");
    t.cleanup().await;
}

#[tokio::test]
async fn slow_bodies_hold_only_what_they_declare_and_only_until_the_deadline() {
    // The re-attack of issue 17: two connections each declaring a 100-byte
    // form and sending it a byte at a time must not make others wait for
    // the budget, and a body still unfinished at the deadline is cut off.
    let t = TestApp::new().await;
    let limits = porten_web::ServeLimits { body_timeout: Duration::from_secs(3), ..Default::default() };
    let addr = start(&t, limits).await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /login HTTP/1.1\r\nHost: porten\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nc")
            .await
            .unwrap();
        slow.push(s);
    }
    for path in ["/healthz", "/", "/sok?q=h%C3%A5l"] {
        let mut other = TcpStream::connect(addr).await.unwrap();
        other
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: porten\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let answer = read_to_close(&mut other).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {}", answer.lines().next().unwrap_or_default());
    }
    // Kept alive a byte at a time, the slow body still ends at the deadline (3 s).
    let mut first = slow.remove(0);
    let answer = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if first.write_all(b"x").await.is_err() {
                break String::new();
            }
            let mut buf = [0u8; 64];
            match tokio::time::timeout(Duration::from_millis(500), first.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break String::new(),
                Ok(Ok(n)) => break String::from_utf8_lossy(&buf[..n]).into_owned(),
                Err(_) => {}
            }
        }
    })
    .await
    .expect("cut off by the deadline");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    t.cleanup().await;
}
