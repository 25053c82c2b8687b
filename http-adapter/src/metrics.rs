//! Prometheus metrics of one router, in its own registry (several routers in one
//! process, e.g. in tests, do not share counters).

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

/// The metrics a router keeps.
#[derive(Clone)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    logins: IntCounterVec,
    store_errors: IntCounterVec,
    rate_limited: IntCounterVec,
}

impl Metrics {
    pub(crate) fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("agentmart_http_requests_total", "HTTP requests answered, by method, matched route and status."),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "agentmart_http_request_duration_seconds",
                "Time to answer HTTP requests, by method, matched route and status.",
            )
            .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["method", "route", "status"],
        )?;
        let logins = IntCounterVec::new(
            Opts::new("agentmart_logins_total", "Login attempts by outcome (success, or the error code)."),
            &["outcome"],
        )?;
        let store_errors = IntCounterVec::new(
            Opts::new(
                "agentmart_store_errors_total",
                "Answers caused by storage failures or unexpected errors (codes unavailable and internal).",
            ),
            &["code"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new("agentmart_rate_limited_total", "Requests refused by the per-IP rate limit, by scope."),
            &["scope"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(logins.clone()))?;
        registry.register(Box::new(store_errors.clone()))?;
        registry.register(Box::new(rate_limited.clone()))?;
        Ok(Self { registry, requests, duration, logins, store_errors, rate_limited })
    }

    pub(crate) fn observe_request(&self, method: &str, route: &str, status: axum::http::StatusCode, seconds: f64) {
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.duration.with_label_values(&labels).observe(seconds);
    }

    pub(crate) fn login(&self, outcome: &str) {
        self.logins.with_label_values(&[outcome]).inc();
    }

    pub(crate) fn store_error(&self, code: &str) {
        self.store_errors.with_label_values(&[code]).inc();
    }

    pub(crate) fn rate_limited(&self, scope: &str) {
        self.rate_limited.with_label_values(&[scope]).inc();
    }

    /// The text exposition format.
    pub(crate) fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}
