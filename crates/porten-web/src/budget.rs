//! A budget for the request bodies all requests together may hold in memory
//! at once (issue 17, finding 1). A request with a body reserves what it may
//! read, its declared length capped at the largest body any route accepts,
//! before its handler runs, and gives it back when the handler has answered.
//! A request the budget cannot take waits briefly, then gets 503 with
//! `Retry-After`: memory stays bounded however many clients send at once.
//!
//! After a large body, once no body is in flight, the allocator is asked to
//! hand freed memory back to the system (glibc keeps it in its arenas
//! otherwise), so a burst does not leave the process large.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{Notify, Semaphore};

/// The largest body any route accepts (an e-service step with a file);
/// what a body of unknown length reserves.
pub const LARGEST_BODY_BYTES: usize = crate::eservices::MAX_STEP_BYTES;

/// How long a request waits for room in the budget before it gets 503.
const WAIT: Duration = Duration::from_secs(2);

/// Bodies from this size on make the allocator trim once all are answered.
const TRIM_FROM_BYTES: usize = 1024 * 1024;

/// Budget units are KiB, so that a budget of gigabytes fits the semaphore.
const UNIT: usize = 1024;

#[derive(Clone)]
pub struct BodyBudget(Arc<Inner>);

struct Inner {
    permits: Semaphore,
    total: u32,
    /// A large body was held since the last trim.
    large: AtomicBool,
    idle: Notify,
}

impl BodyBudget {
    pub fn new(bytes: usize) -> Self {
        let total = u32::try_from(bytes.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX);
        Self(Arc::new(Inner {
            permits: Semaphore::new(total as usize),
            total,
            large: AtomicBool::new(false),
            idle: Notify::new(),
        }))
    }

    /// Hands freed memory back to the system after each burst of large
    /// bodies, at most once a second. Runs until the process ends.
    pub async fn trim_after_bursts(self) {
        loop {
            self.0.idle.notified().await;
            if self.0.large.swap(false, Ordering::AcqRel) {
                let _ = tokio::task::spawn_blocking(release_free_memory).await;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// What a request's body may take: nothing for a request without one.
fn reservation(body: &Body) -> usize {
    if body.is_end_stream() {
        return 0;
    }
    let hint = body.size_hint();
    let most = hint.exact().or(hint.upper()).map_or(LARGEST_BODY_BYTES, |n| n as usize);
    most.min(LARGEST_BODY_BYTES)
}

/// The middleware: reserve, run the handler, give back. A request with a
/// body has `deadline` in all to be answered: the body timeout counts the
/// pause between two pieces, so a client sending a byte now and then would
/// otherwise hold its reservation for good.
pub async fn limit(
    State((budget, deadline)): State<(BodyBudget, std::time::Duration)>,
    req: Request,
    next: Next,
) -> Response {
    let bytes = reservation(req.body());
    if bytes == 0 {
        return next.run(req).await;
    }
    let inner = &budget.0;
    let units = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX).min(inner.total);
    let Ok(Ok(permit)) = tokio::time::timeout(WAIT, inner.permits.acquire_many(units)).await else {
        tracing::warn!(target: "porten::security", event = "body.budget", bytes, "request body refused: budget in use");
        return busy();
    };
    let response = match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(target: "porten::security", event = "body.deadline", bytes, "request body too slow");
            StatusCode::REQUEST_TIMEOUT.into_response()
        }
    };
    drop(permit);
    if bytes >= TRIM_FROM_BYTES {
        inner.large.store(true, Ordering::Release);
    }
    if inner.large.load(Ordering::Acquire) && inner.permits.available_permits() == inner.total as usize {
        inner.idle.notify_one();
    }
    response
}

fn busy() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "Porten tar emot många filer just nu. Försök igen om en stund.\n\
         Porten is receiving many files right now. Please try again in a moment.\n",
    )
        .into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// Returns the allocator's free memory to the system.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
