//! Mount the agentmart API under `/market` inside a host's own axum app, with
//! the host's own login minting agentmart principals (bring-your-own-identity).
//!
//! ```text
//! cargo run -p agentmart-http --example mount
//! curl -s localhost:3000/                                   # the host's own page
//! curl -s -H 'x-demo-user: alice' localhost:3000/market/v1/me
//! curl -s -H 'x-demo-user: alice' -H 'content-type: application/json' \
//!      -d '{"slug":"hello","name":"Hello"}' localhost:3000/market/v1/agents
//! curl -s localhost:3000/market/v1/agents
//! ```
//!
//! The `x-demo-user` header stands in for the host's real login (a session
//! cookie, an OIDC token...): whatever the host trusts, its middleware turns
//! into a `Principal` and puts it in the request's extensions. agentmart never
//! sees a password for these users.

use std::net::SocketAddr;

use agentmart_core::auth::ExternalIdentity;
use agentmart_core::{Agentmart, Config};
use agentmart_http::{ApiError, HttpOptions, router};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The host's login, reduced to a header for the demo.
async fn host_login(State(mart): State<Agentmart>, mut req: Request, next: Next) -> Response {
    let user = req.headers().get("x-demo-user").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(user) = user {
        let identity = ExternalIdentity {
            external_id: format!("demo:{user}"),
            handle: Some(user.clone()),
            display_name: Some(user),
            email: None,
        };
        match mart.auth().principal_for_external(identity).await {
            Ok(principal) => {
                req.extensions_mut().insert(principal);
            }
            Err(err) => return ApiError::from(err).into_response(),
        }
    }
    next.run(req).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = std::env::temp_dir().join(format!("agentmart-mount-example-{}", std::process::id()));
    let store = agentmart_stores::open(&format!("sled:{}", data.display())).await?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    let mut config = Config::with_hs256_secret(secret.to_vec());
    config.public_base_url = "http://127.0.0.1:3000/market".into();
    let mart = Agentmart::new(store, config)?;

    let app = axum::Router::new()
        .route("/", get(|| async { "the host's own home page; the marketplace lives under /market" }))
        .nest("/market", router(mart.clone(), HttpOptions::default()))
        .layer(axum::middleware::from_fn_with_state(mart, host_login));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("host app on http://127.0.0.1:3000 (agentmart under /market, data in {})", data.display());
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
    Ok(())
}
