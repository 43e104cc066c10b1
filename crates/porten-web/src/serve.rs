//! The HTTP server loop, with the limits a public server needs: a time limit
//! for a request's headers and for its body, so a client that never finishes
//! cannot hold a connection for good; a cap on open connections (further
//! clients wait in the listen backlog until one closes) and on those of one
//! client address (trusted proxies exempt), so slow clients at one address
//! cannot take every place; a budget for the request bodies held in memory
//! at once ([`crate::budget`]); and HTTP/1.1 only unless cleartext HTTP/2 is
//! turned on, then with few streams and small windows per connection.
//! Shuts down gracefully: stops accepting, lets open requests finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Limits on what a client may hold.
#[derive(Clone, Debug)]
pub struct ServeLimits {
    /// Time to send a request's headers (also how long an idle connection is kept).
    pub header_timeout: Duration,
    /// Time to send a request's body.
    pub body_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one client address may hold at once; more are closed.
    pub max_connections_per_address: usize,
    /// Addresses exempt from the per-address cap (reverse proxies).
    pub trusted_proxies: Vec<IpAddr>,
    /// Bytes of request bodies all requests together may hold at once.
    pub body_budget_bytes: usize,
    /// Serve cleartext HTTP/2 (prior knowledge) besides HTTP/1.1.
    pub http2: bool,
    /// With `http2`: streams one connection may have open at once.
    pub http2_max_streams: u32,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_address: 64,
            trusted_proxies: Vec::new(),
            body_budget_bytes: 64 * 1024 * 1024,
            http2: false,
            http2_max_streams: 16,
        }
    }
}

/// Per-stream and per-connection HTTP/2 flow-control windows: what a client
/// may send before the server has read it.
const HTTP2_STREAM_WINDOW: u32 = 256 * 1024;
const HTTP2_CONNECTION_WINDOW: u32 = 1024 * 1024;

/// Open connections per client address.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One connection's place in [`PerAddress`], given back when dropped.
struct AddressSlot(Arc<PerAddress>, IpAddr);

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<AddressSlot> {
        let mut open = self.0.lock().expect("per-address lock");
        let n = open.entry(ip).or_default();
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(AddressSlot(self.clone(), ip))
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.0.0.lock().expect("per-address lock");
        if let Some(n) = open.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.1);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let budget = crate::budget::BodyBudget::new(limits.body_budget_bytes);
    tokio::spawn(budget.clone().trim_after_bursts());
    // The budget is the outer layer, so that it sees the body as the client
    // declared it (its length); inside, the body gets its timeout.
    let budget_layer = axum::middleware::from_fn_with_state((budget, limits.body_timeout), crate::budget::limit);
    let router = router.layer(RequestBodyTimeoutLayer::new(limits.body_timeout)).layer(budget_layer);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    if !limits.http2 {
        builder = builder.http1_only();
    }
    // Headers of at most 64 KB a connection (hyper's default allows ~400 KB).
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.header_timeout)
        .max_concurrent_streams(limits.http2_max_streams.max(1))
        .initial_stream_window_size(HTTP2_STREAM_WINDOW)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW)
        .max_send_buf_size(HTTP2_STREAM_WINDOW as usize)
        .max_header_list_size(64 * 1024)
        .max_pending_accept_reset_streams(limits.http2_max_streams as usize);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause, then go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = if limits.trusted_proxies.contains(&peer.ip()) {
            None
        } else {
            match per_address.take(crate::auth::client_key(peer.ip()), limits.max_connections_per_address.max(1)) {
                Some(slot) => Some(slot),
                None => {
                    tracing::warn!(target: "porten::security", event = "connection.refused", reason = "connections per address");
                    continue;
                }
            }
        };
        let router = router.clone();
        let service = tower::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop((permit, slot));
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after 30 s; stopping anyway");
    }
    Ok(())
}
