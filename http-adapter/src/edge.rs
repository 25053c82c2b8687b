//! The edge middleware every request passes: request id, client address,
//! timeout, problem rendering, security headers, metrics and the request log.

use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use agentmart_core::{ClientInfo, ErrorCode};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use tracing::Instrument;

use crate::problem::{ApiError, PROBLEM_JSON};
use crate::state::AppState;

/// The header carrying the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request (a caller's sane `x-request-id`, else a fresh UUIDv7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The strict CSP of API answers: nothing may be loaded or framed.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Accepts a caller's request id when it is 1–128 characters of `[A-Za-z0-9._:-]`.
fn accept_request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then(|| value.to_string())
}

/// The client's IP: the socket's peer, or — only when the peer is a trusted
/// proxy — the right-most address of `X-Forwarded-For` that is not itself a
/// trusted proxy.
///
/// The walk goes right to left, the order in which proxies appended the hops.
/// A hop that is not an address (`unknown`, an obfuscated RFC 7239 name,
/// garbage) was not written by a proxy we trust, so it is untrusted: the walk
/// stops there and the client's address is unknown (`None`). It never falls
/// back to the proxy's own address, which would put every client behind that
/// proxy into one rate-limit and throttling key. A hop may carry a port
/// (`198.51.100.4:5123`, `[2001:db8::1]:443`), as some load balancers write.
pub(crate) fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
    walk_forwarded(&state.options.trusted_proxies, headers, peer?)
}

/// [`client_ip`] for a known peer and list of trusted proxies.
pub(crate) fn walk_forwarded(trusted: &[ipnet::IpNet], headers: &HeaderMap, peer: IpAddr) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // Header lines right to left, then each line's hops right to left; a line
    // that is not text counts as one unparsable hop.
    let lines: Vec<Option<&str>> = headers.get_all("x-forwarded-for").iter().map(|v| v.to_str().ok()).collect();
    let mut client = peer;
    for line in lines.into_iter().rev() {
        for hop in line?.rsplit(',') {
            let hop = hop.trim();
            if hop.is_empty() {
                continue;
            }
            client = parse_hop(hop)?;
            if !is_trusted(&client) {
                return Some(client);
            }
        }
    }
    Some(client)
}

/// One `X-Forwarded-For` hop: an address, optionally with a port.
pub(crate) fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The warning logged (once per router) when requests arrive without `ConnectInfo`.
pub(crate) const NO_PEER_WARNING: &str = "requests arrive without ConnectInfo<SocketAddr>, so client addresses are \
unknown: the per-IP rate limit cannot count them and login throttling applies only its account-wide budget to them; \
serve the router with `into_make_service_with_connect_info::<SocketAddr>()`";

fn client_info(state: &AppState, req: &Request) -> ClientInfo {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if peer.is_none() && !state.warned_no_peer.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!("{NO_PEER_WARNING}");
    }
    let ip = client_ip(state, req.headers(), peer).map(|ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect::<String>());
    ClientInfo { client_key: ip.clone(), ip, user_agent }
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    headers.entry(name).or_insert(value);
}

/// The edge middleware (see the module docs).
pub(crate) async fn edge(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = accept_request_id(req.headers()).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let route_label = route.as_deref().unwrap_or("unmatched").to_owned();
    let client = client_info(&state, &req);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route_label,
        path = %req.uri().path(),
        client_ip = client.ip.as_deref().unwrap_or("-"),
    );
    req.extensions_mut().insert(RequestId(request_id.clone()));
    req.extensions_mut().insert(client);

    let timeout = state.options.request_timeout;
    let handled = async move {
        match timeout {
            Some(limit) => match tokio::time::timeout(limit, next.run(req)).await {
                Ok(response) => response,
                Err(_) => ApiError::timeout().into_response(),
            },
            None => next.run(req).await,
        }
    };
    // A panic anywhere below becomes a `500 internal` problem with the request
    // id, logged with its location, instead of a dropped connection. The
    // handler's state is dropped with the unwound future, so nothing
    // half-done is observed afterwards (`AssertUnwindSafe` is sound here).
    let mut response = match AssertUnwindSafe(handled).catch_unwind().instrument(span.clone()).await {
        Ok(response) => response,
        Err(payload) => ApiError::internal(crate::panics::describe(payload.as_ref())).into_response(),
    };

    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        let carried = response.extensions_mut().remove::<ApiError>();
        let is_problem = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
        let problem = match carried {
            Some(err) => Some(err),
            None if !is_problem => Some(ApiError::from_status(status)),
            None => None,
        };
        if let Some(err) = problem {
            if matches!(err.code, ErrorCode::Internal | ErrorCode::Unavailable) {
                if let Some(m) = &state.metrics {
                    m.store_error(err.code.as_str());
                }
                span.in_scope(|| {
                    // The request id in the event itself too: the line must name the
                    // request even where a host's subscriber drops span fields.
                    tracing::error!(
                        request_id = %request_id,
                        code = err.code.as_str(),
                        cause = err.cause.as_deref().unwrap_or("(no cause recorded)"),
                        "request failed"
                    );
                });
            }
            let mut rendered = err.render(Some(&request_id));
            rendered.extensions_mut().remove::<ApiError>();
            // Keep the original answer's headers (Allow, CORS, ...), except the body's.
            let (parts, _) = response.into_parts();
            let mut headers = parts.headers;
            headers.remove(header::CONTENT_LENGTH);
            headers.remove(header::CONTENT_TYPE);
            for (name, value) in rendered.headers() {
                headers.insert(name.clone(), value.clone());
            }
            *rendered.headers_mut() = headers;
            response = rendered;
        }
        if status.as_u16() == 401 {
            set_default(response.headers_mut(), header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
    }

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    set_default(headers, header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    set_default(headers, header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    set_default(headers, header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(API_CSP));
    set_default(headers, header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(max_age) = state.options.hsts_max_age
        && let Ok(value) = HeaderValue::from_str(&format!("max-age={}; includeSubDomains", max_age.as_secs()))
    {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, value);
    }

    let elapsed = started.elapsed();
    let status = response.status();
    if let Some(m) = &state.metrics {
        m.observe_request(method.as_str(), &route_label, status, elapsed.as_secs_f64());
    }
    let status = status.as_u16();
    span.in_scope(|| {
        tracing::info!(status, latency_ms = elapsed.as_secs_f64() * 1000.0, "answered");
    });
    response
}

/// Per-IP fixed-window limit on the auth routes, counted in the store by core
/// (`AuthService::count_request`, core's clock; an IPv6 client counts by its /64).
pub(crate) async fn auth_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(limit) = state.options.auth_rate_limit else { return next.run(req).await };
    let Some(ip) = req.extensions().get::<ClientInfo>().and_then(|c| c.ip.clone()) else {
        return next.run(req).await;
    };
    match state.mart.auth().count_request("http:auth", &ip, limit.max_requests, limit.window).await {
        Ok(()) => next.run(req).await,
        Err(err) => {
            if err.code() == ErrorCode::RateLimited
                && let Some(m) = &state.metrics
            {
                m.rate_limited("auth");
            }
            ApiError::from(err).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_callers_must_be_sane() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("ok-1.2:3_4"));
        assert_eq!(accept_request_id(&headers).as_deref(), Some("ok-1.2:3_4"));
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("no/slashes"));
        assert_eq!(accept_request_id(&headers), None);
        let long = "a".repeat(129);
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_str(&long).unwrap());
        assert_eq!(accept_request_id(&headers), None);
    }
}
