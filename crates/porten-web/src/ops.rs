//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`, plus request metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new().get("/healthz", healthz).get("/readyz", readyz).get("/metrics", metrics)
}

/// Installs the process-wide Prometheus recorder. Call once at start-up.
pub fn install_metrics() -> Option<PrometheusHandle> {
    PrometheusBuilder::new().install_recorder().ok()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.healthy().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let sent =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !sent.is_some_and(|s| crate::auth::secret_eq(token, s)) {
            let mut res = (StatusCode::UNAUTHORIZED, "send the metrics token as a bearer token").into_response();
            res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            return res;
        }
    }
    match &state.metrics {
        Some(handle) => {
            record_feed_lag(&state).await;
            record_mail_backlog(&state).await;
            handle.render().into_response()
        }
        None => (StatusCode::NOT_FOUND, "metrics are disabled").into_response(),
    }
}

/// The errand feed's lag, read when the metrics are: per durable consumer,
/// this node's errand index, and (PostgreSQL) the oldest transaction that
/// holds the feed back.
async fn record_feed_lag(state: &AppState) {
    let actor = porten_domain::Actor::System { name: "metrics".into() };
    match state.app.feed_status(&actor).await {
        Ok(status) => {
            for (consumer, lag) in status.consumers {
                metrics::gauge!("porten_feed_consumer_lag_seconds", "consumer" => consumer).set(lag);
            }
            metrics::gauge!("porten_feed_errand_index_lag_seconds").set(status.errand_index_lag_seconds);
            metrics::gauge!("porten_db_oldest_transaction_seconds")
                .set(status.oldest_transaction_seconds.unwrap_or(0.0));
        }
        Err(e) => tracing::warn!(error = %e, "reading the errand feed's lag"),
    }
}

/// The mail waiting in the outbox, read when the metrics are: how many,
/// and the age of the oldest (an alert on it finds a relay that is down).
async fn record_mail_backlog(state: &AppState) {
    let actor = porten_domain::Actor::System { name: "metrics".into() };
    match state.app.mail_backlog(&actor).await {
        Ok((waiting, oldest)) => {
            metrics::gauge!("porten_mail_waiting").set(waiting as f64);
            metrics::gauge!("porten_mail_oldest_waiting_seconds").set(oldest);
        }
        Err(e) => tracing::warn!(error = %e, "reading the mail outbox's backlog"),
    }
}

/// Counts requests and their latency by route template (never by raw path,
/// which could carry ids) and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    // Only known methods become label values, so clients cannot create unbounded series.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let start = Instant::now();
    let res = next.run(req).await;
    if matches!(res.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        // A security event: the route template and method only, never ids or who.
        tracing::warn!(target: "porten::security", event = "access.refused", status = res.status().as_u16(), %method, %route);
    }
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("porten_http_requests_total", &labels).increment(1);
    metrics::histogram!("porten_http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    res
}
