//! Who is calling: session cookies for pages, bearer API keys for the API,
//! and CSRF protection for every form.
//!
//! CSRF: every form carries a token bound to the visitor's session, an
//! HMAC of the session cookie (or, before sign-in, of a random per-visitor
//! `porten_csrf` cookie) with the installation's secret. Every POST from a
//! page must carry the token of its own session: a token from another
//! session or one the client made up does not match, and signing in changes
//! it. Cookies are `SameSite=Strict`/`Lax`, so another site cannot make a
//! browser send them along with a forged form in the first place; over HTTPS
//! they are `Secure` and named with the `__Host-` prefix.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use porten_app::auth::Principal;
use porten_domain::Actor;

use crate::AppState;
use crate::problem::AppErrorResponse;

pub const SESSION_COOKIE: &str = "porten_session";
pub const CSRF_COOKIE: &str = "porten_csrf";

/// The cookie names in use: over HTTPS with the `__Host-` prefix, which the
/// browser accepts only from a secure origin, for the whole site, without a
/// Domain, so no other host can set them.
#[derive(Clone, Debug)]
pub struct CookieNames {
    pub session: String,
    pub visitor: String,
    secure: bool,
}

impl CookieNames {
    pub fn new(https: bool) -> Self {
        let name = |base: &str| if https { format!("__Host-{base}") } else { base.to_owned() };
        Self { session: name(SESSION_COOKIE), visitor: name(CSRF_COOKIE), secure: https }
    }

    fn secure(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }

    pub fn session_cookie(&self, token: &str) -> String {
        let max_age = porten_app::auth::SESSION_LIFETIME_HOURS * 3600;
        format!("{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", self.session, self.secure())
    }

    pub fn clear_session_cookie(&self) -> String {
        format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", self.session, self.secure())
    }
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The CSRF token of this visitor, to embed in forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Gives every visitor a random id cookie and makes the form token of the
/// visitor's session (or, before sign-in, of that id) available to handlers.
pub async fn csrf_cookie(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let names = &state.cookies;
    let visitor = cookie(req.headers(), &names.visitor).filter(|t| t.len() >= 32).map(str::to_owned);
    let (visitor, fresh) = match visitor {
        Some(v) => (v, false),
        None => (porten_app::auth::new_token(), true),
    };
    let binding = match cookie(req.headers(), &names.session) {
        Some(session) => format!("session {session}"),
        None => format!("visitor {visitor}"),
    };
    // Without the secret (the database is down) no form can be sent.
    let token = match state.form_secret().await {
        Some(secret) => porten_app::auth::form_token(&secret, &binding),
        None => String::new(),
    };
    req.extensions_mut().insert(CsrfToken(token));
    req.extensions_mut().insert(Visitor(porten_app::auth::pseudonym(&visitor)));
    let mut res = next.run(req).await;
    if fresh {
        let value = format!("{}={visitor}; Path=/; HttpOnly; SameSite=Strict{}", names.visitor, names.secure());
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned().unwrap_or_else(|| CsrfToken(String::new())))
    }
}

/// A pseudonym of the visitor's browser (a hash of its random id cookie),
/// for self-service statistics: it cannot be traced back to the cookie.
#[derive(Clone, Debug, Default)]
pub struct Visitor(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Visitor>().cloned().unwrap_or_default())
    }
}

impl CsrfToken {
    /// Constant-time comparison with a submitted form value.
    pub fn matches(&self, submitted: &str) -> bool {
        secret_eq(&self.0, submitted)
    }
}

/// Compares a secret with what a client sent, in time that does not depend
/// on where they differ. An empty secret matches nothing.
pub fn secret_eq(secret: &str, sent: &str) -> bool {
    porten_app::auth::constant_time_eq(secret.as_bytes(), sent.as_bytes())
}

/// The signed-in user of a page request, if any.
pub struct MaybeUser(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, &state.cookies.session) else { return Ok(MaybeUser(None)) };
        Ok(MaybeUser(state.app.session_user(token).await.ok().flatten()))
    }
}

/// The caller of an API request, authenticated by `Authorization: Bearer <API key>`.
pub struct ApiCaller(pub Actor);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppErrorResponse;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(AppErrorResponse::from(porten_app::AppError::Unauthenticated))?;
        let actor = state.app.api_key_actor(bearer).await?;
        tracing::info!(target: "porten::security", event = "apikey.used", key = actor.id());
        Ok(ApiCaller(actor))
    }
}

/// The client's address: the socket's, or, when the socket's peer is a
/// proxy configured as trusted (`WebConfig::trusted_proxies`), the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy. A
/// forwarding header from anyone else is ignored, since the client controls
/// it. `None` when the server runs without connect info, as in tests that
/// call the router directly.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientIp(peer.map(|peer| client_address(peer, &parts.headers, &state.config.trusted_proxies))))
    }
}

fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return client_key(peer);
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let hops: Vec<IpAddr> = forwarded.flat_map(|v| v.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
    client_key(hops.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer))
}

/// A client as the per-address limits count it: an IPv4 address, or the
/// /64 network of an IPv6 address (one subscriber gets a whole /64, so
/// counting each address would let one client be many).
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod client_tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_network_and_an_ipv4_one_by_its_address() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b), "one subscriber's /64");
        assert_ne!(client_key(a), client_key(other));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(client_key(v4), v4);
        assert_eq!(client_key("::ffff:203.0.113.7".parse().unwrap()), v4, "IPv4-mapped counts as IPv4");
    }
}
