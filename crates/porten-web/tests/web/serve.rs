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
    t.db.cleanup().await;
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
    t.db.cleanup().await;
}
