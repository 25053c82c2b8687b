//! The ceiling for the HTTP load scenarios (`benches/load/run.sh`): a bare
//! axum server whose only route, `GET /`, answers a fixed JSON body. It runs
//! on the same multi-threaded tokio runtime as `agentmart serve`, so the
//! requests/s it reaches is the most any route can reach on this machine.
//!
//! `cargo run --release -p agentmart-http --example bare -- 127.0.0.1:8090`
//! (the address defaults to `127.0.0.1:8090`); it serves until killed.

use axum::Router;
use axum::http::header;
use axum::routing::get;

/// About the size of a `GET /v1/me` answer.
const BODY: &str = r#"{"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","handle":"load","email":"load@bench.example","role":"user","display_name":null}"#;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8090".to_string());
    let app = Router::new().route("/", get(|| async { ([(header::CONTENT_TYPE, "application/json")], BODY) }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("bare axum baseline serving http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
